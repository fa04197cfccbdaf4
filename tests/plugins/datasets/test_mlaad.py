"""mlaad on a tiny MLAAD/fake/en/<model>/meta.csv layout with M-AILABS originals in mailabs/."""

import shutil

import pytest

from fakebench.errors import DatasetError
from fakebench.plugins.datasets.mlaad import Mlaad
from fakebench.testing import parametrize_with_checks

from . import layouts

pytestmark = pytest.mark.shared


def _layout():
    return layouts.cached("mlaad")


@parametrize_with_checks(lambda: Mlaad(root=str(_layout().root)), kind="dataset")
def test_conformance(factory, check, shared):
    check(factory)


def test_fakes_and_their_mailabs_originals(shared):
    lay = _layout()
    clips = {c.id: c for v in Mlaad(root=str(lay.root)).load().values() for c in v}
    assert set(clips) == set(lay.expected)
    for cid, e in lay.expected.items():
        c = clips[cid]
        assert (c.label, c.system, c.transcript) == (e["label"], e["system"], e["transcript"]), cid
        if c.label:
            assert c.attrs == e["attrs"] and c.duration == pytest.approx(e["duration"])
        else:
            assert c.speaker == e["speaker"] and c.path.is_relative_to(lay.root / "mailabs" / "en_US")
    # a real original and every fake made from its transcript share the text
    real = [c for c in clips.values() if c.label == 0]
    assert len(real) == 8 and all(any(f.transcript == r.transcript for f in clips.values() if f.label) for r in real)


def test_unseen_systems(shared):
    splits = Mlaad(root=str(_layout().root), protocol="unseen-systems",
                   held_out="tts_models/en/ljspeech/glow-tts").load()
    assert {c.system for s in ("train", "val") for c in splits[s] if c.label} <= {
        "tts_models/en/ljspeech/vits", "tts_models/en/ljspeech/tacotron2-DDC"}
    assert "tts_models/en/ljspeech/glow-tts" in {c.system for c in splits["eval"]}


def test_language_and_real_options(shared):
    root = str(_layout().root)
    with pytest.raises(DatasetError, match="no language folder .*fake/de") as e:
        Mlaad(root=root, language="de").load()
    assert "languages present: en" in e.value.hint
    fakes = Mlaad(root=root, include_real=False).clips()
    assert len(fakes) == 15 and all(c.label == 1 for c in fakes)


def test_missing_mailabs_and_missing_original(shared, tmp_path):
    root = tmp_path / "m"
    shutil.copytree(_layout().root / "MLAAD", root / "MLAAD")
    with pytest.raises(DatasetError, match="M-AILABS real clips are missing") as e:
        Mlaad(root=str(root)).load()
    assert "mailabs_root" in e.value.hint
    shutil.copytree(_layout().root / "mailabs", root / "mailabs")
    victim = next((root / "mailabs").rglob("*.wav"))
    victim.unlink()
    with pytest.raises(DatasetError, match=rf"meta.csv:\d+ names the M-AILABS original .*{victim.name}"):
        Mlaad(root=str(root)).load()
    ds = Mlaad(root=str(root), allow_missing=True)
    assert len([c for v in ds.load().values() for c in v if c.label == 0]) == 7 and ds.missing_ == 1


def test_bad_meta_row(shared, tmp_path):
    root = tmp_path / "m"
    shutil.copytree(_layout().root, root)
    meta = root / "MLAAD" / "fake" / "en" / "tts_models_en_ljspeech_vits" / "meta.csv"
    meta.write_text(meta.read_text() + "./x.txt|a|en|True|1.0|lj|m|m|hello\n")
    with pytest.raises(DatasetError, match=r"vits/meta.csv:7: 'path' './x.txt' is not an audio file"):
        Mlaad(root=str(root)).load()
