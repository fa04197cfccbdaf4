"""Audio decoding, resampling and clip-length policies.

Decoding goes through soundfile (WAV, FLAC, OGG, and MP3 with libsndfile ≥ 1.1). Audio
is returned as float32 mono in [-1, 1]; multichannel files are averaged to mono.

Clip length changes results a lot (cropping alone moves EERs by points), so it is an
explicit, recorded policy:

``full``        the whole clip;
``crop:N``      the first N seconds (shorter clips stay short);
``pad:N``       the first N seconds, zero-padded to exactly N;
``repeat:N``    the first N seconds, shorter clips tiled to exactly N (AASIST's rule);
``center:N``    N seconds from the middle, zero-padded to exactly N.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from .errors import AudioError, ConfigError

POLICIES = ("full", "crop", "pad", "repeat", "center")


@dataclass(frozen=True)
class LengthPolicy:
    mode: str = "full"
    seconds: float | None = None

    @classmethod
    def parse(cls, text: "str | LengthPolicy | None") -> "LengthPolicy":
        if isinstance(text, LengthPolicy):
            return text
        if text is None or str(text).strip() in ("", "full"):
            return cls("full", None)
        mode, _, sec = str(text).strip().partition(":")
        if mode not in POLICIES or mode == "full" or not sec:
            raise ConfigError(
                f"invalid clip length {text!r}",
                hint="use full, crop:SECONDS, pad:SECONDS, repeat:SECONDS or center:SECONDS",
            )
        try:
            seconds = float(sec)
        except ValueError:
            raise ConfigError(f"invalid clip length {text!r}: {sec!r} is not a number of seconds") from None
        if not math.isfinite(seconds) or seconds <= 0:
            raise ConfigError(f"invalid clip length {text!r}: seconds must be positive")
        return cls(mode, seconds)

    def __str__(self) -> str:
        if self.mode == "full":
            return "full"
        return f"{self.mode}:{self.seconds:g}"

    def target_samples(self, sample_rate: int) -> int | None:
        return None if self.seconds is None else int(round(self.seconds * sample_rate))

    def apply(self, wave: torch.Tensor, sample_rate: int) -> torch.Tensor:
        """Apply the policy to a 1-D waveform at ``sample_rate``."""
        n = self.target_samples(sample_rate)
        if n is None:
            return wave
        if self.mode == "crop":
            return wave[:n]
        if self.mode == "center":
            if wave.shape[-1] > n:
                start = (wave.shape[-1] - n) // 2
                return wave[start:start + n]
            return torch.nn.functional.pad(wave, (0, n - wave.shape[-1]))
        if wave.shape[-1] >= n:
            return wave[:n]
        if self.mode == "pad":
            return torch.nn.functional.pad(wave, (0, n - wave.shape[-1]))
        reps = math.ceil(n / max(1, wave.shape[-1]))
        return wave.repeat(reps)[:n]


def read_audio(path: str | Path, data: bytes | None = None) -> tuple[np.ndarray, int]:
    """Decode ``path`` (or its bytes) to float32 (channels, samples) and the sample rate.

    Raises :class:`AudioError` naming the file for anything unusable: a missing or empty
    file, an undecodable format, no samples, NaN or infinite samples.
    """
    import soundfile as sf

    path = Path(path)
    try:
        if data is None:
            data = path.read_bytes()
    except FileNotFoundError:
        raise AudioError(f"audio file {str(path)!r} does not exist",
                         hint="check the dataset folder, or pass --allow-missing to skip missing files") from None
    except OSError as e:
        raise AudioError(f"cannot read audio file {str(path)!r}: {e.strerror or e}") from None
    if not data:
        raise AudioError(f"audio file {str(path)!r} is empty (0 bytes)",
                         hint="re-download or delete it; --skip-bad skips unreadable files")
    try:
        with sf.SoundFile(io.BytesIO(data)) as f:
            sr = f.samplerate
            wave = f.read(dtype="float32", always_2d=True)
    except Exception as e:  # soundfile raises LibsndfileError, RuntimeError, TypeError...
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        hint = "re-download the file, or --skip-bad to skip unreadable files"
        if path.suffix.lower() == ".mp3":
            hint = "this libsndfile cannot decode MP3; install libsndfile >= 1.1 (soundfile >= 0.12) or convert to WAV/FLAC"
        raise AudioError(f"cannot decode audio file {str(path)!r}: {msg}", hint=hint) from None
    if wave.shape[0] == 0:
        raise AudioError(f"audio file {str(path)!r} has no samples (header only)",
                         hint="re-download or delete it; --skip-bad skips unreadable files")
    if not np.isfinite(wave).all():
        raise AudioError(f"audio file {str(path)!r} contains NaN or infinite samples",
                         hint="the file is corrupt; re-export it, or --skip-bad to skip it")
    return wave.T, int(sr)


def to_mono(wave: np.ndarray) -> np.ndarray:
    """(channels, samples) -> (samples,) by averaging channels."""
    return wave[0] if wave.shape[0] == 1 else wave.mean(axis=0)


@lru_cache(maxsize=64)
def _gcd(a: int, b: int) -> int:
    return math.gcd(a, b)


def resample(wave: torch.Tensor, orig_sr: int, new_sr: int, method: str = "sinc") -> torch.Tensor:
    """Resample along the last axis. ``sinc`` is torchaudio's windowed-sinc (Hann) method;
    ``kaiser`` its Kaiser-window variant (close to resampy's ``kaiser_best``)."""
    if orig_sr == new_sr:
        return wave
    import torchaudio.functional as AF

    if method == "kaiser":
        return AF.resample(wave, orig_sr, new_sr, lowpass_filter_width=64, rolloff=0.9475937167399596,
                           resampling_method="sinc_interp_kaiser", beta=14.769656459379492)
    return AF.resample(wave, orig_sr, new_sr)


def load_audio(
    path: str | Path,
    sample_rate: int,
    length: "str | LengthPolicy | None" = None,
    *,
    data: bytes | None = None,
    resampler: str = "sinc",
    min_seconds: float = 0.0,
) -> torch.Tensor:
    """Decode, downmix, resample to ``sample_rate`` and apply the length policy.

    Returns a float32 tensor (samples,). Clips shorter than ``min_seconds`` are
    zero-padded to it (a model's shortest input).
    """
    wave, sr = read_audio(path, data)
    mono = torch.from_numpy(np.ascontiguousarray(to_mono(wave)))
    policy = LengthPolicy.parse(length)
    if policy.seconds is not None and policy.mode in ("crop", "pad", "repeat"):
        # cut before resampling: a 3-hour file cropped to 4 s costs 4 s of work
        keep = int(math.ceil((policy.seconds + 0.05) * sr))  # 50 ms margin for the filter
        mono = mono[:keep]
    out = resample(mono, sr, sample_rate, resampler)
    out = policy.apply(out, sample_rate)
    if min_seconds:
        need = int(math.ceil(min_seconds * sample_rate))
        if out.shape[-1] < need:
            out = torch.nn.functional.pad(out, (0, need - out.shape[-1]))
    return out.contiguous()


def audio_info(path: str | Path) -> tuple[int, int, int]:
    """(frames, sample_rate, channels) from the header only; raises AudioError."""
    import soundfile as sf

    try:
        info = sf.info(str(path))
    except Exception as e:
        raise AudioError(f"cannot read the header of {str(path)!r}: {str(e).splitlines()[0] if str(e) else e}") from None
    return int(info.frames), int(info.samplerate), int(info.channels)
