"""Private helpers of the codec and telephony condition plugins: encode and decode a clip
through a real encoder, and remove the codec's delay so the output is time-aligned.

Two libraries do the coding, both real encoder/decoder implementations:

* **PyAV** (``av``, BSD-3-Clause; it bundles FFmpeg's libraries, LGPL-2.1+, with
  libmp3lame, libopus, libopencore-amrnb...): the first choice for every codec;
* **soundfile** (libsndfile, LGPL-2.1+; with libmp3lame/mpg123, libvorbis and libopus):
  the fallback for MP3, Opus and G.711 when PyAV is missing, and the Vorbis encoder
  (the FFmpeg in the PyAV wheels has no libvorbis, and FFmpeg's own Vorbis encoder is
  experimental, stereo-only and ignores the bitrate).

**Delay.** Encoders add priming samples and decoders a filter delay (AAC: 1024 samples,
Opus: 312 at 48 kHz, AMR, G.722...); containers signal some of it and FFmpeg removes
what is signalled. What remains is *measured*, once per (codec configuration, input
rate) and process: a fixed 1-s pseudo-random calibration signal goes through the same
resample-encode-decode-resample path, and the lag of the cross-correlation peak is the
delay that is then cut from the start of every output. Outputs are trimmed or
zero-padded to the input length, and saturated to [-1, 1] (what a decoder writing
16-bit PCM does).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from fakebench.api import ConfigError

from ._dsp import INSTALL, finish, fit_length, resample

#: ISO/IEC 11172-3 and 13818-3 Layer III bitrates (bit/s) by MPEG version.
MP3_BITRATES = {
    "MPEG-1": (32000, 40000, 48000, 56000, 64000, 80000, 96000, 112000, 128000, 160000, 192000, 224000, 256000,
               320000),
    "MPEG-2": (8000, 16000, 24000, 32000, 40000, 48000, 56000, 64000, 80000, 96000, 112000, 128000, 144000, 160000),
    "MPEG-2.5": (8000, 16000, 24000, 32000, 40000, 48000, 56000, 64000),
}
MP3_RATES = {"MPEG-1": (32000, 44100, 48000), "MPEG-2": (16000, 22050, 24000), "MPEG-2.5": (8000, 11025, 12000)}


def mp3_version(rate: int) -> str:
    for version, rates in MP3_RATES.items():
        if rate in rates:
            return version
    raise ValueError(rate)


# -- library checks ----------------------------------------------------------------------------


def pyav():
    """The ``av`` module, or None when PyAV is not installed."""
    try:
        import av
    except ImportError:
        return None
    return av


def has_encoder(name: str) -> bool:
    """Whether the FFmpeg bundled with PyAV has the encoder ``name`` (not just a decoder)."""
    av = pyav()
    if av is None:
        return False
    try:
        return bool(av.codec.Codec(name, "w").is_encoder)
    except Exception:  # av raises UnknownCodecError (a ValueError) or FFmpegError
        return False


def has_soundfile_format(fmt: str, subtype: str) -> bool:
    try:
        import soundfile as sf
    except ImportError:
        return False
    return fmt in sf.available_formats() and subtype in sf.available_subtypes(fmt)


def missing_encoder(condition: str, encoder: str, what: str, *, fallback: str = "", alternative: str = "") -> ConfigError:
    av = pyav()
    if av is None:
        msg = f"condition {condition!r} needs PyAV (FFmpeg) for the {what} encoder, and PyAV is not installed"
        if fallback:
            msg += f"; {fallback} is missing too"
        return ConfigError(msg, hint=f"install it with `{INSTALL}`")
    hint = (f"this PyAV's FFmpeg was built without it; install a PyAV/FFmpeg build with {encoder}"
            + (f", or use {alternative}" if alternative else ""))
    return ConfigError(f"condition {condition!r}: the FFmpeg bundled with PyAV {av.__version__} has no "
                       f"{encoder!r} encoder ({what})", hint=hint)


# -- one encoder configuration -----------------------------------------------------------------


@dataclass(frozen=True)
class Codec:
    """An encoder configuration: which library, encoder, container and settings.

    ``library`` is ``pyav`` (``encoder`` is an FFmpeg encoder, ``container`` an FFmpeg
    muxer) or ``soundfile`` (``encoder`` a libsndfile subtype, ``container`` a format).
    ``rate`` is the sample rate the encoder is fed.
    """

    library: str
    encoder: str
    container: str
    rate: int
    bitrate: int | None = None
    options: tuple[tuple[str, str], ...] = ()
    level: float | None = None  # libsndfile compression level
    mode: str | None = None  # libsndfile bitrate mode

    def encode(self, wave: np.ndarray) -> bytes:
        """Encode mono float audio at ``self.rate`` to the bytes of a file."""
        x = np.ascontiguousarray(np.clip(wave, -1.0, 1.0), dtype=np.float32)
        if self.library == "pyav":
            return _pyav_encode(self, x)
        import soundfile as sf

        buf = io.BytesIO()
        sf.write(buf, x, self.rate, format=self.container, subtype=self.encoder,
                 compression_level=self.level, bitrate_mode=self.mode)
        return buf.getvalue()

    def decode(self, data: bytes) -> tuple[np.ndarray, int]:
        """Decode the bytes of a file to (float64 mono samples, sample rate)."""
        if self.library == "pyav":
            return _pyav_decode(data)
        import soundfile as sf

        y, sr = sf.read(io.BytesIO(data), dtype="float64", always_2d=True)
        return y.mean(axis=1), int(sr)


def _pyav_encode(codec: Codec, x: np.ndarray) -> bytes:
    import av

    buf = io.BytesIO()
    with av.open(buf, "w", format=codec.container) as out:
        stream = out.add_stream(codec.encoder, rate=codec.rate, layout="mono", options=dict(codec.options))
        if codec.bitrate:
            stream.bit_rate = int(codec.bitrate)
        frame = av.AudioFrame.from_ndarray(x[None, :], format="flt", layout="mono")
        frame.sample_rate = codec.rate
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()


def _pyav_decode(data: bytes) -> tuple[np.ndarray, int]:
    import av

    chunks = []
    with av.open(io.BytesIO(data), "r") as f:
        stream = f.streams.audio[0]
        rate = int(stream.codec_context.sample_rate)
        for frame in f.decode(stream):
            a = frame.to_ndarray()
            if np.issubdtype(a.dtype, np.integer):
                a = a.astype(np.float64) / float(np.iinfo(a.dtype).max + 1)
            a = a.astype(np.float64)
            if not frame.format.is_planar and a.shape[0] == 1 and len(frame.layout.channels) > 1:
                a = a.reshape(-1, len(frame.layout.channels)).T  # packed: (1, n*ch) -> (ch, n)
            chunks.append(a.mean(axis=0))
    return (np.concatenate(chunks) if chunks else np.zeros(0)), rate


# -- the full path: resample, encode, decode, resample back, align ----------------------------------


def roundtrip(wave: np.ndarray, sample_rate: int, codec: Codec) -> np.ndarray:
    """Input rate -> codec rate -> encode -> decode -> input rate; not yet aligned."""
    x = resample(wave, sample_rate, codec.rate)
    y, rate = codec.decode(codec.encode(x))
    return resample(y, rate, sample_rate)


def _calibration_signal(sample_rate: int) -> np.ndarray:
    """1 s of low-passed pseudo-random noise (fixed seed) between 0.25 s of silence.

    Speech codecs (AMR, GSM) model the spectrum below ~3.4 kHz best, so the noise is
    low-passed (first-order, corner 1 kHz) to keep a clear cross-correlation peak."""
    from scipy.signal import lfilter

    rng = np.random.default_rng(0xC0DEC)
    n = int(sample_rate)
    pole = np.exp(-2 * np.pi * 1000.0 / sample_rate)
    noise = lfilter([1 - pole], [1, -pole], rng.standard_normal(n))
    noise *= 0.25 / np.max(np.abs(noise))
    pad = np.zeros(n // 4)
    return np.concatenate([pad, noise, pad])


def measure_delay(path: Callable[[np.ndarray, int], np.ndarray], sample_rate: int, max_lag_s: float = 0.3) -> int:
    """Samples by which ``path`` (wave, rate) -> wave delays its input: the lag of the
    cross-correlation peak between the calibration signal and its processed copy,
    searched within ±``max_lag_s``."""
    from scipy.signal import correlate, correlation_lags

    x = _calibration_signal(sample_rate)
    y = path(x, sample_rate)
    corr = correlate(y, x, mode="full", method="fft")
    lags = correlation_lags(len(y), len(x), mode="full")
    keep = np.abs(lags) <= int(max_lag_s * sample_rate)
    return int(lags[keep][np.argmax(corr[keep])])


@lru_cache(maxsize=256)
def codec_delay(codec: Codec, sample_rate: int) -> int:
    """The measured delay of ``roundtrip`` for this codec configuration at this input rate
    (memoised per process)."""
    return measure_delay(lambda w, sr: roundtrip(w, sr, codec), sample_rate)


def align(y: np.ndarray, delay: int, n: int) -> np.ndarray:
    """Drop ``delay`` leading samples (or pad if negative) and fit to ``n`` samples."""
    if delay > 0:
        y = y[delay:]
    elif delay < 0:
        y = np.concatenate([np.zeros(-delay), y])
    return fit_length(y, n)


def transcode(wave: np.ndarray, sample_rate: int, codec: Codec, *, delay_codec: Codec | None = None) -> np.ndarray:
    """Code ``wave`` and return the decoded clip: time-aligned, same length, float32 in
    [-1, 1]. ``delay_codec`` is the configuration whose delay is used (Vorbis varies its
    quality per clip but not its delay)."""
    y = roundtrip(wave, sample_rate, codec)
    delay = codec_delay(delay_codec or codec, int(sample_rate))
    return finish(align(y, delay, wave.shape[0]))


def encode_rate(sample_rate: int, supported: tuple[int, ...], requested: int = 0) -> int:
    """The rate to feed an encoder: ``requested`` if given (it must be supported), else the
    lowest supported rate at or above the input's (so nothing is lost to resampling),
    else the highest supported rate."""
    if requested:
        return int(requested)
    above = sorted(r for r in supported if r >= sample_rate)
    return above[0] if above else max(supported)
