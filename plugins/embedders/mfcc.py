"""``mfcc``: MFCCs with deltas, summarised over time (mean and std), no weights.

Hann-windowed STFT (``win_ms`` 25 ms, ``hop_ms`` 10 ms, FFT size the next power of two),
power spectrum, ``n_mels`` (40) mel bands (HTK scale, Slaney area normalisation, 0 Hz to
``sr / 2``), natural log floored at 1e-10, orthonormal DCT-II keeping ``n_mfcc`` (20)
coefficients including c0, deltas and delta-deltas (``deltas``, 3-frame regression
window), then the statistics in ``stats`` (``mean+std``). Shared code: ``_features.py``.
Reference: S. Davis, P. Mermelstein, "Comparison of parametric representations for
monosyllabic word recognition in continuously spoken sentences", IEEE TASSP 28(4), 1980.

Input: (n, samples) mono audio in [-1, 1] at ``sr`` Hz (any rate; 16 kHz by default).
Output: (n, n_mfcc x 3 x statistics) = (n, 120) by default; with ``frames=True``,
(n, segments, 120): the statistics over ``segment``-second windows (1 s) every half
window. License: MIT (fakebench).
"""

from __future__ import annotations

from fakebench.api import ConfigError, hookimpl
from fakebench.api import Bool

from ._features import SpectralStats, dct, log_energies
from ._params import BANDS, MILLISECONDS, RATE, SEGMENT, STATS


class MFCC(SpectralStats):
    """Mean and std of MFCCs + deltas; any sample rate (``sr``, 16 kHz default)."""

    name = "mfcc"
    description = "MFCC + deltas, mean+std over time (no weights, any rate), 120-d by default"
    dim = 120
    citation = "Davis and Mermelstein, IEEE TASSP 1980"

    param_specs = {"sr": RATE, "n_mfcc": BANDS, "n_mels": BANDS, "win_ms": MILLISECONDS, "hop_ms": MILLISECONDS,
                   "deltas": Bool(), "stats": STATS, "segment": SEGMENT}

    def __init__(self, sr=16000, n_mfcc=20, n_mels=40, win_ms=25.0, hop_ms=10.0, deltas=True, stats="mean+std",
                 segment=1.0):
        self.sr = sr
        self.n_mfcc = n_mfcc
        self.n_mels = n_mels
        self.win_ms = win_ms
        self.hop_ms = hop_ms
        self.deltas = deltas
        self.stats = stats
        self.segment = segment

    @property
    def base_features(self) -> int:  # type: ignore[override]
        return int(self.n_mfcc)

    def filterbank(self):
        import torchaudio.functional as AF

        if int(self.n_mfcc) > int(self.n_mels):
            raise ConfigError(f"mfcc: n_mfcc={self.n_mfcc} exceeds n_mels={self.n_mels}")
        self._dct = dct(int(self.n_mfcc), int(self.n_mels), self.device)
        return AF.melscale_fbanks(self.n_fft // 2 + 1, 0.0, self.sample_rate / 2, int(self.n_mels), self.sample_rate,
                                  norm="slaney", mel_scale="htk")

    def features(self, bands):
        return log_energies(bands) @ self._dct


@hookimpl
def fakebench_register_embedders():
    return [MFCC]
