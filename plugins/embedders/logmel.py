"""``logmel``: log mel-band energies summarised over time (mean and std), no weights.

A hand-crafted baseline: Hann-windowed STFT (``win_ms`` 25 ms, ``hop_ms`` 10 ms, FFT size
the next power of two), power spectrum, ``n_mels`` (64) mel bands between ``fmin`` and
``fmax`` (0 Hz and ``sr / 2`` by default; HTK mel scale, Slaney area normalisation,
``torchaudio.functional.melscale_fbanks``), natural log floored at 1e-10, optional deltas
(``deltas``, off by default), then the per-band statistics in ``stats`` (``mean+std``).
Shared code and the frame/segment rules: ``_features.py``.

Input: (n, samples) mono audio in [-1, 1] at ``sr`` Hz (any rate; 16 kHz by default).
Output: (n, n_mels x statistics) = (n, 128) by default; with ``frames=True``,
(n, segments, 128): the statistics over ``segment``-second windows (1 s) every half
window. License: MIT (fakebench). No citation: a standard spectral representation.
"""

from __future__ import annotations

from fakebench.api import hookimpl
from fakebench.api import Bool, Float

from ._features import SpectralStats, log_energies
from ._params import BANDS, MILLISECONDS, RATE, SEGMENT, STATS


class LogMel(SpectralStats):
    """Mean and std of log mel-band energies; any sample rate (``sr``, 16 kHz default)."""

    name = "logmel"
    description = "log mel-band energies, mean+std over time (no weights, any rate), 128-d by default"
    dim = 128

    param_specs = {"sr": RATE, "n_mels": BANDS, "win_ms": MILLISECONDS, "hop_ms": MILLISECONDS,
                   "fmin": Float(0, 192000), "fmax": Float(0, 192000, low_open=True, nullable=True), "deltas": Bool(),
                   "stats": STATS, "segment": SEGMENT}

    def __init__(self, sr=16000, n_mels=64, win_ms=25.0, hop_ms=10.0, fmin=0.0, fmax=None, deltas=False,
                 stats="mean+std", segment=1.0):
        self.sr = sr
        self.n_mels = n_mels
        self.win_ms = win_ms
        self.hop_ms = hop_ms
        self.fmin = fmin
        self.fmax = fmax
        self.deltas = deltas
        self.stats = stats
        self.segment = segment

    @property
    def base_features(self) -> int:  # type: ignore[override]
        return int(self.n_mels)

    def filterbank(self):
        import torchaudio.functional as AF

        fmax = float(self.fmax) if self.fmax is not None else self.sample_rate / 2
        return AF.melscale_fbanks(self.n_fft // 2 + 1, float(self.fmin), fmax, int(self.n_mels), self.sample_rate,
                                  norm="slaney", mel_scale="htk")

    def features(self, bands):
        return log_energies(bands)


@hookimpl
def fakebench_register_embedders():
    return [LogMel]
