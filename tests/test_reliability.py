"""Bad inputs: every kind ends in a clear one-line error naming the file or option (exit
status 2, no traceback), is skipped and counted under --skip-bad/--allow-missing, or —
when the input is valid but unusual — runs and is reported. None may crash or silently
produce a number. The corpus is generated here; ``test_corpus_size`` keeps count."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner

from fakebench.cli import main

from conftest import write_wav

N_GOOD = 6


@pytest.fixture(autouse=True)
def toy_plugins(monkeypatch):
    monkeypatch.setenv("FAKEBENCH_PLUGINS", "fbtest_plugins")


def corpus(tmp: Path, bad_name: str | None = None, bad_label: str = "fake", extra_rows=(), header="path,label"):
    """N_GOOD real + N_GOOD fake tones, plus one bad entry; returns the manifest path."""
    rows = [header]
    for i in range(N_GOOD):
        write_wav(tmp / f"real{i}.wav", seconds=1.0, freq=300 + 20 * i, seed=i)
        write_wav(tmp / f"fake{i}.wav", seconds=1.0, freq=2000 + 50 * i, seed=100 + i)
        rows += [f"real{i}.wav,real", f"fake{i}.wav,fake"]
    if bad_name:
        rows.append(f"{bad_name},{bad_label}")
    rows += list(extra_rows)
    (tmp / "manifest.csv").write_text("\n".join(rows) + "\n")
    return tmp / "manifest.csv"


def run(manifest, *extra, detector="toy-mlp"):
    args = ["run", "-d", detector, "-D", "manifest", "--data-root", str(manifest), "--set", "epochs=2",
            "--set", "checkpoint_every=1", *extra]
    return CliRunner().invoke(main, args)


def assert_clear_error(result, *needles):
    assert result.exit_code == 2, f"exit {result.exit_code}: {result.output}"
    errors = [l for l in result.output.splitlines() if l.startswith("Error:")]
    assert len(errors) == 1, result.output
    assert "Traceback" not in result.output
    for n in needles:
        assert n in result.output, f"{n!r} not in {result.output!r}"


def assert_ran(result):
    assert result.exit_code == 0, result.output
    assert "| manifest" in result.output


# -- audio files: clear error naming the file, and skipped with --skip-bad ------------------

def _header_only(p):
    sf.write(p, np.zeros(0, np.float32), 16000)


def _truncated_flac(p):
    write_wav(p.with_suffix(".tmp.flac"), seconds=2.0)
    data = p.with_suffix(".tmp.flac").read_bytes()
    p.write_bytes(data[: len(data) // 2])


def _truncated_wav(p):
    write_wav(p, seconds=2.0)
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])


def _nan(p):
    x = np.zeros(16000, np.float32)
    x[100] = np.nan
    sf.write(p, x, 16000, subtype="FLOAT")


def _inf(p):
    x = np.zeros(16000, np.float32)
    x[5] = np.inf
    sf.write(p, x, 16000, subtype="FLOAT")


def _bad_mp3(p):
    p.write_bytes(b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\x00garbage" * 50)


def _riff_garbage(p):
    p.write_bytes(b"RIFF" + struct.pack("<I", 100) + b"WAVEfmt " + os.urandom(40))


BAD_AUDIO = {
    "empty file": ("bad.wav", lambda p: p.write_bytes(b""), "empty"),
    "header-only wav": ("bad.wav", _header_only, "no samples"),
    "truncated flac": ("bad.flac", _truncated_flac, "cannot decode"),
    "truncated wav": ("bad.wav", _truncated_wav, "truncated"),
    "non-audio bytes named .wav": ("bad.wav", lambda p: p.write_bytes(b"<html>not audio</html>" * 20), "cannot decode"),
    "riff header with garbage": ("bad.wav", _riff_garbage, "bad.wav"),
    "nan samples": ("bad.wav", _nan, "NaN"),
    "inf samples": ("bad.wav", _inf, "infinite"),
    "mp3 that cannot be decoded": ("bad.mp3", _bad_mp3, "MP3"),
    "path is a directory": ("bad.wav", lambda p: p.mkdir(), "bad.wav"),
    "symlink to a missing file": ("bad.wav", lambda p: p.symlink_to(p.parent / "gone.wav"), "bad.wav"),
}


@pytest.mark.parametrize("kind", sorted(BAD_AUDIO))
def test_bad_audio_is_a_clear_error_or_skipped(kind, tmp_path):
    name, make, needle = BAD_AUDIO[kind]
    make(tmp_path / name)
    manifest = corpus(tmp_path, name)
    if kind in ("path is a directory", "symlink to a missing file"):
        # the manifest check sees these before any decoding
        assert_clear_error(run(manifest), name)
        return
    assert_clear_error(run(manifest), name, needle)
    ok = run(manifest, "--skip-bad")
    assert_ran(ok)
    assert "1 clip(s) skipped as unreadable" in ok.output


def test_three_hour_file(tmp_path):
    path = tmp_path / "long.wav"
    with sf.SoundFile(path, "w", samplerate=8000, channels=1, subtype="PCM_16") as f:
        block = (0.1 * np.sin(np.arange(8000 * 60) / 5)).astype(np.float32)
        for _ in range(180):
            f.write(block)
    manifest = corpus(tmp_path, "long.wav")
    assert_clear_error(run(manifest), "long.wav", "180.0 minutes", "--length crop:N")
    assert_ran(run(manifest, "--length", "crop:2"))


# -- unusual but valid audio: runs, and is reported where it matters ------------------------

VALID_AUDIO = {
    "8-bit wav": lambda p: write_wav(p, subtype="PCM_U8"),
    "24-bit wav": lambda p: write_wav(p, subtype="PCM_24"),
    "float wav": lambda p: write_wav(p, subtype="FLOAT"),
    "stereo": lambda p: write_wav(p, channels=2),
    "6-channel": lambda p: write_wav(p, channels=6),
    "8 kHz": lambda p: write_wav(p, sr=8000),
    "96 kHz": lambda p: write_wav(p, sr=96000),
    "flac named .wav": lambda p: sf.write(p, np.zeros(8000, np.float32) + 0.1, 16000, format="FLAC"),
    "real mp3": lambda p: sf.write(p.with_suffix(".mp3"), (0.2 * np.sin(np.arange(16000) / 3)).astype(np.float32),
                                   16000),
}


@pytest.mark.parametrize("kind", sorted(VALID_AUDIO))
def test_unusual_valid_audio_runs(kind, tmp_path):
    name = "odd.mp3" if kind == "real mp3" else "odd.wav"
    VALID_AUDIO[kind](tmp_path / "odd.wav")
    assert_ran(run(corpus(tmp_path, name)))


def test_all_zero_clip_runs_and_is_reported(tmp_path):
    sf.write(tmp_path / "zero.wav", np.zeros(16000, np.float32), 16000)
    r = run(corpus(tmp_path, "zero.wav"))
    assert_ran(r)
    assert "1 clip(s) are digital silence" in r.output


def test_clip_shorter_than_model_window_is_padded_and_reported(tmp_path):
    pytest.importorskip("aisfx")
    write_wav(tmp_path / "short.wav", seconds=0.05)
    r = run(corpus(tmp_path, "short.wav"), detector="sfx-mlp")
    assert_ran(r)
    assert "were zero-padded" in r.output


# -- datasets -------------------------------------------------------------------------------

def test_missing_data_folder(tmp_path):
    r = CliRunner().invoke(main, ["run", "-d", "toy-mlp", "-D", "manifest", "--data-root", str(tmp_path / "gone")])
    assert_clear_error(r, "gone")


def test_row_with_too_few_fields(tmp_path):
    assert_clear_error(run(corpus(tmp_path, extra_rows=["real0.wav"])), "manifest.csv:14", "label")


def test_row_with_too_many_fields(tmp_path):
    assert_clear_error(run(corpus(tmp_path, extra_rows=["real0.wav,real,extra"])), "manifest.csv:14", "more fields")


def test_unknown_label_word(tmp_path):
    write_wav(tmp_path / "x.wav")
    assert_clear_error(run(corpus(tmp_path, "x.wav", bad_label="maybe")), "manifest.csv:14", "unknown label 'maybe'")


def test_file_listed_twice(tmp_path):
    assert_clear_error(run(corpus(tmp_path, extra_rows=["real0.wav,real"])), "repeats id", "manifest.csv:14")


def test_file_listed_but_absent(tmp_path):
    manifest = corpus(tmp_path, "absent.wav")
    assert_clear_error(run(manifest), "absent.wav", "--allow-missing")
    r = run(manifest, "--allow-missing")
    assert_ran(r)
    assert "skipped 1 missing" in r.output


def test_empty_manifest(tmp_path):
    (tmp_path / "manifest.csv").write_text("path,label\n")
    assert_clear_error(run(tmp_path / "manifest.csv"), "lists no usable clips")


def split_manifest(tmp: Path, entries) -> Path:
    """A manifest with a split column: one tone per (label, split) entry."""
    rows = ["path,label,split"]
    for i, (label, split) in enumerate(entries):
        write_wav(tmp / f"{i}.wav", seed=i, freq=300 + 300 * (label == "real"))
        rows.append(f"{i}.wav,{label},{split}")
    (tmp / "manifest.csv").write_text("\n".join(rows) + "\n")
    return tmp / "manifest.csv"


def test_empty_split(tmp_path):
    manifest = split_manifest(tmp_path, [("real", "train"), ("fake", "train")] * 2)
    assert_clear_error(run(manifest), "empty eval split")


def test_only_one_class_in_training(tmp_path):
    manifest = split_manifest(tmp_path, [("fake", "train")] * 8 + [("real", "eval"), ("fake", "eval")])
    assert_clear_error(run(manifest), "only fake clips")


def test_only_one_class_in_eval_says_eer_is_undefined(tmp_path):
    manifest = split_manifest(tmp_path, [("real", "train"), ("fake", "train")] * 4 + [("fake", "eval")] * 3)
    r = run(manifest)
    assert r.exit_code == 0, r.output
    assert "eer: EER is undefined: the scores hold only fake clips" in r.output


# -- plugins and configuration --------------------------------------------------------------

def test_unknown_plugin_name(tmp_path):
    assert_clear_error(run(corpus(tmp_path), detector="toy-mpl"), "toy-mlp")


def test_plugin_that_raises_in_load(tmp_path):
    assert_clear_error(run(corpus(tmp_path), detector="broken-mlp"), "broken", "failed to load")


def test_unknown_set_key(tmp_path):
    assert_clear_error(run(corpus(tmp_path), "--set", "epoch=3"), "epoch")


def test_invalid_length_policy(tmp_path):
    assert_clear_error(run(corpus(tmp_path), "--length", "crop:abc"), "crop:abc")


def test_cuda_without_gpu(tmp_path):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    assert_clear_error(run(corpus(tmp_path), "--device", "cuda"), "--device cuda")


def test_malformed_config_file(tmp_path):
    (tmp_path / "bad.toml").write_text("[detector\nepochs = ")
    assert_clear_error(run(corpus(tmp_path), "--config", str(tmp_path / "bad.toml")), "bad.toml", "TOML")


def test_config_file_is_data_not_code(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "c.toml").write_text('[detector]\nepochs = "__import__(\'os\').system(\'touch pwned\')"\n')
    r = CliRunner().invoke(main, ["run", "-d", "toy-mlp", "-D", "manifest", "--data-root", str(corpus(tmp_path)),
                                  "--config", str(tmp_path / "c.toml")])
    assert_clear_error(r, "mlp: parameter epochs=", "must be an integer")
    assert not (tmp_path / "pwned").exists()


def test_wrongly_typed_parameter(tmp_path):
    assert_clear_error(run(corpus(tmp_path), "--set", "lr=fast"), "mlp: parameter lr='fast'", "must be a number")


def test_corrupt_cache_entry_is_recomputed(tmp_path):
    manifest = corpus(tmp_path)
    cache = tmp_path / "cache"
    assert_ran(run(manifest, "--cache-dir", str(cache)))
    shards = list((cache / "emb").rglob("*.npz"))
    assert shards
    for s in shards:
        s.write_bytes(b"PK\x03\x04 corrupt")
    r = run(manifest, "--cache-dir", str(cache))
    assert_ran(r)
    assert any(p.name.count(".corrupt-") for p in (cache / "emb").rglob("*"))


def test_corrupt_saved_detector(tmp_path):
    (tmp_path / "model.pt").write_bytes(b"not a torch file")
    write_wav(tmp_path / "a.wav")
    r = CliRunner().invoke(main, ["score", "--model", str(tmp_path / "model.pt"), str(tmp_path / "a.wav")])
    assert_clear_error(r, "model.pt", "corrupt")


def test_embedder_dim_does_not_match_saved_detector(tmp_path):

    from fakebench.persist import save_detector
    from fakebench.plugins.detectors.mlp import MLP

    det = MLP(epochs=1).fit(np.random.rand(10, 5).astype(np.float32), np.array([0, 1] * 5))
    meta = {"pipeline": {"embedder": {"name": "toy", "params": {}, "weights": "none", "dim": 5}}, "length": "full"}
    save_detector(tmp_path / "m.pt", det, meta)
    write_wav(tmp_path / "a.wav")
    r = CliRunner().invoke(main, ["score", "--model", str(tmp_path / "m.pt"), str(tmp_path / "a.wav")])
    assert_clear_error(r, "dim")


def test_corrupt_results_index(tmp_path):
    manifest = corpus(tmp_path)
    results = tmp_path / "results"
    assert_ran(run(manifest, "--results", str(results)))
    (results / "index.sqlite").write_bytes(b"garbage" * 100)
    for suffix in ("-wal", "-shm"):
        p = results / f"index.sqlite{suffix}"
        if p.exists():
            p.unlink()
    r = CliRunner().invoke(main, ["leaderboard", "--results", str(results)])
    assert_clear_error(r, "index.sqlite", "fakebench results rebuild")
    assert CliRunner().invoke(main, ["results", "rebuild", "--results", str(results)]).exit_code == 0
    assert "toy-mlp" in CliRunner().invoke(main, ["leaderboard", "--results", str(results)]).output


def test_corpus_size():
    """Kinds of bad or unusual input tried in this file (the issue asks for >= 30)."""
    named_tests = [n for n in globals() if n.startswith("test_") and n not in (
        "test_bad_audio_is_a_clear_error_or_skipped", "test_unusual_valid_audio_runs", "test_corpus_size")]
    assert len(BAD_AUDIO) + len(VALID_AUDIO) + len(named_tests) >= 30
