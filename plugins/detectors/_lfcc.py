"""LFCC front end of the NII / ASVspoof 2021 LFCC-LCNN countermeasures, for fakebench.

Reference: X. Wang's ``sandbox/util_frontend.py`` (class ``LFCC``, "based on the
asvspoof.org baseline Matlab code") in https://github.com/nii-yamagishilab/project-NN-Pytorch-scripts
(BSD-3-Clause) and its copy in https://github.com/asvspoof-challenge/2021
``LA/Baseline-LFCC-LCNN/sandbox`` (BSD-3-Clause, (c) 2020 Xin Wang, NII). Written from
that code's maths; nothing is copied. Parameter names (``lfcc_fb``, ``l_dct.weight``)
follow it so the released checkpoints load with strict key matching.

From a batch of waveforms (B, samples) at 16 kHz to (B, frames, 3 x ``filter_num``):

1. pre-emphasis ``y[t] = x[t] - 0.97 x[t-1]`` (``y[0] = x[0]``);
2. STFT: ``n_fft`` points, hop ``frame_shift``, a periodic Hamming window of
   ``frame_length`` samples (zero-padded to ``n_fft`` in the middle), frames centred
   (the signal is padded with ``n_fft/2`` zeros at each end); power ``|X|^2``;
3. only the FFT bins ``int(min_freq (n_fft/2+1))`` to ``int(max_freq (n_fft/2+1))`` are
   kept (``max_freq=0.5``: 0-4 kHz, the ASVspoof 2021 baselines; 1.0: 0-8 kHz);
4. ``filter_num`` linear triangular filters whose edges are equally spaced over that
   range; the filters are laid on a grid of ``num_bins`` points spanning
   ``[min_freq, max_freq] x sr/2`` exactly (as the reference does), not on the bins'
   own frequencies; ``log10(. + eps)``, ``eps`` float32's machine epsilon;
5. orthonormal DCT-II; the first coefficient is replaced by the frame's log energy
   ``log10(sum |X|^2 / n_fft + eps)`` (``with_energy``);
6. deltas and delta-deltas ``d[t] = c[t+1] - c[t-1]`` (first and last frames repeated),
   appended: 20 static + 20 delta + 20 delta-delta = 60 dimensions.

Frames: ``1 + samples // frame_shift``.
"""

from __future__ import annotations

import math

import torch
from torch import nn


def triangle(x: torch.Tensor, a: float, b: float, c: float) -> torch.Tensor:
    """Matlab's ``trimf``: 0 at ``a``, 1 at ``b``, 0 at ``c``, linear in between, in
    float32 with strict comparisons (so a grid point equal to an edge gets 0 or 1
    exactly as the reference computes it)."""
    y = torch.zeros_like(x, dtype=torch.float32)
    if a < b:
        idx = (a < x) & (x < b)
        y[idx] = (x[idx] - a) / (b - a)
    if b < c:
        idx = (b < x) & (x < c)
        y[idx] = (c - x[idx]) / (c - b)
    y[x == b] = 1
    return y


def linear_filterbank(num_bins: int, filter_num: int, sample_rate: int, min_freq: float, max_freq: float):
    """(num_bins, filter_num) triangular filters, equally spaced (float32, as the reference)."""
    f = (sample_rate / 2) * torch.linspace(min_freq, max_freq, num_bins)
    edges = torch.linspace(float(f.min()), float(f.max()), filter_num + 2)
    bank = torch.zeros(num_bins, filter_num)
    for i in range(filter_num):
        bank[:, i] = triangle(f, edges[i], edges[i + 1], edges[i + 2])
    return bank


def dct_matrix(n: int) -> torch.Tensor:
    """The orthonormal DCT-II as the weight of a bias-free ``nn.Linear``: ``y = x W^T``."""
    k = torch.arange(n, dtype=torch.float64)[:, None]
    i = torch.arange(n, dtype=torch.float64)[None, :]
    w = torch.cos(math.pi * k * (2 * i + 1) / (2 * n)) * math.sqrt(2.0 / n)
    w[0] /= math.sqrt(2.0)
    return w.float()


def delta(x: torch.Tensor) -> torch.Tensor:
    """``x[t+1] - x[t-1]`` along dim 1 of (B, frames, dim), the ends repeated."""
    padded = torch.cat([x[:, :1], x, x[:, -1:]], dim=1)
    return padded[:, 2:] - padded[:, :-2]


class LFCC(nn.Module):
    """Linear-frequency cepstral coefficients with deltas (see the module docstring)."""

    def __init__(self, frame_length: int = 320, frame_shift: int = 160, n_fft: int = 1024, sample_rate: int = 16000,
                 filter_num: int = 20, with_energy: bool = True, with_emphasis: bool = True, with_delta: bool = True,
                 min_freq: float = 0.0, max_freq: float = 1.0):
        super().__init__()
        if not (0 <= min_freq < max_freq <= 1):
            raise ValueError(f"LFCC needs 0 <= min_freq < max_freq <= 1, got {min_freq}, {max_freq}")
        self.fl, self.fs, self.fn, self.sr = int(frame_length), int(frame_shift), int(n_fft), int(sample_rate)
        self.filter_num = int(filter_num)
        self.with_energy, self.with_emphasis, self.with_delta = with_energy, with_emphasis, with_delta
        self.min_bin = int(min_freq * (self.fn // 2 + 1))
        self.max_bin = int(max_freq * (self.fn // 2 + 1))
        bank = linear_filterbank(self.max_bin - self.min_bin, self.filter_num, self.sr, min_freq, max_freq)
        self.lfcc_fb = nn.Parameter(bank, requires_grad=False)
        self.l_dct = nn.Linear(self.filter_num, self.filter_num, bias=False)
        self.l_dct.weight = nn.Parameter(dct_matrix(self.filter_num), requires_grad=False)
        self.register_buffer("window", torch.hamming_window(self.fl), persistent=False)

    @property
    def dim(self) -> int:
        return self.filter_num * (3 if self.with_delta else 1)

    def power_spectrum(self, x: torch.Tensor) -> torch.Tensor:
        """(B, samples) -> (B, frames, bins kept) power spectrum after pre-emphasis."""
        if self.with_emphasis:
            x = torch.cat([x[:, :1], x[:, 1:] - 0.97 * x[:, :-1]], dim=1)
        spec = torch.stft(x, self.fn, self.fs, self.fl, window=self.window, center=True, pad_mode="constant",
                          onesided=True, return_complex=True)
        power = (spec.real.square() + spec.imag.square()).transpose(1, 2)
        return power[:, :, self.min_bin:self.max_bin]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        power = self.power_spectrum(x)
        eps = torch.finfo(torch.float32).eps
        lfcc = self.l_dct(torch.log10(power @ self.lfcc_fb + eps))
        if self.with_energy:
            energy = torch.log10((power / self.fn).sum(dim=2) + eps)
            lfcc = torch.cat([energy.unsqueeze(-1), lfcc[:, :, 1:]], dim=2)
        if self.with_delta:
            d1 = delta(lfcc)
            lfcc = torch.cat([lfcc, d1, delta(d1)], dim=2)
        return lfcc
