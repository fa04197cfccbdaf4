"""envsdd on a tiny development/ + test_track1/ layout with the ESDD 2026 metadata CSVs."""

import shutil

import pytest

from fakebench.errors import DatasetError
from fakebench.plugins.datasets.envsdd import EnvSDD
from fakebench.testing import parametrize_with_checks

from . import layouts

pytestmark = pytest.mark.shared


def _layout():
    return layouts.cached("envsdd")


@parametrize_with_checks(lambda: EnvSDD(root=str(_layout().root)), kind="dataset")
def test_conformance(factory, check, shared):
    check(factory)


def test_track1_development_and_test(shared):
    lay = _layout()
    splits = EnvSDD(root=str(lay.root)).load()
    for split, exp in lay.expected.items():
        got = {c.id: c for c in splits[split]}
        assert set(got) == set(exp), split
        for cid, e in exp.items():
            assert (got[cid].label, got[cid].system, got[cid].attrs) == (e["label"], e["system"], e["attrs"]), cid
    train_gens = {c.system for c in splits["train"] if c.label}
    assert train_gens == {"tta/audiogen", "tta/audioldm2", "ata/audioldm1"}
    assert not train_gens & {c.system for c in splits["eval"]}


def test_eval_set_and_track2(shared):
    lay = _layout()
    ev = EnvSDD(root=str(lay.root), eval_set="eval").load()["eval"]
    assert [(c.id, c.label) for c in ev] == [(f"eval1/{n}", int(lab == "fake")) for n, lab in lay.extra["eval_rows"]]
    t2 = EnvSDD(root=str(lay.root), protocol="track2")
    with pytest.raises(DatasetError, match="test_track2.csv' is missing"):
        t2.load()
    meta = lay.root / "EnvSDD" / "metadata"
    shutil.copyfile(meta / "test_track1.csv", meta / "test_track2.csv")
    (lay.root / "EnvSDD" / "test_track2").symlink_to(lay.root / "EnvSDD" / "test_track1")
    try:
        splits = EnvSDD(root=str(lay.root), protocol="track2").load()
    finally:
        (meta / "test_track2.csv").unlink()
        (lay.root / "EnvSDD" / "test_track2").unlink()
    bb = [c for s in ("train", "val") for c in splits[s] if c.id.startswith("dev_track2/")]
    assert sorted((c.id, c.label, c.split) for c in bb) == sorted(
        (f"dev_track2/{n}", int(lab == "fake"), "val" if u == "validation" else "train") for n, lab, u in lay.extra["blackbox"])


def test_missing_fake_names_dev_csv_line(shared, tmp_path):
    root = tmp_path / "e"
    shutil.copytree(_layout().root, root)
    victim = root / "EnvSDD" / "development" / "fake_audio" / "ATA" / "audioldm1" / "DCASE2023T7" / "clip_003.wav"
    victim.unlink()
    with pytest.raises(DatasetError, match=r"dev_track1.csv:5 lists .*ATA/audioldm1/DCASE2023T7/clip_003.wav"):
        EnvSDD(root=str(root)).load()
    ds = EnvSDD(root=str(root), allow_missing=True)
    assert sum(len(v) for v in ds.load().values()) == 24 + 10 - 1 and ds.missing_ == 1


def test_bad_usage_and_missing_metadata(shared, tmp_path):
    root = tmp_path / "e"
    shutil.copytree(_layout().root, root)
    dev = root / "EnvSDD" / "metadata" / "dev_track1.csv"
    dev.write_text(dev.read_text() + "clip_999.wav,UrbanSound8K,4.0,testing\n")
    with pytest.raises(DatasetError, match=r"dev_track1.csv:8: unknown usage 'testing'"):
        EnvSDD(root=str(root)).load()
    dev.unlink()
    with pytest.raises(DatasetError, match="dev_track1.csv' is missing"):
        EnvSDD(root=str(root)).load()
