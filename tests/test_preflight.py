"""Preflight: everything a run needs is resolved before any audio is decoded, and
everything missing is reported in one error (``fakebench run --check`` prints the plan)."""

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import fakebench
from fakebench.cli import main
from fakebench.config import RunSpec
from fakebench.errors import ConfigError, DatasetError, WeightsError
from fakebench.preflight import PreflightError
from fakebench.requirements import Requirement
from fakebench.registry import Registry
from fakebench.runner import Runner

from conftest import SHARED


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def _clip_paths(root: Path) -> list[Path]:
    return sorted(root.rglob("*.wav"))


def _nothing_decoded(cache: Path, clips: list[Path]) -> None:
    """No embedding, no transcript, and no clip hashed (every decode hashes the file first)."""
    assert not (cache / "emb").exists() and not (cache / "transcripts").exists()
    if (cache / "files.sqlite").exists():
        from fakebench.hashing import FileDigests

        assert FileDigests(cache / "files.sqlite").known(clips) == [None] * len(clips)


# -- three things missing, one error, nothing done ---------------------------------------------------------


@pytest.mark.shared
def test_three_missing_things_in_one_error_before_any_work(small_foley, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    results = blocker / "results"  # cannot be created: its parent is a file (holds even for root)
    cache = tmp_path / "cache"
    t = time.perf_counter()
    with pytest.raises(PreflightError) as e:
        fakebench.run(dataset="foley-demo,itw", train_dataset="foley-demo", detector="aasist",
                      data_root=str(small_foley), cache_dir=str(cache), results_dir=str(results), device="cpu")
    seconds = time.perf_counter() - t
    err = e.value
    message = str(err)
    assert len(err.problems) == 3, message
    assert message.startswith("3 things this run needs are missing")
    # 1. the test set without data, named with its folder
    assert "dataset itw:" in message and str(small_foley) in message
    # 2. the checkpoint, with its file, URL and where to put it
    assert "AASIST.pth" in message and "https://github.com/clovaai/aasist/raw/main/models/weights/AASIST.pth" in message
    assert "put it at" in message
    # 3. the results folder, and why
    assert str(results) in message and "is a file" in message and "--results" in message
    kinds = sorted(p.kind for p in err.problems)
    assert kinds == ["data", "folder", "weights"]
    _nothing_decoded(cache, _clip_paths(small_foley))
    assert seconds < 30


@pytest.mark.shared
def test_three_missing_through_the_cli_exit_2_one_error(small_foley, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    r = invoke("run", "-d", "aasist", "--train-dataset", "foley-demo", "-D", "foley-demo,itw",
               "--data-root", small_foley, "--cache-dir", tmp_path / "cache", "--results", blocker / "results",
               "--device", "cpu")
    assert r.exit_code == 2, r.output
    assert "Traceback" not in r.output
    assert sum(line.startswith("Error:") for line in r.output.splitlines()) == 1
    for needle in ("1. dataset itw:", "2. detector aasist:", "3. run: the results folder", "fix:"):
        assert needle in r.output, (needle, r.output)
    _nothing_decoded(tmp_path / "cache", _clip_paths(small_foley))


def test_one_missing_thing_keeps_its_own_error(tmp_path):
    """Alone, a missing thing raises its own kind of error, as before the preflight."""
    r = CliRunner().invoke(main, ["run", "-d", "logmel-mlp", "-D", "foley-demo", "--data-root", str(tmp_path / "nope")])
    assert r.exit_code == 2 and "does not exist" in r.output and "Traceback" not in r.output
    with pytest.raises(DatasetError, match="does not exist"):
        fakebench.run(dataset="foley-demo", detector="logmel-mlp", data_root=str(tmp_path / "nope"))


def test_unusable_cache_folder_is_reported_with_the_rest(tmp_path):
    blocker = tmp_path / "f"
    blocker.write_text("x")
    with pytest.raises(PreflightError) as e:
        fakebench.run(dataset="foley-demo", detector="logmel-mlp", data_root=str(tmp_path / "nope"),
                      cache_dir=str(blocker / "cache"), results_dir=str(tmp_path / "results"))
    assert {p.kind for p in e.value.problems} == {"data", "cache"}
    assert "--cache-dir" in str(e.value) and str(blocker / "cache") in str(e.value)


def test_a_device_that_is_not_there_is_listed_with_the_rest(tmp_path):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(PreflightError) as e:
        fakebench.run(dataset="foley-demo", detector="logmel-mlp", data_root=str(tmp_path / "nope"), device="cuda")
    assert {p.kind for p in e.value.problems} == {"data", "device"}
    assert "no CUDA GPU" in str(e.value)
    with pytest.raises(ConfigError, match="no CUDA GPU"):  # alone: the device's own error
        fakebench.run(dataset="foley-demo", detector="logmel-mlp", data_root=str(SHARED / "data"), device="cuda")


def test_no_space_is_a_missing_thing(tmp_path):
    from fakebench.preflight import _folder_requirement

    ok = _folder_requirement("cache", tmp_path / "c", 1000, "pass --cache-dir")
    assert ok.present and "will be created" in ok.detail and not (tmp_path / "c").exists()
    full = _folder_requirement("cache", tmp_path, 10**15, "pass --cache-dir")
    assert full.missing and "free" in full.problem and "1000.0 TB" in full.problem


# -- fakebench run --check ------------------------------------------------------------------------------------


@pytest.mark.shared
def test_check_lists_datasets_counts_models_and_sources(small_foley, tmp_path):
    pytest.importorskip("aisfx")
    r = invoke("run", "-d", "sfx-mlp", "-D", "foley-demo", "--data-root", small_foley, "--check",
               "--cache-dir", tmp_path / "cache", "--results", tmp_path / "results", "--device", "cpu")
    assert r.exit_code == 0, r.output
    out = r.output
    assert "foley-demo (train, test)" in out and str(small_foley / "foley") in out
    counts = {s: int(line.split()[1]) for line in out.splitlines() for s in ("train", "val", "eval")
              if line.strip().startswith(s + " ")}
    assert sum(counts.values()) == 40 and set(counts) == {"train", "val", "eval"}
    assert "embedder sfx: aiSFX weights (checkpoint.pth) <- wheel:" in out
    assert "aisfx/models/checkpoint.pth" in out
    assert "embeddings (sfx, clean): 0 of 40 clips" in out
    assert "decode + embed 40 clip(s)" in out and "fit 1 detector(s)" in out
    assert "Nothing is missing" in out
    _nothing_decoded(tmp_path / "cache", _clip_paths(small_foley))
    assert not (tmp_path / "results").exists()
    j = invoke("run", "-d", "sfx-mlp", "-D", "foley-demo", "--data-root", small_foley, "--check", "--json",
               "--cache-dir", tmp_path / "cache", "--results", tmp_path / "results")
    plan = json.loads(j.output)
    assert plan["ok"] and plan["datasets"][0]["counts"]["train"]["n"] == counts["train"]
    assert [m["source"] for m in plan["models"]] == ["installed", "installed", "wheel"]


@pytest.mark.shared
def test_check_counts_cached_embeddings_after_a_run(small_foley, tmp_path):
    args = ["-d", "logmel-mlp", "-D", "foley-demo", "--data-root", small_foley, "--cache-dir", tmp_path / "cache",
            "--results", tmp_path / "results", "--device", "cpu"]
    cold = invoke("run", *args, "--check")
    assert "embeddings (logmel, clean): 0 of 40 clips" in cold.output and "decode + embed 40 clip(s)" in cold.output
    assert "(no model files: this pipeline needs none)" in cold.output
    assert invoke("run", *args, "--set", "epochs=2").exit_code == 0
    warm = invoke("run", *args, "--check")
    assert warm.exit_code == 0
    assert "embeddings (logmel, clean): 40 of 40 clips" in warm.output and "decode + embed 0 clip(s)" in warm.output


def test_check_exits_2_and_lists_what_is_missing(tmp_path):
    r = invoke("run", "-d", "panns-mlp", "-D", "foley-demo", "--data-root", tmp_path / "nope", "--check")
    assert r.exit_code == 2
    assert "MISSING: data root '" in r.output and "fix: pass --data-root DIR" in r.output
    assert "MISSING: embedder panns-cnn14-32k: PANNs Cnn14 (32 kHz) checkpoint" in r.output
    assert "https://zenodo.org/record/3987831/files/Cnn14_mAP%3D0.431.pth" in r.output
    assert "2 thing(s) missing" in r.output and "Error: 2 things this run needs are missing" in r.output


# -- DADA: the text model is checked before Whisper runs ----------------------------------------------------


@pytest.mark.shared
def test_dada_without_its_text_model_fails_at_start_not_after_transcription(tmp_path):
    from plugins.dada import _subset as S  # tests/plugins/dada/_subset.py

    manifest = S.write_manifest(tmp_path / "speech")
    params = S.small_params(text_model="answerdotai/ModernBERT-base")
    cache = tmp_path / "cache"
    spec = RunSpec(dataset="manifest", detector="dada", data_root=str(manifest), cache_dir=str(cache),
                   results_dir=str(tmp_path / "results"), sets=params, device="cpu", length="repeat:2")
    t = time.perf_counter()
    runner = Runner(spec)
    asr = next(m for m in runner.plan.models if m.kind == "asr")
    assert asr.present and asr.source in ("wheel", "hf-cache", "fakebench")  # tiny.en is here...
    text = next(m for m in runner.plan.models if "text model" in m.what)
    assert text.missing and "answerdotai/ModernBERT-base" in text.problem  # ...the text model is not
    assert runner.plan.work["transcribe"] == len(S.rows())
    with pytest.raises(WeightsError, match="ModernBERT-base") as e:
        runner.run()
    assert "huggingface-cli download answerdotai/ModernBERT-base" in e.value.hint
    assert time.perf_counter() - t < 20
    _nothing_decoded(cache, [S.SPEECH / r["path"] for r in S.rows()])  # Whisper never ran


def test_dada_requirements_follow_its_parameters():
    reg = Registry()
    DADA = reg.detector("dada")
    whats = lambda **kw: [r.what for r in DADA(**kw).requirements()]  # noqa: E731
    default = whats()
    assert any("ASR" in w for w in default) and any("text model" in w for w in default)
    assert any("audio model 'facebook/wav2vec2-base'" in w for w in default)
    audio_only = whats(fusion="audio", transcripts="dataset")
    assert not any("ASR" in w or "text model" in w for w in audio_only)
    assert not any("audio model" in w for w in whats(fusion="audio", audio_init="random"))


# -- the requirements contract -----------------------------------------------------------------------------


def test_every_builtin_plugin_declares_its_files_without_loading():
    """requirements() of every built-in embedder and detector, with default parameters:
    Requirement objects, no model loaded (fast), and the files the brief names."""
    reg = Registry()
    found: dict[str, list[Requirement]] = {}
    t = time.perf_counter()
    for kind in ("embedders", "detectors"):
        for name, cls in reg.table(kind).items():
            reqs = cls().requirements()
            assert isinstance(reqs, list) and all(isinstance(r, Requirement) for r in reqs), name
            for r in reqs:
                assert r.what and (r.present or r.problem or r.source == "download"), (name, r)
            found[name] = reqs
    assert time.perf_counter() - t < 20
    names = lambda n: " | ".join(f"{r.what} {r.url or ''}" for r in found[n])  # noqa: E731
    assert "vggish-10086976.pth" in names("vggish") and "vggish_pca_params" in names("vggish")
    assert "CLAP_weights_2023.pth" in names("clap-2023") and "msclap" in names("clap-2023")
    assert "CLAP_weights_2022.pth" in names("clap-2022")
    for n, f in (("panns-cnn14-32k", "Cnn14_mAP"), ("panns-cnn14-16k", "Cnn14_16k"),
                 ("panns-wavegram-logmel", "Wavegram_Logmel")):
        assert f in names(n)
    assert "facebook/wav2vec2-base" in names("wav2vec2") and "openai/whisper-base" in names("whisper")
    assert "pretrained.pt" in names("speaker") and "checkpoint.pth" in names("sfx")
    assert "AASIST.pth" in names("aasist")
    assert "pre_trained_DF_RawNet2.zip" in names("rawnet2")
    assert "pre_trained_LA_LFCC-LCNN.zip" in names("lcnn")
    assert "LA_model.pth" in names("ssl-aasist") and "drive.google.com" in names("ssl-aasist")
    assert "SLS_model.pth" in names("ssl-sls")
    assert "facebook/wav2vec2-xls-r-300m" in names("ssl")
    assert found["mlp"] == [] and found["logmel"] == []


def test_random_weights_and_training_from_scratch_need_no_file():
    reg = Registry()
    assert reg.embedder("wav2vec2")().requirements(weights="random")[-1].source == "random"
    assert reg.detector("aasist")(pretrained="none").requirements() == []
    assert reg.detector("rawnet2")(pretrained="none").requirements() == []
    assert reg.detector("lcnn")(pretrained="none").requirements() == []
    ssl = reg.detector("ssl-aasist")(pretrained="none", frontend="xlsr-300m-missing")
    assert [r.kind for r in ssl.requirements(weights="random")] == ["package"]


@pytest.mark.shared
def test_weights_requirement_finds_the_file_and_checks_it(tmp_path):
    from fakebench.api import WeightsFile, weights_requirement

    aasist = Registry().detector("aasist")
    req = aasist().requirements(weights=str(SHARED / "weights" / "aasist" / "AASIST.pth"))[0]
    assert req.present and req.source == "explicit" and req.where.endswith("AASIST.pth")
    folder = aasist(pretrained="AASIST-L").requirements(weights=str(SHARED / "weights" / "aasist"))[0]
    assert folder.present and "checked" in folder.detail  # a folder: the published sha256 is verified
    bad = tmp_path / "AASIST.pth"
    bad.write_bytes(b"not a checkpoint")
    wrong = weights_requirement(WeightsFile("AASIST.pth", sha256="0" * 64, url="https://x/AASIST.pth"), tmp_path)
    assert wrong.missing and "corrupt" in wrong.problem
    gone = aasist().requirements()[0]
    assert gone.missing and "AASIST.pth" in gone.problem and "put it at" in gone.fix


def test_a_download_counts_only_when_its_url_answers(monkeypatch):
    """Online, a file that is not here is a download; the plan checks its URL first."""
    import socket

    from fakebench.api import WeightsFile, weights_requirement
    from fakebench.preflight import _probe_downloads

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    req = weights_requirement(WeightsFile("x.pth", url=f"http://127.0.0.1:{port}/x.pth", size="1 kB"))
    assert req.source == "download" and req.downloads and not req.missing
    _probe_downloads([req])
    assert req.missing and f"http://127.0.0.1:{port}/x.pth" in req.problem and "cannot be downloaded" in req.problem
