"""`fakebench run --detector dada --dataset itw`: DADA on an In-the-Wild layout.

The layout (``release_in_the_wild/meta.csv`` + WAVs, 6 public-figure speakers) is built
from real shared speech clips by the dataset tests' builder; the speaker column reaches
DADA through ``Clip.speaker``. Whisper transcribes for real (tiny.en, offline).
"""

import json

import pytest
from click.testing import CliRunner

from fakebench.cli import main

from ..datasets import layouts
from . import _subset as S

pytestmark = [pytest.mark.shared, pytest.mark.slow]


@pytest.mark.parametrize("fusion", ["mid", "late"])
def test_dada_on_in_the_wild(tmp_path, fusion):
    layouts.itw(tmp_path / "data", n=24, seconds=2.0)
    sets = []
    for k, v in S.small_params(fusion=fusion).items():
        sets += ["--set", f"{k}={json.dumps(v) if not isinstance(v, str) else v}"]
    if fusion == "late":
        sets += ["--set", "alpha=0.5"]
    r = CliRunner().invoke(main, ["run", "--detector", "dada", "--dataset", "itw", "--data-root", str(tmp_path / "data"),
                                  "--cache-dir", str(S.cache_root()), "--results", str(tmp_path / "results"),
                                  "--length", "repeat:2", "--json", *sets], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    (rec,) = json.loads(r.stdout)
    assert rec["dataset"]["name"] == "itw" and rec["pipeline"]["detector"]["params"]["fusion"] == fusion
    assert rec["dataset"]["counts"]["eval"]["real"] and rec["dataset"]["counts"]["eval"]["fake"]
    assert 0.0 <= rec["metrics"]["eer"] <= 1.0 and 0.0 <= rec["metrics"]["f1"] <= 1.0
    assert "speaker" in rec["breakdowns"]


def test_late_fusion_without_speakers_is_a_clear_error(tmp_path):
    rows = ["path,label"]
    real = [r for r in S.rows() if r["label"] == "real"][:6]
    fake = [r for r in S.rows() if r["label"] == "fake"][:6]
    for r in real + fake:
        rows.append(f"{S.SPEECH / r['path']},{r['label']}")
    (tmp_path / "m.csv").write_text("\n".join(rows) + "\n")
    sets = []
    for k, v in S.small_params(fusion="late").items():
        sets += ["--set", f"{k}={json.dumps(v) if not isinstance(v, str) else v}"]
    r = CliRunner().invoke(main, ["run", "--detector", "dada", "--dataset", "manifest", "--data-root",
                                  str(tmp_path / "m.csv"), "--cache-dir", str(S.cache_root()), *sets])
    assert r.exit_code == 2, r.output
    assert "speaker" in r.output and "Traceback" not in r.output
