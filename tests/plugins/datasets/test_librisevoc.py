"""librisevoc on a tiny LibriSeVoc/ (gt/, six vocoder folders, train/dev/test lists)."""

import json
import shutil

import pytest
from click.testing import CliRunner
from fakebench.cli import main
from fakebench.errors import DatasetError
from fakebench.plugins.datasets.librisevoc import LibriSeVoc, fake_name
from fakebench.testing import parametrize_with_checks

from . import layouts

pytestmark = pytest.mark.shared


def _layout():
    return layouts.cached("librisevoc")


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@parametrize_with_checks(lambda: LibriSeVoc(root=str(_layout().root)), kind="dataset")
def test_conformance(factory, check, shared):
    check(factory)


def test_official_lists_give_each_clip_and_its_six_copies(shared):
    lay = _layout()
    splits = LibriSeVoc(root=str(lay.root)).load()
    for split, want in lay.expected.items():
        got = {c.id: c for c in splits[split]}
        assert set(got) == set(want), split
        for cid, e in want.items():
            c = got[cid]
            assert (c.label, c.system, c.speaker, c.attrs) == (e["label"], e["system"], e["speaker"], e["attrs"]), cid
    # 2 test utterances x (1 real + 6 vocoders)
    assert len(splits["eval"]) == 14 and sum(c.label for c in splits["eval"]) == 12
    assert fake_name("27_123349_000006_000000.wav") == "27_123349_000006_000000_gen.wav"


def test_eval_only(shared):
    splits = LibriSeVoc(root=str(_layout().root), protocol="eval-only").load()
    assert not splits["train"] and {c.id for c in splits["eval"]} == set(_layout().expected["eval"])


@pytest.fixture
def copy(shared, tmp_path):
    root = tmp_path / "lsv"
    shutil.copytree(_layout().root, root)
    return root / "LibriSeVoc"


def test_missing_list_and_lists_dir(copy):
    (copy / "dev.txt").rename(copy.parent / "dev.txt")
    with pytest.raises(DatasetError, match=r"split list .*LibriSeVoc/dev.txt' is missing") as e:
        LibriSeVoc(root=str(copy.parent)).load()
    assert "Synthetic-Voice-Detection-Vocoder-Artifacts" in e.value.hint
    for name in ("train.txt", "test.txt"):
        (copy / name).rename(copy.parent / name)
    splits = LibriSeVoc(root=str(copy.parent), lists_dir=str(copy.parent)).load()
    assert len(splits["val"]) == 7


def test_missing_vocoded_copy_names_the_list_line(copy):
    line2 = (copy / "test.txt").read_text().splitlines()[1]
    (copy / "wavegrad" / fake_name(line2)).unlink()
    with pytest.raises(DatasetError, match=rf"test.txt:2 lists .*wavegrad/{line2[:-4]}_gen.wav, which does not exist"):
        LibriSeVoc(root=str(copy.parent)).load()
    ds = LibriSeVoc(root=str(copy.parent), allow_missing=True)
    assert len(ds.load()["eval"]) == 13 and ds.missing_ == 1


def test_bad_list_line(copy):
    (copy / "train.txt").write_text((copy / "train.txt").read_text() + "gt/x.wav\n")
    with pytest.raises(DatasetError, match=r"train.txt:3: 'gt/x.wav' is not a plain .wav file name"):
        LibriSeVoc(root=str(copy.parent)).load()


def test_missing_vocoder_folder(copy):
    shutil.rmtree(copy / "wavenet")
    with pytest.raises(DatasetError, match=r"audio folder .*LibriSeVoc/wavenet' is missing"):
        LibriSeVoc(root=str(copy.parent)).load()


def test_cli_info(shared):
    r = invoke("info", "librisevoc", "--data-root", _layout().root)
    assert r.exit_code == 0, r.output
    assert "system: diffwave 2, melgan 2, parallel_wave_gan 2, wavegrad 2, wavenet 2, wavernn 2" in r.output


@pytest.mark.weights
def test_cli_run(shared, tmp_path):
    pytest.importorskip("aisfx")
    r = invoke("run", "--detector", "sfx-logreg", "--dataset", "librisevoc", "--data-root", _layout().root,
               "--cache-dir", layouts.embedding_cache(), "--results", tmp_path / "res")
    assert r.exit_code == 0, r.output
    (rec,) = [json.loads(p.read_text()) for p in (tmp_path / "res").rglob("*.json") if "runs" in p.parts]
    assert rec["dataset"]["counts"]["eval"]["n"] == 14 and "system" in rec["breakdowns"]
