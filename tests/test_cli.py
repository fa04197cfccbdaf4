"""The click CLI, in-process (CliRunner) and once through the installed entry point."""

import json
import subprocess

import pytest
from click.testing import CliRunner

from fakebench.cli import main

from conftest import write_wav


def invoke(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_list_json_has_every_kind():
    r = invoke("list", "--json")
    assert r.exit_code == 0
    data = json.loads(r.output)
    assert set(data) == {"datasets", "embedders", "detectors", "metrics", "conditions"}
    names = {e["name"] for e in data["metrics"]}
    assert {"eer", "accuracy", "f1"} <= names
    assert all(e["description"] for kind in data.values() for e in kind)


def test_list_params():
    r = invoke("list", "detectors", "--params")
    assert "epochs=100" in r.output and "lr=0.0007" in r.output


def test_unknown_detector_is_one_line():
    r = CliRunner().invoke(main, ["run", "--detector", "sfx-mpl", "--dataset", "foley-demo"])
    assert r.exit_code == 2
    assert "Error: unknown detector or pipeline 'sfx-mpl'" in r.output
    assert "sfx-mlp" in r.output and "Traceback" not in r.output


def test_missing_data_root_is_one_line(tmp_path):
    r = CliRunner().invoke(main, ["run", "-d", "sfx-mlp", "-D", "foley-demo", "--data-root", str(tmp_path / "nope")])
    assert r.exit_code == 2
    assert "does not exist" in r.output and "Traceback" not in r.output


def test_corrupt_wav_is_one_line(tmp_path):
    pytest.importorskip("aisfx")
    for i in range(8):
        write_wav(tmp_path / f"r{i}.wav", seed=i)
        write_wav(tmp_path / f"f{i}.wav", freq=900, seed=i)
    (tmp_path / "f3.wav").write_bytes(b"RIFF....WAVEfmt garbage")
    rows = ["path,label"] + [f"r{i}.wav,real" for i in range(8)] + [f"f{i}.wav,fake" for i in range(8)]
    (tmp_path / "manifest.csv").write_text("\n".join(rows) + "\n")
    r = CliRunner().invoke(main, ["run", "-d", "sfx-mlp", "-D", "manifest", "--data-root", str(tmp_path),
                                  "--set", "epochs=2"])
    assert r.exit_code == 2, r.output
    err_lines = [l for l in r.output.splitlines() if l.startswith("Error:")]
    assert len(err_lines) == 1 and "f3.wav" in err_lines[0]
    assert "Traceback" not in r.output


def test_debug_shows_traceback(tmp_path):
    import traceback

    from fakebench.errors import UnknownPluginError

    plain = CliRunner().invoke(main, ["run", "-d", "sfx-mpl", "-D", "foley-demo"])
    assert isinstance(plain.exception, SystemExit) and plain.exit_code == 2  # the one-line error
    r = CliRunner().invoke(main, ["--debug", "run", "-d", "sfx-mpl", "-D", "foley-demo"])
    assert isinstance(r.exception, UnknownPluginError)  # --debug lets the real exception through
    frames = traceback.extract_tb(r.exc_info[2])
    assert any(f.filename.endswith("registry.py") for f in frames)  # ...with the traceback to where it was raised


def test_bad_set_syntax():
    r = CliRunner().invoke(main, ["run", "-d", "sfx-mlp", "-D", "foley-demo", "--set", "epochs"])
    assert r.exit_code == 2 and "KEY=VALUE" in r.output


def test_leaderboard_without_results():
    r = invoke("leaderboard")
    assert r.exit_code == 0 and "No results" in r.output


@pytest.mark.shared
@pytest.mark.weights
def test_run_then_leaderboard_then_score(small_foley, tmp_path):
    pytest.importorskip("aisfx")
    r = invoke("run", "--detector", "sfx-mlp", "--dataset", "foley-demo", "--data-root", str(small_foley),
               "--set", "epochs=10", "--json")
    assert r.exit_code == 0, r.output
    recs = json.loads(r.stdout)
    assert len(recs) == 1
    board = invoke("leaderboard")
    assert "sfx-mlp" in board.output and "foley-demo" in board.output
    assert invoke("leaderboard", "--format", "csv").output.startswith("dataset,protocol,pipeline")
    wav = sorted((small_foley / "foley").rglob("*.wav"))[0]
    s = invoke("score", "--model", recs[0]["run_id"], str(wav))
    assert s.exit_code == 0 and ("FAKE" in s.output or "real" in s.output) and str(wav) in s.output


def test_entry_point_is_installed():
    out = subprocess.run(["fakebench", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and "fakebench" in out.stdout.lower()
