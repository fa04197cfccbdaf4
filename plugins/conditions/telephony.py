"""Telephone channels: ``telephone``, ``g711``, ``g722``, ``amr-nb``, ``gsm``.

What it models: a clip heard through a phone call. Each condition resamples the clip to
the channel's rate (8 kHz narrowband, 16 kHz for G.722), codes and decodes it with a real
speech-codec implementation, and resamples it back to the clip's rate: the output has the
input's rate and length, time-aligned (codec delay measured and removed, see
``_codec.py``), float32 in [-1, 1]. No randomness (``random = False``).

* ``telephone``: a PSTN channel. 8 kHz; band-pass ``low``-``high`` Hz (default 300-3400
  Hz, the pass band of ITU-T G.712, "Transmission performance characteristics of pulse
  code modulation channels"), G.711 coding (``law``: ``mu`` (default), ``alaw`` or
  ``none``), then the receive side's same band-pass, as a PCM channel filters in both
  directions. The filter is a 4th-order Butterworth band-pass (SciPy) run forwards and
  backwards (zero phase, 8th-order magnitude), so nothing is delayed; everything above 4
  kHz is removed by the 8 kHz resampling (measured > 40 dB down in the tests).
* ``g711``: ITU-T G.711 companding alone at 8 kHz: ``law`` ``mu`` (default; North
  America/Japan) or ``alaw`` (Europe), 64 kbit/s. ``g711:alaw`` works.
* ``g722``: ITU-T G.722 sub-band ADPCM, 16 kHz (50-7000 Hz wideband), 64 kbit/s.
* ``amr-nb``: 3GPP AMR narrowband (TS 26.071/26.090), ``bitrate`` one of 4.75k, 5.15k,
  5.9k, 6.7k, 7.4k, 7.95k, 10.2k, 12.2k (default; bit-exact with GSM-EFR), ``dtx``
  (discontinuous transmission, default false). Encoder: OpenCORE AMR-NB.
* ``gsm``: ETSI GSM 06.10 full-rate RPE-LTP, 13 kbit/s (libsndfile's GSM 6.10 codec, or
  FFmpeg's libgsm when present).

Packet loss on a VoIP link is the separate ``packetloss`` condition; chain them with
``+`` (``g711+packetloss:rate=0.05``).

Libraries: PyAV (BSD-3-Clause) with FFmpeg (LGPL-2.1+) and OpenCORE AMR (Apache-2.0);
soundfile (BSD-3-Clause) on libsndfile (LGPL-2.1+) for G.711 and GSM 06.10; SciPy (BSD-3-
Clause) for filters and resampling. Install: ``pip install 'fakebench[conditions]'``.

References: ITU-T G.711 (1988), ITU-T G.712 (2001), ITU-T G.722 (2012), 3GPP TS 26.090,
ETSI GSM 06.10 (EN 300 961).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from fakebench.api import Bool, Choice, Condition, ConfigError, Float, Int, hookimpl

from . import _codec as C
from ._dsp import EXTRA, choose, finish, positive, resample

NARROWBAND = 8000
AMR_NB_BITRATES = (4750, 5150, 5900, 6700, 7400, 7950, 10200, 12200)
_LAWS = {"mu": ("pcm_mulaw", "ULAW"), "alaw": ("pcm_alaw", "ALAW")}


def g711_codec(condition: str, law: str) -> C.Codec:
    """G.711 at 8 kHz through PyAV, or libsndfile's WAV u-law/A-law when PyAV is missing."""
    ffmpeg_name, sndfile_name = _LAWS[law]
    if C.has_encoder(ffmpeg_name):
        return C.Codec("pyav", ffmpeg_name, "wav", NARROWBAND)
    if C.has_soundfile_format("WAV", sndfile_name):
        return C.Codec("soundfile", sndfile_name, "WAV", NARROWBAND)
    raise C.missing_encoder(condition, ffmpeg_name, f"G.711 {law}-law", fallback="libsndfile")


@lru_cache(maxsize=16)
def _bandpass(low: float, high: float, rate: int):
    from scipy.signal import butter

    return butter(4, [low, high], btype="bandpass", fs=rate, output="sos")


class _Channel(Condition):
    random = False
    extra = EXTRA
    license = "PyAV BSD-3-Clause; FFmpeg LGPL-2.1+; libsndfile LGPL-2.1+; SciPy BSD-3-Clause"

    def validate(self):
        return self

    def load(self):
        self.validate()
        self.codec(16000)
        return self

    def codec(self, sample_rate: int) -> C.Codec:
        raise NotImplementedError

    def apply(self, wave, sample_rate, rng):
        return C.transcode(np.asarray(wave, dtype=np.float64), int(sample_rate), self.codec(int(sample_rate)))


class Telephone(_Channel):
    name = "telephone"
    param_specs = {"law": Choice("mu", "alaw"), "low": Float(0, 4000), "high": Float(1, 4000)}
    description = "PSTN channel: 8 kHz, 300-3400 Hz band-pass (ITU-T G.712), G.711 mu-law"
    positional = "law"
    citation = "ITU-T G.712 (PCM channel transmission characteristics); ITU-T G.711"

    def __init__(self, law: str = "mu", low: float = 300.0, high: float = 3400.0):
        self.law = law
        self.low = low
        self.high = high

    def validate(self):
        choose(self.name, "law", self.law, ("mu", "alaw", "none"))
        positive(self.name, "low", self.low)
        positive(self.name, "high", self.high, upper=NARROWBAND / 2 - 1)
        if not self.low < self.high:
            raise ConfigError(f"condition 'telephone': low ({self.low:g} Hz) must be below high ({self.high:g} Hz)")
        return self

    def codec(self, sample_rate):
        return None if self.law == "none" else g711_codec(self.name, self.law)

    def _channel(self, wave: np.ndarray, sample_rate: int) -> np.ndarray:
        from scipy.signal import sosfiltfilt

        sos = _bandpass(float(self.low), float(self.high), NARROWBAND)
        x = resample(wave, sample_rate, NARROWBAND)
        x = sosfiltfilt(sos, x) if x.shape[0] > 27 else x
        codec = self.codec(sample_rate)
        if codec is not None:
            y, rate = codec.decode(codec.encode(x))
            x = C.fit_length(resample(y, rate, NARROWBAND), x.shape[0])
        x = sosfiltfilt(sos, x) if x.shape[0] > 27 else x
        return resample(x, NARROWBAND, sample_rate)

    def apply(self, wave, sample_rate, rng):
        x = np.asarray(wave, dtype=np.float64)
        return finish(self._channel(x, int(sample_rate)), x.shape[0])


class G711(_Channel):
    name = "g711"
    param_specs = {"law": Choice("mu", "alaw")}
    description = "ITU-T G.711 companding at 8 kHz, 64 kbit/s: g711:law=mu or g711:law=alaw"
    positional = "law"
    citation = "ITU-T G.711, Pulse code modulation (PCM) of voice frequencies"

    def __init__(self, law: str = "mu"):
        self.law = law

    def validate(self):
        choose(self.name, "law", self.law, ("mu", "alaw"))
        return self

    def codec(self, sample_rate):
        return g711_codec(self.name, self.law)


class G722(_Channel):
    name = "g722"
    description = "ITU-T G.722 wideband ADPCM at 16 kHz, 64 kbit/s"
    citation = "ITU-T G.722, 7 kHz audio-coding within 64 kbit/s"

    def __init__(self):
        pass

    def codec(self, sample_rate):
        if not C.has_encoder("g722"):
            raise C.missing_encoder(self.name, "g722", "G.722")
        return C.Codec("pyav", "g722", "wav", 16000)


class AmrNb(_Channel):
    name = "amr-nb"
    param_specs = {"bitrate": Int(4750, 12200), "dtx": Bool()}
    description = "3GPP AMR narrowband (OpenCORE) at 4.75k-12.2k bit/s: amr-nb:bitrate=12.2k"
    positional = "bitrate"
    citation = "3GPP TS 26.090, AMR speech codec; transcoding functions"
    license = "PyAV BSD-3-Clause; FFmpeg LGPL-2.1+; OpenCORE AMR Apache-2.0"

    def __init__(self, bitrate: int = 12200, dtx: bool = False):
        self.bitrate = bitrate
        self.dtx = dtx

    def validate(self):
        if int(self.bitrate) not in AMR_NB_BITRATES:
            raise ConfigError(f"condition 'amr-nb': bitrate {self.bitrate} is not an AMR-NB mode",
                              hint="use one of " + ", ".join(f"{b / 1000:g}k" for b in AMR_NB_BITRATES))
        return self

    def codec(self, sample_rate):
        if not C.has_encoder("libopencore_amrnb"):
            raise C.missing_encoder(self.name, "libopencore_amrnb", "AMR-NB")
        return C.Codec("pyav", "libopencore_amrnb", "amr", NARROWBAND, int(self.bitrate),
                       options=(("dtx", "1" if self.dtx else "0"),))


class Gsm(_Channel):
    name = "gsm"
    description = "ETSI GSM 06.10 full-rate (RPE-LTP) at 8 kHz, 13 kbit/s"
    citation = "ETSI GSM 06.10 / EN 300 961, full rate speech transcoding"

    def __init__(self):
        pass

    def codec(self, sample_rate):
        if C.has_encoder("libgsm_ms"):
            return C.Codec("pyav", "libgsm_ms", "wav", NARROWBAND)
        if C.has_soundfile_format("WAV", "GSM610"):
            return C.Codec("soundfile", "GSM610", "WAV", NARROWBAND)
        raise C.missing_encoder(self.name, "libgsm_ms", "GSM 06.10", fallback="libsndfile's GSM 6.10 support",
                                alternative="amr-nb:bitrate=12.2k (GSM-EFR)")


@hookimpl
def fakebench_register_conditions():
    return [Telephone, G711, G722, AmrNb, Gsm]
