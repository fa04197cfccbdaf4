"""What a detector is given: the one place detector inputs are built.

:func:`build_inputs` is used by ``fakebench run`` (the runner), ``fakebench score`` and
``fakebench serve`` (:class:`fakebench.inference.Scorer`), so a detector sees the same
inputs in training, evaluation and inference. A detector whose ``inputs`` are only
``("embedding",)`` gets a plain (n, D) float32 array. Any other detector gets an
:class:`Inputs` holding exactly the fields it declared:

``embedding``   (n, D) float32 scene embeddings
``frames``      list of n arrays (frames_i, D)
``audio``       an :class:`AudioSource`: lazy, decoded on demand at the detector's rate
``transcript``  list of n strings
``speaker``     list of n speaker ids (None where unknown)
``clips``       the n :class:`~fakebench.data.Clip` records themselves
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Sequence

import numpy as np

from .audio import LengthPolicy
from .data import Clip
from .data.clip_list import clip_column, clip_path_strings
from .errors import AudioError, ConfigError
from .feature_rows import RowTable

#: The input fields a detector may declare in ``inputs``.
FIELDS = ("embedding", "frames", "audio", "transcript", "speaker")


class AudioSource:
    """Clips decoded on demand: ``source[i]`` is a float32 tensor (samples,).

    ``loader(batch_size)`` returns a DataLoader yielding ``(waves, index)`` with waves
    stacked (n, samples); use a fixed-length policy so a batch stacks. ``condition`` (a
    :class:`fakebench.conditions.ConditionTransform`) degrades each clip after decoding,
    seeded by the clip's content key (from ``hasher``, a
    :class:`fakebench.hashing.FileDigests`, when given).
    """

    def __init__(self, clips: Sequence[Clip], sample_rate: int, length: str | LengthPolicy | None = None,
                 resampler: str = "sinc", condition: Any = None, hasher: Any = None):
        self.clips = list(clips)
        self.sample_rate = int(sample_rate)
        self.length = LengthPolicy.parse(length)
        self.resampler = resampler
        self.condition = condition
        self.hasher = hasher

    def __len__(self) -> int:
        return len(self.clips)

    def __getitem__(self, i: int):
        from .audio import load_audio

        path = self.clips[i].path
        transform = None
        if self.condition is not None:
            from .hashing import content_hash_file

            key = self.hasher.content_key(path) if self.hasher is not None else content_hash_file(path)
            transform = self.condition.for_clip(key)
        return load_audio(path, self.sample_rate, self.length, resampler=self.resampler, transform=transform), i

    def subset(self, idx: Sequence[int]) -> "AudioSource":
        return AudioSource([self.clips[i] for i in idx], self.sample_rate, self.length, self.resampler,
                           self.condition, self.hasher)

    def loader(self, batch_size: int = 32, shuffle: bool = False, num_workers: int | None = None,
               generator=None, sampler=None):
        import os

        import torch

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


def build_inputs(detector: Any, clips: Sequence[Clip], *, features: Mapping[str, Mapping[str, np.ndarray]] | None = None,
                 length: str | LengthPolicy | None = None, detector_params: Mapping[str, Any] | None = None,
                 transcript_cache: Any = None, device: str = "cpu", condition: Any = None) -> Any:
    """What ``detector`` (a class or instance) receives for ``clips``.

    ``features`` maps ``"embedding"`` / ``"frames"`` to ``{str(clip.path): array}``
    (computed by the caller through the embedding cache; keyed by file, so two datasets
    listing the same file under different ids share it); ``length`` is the clip-length policy of
    ``audio``; ``detector_params`` hold the transcription settings (``transcripts``,
    ``asr_*``) for ``transcript``; transcripts are cached in ``transcript_cache`` (an
    :class:`~fakebench.cache.EmbeddingCache`) when given. Speakers are the clips' own
    (``None`` where a clip has none, e.g. a file scored with ``fakebench score``).
    ``condition`` (a :class:`fakebench.conditions.ConditionTransform`) degrades the audio
    of ``audio`` inputs; embeddings come already conditioned in ``features``.
    """
    need = tuple(detector.inputs)
    unknown = [f for f in need if f not in FIELDS]
    if unknown:
        raise ConfigError(f"detector {detector.name!r} declares unknown input(s) {unknown}",
                          hint="inputs are among: " + ", ".join(FIELDS))
    features = features or {}

    def stacked(kind: str) -> np.ndarray:
        table = features.get(kind)
        if table is None:
            raise ConfigError(f"detector {detector.name!r} needs {kind} features, and none were computed",
                              hint="it needs an embedder: --detector EMBEDDER-" + detector.name)
        if not clips:
            return np.zeros((0, 0), dtype=np.float32)
        if isinstance(table, RowTable):  # one gather from the cached block
            return table.rows(clip_path_strings(clips)).astype(np.float32, copy=False)
        return np.stack([table[p] for p in clip_path_strings(clips)]).astype(np.float32, copy=False)

    if need == ("embedding",):
        return stacked("embedding")
    x = Inputs(clips=list(clips))
    if "embedding" in need:
        x.embedding = stacked("embedding")
    if "frames" in need:
        frames = features["frames"]
        x.frames = [frames[p] for p in clip_path_strings(clips)]
    if "audio" in need:
        hasher = getattr(transcript_cache, "hasher", None)
        x.audio = AudioSource(clips, detector.sample_rate or 16000, length, condition=condition, hasher=hasher)
    if "speaker" in need:
        x.speaker = clip_column(clips, "speaker")
    if "transcript" in need:
        from .transcripts import transcripts_for

        x.transcript = transcripts_for(clips, dict(detector_params or {}), cache=transcript_cache, device=device)
    return x
