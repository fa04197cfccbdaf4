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
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

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
        import torch

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


def max_full_seconds() -> float:
    """Longest clip decoded whole under the ``full`` policy (``$FAKEBENCH_MAX_DURATION``,
    default 20 minutes): a 3-hour file is almost always a mistake, and would need
    gigabytes of memory."""
    return float(os.environ.get("FAKEBENCH_MAX_DURATION", 1200))


def read_audio(path: str | Path, data: bytes | None = None, *, start_seconds: float = 0.0,
               max_seconds: float | None = None, limit_seconds: float | None = None) -> tuple[np.ndarray, int]:
    """Decode ``path`` (or its bytes) to float32 (channels, samples) and the sample rate.

    Only the frames from ``start_seconds`` for ``max_seconds`` are decoded, so a long
    file costs what is kept. ``limit_seconds`` refuses files longer than that.

    Raises :class:`AudioError` naming the file for anything unusable: a missing or empty
    file, an undecodable format, no samples, NaN or infinite samples, too long.
    """
    import soundfile as sf

    path = Path(path)
    try:
        if data is None:
            size = path.stat().st_size
            source = str(path)
        else:
            size = len(data)
            source = io.BytesIO(data)
    except FileNotFoundError:
        raise AudioError(f"audio file {str(path)!r} does not exist",
                         hint="check the dataset folder, or pass --allow-missing to skip missing files") from None
    except OSError as e:
        raise AudioError(f"cannot read audio file {str(path)!r}: {e.strerror or e}") from None
    if size == 0:
        raise AudioError(f"audio file {str(path)!r} is empty (0 bytes)",
                         hint="re-download or delete it; --skip-bad skips unreadable files")
    _check_riff_complete(path, data, size)
    try:
        with sf.SoundFile(source) as f:
            sr = int(f.samplerate)
            total = f.frames
            if total == 0:
                raise AudioError(f"audio file {str(path)!r} has no samples (header only)",
                                 hint="re-download or delete it; --skip-bad skips unreadable files")
            if limit_seconds is not None and max_seconds is None and total > limit_seconds * sr:
                raise AudioError(
                    f"audio file {str(path)!r} is {total / sr / 60:.1f} minutes long, over the "
                    f"{limit_seconds / 60:.0f}-minute limit for whole-clip processing",
                    hint="choose a clip length (--length crop:N or center:N), or raise FAKEBENCH_MAX_DURATION")
            first = int(start_seconds * sr) if start_seconds > 0 else 0
            count = -1 if max_seconds is None else int(math.ceil(max_seconds * sr))
            if first:
                f.seek(min(first, total - 1))
            wave = f.read(frames=count, dtype="float32", always_2d=True)
    except AudioError:
        raise
    except Exception as e:  # soundfile raises LibsndfileError, RuntimeError, TypeError...
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        if "does not exist or is not a regular file" in msg and path.is_file():
            msg = "unknown or unsupported audio format"  # libsndfile's words for an unrecognised header
        hint = "re-download the file, or --skip-bad to skip unreadable files"
        if path.suffix.lower() == ".mp3":
            hint = ("the file is not valid MP3, or this libsndfile has no MP3 decoder: install soundfile >= 0.12 "
                    "(libsndfile >= 1.1) or convert the file to WAV/FLAC")
        raise AudioError(f"cannot decode audio file {str(path)!r}: {msg}", hint=hint) from None
    if wave.shape[0] == 0:
        raise AudioError(f"audio file {str(path)!r} has no samples (header only or truncated)",
                         hint="re-download or delete it; --skip-bad skips unreadable files")
    if not np.isfinite(wave).all():
        raise AudioError(f"audio file {str(path)!r} contains NaN or infinite samples",
                         hint="the file is corrupt; re-export it, or --skip-bad to skip it")
    return wave.T, sr


def _check_riff_complete(path: Path, data: bytes | None, size: int) -> None:
    """A WAV whose ``data`` chunk claims more bytes than the file holds was cut short
    (an interrupted copy or download); libsndfile would silently decode the part that
    is there, so refuse it."""
    if data is not None:
        head = data[:1 << 16]
    else:
        try:
            with open(path, "rb") as f:
                head = f.read(1 << 16)
        except OSError:
            return
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return
    pos = 12
    while pos + 8 <= len(head):
        chunk, length = head[pos:pos + 4], int.from_bytes(head[pos + 4:pos + 8], "little")
        if chunk == b"data":
            if length not in (0, 0xFFFFFFFF) and pos + 8 + length > size:
                raise AudioError(
                    f"audio file {str(path)!r} is truncated: its header announces {length} bytes of audio, "
                    f"the file holds {size - pos - 8}",
                    hint="re-download or re-copy it; --skip-bad skips unreadable files")
            return
        pos += 8 + length + (length & 1)


def to_mono(wave: np.ndarray) -> np.ndarray:
    """(channels, samples) -> (samples,) by averaging channels."""
    return wave[0] if wave.shape[0] == 1 else wave.mean(axis=0)


_KAISER = dict(lowpass_filter_width=64, rolloff=0.9475937167399596, resampling_method="sinc_interp_kaiser",
              beta=14.769656459379492)


@lru_cache(maxsize=32)
def _resampler(orig_sr: int, new_sr: int, method: str, dtype: torch.dtype, device: str):
    """torchaudio's ``Resample`` transform, which builds its filter kernel once.

    ``torchaudio.functional.resample`` rebuilds the kernel on every call, which costs
    more than the convolution itself for rate pairs with a large reduced ratio (one 4-s
    clip from 22.05 to 16 kHz, Kaiser window: 9 ms per call with the kernel rebuilt,
    1.1 ms with it cached; to 32 kHz: 15 ms and 1.8 ms). The output is the same: both
    apply the same kernel the same way.
    """
    import torch

    import torchaudio.transforms as AT

    kw = _KAISER if method == "kaiser" else {}
    return AT.Resample(orig_sr, new_sr, dtype=dtype, **kw).to(device)


def resample(wave: torch.Tensor, orig_sr: int, new_sr: int, method: str = "sinc") -> torch.Tensor:
    """Resample along the last axis. ``sinc`` is torchaudio's windowed-sinc (Hann) method;
    ``kaiser`` its Kaiser-window variant (close to resampy's ``kaiser_best``); any other
    name means ``sinc``. Filter kernels are cached per (rates, method, dtype, device)."""
    import torch

    if orig_sr == new_sr:
        return wave
    if not wave.is_floating_point():
        wave = wave.float()
    method = "kaiser" if method == "kaiser" else "sinc"
    return _resampler(int(orig_sr), int(new_sr), method, wave.dtype, str(wave.device))(wave)


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

    Returns a float32 tensor (samples,). Only the part of the file the policy keeps is
    decoded (plus a 50 ms margin for the resampling filter). Clips shorter than
    ``min_seconds`` are zero-padded to it (a model's shortest input).
    """
    import torch

    policy = LengthPolicy.parse(length)
    margin = 0.05
    start, span, limit = 0.0, None, None
    if policy.mode in ("crop", "pad", "repeat"):
        span = policy.seconds + margin
    elif policy.mode == "center":
        frames, sr, _ = audio_info(path) if data is None else (None, None, None)
        if frames is not None and frames / sr > policy.seconds + 2 * margin:
            start = (frames / sr - policy.seconds) / 2 - margin
            span = policy.seconds + 2 * margin
    else:
        limit = max_full_seconds()
    wave, sr = read_audio(path, data, start_seconds=start, max_seconds=span, limit_seconds=limit)
    mono = torch.from_numpy(np.ascontiguousarray(to_mono(wave)))
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
