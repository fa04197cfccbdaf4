"""``clean``: the identity condition (the clip as decoded).

What it models: no degradation; the reference every other condition is compared with.
It is listed so that ``--condition clean,mp3:32k`` evaluates the clean clips beside the
degraded ones in one run. Parameters: none. Randomness: none. Library: NumPy
(BSD-3-Clause). The output is the input as float32 (values outside [-1, 1], which a
decoder never gives, are saturated).
"""

from __future__ import annotations

import numpy as np

from fakebench.api import Condition, hookimpl


class Clean(Condition):
    name = "clean"
    description = "no degradation (the identity)"
    random = False
    license = "NumPy BSD-3-Clause"

    def __init__(self):
        pass

    def apply(self, wave, sample_rate, rng):
        return np.clip(np.asarray(wave, dtype=np.float32), -1.0, 1.0)


@hookimpl
def fakebench_register_conditions():
    return [Clean]
