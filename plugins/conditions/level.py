"""Level changes: ``gain``, ``clip``, ``loudness``.

What it models: how loud a clip arrives and what an overloaded chain does to it.

* ``gain:db=-6``: multiply by 10^(db/20). Samples pushed beyond [-1, 1] by a positive
  gain are hard-clipped, as a fixed-point converter or encoder input would saturate
  (digital overload is part of the condition). Positional: ``db`` (``gain:-6``).
* ``clip:threshold=0.5`` or ``clip:db=-6``: hard clipping at +/-``threshold`` (full scale
  = 1), or at 10^(db/20) when ``db`` is set (``db`` wins when it is not 0; setting both
  is an error). The level is not restored afterwards: the clipped clip is quieter.
  Positional: ``threshold`` (``clip:0.3``).
* ``loudness:lufs=-23``: set the integrated loudness (ITU-R BS.1770-4, K-weighted,
  gated) to ``lufs`` LUFS with pyloudnorm; -23 is the EBU R 128 broadcast target, -14 a
  common streaming target. If the gain would push a peak beyond full scale, the gain is
  lowered so the peak is 1 (as a normaliser that never clips would; the target is then
  not reached). A clip shorter than one 400-ms gating block, or with no block above the
  -70 LUFS absolute gate (silence), is returned unchanged. Positional: ``lufs``.

No randomness (``random = False``). Libraries: NumPy (BSD-3-Clause); pyloudnorm (MIT)
for ``loudness``. References: ITU-R BS.1770-4 (loudness), EBU R 128; Steinmetz & Reiss,
"pyloudnorm: A simple yet flexible loudness meter in Python", AES Convention 150, 2021.
"""

from __future__ import annotations

import warnings

import numpy as np

from fakebench.api import Condition, ConfigError, Float, hookimpl

from ._dsp import EXTRA, finish, positive, require, scale_to_peak


class Gain(Condition):
    name = "gain"
    param_specs = {"db": Float(-120, 60)}
    description = "change the level by db decibels (hard clip at full scale)"
    positional = "db"
    random = False
    license = "NumPy BSD-3-Clause"

    def __init__(self, db: float = -6.0):
        self.db = db

    def validate(self):
        if not np.isfinite(float(self.db)):
            raise ConfigError(f"condition 'gain': parameter 'db' must be a finite number, got {self.db!r}")
        return self

    def load(self):
        return self.validate()

    def apply(self, wave, sample_rate, rng):
        return finish(np.asarray(wave, dtype=np.float64) * 10.0 ** (float(self.db) / 20.0))


class Clip(Condition):
    name = "clip"
    param_specs = {"threshold": Float(0, 1, low_open=True), "db": Float(-120, 0)}
    description = "hard clipping at a threshold (full scale 1) or at db dBFS"
    positional = "threshold"
    random = False
    license = "NumPy BSD-3-Clause"

    def __init__(self, threshold: float = 0.5, db: float = 0.0):
        self.threshold = threshold
        self.db = db

    def validate(self):
        if float(self.db) != 0.0:
            if float(self.threshold) != 0.5:
                raise ConfigError("condition 'clip': set threshold or db, not both",
                                  hint="e.g. clip:threshold=0.5 or clip:db=-6")
            if not float(self.db) < 0.0:
                raise ConfigError(f"condition 'clip': db must be below 0 dBFS, got {self.db!r}")
        else:
            positive(self.name, "threshold", self.threshold, upper=1.0)
        return self

    def load(self):
        return self.validate()

    @property
    def level(self) -> float:
        return 10.0 ** (float(self.db) / 20.0) if float(self.db) != 0.0 else float(self.threshold)

    def apply(self, wave, sample_rate, rng):
        t = self.level
        return finish(np.clip(np.asarray(wave, dtype=np.float64), -t, t))


class Loudness(Condition):
    name = "loudness"
    param_specs = {"lufs": Float(-70, 0, low_open=True)}
    description = "normalise integrated loudness (ITU-R BS.1770-4, pyloudnorm) to lufs LUFS"
    positional = "lufs"
    random = False
    extra = EXTRA
    license = "pyloudnorm MIT; NumPy BSD-3-Clause"
    citation = "ITU-R BS.1770-4; EBU R 128; Steinmetz & Reiss, pyloudnorm, AES 2021"

    def __init__(self, lufs: float = -23.0):
        self.lufs = lufs

    def validate(self):
        if not (np.isfinite(float(self.lufs)) and -70.0 < float(self.lufs) <= 0.0):
            raise ConfigError(f"condition 'loudness': lufs must be in (-70, 0], got {self.lufs!r}",
                              hint="e.g. loudness:lufs=-23 (EBU R 128)")
        return self

    def load(self):
        self.validate()
        require(self.name, "pyloudnorm", "the BS.1770 loudness meter")
        return self

    def measure(self, wave, sample_rate) -> float:
        """Integrated loudness (LUFS) of ``wave``; -inf when silent or too short."""
        pyln = require(self.name, "pyloudnorm", "the BS.1770 loudness meter")
        x = np.asarray(wave, dtype=np.float64)
        meter = pyln.Meter(int(sample_rate))
        if x.shape[0] < int(meter.block_size * sample_rate):
            return float("-inf")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pyloudnorm warns about -inf on silence
            return float(meter.integrated_loudness(x))

    def apply(self, wave, sample_rate, rng):
        x = np.asarray(wave, dtype=np.float64)
        current = self.measure(x, sample_rate)
        if not np.isfinite(current):
            return finish(x)
        y = x * 10.0 ** ((float(self.lufs) - current) / 20.0)
        return finish(scale_to_peak(y))


@hookimpl
def fakebench_register_conditions():
    return [Gain, Clip, Loudness]
