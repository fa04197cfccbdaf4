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


# -- second pass (fakebench issue 19) -----------------------------------------------------------
# -- parameters are checked against their declared ranges before any work -----------------------

PARAM_CASES = {
    "lr=NaN": (("--set", "lr=NaN"), ("mlp: parameter lr='NaN'", "must be a number in (0, 10]")),
    "epochs=Infinity": (("--set", "epochs=Infinity"), ("mlp: parameter epochs='Infinity'", "an integer in [1, 100000]")),
    "epochs=null": (("--set", "epochs=null"), ("mlp: parameter epochs=None", "an integer in [1, 100000]")),
    "hidden=[-5]": (("--set", "hidden=[-5]"), ("mlp: parameter hidden=[-5]", "a list of an integer in [1, 65536]")),
    "checkpoint_every=0": (("--set", "checkpoint_every=0"), ("mlp: parameter checkpoint_every=0", "[1, 100000]")),
    "batch_size=0": (("--set", "batch_size=0"), ("mlp: parameter batch_size=0", "[1, 100000]")),
    "dropout=1.5": (("--set", "dropout=1.5"), ("mlp: parameter dropout=1.5", "[0, 1)")),
    "random_state=-3": (("--set", "random_state=-3"), ("mlp: parameter random_state=-3", "[0, 4294967295]")),
    "length crop:1e-9": (("--length", "crop:1e-9"), ("crop:1e-9", "at least")),
    "length pad:1e9": (("--length", "pad:1e9"), ("pad:1e9", "at most 1200 seconds", "FAKEBENCH_MAX_DURATION")),
    "batch-size -5": (("--batch-size", "-5"), ("--batch-size -5", ">= 1")),
    "workers -1": (("--workers", "-1"), ("--workers -1", ">= 0")),
    # degenerate training: refused by the ranges, not recorded as "loss 0.0000"
    "epochs=0": (("--set", "epochs=0"), ("mlp: parameter epochs=0",)),
    "batch_size=-1": (("--set", "batch_size=-1"), ("mlp: parameter batch_size=-1",)),
    "hidden=[0]": (("--set", "hidden=[0]"), ("mlp: parameter hidden=[0]",)),
}


@pytest.mark.parametrize("kind", sorted(PARAM_CASES))
def test_bad_parameter_is_one_error_naming_it(kind, tmp_path):
    extra, needles = PARAM_CASES[kind]
    results = tmp_path / "results"
    assert_clear_error(run(corpus(tmp_path), *extra, "--results", str(results)), *needles)
    assert not (results / "runs").exists() or not list((results / "runs").glob("*.json"))


def test_max_duration_variable_is_checked(tmp_path, monkeypatch):
    monkeypatch.setenv("FAKEBENCH_MAX_DURATION", "lots")
    assert_clear_error(run(corpus(tmp_path), "--length", "crop:2"), "FAKEBENCH_MAX_DURATION='lots'")


def test_training_loops_refuse_degenerate_fits():
    import torch

    from fakebench.errors import ConfigError
    from fakebench.training import degenerate_scores, train_binary

    x, y = torch.randn(8, 3), torch.tensor([0, 1] * 4)
    for kw, needle in ((dict(epochs=0), "epochs=0"), (dict(batch_size=0), "batch_size=0"),
                       (dict(checkpoint_every=0), "checkpoint_every=0")):
        args = {**dict(epochs=1, batch_size=4, lr=1e-3, seed=0), **kw}
        with pytest.raises(ConfigError, match=needle):
            train_binary(torch.nn.Linear(3, 1), x, y, None, None, **args)
    with pytest.raises(ConfigError, match="empty"):
        train_binary(torch.nn.Linear(3, 1), x[:0], y[:0], None, None, epochs=1, batch_size=4, lr=1e-3, seed=0)
    assert "all 4 scores" in degenerate_scores([0.3] * 4, [0, 1, 0, 1])
    assert "NaN" in degenerate_scores([0.1, float("nan")])
    assert degenerate_scores([0.1, 0.2]) is None and degenerate_scores([]) is None


# -- text files in other encodings ----------------------------------------------------------------


def test_latin1_manifest_names_file_line_and_offset(tmp_path):
    m = corpus(tmp_path)
    write_wav(tmp_path / "café.wav")
    m.write_bytes(m.read_bytes() + "café.wav,real\n".encode("latin-1"))
    assert_clear_error(run(m), "manifest.csv", "byte 0xe9", "line 14", "UTF-8")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-8-sig"])
def test_manifest_with_a_byte_order_mark_runs(encoding, tmp_path):
    m = corpus(tmp_path)
    m.write_bytes(m.read_text().encode(encoding))
    assert_ran(run(m))


def test_utf16_manifest_without_bom_is_named(tmp_path):
    m = corpus(tmp_path)
    m.write_bytes(m.read_text().encode("utf-16-le"))
    assert_clear_error(run(m), "manifest.csv", "NUL", "byte-order mark")


def test_protocol_and_table_encodings(tmp_path):
    from fakebench.data.protocol_tables import iter_csv, iter_lines
    from fakebench.errors import ConfigError, DatasetError
    from fakebench.stats import systems_table

    p = tmp_path / "protocol.txt"
    p.write_bytes(b"LA_0079 LA_T_1 - - bonafide\n" * 3 + "LA_0080 LA_T_\xe9 - A01 spoof\n".encode("latin-1"))
    with pytest.raises(DatasetError, match=r"^asvspoof: .*protocol.txt' is not UTF-8 text: byte 0xe9") as e:
        list(iter_lines(p, dataset="asvspoof"))
    assert "offset 97 (line 4)" in e.value.message
    p.write_bytes("file,label\na.wav,real\n".encode("utf-16"))
    assert [r for _, r in iter_csv(p, dataset="x")] == [{"file": "a.wav", "label": "real"}]
    p.write_text("file,label,label\na.wav,real,fake\n")
    with pytest.raises(DatasetError, match="two columns named 'label'"):
        list(iter_csv(p, dataset="x"))
    t = tmp_path / "fad.csv"
    t.write_bytes("system,fad\nA,1.5\nB,2.5\n".encode("utf-16"))
    assert systems_table(str(t)) == {"A": 1.5, "B": 2.5}
    t.write_bytes("system,fad\nA\xe9,1.5\n".encode("latin-1"))
    with pytest.raises(ConfigError, match="fad.csv.*not UTF-8"):
        systems_table(str(t))


# -- paths and duplicates ---------------------------------------------------------------------------


def test_one_file_under_three_spellings_is_a_repeated_id(tmp_path):
    """``x.wav``, ``./x.wav`` and ``sub/../x.wav`` are one file: info no longer counts it
    three times, and the copies can no longer land in train and eval."""
    (tmp_path / "sub").mkdir()
    m = corpus(tmp_path, extra_rows=["./real0.wav,real", "sub/../real0.wav,real"])
    r = CliRunner().invoke(main, ["info", "manifest", "--data-root", str(m)])
    assert_clear_error(r, "manifest.csv:14", "repeats id 'real0.wav'", "first on line 2")


def test_one_file_under_two_ids_is_counted_once_and_reported(tmp_path):
    m = corpus(tmp_path, header="path,label,id")
    lines = m.read_text().splitlines()
    lines = [lines[0]] + [f"{l},c{i}" for i, l in enumerate(lines[1:])] + ["./real0.wav,real,x1", "sub/../real0.wav,real,x2"]
    m.write_text("\n".join(lines) + "\n")
    r = CliRunner().invoke(main, ["info", "manifest", "--data-root", str(m), "--json"])
    assert r.exit_code == 0, r.output
    import json as _json

    summary = _json.loads(r.stdout)
    assert sum(s["n"] for s in summary["splits"].values()) == 2 * N_GOOD
    assert "2 row(s)" in r.stderr and "line 14 './real0.wav' = line 2 'real0.wav'" in r.stderr
    lines.append("real0.wav,fake,x3")
    m.write_text("\n".join(lines) + "\n")
    assert_clear_error(CliRunner().invoke(main, ["info", "manifest", "--data-root", str(m)]), "with the other label")


def test_check_disjoint_finds_shared_audio(tmp_path):
    from fakebench.data import Clip
    from fakebench.data.splits import check_disjoint

    a = write_wav(tmp_path / "a.wav", seed=1)
    b = write_wav(tmp_path / "b.wav", seed=2)
    (tmp_path / "copy.wav").write_bytes(a.read_bytes())
    (tmp_path / "link.wav").symlink_to(b)

    def clip(i, p):
        return Clip(id=i, path=p, label=0)

    ok = {"train": [clip("a", a)], "eval": [clip("b", b)]}
    assert check_disjoint(ok) == [] and check_disjoint(ok, content=True) == []
    same_path = {"train": [clip("a", a)], "eval": [clip("a2", tmp_path / "sub" / ".." / "a.wav")]}
    assert "same path" in check_disjoint(same_path)[0]
    link = {"train": [clip("b", b)], "eval": [clip("l", tmp_path / "link.wav")]}
    assert "same file" in check_disjoint(link)[0]
    assert check_disjoint(link, identity=False) == []
    copy = {"train": [clip("a", a)], "val": [clip("c", tmp_path / "copy.wav")]}
    assert check_disjoint(copy) == []
    assert "same content" in check_disjoint(copy, content=True)[0]
    many = {"train": [clip(f"t{i}", a) for i in range(30)], "eval": [clip(f"e{i}", a) for i in range(30)]}
    out = check_disjoint(many, limit=5)
    assert len(out) == 6 and out[-1] == "... and 25 more"


def test_two_label_columns_are_an_error(tmp_path):
    assert_clear_error(run(corpus(tmp_path, header="path,label,label")), "manifest.csv", "two columns named 'label'")


@pytest.mark.parametrize("value", ["nan", "-1", "0", "inf", "1e400"])
def test_impossible_manifest_duration(value, tmp_path):
    m = corpus(tmp_path, header="path,label,duration")
    lines = m.read_text().splitlines()
    m.write_text("\n".join([lines[0]] + [f"{l},1.0" for l in lines[1:-1]] + [f"{lines[-1]},{value}"]) + "\n")
    r = CliRunner().invoke(main, ["info", "manifest", "--data-root", str(m)])
    assert_clear_error(r, "manifest.csv:13", f"impossible duration '{value}'")


def test_folder_reads_every_decodable_format_and_names_what_it_skips(tmp_path):
    import json as _json

    tmp_path = tmp_path / "corpus"

    x = (0.2 * np.sin(np.arange(16000) / 3)).astype(np.float32)
    for i in range(3):
        write_wav(tmp_path / "real" / f"r{i}.wav", seed=i, freq=300)
        write_wav(tmp_path / "fake" / f"f{i}.wav", seed=10 + i, freq=2500)
    sf.write(tmp_path / "real" / "a.aiff", x, 16000)
    sf.write(tmp_path / "real" / "b.AIF", x, 16000, format="AIFF")
    sf.write(tmp_path / "real" / "c.w64", x, 16000)
    sf.write(tmp_path / "fake" / "d.caf", x, 16000)
    sf.write(tmp_path / "fake" / "e.opus", x, 48000, format="OGG", subtype="OPUS")
    sf.write(tmp_path / "fake" / "f.au", x, 16000)
    (tmp_path / "real" / "notes.txt").write_text("not audio")
    (tmp_path / "fake" / "g.m4a").write_bytes(b"\x00\x00\x00\x20ftypM4A ")
    (tmp_path / "README").write_text("beside the label folders")
    r = CliRunner().invoke(main, ["info", "folder", "--data-root", str(tmp_path), "--json"])
    assert r.exit_code == 0, r.output
    summary = _json.loads(r.stdout)
    assert sum(s["n"] for s in summary["splits"].values()) == 12
    assert "skipped 3 file(s)" in r.stderr
    for name in ("README", "real/notes.txt", "fake/g.m4a"):
        assert name in r.stderr
    r = CliRunner().invoke(main, ["run", "-d", "toy-mlp", "-D", "folder", "--data-root", str(tmp_path), "--set",
                                  "epochs=2", "--set", "checkpoint_every=1"])
    assert r.exit_code == 0 and "skipped 3 file(s)" in r.output, r.output


# -- audio headers ----------------------------------------------------------------------------------


def _being_written(p):
    write_wav(p)
    data = bytearray(p.read_bytes())
    data[40:44] = (0).to_bytes(4, "little")  # the data size a streaming writer leaves until it closes
    p.write_bytes(bytes(data))


def test_wav_still_being_written_is_an_error_or_skipped(tmp_path):
    _being_written(tmp_path / "w.wav")
    m = corpus(tmp_path, "w.wav")
    assert_clear_error(run(m), "w.wav", "still being written", "0 bytes of audio")
    ok = run(m, "--skip-bad")
    assert_ran(ok)
    assert "1 clip(s) skipped as unreadable" in ok.output


def test_wav_with_stale_header_is_read_with_a_warning(tmp_path):
    write_wav(tmp_path / "s.wav")
    (tmp_path / "s.wav").write_bytes((tmp_path / "s.wav").read_bytes() + b"\x12\x34" * 4000)
    r = run(corpus(tmp_path, "s.wav"))
    assert_ran(r)
    assert "s.wav" in r.output and "stale header" in r.output and "8000 more bytes" in r.output


def _unknown_length_flac(p):
    write_wav(p.with_suffix(".tmp.flac"), seconds=1.0)
    data = bytearray(p.with_suffix(".tmp.flac").read_bytes())
    p.with_suffix(".tmp.flac").unlink()
    head = int.from_bytes(data[18:26], "big") & ~((1 << 36) - 1)  # STREAMINFO total samples = 0 (unknown)
    data[18:26] = head.to_bytes(8, "big")
    p.write_bytes(bytes(data))


def test_flac_without_a_length_is_not_160_billion_hours(tmp_path):
    _unknown_length_flac(tmp_path / "u.flac")
    m = corpus(tmp_path, "u.flac")
    r = CliRunner().invoke(main, ["info", "manifest", "--data-root", str(m), "--check-audio", "--json"])
    assert r.exit_code == 0, r.output
    import json as _json

    audio = _json.loads(r.stdout)["audio"]
    assert audio["unreadable"] == 1 and audio["hours"] < 0.01
    assert "does not give its length" in audio["errors"][0]
    assert_clear_error(run(m), "u.flac", "does not give its length")


# -- leaderboard options ------------------------------------------------------------------------------


@pytest.fixture
def store_with_runs(tmp_path):
    results = tmp_path / "results"
    for seed in (0, 1):
        assert_ran(run(corpus(tmp_path / "data"), "--results", str(results), "--seed", str(seed)))
    return results


def test_leaderboard_options_are_checked_and_reach_subcommands(store_with_runs, tmp_path):
    results = store_with_runs
    lb = lambda *a: CliRunner().invoke(main, ["leaderboard", "--results", str(results), *a])  # noqa: E731
    assert_clear_error(lb("--digits", "-1"), "--digits")
    assert_clear_error(lb("--metric", "nosuch"), "--metric 'nosuch'", "no such metric")
    assert_clear_error(lb("--metric", "eerr"), "did you mean eer")
    assert_clear_error(lb("--sort", "acuracy"), "cannot sort by 'acuracy'", "accuracy")
    assert_clear_error(lb("--alpha", "5"), "--alpha")
    ok = lb("--digits", "4", "--metric", "eer")
    assert ok.exit_code == 0 and "0.0000" in ok.output or "±" in ok.output, ok.output
    # the group's --results reaches publish (it used to be ignored: "no results to publish")
    r = CliRunner().invoke(main, ["leaderboard", "--results", str(results), "publish", "--out", str(tmp_path / "site"),
                                  "--no-plots"])
    assert r.exit_code == 0, r.output
    assert "toy-mlp" in (tmp_path / "site" / "leaderboard.md").read_text()
    r = CliRunner().invoke(main, ["leaderboard", "--results", str(results), "--metric", "accuracy", "publish",
                                  "--out", str(tmp_path / "site2"), "--no-plots"])
    assert r.exit_code == 0 and "accuracy" in (tmp_path / "site2" / "leaderboard.md").read_text()
    assert "eer" not in (tmp_path / "site2" / "leaderboard.md").read_text().splitlines()[0]
    assert_clear_error(CliRunner().invoke(main, ["leaderboard", "--format", "latex", "publish"]),
                       "--format does not apply")


def test_html_leaderboard_with_mathtext_in_names(tmp_path):
    from fakebench.results import ResultStore

    results = tmp_path / "results"
    assert_ran(run(corpus(tmp_path / "data"), "--results", str(results)))
    store = ResultStore(results)
    rec = store.records()[0]
    rows = store.scores(rec)
    for i, name in enumerate(("$x^$", "a$b$c_{", "\\frac{$")):
        r = dict(rec, run_id=f"m{i}", pipeline=dict(rec["pipeline"], name=name), group_key=f"k{i}")
        r["dataset"] = dict(rec["dataset"], name=name)
        r.pop("scores_file")
        r["breakdowns"] = {"system": {name: {"n": 4, "real": 2, "fake": 2, "accuracy": 1.0, "eer": 0.1}}}
        store.add(r, rows)
    out = tmp_path / "board.html"
    r = CliRunner().invoke(main, ["leaderboard", "--results", str(results), "--format", "html", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert out.read_text().count("<img") >= 6


def test_empty_home_variables_count_as_unset(tmp_path, monkeypatch, isolated_home):
    from fakebench import paths

    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    for var in paths.PATH_VARIABLES:
        monkeypatch.setenv(var, "")
    assert paths.home() == isolated_home / ".fakebench"
    assert paths.results_root() == isolated_home / ".fakebench" / "results"
    assert paths.data_root() == isolated_home / ".fakebench" / "data"
    assert paths.weights_root() == isolated_home / ".fakebench" / "weights"
    monkeypatch.setenv("FAKEBENCH_HOME", "   ")
    assert paths.home() == isolated_home / ".fakebench"
    monkeypatch.setenv("FAKEBENCH_HOME", "")
    assert_ran(run(corpus(tmp_path / "data")))
    assert list(cwd.iterdir()) == []  # nothing written where the command ran
    assert list((isolated_home / ".fakebench" / "results" / "runs").glob("*.json"))


def test_bad_record_on_disk_does_not_hide_the_others(store_with_runs):
    import json as _json

    runs = store_with_runs / "runs"
    rec = _json.loads(next(runs.glob("*.json")).read_text())
    rec["run_id"], rec["seed"] = "huge", 2**70
    (runs / "huge.json").write_text(_json.dumps(rec))
    (store_with_runs / "index.sqlite").unlink()
    r = CliRunner().invoke(main, ["leaderboard", "--results", str(store_with_runs)])
    assert r.exit_code == 0 and "toy-mlp" in r.output and "huge.json" in r.output, r.output
    r = CliRunner().invoke(main, ["results", "rebuild", "--results", str(store_with_runs)])
    assert r.exit_code == 0 and "indexed 2 record(s)" in r.output, r.output
    assert (store_with_runs / "quarantine" / "huge.json").exists()


def test_corpus_size():
    """Kinds of bad or unusual input tried in this file (the issue asks for >= 30)."""
    named_tests = [n for n in globals() if n.startswith("test_") and n not in (
        "test_bad_audio_is_a_clear_error_or_skipped", "test_unusual_valid_audio_runs", "test_corpus_size",
        "test_bad_parameter_is_one_error_naming_it")]
    assert len(BAD_AUDIO) + len(VALID_AUDIO) + len(PARAM_CASES) + len(named_tests) >= 70
