"""Lossy audio codecs: ``mp3``, ``aac``, ``opus``, ``vorbis`` (encode, then decode).

What it models: a clip shared as a compressed file (social media, messaging, streaming),
through the real encoder and decoder at a chosen bitrate. ``mp3:32k`` encodes at 32
kbit/s; ``opus:16k:application=voip`` as a VoIP call would.

Parameters (``bitrate`` is the positional one: ``mp3:32k``; ``k`` means x1000):

* ``mp3``: ``bitrate`` (bit/s, CBR, an ISO/IEC 11172-3 / 13818-3 Layer III rate, default
  128k), ``rate`` (encoding sample rate; 0 = the lowest MPEG rate at or above the clip's
  whose bitrate table has ``bitrate``: 16 kHz stays 16 kHz for 32k, goes to 32 kHz for
  256k). Encoder: LAME (``libmp3lame``).
* ``aac``: ``bitrate`` (default 128k), ``rate`` (0 = the lowest AAC rate at or above the
  clip's). Encoder: FFmpeg's native AAC-LC encoder (ADTS stream). Its rate control is an
  average: a high target at a low sample rate can come out lower.
* ``opus``: ``bitrate`` (default 32k), ``application`` (``audio``, ``voip``, ``lowdelay``),
  ``vbr`` (``on``, ``off``, ``constrained``), ``rate`` (0 = the lowest of 8/12/16/24/48
  kHz at or above the clip's; the decoder works at 48 kHz). Encoder: libopus (RFC 6716)
  in Ogg (RFC 7845).
* ``vorbis``: ``bitrate`` (default 64k), ``rate`` (0 = the clip's, or lower: see below).
  Encoder: libvorbis through libsndfile, whose only control is the quality; fakebench
  picks, per clip, the quality whose audio bitrate (Ogg headers excluded) is nearest
  ``bitrate`` (bisection, within about 5%). libvorbis' mono range depends on the rate
  (about 27-74 kbit/s at 16 kHz, 47-200 at 44.1 kHz): with ``rate=0``, a target below
  the range at the clip's rate steps the encoding rate down (44.1, 32, 24, 22.05, 16...
  kHz) until it fits, as oggenc and LAME do for low bitrates; a target above the range
  uses the highest quality, with one warning.

Every codec: the clip is resampled (SciPy ``resample_poly``) to the encoding rate and
back; the codec's delay (priming) is removed, so output sample t matches input sample t
(measured once per configuration and rate by cross-correlation, see ``_codec.py``); the
output has the input's length, is float32 and saturates at [-1, 1]. Deterministic: no
randomness is used (``random = False``).

Libraries: PyAV (BSD-3-Clause) with the FFmpeg libraries it bundles (LGPL-2.1+; LAME
LGPL-2.0+, libopus BSD-3-Clause); soundfile (BSD-3-Clause) on libsndfile (LGPL-2.1+),
the fallback for ``mp3`` and ``opus`` when PyAV is missing and the ``vorbis`` encoder.
Install: ``pip install 'fakebench[conditions]'``.

References: ISO/IEC 11172-3 (MPEG-1 Audio), ISO/IEC 13818-3 (MPEG-2 Audio), ISO/IEC
14496-3 (AAC), RFC 6716 (Opus), RFC 7845 (Ogg Opus), Xiph.Org Vorbis I specification.
"""

from __future__ import annotations

import warnings
from functools import lru_cache
from typing import ClassVar

import numpy as np

from fakebench.api import Choice, Condition, ConfigError, Int, hookimpl

from . import _codec as C
from ._dsp import EXTRA, choose, positive

AAC_RATES = (7350, 8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000, 64000, 88200, 96000)
OPUS_RATES = (8000, 12000, 16000, 24000, 48000)
#: rates Vorbis steps down through, highest first, when a bitrate is too low for the clip's rate
VORBIS_DOWNSAMPLE = (44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000)


@lru_cache(maxsize=64)
def _sndfile_mp3_level(rate: int, bitrate: int) -> float:
    """The libsndfile compression level that makes LAME encode CBR at ``bitrate``.

    libsndfile maps the level to a bitrate through its own steps (not linearly), so the
    level is found by bisection on the measured bitrate of 1 s of noise (memoised)."""
    x = np.random.default_rng(0).standard_normal(rate) * 0.1

    def measured(level: float) -> float:
        c = C.Codec("soundfile", "MPEG_LAYER_III", "MP3", rate, bitrate, level=level, mode="CONSTANT")
        return len(c.encode(x)) * 8.0

    lo, hi = 0.0, 0.99  # higher level, fewer bits; libsndfile refuses 1.0
    best = min((abs(measured(lo) - bitrate), lo), (abs(measured(hi) - bitrate), hi))
    for _ in range(10):
        mid = (lo + hi) / 2
        b = measured(mid)
        best = min(best, (abs(b - bitrate), mid))
        if b > bitrate:
            lo = mid
        else:
            hi = mid
    return best[1]


class _Codec(Condition):
    """Shared parts of the lossy codecs: ``codec(sample_rate)`` gives the encoder
    configuration, ``apply`` codes and aligns."""

    random = False
    extra = EXTRA
    positional = "bitrate"
    license = "PyAV BSD-3-Clause; FFmpeg LGPL-2.1+; libsndfile LGPL-2.1+"

    def validate(self) -> _Codec:
        positive(self.name, "bitrate", self.bitrate)
        positive(self.name, "rate", self.rate, allow_zero=True)
        return self

    def load(self) -> _Codec:
        self.validate()
        self.codec(16000)  # raises ConfigError naming what is missing
        return self

    def codec(self, sample_rate: int) -> C.Codec:
        raise NotImplementedError

    def encode(self, wave: np.ndarray, sample_rate: int) -> bytes:
        """The encoded file (bytes) for ``wave`` at ``sample_rate``: what ``apply`` decodes."""
        from ._dsp import resample

        codec = self.codec(int(sample_rate))
        return codec.encode(resample(wave, sample_rate, codec.rate))

    def apply(self, wave, sample_rate, rng):
        return C.transcode(np.asarray(wave, dtype=np.float64), int(sample_rate), self.codec(int(sample_rate)))


class Mp3(_Codec):
    name = "mp3"
    param_specs = {"bitrate": Int(8000, 320000), "rate": Int(0, 48000)}
    description = "MP3 (LAME, CBR) at a bitrate: mp3:32k"
    citation = "ISO/IEC 11172-3 and 13818-3 (MPEG Audio Layer III); LAME"

    def __init__(self, bitrate: int = 128000, rate: int = 0):
        self.bitrate = bitrate
        self.rate = rate

    def validate(self):
        super().validate()
        allowed = sorted(set().union(*C.MP3_BITRATES.values()))
        if int(self.bitrate) not in allowed:
            raise ConfigError(f"condition 'mp3': bitrate {self.bitrate} is not a Layer III bitrate",
                              hint="use one of " + ", ".join(f"{b // 1000}k" for b in allowed))
        if self.rate:
            rates = sorted(r for rs in C.MP3_RATES.values() for r in rs)
            if int(self.rate) not in rates:
                raise ConfigError(f"condition 'mp3': rate {self.rate} is not an MPEG audio sample rate",
                                  hint="use one of " + ", ".join(map(str, rates)) + ", or 0 (automatic)")
            version = C.mp3_version(int(self.rate))
            if int(self.bitrate) not in C.MP3_BITRATES[version]:
                raise ConfigError(f"condition 'mp3': {self.bitrate} bit/s is not a {version} Layer III bitrate "
                                  f"at {self.rate} Hz",
                                  hint=f"at {self.rate} Hz use one of "
                                  + ", ".join(f"{b // 1000}k" for b in C.MP3_BITRATES[version])
                                  + ", or leave rate=0 to pick a rate that allows it")
        return self

    def _rate(self, sample_rate: int) -> int:
        if self.rate:
            return int(self.rate)
        ok = sorted(r for v, rs in C.MP3_RATES.items() for r in rs if int(self.bitrate) in C.MP3_BITRATES[v])
        above = [r for r in ok if r >= sample_rate]
        return above[0] if above else ok[-1]

    def codec(self, sample_rate):
        rate = self._rate(sample_rate)
        if C.has_encoder("libmp3lame"):
            return C.Codec("pyav", "libmp3lame", "mp3", rate, int(self.bitrate))
        if C.has_soundfile_format("MP3", "MPEG_LAYER_III"):
            return C.Codec("soundfile", "MPEG_LAYER_III", "MP3", rate, int(self.bitrate),
                           level=_sndfile_mp3_level(rate, int(self.bitrate)), mode="CONSTANT")
        raise C.missing_encoder(self.name, "libmp3lame", "MP3", fallback="libsndfile's MP3 support")


class Aac(_Codec):
    name = "aac"
    param_specs = {"bitrate": Int(8000, 512000), "rate": Int(0, 96000)}
    description = "AAC-LC (FFmpeg's encoder) at a bitrate: aac:32k"
    citation = "ISO/IEC 14496-3 (MPEG-4 Audio, AAC-LC)"

    def __init__(self, bitrate: int = 128000, rate: int = 0):
        self.bitrate = bitrate
        self.rate = rate

    def validate(self):
        super().validate()
        if self.rate and int(self.rate) not in AAC_RATES:
            raise ConfigError(f"condition 'aac': rate {self.rate} is not an AAC sample rate",
                              hint="use one of " + ", ".join(map(str, AAC_RATES)) + ", or 0 (automatic)")
        return self

    def codec(self, sample_rate):
        if not C.has_encoder("aac"):
            raise C.missing_encoder(self.name, "aac", "AAC")
        return C.Codec("pyav", "aac", "adts", C.encode_rate(sample_rate, AAC_RATES, int(self.rate)), int(self.bitrate))


class Opus(_Codec):
    name = "opus"
    param_specs = {"bitrate": Int(1, 512000), "application": Choice("audio", "voip", "lowdelay"),
                   "vbr": Choice("on", "off", "constrained"), "rate": Int(0, 48000)}
    description = "Opus (libopus, Ogg) at a bitrate: opus:16k"
    citation = "RFC 6716 (Opus), RFC 7845 (Ogg Opus)"

    def __init__(self, bitrate: int = 32000, application: str = "audio", vbr: str = "on", rate: int = 0):
        self.bitrate = bitrate
        self.application = application
        self.vbr = vbr
        self.rate = rate

    def validate(self):
        super().validate()
        positive(self.name, "bitrate", self.bitrate, upper=512000)
        if self.bitrate < 500:
            raise ConfigError(f"condition 'opus': bitrate {self.bitrate} bit/s is below Opus' 500 bit/s minimum",
                              hint="write e.g. opus:16k for 16000 bit/s")
        choose(self.name, "application", self.application, ("audio", "voip", "lowdelay"))
        choose(self.name, "vbr", self.vbr, ("on", "off", "constrained"))
        if self.rate and int(self.rate) not in OPUS_RATES:
            raise ConfigError(f"condition 'opus': rate {self.rate} is not an Opus rate",
                              hint="use 8000, 12000, 16000, 24000 or 48000, or 0 (automatic)")
        return self

    def codec(self, sample_rate):
        rate = C.encode_rate(sample_rate, OPUS_RATES, int(self.rate))
        if C.has_encoder("libopus"):
            return C.Codec("pyav", "libopus", "ogg", rate, int(self.bitrate),
                           options=(("application", self.application), ("vbr", self.vbr)))
        if C.has_soundfile_format("OGG", "OPUS"):
            # libsndfile: compression level 0..1 <-> 256 kbit/s..6 kbit/s, linearly
            level = (256000 - int(self.bitrate)) / (256000 - 6000)
            return C.Codec("soundfile", "OPUS", "OGG", rate, int(self.bitrate), level=float(np.clip(level, 0.0, 1.0)))
        raise C.missing_encoder(self.name, "libopus", "Opus", fallback="libsndfile's Opus support")


class Vorbis(_Codec):
    name = "vorbis"
    param_specs = {"bitrate": Int(8000, 500000), "rate": Int(0, 192000)}
    description = "Ogg Vorbis (libvorbis) at a bitrate: vorbis:64k"
    citation = "Xiph.Org, Vorbis I specification"

    _warned: ClassVar[set] = set()

    def __init__(self, bitrate: int = 64000, rate: int = 0):
        self.bitrate = bitrate
        self.rate = rate

    def codec(self, sample_rate, level: float = 0.5):
        rate = int(self.rate) or int(sample_rate)
        if C.has_encoder("libvorbis"):
            return C.Codec("pyav", "libvorbis", "ogg", rate, int(self.bitrate))
        if C.has_soundfile_format("OGG", "VORBIS"):
            return C.Codec("soundfile", "VORBIS", "OGG", rate, int(self.bitrate), level=float(level))
        raise C.missing_encoder(self.name, "libvorbis", "Vorbis", fallback="libsndfile's Vorbis support")

    def _bitrate_at(self, x: np.ndarray, rate: int, level: float) -> float:
        """Audio bitrate (bit/s, Ogg/Vorbis headers excluded) of ``x`` coded at ``level``."""
        c = C.Codec("soundfile", "VORBIS", "OGG", rate, int(self.bitrate), level=level)
        return (len(c.encode(x)) - len(c.encode(np.zeros(64)))) * 8 / (x.shape[0] / rate)

    def plan(self, wave: np.ndarray, sample_rate: int) -> C.Codec:
        """The codec configuration for this clip: the encoding rate and, with libsndfile,
        the quality (compression level) whose audio bitrate is nearest ``bitrate``.

        With ``rate=0`` the clip's rate is tried first; when even the lowest quality
        spends more than ``bitrate`` there, lower standard rates are tried in turn (as
        oggenc and LAME downsample for low bitrates)."""
        from ._dsp import resample

        x = np.asarray(wave, dtype=np.float64)
        if self.rate:
            rates = [int(self.rate)]
        else:
            rates = [int(sample_rate)] + [r for r in VORBIS_DOWNSAMPLE if r < int(sample_rate)]
        base = self.codec(rates[0])
        if base.library == "pyav" or not np.any(x):
            return base  # PyAV's libvorbis takes a bitrate; silence has no bitrate to match
        target = float(self.bitrate)
        for i, rate in enumerate(rates):
            xr = resample(x, sample_rate, rate)
            b_hi = self._bitrate_at(xr, rate, 1.0)  # the fewest bits libvorbis spends at this rate
            if target >= b_hi or i == len(rates) - 1:
                break
        lo, hi = 0.0, 1.0  # level 0 = highest quality (most bits), 1 = lowest
        b_lo = self._bitrate_at(xr, rate, lo)
        if not b_hi <= target <= b_lo:
            key = (rate, int(self.bitrate))
            if key not in self._warned:
                self._warned.add(key)
                warnings.warn(f"vorbis: {target / 1000:g} kbit/s is outside libvorbis' range at {rate} Hz mono "
                              f"(about {b_hi / 1000:.0f}-{b_lo / 1000:.0f} kbit/s on this clip); using the nearest",
                              stacklevel=2)
            return C.Codec("soundfile", "VORBIS", "OGG", rate, int(self.bitrate), level=lo if target > b_lo else hi)
        best = min((abs(b_lo - target), lo), (abs(b_hi - target), hi))
        for _ in range(7):
            mid = (lo + hi) / 2
            b = self._bitrate_at(xr, rate, mid)
            best = min(best, (abs(b - target), mid))
            if abs(b - target) <= 0.02 * target:
                break
            if b > target:
                lo = mid
            else:
                hi = mid
        return C.Codec("soundfile", "VORBIS", "OGG", rate, int(self.bitrate), level=best[1])

    def encode(self, wave, sample_rate):
        from ._dsp import resample

        codec = self.plan(wave, int(sample_rate))
        return codec.encode(resample(wave, sample_rate, codec.rate))

    def apply(self, wave, sample_rate, rng):
        x = np.asarray(wave, dtype=np.float64)
        codec = self.plan(x, int(sample_rate))
        return C.transcode(x, int(sample_rate), codec, delay_codec=self.codec(codec.rate))


@hookimpl
def fakebench_register_conditions():
    return [Mp3, Aac, Opus, Vorbis]
