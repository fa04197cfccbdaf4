"""`fakebench run --detector dada` end to end on the shared speech clips (small settings)."""

import json

import pytest
from click.testing import CliRunner

from fakebench.cli import main

from . import _subset as S

pytestmark = pytest.mark.shared


def _sets(**over):
    out = []
    for k, v in S.small_params(**over).items():
        out += ["--set", f"{k}={json.dumps(v) if not isinstance(v, str) else v}"]
    return out


def _run(tmp_path, *sets):
    S.transcripts()  # Whisper once per session, into the shared test cache
    namespaces = sorted((S.cache_root() / "transcripts").iterdir())
    manifest = S.write_manifest(tmp_path / "speech")
    args = ["run", "--detector", "dada", "--dataset", "manifest", "--data-root", str(manifest),
            "--length", "repeat:2", "--cache-dir", str(S.cache_root()), "--results", str(tmp_path / "results"),
            "--json", *sets]
    r = CliRunner().invoke(main, args, catch_exceptions=False)
    assert r.exit_code == 0, r.output
    records = json.loads(r.output[r.output.index("["):])
    assert len(records) == 1
    # the runner handed the detector's asr_* settings to the transcriber: every transcript
    # came from the cache namespace of those settings, no other was made
    assert sorted((S.cache_root() / "transcripts").iterdir()) == namespaces
    return records[0]


def test_cli_mid_fusion(tmp_path):
    rec = _run(tmp_path, *_sets(fusion="mid"))
    assert rec["pipeline"]["detector"]["name"] == "dada"
    assert rec["pipeline"]["detector"]["params"]["fusion"] == "mid"
    assert rec["dataset"]["counts"]["eval"] == {"n": 7, "real": 5, "fake": 2}
    m = rec["metrics"]
    assert 0.0 <= m["eer"] <= 1.0 and 0.0 <= m["f1"] <= 1.0
    abx = [h for h in rec["training"]["history"] if h.get("stage") == "abx"]
    assert {h["split"] for h in abx} == {"train", "val"} and abx[0]["text_speaker"] is not None
    assert rec.get("model_file")


def test_cli_late_fusion_with_alpha(tmp_path):
    rec = _run(tmp_path, *_sets(fusion="late"), "--set", "alpha=0.5")
    params = rec["pipeline"]["detector"]["params"]
    assert params["fusion"] == "late" and params["alpha"] == 0.5
    assert rec["metrics"]["eer"] is not None and rec["threshold"] == 0.0
    stages = {h.get("stage") for h in rec["training"]["history"]}
    assert {"text-triplet", "audio-fixed", "audio-adatriplet", "audio-final", "audio-head", "text-head"} <= stages
