"""Private helpers shared by the condition plugins: resampling, level measures,
parameter checks, and reading noise or impulse-response files.

Nothing here is a plugin (the module name starts with ``_``). Heavy libraries (SciPy)
are imported inside the functions, so importing a condition plugin stays cheap.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import numpy as np

from fakebench.api import ConfigError

#: The extra that installs every library a built-in condition needs.
EXTRA = "conditions"
INSTALL = f"pip install 'fakebench[{EXTRA}]'"


#: Stop-band attenuation (dB) and taps per polyphase branch of the resampling filter.
RESAMPLE_ATTENUATION_DB = 90.0
RESAMPLE_TAPS_PER_PHASE = 128


@lru_cache(maxsize=64)
def _lowpass(up: int, down: int) -> np.ndarray:
    """The anti-aliasing / anti-imaging FIR of a ``up``/``down`` resampler: Kaiser-windowed
    sinc (``scipy.signal.firwin``) with its *stop band starting at the lower rate's
    Nyquist frequency*, so nothing above it survives (> 90 dB down); the pass band ends
    about 4% below it."""
    from scipy.signal import firwin, kaiser_beta

    max_rate = max(up, down)
    half_len = RESAMPLE_TAPS_PER_PHASE // 2 * max_rate
    # Kaiser's estimate of the transition width (in units of the lower rate's Nyquist)
    width = (RESAMPLE_ATTENUATION_DB - 7.95) / (2.285 * 2 * half_len * np.pi) * max_rate
    return firwin(2 * half_len + 1, (1.0 - width / 2) / max_rate,
                  window=("kaiser", kaiser_beta(RESAMPLE_ATTENUATION_DB)))


def resample(wave: np.ndarray, orig_sr: int, new_sr: int) -> np.ndarray:
    """Band-limited polyphase resampling (``scipy.signal.resample_poly`` with the filter of
    :func:`_lowpass`). Zero phase: the output is aligned with the input. Returns float64."""
    orig_sr, new_sr = int(orig_sr), int(new_sr)
    x = np.asarray(wave, dtype=np.float64)
    if orig_sr == new_sr or x.size == 0:
        return x.copy()
    from scipy.signal import resample_poly

    ratio = Fraction(new_sr, orig_sr)
    up, down = ratio.numerator, ratio.denominator
    return resample_poly(x, up, down, window=_lowpass(up, down))


def fit_length(wave: np.ndarray, n: int) -> np.ndarray:
    """Trim or zero-pad (at the end) to exactly ``n`` samples."""
    if wave.shape[0] >= n:
        return wave[:n]
    return np.concatenate([wave, np.zeros(n - wave.shape[0], dtype=wave.dtype)])


def finish(wave: np.ndarray, n: int | None = None) -> np.ndarray:
    """float32, finite, in [-1, 1] (hard saturation, as a 16-bit PCM writer would)."""
    y = np.asarray(wave, dtype=np.float64)
    if n is not None:
        y = fit_length(y, n)
    y = np.nan_to_num(y, nan=0.0, posinf=1.0, neginf=-1.0)
    return np.clip(y, -1.0, 1.0).astype(np.float32)


def power(wave: np.ndarray) -> float:
    """Mean power of the whole array (mean of squares)."""
    x = np.asarray(wave, dtype=np.float64)
    return float(np.mean(x * x)) if x.size else 0.0


def scale_to_peak(wave: np.ndarray, peak: float = 1.0) -> np.ndarray:
    """Scale the whole signal down (never up) so that its peak is at most ``peak``."""
    m = float(np.max(np.abs(wave))) if wave.size else 0.0
    return wave * (peak / m) if m > peak else wave


def choose(name: str, key: str, value: str, choices: Iterable[str]) -> str:
    choices = tuple(choices)
    if value not in choices:
        raise ConfigError(f"condition {name!r}: parameter {key!r} must be one of {', '.join(choices)}, got {value!r}",
                          hint=f"e.g. {name}:{key}={choices[0]}")
    return value


def positive(name: str, key: str, value: float, *, allow_zero: bool = False, upper: float | None = None) -> float:
    ok = value >= 0 if allow_zero else value > 0
    if upper is not None:
        ok = ok and value <= upper
    if not ok or not np.isfinite(value):
        bound = (">= 0" if allow_zero else "> 0") + (f" and <= {upper:g}" if upper is not None else "")
        raise ConfigError(f"condition {name!r}: parameter {key!r} must be {bound}, got {value!r}")
    return value


def require(name: str, module: str, what: str):
    """Import ``module`` or raise one ConfigError naming the extra to install."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise ConfigError(f"condition {name!r} needs {what} (Python package {module!r}), which is not installed",
                          hint=f"install it with `{INSTALL}`") from None


# -- files: noise recordings and room impulse responses -------------------------------------


def list_audio(name: str, key: str, location: str) -> list[Path]:
    """The audio files at ``location`` (one file, or every audio file under a folder)."""
    from fakebench.api import audio_files

    path = Path(location).expanduser()
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise ConfigError(f"condition {name!r}: {key}={location!r} is neither a file nor a folder",
                          hint=f"give the folder of the {key} recordings (WAV/FLAC/OGG/MP3)")
    files = audio_files(path)
    if not files:
        raise ConfigError(f"condition {name!r}: no audio files (WAV/FLAC/OGG/MP3) under {str(path)!r}",
                          hint=f"point {key}= at a folder that holds the recordings")
    return files


def audio_duration(path: Path) -> tuple[int, int]:
    """(frames, sample rate) of an audio file, without decoding it."""
    import soundfile as sf
    from fakebench.api import AudioError

    try:
        info = sf.info(str(path))
    except Exception as e:  # libsndfile's errors name no class worth catching narrowly
        raise AudioError(f"cannot read audio file {str(path)!r}: {str(e).splitlines()[0] if str(e) else e}") from None
    return int(info.frames), int(info.samplerate)


def read_mono(path: Path, sample_rate: int, *, start: int = 0, frames: int | None = None) -> np.ndarray:
    """Decode ``frames`` samples (at the file's rate) from ``start`` of ``path``, mixed to
    mono and resampled to ``sample_rate``; float64."""
    from fakebench.api import read_audio, to_mono

    _, file_sr = audio_duration(path)
    wave, sr = read_audio(path, start_seconds=start / file_sr if start else 0.0,
                          max_seconds=None if frames is None else frames / file_sr)
    return resample(to_mono(wave), sr, sample_rate)
