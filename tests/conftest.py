"""Test fixtures: an isolated home for every test, offline hubs, and the shared clips.

Real clips come from ``../shared`` beside the checkout, or ``$FAKEBENCH_SHARED``.
"""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FAKEBENCH_SHARED", REPO.parent / "shared")).expanduser()


def pytest_configure(config):
    # no network for model hubs during tests, whatever the developer's shell says
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """Every test gets its own HOME, FAKEBENCH_HOME and torch/HF caches."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("FAKEBENCH_HOME", str(home / ".fakebench"))
    monkeypatch.setenv("TORCH_HOME", str(home / ".cache" / "torch"))
    monkeypatch.setenv("HF_HOME", str(home / ".cache" / "huggingface"))
    for var in ("FAKEBENCH_DATA", "FAKEBENCH_CACHE", "FAKEBENCH_RESULTS", "FAKEBENCH_WEIGHTS", "FAKEBENCH_PLUGINS",
                "FAKEBENCH_DISABLE_PLUGIN_AUTOLOAD"):
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture(scope="session")
def shared() -> Path:
    if not (SHARED / "data").is_dir():
        pytest.skip(f"shared test material not found at {SHARED} (set FAKEBENCH_SHARED)")
    return SHARED


@pytest.fixture(scope="session")
def foley_rows(shared) -> list[dict]:
    with open(shared / "data" / "foley" / "manifest.csv", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="session")
def speech_rows(shared) -> list[dict]:
    with open(shared / "data" / "speech" / "manifest.csv", newline="") as f:
        return list(csv.DictReader(f))


def write_wav(path: Path, seconds: float = 1.0, sr: int = 16000, freq: float = 440.0, channels: int = 1,
              subtype: str = "PCM_16", seed: int = 0) -> Path:
    """A small test tone (plus a little noise) written with soundfile."""
    import soundfile as sf

    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * sr)) / sr
    x = 0.3 * np.sin(2 * np.pi * freq * t) + 0.01 * rng.standard_normal(t.size)
    if channels > 1:
        x = np.stack([x] * channels, axis=1)
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, x.astype(np.float32), sr, subtype=subtype)
    return path


@pytest.fixture
def small_foley(tmp_path, shared, foley_rows) -> Path:
    """A 40-clip copy of the shared Foley set (all 21 real + 19 fake) in tmp, with manifest."""
    root = tmp_path / "data" / "foley"
    real = [r for r in foley_rows if r["label"] == "real"]
    fake = [r for r in foley_rows if r["label"] == "fake"][::6][:19]
    rows = real + fake
    for r in rows:
        dst = root / r["path"]
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shared / "data" / "foley" / r["path"], dst)
    with open(root / "manifest.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["path", "label", "class", "system", "duration"], extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    return root.parent
