"""deepfake-eval-2024 on a tiny audio-metadata-publish.csv + audio-data/ copy of the release."""

import json
import shutil

import pytest
from click.testing import CliRunner
from fakebench.cli import main
from fakebench.errors import DatasetError
from fakebench.plugins.datasets.deepfake_eval_2024 import DeepfakeEval2024
from fakebench.testing import parametrize_with_checks

from . import layouts

pytestmark = pytest.mark.shared


def _layout():
    return layouts.cached("deepfake_eval_2024")


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@parametrize_with_checks(lambda: DeepfakeEval2024(root=str(_layout().root)), kind="dataset")
def test_conformance(factory, check, shared):
    check(factory)


def test_official_train_val_test(shared):
    lay = _layout()
    splits = DeepfakeEval2024(root=str(lay.root)).load()
    got = {c.id: c for v in splits.values() for c in v}
    assert set(got) == set(lay.expected)  # the Unknown row and the row in no set are left out
    for cid, e in lay.expected.items():
        c = got[cid]
        assert (c.label, c.attrs) == (e["label"], e["attrs"]), cid
        assert (c.split == "eval") == (e["split"] == "eval"), cid
    assert {c.id for c in splits["eval"]} == {k for k, e in lay.expected.items() if e["split"] == "eval"}
    assert len(splits["val"]) == 1 and len(splits["train"]) == 9


def test_eval_only(shared):
    splits = DeepfakeEval2024(root=str(_layout().root), protocol="eval-only").load()
    assert not splits["train"] and len(splits["eval"]) == 6


@pytest.fixture
def copy(shared, tmp_path):
    root = tmp_path / "d"
    shutil.copytree(_layout().root, root)
    return root / "Deepfake-Eval-2024"


def test_bad_rows_and_missing_files(copy):
    meta = copy / "audio-metadata-publish.csv"
    text = meta.read_text()
    meta.write_text(text + "x.wav,2024-01-01,Deepfake,,Test\n")
    with pytest.raises(DatasetError, match=r"audio-metadata-publish.csv:20: x.wav: unknown ground truth 'Deepfake'"):
        DeepfakeEval2024(root=str(copy.parent)).load()
    meta.write_text(text)
    (copy / "audio-data" / "vid03Abc-_x3_0003.mp3").unlink()
    with pytest.raises(DatasetError, match=r"audio-metadata-publish.csv:5 lists .*vid03Abc-_x3_0003.mp3"):
        DeepfakeEval2024(root=str(copy.parent)).load()
    meta.unlink()
    with pytest.raises(DatasetError, match=r"audio-metadata-publish.csv' is missing") as e:
        DeepfakeEval2024(root=str(copy.parent)).load()
    assert "huggingface-cli login" in e.value.hint


def test_cli_info(shared):
    r = invoke("info", "deepfake-eval-2024", "--data-root", _layout().root, "--json")
    assert r.exit_code == 0, r.output
    ev = json.loads(r.stdout)["splits"]["eval"]
    assert (ev["real"], ev["fake"], ev["format"]) == (3, 3, {"mp3": 2, "wav": 4})


@pytest.mark.weights
def test_cli_run(shared, tmp_path):
    pytest.importorskip("aisfx")
    r = invoke("run", "--detector", "sfx-logreg", "--dataset", "deepfake-eval-2024", "--data-root", _layout().root,
               "--cache-dir", layouts.embedding_cache(), "--results", tmp_path / "res")
    assert r.exit_code == 0, r.output
    (rec,) = [json.loads(p.read_text()) for p in (tmp_path / "res").rglob("*.json") if "runs" in p.parts]
    assert rec["dataset"]["counts"]["eval"]["n"] == 6
