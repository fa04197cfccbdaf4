"""wav2vec2 and whisper through transformers, with tiny seeded random configs: contract,
layer selection, the models' own preprocessing, and official checkpoint layouts."""

import json

import pytest
import torch

from fakebench.audio import load_audio
from fakebench.errors import ConfigError, WeightsError
from fakebench.testing import parametrize_with_checks

from ._models import TINY_WAV2VEC2, TINY_WHISPER, factory, loaded

pytest.importorskip("transformers")


@parametrize_with_checks(factory("wav2vec2"), kind="embedder")
def test_wav2vec2_conformance(factory, check):
    check(factory)


@parametrize_with_checks(factory("whisper"), kind="embedder")
def test_whisper_conformance(factory, check):
    check(factory)


@pytest.mark.parametrize("name", ["wav2vec2", "whisper"])
def test_layer_selection_and_all_layers(name):
    full = loaded(name, layer="all")
    n_layers, width = 3, 32
    assert full.output_dim == (n_layers + 1) * width
    x = torch.rand(2, 16000) - 0.5
    with torch.inference_mode():
        every = full.embed(x, frames=True)
        for k in (0, 1, -1):
            part = loaded(name, layer=k)  # runs only the layers it needs
            idx = k % (n_layers + 1)
            assert torch.allclose(part.embed(x, frames=True), every[..., idx * width:(idx + 1) * width], atol=1e-5)
    assert len(loaded(name, layer=0).net.encoder.layers if name == "wav2vec2" else loaded(name, layer=0).net.layers) == 1
    with pytest.raises(ConfigError, match="out of range"):
        type(full)(config=full.config, layer=7).load(weights="random")


def test_full_size_defaults():
    from fakebench.plugins.embedders.wav2vec2 import Wav2Vec2
    from fakebench.plugins.embedders.whisper import Whisper

    assert Wav2Vec2().model == "facebook/wav2vec2-base" and Wav2Vec2().output_dim == 768
    assert Wav2Vec2(model="facebook/wav2vec2-xls-r-300m").output_dim == 1024
    assert Wav2Vec2(model="facebook/wav2vec2-xls-r-300m", layer="all").output_dim == 25 * 1024
    assert Whisper().model == "openai/whisper-base" and Whisper().output_dim == 512
    assert Whisper(model="openai/whisper-large-v3").output_dim == 1280


def test_wav2vec2_normalises_like_its_feature_extractor():
    """do_normalize: Wav2Vec2FeatureExtractor's per-clip zero mean, unit variance. (A
    large/XLS-R-style model, whose layer-normed conv front end is not itself invariant to
    gain and offset, unlike the group-normed base one.)"""
    from transformers import Wav2Vec2FeatureExtractor

    from fakebench.plugins.embedders.wav2vec2 import Wav2Vec2

    config = {**TINY_WAV2VEC2, "feat_extract_norm": "layer", "do_stable_layer_norm": True, "conv_bias": True}
    normed = Wav2Vec2(config=config).load(weights="random")
    plain = Wav2Vec2(config=config, normalize=False).load(weights="random")
    x = 0.3 * torch.rand(2, 16000) + 0.05
    ref = Wav2Vec2FeatureExtractor(do_normalize=True)(list(x.numpy()), sampling_rate=16000, return_tensors="pt")
    with torch.inference_mode():
        ours = normed.embed(x)
        theirs = plain.embed(ref.input_values)
        raw = plain.embed(x)
    assert torch.allclose(ours, theirs, atol=1e-4) and not torch.allclose(ours, raw, atol=1e-2)


def test_whisper_log_mel_matches_the_feature_extractor(shared, speech_rows):
    from transformers import WhisperFeatureExtractor

    # a tiny model with the official 30-s chunk, to compare against the 30-s feature extractor
    from fakebench.plugins.embedders.whisper import Whisper

    tiny = Whisper(config={**TINY_WHISPER, "max_source_positions": 1500}).load(weights="random")
    row = next(r for r in speech_rows if r["path"].endswith(".flac"))
    wave = load_audio(shared / "data" / "speech" / row["path"], 16000, "crop:8")
    ref = WhisperFeatureExtractor(feature_size=80)(wave.numpy(), sampling_rate=16000, return_tensors="pt")
    ours = tiny.log_mel(torch.nn.functional.pad(wave, (0, 480000 - len(wave)))[None])
    assert ours.shape == ref.input_features.shape == (1, 80, 3000)
    assert torch.allclose(ours, ref.input_features, atol=2e-4)
    with torch.inference_mode():
        frames = tiny.embed(wave[None], frames=True)
    assert frames.shape == (1, 400, 32)  # 8 s at 50 frames per second, the 22-s padding dropped


def _copy_into(module, state):
    missing, unexpected = module.load_state_dict(state, strict=False)
    assert not unexpected
    return missing


def test_wav2vec2_official_layout_with_weight_norm_names(tmp_path):
    """A Wav2Vec2ForPreTraining folder (wav2vec2.* keys, quantizer etc.) whose positional
    conv uses the old weight_g/weight_v names, as the hub checkpoints do."""
    from safetensors.torch import save_file
    from transformers import Wav2Vec2ForPreTraining

    from fakebench.plugins.embedders.wav2vec2 import Wav2Vec2

    emb = loaded("wav2vec2")
    config = emb._config
    full = Wav2Vec2ForPreTraining(config)
    _copy_into(full.wav2vec2, emb.net.state_dict())
    full.save_pretrained(tmp_path / "w2v", safe_serialization=True)
    state = {}
    from safetensors import safe_open

    with safe_open(str(tmp_path / "w2v" / "model.safetensors"), "pt") as f:
        for key in f.keys():
            new = key.replace("parametrizations.weight.original0", "weight_g").replace(
                "parametrizations.weight.original1", "weight_v")
            state[new] = f.get_tensor(key)
    assert any(k.endswith("weight_g") for k in state) and any(k.startswith("quantizer.") for k in state)
    save_file(state, str(tmp_path / "w2v" / "model.safetensors"))
    (tmp_path / "w2v" / "preprocessor_config.json").write_text(json.dumps({"do_normalize": False}))
    back = Wav2Vec2().load(weights=tmp_path / "w2v")
    assert back.output_dim == 32 and back.identify(tmp_path / "w2v") == back.fingerprint() != "random"
    x = torch.rand(1, 16000) - 0.5
    with torch.inference_mode():
        assert torch.allclose(back.embed(x), loaded("wav2vec2", normalize=False).embed(x), atol=1e-5)


def test_whisper_official_layout_bin_file_decoder_not_read(tmp_path):
    """A WhisperForConditionalGeneration folder (model.encoder.*, model.decoder.*,
    pytorch_model.bin): only the encoder is loaded, with weights_only=True."""
    from transformers import WhisperForConditionalGeneration

    from fakebench.plugins.embedders.whisper import Whisper

    emb = loaded("whisper")
    full = WhisperForConditionalGeneration(emb._config)
    missing = _copy_into(full.model.encoder, emb.net.state_dict())
    assert not [k for k in missing if not k.startswith("layers.")]  # only the truncated-away layers
    full.save_pretrained(tmp_path / "wh", safe_serialization=False)
    assert (tmp_path / "wh" / "pytorch_model.bin").is_file()
    back = Whisper().load(weights=tmp_path / "wh")
    x = torch.rand(1, 16000) - 0.5
    with torch.inference_mode():
        assert torch.allclose(back.embed(x), emb.embed(x), atol=1e-5)


def test_uncached_hub_model_is_a_clear_error(monkeypatch):
    from fakebench.plugins.embedders.whisper import Whisper

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(WeightsError, match="'openai/whisper-small' was not found") as e:
        Whisper(model="openai/whisper-small").load()
    assert "huggingface-cli download openai/whisper-small" in e.value.hint
    assert Whisper(model="openai/whisper-small").identify() is None
    with pytest.raises(ConfigError, match="no field 'hidden_sise'"):
        Whisper(config={"hidden_sise": 3}).load(weights="random")
