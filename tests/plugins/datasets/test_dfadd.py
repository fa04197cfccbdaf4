"""dfadd on a tiny DFADD/ zip layout (5 system subsets with protocols, DATASET_VCTK_BONAFIDE)."""

import json
import shutil

import pytest
from click.testing import CliRunner
from fakebench.cli import main
from fakebench.errors import DatasetError
from fakebench.plugins.datasets.dfadd import Dfadd
from fakebench.testing import parametrize_with_checks

from . import layouts

pytestmark = pytest.mark.shared


def _layout():
    return layouts.cached("dfadd")


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@parametrize_with_checks(lambda: Dfadd(root=str(_layout().root)), kind="dataset")
def test_conformance(factory, check, shared):
    check(factory)


def test_official_splits(shared):
    lay = _layout()
    splits = Dfadd(root=str(lay.root)).load()
    for split, want in lay.expected.items():
        got = {c.id: c for c in splits[split]}
        assert set(got) == set(want), split  # bona fide listed by all five protocols: one clip each
        for cid, e in want.items():
            assert (got[cid].label, got[cid].system, got[cid].speaker) == (e["label"], e["system"], e["speaker"]), cid
    paths = {c.id: c.path for c in splits["eval"]}
    assert paths["p230_216_GradTTS"].name == "p230_216_GradTTS.flac"
    assert paths["p231_217_matcha"].name == "p231_217_matcha.wav"
    assert paths["p227_114"].parent.parent.name == "DATASET_VCTK_BONAFIDE"


def test_eval_only_and_subsets(shared):
    ev = Dfadd(root=str(_layout().root), protocol="eval-only").load()
    assert not ev["train"] and {c.id for c in ev["eval"]} == set(_layout().expected["eval"])
    two = Dfadd(root=str(_layout().root), subsets="GradTTS,PflowTTS").load()["eval"]
    assert {c.system for c in two} == {"GradTTS", "PflowTTS", None} and sum(c.label == 0 for c in two) == 2
    with pytest.raises(DatasetError, match="unknown subset"):
        Dfadd(root=str(_layout().root), subsets="FastSpeech2").load()


@pytest.fixture
def copy(shared, tmp_path):
    root = tmp_path / "d"
    shutil.copytree(_layout().root, root)
    return root / "DFADD"


def test_bona_fide_merged_into_a_subset_is_found(copy):
    shutil.rmtree(copy / "DATASET_VCTK_BONAFIDE")
    ev = Dfadd(root=str(copy.parent), subsets="StyleTTS2", protocol="eval-only").load()["eval"]
    assert {c.path.parent.parent.name for c in ev} == {"DATASET_StyleTTS2"} and len(ev) == 3


def test_missing_protocol_and_audio(copy):
    (copy / "DATASET_MatchaTTS" / "valid.txt").unlink()
    with pytest.raises(DatasetError, match=r"protocol file .*DATASET_MatchaTTS/valid.txt' is missing"):
        Dfadd(root=str(copy.parent)).load()
    (copy / "DATASET_NaturalSpeech2" / "test" / "p232_218_NaturalSpeech2.flac").unlink()
    with pytest.raises(DatasetError, match=r"test.txt:3 lists p232_218_NaturalSpeech2.flac/.wav"):
        Dfadd(root=str(copy.parent), protocol="eval-only").load()
    ds = Dfadd(root=str(copy.parent), protocol="eval-only", allow_missing=True)
    assert len(ds.load()["eval"]) == 6 and ds.missing_ == 1


def test_bad_protocol_line(copy):
    proto = copy / "DATASET_GradTTS" / "test.txt"
    proto.write_text(proto.read_text() + "p230 p230_999_GradTTS - - fake\n")
    with pytest.raises(DatasetError, match=r"DATASET_GradTTS/test.txt:4: unknown label 'fake'"):
        Dfadd(root=str(copy.parent), protocol="eval-only").load()


def test_cli_info(shared):
    r = invoke("info", "dfadd", "--data-root", _layout().root, "--protocol", "eval-only")
    assert r.exit_code == 0, r.output
    assert "eval        7 clips: 2 real, 5 fake" in r.output
    assert "system: GradTTS 1, MatchaTTS 1, NaturalSpeech2 1, PflowTTS 1, StyleTTS2 1" in r.output


@pytest.mark.weights
def test_cli_run(shared, tmp_path):
    pytest.importorskip("aisfx")
    r = invoke("run", "--detector", "sfx-logreg", "--dataset", "dfadd", "--data-root", _layout().root,
               "--cache-dir", layouts.embedding_cache(), "--results", tmp_path / "res")
    assert r.exit_code == 0, r.output
    (rec,) = [json.loads(p.read_text()) for p in (tmp_path / "res").rglob("*.json") if "runs" in p.parts]
    assert rec["dataset"]["counts"]["eval"]["n"] == 7
