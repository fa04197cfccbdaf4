"""for-norm / for-original / for-2sec / for-rerecorded on tiny copies of the FoR folder layout."""

import json
import shutil

import pytest
from click.testing import CliRunner
from fakebench.cli import main
from fakebench.errors import DatasetError
from fakebench.plugins.datasets.fake_or_real import (
    For2Sec,
    ForNorm,
    ForOriginal,
    ForRerecorded,
)
from fakebench.testing import parametrize_with_checks

from . import layouts

pytestmark = pytest.mark.shared


def _layout(version="for-norm"):
    return layouts.cached("fake_or_real", version)


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@parametrize_with_checks(lambda: ForNorm(root=str(_layout().root)), kind="dataset")
def test_conformance(factory, check, shared):
    check(factory)


@pytest.mark.parametrize("cls, version", [(ForNorm, "for-norm"), (ForOriginal, "for-original")])
def test_official_splits_labels_and_format(shared, cls, version):
    lay = _layout(version)
    splits = cls(root=str(lay.root)).load()
    assert set(splits) == {"train", "val", "eval"}
    for split, want in lay.expected.items():
        got = {c.id: c for c in splits[split]}
        assert set(got) == set(want), split
        for cid, e in want.items():
            c = got[cid]
            assert (c.label, c.attrs, c.split) == (e["label"], e["attrs"], split), cid
            assert c.path == lay.root / version / cid
    assert {c.attrs["format"] for c in splits["train"]} == ({"wav", "mp3"} if version == "for-original" else {"wav"})


def test_same_name_in_real_and_fake_are_two_clips(shared):
    ev = ForNorm(root=str(_layout().root)).load()["eval"]
    name = "file7.wav_16k.wav_norm.wav_mono.wav_silence.wav"
    assert {c.id for c in ev if c.path.name == name} == {f"testing/real/{name}", f"testing/fake/{name}"}
    assert not any(c.path.name == "README.txt" for c in ev)


def test_eval_only_reads_the_testing_folder_only(shared, tmp_path):
    root = tmp_path / "r"
    shutil.copytree(_layout().root / "for-norm" / "testing", root / "for-norm" / "testing")
    splits = ForNorm(root=str(root), protocol="eval-only").load()
    assert not splits["train"] and not splits["val"]
    assert sorted(c.id for c in splits["eval"]) == sorted(_layout().expected["eval"])
    with pytest.raises(DatasetError, match=r"the train folder .*for-norm/training' is missing"):
        ForNorm(root=str(root)).load()


@pytest.mark.parametrize("cls, folder", [(For2Sec, "for-2seconds"), (For2Sec, "for-2sec"),
                                         (ForRerecorded, "for-rerecorded"), (ForRerecorded, "for-rerec/for-rerecorded")])
def test_version_folder_names(shared, tmp_path, cls, folder):
    shutil.copytree(_layout().root / "for-norm", tmp_path / folder)
    splits = cls(root=str(tmp_path)).load()
    assert sum(len(v) for v in splits.values()) == sum(len(v) for v in _layout().expected.values())


def test_missing_folders_are_named(shared, tmp_path):
    with pytest.raises(DatasetError, match=r"for-norm/testing' is missing") as e:
        ForNorm(root=str(tmp_path)).load()
    assert "for-norm.tar.gz" in e.value.hint
    root = tmp_path / "r"
    shutil.copytree(_layout().root, root)
    shutil.rmtree(root / "for-norm" / "validation" / "fake")
    with pytest.raises(DatasetError, match=r"for-norm/validation/fake' is missing"):
        ForNorm(root=str(root)).load()


def test_cli_info(shared):
    r = invoke("info", "for-norm", "--data-root", _layout().root, "--json")
    assert r.exit_code == 0, r.output
    counts = json.loads(r.stdout)["splits"]
    assert {s: (v["real"], v["fake"]) for s, v in counts.items()} == {"train": (4, 4), "val": (2, 2), "eval": (3, 3)}


@pytest.mark.weights
def test_cli_run(shared, tmp_path):
    pytest.importorskip("aisfx")
    r = invoke("run", "--detector", "sfx-logreg", "--dataset", "for-norm", "--data-root", _layout().root,
               "--cache-dir", layouts.embedding_cache(), "--results", tmp_path / "results", "--json")
    assert r.exit_code == 0, r.output
    (rec,) = [json.loads(p.read_text()) for p in (tmp_path / "results").rglob("*.json") if "runs" in p.parts]
    assert rec["dataset"]["counts"]["eval"]["n"] == 6 and rec["metrics"]["eer"] is not None


def test_cli_info_every_version(shared, tmp_path):
    for folder in ("for-original", "for-2seconds", "for-rerecorded"):
        shutil.copytree(_layout().root / "for-norm", tmp_path / folder)
    for name in ("for-original", "for-2sec", "for-rerecorded"):
        r = invoke("info", name, "--data-root", tmp_path, "--protocol", "eval-only")
        assert r.exit_code == 0, r.output
        assert "eval        6 clips: 3 real, 3 fake" in r.output, (name, r.output)
