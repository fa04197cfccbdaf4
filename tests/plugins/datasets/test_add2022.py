"""add2022-lf / -pf / -fg-r1 / -fg-r2 on a tiny ADD2022/ (test folders + label files, train/dev)."""

import json
import shutil

import pytest
from click.testing import CliRunner
from fakebench.cli import main
from fakebench.errors import DatasetError
from fakebench.plugins.datasets.add2022 import (
    Add2022FGR1,
    Add2022FGR2,
    Add2022LF,
    Add2022PF,
)
from fakebench.testing import parametrize_with_checks

from . import layouts

pytestmark = pytest.mark.shared
CLASSES = {"add2022-lf": Add2022LF, "add2022-pf": Add2022PF, "add2022-fg-r1": Add2022FGR1, "add2022-fg-r2": Add2022FGR2}
TRACKS = {"add2022-lf": "LF", "add2022-pf": "PF", "add2022-fg-r1": "FG-R1", "add2022-fg-r2": "FG-R2"}


def _layout():
    return layouts.cached("add2022")


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@parametrize_with_checks(lambda: Add2022LF(root=str(_layout().root)), kind="dataset")
def test_conformance(factory, check, shared):
    check(factory)


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_each_track_reads_its_test_set(shared, name):
    lay = _layout()
    splits = CLASSES[name](root=str(lay.root)).load()
    assert not splits["train"] and not splits["val"]
    got = {c.id: c for c in splits["eval"]}
    assert {k: c.label for k, c in got.items()} == {k: e["label"] for k, e in lay.expected[name].items()}
    assert {c.attrs["track"] for c in got.values()} == {TRACKS[name]}
    assert all(c.path.is_file() and c.path.parent.name.startswith("track") for c in got.values())


def test_official_protocol_adds_train_and_dev(shared):
    lay = _layout()
    splits = Add2022LF(root=str(lay.root), protocol="official").load()
    assert {c.id for c in splits["train"]} == set(lay.expected["train"])
    assert {c.id for c in splits["val"]} == set(lay.expected["dev"])
    assert {c.attrs["track"] for c in splits["val"]} == {"dev"}


@pytest.fixture
def copy(shared, tmp_path):
    root = tmp_path / "a"
    shutil.copytree(_layout().root, root)
    return root / "ADD2022"


def test_missing_label_file_and_overrides(copy):
    (copy / "track1_label.txt").rename(copy / "labels_track1.txt")
    with pytest.raises(DatasetError, match=r"label file .*ADD2022/track1_label.txt' is missing") as e:
        Add2022LF(root=str(copy.parent)).load()
    assert "10843991" in e.value.hint and "label_file=" in e.value.hint
    (copy / "track1test").rename(copy / "audio")
    ev = Add2022LF(root=str(copy.parent), label_file=str(copy / "labels_track1.txt"),
                   audio_dir=str(copy / "audio")).load()["eval"]
    assert len(ev) == 6 and {c.path.parent.name for c in ev} == {"audio"}


def test_bad_label_and_missing_audio(copy):
    label = copy / "track3_R1_label.txt"
    text = label.read_text()
    label.write_text(text + "ADD_E3_99999999.wav spoof\n")
    with pytest.raises(DatasetError, match=r"track3_R1_label.txt:7: unknown label 'spoof'"):
        Add2022FGR1(root=str(copy.parent)).load()
    label.write_text(text)
    (copy / "track3test" / "ADD_E3_00000203.wav").unlink()
    with pytest.raises(DatasetError, match=r"track3_R1_label.txt:4 lists .*ADD_E3_00000203.wav, which does not exist"):
        Add2022FGR1(root=str(copy.parent)).load()
    shutil.rmtree(copy / "dev")
    with pytest.raises(DatasetError, match=r"label file .*ADD2022/dev/label.txt' of the dev set is missing"):
        Add2022LF(root=str(copy.parent), protocol="official").load()


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_cli_info(shared, name):
    r = invoke("info", name, "--data-root", _layout().root)
    assert r.exit_code == 0, r.output
    assert "eval        6 clips: 3 real, 3 fake" in r.output and f"track: {TRACKS[name]} 6" in r.output


@pytest.mark.weights
def test_cli_run_official(shared, tmp_path):
    pytest.importorskip("aisfx")
    r = invoke("run", "--detector", "sfx-logreg", "--dataset", "add2022-lf", "--protocol", "official",
               "--data-root", _layout().root, "--cache-dir", layouts.embedding_cache(), "--results", tmp_path / "res")
    assert r.exit_code == 0, r.output
    (rec,) = [json.loads(p.read_text()) for p in (tmp_path / "res").rglob("*.json") if "runs" in p.parts]
    assert rec["dataset"]["counts"]["train"]["n"] == 6 and rec["dataset"]["counts"]["eval"]["n"] == 6


@pytest.mark.weights
def test_cli_cross_run(shared, tmp_path):
    pytest.importorskip("aisfx")
    r = invoke("run", "--detector", "sfx-logreg", "--train-dataset", "manifest", "--set",
               f"manifest={layouts.speech_train_manifest()}", "--dataset", "add2022-lf,add2022-fg-r1",
               "--data-root", _layout().root, "--cache-dir", layouts.embedding_cache(), "--results", tmp_path / "res")
    assert r.exit_code == 0, r.output
    recs = [json.loads(p.read_text()) for p in (tmp_path / "res").rglob("*.json") if "runs" in p.parts]
    assert sorted(r["dataset"]["name"] for r in recs) == ["add2022-fg-r1", "add2022-lf"]
    assert all(r["dataset"]["counts"]["eval"]["n"] == 6 for r in recs)
