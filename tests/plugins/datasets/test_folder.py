"""folder: real/ and fake/<system>/ trees of WAV/FLAC/OGG/MP3, with or without split folders."""

import pytest

from fakebench.errors import DatasetError
from fakebench.plugins.datasets.folder import Folder
from fakebench.testing import parametrize_with_checks

from . import layouts

pytestmark = pytest.mark.shared


def _root(splits):
    return layouts.cached("folder", splits)


@parametrize_with_checks(lambda: Folder(root=str(_root(False).root)), kind="dataset")
def test_conformance(factory, check, shared):
    check(factory)


@pytest.mark.parametrize("splits", [False, True])
def test_every_file_any_format_with_system(shared, splits):
    lay = _root(splits)
    clips = {c.id: c for v in Folder(root=str(lay.root)).load().values() for c in v}
    assert set(clips) == set(lay.expected)
    assert {c.path.suffix for c in clips.values()} == {".wav", ".flac", ".ogg", ".mp3"}
    for cid, e in lay.expected.items():
        assert (clips[cid].label, clips[cid].system) == (e["label"], e["system"])


def test_given_split_folders(shared):
    splits = Folder(root=str(_root(True).root)).load()
    for split, top in (("train", "train/"), ("val", "dev/"), ("eval", "test/")):
        assert splits[split] and all(c.id.startswith(top) for c in splits[split])
    with pytest.raises(DatasetError, match="needs a split column"):
        Folder(root=str(_root(False).root), protocol="given").load()


def test_unseen_systems(shared):
    splits = Folder(root=str(_root(False).root), protocol="unseen-systems", held_out="vits").load()
    assert "vits" not in {c.system for s in ("train", "val") for c in splits[s]}
    assert "vits" in {c.system for c in splits["eval"]}


def test_bonafide_spoof_names_and_errors(tmp_path_factory):
    from conftest import write_wav

    tmp_path = tmp_path_factory.mktemp("own")
    write_wav(tmp_path / "bonafide" / "a.wav")
    write_wav(tmp_path / "spoof" / "b.flac", subtype="PCM_16")
    clips = Folder(root=str(tmp_path)).clips()
    assert sorted((c.id, c.label) for c in clips) == [("bonafide/a.wav", 0), ("spoof/b.flac", 1)]
    (tmp_path / "maybe").mkdir()
    with pytest.raises(DatasetError, match=r"'.*maybe' is not a label or split folder"):
        Folder(root=str(tmp_path)).load()
    with pytest.raises(DatasetError, match="does not exist"):
        Folder(root=str(tmp_path / "nope")).load()
    empty = tmp_path / "empty"
    (empty / "real").mkdir(parents=True)
    with pytest.raises(DatasetError, match="no audio files"):
        Folder(root=str(empty)).load()
