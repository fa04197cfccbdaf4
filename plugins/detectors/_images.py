"""Audio -> image front ends, image augmentations and batched decoding for the
audio-input detectors (``spec-cnn``, ``resnet50``, ``aasist``).

Everything runs in torch on the detector's device; randomness comes only from an
explicit ``torch.Generator`` (on the CPU), so CPU runs are bit-reproducible.

Front ends, from a batch of waveforms (n, samples) in [-1, 1]:

``spectrogram``  |STFT|^2 in dB (Hann window, ``n_fft`` 512, hop 128 at 16 kHz),
                 the top 80 dB kept, scaled to [0, 1] per image, low frequencies at the
                 bottom, resized (bilinear) to ``size`` x ``size``;
``waveform``     the waveform drawn as a picture: for each of ``size`` columns the span
                 between the minimum and maximum sample of that stretch of audio is lit
                 (1) on a ``size``-row amplitude axis from +1 (top) to -1 (bottom).

Output: (n, 1, size, size) float32 in [0, 1].

Augmentations (training only), one random draw per image: ``rotate`` (uniform angle in
+-``degrees``), ``affine`` (translation up to ``translate`` of the size, scale in
``scale``), ``flip`` (horizontal, i.e. time reversal, with probability ``flip_p``),
applied as one affine warp (bilinear, zeros outside) as torchvision's RandomRotation,
RandomAffine and RandomHorizontalFlip do.
"""

from __future__ import annotations

import math
import os
from typing import Iterator, Sequence

import torch
from torch.nn import functional as F

FRONT_ENDS = ("spectrogram", "waveform")
AUGMENTATIONS = ("rotate", "affine", "flip")


def spectrogram_image(wave: torch.Tensor, size: int = 224, n_fft: int = 512, hop_length: int = 128,
                      top_db: float = 80.0) -> torch.Tensor:
    window = torch.hann_window(n_fft, device=wave.device)
    spec = torch.stft(wave, n_fft, hop_length=hop_length, window=window, center=True, return_complex=True)
    db = 10.0 * torch.log10(spec.abs().pow(2).clamp_min(1e-10))  # (n, freq, frames)
    peak = db.amax(dim=(1, 2), keepdim=True)
    db = torch.maximum(db, peak - top_db)
    img = (db - (peak - top_db)) / top_db
    img = img.flip(1).unsqueeze(1)  # low frequencies at the bottom, like a plotted spectrogram
    return F.interpolate(img, size=(size, size), mode="bilinear", align_corners=False).clamp(0, 1)


def waveform_image(wave: torch.Tensor, size: int = 224) -> torch.Tensor:
    n, t = wave.shape
    cols = max(1, t // size)
    w = wave[:, : cols * size] if t >= size else F.pad(wave, (0, size - t))
    w = w.reshape(n, size, -1).clamp(-1, 1)
    lo, hi = w.amin(dim=2), w.amax(dim=2)  # (n, size)
    amp = torch.linspace(1.0, -1.0, size, device=wave.device).view(1, size, 1)
    half_px = 1.0 / size  # a silent column still lights its centre pixel
    lit = (amp >= lo.unsqueeze(1) - half_px) & (amp <= hi.unsqueeze(1) + half_px)
    return lit.float().unsqueeze(1)


def to_image(wave: torch.Tensor, kind: str, size: int, n_fft: int = 512, hop_length: int = 128) -> torch.Tensor:
    if kind == "spectrogram":
        return spectrogram_image(wave, size, n_fft, hop_length)
    if kind == "waveform":
        return waveform_image(wave, size)
    raise ValueError(f"unknown image front end {kind!r}")


def parse_augment(augment) -> tuple[str, ...]:
    """``"rotate,affine,flip"``, a list of names, or ``None``/``"none"`` -> a tuple."""
    if augment is None or augment is False:
        return ()
    items = augment.split(",") if isinstance(augment, str) else list(augment)
    names = tuple(a.strip().lower() for a in items if a and a.strip().lower() not in ("none", ""))
    bad = [a for a in names if a not in AUGMENTATIONS]
    if bad:
        from fakebench.api import ConfigError

        raise ConfigError(f"unknown augmentation(s) {bad}", hint=f"use a subset of {', '.join(AUGMENTATIONS)} or none")
    return names


def augment_images(img: torch.Tensor, names: Sequence[str], generator: torch.Generator, *, degrees: float = 10.0,
                   translate: float = 0.1, scale: Sequence[float] = (0.9, 1.1), flip_p: float = 0.5) -> torch.Tensor:
    """Random rotation / affine / horizontal flip of (n, c, h, w) images, one warp each."""
    if not names:
        return img
    n = img.shape[0]
    u = torch.rand(n, 5, generator=generator)
    angle = torch.zeros(n)
    shift = torch.zeros(n, 2)
    zoom = torch.ones(n)
    flip = torch.ones(n)
    if "rotate" in names:
        angle = (u[:, 0] * 2 - 1) * math.radians(degrees)
    if "affine" in names:
        shift = (u[:, 1:3] * 2 - 1) * translate * 2  # affine_grid coordinates span 2 units
        zoom = scale[0] + u[:, 3] * (scale[1] - scale[0])
    if "flip" in names:
        flip = torch.where(u[:, 4] < flip_p, -1.0, 1.0)
    cos, sin = torch.cos(angle), torch.sin(angle)
    # output pixel -> input pixel: undo scale and rotation, then shift; flip mirrors x
    theta = torch.stack([
        torch.stack([cos / zoom * flip, -sin / zoom, -shift[:, 0]], dim=1),
        torch.stack([sin / zoom * flip, cos / zoom, -shift[:, 1]], dim=1),
    ], dim=1).to(img.device, img.dtype)
    grid = F.affine_grid(theta, list(img.shape), align_corners=False)
    return F.grid_sample(img, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


# -- batched decoding ------------------------------------------------------------------------


class _Windows(torch.utils.data.Dataset):
    """Clips decoded whole, then one window of ``n`` samples per item: starting at
    fraction ``starts[i]`` of the slack for longer clips, tiled for shorter ones
    (the official AASIST training crop)."""

    def __init__(self, source, n: int):
        self.source, self.n = source, int(n)
        self.starts = torch.zeros(len(source))

    def __len__(self) -> int:
        return len(self.source)

    def __getitem__(self, i: int):
        from fakebench.api import load_audio

        w = load_audio(self.source.clips[i].path, self.source.sample_rate, None, resampler=self.source.resampler)
        if w.shape[-1] >= self.n:
            start = int(float(self.starts[i]) * (w.shape[-1] - self.n + 1))
            return w[start:start + self.n], i
        return w.repeat(math.ceil(self.n / w.shape[-1]))[: self.n], i


def _workers(n_items: int, batch_size: int, num_workers: int | None) -> int:
    if num_workers is not None:
        return int(num_workers)
    return 0 if n_items <= 2 * batch_size else max(0, min(4, (os.cpu_count() or 1) - 1))


def iter_audio(source, order: torch.Tensor | Sequence[int], batch_size: int, device, *,
               num_workers: int | None = None, random_window: torch.Generator | None = None,
               ) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Yield ``(waves, idx)`` over ``order`` of an :class:`~fakebench.inputs.AudioSource`,
    ``batch_size`` at a time, waves (b, samples) on ``device``.

    With a fixed-length policy the source's own window is used; with ``full`` each clip
    is its own batch. ``random_window`` (a generator) draws a random window of the
    policy's length from each whole clip instead (training crops).
    """
    order = [int(i) for i in order]
    if not order:
        return
    fixed = source.length.mode != "full"
    if random_window is not None and fixed:
        ds = _Windows(source, source.length.target_samples(source.sample_rate))
        ds.starts = torch.rand(len(source), generator=random_window)
    else:
        ds = source
    bs = batch_size if fixed else 1
    chunks = [order[i:i + bs] for i in range(0, len(order), bs)]
    loader = torch.utils.data.DataLoader(ds, batch_sampler=chunks, num_workers=_workers(len(order), bs, num_workers))
    for waves, idx in loader:
        yield waves.to(device, non_blocking=True), idx
