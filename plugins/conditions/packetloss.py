"""Packet loss: ``packetloss:rate=0.1:frame_ms=20:concealment=zero``.

What it models: a VoIP or streaming link that loses packets. The clip is cut into frames
of ``frame_ms`` milliseconds (20 ms by default: the packet duration of G.711, AMR and
Opus in RTP), and exactly ``round(rate x frames)`` of them, chosen uniformly at random
without replacement with the condition's random generator, are lost. Losses are
independent (no bursts); a real network's bursty loss (Gilbert-Elliott) is not modelled.
A last partial frame counts as a frame.

Concealment of a lost frame (``concealment``):

* ``zero`` (default): the frame is replaced by silence, what a receiver without packet
  loss concealment plays out. It is codec-independent and exact, so the lost fraction
  is measurable in the output, and it makes no claim to reproduce any codec's concealment.
* ``repeat``: the last received frame is played again (silence if none was received
  yet), the simplest concealment of real receivers (e.g. the frame substitution of GSM
  06.11); it leaves the clip's level intact but creates periodic artefacts and
  discontinuities at frame edges, whose strength depends on ``frame_ms``.

Codec-specific concealment (G.711 Appendix I, Opus PLC) is not modelled. Parameters:
``rate`` in [0, 1] (positional: ``packetloss:0.1``), ``frame_ms`` > 0, ``concealment``.
Randomness: uses ``rng`` (``random = True``): the same (clip, spec, seed) loses the same
frames. Library: NumPy (BSD-3-Clause). Reference: ITU-T G.1050 (network model for IP
transmission impairments) for the notion of independent packet loss; RFC 3550 (RTP).
"""

from __future__ import annotations

import numpy as np

from fakebench.api import Choice, Condition, Float, hookimpl

from ._dsp import choose, finish, positive


class PacketLoss(Condition):
    name = "packetloss"
    param_specs = {"rate": Float(0, 1, high_open=True), "frame_ms": Float(1, 1000),
                   "concealment": Choice("zero", "repeat")}
    description = "lose a fraction of 20-ms frames (independent losses), zero or repeat concealment"
    positional = "rate"
    random = True
    extra = None
    license = "NumPy BSD-3-Clause"
    citation = "ITU-T G.1050; RFC 3550 (RTP)"

    def __init__(self, rate: float = 0.1, frame_ms: float = 20.0, concealment: str = "zero"):
        self.rate = rate
        self.frame_ms = frame_ms
        self.concealment = concealment

    def validate(self):
        positive(self.name, "rate", self.rate, allow_zero=True, upper=1.0)
        positive(self.name, "frame_ms", self.frame_ms)
        choose(self.name, "concealment", self.concealment, ("zero", "repeat"))
        return self

    def load(self):
        return self.validate()

    def frame_length(self, sample_rate: int) -> int:
        return max(1, int(round(float(self.frame_ms) * sample_rate / 1000.0)))

    def lost_frames(self, n_samples: int, sample_rate: int, rng) -> np.ndarray:
        """Indices of the lost frames (sorted), drawn with ``rng``."""
        size = self.frame_length(sample_rate)
        n_frames = -(-n_samples // size)
        n_lost = int(round(float(self.rate) * n_frames))
        return np.sort(rng.choice(n_frames, size=n_lost, replace=False)) if n_lost else np.zeros(0, dtype=np.int64)

    def apply(self, wave, sample_rate, rng):
        x = np.asarray(wave, dtype=np.float32)
        y = x.copy()
        size = self.frame_length(int(sample_rate))
        lost = set(self.lost_frames(x.shape[0], int(sample_rate), rng).tolist())
        previous = None  # the last frame received, for ``repeat``
        for i in range(-(-x.shape[0] // size)):
            a, b = i * size, min((i + 1) * size, x.shape[0])
            if i in lost:
                if self.concealment == "repeat" and previous is not None:
                    y[a:b] = previous[: b - a]
                else:
                    y[a:b] = 0.0
            else:
                previous = x[a:b]
        return finish(y)


@hookimpl
def fakebench_register_conditions():
    return [PacketLoss]
