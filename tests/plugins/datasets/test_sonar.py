"""sonar on a tiny SONAR_dataset/ (real_samples/ and generator folders with repeated file names)."""

import json
import shutil

import pytest
from click.testing import CliRunner
from fakebench.cli import main
from fakebench.errors import DatasetError
from fakebench.plugins.datasets.sonar import Sonar
from fakebench.testing import parametrize_with_checks

from . import layouts

pytestmark = pytest.mark.shared


def _layout():
    return layouts.cached("sonar")


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@parametrize_with_checks(lambda: Sonar(root=str(_layout().root)), kind="dataset")
def test_conformance(factory, check, shared):
    check(factory)


def test_every_clip_in_eval(shared):
    lay = _layout()
    splits = Sonar(root=str(lay.root)).load()
    assert not splits["train"] and not splits["val"]
    got = {c.id: c for c in splits["eval"]}
    assert set(got) == set(lay.expected)
    for cid, e in lay.expected.items():
        assert (got[cid].label, got[cid].system, got[cid].speaker) == (e["label"], e["system"], e["speaker"]), cid
    assert got["AudioGen/68"].path != got["FlashSpeech/68"].path  # one name, two generators
    assert {c.split for c in splits["eval"]} == {"eval"}


def test_random_protocol_is_seeded_and_stratified(shared):
    a = Sonar(root=str(_layout().root), protocol="random", seed=4).load()
    b = Sonar(root=str(_layout().root), protocol="random", seed=4).load()
    assert {k: [c.id for c in v] for k, v in a.items()} == {k: [c.id for c in v] for k, v in b.items()}
    assert {c.label for c in a["train"]} == {0, 1}


def test_root_may_be_the_dataset_folder(shared):
    assert len(Sonar(root=str(_layout().root / "SONAR_dataset")).load()["eval"]) == len(_layout().expected)


def test_missing_real_samples_and_generators(shared, tmp_path):
    with pytest.raises(DatasetError, match=r"SONAR_dataset/real_samples' is missing") as e:
        Sonar(root=str(tmp_path)).load()
    assert "Jessegator/SONAR" in e.value.hint
    shutil.copytree(_layout().root / "SONAR_dataset" / "real_samples", tmp_path / "SONAR_dataset" / "real_samples")
    with pytest.raises(DatasetError, match="no generator folders"):
        Sonar(root=str(tmp_path)).load()


def test_cli_info(shared):
    r = invoke("info", "sonar", "--data-root", _layout().root)
    assert r.exit_code == 0, r.output
    assert "eval       15 clips: 6 real, 9 fake" in r.output
    assert "system: AudioGen 2, FlashSpeech 2, OpenAI_fixed 2, VALLE 1, xTTS 2" in r.output


@pytest.mark.weights
def test_cli_cross_run_scores_the_whole_set(shared, tmp_path):
    pytest.importorskip("aisfx")
    r = invoke("run", "--detector", "sfx-logreg", "--train-dataset", "manifest", "--set",
               f"manifest={layouts.speech_train_manifest()}", "--dataset", "sonar", "--data-root", _layout().root,
               "--cache-dir", layouts.embedding_cache(), "--results", tmp_path / "res")
    assert r.exit_code == 0, r.output
    (rec,) = [json.loads(p.read_text()) for p in (tmp_path / "res").rglob("*.json") if "runs" in p.parts]
    assert rec["dataset"]["name"] == "sonar" and rec["dataset"]["counts"]["eval"]["n"] == 15
