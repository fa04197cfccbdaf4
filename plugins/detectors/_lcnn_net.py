"""LFCC-LCNN countermeasures (NII / ASVspoof 2021 baselines), written for fakebench.

Papers: X. Wang and J. Yamagishi, "A Comparative Study on Recent Neural Spoofing
Countermeasures for Synthetic Speech Detection", Interspeech 2021 (arXiv:2103.11326);
the LCNN itself: G. Lavrentyeva et al., "STC Antispoofing Systems for the ASVspoof2019
Challenge", Interspeech 2019. Reference code (BSD-3-Clause, (c) Xin Wang, NII):
https://github.com/nii-yamagishilab/project-NN-Pytorch-scripts ``project/03-asvspoof-mega``
(``lfcc-lcnn-{lstmsum,fixed,attention}-sig/*/model.py``) and its copy in
https://github.com/asvspoof-challenge/2021 ``{LA,DF}/Baseline-LFCC-LCNN/project/baseline_*/model.py``.
Nothing is copied; module names follow that code so the released checkpoints load with
strict key matching (``input_mean``... ``m_transform.0.*``, ``m_before_pooling.0.*``,
``m_output_act.0.*``, ``m_frontend.0.*``).

Three variants, one per network type of ``03-asvspoof-mega`` (all with the sigmoid
output, "sig"):

``lcnn-lstm-sum``  (``lstmsum``; the ASVspoof 2021 LA/DF baseline) LFCC -> LCNN ->
                   two BLSTM layers whose output is added to their input, mean over
                   time, linear -> 1;
``lcnn-attention`` (``attention``) LFCC -> LCNN -> self-weighted attentive pooling
                   (weighted mean and standard deviation), linear -> 1;
``lcnn-trim-pad``  (``fixed``) LFCC trimmed or tiled to 750 frames (7.5 s) -> LCNN ->
                   dropout 0.7, linear 4416 -> 160, max-feature-map, linear 80 -> 1.

The LCNN (input (B, 1, frames, 60)): conv 5x5 (64) MFM, max-pool 2; conv 1x1 (64) MFM,
BN; conv 3x3 (96) MFM; max-pool 2, BN; conv 1x1 (96) MFM, BN; conv 3x3 (128) MFM;
max-pool 2; conv 1x1 (128) MFM, BN; conv 3x3 (64) MFM, BN; conv 1x1 (64) MFM, BN;
conv 3x3 (64) MFM; max-pool 2; (dropout 0.7 for lstm-sum and attention). Max-feature-map
(MFM) keeps the element-wise maximum of the two halves of the channels; the batch
norms have no affine parameters. Output: (B, frames // 16, 32 x 3) after flattening
channels and the 60 // 16 = 3 remaining feature bins.

Output: one logit per clip, **higher = bona fide** (the reference's score, before its
sigmoid). Deliberate differences from the reference, none of which changes a loaded
checkpoint's scores on clips up to 7.5 s: ``lcnn-trim-pad`` trims a longer clip at a
random frame only in training and at its start otherwise (the reference draws a random
start at scoring time too); the attentive pooling adds its 1e-5 noise to the standard
deviation only in training, and gives a standard deviation of 0 (not NaN) for a single
frame (clips under ~0.3 s).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ._lfcc import LFCC

VARIANTS = ("lcnn-lstm-sum", "lcnn-attention", "lcnn-trim-pad")

#: LFCC set-ups: the ASVspoof 2021 baselines use a 1024-point FFT and 0-4 kHz; the
#: ``03-asvspoof-mega`` models a 512-point FFT and 0-8 kHz. Both: 20 ms Hamming
#: frames every 10 ms, 20 filters, energy, deltas.
FRONT_ENDS = {
    "asvspoof2021": {"n_fft": 1024, "max_freq": 0.5},
    "mega": {"n_fft": 512, "max_freq": 1.0},
}

#: ``lcnn-trim-pad``: frames kept (10 * 16 * 750 // 160 in the reference).
TRIM_FRAMES = 750


class MaxFeatureMap(nn.Module):
    """Element-wise max of the first and second half of dim 1."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a, b = x.chunk(2, dim=1)
        return torch.maximum(a, b)


class BLSTMLayer(nn.Module):
    """A bidirectional LSTM over (B, T, D) returning (B, T, output_dim)."""

    def __init__(self, input_dim: int, output_dim: int):
        super().__init__()
        self.l_blstm = nn.LSTM(input_dim, output_dim // 2, bidirectional=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.l_blstm(x.transpose(0, 1))
        return out.transpose(0, 1)


class SelfWeightedPooling(nn.Module):
    """Attentive pooling over time: weights ``softmax_t(tanh(x_t . w))``; output the
    weighted sum and the standard deviation over time of the weighted frames."""

    def __init__(self, feature_dim: int, noise_std: float = 1e-5):
        super().__init__()
        self.mm_weights = nn.Parameter(torch.empty(1, feature_dim))
        nn.init.kaiming_uniform_(self.mm_weights)
        self.noise_std = noise_std

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        att = torch.softmax(torch.tanh(x @ self.mm_weights.t()), dim=1)  # (B, T, 1)
        weighted = x * att
        noisy = weighted + self.noise_std * torch.randn_like(weighted) if self.training else weighted
        # one frame (a clip under ~0.3 s) has no standard deviation: 0, where the reference gives NaN
        std = noisy.std(1) if x.shape[1] > 1 else torch.zeros_like(weighted[:, 0])
        return torch.cat([weighted.sum(1), std], dim=1)


def lcnn_body(final_dropout: bool) -> nn.Sequential:
    """The LCNN stack, layer for layer at the reference's indices."""
    layers: list[nn.Module] = [
        nn.Conv2d(1, 64, 5, 1, padding=2), MaxFeatureMap(), nn.MaxPool2d(2, 2),
        nn.Conv2d(32, 64, 1, 1), MaxFeatureMap(), nn.BatchNorm2d(32, affine=False),
        nn.Conv2d(32, 96, 3, 1, padding=1), MaxFeatureMap(),
        nn.MaxPool2d(2, 2), nn.BatchNorm2d(48, affine=False),
        nn.Conv2d(48, 96, 1, 1), MaxFeatureMap(), nn.BatchNorm2d(48, affine=False),
        nn.Conv2d(48, 128, 3, 1, padding=1), MaxFeatureMap(),
        nn.MaxPool2d(2, 2),
        nn.Conv2d(64, 128, 1, 1), MaxFeatureMap(), nn.BatchNorm2d(64, affine=False),
        nn.Conv2d(64, 64, 3, 1, padding=1), MaxFeatureMap(), nn.BatchNorm2d(32, affine=False),
        nn.Conv2d(32, 64, 1, 1), MaxFeatureMap(), nn.BatchNorm2d(32, affine=False),
        nn.Conv2d(32, 64, 3, 1, padding=1), MaxFeatureMap(), nn.MaxPool2d(2, 2),
    ]
    if final_dropout:
        layers.append(nn.Dropout(0.7))
    return nn.Sequential(*layers)


def trim_or_tile(feats: torch.Tensor, lengths: torch.Tensor, frame_shift: int, frames: int, train: bool,
                 generator: torch.Generator | None = None) -> torch.Tensor:
    """(B, T, D) -> (B, frames, D): each clip's ``length // frame_shift`` frames, a window
    of ``frames`` (random start in training, the first otherwise) or tiled to ``frames``."""
    out = feats.new_zeros(feats.shape[0], frames, feats.shape[2])
    for i in range(feats.shape[0]):
        true = max(1, min(int(lengths[i]) // frame_shift, feats.shape[1]))
        if true > frames:
            start = int(math.floor(float(torch.rand(1, generator=generator)) * (true - frames))) if train else 0
            out[i] = feats[i, start:start + frames]
        else:
            reps = math.ceil(frames / true)
            out[i] = feats[i, :true].repeat(reps, 1)[:frames]
    return out


class LFCCLCNN(nn.Module):
    """``forward(wave, lengths=None)`` maps (B, samples) at 16 kHz to (B,) logits of bona
    fide. ``lengths`` (samples per clip, for zero-padded batches) matters only to
    ``lcnn-trim-pad``, which trims each clip by its own length as the reference does."""

    def __init__(self, variant: str = "lcnn-lstm-sum", n_fft: int = 1024, max_freq: float = 0.5,
                 frame_length: int = 320, frame_shift: int = 160, filter_num: int = 20, sample_rate: int = 16000):
        super().__init__()
        if variant not in VARIANTS:
            raise ValueError(f"unknown LCNN variant {variant!r}; use one of {', '.join(VARIANTS)}")
        self.variant = variant
        # unused normalisation statistics of the reference template (in its checkpoints)
        for name, value in (("input_mean", 0.0), ("input_std", 1.0), ("output_mean", 0.0), ("output_std", 1.0)):
            setattr(self, name, nn.Parameter(torch.full((1,), value), requires_grad=False))
        self.frame_shift = frame_shift
        lfcc = LFCC(frame_length, frame_shift, n_fft, sample_rate, filter_num, with_energy=True, max_freq=max_freq)
        d = (lfcc.dim // 16) * 32
        self.m_frontend = nn.ModuleList([lfcc])
        self.m_transform = nn.ModuleList([lcnn_body(final_dropout=(variant != "lcnn-trim-pad"))])
        if variant == "lcnn-lstm-sum":
            self.m_before_pooling = nn.ModuleList([nn.Sequential(BLSTMLayer(d, d), BLSTMLayer(d, d))])
            self.m_output_act = nn.ModuleList([nn.Linear(d, 1)])
        elif variant == "lcnn-attention":
            self.m_pooling = nn.ModuleList([SelfWeightedPooling(d)])
            self.m_output_act = nn.ModuleList([nn.Linear(2 * d, 1)])
        else:
            flat = (TRIM_FRAMES // 16) * d
            self.m_output_act = nn.ModuleList([nn.Sequential(nn.Dropout(0.7), nn.Linear(flat, 160),
                                                             MaxFeatureMap(), nn.Linear(80, 1))])

    def features(self, wave: torch.Tensor) -> torch.Tensor:
        """LFCC (B, frames, 60), computed without gradients (a fixed front end)."""
        with torch.no_grad():
            return self.m_frontend[0](wave)

    def forward(self, wave: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        feats = self.features(wave)
        if self.variant == "lcnn-trim-pad":
            if lengths is None:
                lengths = torch.full((wave.shape[0],), wave.shape[1], dtype=torch.int64)
            feats = trim_or_tile(feats, lengths, self.frame_shift, TRIM_FRAMES, self.training)
        h = self.m_transform[0](feats.unsqueeze(1))  # (B, C, T', F')
        if self.variant == "lcnn-trim-pad":
            return self.m_output_act[0](torch.flatten(h, 1)).squeeze(1)
        h = h.permute(0, 2, 1, 3).reshape(h.shape[0], h.shape[2], -1)  # (B, T', C * F')
        if self.variant == "lcnn-lstm-sum":
            pooled = (self.m_before_pooling[0](h) + h).mean(1)
        else:
            pooled = self.m_pooling[0](h)
        return self.m_output_act[0](pooled).squeeze(1)


def build(variant: str = "lcnn-lstm-sum", front_end: str = "asvspoof2021", **overrides) -> LFCCLCNN:
    """A randomly initialised LFCC-LCNN of a variant and LFCC set-up (see FRONT_ENDS)."""
    return LFCCLCNN(variant, **{**FRONT_ENDS[front_end], **overrides})
