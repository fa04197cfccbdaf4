"""``lfcc``: linear-frequency cepstral coefficients with deltas (the ASVspoof front end),
summarised over time (mean and std), no weights.

Following the ASVspoof 2019 LFCC-GMM baseline (M. Sahidullah, T. Kinnunen, C. Hanilçi,
"A Comparison of Features for Synthetic Speech Detection", Interspeech 2015; ASVspoof
2019 evaluation plan): Hann-windowed STFT of ``win_ms`` 20 ms every ``hop_ms`` 10 ms (512
points at 16 kHz), power spectrum, ``n_filters`` (20) triangular filters spaced linearly
from 0 Hz to ``sr / 2`` (``torchaudio.functional.linear_fbanks``), natural log floored at
1e-10, orthonormal DCT-II keeping ``n_lfcc`` (20) coefficients, deltas and delta-deltas
(3-frame regression window), then the statistics in ``stats`` (``mean+std``). Shared
code: ``_features.py``.

Input: (n, samples) mono audio in [-1, 1] at ``sr`` Hz (any rate; 16 kHz by default).
Output: (n, n_lfcc x 3 x statistics) = (n, 120) by default; with ``frames=True``,
(n, segments, 120): the statistics over ``segment``-second windows (1 s) every half
window. License: MIT (fakebench).
"""

from __future__ import annotations

from fakebench.api import ConfigError, hookimpl
from fakebench.api import Bool

from ._features import SpectralStats, dct, log_energies
from ._params import BANDS, MILLISECONDS, RATE, SEGMENT, STATS


class LFCC(SpectralStats):
    """Mean and std of LFCCs + deltas (ASVspoof baseline front end); any sample rate."""

    name = "lfcc"
    description = "LFCC + deltas (ASVspoof front end), mean+std over time (no weights, any rate), 120-d by default"
    dim = 120
    citation = "Sahidullah, Kinnunen, Hanilçi, A Comparison of Features for Synthetic Speech Detection, Interspeech 2015"

    param_specs = {"sr": RATE, "n_lfcc": BANDS, "n_filters": BANDS, "win_ms": MILLISECONDS, "hop_ms": MILLISECONDS,
                   "deltas": Bool(), "stats": STATS, "segment": SEGMENT}

    def __init__(self, sr=16000, n_lfcc=20, n_filters=20, win_ms=20.0, hop_ms=10.0, deltas=True, stats="mean+std",
                 segment=1.0):
        self.sr = sr
        self.n_lfcc = n_lfcc
        self.n_filters = n_filters
        self.win_ms = win_ms
        self.hop_ms = hop_ms
        self.deltas = deltas
        self.stats = stats
        self.segment = segment

    @property
    def base_features(self) -> int:  # type: ignore[override]
        return int(self.n_lfcc)

    def filterbank(self):
        import torchaudio.functional as AF

        if int(self.n_lfcc) > int(self.n_filters):
            raise ConfigError(f"lfcc: n_lfcc={self.n_lfcc} exceeds n_filters={self.n_filters}")
        self._dct = dct(int(self.n_lfcc), int(self.n_filters), self.device)
        return AF.linear_fbanks(self.n_fft // 2 + 1, 0.0, self.sample_rate / 2, int(self.n_filters), self.sample_rate)

    def features(self, bands):
        return log_energies(bands) @ self._dct


@hookimpl
def fakebench_register_embedders():
    return [LFCC]
