"""Additive noise at a given SNR: ``noise:snr=10:color=pink`` or
``noise:snr=5:folder=/path/to/musan/noise``.

What it models: a clip recorded or replayed in a noisy place (background, babble,
street, hum), or a noisy channel.

**SNR definition.** SNR = 10 log10(P_clip / P_noise), where P is the mean power (mean
of squared samples) over the *whole clip*, silences included, and P_noise that of the
noise segment actually added (measured, not assumed from the generator's variance). The
noise is scaled to give exactly ``snr`` dB on this definition. Whole-clip power is used,
not an active-speech level (ITU-T P.56), because it applies to any sound (Foley,
environmental audio) and needs no voice-activity decision; for speech with long pauses
the SNR during speech is therefore higher than ``snr``. If the mixture would exceed
[-1, 1], the whole mixture is scaled down (the SNR is kept, the level drops); a silent
clip (zero power) is returned unchanged, since no noise level gives a finite SNR.

Noise sources:

* ``color`` (used when ``folder`` is empty): ``white`` (flat spectrum), ``pink`` (power
  ~ 1/f, -3 dB/octave) or ``brown`` (power ~ 1/f^2, -6 dB/octave): Gaussian white noise
  from ``rng``, shaped in the frequency domain (NumPy real FFT; the DC bin is set to 0).
* ``folder``: a file (or a folder searched recursively for WAV/FLAC/OGG/MP3), e.g.
  MUSAN's ``noise/`` or ``speech/`` (babble). ``rng`` picks the file (uniformly) and the
  start offset (uniformly, where the file is longer than the clip); a shorter file is
  looped. Files are mixed to mono and resampled (SciPy) to the clip's rate.

Parameters: ``snr`` (dB, positional: ``noise:10``), ``color``, ``folder``.
Randomness: uses ``rng`` (``random = True``). Libraries: NumPy, SciPy, soundfile (all
BSD-3-Clause). References: MUSAN corpus (Snyder, Chen, Povey, arXiv:1510.08484) for
noise folders; ITU-T P.56 for the active-speech alternative this does not use.
"""

from __future__ import annotations

import numpy as np

from fakebench.api import AudioError, Choice, Condition, Float, Text, hookimpl

from ._dsp import audio_duration, choose, finish, list_audio, power, read_mono, scale_to_peak

COLORS = {"white": 0.0, "pink": 1.0, "brown": 2.0}  # power spectral density ~ 1/f**exponent


def colored_noise(n: int, color: str, rng) -> np.ndarray:
    """Gaussian noise of ``n`` samples with a 1/f**k power spectrum (k = 0, 1, 2)."""
    white = rng.standard_normal(n)
    k = COLORS[color]
    if k == 0.0 or n < 2:
        return white
    spectrum = np.fft.rfft(white)
    f = np.fft.rfftfreq(n)
    gain = np.zeros_like(f)
    gain[1:] = f[1:] ** (-k / 2.0)
    return np.fft.irfft(spectrum * gain, n=n)


def mix_at_snr(clean: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    """clean + noise scaled so that P_clean / P_noise is exactly ``snr_db`` (whole-clip
    mean powers), then the mixture scaled down if it would leave [-1, 1]."""
    p_clean, p_noise = power(clean), power(noise)
    if p_clean == 0.0 or p_noise == 0.0:
        return clean.copy()
    gain = np.sqrt(p_clean / (p_noise * 10.0 ** (snr_db / 10.0)))
    return scale_to_peak(clean + gain * noise)


class Noise(Condition):
    name = "noise"
    param_specs = {"snr": Float(-60, 120), "color": Choice("white", "pink", "brown"), "folder": Text()}
    description = "additive noise at an SNR (whole-clip power): white, pink, brown, or files from a folder"
    positional = "snr"
    random = True
    extra = None
    license = "NumPy, SciPy, soundfile: BSD-3-Clause"
    citation = "Snyder, Chen, Povey, MUSAN: A Music, Speech, and Noise Corpus, arXiv:1510.08484 (noise folders)"

    def __init__(self, snr: float = 10.0, color: str = "white", folder: str = ""):
        self.snr = snr
        self.color = color
        self.folder = folder

    def validate(self):
        from fakebench.api import ConfigError

        if not np.isfinite(float(self.snr)):
            raise ConfigError(f"condition 'noise': parameter 'snr' must be a finite number of dB, got {self.snr!r}")
        choose(self.name, "color", self.color, tuple(COLORS))
        return self

    def load(self):
        self.validate()
        if self.folder:
            self._files = list_audio(self.name, "folder", self.folder)
        return self

    def files(self):
        if getattr(self, "_files", None) is None:
            self._files = list_audio(self.name, "folder", self.folder)
        return self._files

    def noise(self, n: int, sample_rate: int, rng) -> np.ndarray:
        """The noise segment (n samples, not yet scaled) that ``apply`` adds."""
        if not self.folder:
            return colored_noise(n, self.color, rng)
        files = self.files()
        path = files[int(rng.integers(len(files)))]
        frames, file_sr = audio_duration(path)
        need = int(np.ceil(n * file_sr / sample_rate)) + 1
        start = int(rng.integers(frames - need + 1)) if frames > need else 0
        seg = read_mono(path, sample_rate, start=start, frames=min(need, frames))
        if seg.size == 0 or power(seg) == 0.0:
            raise AudioError(f"noise file {str(path)!r} is silent or empty",
                             hint=f"remove it from {self.folder!r}; noise:folder= needs audible recordings")
        if seg.shape[0] < n:
            seg = np.tile(seg, -(-n // seg.shape[0]))
        return seg[:n]

    def apply(self, wave, sample_rate, rng):
        x = np.asarray(wave, dtype=np.float64)
        if x.size == 0:
            return finish(x)
        return finish(mix_at_snr(x, self.noise(x.shape[0], int(sample_rate), rng), float(self.snr)))


@hookimpl
def fakebench_register_conditions():
    return [Noise]
