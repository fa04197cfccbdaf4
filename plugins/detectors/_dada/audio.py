"""DADA's audio branch: a wav2vec2 backbone, attentive multi-layer pooling, a bottleneck.

Backbone: transformers ``Wav2Vec2Model`` (A. Baevski et al., "wav2vec 2.0", NeurIPS 2020;
https://huggingface.co/docs/transformers/model_doc/wav2vec2). ``audio_model`` is a hub id
or a local folder, looked up in this order: the folder; ``$FAKEBENCH_WEIGHTS/wav2vec2/<id
with / as -->``; the Hugging Face cache; a download from the hub; otherwise a
:class:`WeightsError`. ``audio_init="random"`` instead builds a randomly initialised
model from ``Wav2Vec2Config(**audio_config)`` over :data:`TINY_WAV2VEC2` -- an explicit
choice for offline tests and smoke runs (its results say nothing about wav2vec2); it is
never a silent fallback. Input: 16 kHz mono, normalised per clip to zero mean and unit
variance (as ``Wav2Vec2FeatureExtractor(do_normalize=True)``); one frame per 20 ms.

Pooling: for each selected hidden state (``audio_layers``; default all, the CNN
projection output included) the frames are layer-normalised (no affine) and averaged with
learned attention over time (``a_t = softmax_t(v_l . tanh(W_l h_t + b_l))``, attention width
min(128, hidden)); the per-layer
vectors are then averaged with learned softmax weights over layers. A non-linear
bottleneck (Linear -> GELU -> Dropout -> Linear) maps the result to ``audio_dim``, and the
output is L2-normalised.

Training: cosine triplet loss in three stages (``audio_stage_epochs``): (1) fixed margin
``audio_margin0``; (2) AdaTriplet with AutoMargin (see :mod:`.losses`), starting at margin
``audio_margin_adaptive`` with ``beta`` set from the anchor-negative similarities seen at
the end of stage 1; (3) a fixed margin equal to the last adaptive margin of stage 2.
The backbone is frozen by default (``audio_finetune=False``); its hidden states are then
computed once per fit and kept in memory when they fit in ``audio_cache_mb`` (else they
are recomputed for every batch).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Sequence

import torch
import torch.nn.functional as F

from fakebench.api import ConfigError, WeightsError

from .losses import AdaTriplet, triplet_loss
from .triplets import Stage, sample_triplets, train_triplets

#: The small random-init configuration used with ``audio_init="random"`` (overridden
#: key by key by ``audio_config``): 2 transformer layers of width 64, 7 conv layers of 32
#: channels with wav2vec2's kernels and strides (320x down-sampling, 50 frames/s).
TINY_WAV2VEC2: dict[str, Any] = {
    "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 128,
    "conv_dim": [32] * 7, "num_conv_pos_embeddings": 16, "num_conv_pos_embedding_groups": 4,
}


def build_backbone(model: str, init: str, config: dict | None):
    """The wav2vec2 backbone: pretrained from ``model`` or random from a config."""
    from transformers import Wav2Vec2Config, Wav2Vec2Model

    if init == "random":
        cfg = Wav2Vec2Config(**{**TINY_WAV2VEC2, **(config or {})})
        return Wav2Vec2Model(cfg)
    if init != "pretrained":
        raise ConfigError(f"audio_init={init!r} must be pretrained or random",
                          hint="random builds an untrained wav2vec2 from audio_config (offline tests only)")
    if config:
        raise ConfigError("audio_config applies only with audio_init=random",
                          hint="a pretrained audio_model brings its own configuration")
    ref = resolve_audio_model(model)
    try:
        return Wav2Vec2Model.from_pretrained(ref)
    except (OSError, ValueError) as e:
        from fakebench.api import weights_root

        raise WeightsError(
            f"wav2vec2 model {model!r} could not be loaded: {str(e).splitlines()[0] if str(e) else e}",
            hint=f"download it (huggingface-cli download {model}) into the Hugging Face cache or "
                 f"{weights_root() / 'wav2vec2' / model.replace('/', '--')}, or pass audio_model=<local folder>; "
                 "for an offline smoke test only, audio_init=random") from None


def resolve_audio_model(name: str) -> str:
    path = Path(name).expanduser()
    if path.is_dir():
        return str(path.absolute())
    from fakebench.api import weights_root

    local = weights_root() / "wav2vec2" / name.replace("/", "--")
    if (local / "config.json").is_file():
        return str(local)
    try:
        from huggingface_hub import snapshot_download

        return snapshot_download(name, local_files_only=True)
    except Exception:
        return name


def backbone_from_config(config_json: str):
    from transformers import Wav2Vec2Config, Wav2Vec2Model

    return Wav2Vec2Model(Wav2Vec2Config.from_dict(json.loads(config_json)))


class AttentiveLayerPooling(torch.nn.Module):
    """(B, L, T, H) hidden states -> (B, H): attention over time per layer, then learned
    softmax weights over layers. ``mask`` (B, T) marks real frames."""

    def __init__(self, n_layers: int, hidden: int, attn_dim: int = 128):
        super().__init__()
        self.norm = torch.nn.LayerNorm(hidden, elementwise_affine=False)
        self.w = torch.nn.Parameter(torch.empty(n_layers, hidden, attn_dim))
        self.b = torch.nn.Parameter(torch.zeros(n_layers, attn_dim))
        self.v = torch.nn.Parameter(torch.empty(n_layers, attn_dim))
        self.layer_logits = torch.nn.Parameter(torch.zeros(n_layers))
        bound = 1 / math.sqrt(hidden)
        torch.nn.init.uniform_(self.w, -bound, bound)
        torch.nn.init.uniform_(self.v, -1 / math.sqrt(attn_dim), 1 / math.sqrt(attn_dim))

    def time_weights(self, h: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """Attention over time (B, L, T); zero on masked frames."""
        e = torch.tanh(torch.einsum("blth,lha->blta", h, self.w) + self.b[None, :, None, :])
        s = torch.einsum("blta,la->blt", e, self.v)
        if mask is not None:
            s = s.masked_fill(~mask[:, None, :], float("-inf"))
        return torch.softmax(s, dim=-1)

    def layer_weights(self) -> torch.Tensor:
        return torch.softmax(self.layer_logits, dim=0)

    def forward(self, h: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        h = self.norm(h)
        pooled = torch.einsum("blt,blth->blh", self.time_weights(h, mask), h)
        return torch.einsum("l,blh->bh", self.layer_weights(), pooled)


class AudioHead(torch.nn.Module):
    """Pooling + non-linear bottleneck -> L2-normalised (B, dim)."""

    def __init__(self, n_layers: int, hidden: int, bottleneck: int, dim: int, dropout: float = 0.1):
        super().__init__()
        self.pool = AttentiveLayerPooling(n_layers, hidden, attn_dim=min(128, hidden))
        self.bottleneck = torch.nn.Sequential(torch.nn.Linear(hidden, bottleneck), torch.nn.GELU(),
                                              torch.nn.Dropout(dropout), torch.nn.Linear(bottleneck, dim))

    def forward(self, h: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        return F.normalize(self.bottleneck(self.pool(h, mask)), dim=-1)


class AudioBranch(torch.nn.Module):
    def __init__(self, backbone, layers: Sequence[int] | None, bottleneck: int, dim: int, finetune: bool,
                 cache_mb: float = 4096.0):
        super().__init__()
        self.backbone = backbone
        n_states = backbone.config.num_hidden_layers + 1
        self.layers = list(range(n_states)) if layers is None else [int(i) % n_states for i in layers]
        if not self.layers:
            raise ConfigError("audio_layers is empty", hint="leave it unset to pool every layer")
        self.head = AudioHead(len(self.layers), backbone.config.hidden_size, bottleneck, dim)
        self.finetune = bool(finetune)
        self.cache_mb = float(cache_mb)
        for p in self.backbone.parameters():
            p.requires_grad_(self.finetune)
        self.backbone.train(False)

    @property
    def device(self) -> torch.device:
        return next(self.head.parameters()).device

    def hidden(self, waves: torch.Tensor) -> torch.Tensor:
        """(B, samples) -> selected hidden states (B, L, T, H)."""
        x = waves.to(self.device, torch.float32)
        x = (x - x.mean(dim=1, keepdim=True)) / torch.sqrt(x.var(dim=1, keepdim=True) + 1e-7)
        out = self.backbone(x, output_hidden_states=True, return_dict=True)
        return torch.stack([out.hidden_states[i] for i in self.layers], dim=1)

    def frames(self, source, batch_size: int) -> "Frames":
        return Frames(self, source, batch_size)

    def embed(self, source, batch_size: int = 16) -> torch.Tensor:
        """L2-normalised (n, dim) embeddings of every clip of an AudioSource."""
        return self.embed_frames(self.frames(source, batch_size), len(source), batch_size)

    @torch.no_grad()
    def embed_frames(self, frames: "Frames", n: int, batch_size: int = 16) -> torch.Tensor:
        self.eval()
        if n == 0:
            return torch.zeros(0, self.head.bottleneck[-1].out_features, device=self.device)
        return torch.cat([self.head(*frames(torch.arange(i, min(i + batch_size, n))))
                          for i in range(0, n, batch_size)])

    def fit(self, frames: "Frames", codes, *, epochs: Sequence[int], margin0: float, margin_adaptive: float,
            k_delta: float, k_an: float, lambda_an: float, batch_size: int, lr: float,
            generator: torch.Generator) -> tuple[list[dict], dict]:
        """The three training stages; returns (history, margins)."""
        if len(epochs) != 3:
            raise ConfigError(f"audio_stage_epochs={list(epochs)} must give three epoch counts",
                              hint="e.g. audio_stage_epochs=[10,10,10] (fixed, adaptive, final)")
        self.train()
        self.backbone.train(self.finetune)

        def embed(idx: torch.Tensor) -> torch.Tensor:
            return self.head(*frames(idx))

        params = [p for p in self.parameters() if p.requires_grad]
        opt = torch.optim.Adam(params, lr=lr)
        history = train_triplets(embed, params, codes, [Stage("audio-fixed", epochs[0], _Fixed(margin0), margin0)],
                                 batch_size=batch_size, generator=generator, optimizer=opt)
        ada = AdaTriplet(eps=margin_adaptive, beta=0.0, k_delta=k_delta, k_an=k_an, lambda_an=lambda_an)
        with torch.no_grad():  # beta from where stage 1 left the anchor-negative similarities
            a, p, n = sample_triplets(codes, generator)
            for s in range(0, len(a), batch_size):
                e = embed(torch.cat([a[s:s + batch_size], p[s:s + batch_size], n[s:s + batch_size]]))
                k = len(a[s:s + batch_size])
                ada.observe(e[:k], e[k:2 * k], e[2 * k:])
        ada.update(eps=False, beta=True)
        beta0 = ada.beta
        history += train_triplets(embed, params, codes, [Stage("audio-adatriplet", epochs[1], ada)],
                                  batch_size=batch_size, generator=generator, optimizer=opt)
        final = ada.eps
        history += train_triplets(embed, params, codes, [Stage("audio-final", epochs[2], _Fixed(final), final)],
                                  batch_size=batch_size, generator=generator, optimizer=opt)
        self.eval()
        margins = {"stage1": float(margin0), "stage2_initial": float(margin_adaptive), "stage2_beta_initial": beta0,
                   "stage2_final": float(final), "stage2_beta_final": float(ada.beta), "stage3": float(final)}
        return history, margins

    def state(self, save_backbone: bool) -> dict:
        return {"head": {k: v.detach().cpu() for k, v in self.head.state_dict().items()},
                "backbone": ({k: v.detach().cpu() for k, v in self.backbone.state_dict().items()}
                             if save_backbone else None),
                "config_json": self.backbone.config.to_json_string(), "layers": list(self.layers)}

    def load(self, state: dict) -> "AudioBranch":
        self.head.load_state_dict(state["head"])
        if state.get("backbone") is not None:
            self.backbone.load_state_dict(state["backbone"])
        return self


class _Fixed:
    """Cosine triplet loss with a fixed margin (a picklable callable for a Stage)."""

    def __init__(self, margin: float):
        self.margin = float(margin)

    def __call__(self, a, p, n):
        return triplet_loss(a, p, n, margin=self.margin, distance="cosine")


class Frames:
    """Backbone hidden states of the clips of an AudioSource, by index.

    ``frames(idx)`` returns ``(h, mask)``: h (B, L, T, H) padded to the longest clip, and
    a (B, T) mask of real frames (None when all clips have the same length). With a
    frozen backbone the states are computed once and kept when they fit in the branch's
    ``cache_mb``; otherwise (or when fine-tuning) they are computed per call.
    """

    def __init__(self, branch: AudioBranch, source, batch_size: int):
        self.branch = branch
        self.source = source
        self.batch_size = max(1, int(batch_size))
        self.fixed = source.length.mode != "full"
        self.store: list[torch.Tensor] | None = None
        if not branch.finetune and self._estimate_mb() <= branch.cache_mb:
            self.store = self._compute_all()

    def _estimate_mb(self) -> float:
        """Memory the kept hidden states would take (float32, 50 frames/s)."""
        if not len(self.source):
            return 0.0
        seconds = self.source.length.seconds
        if seconds is None:
            seconds = max((c.duration or 10.0) for c in self.source.clips)
        cfg = self.branch.backbone.config
        return len(self.source) * len(self.branch.layers) * seconds * 50 * cfg.hidden_size * 4 / 2**20

    @torch.no_grad()
    def _compute_all(self) -> list[torch.Tensor]:
        out: list[torch.Tensor] = []
        bs = self.batch_size if self.fixed else 1
        for waves, _ in self.source.loader(batch_size=bs, num_workers=0):
            h = self.branch.hidden(waves)
            out.extend(h.unbind(0))
        return out

    def __call__(self, idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        idx = idx.tolist()
        if self.store is not None:
            states = [self.store[i] for i in idx]
        elif self.fixed:
            waves = torch.stack([self.source[i][0] for i in idx])
            with torch.set_grad_enabled(self.branch.finetune and torch.is_grad_enabled()):
                return self.branch.hidden(waves), None
        else:
            with torch.set_grad_enabled(self.branch.finetune and torch.is_grad_enabled()):
                states = [self.branch.hidden(self.source[i][0][None])[0] for i in idx]
        lengths = [s.shape[1] for s in states]
        if len(set(lengths)) == 1:
            return torch.stack(states), None
        t = max(lengths)
        h = torch.stack([F.pad(s, (0, 0, 0, t - s.shape[1])) for s in states])
        mask = torch.arange(t, device=h.device)[None, :] < torch.tensor(lengths, device=h.device)[:, None]
        return h, mask
