"""Hand-crafted spectral features with summary statistics: the shared base of the
``logmel``, ``mfcc`` and ``lfcc`` embedders (private: not a plugin).

Every feature is computed per frame (Hann window, centred STFT with reflect padding,
power spectrum, ``n_fft`` the next power of two above the window), optionally extended
with deltas and delta-deltas (``torchaudio.functional.compute_deltas``, 3-frame
regression window as in the ASVspoof LFCC baseline), then summarised over time by the
statistics in ``stats`` (``"mean"``, ``"std"``, or ``"mean+std"``, the default;
population std). The scene embedding is those statistics over the whole clip; with
``frames=True``, the same statistics over ``segment``-second windows every
``segment / 2`` seconds (a clip shorter than one window gives one window), so both have
the same dimension: features x statistics.

The sample rate is the ``sr`` parameter (any rate; 16 kHz by default); all window
lengths are in milliseconds so they mean the same at every rate. No weights: the
fingerprint is ``none``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import math

from fakebench.api import ConfigError, Embedder

if TYPE_CHECKING:  # annotations only: the module imports torch where it runs it
    import torch

DEFAULT_SR = 16000
STATS = ("mean", "std")


class _Rate:
    """``sample_rate``: the class default on the class, the ``sr`` parameter on instances."""

    def __get__(self, obj, cls=None):
        if obj is None:
            return DEFAULT_SR
        return int(getattr(obj, "sr", DEFAULT_SR))


def parse_stats(stats: str) -> tuple[str, ...]:
    parts = tuple(p.strip() for p in str(stats).replace(",", "+").split("+") if p.strip())
    if not parts or any(p not in STATS for p in parts) or len(set(parts)) != len(parts):
        raise ConfigError(f"stats={stats!r} is not valid", hint="use mean, std or mean+std")
    return parts


class SpectralStats(Embedder):
    """Base class: subclasses implement ``features(power) -> (n, frames, n_features)``."""

    sample_rate = _Rate()  # type: ignore[assignment]
    resampler = "sinc"
    license = "MIT"
    min_seconds = 0.1
    default_batch_size = 64
    weights_fingerprint = "none"
    #: number of per-frame features before deltas; set by subclasses' parameters
    base_features: int = 0

    def identify(self, weights=None):
        return "none"

    # subclasses define __init__ with sr, win_ms, hop_ms, deltas, stats, segment, ...

    @property
    def frame_rate(self) -> float:  # type: ignore[override]
        return 2.0 / float(self.segment)

    @property
    def n_features(self) -> int:
        return self.base_features * (3 if self.deltas else 1)

    @property
    def output_dim(self) -> int:
        return self.n_features * len(parse_stats(self.stats))

    @property
    def win_length(self) -> int:
        return int(round(self.win_ms * self.sample_rate / 1000))

    @property
    def hop_length(self) -> int:
        return int(round(self.hop_ms * self.sample_rate / 1000))

    @property
    def n_fft(self) -> int:
        return 2 ** math.ceil(math.log2(self.win_length))

    def load(self, weights=None, device="cpu"):
        import torch

        self.device = torch.device(device)
        self._stats = parse_stats(self.stats)
        if not (self.win_ms > 0 and self.hop_ms > 0 and float(self.segment) > 0):
            raise ConfigError(f"{self.name}: win_ms, hop_ms and segment must be positive")
        self.window = torch.hann_window(self.win_length, periodic=True, device=self.device)
        self.fbank = self.filterbank().float().to(self.device)  # (n_fft/2+1, bands)
        self.weights_fingerprint = "none"
        return self

    def filterbank(self) -> torch.Tensor:
        raise NotImplementedError

    def features(self, bands: torch.Tensor) -> torch.Tensor:
        """(n, frames, bands) filterbank energies -> (n, frames, base_features)."""
        raise NotImplementedError

    def frame_features(self, batch: torch.Tensor) -> torch.Tensor:
        """(n, samples) -> (n, frames, n_features), float32 (autocast off)."""
        import torch

        import torchaudio.functional as AF

        with torch.autocast(device_type=batch.device.type, enabled=False):
            x = batch.float()
            if x.shape[1] <= self.n_fft // 2:  # reflect padding needs more samples than half a window
                x = torch.nn.functional.pad(x, (0, self.n_fft // 2 + 1 - x.shape[1]))
            spec = torch.stft(x, self.n_fft, self.hop_length, self.win_length, self.window, center=True,
                              pad_mode="reflect", return_complex=True)
            power = spec.abs().square().transpose(1, 2)  # (n, frames, bins)
            feats = self.features(power @ self.fbank)
            if self.deltas:
                d1 = AF.compute_deltas(feats.transpose(1, 2), win_length=3)
                d2 = AF.compute_deltas(d1, win_length=3)
                feats = torch.cat([feats, d1.transpose(1, 2), d2.transpose(1, 2)], dim=2)
            return feats

    def _summarise(self, feats: torch.Tensor, dim: int) -> torch.Tensor:
        import torch

        out = []
        for s in self._stats:
            out.append(feats.mean(dim=dim) if s == "mean" else feats.std(dim=dim, unbiased=False))
        return torch.cat(out, dim=-1)

    def embed(self, batch: torch.Tensor, frames: bool = False) -> torch.Tensor:
        feats = self.frame_features(batch)  # (n, t, f)
        if not frames:
            return self._summarise(feats, dim=1)
        seg = max(1, int(round(float(self.segment) * self.sample_rate / self.hop_length)))
        t = feats.shape[1]
        if t <= seg:
            return self._summarise(feats, dim=1)[:, None]
        windows = feats.unfold(1, seg, max(1, seg // 2))  # (n, windows, f, seg)
        return self._summarise(windows, dim=3)


def log_energies(bands: torch.Tensor) -> torch.Tensor:
    """Natural log of filterbank energies, floored at 1e-10 (silence stays finite)."""
    import torch

    return torch.log(bands.clamp(min=1e-10))


def dct(coeffs: int, bands: int, device) -> torch.Tensor:
    """(bands, coeffs) orthonormal DCT-II matrix (torchaudio's ``create_dct``)."""
    import torchaudio.functional as AF

    return AF.create_dct(coeffs, bands, norm="ortho").to(device)
