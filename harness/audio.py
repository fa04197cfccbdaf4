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

N is bounded: at most ``$FAKEBENCH_MAX_DURATION`` seconds (the ``full`` limit, default
20 minutes; ``pad:1e9`` would ask for terabytes), and at least one sample at 8 kHz
(:data:`MIN_POLICY_SECONDS`); :meth:`LengthPolicy.check_rate` checks one sample at a
model's own rate.

Headers are checked before decoding (:func:`check_header`): a WAV whose ``data`` chunk
claims more bytes than the file holds (cut short), or 0 bytes while audio follows (still
being written, or never finalised), is refused; a WAV whose sizes disagree with the file
in a way libsndfile would read past or stop short of is decoded with a warning naming
the file (counted by :func:`header_warnings`); a header whose frame count or sample
rate is impossible (a FLAC that does not know its length reports 2**63 - 1 frames) is
refused rather than reported as 160 billion hours.
"""

from __future__ import annotations

import io
import logging
import math
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np

if TYPE_CHECKING:  # annotations only: torch is imported where audio is processed
    import torch

from .errors import AudioError, ConfigError

log = logging.getLogger("fakebench")

POLICIES = ("full", "crop", "pad", "repeat", "center")
#: Shortest N of a length policy: one sample at 8 kHz, the lowest rate of any model here.
MIN_POLICY_SECONDS = 1 / 8000
#: Frame counts at or above this are not real lengths (libsndfile's "unknown": 2**63 - 1).
MAX_HEADER_FRAMES = 2**40
#: Highest plausible sample rate of a header (the highest DXD/DSD-converted PCM is 768 kHz).
MAX_SAMPLE_RATE = 1_536_000


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
        top = max_full_seconds()
        if seconds > top:
            raise ConfigError(f"invalid clip length {text!r}: at most {top:g} seconds",
                              hint="the bound is FAKEBENCH_MAX_DURATION (seconds); raise it for longer clips")
        if seconds < MIN_POLICY_SECONDS:
            raise ConfigError(f"invalid clip length {text!r}: at least {MIN_POLICY_SECONDS:g} seconds "
                              "(one sample at 8 kHz)", hint="e.g. --length crop:4")
        return cls(mode, seconds)

    def check_rate(self, sample_rate: int, who: str = "the model") -> "LengthPolicy":
        """Refuse a policy that keeps less than one sample at ``sample_rate`` (``who``'s
        rate); returns the policy."""
        if self.seconds is not None and int(round(self.seconds * sample_rate)) < 1:
            raise ConfigError(f"clip length {self} keeps no sample at {who}'s rate of {sample_rate} Hz",
                              hint=f"use at least {1 / sample_rate:.2g} seconds")
        return self

    def __str__(self) -> str:
        if self.mode == "full":
            return "full"
        return f"{self.mode}:{self.seconds:g}"

    def target_samples(self, sample_rate: int) -> int | None:
        if self.seconds is None:
            return None
        self.check_rate(sample_rate)
        return int(round(self.seconds * sample_rate))

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
    gigabytes of memory. An empty variable counts as unset; anything but a positive
    number of seconds is a :class:`ConfigError` naming it."""
    text = os.environ.get("FAKEBENCH_MAX_DURATION", "").strip()
    if not text:
        return 1200.0
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not math.isfinite(value) or value <= 0:
        raise ConfigError(f"FAKEBENCH_MAX_DURATION={text!r} is not a positive number of seconds",
                          hint="e.g. FAKEBENCH_MAX_DURATION=3600, or unset it for the default (1200)")
    return value


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
            _check_header_numbers(path, total, sr)
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


_HEADER_HINT = "re-download or re-copy it (or wait until it is written); --skip-bad skips unreadable files"
#: Header warnings of this process: path -> message (the first 1000), and their count.
_header_warnings: dict[str, str] = {}
_header_warning_count = 0


def header_warnings() -> tuple[int, dict[str, str]]:
    """How many files of this process decoded with a header warning
    (:func:`check_header`), and the first 1000 of them (path -> message)."""
    return _header_warning_count, dict(_header_warnings)


def _warn_header(path: Path, message: str) -> None:
    global _header_warning_count
    key = str(path)
    if key in _header_warnings:
        return
    _header_warning_count += 1
    if len(_header_warnings) < 1000:
        _header_warnings[key] = message
    log.warning("%s", message)


def _chunk_id_ok(chunk: bytes) -> bool:
    return len(chunk) == 4 and all(32 <= b < 127 for b in chunk)


def check_header(path: str | Path, data: bytes | None = None, size: int | None = None) -> str | None:
    """Check a WAV (RIFF) header against the file before decoding it.

    Raises :class:`AudioError` naming the file when the ``data`` chunk claims more
    bytes than the file holds (cut short) or 0 bytes while audio follows (a file still
    being written, or whose header was never finalised: libsndfile would read whatever
    is there). Returns a warning (and the caller decodes) when the sizes disagree in a
    way that makes libsndfile read less than the file holds, or the RIFF size is not
    the file's; None when all agree. Other formats: None (their length is checked when
    the file is opened, see :func:`read_audio`)."""
    path = Path(path)
    f = None
    try:
        if data is not None:
            size = len(data)
            head = data[:1 << 16]
        else:
            f = open(path, "rb")
            size = os.fstat(f.fileno()).st_size if size is None else size
            head = f.read(1 << 16)
    except OSError:
        return None  # the decoder names what is wrong with the file
    try:
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            return None
        riff = int.from_bytes(head[4:8], "little")
        pos = 12
        while pos + 8 <= len(head):
            chunk, length = head[pos:pos + 4], int.from_bytes(head[pos + 4:pos + 8], "little")
            if chunk == b"data":
                break
            pos += 8 + length + (length & 1)
        else:
            return None  # no data chunk in the first 64 KiB: libsndfile decides
        body = size - pos - 8
        if length == 0xFFFFFFFF:  # a streamed WAV: "until the end of the file"
            return None
        if length == 0:
            if body > 0:
                raise AudioError(
                    f"audio file {str(path)!r} is still being written or was never finalised: its header "
                    f"announces 0 bytes of audio, and {body} bytes follow", hint=_HEADER_HINT)
            return None  # header only: "no samples", said by read_audio
        if length > body:
            raise AudioError(
                f"audio file {str(path)!r} is truncated: its header announces {length} bytes of audio, "
                f"the file holds {body}", hint="re-download or re-copy it; --skip-bad skips unreadable files")
        # what follows the audio must be chunks (LIST, id3...), else the header is stale
        after = pos + 8 + length + (length & 1)
        while after + 8 <= size:
            if data is not None:
                hdr = data[after:after + 8]
            else:
                f.seek(after)
                hdr = f.read(8)
            if not _chunk_id_ok(hdr[:4]):
                break
            after += 8 + int.from_bytes(hdr[4:8], "little")
            after += after & 1
        if after + 8 <= size or (after < size and any(_tail(f, data, after, size))):
            return (f"audio file {str(path)!r} has a stale header: it announces {length} bytes of audio, but "
                    f"{size - pos - 8 - length} more bytes follow that are not WAV chunks (written after the "
                    f"header was?); only the announced {length} bytes are decoded")
        if riff not in (0xFFFFFFFF,) and riff + 8 not in (size, size - 1, size + 1):
            return (f"audio file {str(path)!r} has a header that disagrees with the file: it says the file is "
                    f"{riff + 8} bytes, it is {size}")
        return None
    finally:
        if f is not None:
            f.close()


def _tail(f, data: bytes | None, start: int, size: int) -> bytes:
    """The bytes from ``start`` to the end (a few at most), NULs allowed as padding."""
    if data is not None:
        return data[start:size].replace(b"\x00", b"")
    f.seek(start)
    return f.read(size - start).replace(b"\x00", b"")


def _check_riff_complete(path: Path, data: bytes | None, size: int) -> None:
    """:func:`check_header`, with its warning logged once per file and counted."""
    warning = check_header(path, data, size)
    if warning:
        _warn_header(path, warning)


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

    import torchaudio.transforms as AT

    kw = _KAISER if method == "kaiser" else {}
    return AT.Resample(orig_sr, new_sr, dtype=dtype, **kw).to(device)


def resample(wave: torch.Tensor, orig_sr: int, new_sr: int, method: str = "sinc") -> torch.Tensor:
    """Resample along the last axis. ``sinc`` is torchaudio's windowed-sinc (Hann) method;
    ``kaiser`` its Kaiser-window variant (close to resampy's ``kaiser_best``); any other
    name means ``sinc``. Filter kernels are cached per (rates, method, dtype, device)."""

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
    transform: "Callable[[np.ndarray, int], np.ndarray] | None" = None,
) -> torch.Tensor:
    """Decode, downmix, resample to ``sample_rate`` and apply the length policy.

    Returns a float32 tensor (samples,). Only the part of the file the policy keeps is
    decoded (plus a 50 ms margin for the resampling filter). Clips shorter than
    ``min_seconds`` are zero-padded to it (a model's shortest input). ``transform`` (a
    robustness condition, :class:`fakebench.conditions.ConditionTransform`) is applied to
    the decoded mono audio at the file's own rate, before resampling.
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
    mono = to_mono(wave)
    if transform is not None:
        mono = transform(mono, sr)
    mono = torch.from_numpy(np.ascontiguousarray(mono))
    out = resample(mono, sr, sample_rate, resampler)
    out = policy.apply(out, sample_rate)
    if min_seconds:
        need = int(math.ceil(min_seconds * sample_rate))
        if out.shape[-1] < need:
            out = torch.nn.functional.pad(out, (0, need - out.shape[-1]))
    return out.contiguous()


def _check_header_numbers(path: Path, frames: int, sr: int) -> None:
    """Refuse a header whose length or rate is impossible, instead of reporting it."""
    if not 0 < sr <= MAX_SAMPLE_RATE:
        raise AudioError(f"audio file {str(path)!r} has an impossible sample rate in its header ({sr} Hz)",
                         hint="the file is corrupt; re-export it, or --skip-bad to skip it")
    if not 0 <= frames < MAX_HEADER_FRAMES:
        raise AudioError(
            f"audio file {str(path)!r} does not give its length: its header reports {frames} frames "
            "(a streaming encoder that never wrote the total?)",
            hint="re-encode it (e.g. `ffmpeg -i IN -c:a flac OUT.flac`), or --skip-bad to skip it")


def audio_info(path: str | Path) -> tuple[int, int, int]:
    """(frames, sample_rate, channels) from the header only; raises AudioError for a
    missing, undecodable, cut-short, still-being-written or empty file, and for a header
    whose frame count or rate is impossible (see :func:`check_header`)."""
    import soundfile as sf

    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as e:
        raise AudioError(f"cannot read audio file {str(path)!r}: {e.strerror or e}") from None
    if size == 0:
        raise AudioError(f"audio file {str(path)!r} is empty (0 bytes)",
                         hint="re-download or delete it; --skip-bad skips unreadable files")
    _check_riff_complete(path, None, size)
    try:
        info = sf.info(str(path))
    except Exception as e:
        why = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise AudioError(f"cannot read the header of {str(path)!r}: {why}") from None
    frames, sr = int(info.frames), int(info.samplerate)
    _check_header_numbers(path, frames, sr)
    if frames == 0:
        raise AudioError(f"audio file {str(path)!r} has no samples (header only)",
                         hint="re-download or delete it; --skip-bad skips unreadable files")
    return frames, sr, int(info.channels)
