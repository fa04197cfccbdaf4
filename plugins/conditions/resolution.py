"""Sample-rate and bit-depth reduction: ``resample``, ``bitdepth``.

What it models: audio that passed through a lower-resolution stage and came back.

* ``resample:rate=8000``: down to ``rate`` Hz and back up to the clip's rate, with
  SciPy's polyphase ``resample_poly`` (Kaiser-windowed FIR, beta 10, zero phase, so the
  output is aligned): everything above ``rate``/2 is removed. A ``rate`` at or above the
  clip's rate leaves the clip as it is (up and down again is the identity up to
  rounding). Positional: ``rate`` (``resample:8000``; ``8k`` works).
* ``bitdepth:bits=8``: uniform quantisation to ``bits`` bits (2-24), full scale 1:
  round to the nearest of the 2^bits levels (mid-tread, as a PCM writer does), without
  dither, saturating at the largest code. Positional: ``bits``.

No randomness (``random = False``). Libraries: SciPy, NumPy (BSD-3-Clause). Reference:
Crochiere & Rabiner, "Multirate Digital Signal Processing", 1983 (polyphase resampling).
"""

from __future__ import annotations

import numpy as np

from fakebench.api import Condition, ConfigError, Int, hookimpl

from ._dsp import finish, positive, resample


class Resample(Condition):
    name = "resample"
    param_specs = {"rate": Int(1000, 384000)}
    description = "resample down to rate Hz and back (removes content above rate/2)"
    positional = "rate"
    random = False
    license = "SciPy BSD-3-Clause"

    def __init__(self, rate: int = 8000):
        self.rate = rate

    def validate(self):
        positive(self.name, "rate", self.rate)
        if int(self.rate) < 1000:
            raise ConfigError(f"condition 'resample': rate {self.rate} Hz is below 1000 Hz",
                              hint="e.g. resample:rate=8000")
        return self

    def load(self):
        return self.validate()

    def apply(self, wave, sample_rate, rng):
        x = np.asarray(wave, dtype=np.float64)
        if int(self.rate) >= int(sample_rate):
            return finish(x)
        low = resample(x, int(sample_rate), int(self.rate))
        return finish(resample(low, int(self.rate), int(sample_rate)), x.shape[0])


class BitDepth(Condition):
    name = "bitdepth"
    param_specs = {"bits": Int(2, 24)}
    description = "uniform quantisation to bits bits (no dither)"
    positional = "bits"
    random = False
    license = "NumPy BSD-3-Clause"

    def __init__(self, bits: int = 8):
        self.bits = bits

    def validate(self):
        if not 2 <= int(self.bits) <= 24:
            raise ConfigError(f"condition 'bitdepth': bits must be between 2 and 24, got {self.bits!r}")
        return self

    def load(self):
        return self.validate()

    def apply(self, wave, sample_rate, rng):
        q = float(2 ** (int(self.bits) - 1))
        codes = np.clip(np.round(np.asarray(wave, dtype=np.float64) * q), -q, q - 1)
        return finish(codes / q)


@hookimpl
def fakebench_register_conditions():
    return [Resample, BitDepth]
