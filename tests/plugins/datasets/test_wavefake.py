"""wavefake on a tiny generated_audio/ + LJSpeech-1.1/ + jsut_ver1.1/ layout."""

import json
import shutil

import pytest
from click.testing import CliRunner
from fakebench.cli import main
from fakebench.errors import DatasetError
from fakebench.plugins.datasets.wavefake import WaveFake, utterance_of, vocoder_of
from fakebench.testing import parametrize_with_checks

from . import layouts

pytestmark = pytest.mark.shared


def _layout():
    return layouts.cached("wavefake")


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@parametrize_with_checks(lambda: WaveFake(root=str(_layout().root)), kind="dataset")
def test_conformance(factory, check, shared):
    check(factory)


def _all(**kw):
    return {c.id: c for v in WaveFake(root=str(_layout().root), protocol="eval-only", **kw).load().values() for c in v}


@pytest.mark.parametrize("corpus", ["ljspeech", "jsut", "all"])
def test_clips_systems_and_attributes(shared, corpus):
    lay = _layout()
    want = {**(lay.expected if corpus != "jsut" else {}), **(lay.extra["jsut"] if corpus != "ljspeech" else {})}
    got = _all(corpus=corpus)
    assert set(got) == set(want) and {c.split for c in got.values()} == {"eval"}
    for cid, e in want.items():
        c = got[cid]
        assert (c.label, c.system, c.attrs) == (e["label"], e["system"], e["attrs"]), cid


def test_nested_duplicate_tts_folder_is_ignored(shared):
    got = _all()
    tts = [c for c in got.values() if c.system == layouts.WAVEFAKE_TTS]
    assert len(tts) == 2 and all(c.path.parent.name == layouts.WAVEFAKE_TTS for c in tts)


def test_name_helpers():
    assert vocoder_of("ljspeech_multi_band_melgan") == "multi_band_melgan"
    assert vocoder_of(layouts.WAVEFAKE_TTS) == "conformer_fastspeech2_pwg"
    assert utterance_of("LJ043-0122_generated.wav") == "LJ043-0122"
    assert utterance_of("BASIC5000_4225_gen.wav") == "BASIC5000_4225" and utterance_of("gen_13607.wav") is None


@pytest.mark.parametrize("seed", [0, 3])
def test_utterance_disjoint_keeps_copies_with_their_source(shared, seed):
    splits = WaveFake(root=str(_layout().root), seed=seed).load()
    where = {}
    for split, clips in splits.items():
        for c in clips:
            utt = c.attrs.get("utterance") or c.id
            assert where.setdefault(utt, split) == split, utt
    assert all(splits.values())


def test_unseen_systems_and_random(shared):
    splits = WaveFake(root=str(_layout().root), protocol="unseen-systems", held_out="ljspeech_waveglow").load()
    assert "ljspeech_waveglow" not in {c.system for s in ("train", "val") for c in splits[s]}
    assert "ljspeech_waveglow" in {c.system for c in splits["eval"]}
    a = WaveFake(root=str(_layout().root), protocol="random", seed=2).load()
    b = WaveFake(root=str(_layout().root), protocol="random", seed=2).load()
    assert {k: [c.id for c in v] for k, v in a.items()} == {k: [c.id for c in v] for k, v in b.items()}


def test_real_corpora_elsewhere_and_missing(shared, tmp_path):
    root = tmp_path / "r"
    shutil.copytree(_layout().root / "generated_audio", root / "generated_audio")
    with pytest.raises(DatasetError, match=r"real ljspeech clips are missing .*LJSpeech-1.1/wavs") as e:
        WaveFake(root=str(root)).load()
    assert "LJSpeech-1.1.tar.bz2" in e.value.hint and "ljspeech_root" in e.value.hint
    got = WaveFake(root=str(root), ljspeech_root=str(_layout().root), protocol="eval-only").load()["eval"]
    assert len(got) == len(_layout().expected)
    with pytest.raises(DatasetError, match=r"real jsut clips are missing .*jsut_ver1.1/basic5000/wav"):
        WaveFake(root=str(root), ljspeech_root=str(_layout().root), corpus="all").load()
    with pytest.raises(DatasetError, match="unknown corpus"):
        WaveFake(root=str(_layout().root), corpus="vctk").load()


def test_missing_generated_audio(shared, tmp_path):
    with pytest.raises(DatasetError, match=r"generated_audio' is missing") as e:
        WaveFake(root=str(tmp_path)).load()
    assert "zenodo.org/records/5642694" in e.value.hint


def test_cli_info(shared):
    r = invoke("info", "wavefake", "--data-root", _layout().root, "--protocol", "eval-only")
    assert r.exit_code == 0, r.output
    assert "vocoder: conformer_fastspeech2_pwg 2, hifiGAN 3, melgan 3" in r.output


@pytest.mark.weights
def test_cli_run(shared, tmp_path):
    pytest.importorskip("aisfx")
    r = invoke("run", "--detector", "sfx-logreg", "--dataset", "wavefake", "--data-root", _layout().root,
               "--protocol", "random", "--cache-dir", layouts.embedding_cache(), "--results", tmp_path / "res")
    assert r.exit_code == 0, r.output
    (rec,) = [json.loads(p.read_text()) for p in (tmp_path / "res").rglob("*.json") if "runs" in p.parts]
    assert rec["dataset"]["name"] == "wavefake" and rec["metrics"]["eer"] is not None
