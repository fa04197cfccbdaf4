"""Small audio inputs for the audio-input detectors' tests.

``tone_vs_noise()``: real = tones with a little noise, fake = white noise, 0.5 s WAVs at
16 kHz written once per session to a temporary folder; ``real_speech()``: Inputs over
clips of the shared speech set.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

import numpy as np

from fakebench.data import Clip
from fakebench.inputs import AudioSource, Inputs


def inputs(paths, length: str, sr: int = 16000) -> Inputs:
    clips = [Clip(id=str(p), path=Path(p), label=-1) for p in paths]
    return Inputs(clips=clips, audio=AudioSource(clips, sr, length))


@functools.lru_cache(maxsize=4)
def _tone_noise_files(n_train: int, n_test: int, seconds: float):
    import soundfile as sf

    root = Path(tempfile.mkdtemp(prefix="fb-detectors-"))
    atexit.register(shutil.rmtree, root, True)
    rng = np.random.default_rng(0)
    sr = 16000
    t = np.arange(int(seconds * sr)) / sr
    paths, labels = [], []
    for i in range(n_train + n_test):
        label = i % 2
        if label == 0:
            f = rng.uniform(200, 1200)
            x = 0.4 * np.sin(2 * np.pi * f * t) + 0.005 * rng.standard_normal(t.size)
        else:
            x = 0.3 * rng.standard_normal(t.size)
        p = root / f"{i:03d}_{'fake' if label else 'real'}.wav"
        sf.write(p, np.clip(x, -1, 1).astype(np.float32), sr, subtype="PCM_16")
        paths.append(p)
        labels.append(label)
    return paths, np.array(labels, dtype=np.int64)


def tone_vs_noise(n_train: int = 16, n_test: int = 8, seconds: float = 0.5, length: str = "repeat:0.5"):
    """A zero-argument-friendly maker of ``(X_train, y_train, X_test, y_test)``."""
    paths, y = _tone_noise_files(n_train, n_test, seconds)
    return (inputs(paths[:n_train], length), y[:n_train], inputs(paths[n_train:], length), y[n_train:])
