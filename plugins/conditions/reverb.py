"""Reverberation: ``reverb:rt60=0.6:room=6x5x3`` (simulated room) or
``reverb:rir=/path/to/rirs`` (measured room impulse responses).

What it models: a clip played or recorded in a reverberant room (far-field microphone,
replay through a loudspeaker, a phone on a table).

* **Simulated** (``rir`` empty): a shoebox room of ``room`` metres (length x width x
  height, default 6x5x3) simulated with pyroomacoustics' hybrid method (image sources up
  to order 3 for the early reflections, ray tracing for the tail; uniform, frequency-flat
  wall absorption, no air absorption). The absorption starts from Sabine's inverse
  formula (``pyroomacoustics.inverse_sabine``) and is then *calibrated* (three secant
  steps, once per process for each rt60, room and sample rate) so that the T20 decay
  time of a reference simulation, extrapolated to 60 dB from the Schroeder backward
  integral (``pyroomacoustics.experimental.measure_rt60``, decay_db=20), equals ``rt60``:
  uncalibrated, the simulator's decays run 5-18% longer than Sabine predicts. For each
  clip, ``rng`` draws the source and microphone positions (uniform, at least 0.5 m from
  every wall, at least ``distance`` metres apart) and the simulator's seed. Measured on
  8 placements per setting in the tests: each T20 within 15% of ``rt60``, their mean
  within 5%.
* **Measured** (``rir`` a file or a folder searched recursively for WAV/FLAC/OGG/MP3):
  ``rng`` picks one file uniformly; it is mixed to mono and resampled to the clip's rate.

The impulse response is cut at its direct path (its largest absolute sample), so the
output is aligned with the input (sample t of the direct sound is sample t of the input),
and convolved by FFT (``scipy.signal.fftconvolve``); the output keeps the input's length
(the tail beyond the clip's end is dropped) and its whole-clip power (RMS matched), then
is scaled down if a peak would exceed 1. Parameters: ``rt60`` (seconds, positional:
``reverb:0.6``), ``room`` (``LxWxH`` in metres), ``distance`` (minimum source-microphone
distance, m), ``rir``. Randomness: uses ``rng`` (``random = True``).

Libraries: pyroomacoustics (MIT), SciPy (BSD-3-Clause). References: Allen & Berkley,
"Image method for efficiently simulating small-room acoustics", JASA 1979; Scheibler,
Bezzam, Dokmanić, "Pyroomacoustics", ICASSP 2018; Schroeder, "New method of measuring
reverberation time", JASA 1965; ISO 3382-1/-2 (T20, T30).
"""

from __future__ import annotations

import threading
from functools import lru_cache

import numpy as np

from fakebench.api import AudioError, Condition, ConfigError, Float, ListOf, Text, hookimpl

from ._dsp import EXTRA, finish, list_audio, positive, power, read_mono, require, scale_to_peak

MARGIN = 0.5  # metres between a source or microphone and any wall
_PRA_LOCK = threading.Lock()  # pyroomacoustics seeds a process-wide generator


def _simulate(rt60: float, room: tuple, fs: int, absorption: float, source, mic, seed: int) -> np.ndarray:
    import pyroomacoustics as pra

    with _PRA_LOCK:
        pra.random.seed(numpy=seed, libroom=seed)
        shoebox = pra.ShoeBox(list(room), fs=fs, materials=pra.Material(float(absorption)), max_order=3,
                              ray_tracing=True, air_absorption=False)
        shoebox.set_ray_tracing()
        shoebox.add_source(list(source))
        shoebox.add_microphone(np.asarray(mic, dtype=float).reshape(3, 1))
        shoebox.compute_rir()
        return np.asarray(shoebox.rir[0][0], dtype=np.float64)


@lru_cache(maxsize=64)
def calibrated_absorption(rt60: float, room: tuple, fs: int) -> float:
    """Wall absorption for which the simulated T20 decay equals ``rt60`` (see the module doc)."""
    import pyroomacoustics as pra

    dims = np.asarray(room, dtype=float)
    try:
        absorption, _ = pra.inverse_sabine(rt60, list(room))
    except ValueError:
        raise ConfigError(f"condition 'reverb': rt60={rt60:g} s is too short for a {'x'.join(map(str, room))} m room",
                          hint="raise rt60 or enlarge the room") from None
    source, mic = dims * (0.3, 0.4, 0.45), dims * (0.7, 0.65, 0.5)
    for _ in range(3):
        h = _simulate(rt60, room, fs, absorption, source, mic, seed=7)
        measured = pra.experimental.measure_rt60(h[int(np.argmax(np.abs(h))):], fs=fs, decay_db=20)
        absorption = float(np.clip(absorption * measured / rt60, 1e-3, 0.99))
    return absorption


class Reverb(Condition):
    name = "reverb"
    param_specs = {"rt60": Float(0.05, 10), "room": ListOf(Float(0.1, 1000), min_items=3),
                   "distance": Float(0.01, 100), "rir": Text()}
    description = "room reverberation: simulated shoebox (rt60, room) or measured RIRs (rir=folder)"
    positional = "rt60"
    random = True
    extra = EXTRA
    license = "pyroomacoustics MIT; SciPy BSD-3-Clause"
    citation = "Scheibler, Bezzam, Dokmanić, Pyroomacoustics, ICASSP 2018; Allen & Berkley, JASA 1979"

    def __init__(self, rt60: float = 0.6, room: tuple = (6.0, 5.0, 3.0), distance: float = 1.0, rir: str = ""):
        self.rt60 = rt60
        self.room = room
        self.distance = distance
        self.rir = rir

    def validate(self):
        positive(self.name, "rt60", self.rt60, upper=10.0)
        positive(self.name, "distance", self.distance, allow_zero=True)
        room = tuple(self.room)
        if len(room) != 3 or not all(np.isfinite(float(d)) and float(d) > 2 * MARGIN for d in room):
            raise ConfigError(f"condition 'reverb': room must be three sizes in metres above {2 * MARGIN:g}, "
                              f"got {self.room!r}", hint="e.g. reverb:rt60=0.6:room=6x5x3")
        inner = np.asarray(room, dtype=float) - 2 * MARGIN
        if float(self.distance) > float(np.linalg.norm(inner)):
            raise ConfigError(f"condition 'reverb': distance={self.distance:g} m does not fit in a "
                              f"{'x'.join(f'{d:g}' for d in room)} m room", hint="lower distance or enlarge the room")
        return self

    def load(self):
        self.validate()
        if self.rir:
            self._files = list_audio(self.name, "rir", self.rir)
        else:
            require(self.name, "pyroomacoustics", "room simulation")
        return self

    # -- impulse responses -------------------------------------------------------------------

    def _positions(self, rng) -> tuple[np.ndarray, np.ndarray]:
        dims = np.asarray(tuple(self.room), dtype=float)
        lo, span = MARGIN, dims - 2 * MARGIN
        for _ in range(1000):
            source, mic = lo + rng.random(3) * span, lo + rng.random(3) * span
            if np.linalg.norm(source - mic) >= float(self.distance):
                return source, mic
        return lo * np.ones(3), lo + span  # opposite corners: the farthest apart possible

    def impulse_response(self, sample_rate: int, rng) -> np.ndarray:
        """The impulse response ``apply`` uses with this ``rng``: starting at its direct
        path, scaled so that the direct path is 1."""
        if self.rir:
            if getattr(self, "_files", None) is None:
                self._files = list_audio(self.name, "rir", self.rir)
            path = self._files[int(rng.integers(len(self._files)))]
            h = read_mono(path, int(sample_rate))
            if h.size == 0 or not np.any(h):
                raise AudioError(f"impulse response {str(path)!r} is silent or empty",
                                 hint=f"remove it from {self.rir!r}")
        else:
            require(self.name, "pyroomacoustics", "room simulation")
            room = tuple(float(d) for d in self.room)
            absorption = calibrated_absorption(float(self.rt60), room, int(sample_rate))
            source, mic = self._positions(rng)
            seed = int(rng.integers(2**31 - 1))
            h = _simulate(float(self.rt60), room, int(sample_rate), absorption, source, mic, seed)
        direct = int(np.argmax(np.abs(h)))
        h = h[direct:]
        return h / h[0]

    def apply(self, wave, sample_rate, rng):
        from scipy.signal import fftconvolve

        x = np.asarray(wave, dtype=np.float64)
        h = self.impulse_response(int(sample_rate), rng)
        if x.size == 0 or power(x) == 0.0:
            return finish(x)
        y = fftconvolve(x, h)[: x.shape[0]]
        p = power(y)
        if p > 0:
            y = y * np.sqrt(power(x) / p)
        return finish(scale_to_peak(y))


@hookimpl
def fakebench_register_conditions():
    return [Reverb]
