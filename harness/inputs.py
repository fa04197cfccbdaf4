"""What the runner hands to a detector that needs more than an embedding matrix.

A detector whose ``inputs`` are only ``("embedding",)`` gets a plain (n, D) array. Any
other detector gets an :class:`Inputs` holding the fields it declared:

``embedding``   (n, D) float32 scene embeddings
``frames``      list of n arrays (frames_i, D)
``audio``       an :class:`AudioSource`: lazy, decoded on demand at the detector's rate
``transcript``  list of n strings
``speaker``     list of n speaker ids (None where unknown)
``clips``       the n :class:`~fakebench.data.Clip` records themselves
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Sequence

import numpy as np
import torch

from .audio import LengthPolicy, load_audio
from .data import Clip
from .errors import AudioError


class AudioSource(torch.utils.data.Dataset):
    """Clips decoded on demand: ``source[i]`` is a float32 tensor (samples,).

    ``loader(batch_size)`` returns a DataLoader yielding ``(waves, index)`` with waves
    stacked (n, samples); use a fixed-length policy so a batch stacks.
    """

    def __init__(self, clips: Sequence[Clip], sample_rate: int, length: str | LengthPolicy | None = None,
                 resampler: str = "sinc"):
        self.clips = list(clips)
        self.sample_rate = int(sample_rate)
        self.length = LengthPolicy.parse(length)
        self.resampler = resampler

    def __len__(self) -> int:
        return len(self.clips)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        return load_audio(self.clips[i].path, self.sample_rate, self.length, resampler=self.resampler), i

    def subset(self, idx: Sequence[int]) -> "AudioSource":
        return AudioSource([self.clips[i] for i in idx], self.sample_rate, self.length, self.resampler)

    def loader(self, batch_size: int = 32, shuffle: bool = False, num_workers: int | None = None,
               generator: torch.Generator | None = None, sampler=None) -> torch.utils.data.DataLoader:
        import os

        if num_workers is None:
            num_workers = 0 if len(self) <= 2 * batch_size else max(0, min(4, (os.cpu_count() or 1) - 1))
        if self.length.mode == "full" and batch_size > 1:
            raise AudioError("a batched audio loader needs a fixed clip length",
                             hint="use --length repeat:4 (or pad:/crop:) for waveform detectors")
        return torch.utils.data.DataLoader(
            self, batch_size=batch_size, shuffle=shuffle if sampler is None else False, sampler=sampler,
            num_workers=num_workers, generator=generator,
        )


@dataclass
class Inputs:
    clips: list[Clip]
    embedding: np.ndarray | None = None
    frames: list[np.ndarray] | None = None
    audio: AudioSource | None = None
    transcript: list[str] | None = None
    speaker: list[str | None] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.clips)

    def subset(self, idx: Sequence[int]) -> "Inputs":
        idx = list(idx)
        return replace(
            self,
            clips=[self.clips[i] for i in idx],
            embedding=None if self.embedding is None else self.embedding[idx],
            frames=None if self.frames is None else [self.frames[i] for i in idx],
            audio=None if self.audio is None else self.audio.subset(idx),
            transcript=None if self.transcript is None else [self.transcript[i] for i in idx],
            speaker=None if self.speaker is None else [self.speaker[i] for i in idx],
        )
