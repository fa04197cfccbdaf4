"""End to end through the CLI: `fakebench run` with each new detector on real shared
audio, then `fakebench score --model RUN_ID file` on one file with no other flags."""

import csv
import json
import re

import numpy as np
import pytest
from click.testing import CliRunner

from fakebench.cli import main

pytestmark = pytest.mark.shared


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    """One embedding cache for the module: the sfx embeddings are computed once."""
    return tmp_path_factory.mktemp("embedding-cache")


def _run(*args):
    r = invoke("run", *args, "--json")
    assert r.exit_code == 0, r.output
    recs = json.loads(r.stdout)
    assert len(recs) == 1
    return recs[0]


def _score_one(rec, wav):
    s = invoke("score", "--model", rec["run_id"], wav)
    assert s.exit_code == 0, s.output
    line = s.stdout.strip()
    m = re.match(r"^(FAKE|real)\s+score=([-+][0-9.]+)", line)
    assert m and line.endswith(str(wav)), line
    score = float(m.group(2))
    assert (m.group(1) == "FAKE") == (score > rec["threshold"])
    return line, score


@pytest.mark.weights
@pytest.mark.parametrize("pipeline, sets", [
    ("sfx-cnn1d", ["epochs=10", "checkpoint_every=5", "batch_size=16"]),
    ("sfx-logreg", []),
])
def test_embedding_pipelines_run_and_score(small_foley, cache_dir, pipeline, sets):
    pytest.importorskip("aisfx")
    args = ["--detector", pipeline, "--dataset", "foley-demo", "--data-root", small_foley, "--cache-dir", cache_dir]
    for s in sets:
        args += ["--set", s]
    rec = _run(*args)
    assert rec["pipeline"]["name"] == pipeline and rec["metrics"]["eer"] is not None
    history = rec["training"]["history"]
    assert history and all(np.isfinite(h["loss"]) for h in history)
    if pipeline == "sfx-cnn1d":  # trained on the real Foley clips: the loss goes down
        losses = [h["loss"] for h in history]
        assert len(losses) == 10 and losses[-1] < 0.5 * losses[0], losses
        assert rec["training"]["best_epoch"] in (5, 10)
    wav = sorted((small_foley / "foley").rglob("*.wav"))[0]
    line, _ = _score_one(rec, wav)
    assert "p(fake)=" in line  # both heads output logits of "fake"


def test_spec_cnn_runs_on_foley_and_scores(small_foley):
    rec = _run("--detector", "spec-cnn", "--dataset", "foley-demo", "--data-root", small_foley,
               "--set", "image_size=64", "--set", "epochs=2", "--set", "batch_size=16")
    assert rec["pipeline"]["embedder"] is None and rec["pipeline"]["length"] == "repeat:4"
    assert [h["epoch"] for h in rec["training"]["history"]] == [1, 2]
    assert "val_accuracy" in rec["training"]["history"][0]
    wav = sorted((small_foley / "foley").rglob("*.wav"))[-1]
    _score_one(rec, wav)


@pytest.fixture
def speech_manifest(write_speech_csv, speech_rows):
    """30 shared speech clips (15 real from three corpora, 15 synthetic from every system),
    listed by absolute path."""
    real = [r for r in speech_rows if r["label"] == "real"]
    real = [r for r in real if r["system"] == "librispeech"][:9] + [r for r in real if r["system"] != "librispeech"][::3][:6]
    fake = [r for r in speech_rows if r["label"] == "fake"][::4][:15]
    return write_speech_csv(real + fake)


@pytest.mark.weights
def test_aasist_runs_on_speech_and_scores(speech_manifest, shared):
    weights = shared / "weights" / "aasist"
    if not (weights / "AASIST-L.pth").is_file():
        pytest.skip("the official AASIST checkpoints are not in ../shared/weights/aasist")
    rec = _run("--detector", "aasist", "--dataset", "manifest", "--data-root", speech_manifest,
               "--set", "pretrained=AASIST-L", "--weights", weights)
    assert rec["pipeline"]["detector"]["params"]["pretrained"] == "AASIST-L"
    assert rec["pipeline"]["length"] == "repeat:4.0375"
    assert rec["training"]["history"] == []  # evaluation only
    counts = rec["dataset"]["counts"]
    assert sum(counts["eval"].values()) >= 5 and rec["metrics"]["eer"] is not None
    assert "system" in rec["breakdowns"]
    with open(speech_manifest) as f:
        wav = next(csv.DictReader(f))["path"]
    _score_one(rec, wav)
