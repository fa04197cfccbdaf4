"""``wav2vec2``: wav2vec 2.0 / XLS-R hidden states via transformers; any layer, or all.

Source: A. Baevski, H. Zhou, A. Mohamed, M. Auli, "wav2vec 2.0: A Framework for
Self-Supervised Learning of Speech Representations", NeurIPS 2020; A. Babu et al.,
"XLS-R: Self-supervised Cross-lingual Speech Representation Learning at Scale",
Interspeech 2022. Weights: Hugging Face hub (``facebook/wav2vec2-base``, default, 768-d,
12 layers, Apache-2.0; ``facebook/wav2vec2-xls-r-300m``, 1024-d, 24 layers, Apache-2.0;
any ``Wav2Vec2Model``-compatible checkpoint). Model code: ``transformers.Wav2Vec2Model``.

Preprocessing (``Wav2Vec2FeatureExtractor``): 16 kHz mono, resampled with a windowed
sinc; each clip normalised to zero mean and unit variance (``(x - mean) / sqrt(var +
1e-7)``) when the model's ``preprocessor_config.json`` says ``do_normalize`` (true for the
models above; ``normalize`` overrides it). Clips shorter than 0.1 s are zero-padded.

Parameters: ``model`` (hub id, also the config used for random weights), ``layer``
(index into the hidden states: 0 is the input of the first transformer layer, -1 the last,
default; ``"all"`` concatenates all of them, so the dimension becomes (layers + 1) x
hidden), ``normalize`` (None: as the model says) and ``config`` (a mapping of config
fields to override, e.g. ``{"num_hidden_layers": 2, "hidden_size": 32, ...}`` for a tiny
random test model). Layers after the selected one are not run.

Input: (n, samples) mono audio in [-1, 1] at 16 kHz. Output: (n, D) mean over time of
the selected hidden state; with ``frames=True``, (n, frames, D) at 50 frames per second
(one frame per 320 samples).

Weights: ``--weights`` (a model folder: config.json plus model.safetensors or
pytorch_model.bin, e.g. from ``save_pretrained``), else the HF cache snapshot of
``model``, else (online) a hub download. Only the ``wav2vec2.*`` encoder tensors are read,
from safetensors or with ``weights_only=True``. ``--weights random``: seeded random weights
from the model's config (from the HF cache, else built in for the base and large/XLS-R
architectures).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import json

from fakebench.api import Embedder, hookimpl
from fakebench.api import Text

from ._hf import identify_hf, load_encoder, pick_layer, select, truncate
from fakebench.api import Settings
from ._params import LayerParam, MAYBE_BOOL

if TYPE_CHECKING:  # annotations only: the module imports torch where it runs it
    import torch

SR = 16000
LARGE = {"hidden_size": 1024, "num_hidden_layers": 24, "num_attention_heads": 16, "intermediate_size": 4096,
         "feat_extract_norm": "layer", "do_stable_layer_norm": True, "conv_bias": True,
         "feat_extract_activation": "gelu", "hidden_act": "gelu"}


def builtin_config(model_id: str):
    """A config for random weights without the hub: base (wav2vec2-base) or large (-large,
    XLS-R 300M) architecture, chosen from the model id."""
    from transformers import Wav2Vec2Config

    config = Wav2Vec2Config()  # the defaults are wav2vec2-base's architecture
    mid = model_id.lower()
    if "large" in mid or "xls-r-300m" in mid or "xlsr" in mid:
        for k, v in LARGE.items():
            setattr(config, k, v)
    return config


class Wav2Vec2(Embedder):
    """wav2vec 2.0 / XLS-R encoder hidden states (transformers), 16 kHz input."""

    name = "wav2vec2"
    description = "wav2vec 2.0 / XLS-R hidden states (transformers), 16 kHz, layer selection, 768/1024-d"
    sample_rate = SR
    dim = 768
    frame_rate = SR / 320
    min_seconds = 0.1
    resampler = "sinc"
    license = "Apache-2.0"
    citation = "Baevski et al., wav2vec 2.0, NeurIPS 2020; Babu et al., XLS-R, Interspeech 2022"
    default_batch_size = 8

    param_specs = {"model": Text(), "layer": LayerParam(), "normalize": MAYBE_BOOL, "config": Settings()}

    def __init__(self, model="facebook/wav2vec2-base", layer=-1, normalize=None, config=None):
        self.model = model
        self.layer = layer
        self.normalize = normalize
        self.config = config

    @property
    def output_dim(self) -> int:
        cfg = getattr(self, "_config", None)
        if cfg is not None:  # loaded: the real config
            hidden, layers = cfg.hidden_size, cfg.num_hidden_layers
        else:  # before load: the built-in architecture for this model id, with the overrides
            base, over = builtin_config(self.model), self.config or {}
            hidden = over.get("hidden_size", base.hidden_size)
            layers = over.get("num_hidden_layers", base.num_hidden_layers)
        k = pick_layer(self.layer, layers, self.name)
        return hidden * (layers + 1) if k is None else hidden

    def identify(self, weights=None):
        return identify_hf(self, weights)

    def requirements(self, weights=None):
        """transformers, and the model folder (``--weights``, the Hugging Face cache, or a
        download of ``model``); ``--weights random`` needs no file."""
        from fakebench.api import hf_requirement, package_requirement

        return [package_requirement("transformers", "'transformers<5'", what="the transformers package"),
                hf_requirement(str(self.model), weights, what=f"wav2vec2 model {self.model!r}")]

    def load(self, weights=None, device="cpu"):
        import torch

        from transformers import Wav2Vec2Config, Wav2Vec2Model

        self.device = torch.device(device)
        net, config = load_encoder(self, weights=weights, config_cls=Wav2Vec2Config, builtin=builtin_config,
                                   build=Wav2Vec2Model, prefixes=("wav2vec2.", ""), optional=("masked_spec_embed",),
                                   what="wav2vec2 model")
        self._config = config
        self._k = pick_layer(self.layer, config.num_hidden_layers, self.name)
        net.encoder.layers = truncate(net.encoder.layers, self._k)
        self.net = net.to(self.device)
        self._normalize = self.normalize
        if self._normalize is None:
            pre = self.weights_path / "preprocessor_config.json" if self.weights_path else None
            self._normalize = bool(json.loads(pre.read_text()).get("do_normalize", True)) \
                if pre is not None and pre.is_file() else True
        return self

    def embed(self, batch: torch.Tensor, frames: bool = False) -> torch.Tensor:
        import torch

        x = batch.float()
        if self._normalize:
            mean = x.mean(dim=1, keepdim=True)
            var = x.var(dim=1, unbiased=False, keepdim=True)
            x = (x - mean) / torch.sqrt(var + 1e-7)
        out = self.net(x, output_hidden_states=True)
        h = select(out.hidden_states, self._k).float()
        return h if frames else h.mean(dim=1)


@hookimpl
def fakebench_register_embedders():
    return [Wav2Vec2]
