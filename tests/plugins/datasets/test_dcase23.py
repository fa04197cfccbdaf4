"""dcase23 on a tiny copy of the real Zenodo layout, built from the shared DCASE-format Foley clips."""

import shutil

import pytest

from fakebench.errors import DatasetError
from fakebench.plugins.datasets.dcase23 import CLASSES, Dcase23, canonical_class
from fakebench.testing import parametrize_with_checks

from . import layouts

pytestmark = pytest.mark.shared


def _layout():
    return layouts.cached("dcase23")


def _factory():
    return Dcase23(root=str(_layout().root))


@parametrize_with_checks(_factory, kind="dataset")
def test_conformance(factory, check, shared):
    check(factory)


def test_every_clip_with_class_system_track_and_set(shared):
    lay = _layout()
    splits = Dcase23(root=str(lay.root)).load()
    clips = {c.id: c for v in splits.values() for c in v}
    assert set(clips) == set(lay.expected)
    for cid, exp in lay.expected.items():
        c = clips[cid]
        assert (c.label, c.cls, c.system, c.attrs) == (exp["label"], exp["cls"], exp["system"], exp["attrs"]), cid
        assert c.path.is_file()
    # CamelCase (dev) and snake_case (eval) class folders map to one class set
    assert {c.cls for c in clips.values() if c.attrs.get("set") == "dev"} <= set(CLASSES)
    assert {c.attrs["track"] for c in clips.values() if c.label} == {"A", "B"}


def test_random_split_is_70_10_20_stratified_and_seeded(shared):
    root = str(_layout().root)
    a = Dcase23(root=root, seed=1).load()
    n = sum(len(v) for v in a.values())
    assert [len(a[s]) for s in ("train", "val", "eval")] == [n - round(n * .1) - round(n * .2), round(n * .1), round(n * .2)]
    assert all(c.split == s for s, v in a.items() for c in v)
    b = Dcase23(root=root, seed=2).load()
    assert {c.id for c in a["eval"]} != {c.id for c in b["eval"]}
    # both labels in every split (stratified)
    assert all({c.label for c in v} == {0, 1} for v in a.values())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_unseen_systems_keeps_held_out_out_of_train_and_val(shared, seed):
    splits = Dcase23(root=str(_layout().root), protocol="unseen-systems", seed=seed).load()
    held = {c.system for c in splits["eval"] if c.label == 1} - {c.system for s in ("train", "val") for c in splits[s]}
    assert held
    for s in ("train", "val"):
        assert not {c.system for c in splits[s]} & held


def test_unseen_systems_with_named_held_out(shared):
    splits = Dcase23(root=str(_layout().root), protocol="unseen-systems", held_out="TASys08,TBSys18").load()
    assert {c.system for s in ("train", "val") for c in splits[s] if c.label} == {"TASys02", "TBSys09"}
    assert {"TASys08", "TBSys18"} <= {c.system for c in splits["eval"]}
    with pytest.raises(DatasetError, match="not in the dataset"):
        Dcase23(root=str(_layout().root), protocol="unseen-systems", held_out="TASys99").load()


def test_tracks_parameter(shared):
    clips = Dcase23(root=str(_layout().root), tracks="B").clips()
    assert {c.attrs["track"] for c in clips if c.label} == {"B"}


def test_class_names_normalised():
    assert canonical_class("DogBark") == canonical_class("dog_bark") == "dog_bark"
    assert canonical_class("Sneeze_Cough") == canonical_class("sneeze_cough") == "sneeze_cough"
    assert canonical_class("MovingMotorVehicle") == "moving_motor_vehicle" and canonical_class("GunShot") == "gunshot"
    assert canonical_class("Piano") is None


def test_unknown_class_folder_is_an_error(shared, tmp_path):
    lay = layouts.dcase23(tmp_path / "d", fakes_per_system=1)
    (lay.root / "DCASE_2023_Challenge_Task_7_Dataset" / "dev" / "Piano").mkdir()
    with pytest.raises(DatasetError, match=r"unknown class folder .*Piano") as e:
        Dcase23(root=str(lay.root)).load()
    assert "dog_bark" in e.value.hint


def test_missing_submission_folder_says_how_to_get_it(shared, tmp_path):
    lay = layouts.dcase23(tmp_path / "d", fakes_per_system=1)
    shutil.rmtree(lay.root / "DCASE_2023_Challenge_Task_7_Submission")
    with pytest.raises(DatasetError, match="DCASE_2023_Challenge_Task_7_Submission") as e:
        Dcase23(root=str(lay.root)).load()
    assert "fakebench download dcase23" in e.value.hint and "8091972" in e.value.hint


def test_baseline_optional(shared, tmp_path):
    lay = layouts.dcase23(tmp_path / "d", fakes_per_system=1)
    with pytest.raises(DatasetError, match="include_baseline"):
        Dcase23(root=str(lay.root), include_baseline=True).clips()
    src = next((lay.root / "DCASE_2023_Challenge_Task_7_Dataset" / "eval").rglob("*.wav"))
    bl = lay.root / "DCASE_2023_Challenge_Task_7_Baseline" / "Rain"
    bl.mkdir(parents=True)
    shutil.copyfile(src, bl / "0.wav")
    clips = Dcase23(root=str(lay.root), include_baseline=True).clips()
    assert [c.system for c in clips if c.id.startswith("fake/baseline/")] == ["Baseline"]
