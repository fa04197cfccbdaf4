"""PANNs embedders with seeded random weights: contract, key layout, checkpoint round trip."""

import hashlib

import pytest
import torch

from fakebench.errors import WeightsError
from fakebench.testing import parametrize_with_checks
from fakebench.weights import resolve

from ._models import factory, loaded


@parametrize_with_checks(factory("panns-cnn14-16k"), kind="embedder")
def test_cnn14_16k_conformance(factory, check):
    check(factory)


@pytest.mark.parametrize("name", ["panns-cnn14-32k", "panns-wavegram-logmel"])
def test_32k_models_batch_frames_silence(name):
    emb = loaded(name)
    g = torch.Generator().manual_seed(0)
    x = torch.stack([(torch.rand(32000, generator=g) - 0.5) * 0.5, torch.zeros(32000)])
    with torch.inference_mode():
        batch = emb.embed(x)
        single = emb.embed(x[:1])
        frames = emb.embed(x[:1], frames=True)
    assert batch.shape == (2, 2048) and torch.isfinite(batch).all()  # row 1 is silence
    assert torch.allclose(batch[:1], single, atol=1e-4, rtol=1e-3)
    assert frames.shape == (1, 3, 2048)  # 101 log-mel frames / 32 = 3 at 3.125 per second


def test_alias_and_frontends():
    from fakebench.registry import Registry

    reg = Registry()
    assert reg.embedder("panns").name == "panns-cnn14-32k"
    assert loaded("panns-cnn14-16k").model.logmel_extractor.melW.shape == (257, 64)  # n_fft 512 at 16 kHz
    assert loaded("panns-cnn14-32k").model.logmel_extractor.melW.shape == (513, 64)


def test_wavegram_keys_match_the_official_layout():
    """Key names and shapes of Wavegram_Logmel_Cnn14_mAP=0.439.pth (pytorch/models.py)."""
    state = loaded("panns-wavegram-logmel").model.state_dict()
    expected = {
        "pre_conv0.weight": (64, 1, 11), "pre_bn0.running_mean": (64,),
        "pre_block1.conv1.weight": (64, 64, 3), "pre_block2.conv2.weight": (128, 128, 3),
        "pre_block3.bn2.weight": (128,), "pre_block4.conv1.weight": (64, 4, 3, 3),
        "conv_block1.conv1.weight": (64, 1, 3, 3), "conv_block2.conv1.weight": (128, 128, 3, 3),
        "conv_block6.conv2.weight": (2048, 2048, 3, 3), "bn0.weight": (64,), "fc1.weight": (2048, 2048),
        "fc_audioset.weight": (527, 2048), "logmel_extractor.melW": (513, 64),
        "spectrogram_extractor.stft.conv_real.weight": (513, 1, 1024),
    }
    for key, shape in expected.items():
        assert tuple(state[key].shape) == shape, key
    assert not any("conv_block1" in k and "pre" in k for k in state if k.startswith("conv_block1.conv2"))


def test_cnn14_reference_architecture_parameter_count():
    # Kong et al. 2020 give Cnn14 80.8 M parameters (fixed STFT/mel kernels not counted)
    net = loaded("panns-cnn14-32k").model
    n = sum(p.numel() for name, p in net.named_parameters() if not name.startswith(("spectrogram", "logmel")))
    assert abs(n - 80.75e6) < 0.1e6


def test_checkpoint_round_trip_in_official_layout(tmp_path, monkeypatch):
    """Random weights saved as PANNs' {"iteration", "model", "sampler" (numpy)} checkpoint load
    back through --weights and through ~/panns_data (md5-checked) with the same outputs."""
    import numpy as np

    from fakebench.plugins.embedders import panns

    emb = loaded("panns-cnn14-16k")
    path = tmp_path / "Cnn14_16k_mAP=0.438.pth"
    torch.save({"iteration": 1, "model": emb.model.state_dict(), "sampler": {"queue": np.arange(3)}}, path)
    back = panns.PannsCnn14At16k().load(weights=path)
    assert back.fingerprint() == hashlib.sha256(path.read_bytes()).hexdigest()[:16] != emb.fingerprint()
    assert back.identify(path) == back.fingerprint()
    x = torch.rand(1, 16000) - 0.5
    with torch.inference_mode():
        assert torch.allclose(back.embed(x), emb.embed(x), atol=1e-6)
    assert back.cache_key("full") != emb.cache_key("full")  # other weights, other cache namespace

    cached = tmp_path / "home" / "panns_data" / path.name
    cached.parent.mkdir(parents=True)
    path.rename(cached)
    spec = panns._spec(path.name, hashlib.md5(cached.read_bytes()).hexdigest(), "Cnn14 16k", "")
    monkeypatch.setattr(panns.PannsCnn14At16k, "weights_file", spec)
    assert panns.PannsCnn14At16k().identify() == back.fingerprint()
    assert resolve(spec).source == "panns_data"


def test_missing_weights_error_names_zenodo(monkeypatch):
    from fakebench.plugins.embedders.panns import PannsWavegramLogmel

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(WeightsError, match="Wavegram_Logmel_Cnn14_mAP=0.439.pth") as e:
        PannsWavegramLogmel().load()
    assert "zenodo.org/record/3987831" in e.value.hint and "panns_data" in e.value.hint
    assert PannsWavegramLogmel().identify() is None


def test_a_checkpoint_of_another_model_is_refused(tmp_path):
    from fakebench.plugins.embedders.panns import PannsWavegramLogmel

    path = tmp_path / "cnn14.pth"
    cnn14 = loaded("panns-cnn14-32k").model.state_dict()
    torch.save({"model": {k: v for k, v in cnn14.items() if k.startswith(("bn0", "conv_block1."))}}, path)
    with pytest.raises(WeightsError, match="does not fit the model: .*missing key"):
        PannsWavegramLogmel().load(weights=path)
