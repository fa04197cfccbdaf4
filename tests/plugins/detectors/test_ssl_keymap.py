"""THE key map (fairseq wav2vec 2.0 / HuBERT -> transformers): every front-end name of the
fairseq models lands on exactly the keys of the transformers model, for any layer count,
both convolution-normalisation modes and both LayerNorm placements; nothing else passes."""

import pytest
import torch
from fakebench.plugins.detectors._ssl.frontend import build_config, new_encoder
from fakebench.plugins.detectors._ssl.keymap import (
    PRETRAINING_ONLY,
    KeyMapError,
    fairseq_to_hf,
    hf_name,
    strip_data_parallel,
)

from ._ssl_reference import fairseq_config, fairseq_keys, hf_overrides, random_state

ARCHS = {
    "xlsr-like": {},  # layer_norm extractor, pre-LN, conv bias (XLS-R, MMS, w2v-large)
    "w2v-base-like": {"layer_norm_extractor": False, "layer_norm_first": False, "conv_bias": False},
    "hubert-like": {"conv_bias": False},
}


def _hf_model(cfg, model_type="wav2vec2"):
    over = hf_overrides(cfg)
    over["model_type"] = model_type
    return new_encoder(build_config(over))


@pytest.mark.parametrize("layers", [1, 2, 3])
@pytest.mark.parametrize("arch", list(ARCHS))
def test_the_map_covers_every_transformers_key_exactly(arch, layers):
    cfg = fairseq_config(32, layers, 2, 64, 16, 16, 4, **ARCHS[arch])
    hubert = arch == "hubert-like"
    model = _hf_model(cfg, "hubert" if hubert else "wav2vec2")
    fs = random_state(fairseq_keys(cfg, hubert=hubert))
    mapped = fairseq_to_hf(fs, model.state_dict().keys())
    assert set(mapped) == set(model.state_dict())
    model.load_state_dict(mapped, strict=True)
    # a value lands where the map says, e.g. layer i's first feed-forward matrix
    i = layers - 1
    assert torch.equal(model.state_dict()[f"encoder.layers.{i}.feed_forward.intermediate_dense.weight"],
                       fs[f"encoder.layers.{i}.fc1.weight"])
    g = model.encoder.pos_conv_embed.conv
    weight_g = g.parametrizations.weight.original0 if hasattr(g, "parametrizations") else g.weight_g
    assert torch.equal(weight_g.detach(), fs["encoder.pos_conv.0.weight_g"])


def test_pretraining_heads_are_dropped_and_nothing_else():
    for name in ("quantizer.vars", "quantizer.weight_proj.weight", "project_q.bias", "final_proj.weight",
                 "label_embs_concat"):
        assert hf_name(name) is None
    assert len(PRETRAINING_ONLY) == 6
    assert hf_name("encoder.layers.17.self_attn.out_proj.bias") == "encoder.layers.17.attention.out_proj.bias"
    assert hf_name("feature_extractor.conv_layers.6.2.1.weight") == "feature_extractor.conv_layers.6.layer_norm.weight"
    assert hf_name("feature_extractor.conv_layers.0.2.weight") == "feature_extractor.conv_layers.0.layer_norm.weight"
    with pytest.raises(KeyMapError, match="does not know"):
        fairseq_to_hf({"encoder.layers.0.self_attn.rel_attn_embed.weight": torch.zeros(1)})
    with pytest.raises(KeyMapError):  # group norm exists on the first convolution only
        hf_name("feature_extractor.conv_layers.3.2.weight")


def test_a_missing_or_surplus_layer_is_an_error():
    cfg2 = fairseq_config(32, 2, 2, 64, 16, 16, 4)
    cfg3 = fairseq_config(32, 3, 2, 64, 16, 16, 4)
    model = _hf_model(cfg2)
    with pytest.raises(KeyMapError, match="mapped name.*encoder.layers.2"):
        fairseq_to_hf(random_state(fairseq_keys(cfg3)), model.state_dict().keys())
    partial = random_state(fairseq_keys(cfg2))
    del partial["encoder.layers.1.fc2.bias"]
    with pytest.raises(KeyMapError, match="without a value.*encoder.layers.1.feed_forward.output_dense.bias"):
        fairseq_to_hf(partial, model.state_dict().keys())


def test_data_parallel_prefix():
    assert strip_data_parallel({"module.a": 1, "module.b": 2}) == {"a": 1, "b": 2}
    assert strip_data_parallel({"module.a": 1, "b": 2}) == {"module.a": 1, "b": 2}
