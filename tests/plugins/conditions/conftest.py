"""Real clips for the condition tests: the first 4 s of a few shared speech clips."""

from __future__ import annotations

import numpy as np
import pytest


def _pick(rows, rate: str, n: int, label: str | None = None) -> list[dict]:
    out = [r for r in rows if r["sample_rate"] == rate and float(r["duration"]) >= 4.0
           and (label is None or r["label"] == label)]
    return out[:n]


@pytest.fixture(scope="session")
def speech_clips(shared, speech_rows) -> list[tuple[str, np.ndarray, int]]:
    """(name, first 4 s as float32, sample rate): 3 LibriSpeech clips (16 kHz FLAC), one
    real and one synthetic 22.05 kHz WAV."""
    import soundfile as sf

    rows = _pick(speech_rows, "16000", 3) + _pick(speech_rows, "22050", 1, "real") + _pick(speech_rows, "22050", 1, "fake")
    clips = []
    for r in rows:
        x, sr = sf.read(str(shared / "data" / "speech" / r["path"]), dtype="float32", always_2d=True)
        clips.append((r["path"], np.ascontiguousarray(x.mean(axis=1)[: 4 * sr]), int(sr)))
    assert len(clips) == 5
    return clips


@pytest.fixture(scope="session")
def clip16(speech_clips):
    return speech_clips[0][1], speech_clips[0][2]


@pytest.fixture(scope="session")
def clip22(speech_clips):
    return speech_clips[3][1], speech_clips[3][2]
