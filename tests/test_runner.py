"""The runner end to end on real audio: sfx embeddings of real Foley clips + the MLP."""


import numpy as np
import pytest

import fakebench
from fakebench.errors import ConfigError, DatasetError, UnknownPluginError
from fakebench.results import ResultStore

pytestmark = [pytest.mark.shared, pytest.mark.weights]
pytest.importorskip("aisfx")


def _run(root, tmp_path, **kw):
    opts = dict(data_root=str(root), cache_dir=str(tmp_path / "cache"), results_dir=str(tmp_path / "results"),
                sets={"epochs": 20}, device="cpu")
    opts.update(kw)
    return fakebench.run(dataset="foley-demo", detector="sfx-mlp", **opts)


def test_run_writes_a_complete_record(small_foley, tmp_path):
    (rec,) = _run(small_foley, tmp_path)
    assert rec["schema"] == "fakebench.result/1"
    assert rec["pipeline"]["embedder"]["name"] == "sfx" and rec["pipeline"]["detector"]["params"]["epochs"] == 20
    assert rec["pipeline"]["embedder"]["weights"] == "499ea75909c932a2"
    assert set(rec["metrics"]) >= {"eer", "accuracy", "f1"}
    assert all(v is None or 0 <= v <= 1 for v in rec["metrics"].values())
    assert rec["dataset"]["counts"]["train"]["n"] + rec["dataset"]["counts"]["val"]["n"] + rec["dataset"]["counts"]["eval"]["n"] == 40
    assert "class" in rec["breakdowns"] and "system" in rec["breakdowns"]
    assert len(rec["training"]["history"]) == 20
    assert rec["environment"]["torch"] and rec["environment"]["fakebench"]
    assert sum(map(sum, rec["confusion"])) == rec["dataset"]["counts"]["eval"]["n"]
    store = ResultStore(tmp_path / "results")
    rows = store.scores(store.records()[0])
    assert {r["split"] for r in rows} == {"eval", "val"}
    assert (tmp_path / "results" / rec["model_file"]).exists()


def test_second_run_reuses_cached_embeddings(small_foley, tmp_path, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="fakebench")
    (a,) = _run(small_foley, tmp_path)
    assert a["extraction"]["embedding"]["computed"] == 40
    caplog.clear()
    (b,) = _run(small_foley, tmp_path)
    assert b["extraction"]["embedding"]["computed"] == 0 and b["extraction"]["embedding"]["cached"] == 40
    assert "all 40 clips from cache (1 file read" in caplog.text
    assert a["metrics"] == b["metrics"]


def test_several_seeds_share_a_group(small_foley, tmp_path):
    recs = _run(small_foley, tmp_path, seeds=[0, 1, 2], sets={"epochs": 10})
    assert len({r["group_key"] for r in recs}) == 1
    assert [r["seed"] for r in recs] == [0, 1, 2]
    from fakebench.report.render import render

    assert " ± " in render(recs)


def test_bad_clip_stops_with_a_clear_error_and_keeps_work(small_foley, tmp_path):
    import re

    bad = sorted((small_foley / "foley").rglob("*.wav"))[20]
    bad.write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk")
    with pytest.raises(fakebench.errors.AudioError, match=bad.name) as e:
        _run(small_foley, tmp_path, batch_size=1, num_workers=0)
    saved = int(re.search(r"\[(\d+) embeddings computed before it are saved\]", str(e.value)).group(1))
    (rec,) = _run(small_foley, tmp_path, skip_bad=True)
    assert rec["extraction"]["embedding"]["skipped"] == 1
    assert rec["extraction"]["embedding"]["computed"] == 39 - saved  # nothing computed before the error is redone
    assert any("skipped" in w for w in rec["warnings"])


def test_unknown_set_key_is_clear(small_foley, tmp_path):
    with pytest.raises(ConfigError, match="epoch"):
        _run(small_foley, tmp_path, sets={"epoch": 3})


def test_cuda_without_gpu_is_clear(small_foley, tmp_path):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(ConfigError, match="no CUDA GPU"):
        _run(small_foley, tmp_path, device="cuda")


def test_unknown_dataset(tmp_path):
    with pytest.raises(UnknownPluginError, match="foley-demo"):
        fakebench.run(dataset="foley-dem", detector="sfx-mlp")


def test_saved_detector_scores_new_files(small_foley, tmp_path):
    from fakebench.inference import score_files

    (rec,) = _run(small_foley, tmp_path)
    model = tmp_path / "results" / rec["model_file"]
    files = sorted((small_foley / "foley").rglob("*.wav"))[:3]
    verdicts = score_files(model, files)
    assert len(verdicts) == 3 and all(0 <= v.probability <= 1 for v in verdicts)
    store = ResultStore(tmp_path / "results")
    stored = {r["id"]: float(r["score"]) for r in store.scores(store.records()[0])}
    rel = str(files[0].relative_to(small_foley / "foley"))
    if rel in stored:
        assert verdicts[0].score == pytest.approx(stored[rel], rel=1e-4, abs=1e-4)


def test_identical_run_reuses_the_fit(small_foley, tmp_path, monkeypatch):
    monkeypatch.setattr("fakebench.provenance.git_sha", lambda: "0" * 40)
    (a,) = _run(small_foley, tmp_path)
    assert a["training"]["reused_fit"] is False
    (b,) = _run(small_foley, tmp_path)
    assert b["training"]["reused_fit"] is True
    assert b["metrics"] == a["metrics"] and b["training"]["history"] == a["training"]["history"]
    (c,) = _run(small_foley, tmp_path, reuse_fits=False)  # --retrain
    assert c["training"]["reused_fit"] is False and c["metrics"] == a["metrics"]
    (d,) = _run(small_foley, tmp_path, seeds=[1])
    assert d["training"]["reused_fit"] is False
    (e,) = _run(small_foley, tmp_path, sets={"epochs": 21})
    assert e["training"]["reused_fit"] is False


def test_fit_is_not_reused_when_the_training_audio_changed(small_foley, tmp_path, monkeypatch):
    import soundfile as sf

    monkeypatch.setattr("fakebench.provenance.git_sha", lambda: "0" * 40)
    _run(small_foley, tmp_path)
    for wav in sorted((small_foley / "foley").rglob("*.wav"))[:5]:
        x, sr = sf.read(wav)
        sf.write(wav, x * 0.5, sr)
    (rec,) = _run(small_foley, tmp_path)
    assert rec["training"]["reused_fit"] is False


def test_fit_is_never_reused_from_a_modified_checkout(small_foley, tmp_path, monkeypatch):
    monkeypatch.setattr("fakebench.provenance.git_sha", lambda: "0" * 40 + "-dirty")
    _run(small_foley, tmp_path)
    (rec,) = _run(small_foley, tmp_path)
    assert rec["training"]["reused_fit"] is False


def test_one_file_in_two_splits_is_refused(tmp_path, shared):
    """A manifest listing one file in train and again in eval, through a link, would inflate
    every score: refused, naming both clips (the manifest reader already drops a repeated
    path)."""
    import csv

    rows = list(csv.DictReader(open(shared / "data" / "foley" / "manifest.csv")))
    real = [r for r in rows if r["label"] == "real"][:6]
    fake = [r for r in rows if r["label"] == "fake"][:6]
    out = []
    for i, r in enumerate(real + fake):
        out.append({"id": f"c{i}", "path": str(shared / "data" / "foley" / r["path"]), "label": r["label"],
                    "split": ("train", "train", "train", "val", "eval", "eval")[i % 6]})
    link = tmp_path / "link.wav"
    link.symlink_to(out[0]["path"])
    out.append({**out[0], "id": "copy-of-c0", "path": str(link), "split": "eval"})
    path = tmp_path / "m.csv"
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(out[0]))
        w.writeheader()
        w.writerows(out)
    with pytest.raises(DatasetError, match="same audio is in two splits.*'c0'.*'copy-of-c0'"):
        fakebench.run(dataset="manifest", detector="mfcc-logreg", data_root=str(path),
                      results_dir=str(tmp_path / "r"), cache_dir=str(tmp_path / "c"))


def test_constant_scores_are_warned_about_in_the_record(small_foley, tmp_path, monkeypatch):
    import sys
    from pathlib import Path

    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    monkeypatch.setenv("FAKEBENCH_PLUGINS", "fbtest_plugins")
    sys.modules.pop("fbtest_plugins", None)
    rec = fakebench.run(dataset="foley-demo", detector="mfcc-constant", data_root=str(small_foley),
                        results_dir=str(tmp_path / "r"), cache_dir=str(tmp_path / "c"))[0]
    assert any("scores" in w and "are equal (0.5)" in w for w in rec["warnings"])
    ok = fakebench.run(dataset="foley-demo", detector="mfcc-logreg", data_root=str(small_foley),
                       results_dir=str(tmp_path / "r"), cache_dir=str(tmp_path / "c"))[0]
    assert not any("are equal" in w for w in ok["warnings"])


# -- issue 20: each clip scored once, warm re-runs without the network, memory ------------------


@pytest.fixture
def probe_plugins(monkeypatch):
    import sys
    from pathlib import Path

    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    monkeypatch.setenv("FAKEBENCH_PLUGINS", "fbtest_plugins")
    sys.modules.pop("fbtest_plugins", None)
    import fbtest_plugins

    fbtest_plugins.LoudnessProbe.decoded = 0
    fbtest_plugins.LoudnessProbe.batches = []
    return fbtest_plugins.LoudnessProbe


def test_a_warm_rerun_of_an_audio_detector_scores_no_clip(small_foley, tmp_path, probe_plugins, monkeypatch):
    monkeypatch.setattr("fakebench.provenance.git_sha", lambda: "0" * 40)  # a clean checkout: fits are cached
    kw = dict(dataset="foley-demo", detector="loudness-probe", data_root=str(small_foley),
              results_dir=str(tmp_path / "r"), cache_dir=str(tmp_path / "c"))
    first = fakebench.run(**kw)[0]
    cold = probe_plugins.decoded
    counts = first["dataset"]["counts"]
    assert cold == counts["eval"]["n"] + counts["val"]["n"]  # each clip through the detector once
    second = fakebench.run(**kw)[0]
    assert probe_plugins.decoded == cold, "the warm run decoded audio again"
    assert second["metrics"] == first["metrics"] and second["run_id"] != first["run_id"]
    # another length policy is another input: scored again
    fakebench.run(**kw, length="repeat:0.5")
    assert probe_plugins.decoded > cold


def test_the_eval_batch_follows_the_memory_budget_and_the_record_has_peak_memory(small_foley, tmp_path,
                                                                                 probe_plugins):
    kw = dict(dataset="foley-demo", detector="loudness-probe", data_root=str(small_foley),
              results_dir=str(tmp_path / "r"), no_cache=True)
    rec = fakebench.run(**kw)[0]
    assert set(probe_plugins.batches) == {512 // 100}  # 100 MiB per second of audio, 1-s clips, 512 MiB default
    assert rec["resources"]["peak_rss_mb"] > 50
    probe_plugins.batches.clear()
    fakebench.run(**kw, max_memory="64G")
    assert set(probe_plugins.batches) == {16}  # the detector's default is the ceiling
    probe_plugins.batches.clear()
    fakebench.run(**kw, sets=["eval_batch_size=3"])
    assert set(probe_plugins.batches) == {3}  # a batch the user set is kept


def test_a_warm_rerun_with_a_cached_fit_and_scores_never_rebuilds_the_detector(small_foley, tmp_path, monkeypatch):
    from pathlib import Path

    from fakebench.persist import load_detector
    from fakebench.registry import Registry

    monkeypatch.setattr("fakebench.provenance.git_sha", lambda: "0" * 40)  # a clean checkout: fits are cached
    kw = dict(dataset="foley-demo", detector="mfcc-logreg", data_root=str(small_foley),
              results_dir=str(tmp_path / "r"), cache_dir=str(tmp_path / "c"))
    first = fakebench.run(**kw)[0]
    cls = Registry().detector("logreg")
    calls = []

    def refused(name):
        def method(self, *a, **k):
            calls.append(name)
            raise AssertionError(f"the warm run called {name}")
        return method

    monkeypatch.setattr(cls, "set_state", refused("set_state"))
    monkeypatch.setattr(cls, "decision_function", refused("decision_function"))
    second = fakebench.run(**kw)[0]
    assert not calls
    assert second["training"]["reused_fit"] and second["metrics"] == first["metrics"]
    assert second["pipeline"] == first["pipeline"] and second["threshold"] == first["threshold"]
    # the run's model file, written from the cached fit, holds this run's meta and scores as the first run's
    monkeypatch.undo()
    root = Path(kw["results_dir"])
    det, meta = load_detector(root / second["model_file"])
    first_det, first_meta = load_detector(root / first["model_file"])
    assert meta["run_id"] == second["run_id"] and first_meta["run_id"] == first["run_id"]
    x = np.random.default_rng(0).normal(size=(5, first_det.coef_.shape[0]))
    assert np.array_equal(det.decision_function(x), first_det.decision_function(x))


def test_the_first_warm_rerun_of_aasist_builds_no_network(shared, tmp_path, monkeypatch):
    """AASIST scores val inside fit (val_scores_): those scores are cached with the fit, so
    even the first warm re-run neither builds the network nor reads its state."""
    import csv

    weights = shared / "weights" / "aasist" / "AASIST.pth"
    if not weights.is_file():
        pytest.skip("the released AASIST checkpoint is not in the shared folder")
    monkeypatch.setattr("fakebench.provenance.git_sha", lambda: "0" * 40)
    with open(shared / "data" / "speech" / "manifest.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    real, fake = [r for r in rows if r["label"] == "real"], [r for r in rows if r["label"] == "fake"]
    picked = [r for pair in zip(real, fake) for r in pair][:12]
    manifest = tmp_path / "m.csv"
    with open(manifest, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["path", "label", "split"])
        w.writeheader()
        for i, r in enumerate(picked):
            w.writerow({"path": str(shared / "data" / "speech" / r["path"]), "label": r["label"],
                        "split": "train" if i < 4 else "val" if i < 8 else "eval"})
    kw = dict(dataset="manifest", detector="aasist", data_root=str(manifest), weights=str(weights),
              length="repeat:0.5", results_dir=str(tmp_path / "r"), cache_dir=str(tmp_path / "c"))
    first = fakebench.run(**kw)[0]
    from fakebench.plugins.detectors import _aasist_net

    def refused(*a, **k):
        raise AssertionError("the warm run built the AASIST network")

    monkeypatch.setattr(_aasist_net.AASISTNet, "__init__", refused)
    second = fakebench.run(**kw)[0]
    assert second["training"]["reused_fit"] and second["metrics"] == first["metrics"]


def test_a_corrupt_cached_fit_costs_the_model_file_not_the_run(small_foley, tmp_path, monkeypatch):
    monkeypatch.setattr("fakebench.provenance.git_sha", lambda: "0" * 40)  # a clean checkout: fits are cached
    kw = dict(dataset="foley-demo", detector="mfcc-logreg", data_root=str(small_foley),
              results_dir=str(tmp_path / "r"), cache_dir=str(tmp_path / "c"))
    first = fakebench.run(**kw)[0]
    fits = list((tmp_path / "c" / "fits").glob("*.pt"))
    assert len(fits) == 1
    fits[0].write_bytes(fits[0].read_bytes()[:100])  # truncated on disk
    second = fakebench.run(**kw)[0]
    assert second["metrics"] == first["metrics"] and "model_file" not in second
    assert any("cached fit is unreadable" in w for w in second["warnings"])
    assert not list((tmp_path / "c" / "fits").iterdir())  # removed: the next run fits again
    third = fakebench.run(**kw)[0]
    assert not third["training"]["reused_fit"] and "model_file" in third
