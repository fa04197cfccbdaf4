"""Self-supervised speech encoders as countermeasure front-ends (transformers models).

``build_config`` makes a ``transformers`` config from a built-in architecture name
(:data:`ARCHS`, no hub access), a hub id / local folder (its ``config.json``), or a mapping
of config fields; :func:`new_encoder` builds the randomly initialised model (seeded) and
:func:`pretrained_encoder` one with the hub's weights. :class:`SSLNet` joins an encoder and
a back-end and says which encoder output the back-end reads:

``last``    the encoder output (``last_hidden_state``; with the final LayerNorm for the
            pre-LN models XLS-R, MMS, w2v-large, HuBERT-L/XL) = fairseq's
            ``features_only=True`` ``"x"``, what SSL-AASIST and AntiDeepfake read;
``layers``  the raw output of every transformer layer (before any final LayerNorm) =
            fairseq's ``layer_results``, what SLS reads;
``hidden``  hidden state ``k`` as the ``wav2vec2`` embedder numbers them (0 = input of the
            first layer, L = ``last``); layers after ``k`` are not kept;
``weighted`` a learnt softmax-weighted sum of all L + 1 hidden states (SUPERB style).

Input: (batch, samples) waveforms at 16 kHz. With ``normalize`` each waveform is scaled to
zero mean and unit variance over its own samples (``layer_norm``, eps 1e-5), as AntiDeepfake
and the hub models' feature extractors do; SSL-AASIST and SLS feed the raw waveform.
Masking (SpecAugment) is off: the countermeasures call fairseq with ``mask=False``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

#: architecture fields shared by the large pre-LN models (fairseq ``extractor_mode=layer_norm``,
#: ``layer_norm_first=True``, 7 convolutions of 512 channels, 128-tap positional convolution).
_LARGE = {"feat_extract_norm": "layer", "do_stable_layer_norm": True, "conv_bias": True,
          "feat_extract_activation": "gelu", "hidden_act": "gelu", "num_conv_pos_embeddings": 128,
          "num_conv_pos_embedding_groups": 16}
#: dropouts used when fine-tuning (the fairseq configs of XLS-R/MMS fine-tuning in AntiDeepfake's
#: ``W2V_configs.py`` set them to 0; a ``config`` mapping overrides any of them).
_NO_DROPOUT = {"hidden_dropout": 0.0, "attention_dropout": 0.0, "activation_dropout": 0.0,
               "feat_proj_dropout": 0.0, "layerdrop": 0.0, "final_dropout": 0.0}

#: Built-in architectures (transformers config fields), for released checkpoints and random weights.
ARCHS: dict[str, dict[str, Any]] = {
    # wav2vec 2.0 / XLS-R 300M (facebook/wav2vec2-xls-r-300m; SSL-AASIST, SLS), MMS-300M, w2v-large
    "xlsr-300m": {"model_type": "wav2vec2", "hidden_size": 1024, "num_hidden_layers": 24, "num_attention_heads": 16,
                  "intermediate_size": 4096, **_LARGE},
    # wav2vec 2.0 base (fairseq wav2vec_small): GroupNorm extractor, post-LN transformer, no conv bias
    "w2v-base": {"model_type": "wav2vec2", "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12,
                 "intermediate_size": 3072, "feat_extract_norm": "group", "do_stable_layer_norm": False,
                 "conv_bias": False, "feat_extract_activation": "gelu", "hidden_act": "gelu"},
    # XLS-R 1B, MMS-1B
    "xlsr-1b": {"model_type": "wav2vec2", "hidden_size": 1280, "num_hidden_layers": 48, "num_attention_heads": 16,
                "intermediate_size": 5120, **_LARGE},
    # XLS-R 2B
    "xlsr-2b": {"model_type": "wav2vec2", "hidden_size": 1920, "num_hidden_layers": 48, "num_attention_heads": 16,
                "intermediate_size": 7680, **_LARGE},
    # HuBERT X-Large (fairseq hubert_xtralarge_ll60k): like XLS-R 1B, no conv bias
    "hubert-xl": {"model_type": "hubert", "hidden_size": 1280, "num_hidden_layers": 48, "num_attention_heads": 16,
                  "intermediate_size": 5120, **_LARGE, "conv_bias": False, "feat_proj_layer_norm": True},
}
ARCHS["w2v-large"] = dict(ARCHS["xlsr-300m"])
ARCHS["mms-300m"] = dict(ARCHS["xlsr-300m"])
ARCHS["mms-1b"] = dict(ARCHS["xlsr-1b"])


def _config_error(msg: str, hint: str = ""):
    from fakebench.api import ConfigError

    return ConfigError(msg, hint=hint or None)


def build_config(arch: str | Mapping[str, Any], overrides: Mapping[str, Any] | None = None, *, what: str = "ssl"):
    """A transformers config: ``arch`` is a name in :data:`ARCHS` or a mapping with a
    ``model_type``; ``overrides`` set further fields (e.g. a tiny test model). SpecAugment
    masking is switched off and dropouts default to 0."""
    from transformers import AutoConfig

    if isinstance(arch, str):
        if arch not in ARCHS:
            raise _config_error(f"{what}: unknown built-in architecture {arch!r}",
                                f"use one of {', '.join(sorted(ARCHS))}, a hub id, or a local model folder")
        fields = dict(ARCHS[arch])
    else:
        fields = dict(arch)
    fields = {**_NO_DROPOUT, **fields, **dict(overrides or {})}
    model_type = fields.pop("model_type", None)
    if not model_type:
        raise _config_error(f"{what}: the encoder config needs a model_type (wav2vec2, hubert, wavlm...)")
    try:
        config = AutoConfig.for_model(model_type, **fields)
    except (ValueError, KeyError) as e:
        raise _config_error(f"{what}: cannot build a {model_type!r} config: {e}") from None
    config.apply_spec_augment = False
    return config


def config_from_folder(folder, overrides: Mapping[str, Any] | None = None, *, what: str = "ssl"):
    """The config of a transformers model folder, with ``overrides``; masking off."""
    from fakebench.api import WeightsError
    from transformers import AutoConfig

    try:
        config = AutoConfig.from_pretrained(str(folder), local_files_only=True)
    except Exception as e:
        raise WeightsError(f"cannot read the config of {str(folder)!r}: {str(e).splitlines()[0] if str(e) else e}",
                           hint="the folder must hold a transformers config.json") from None
    for key, value in dict(overrides or {}).items():
        setattr(config, key, value)
    config.apply_spec_augment = False
    return config


def config_from_dict(d: Mapping[str, Any]):
    """Rebuild a config saved with ``config.to_dict()`` (a saved detector's state)."""
    from transformers import AutoConfig

    fields = dict(d)
    model_type = fields.pop("model_type")
    for k in ("transformers_version", "architectures", "_name_or_path"):
        fields.pop(k, None)
    return AutoConfig.for_model(model_type, **fields)


def new_encoder(config, seed: int = 0) -> nn.Module:
    """A randomly initialised encoder (its own seeded RNG; the global one is untouched)."""
    from transformers import AutoModel

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        model = AutoModel.from_config(config)
    return model


def pretrained_encoder(model_id: str, weights=None, overrides: Mapping[str, Any] | None = None, *, what: str = "ssl"):
    """(encoder with the hub model's weights, resolved folder info). ``model_id`` is a hub id
    or a local folder; ``weights`` an explicit folder (``--weights``)."""
    from pathlib import Path

    from fakebench.api import hf_model_dir, load_hf_state, load_into

    local = Path(str(model_id)).expanduser()
    found = hf_model_dir(str(model_id), weights if weights else (str(local) if local.is_dir() else None))
    config = config_from_folder(found.path, overrides, what=what)
    model = new_encoder(config)
    prefix = f"{config.model_type}."
    state = load_hf_state(found.path, (prefix, ""))
    own = model.state_dict()
    state = {k: v for k, v in state.items() if k in own or k.endswith(("weight_g", "weight_v"))}
    from fakebench.api import rename_weight_norm

    state = rename_weight_norm(state, own)
    load_into(model, state, what=f"{what} front-end {model_id!r}", path=found.path, optional=("masked_spec_embed",))
    return model, found


def n_frames(config, samples: int) -> int:
    """Encoder frames for ``samples`` input samples (201 for 64,600 at 16 kHz)."""
    length = torch.tensor(int(samples))
    for kernel, stride in zip(config.conv_kernel, config.conv_stride):
        length = torch.div(length - kernel, stride, rounding_mode="floor") + 1
    return int(length)


def normalize_waveform(wave: torch.Tensor) -> torch.Tensor:
    """Zero mean, unit variance per waveform (``layer_norm`` over the samples, eps 1e-5)."""
    return F.layer_norm(wave, wave.shape[-1:])


class SSLNet(nn.Module):
    """``encoder`` (a transformers speech model) -> chosen features -> ``backend`` -> logits.

    ``feature``: ``last``, ``layers``, ``hidden`` (with ``layer``) or ``weighted`` (see the
    module docstring). Keys: ``frontend.<transformers names>``, ``backend.<back-end names>``,
    and ``layer_weights`` for ``weighted``.
    """

    def __init__(self, encoder: nn.Module, backend: nn.Module, *, feature: str = "last", layer: int = -1,
                 normalize: bool = False):
        super().__init__()
        if feature not in ("last", "layers", "hidden", "weighted"):
            raise ValueError(f"unknown feature {feature!r}")
        self.frontend = encoder
        self.backend = backend
        self.feature = feature
        self.normalize = bool(normalize)
        n_layers = len(encoder.encoder.layers)
        self.n_layers = n_layers
        self.layer = None
        if feature == "hidden":
            k = int(layer) % (n_layers + 1)
            if k == n_layers:
                self.feature = "last"
            else:
                self.layer = k
                # keep layers 0..k-1 (k >= 1): hidden state k is the raw output of layer k-1,
                # read from the hook; k = 0 needs one layer for the encoder to report its input
                keep = max(k, 1)
                encoder.encoder.layers = nn.ModuleList(list(encoder.encoder.layers)[:keep])
        if feature == "weighted":
            self.layer_weights = nn.Parameter(torch.zeros(n_layers + 1))
        self._outputs: list[torch.Tensor] = []
        self._hooks = [block.register_forward_hook(self._keep) for block in encoder.encoder.layers]

    def _keep(self, module, inputs, output):
        self._outputs.append(output[0] if isinstance(output, tuple) else output)

    def features(self, wave: torch.Tensor):
        """The encoder output the back-end reads: (B, T, D), or a list of them (``layers``)."""
        if self.normalize:
            wave = normalize_waveform(wave)
        self._outputs = []
        want_hidden = self.feature in ("weighted",) or (self.feature == "hidden" and self.layer == 0)
        out = self.frontend(wave, output_hidden_states=want_hidden, return_dict=True)
        raw, self._outputs = self._outputs, []
        if self.feature == "last":
            return out.last_hidden_state
        if self.feature == "layers":
            return raw
        if self.feature == "hidden":
            return out.hidden_states[0] if self.layer == 0 else raw[self.layer - 1]
        stack = torch.stack(out.hidden_states, dim=0)  # (L+1, B, T, D)
        w = torch.softmax(self.layer_weights, dim=0).to(stack.dtype)
        return (w.view(-1, 1, 1, 1) * stack).sum(dim=0)

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        return self.backend(self.features(wave))
