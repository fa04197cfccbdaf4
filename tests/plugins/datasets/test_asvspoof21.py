"""asvspoof21-la / -df: 2021 eval audio + full keys, training on ASVspoof 2019 LA from the same root."""

import shutil

import pytest

from fakebench.errors import DatasetError
from fakebench.plugins.datasets.asvspoof21 import Asvspoof21DF, Asvspoof21LA
from fakebench.testing import parametrize_with_checks

from . import layouts

pytestmark = pytest.mark.shared
CLASSES = {"LA": Asvspoof21LA, "DF": Asvspoof21DF}


def _layout(track):
    return layouts.cached("asvspoof21", track)


@parametrize_with_checks(lambda: Asvspoof21LA(root=str(_layout("LA").root), subset="all"), kind="dataset")
def test_conformance_la(factory, check, shared):
    check(factory)


@parametrize_with_checks(lambda: Asvspoof21DF(root=str(_layout("DF").root), subset="all"), kind="dataset")
def test_conformance_df(factory, check, shared):
    check(factory)


@pytest.mark.parametrize("track", ["LA", "DF"])
def test_eval_clips_carry_every_metadata_field(shared, track):
    lay = _layout(track)
    splits = CLASSES[track](root=str(lay.root), subset="all").load()
    got = {c.id: c for c in splits["eval"]}
    assert list(got) == list(lay.expected["eval"])
    for cid, e in lay.expected["eval"].items():
        c = got[cid]
        assert (c.label, c.speaker, c.system, c.attrs, c.path) == (e["label"], e["speaker"], e["system"], e["attrs"],
                                                                   e["path"]), cid
    declared = set(CLASSES[track].attributes)
    assert {k for c in got.values() for k in c.attrs} <= declared


@pytest.mark.parametrize("track", ["LA", "DF"])
def test_train_and_val_are_asvspoof2019_la(shared, track):
    lay = _layout(track)
    splits = CLASSES[track](root=str(lay.root)).load()
    for split in ("train", "val"):
        assert [c.id for c in splits[split]] == list(lay.expected[split])
        assert all(c.path.parent.parent.parent.name == "LA" for c in splits[split])


def test_asvspoof19_root_parameter(shared, tmp_path):
    lay = _layout("LA")
    moved = tmp_path / "elsewhere"
    shutil.copytree(lay.root / "LA", moved / "LA")
    root21 = tmp_path / "root21"
    root21.mkdir()
    for name in ("keys", "ASVspoof2021_LA_eval"):
        (root21 / name).symlink_to(lay.root / name)
    with pytest.raises(DatasetError, match="trains on ASVspoof 2019 LA") as e:
        Asvspoof21LA(root=str(root21)).load()
    assert "asvspoof19_root" in e.value.hint
    splits = Asvspoof21LA(root=str(root21), asvspoof19_root=str(moved)).load()
    assert len(splits["train"]) == 8 and len(splits["val"]) == 4


@pytest.mark.parametrize("subset, want", [("eval", {"eval"}), ("progress", {"progress"}),
                                          ("eval,hidden", {"eval", "hidden"}), ("all", {"eval", "progress", "hidden"})])
def test_subset_selection(shared, subset, want):
    lay = _layout("DF")
    ev = Asvspoof21DF(root=str(lay.root), subset=subset).load()["eval"]
    assert {c.attrs["subset"] for c in ev} == want
    assert len(ev) == sum(e["attrs"]["subset"] in want for e in lay.expected["eval"].values())


def test_unknown_subset(shared):
    with pytest.raises(DatasetError, match="unknown subset"):
        Asvspoof21DF(root=str(_layout("DF").root), subset="evil").load()


def test_df_audio_may_be_split_over_part_folders(shared):
    lay = _layout("DF")
    parts = {c.path.parent.parent.parent.name for c in Asvspoof21DF(root=str(lay.root), subset="all").load()["eval"]}
    assert parts == {"ASVspoof2021_DF_eval_part00", "ASVspoof2021_DF_eval_part01"}


def test_missing_keys_say_where_to_get_them(shared, tmp_path):
    (tmp_path / "ASVspoof2021_LA_eval" / "flac").mkdir(parents=True)
    with pytest.raises(DatasetError, match="keys/LA/CM/trial_metadata.txt' is missing") as e:
        Asvspoof21LA(root=str(tmp_path)).load()
    assert "LA-keys-full.tar.gz" in e.value.hint


def test_keys_in_the_archive_folder_are_found(shared, tmp_path):
    lay = _layout("LA")
    root = tmp_path / "r"
    (root / "LA-keys-full").mkdir(parents=True)
    (root / "LA-keys-full" / "keys").symlink_to(lay.root / "keys")
    for name in ("LA", "ASVspoof2021_LA_eval"):
        (root / name).symlink_to(lay.root / name)
    assert len(Asvspoof21LA(root=str(root), subset="all").load()["eval"]) == len(lay.expected["eval"])


@pytest.fixture
def df_copy(shared, tmp_path):
    lay = _layout("DF")
    root = tmp_path / "df"
    shutil.copytree(lay.root, root)
    return root, lay


def test_missing_flac_names_metadata_line(df_copy, caplog):
    root, lay = df_copy
    meta = root / "keys" / "DF" / "CM" / "trial_metadata.txt"
    line5 = meta.read_text().splitlines()[4].split()[1]
    next(root.glob(f"ASVspoof2021_DF_eval_part*/ASVspoof2021_DF_eval/flac/{line5}.flac")).unlink()
    with pytest.raises(DatasetError, match=rf"trial_metadata.txt:5 lists {line5}.flac"):
        Asvspoof21DF(root=str(root), subset="all").load()
    ds = Asvspoof21DF(root=str(root), subset="all", allow_missing=True)
    assert len(ds.load()["eval"]) == len(lay.expected["eval"]) - 1 and ds.missing_ == 1


@pytest.mark.parametrize("line, match", [
    ("LA_0023 DF_E_9999999 nocodec asvspoof A14 spoof notrim eval", "expected 13 space-separated fields"),
    ("LA_0023 DF_E_9999999 nocodec asvspoof A14 spoofed notrim eval unknown - - - -", "unknown label 'spoofed'"),
    ("LA_0023 DF_E_9999999 nocodec asvspoof A14 spoof notrim final unknown - - - -", "unknown subset 'final'"),
])
def test_bad_metadata_line(df_copy, line, match):
    root, lay = df_copy
    meta = root / "keys" / "DF" / "CM" / "trial_metadata.txt"
    n = len(meta.read_text().splitlines())
    meta.write_text(meta.read_text() + line + "\n")
    with pytest.raises(DatasetError, match=rf"trial_metadata.txt:{n + 1}: {match}"):
        Asvspoof21DF(root=str(root)).load()


def test_nine_field_df_lines_are_accepted(df_copy):
    root, lay = df_copy
    meta = root / "keys" / "DF" / "CM" / "trial_metadata.txt"
    meta.write_text("".join(" ".join(line.split()[:9]) + "\n" for line in meta.read_text().splitlines()))
    ev = Asvspoof21DF(root=str(root), subset="all").load()["eval"]
    assert len(ev) == len(lay.expected["eval"]) and not any("vcc_task" in c.attrs for c in ev)
