"""asvspoof19-la / -pa on tiny copies of LA.zip / PA.zip's layout: real speech clips as 16 kHz FLAC."""

import shutil

import numpy as np
import pytest

from fakebench.errors import DatasetError
from fakebench.plugins.datasets.asvspoof19 import Asvspoof19LA, Asvspoof19PA
from fakebench.testing import parametrize_with_checks

from . import layouts

pytestmark = pytest.mark.shared
CLASSES = {"LA": Asvspoof19LA, "PA": Asvspoof19PA}


def _layout(track):
    return layouts.cached("asvspoof19", track)


@parametrize_with_checks(lambda: Asvspoof19LA(root=str(_layout("LA").root)), kind="dataset")
def test_conformance_la(factory, check, shared):
    check(factory)


@parametrize_with_checks(lambda: Asvspoof19PA(root=str(_layout("PA").root)), kind="dataset")
def test_conformance_pa(factory, check, shared):
    check(factory)


@pytest.mark.parametrize("track", ["LA", "PA"])
def test_official_splits_and_every_field(shared, track):
    lay = _layout(track)
    ds = CLASSES[track](root=str(lay.root))
    splits = ds.load()
    assert set(splits) == {"train", "val", "eval"}
    for split, exp in lay.expected.items():
        got = {c.id: c for c in splits[split]}
        assert list(got) == list(exp), split  # protocol order kept
        for cid, e in exp.items():
            c = got[cid]
            assert (c.label, c.speaker, c.system, c.split) == (e["label"], e["speaker"], e["system"], split)
            assert c.attrs == e.get("attrs", {})
            assert c.path == lay.root / track / f"ASVspoof2019_{track}_{'dev' if split == 'val' else split}" / "flac" / f"{cid}.flac"
    assert {c.system for c in splits["eval"] if c.label} <= {"A07", "A08", "A10", "A13", "A17", "A19"} or track == "PA"
    assert ds.missing_ == 0


def test_data_root_may_be_the_track_folder(shared):
    lay = _layout("LA")
    a = Asvspoof19LA(root=str(lay.root)).load()
    b = Asvspoof19LA(root=str(lay.root / "LA")).load()
    assert {s: [c.id for c in v] for s, v in a.items()} == {s: [c.id for c in v] for s, v in b.items()}


@pytest.mark.parametrize("split, part", [("eval", "eval"), ("val", "dev"), ("dev", "dev")])
def test_asv_scores_for_tdcf(shared, split, part):
    lay = _layout("LA")
    scores = Asvspoof19LA(root=str(lay.root)).asv_scores(split)
    rows = lay.extra[f"asv_{part}"]
    for key in ("target", "nontarget", "spoof"):
        want = np.array([round(v, 6) for s, k, v in rows if k == key])
        assert scores[key].dtype == np.float64 and np.allclose(scores[key], want)
    assert len(scores["target"]) == 20 and len(scores["nontarget"]) == 30 and len(scores["spoof"]) == 25


def test_asv_scores_absent_is_none(shared, tmp_path):
    lay = layouts.asvspoof19(tmp_path / "d", "LA", per_split={"train": (1, 1), "dev": (1, 1), "eval": (1, 1)},
                             asv_scores=False, seconds=0.5)
    assert Asvspoof19LA(root=str(lay.root)).asv_scores() is None
    with pytest.raises(DatasetError, match="no ASV scores for split 'train'"):
        Asvspoof19LA(root=str(lay.root)).asv_scores("train")


def test_bad_asv_score_line(shared, tmp_path):
    lay = layouts.asvspoof19(tmp_path / "d", "LA", per_split={"train": (1, 1), "dev": (1, 1), "eval": (1, 1)},
                             seconds=0.5)
    f = lay.root / "LA" / "ASVspoof2019_LA_asv_scores" / "ASVspoof2019.LA.asv.eval.gi.trl.scores.txt"
    f.write_text(f.read_text() + "A07 impostor 0.5\n")
    with pytest.raises(DatasetError, match=r"scores.txt:76: unknown ASV key 'impostor'"):
        Asvspoof19LA(root=str(lay.root)).asv_scores()


@pytest.fixture
def small(shared, tmp_path):
    return layouts.asvspoof19(tmp_path / "d", "LA", per_split={"train": (2, 2), "dev": (1, 1), "eval": (2, 2)},
                              seconds=0.5, asv_scores=False)


def _proto(lay, part="train"):
    kind = "trn" if part == "train" else "trl"
    return lay.root / "LA" / "ASVspoof2019_LA_cm_protocols" / f"ASVspoof2019.LA.cm.{part}.{kind}.txt"


def test_missing_file_names_protocol_line_and_allow_missing_skips(small, caplog):
    lines = _proto(small).read_text().splitlines()
    gone = lines[2].split()[1]
    (small.root / "LA" / "ASVspoof2019_LA_train" / "flac" / f"{gone}.flac").unlink()
    with pytest.raises(DatasetError, match=rf"cm.train.trn.txt:3 lists .*{gone}.flac, which does not exist") as e:
        Asvspoof19LA(root=str(small.root)).load()
    assert "--allow-missing" in e.value.hint
    ds = Asvspoof19LA(root=str(small.root), allow_missing=True)
    splits = ds.load()
    assert len(splits["train"]) == 3 and gone not in {c.id for c in splits["train"]}
    assert ds.missing_ == 1 and "skipped 1 missing" in caplog.text
    # check_files=false builds the index without looking at the audio
    assert len(Asvspoof19LA(root=str(small.root), check_files=False).load()["train"]) == 4


@pytest.mark.parametrize("line, match", [
    ("LA_0079 LA_T_9999999 - A01", "expected 5 space-separated fields"),
    ("LA_0079 LA_T_9999999 - A01 fake", "unknown label 'fake'"),
    ("LA_0079 LA_T_9999999 - - spoof", "spoof trial 'LA_T_9999999' names no attack"),
])
def test_bad_protocol_line(small, line, match):
    p = _proto(small, "eval")
    n = len(p.read_text().splitlines())
    p.write_text(p.read_text() + line + "\n")
    with pytest.raises(DatasetError, match=rf"cm.eval.trl.txt:{n + 1}: {match}"):
        Asvspoof19LA(root=str(small.root)).load()


def test_duplicate_id(small):
    p = _proto(small, "dev")
    first = p.read_text().splitlines()[0]
    p.write_text(p.read_text() + first + "\n")
    with pytest.raises(DatasetError, match=r"cm.dev.trl.txt:3 repeats id 'LA_D_\d+' \(first on line 1\)"):
        Asvspoof19LA(root=str(small.root)).load()


def test_missing_protocol_folder_and_missing_audio_folder(small, tmp_path):
    with pytest.raises(DatasetError, match="ASVspoof2019_LA_cm_protocols") as e:
        Asvspoof19LA(root=str(tmp_path)).load()
    assert "fakebench download asvspoof19-la" in e.value.hint
    shutil.rmtree(small.root / "LA" / "ASVspoof2019_LA_eval")
    with pytest.raises(DatasetError, match="ASVspoof2019_LA_eval/flac' is missing or empty"):
        Asvspoof19LA(root=str(small.root)).load()


def test_index_is_cached_and_follows_the_protocol(small):
    from fakebench.data.protocol_tables import index_root

    Asvspoof19LA(root=str(small.root)).load()
    caches = sorted(p.name.split("-")[2] for p in index_root().glob("asvspoof19-la-*.npz"))
    assert caches == ["eval", "train", "val"]
    p = _proto(small, "train")
    fid = p.read_text().split()[1]
    p.write_text(p.read_text().replace(f"{fid} - - bonafide", f"{fid} - A05 spoof", 1))
    (c,) = [c for c in Asvspoof19LA(root=str(small.root)).load()["train"] if c.id == fid]
    assert c.label == 1 and c.system == "A05"
