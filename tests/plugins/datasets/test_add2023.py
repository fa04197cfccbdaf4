"""add2023-fg-r1 / -fg-r2 on a tiny ADD2023/Track1.2/{testR1,testR2,train,dev}/{label.txt, wav/}."""

import json
import shutil

import pytest
from click.testing import CliRunner
from fakebench.cli import main
from fakebench.errors import DatasetError
from fakebench.plugins.datasets.add2023 import Add2023FGR1, Add2023FGR2
from fakebench.testing import parametrize_with_checks

from . import layouts

pytestmark = pytest.mark.shared
CLASSES = {"add2023-fg-r1": Add2023FGR1, "add2023-fg-r2": Add2023FGR2}


def _layout():
    return layouts.cached("add2023")


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@parametrize_with_checks(lambda: Add2023FGR2(root=str(_layout().root)), kind="dataset")
def test_conformance(factory, check, shared):
    check(factory)


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_each_round(shared, name):
    lay = _layout()
    splits = CLASSES[name](root=str(lay.root)).load()
    got = {c.id: c for c in splits["eval"]}
    assert {k: c.label for k, c in got.items()} == {k: e["label"] for k, e in lay.expected[name].items()}
    assert {c.path.parent.parent.name for c in got.values()} == {"testR1" if name.endswith("r1") else "testR2"}
    assert {c.attrs["track"] for c in got.values()} == {"FG-R1" if name.endswith("r1") else "FG-R2"}


def test_official_and_root_forms(shared, tmp_path):
    lay = _layout()
    splits = Add2023FGR1(root=str(lay.root), protocol="official").load()
    assert {c.id for c in splits["train"]} == set(lay.expected["train"])
    assert {c.id for c in splits["val"]} == set(lay.expected["dev"])
    shutil.copytree(lay.root / "ADD2023" / "Track1.2", tmp_path / "track1.2")  # lower case, directly in the root
    assert len(Add2023FGR2(root=str(tmp_path)).load()["eval"]) == 6


def test_missing_label_file_and_audio(shared, tmp_path):
    root = tmp_path / "a"
    shutil.copytree(_layout().root, root)
    (root / "ADD2023" / "Track1.2" / "testR1" / "label.txt").unlink()
    with pytest.raises(DatasetError, match=r"label file .*Track1.2/testR1/label.txt' is missing") as e:
        Add2023FGR1(root=str(root)).load()
    assert "12175884" in e.value.hint
    (root / "ADD2023" / "Track1.2" / "testR2" / "wav" / "ADD2023_T1.2R2_E_00000101.wav").unlink()
    with pytest.raises(DatasetError, match=r"testR2/label.txt:2 lists .*ADD2023_T1.2R2_E_00000101.wav"):
        Add2023FGR2(root=str(root)).load()


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_cli_info(shared, name):
    r = invoke("info", name, "--data-root", _layout().root)
    assert r.exit_code == 0, r.output
    assert "eval        6 clips: 3 real, 3 fake" in r.output and f"track: FG-R{name[-1]} 6" in r.output


@pytest.mark.weights
def test_cli_cross_run(shared, tmp_path):
    pytest.importorskip("aisfx")
    r = invoke("run", "--detector", "sfx-logreg", "--train-dataset", "manifest", "--set",
               f"manifest={layouts.speech_train_manifest()}", "--dataset", "add2023-fg-r1,add2023-fg-r2",
               "--data-root", _layout().root, "--cache-dir", layouts.embedding_cache(), "--results", tmp_path / "res")
    assert r.exit_code == 0, r.output
    recs = [json.loads(p.read_text()) for p in (tmp_path / "res").rglob("*.json") if "runs" in p.parts]
    assert sorted(r["dataset"]["name"] for r in recs) == ["add2023-fg-r1", "add2023-fg-r2"]
