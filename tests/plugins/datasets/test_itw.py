"""itw on a tiny release_in_the_wild/ (meta.csv + numbered WAVs of real shared speech clips)."""

import shutil

import pytest

from fakebench.errors import DatasetError
from fakebench.plugins.datasets.itw import InTheWild
from fakebench.testing import parametrize_with_checks

from . import layouts

pytestmark = pytest.mark.shared


def _layout():
    return layouts.cached("itw")


@parametrize_with_checks(lambda: InTheWild(root=str(_layout().root)), kind="dataset")
def test_conformance(factory, check, shared):
    check(factory)


@pytest.mark.parametrize("protocol", ["random", "speaker-disjoint"])
def test_every_clip_with_speaker(shared, protocol):
    lay = _layout()
    splits = InTheWild(root=str(lay.root), protocol=protocol).load()
    got = {c.id: c for v in splits.values() for c in v}
    assert set(got) == set(lay.expected)
    for cid, e in lay.expected.items():
        assert (got[cid].label, got[cid].speaker) == (e["label"], e["speaker"])
        assert got[cid].path == lay.root / "release_in_the_wild" / f"{cid}.wav"


@pytest.mark.parametrize("seed", [0, 1, 5])
def test_speaker_disjoint_split(shared, seed):
    splits = InTheWild(root=str(_layout().root), protocol="speaker-disjoint", seed=seed).load()
    speakers = {s: {c.speaker for c in v} for s, v in splits.items()}
    assert all(speakers.values())
    assert not speakers["train"] & speakers["val"] and not speakers["train"] & speakers["eval"]
    assert not speakers["val"] & speakers["eval"]
    assert all(c.split == s for s, v in splits.items() for c in v)


def test_random_split_is_seeded_and_stratified(shared):
    a = InTheWild(root=str(_layout().root), seed=3).load()
    b = InTheWild(root=str(_layout().root), seed=3).load()
    assert {s: [c.id for c in v] for s, v in a.items()} == {s: [c.id for c in v] for s, v in b.items()}
    assert [len(a[s]) for s in ("train", "val", "eval")] == [21, 3, 6]
    assert all({c.label for c in v} == {0, 1} for v in a.values())


def test_split_all_eval(shared):
    splits = InTheWild(root=str(_layout().root), split_all_eval=True).load()
    assert not splits["train"] and not splits["val"] and len(splits["eval"]) == 30
    assert {c.split for c in splits["eval"]} == {"eval"}


@pytest.fixture
def copy(shared, tmp_path):
    root = tmp_path / "itw"
    shutil.copytree(_layout().root, root)
    return root


def test_bad_label_and_duplicate_and_missing(copy, caplog):
    meta = copy / "release_in_the_wild" / "meta.csv"
    text = meta.read_text()
    meta.write_text(text + "31.wav,Barack Obama,fake\n")
    with pytest.raises(DatasetError, match=r"meta.csv:32: unknown label 'fake'"):
        InTheWild(root=str(copy)).load()
    meta.write_text(text + "3.wav,Barack Obama,spoof\n")
    with pytest.raises(DatasetError, match=r"meta.csv:32 repeats id '3' \(first on line 5\)"):
        InTheWild(root=str(copy)).load()
    meta.write_text(text)
    (copy / "release_in_the_wild" / "7.wav").unlink()
    with pytest.raises(DatasetError, match=r"meta.csv:9 lists .*7.wav, which does not exist"):
        InTheWild(root=str(copy)).load()
    ds = InTheWild(root=str(copy), allow_missing=True)
    assert sum(len(v) for v in ds.load().values()) == 29 and ds.missing_ == 1


def test_missing_meta_says_how_to_get_it(shared, tmp_path):
    (tmp_path / "release_in_the_wild").mkdir()
    with pytest.raises(DatasetError, match="meta.csv") as e:
        InTheWild(root=str(tmp_path)).load()
    assert "fakebench download itw" in e.value.hint
