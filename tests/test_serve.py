"""``fakebench serve``: the server's behaviour with real clients.

One real server subprocess (a logmel-logreg detector trained on the shared speech clips)
with small limits answers every server test: uploads through Gradio's own client, raw
sockets for the slow, oversized and idle clients. The checks on clips, zips and windows
run in process on the same saved detector.
"""

from __future__ import annotations

from html import unescape
import json
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from _serve_helpers import SPEECH, ServeProcess, model_path, trained_store


pytestmark = [pytest.mark.shared]

BODY_TIMEOUT = 2.0
IDLE_TIMEOUT = 2.0
MAX_CONNECTIONS = 12
REAL = SPEECH / "librispeech" / "real" / "1688-142285-0000.flac"  # 15 s
FAKE = SPEECH / "vits" / "fake" / "ms_01_gh.wav"
EXAMPLES = SPEECH / "wavefake"  # demo clips: not the clips uploaded (a demo clip's copy is kept)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The server, with its private TMPDIR (to look for leftover uploads)."""
    if not SPEECH.is_dir():
        pytest.skip("shared speech clips not found")
    tmp = tmp_path_factory.mktemp("server-tmpdir")
    allowed = tmp_path_factory.mktemp("allowed")
    srv = ServeProcess("--model", str(model_path()), "--max-mb", "1", "--max-seconds", "30", "--max-zip-mb", "2",
                       "--max-files", "3", "--body-timeout", str(BODY_TIMEOUT), "--idle-timeout", str(IDLE_TIMEOUT),
                       "--max-connections", str(MAX_CONNECTIONS), "--examples", str(EXAMPLES),
                       "--allow-folder", str(allowed), env={"TMPDIR": str(tmp)})
    yield srv, tmp
    srv.stop()


@pytest.fixture(scope="module")
def client(served):
    from gradio_client import Client

    return Client(served[0].url, verbose=False)


def _score_cli(path: Path) -> dict:
    from fakebench.cli import main

    r = CliRunner().invoke(main, ["score", "--model", str(model_path()), "--json", str(path)])
    assert r.exit_code == 0, r.output
    return json.loads(r.output)[0]


def _card(html: str, attr: str) -> str:
    import re

    m = re.search(rf'{attr}="([^"]*)"', html)
    assert m, html[:500]
    return m.group(1)


def _uploads(tmp: Path) -> list[Path]:
    """Files left in the server's upload folder, apart from its copies of the demo clips."""
    roots = list(tmp.glob("fakebench-serve-*"))
    assert len(roots) == 1, roots
    keep = {p.name for p in EXAMPLES.rglob("*.wav")} | {"fakebench-verdicts.csv"}  # demo clips, batch results
    return [p for d in ("uploads", "incoming") for p in (roots[0] / d).rglob("*") if p.is_file() and p.name not in keep]


def _no_uploads_soon(tmp: Path, seconds: float = 3 * BODY_TIMEOUT + 2) -> list[Path]:
    """Leftovers once the sweeper (every body timeout) has had time to run."""
    deadline = time.monotonic() + seconds
    while _uploads(tmp) and time.monotonic() < deadline:
        time.sleep(0.5)
    return _uploads(tmp)


def _raw(port: int, data: bytes, wait: float = 10.0) -> tuple[bytes, float, bool]:
    """Send ``data`` on a fresh connection; (everything answered, seconds until the
    server closed, whether it closed)."""
    t0 = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as s:
        s.sendall(data)
        got = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    return got, time.monotonic() - t0, True
                got += chunk
        except socket.timeout:
            return got, time.monotonic() - t0, False


def _get(port: int, path: str = "/", timeout: float = 10.0) -> tuple[int, float]:
    import urllib.error
    import urllib.request

    t0 = time.monotonic()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as r:
            r.read()
            return r.status, time.monotonic() - t0
    except urllib.error.HTTPError as e:
        return e.code, time.monotonic() - t0


# -- verdicts -------------------------------------------------------------------------------


@pytest.mark.parametrize("clip", [REAL, FAKE], ids=["real", "fake"])
def test_verdict_equals_fakebench_score(client, served, clip):
    from gradio_client import handle_file

    html, clip_plot, time_plot, audio = client.predict(handle_file(str(clip)), api_name="/score")
    expected = _score_cli(clip)
    assert _card(html, "data-verdict") == expected["verdict"]
    assert _card(html, "data-score") == f"{expected['score']:+.4f}"
    assert _card(html, "data-file") == clip.name
    # calibrated run: p(fake) from the record's calibration, not sigmoid(score)
    rec = json.loads(next((trained_store() / "runs").glob("*.json")).read_text())
    from fakebench.metrics.calibration import Calibration

    p = float(Calibration.from_dict(rec["calibration"]).posterior([expected["score"]])[0])
    assert _card(html, "data-p-fake") == f"{p:.4f}"
    assert clip_plot["plot"].startswith("data:image/png;base64,")
    long_clip = sf_seconds(clip) >= 8.0  # two 4-s windows for a full-length detector
    assert ('<img alt="score over time" src="data:image/png;base64,' in time_plot) == long_clip
    assert ('id="fb-no-timeline"' in time_plot) != long_clip
    assert audio is None  # the upload was deleted, and the input cleared
    assert _uploads(served[1]) == []


def sf_seconds(path: Path) -> float:
    import soundfile as sf

    info = sf.info(str(path))
    return info.frames / info.samplerate


def test_page_shows_models_limits_and_examples(served):
    import urllib.request

    srv = served[0]
    with urllib.request.urlopen(srv.url + "config", timeout=10) as r:
        config = r.read().decode()
    run_id = model_path().stem
    assert run_id in config and "eval EER" in config and "manifest (protocol auto): 122 training clips" in config
    assert "up to 1 MB and 30 seconds" in config  # the limits are stated on the page
    assert "LJ001-0001_gen.wav" in config  # a demo clip from --examples


# -- limits -----------------------------------------------------------------------------------


def test_oversized_body_refused_before_it_is_read(served):
    srv = served[0]
    head = (f"POST /gradio_api/upload?upload_id=x HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: {50 << 20}\r\n\r\n").encode()
    got, seconds, closed = _raw(srv.port, head)  # not one byte of the 50 MB is sent
    assert got.startswith(b"HTTP/1.1 413") and b"too large" in got
    assert closed and seconds < 2.0


def test_oversized_clip_refused_with_its_size(client, served, tmp_path):
    import soundfile as sf
    from gradio_client import handle_file

    wave, sr = sf.read(str(REAL), dtype="float32")
    big = tmp_path / "big.wav"
    sf.write(str(big), np.tile(wave, 3), sr, subtype="PCM_16")  # 45 s, 1.4 MB > --max-mb 1
    assert big.stat().st_size > 1 << 20
    html, *_ = client.predict(handle_file(str(big)), api_name="/score")
    assert 'id="fb-error"' in html and "too large" in html and "the limit is 1 MB" in html
    assert _uploads(served[1]) == []


def test_long_file_refused_from_its_header_without_decoding(client, served, tmp_path):
    """2 h of silence in a 0.4 MB FLAC: decoding it would take 0.9 GB (float64)."""
    import soundfile as sf
    from gradio_client import handle_file

    path = tmp_path / "two-hours.flac"
    with sf.SoundFile(str(path), "w", 16000, 1, subtype="PCM_16") as f:
        block = np.zeros(16000 * 60, dtype=np.int16)
        for _ in range(120):
            f.write(block)
    assert path.stat().st_size < 1 << 20
    srv = served[0]
    before = srv.peak_rss_mb()
    t0 = time.monotonic()
    html, *_ = client.predict(handle_file(str(path)), api_name="/score")
    seconds = time.monotonic() - t0
    grew = srv.peak_rss_mb() - before
    print(f"2-hour FLAC refused in {seconds:.2f} s; server peak RSS {before:.0f} MB -> +{grew:.1f} MB")
    assert 'id="fb-error"' in html and "too long (2 h 00 min by its header)" in html
    assert grew < 50, f"the server's peak memory grew by {grew:.0f} MB: it decoded the file"
    assert _uploads(served[1]) == []


def test_non_audio_refused_and_deleted(client, served, tmp_path):
    from gradio_client import handle_file

    junk = tmp_path / "notes.wav"
    junk.write_bytes(b"this is not audio\n" * 100)
    html, *_ = client.predict(handle_file(str(junk)), api_name="/score")
    assert "notes.wav: not an audio file fakebench can read" in html
    assert _uploads(served[1]) == []


# -- slow and hostile clients -------------------------------------------------------------------


def test_slow_body_neither_blocks_others_nor_stays_open(served):
    srv = served[0]
    head = (b"POST /gradio_api/upload?upload_id=slow HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 1000\r\n\r\n")
    t0 = time.monotonic()
    with socket.create_connection(("127.0.0.1", srv.port), timeout=BODY_TIMEOUT + 8) as slow:
        slow.sendall(head + b"--b\r\n")  # 5 of the 1,000 bytes announced
        # meanwhile another user loads the page and its config, at once
        for path in ("/", "/config"):
            status, seconds = _get(srv.port, path)
            assert status == 200 and seconds < 1.5, (path, status, seconds)
        got = b""
        while True:
            chunk = slow.recv(65536)
            if not chunk:
                break
            got += chunk
    held = time.monotonic() - t0
    print(f"slow client answered {got[:12]!r} and closed after {held:.2f} s (deadline {BODY_TIMEOUT} s)")
    assert got.startswith(b"HTTP/1.1 408")
    assert BODY_TIMEOUT - 0.5 <= held <= BODY_TIMEOUT + 3
    # the part of the upload Gradio had started to write (in the private folder) is swept away
    assert _no_uploads_soon(served[1]) == []
    assert not [p for p in served[1].iterdir() if not p.name.startswith("fakebench-serve-")]  # nothing outside


def test_stalled_headers_are_closed(served):
    srv = served[0]
    got, seconds, closed = _raw(srv.port, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n", wait=IDLE_TIMEOUT + 8)
    assert closed and got == b"" and IDLE_TIMEOUT - 0.5 <= seconds <= IDLE_TIMEOUT + 3


def test_connections_are_bounded_and_freed(served):
    srv = served[0]
    idle = [socket.create_connection(("127.0.0.1", srv.port)) for _ in range(MAX_CONNECTIONS)]
    try:
        time.sleep(0.3)
        status, _ = _get(srv.port, "/config")
        assert status == 503  # over the limit: refused at once, not queued
        time.sleep(IDLE_TIMEOUT + 1.5)  # the silent connections are closed by the idle timeout
        status, _ = _get(srv.port, "/config")
        assert status == 200
    finally:
        for s in idle:
            s.close()


# -- batches ------------------------------------------------------------------------------------


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def test_zip_batch_gives_a_csv_of_verdicts(client, served, tmp_path):
    import csv

    from gradio_client import handle_file

    clips = [REAL, FAKE]
    archive = _zip(tmp_path / "clips.zip", {f"set/{c.name}": c.read_bytes() for c in clips} | {"readme.txt": b"x"})
    summary, csv_file, table, zip_value = client.predict(handle_file(str(archive)), "", api_name="/batch")
    assert 'data-rows="2"' in summary and 'data-refused="0"' in summary
    rows = list(csv.DictReader(open(csv_file, newline="")))
    assert [r["file"] for r in rows] == [f"set/{c.name}" for c in clips]
    for r, c in zip(rows, clips):
        expected = _score_cli(c)
        assert r["logmel-logreg verdict"] == expected["verdict"]
        assert r["logmel-logreg score"] == f"{expected['score']:+.4f}"
    assert zip_value is None and _uploads(served[1]) == []


def test_zip_escaping_its_folder_is_refused(client, served, tmp_path):
    from gradio_client import handle_file

    archive = _zip(tmp_path / "evil.zip", {"ok.wav": FAKE.read_bytes(), "../../escape.wav": FAKE.read_bytes()})
    summary, csv_file, *_ = client.predict(handle_file(str(archive)), "", api_name="/batch")
    summary = unescape(summary)
    assert "refused" in summary and "'../../escape.wav'" in summary and "climbing out" in summary
    assert csv_file is None
    assert not list(served[1].rglob("escape.wav"))


def test_folder_batch_only_inside_the_allowed_root(client):
    summary, csv_file, *_ = client.predict(None, str(SPEECH), api_name="/batch")
    assert "only folders inside" in summary and csv_file is None


# -- options and start-up -----------------------------------------------------------------------


@pytest.mark.parametrize("args, message", [
    (["--port", "70000"], "--port must be between 0 and 65535"),
    (["--port", "-1"], "--port must be between 0 and 65535"),
    (["--max-mb", "nan"], "--max-mb must be a positive number"),
    (["--max-mb", "-5"], "--max-mb must be a positive number"),
    (["--max-seconds", "nan"], "--max-seconds must be a positive number"),
    (["--max-seconds", "0"], "--max-seconds must be a positive number"),
    (["--max-seconds", "inf"], "--max-seconds must be a positive number"),
    (["--body-timeout", "-1"], "--body-timeout must be a positive number"),
    (["--host", "not a host"], "--host 'not a host' is not an address to listen on"),
    (["--host", "no-such-host.invalid"], "--host 'no-such-host.invalid' does not resolve"),
])
def test_bad_options_give_one_error_each(args, message):
    from fakebench.cli import main

    r = CliRunner().invoke(main, ["serve", "--model", "no-such-model", *args])
    assert r.exit_code == 2, r.output
    assert r.output.count("Error:") == 1 and message in r.output, r.output


def test_port_in_use_is_one_error():
    from fakebench.cli import main

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        r = CliRunner().invoke(main, ["serve", "--model", "no-such-model", "--port", str(port)])
    assert r.exit_code == 2 and f"port {port} on 127.0.0.1 is already in use" in r.output, r.output


def test_missing_embedder_weights_fail_at_start(tmp_path):
    """A detector whose embedder's weights file is gone: one error at start, exit 2."""
    from fakebench.persist import load_detector, save_detector

    det, meta = load_detector(model_path())
    meta["pipeline"] = dict(meta["pipeline"], embedder={"name": "panns-cnn14-16k", "params": {}, "weights": "x",
                                                        "dim": 2048})
    meta["weights"] = str(tmp_path / "deleted" / "Cnn14_16k.pth")
    bad = save_detector(tmp_path / "bad.pt", det, meta)
    # a subprocess, so that a server that starts anyway is stopped by the timeout
    r = subprocess.run([sys.executable, "-m", "fakebench.cli", "serve", "--model", str(bad), "--port", "0"],
                       capture_output=True, text=True, timeout=90)
    assert r.returncode == 2, r.stdout + r.stderr
    assert r.stderr.startswith("Error: saved detector") and "does not exist" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and "on http://" not in r.stdout


def test_without_the_ui_extra_one_error_names_the_install_command():
    code = ("import sys; sys.modules['gradio'] = None\n"
            "from fakebench.cli import main\nmain(['serve', '--model', 'x'])")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stderr
    assert "pip install fakebench[ui]" in r.stderr and r.stderr.count("Error:") == 1


def test_help_imports_nothing_heavy():
    import ast

    import fakebench.cli.serve as serve_module
    import fakebench.ui
    import fakebench.ui.analysis
    import fakebench.ui.app
    import fakebench.ui.limits
    import fakebench.ui.models
    import fakebench.ui.render
    import fakebench.ui.server

    # module level of the command and of the ui package: no gradio, torch, matplotlib...
    for module in (serve_module, fakebench.ui, fakebench.ui.limits, fakebench.ui.models, fakebench.ui.analysis,
                   fakebench.ui.render, fakebench.ui.app, fakebench.ui.server):
        tree = ast.parse(Path(module.__file__).read_text())
        top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
        names = {a.name.split(".")[0] for n in top if isinstance(n, ast.Import) for a in n.names}
        names |= {(n.module or "").split(".")[0] for n in top if isinstance(n, ast.ImportFrom) and not n.level}
        assert not names & {"gradio", "fastapi", "uvicorn", "torch", "matplotlib", "soundfile", "starlette"}, \
            (module.__name__, names)
    code = "\n".join([
        "import sys",
        "from click.testing import CliRunner",
        "from fakebench.cli import main",
        "r = CliRunner().invoke(main, ['serve', '--help'])",
        "assert r.exit_code == 0, r.output",
        "print(r.output)",
        "print('HELP', [m for m in ('gradio', 'fastapi', 'uvicorn', 'starlette') if m in sys.modules])",
    ])
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "HELP []" in r.stdout
    for option in ("--model", "--max-mb", "--max-seconds", "--allow-folder", "--share", "--host"):
        assert option in r.stdout
    defaults = {p.name: p.default for p in serve_module.serve_cmd.params}
    assert defaults["share"] is False and defaults["host"] == "127.0.0.1" and defaults["allow_folder"] is None


def test_stop_removes_the_private_temp_folder(tmp_path):
    srv = ServeProcess("--model", str(model_path()), env={"TMPDIR": str(tmp_path)})
    try:
        roots = list(tmp_path.glob("fakebench-serve-*"))
        assert len(roots) == 1 and (roots[0] / "uploads").is_dir()
        assert oct(roots[0].stat().st_mode & 0o777) == "0o700"
        print(f"server subprocess ready in {srv.startup_seconds:.1f} s")
    finally:
        code = srv.stop()
    assert code == 0, "".join(srv.stderr)
    assert not list(tmp_path.glob("fakebench-serve-*"))


# -- in process: clips, zips, windows ----------------------------------------------------------


def test_check_clip_reads_the_header_only(tmp_path):
    import soundfile as sf

    from fakebench.ui.limits import ClipRefused, Limits, check_clip

    info = check_clip(REAL, Limits())
    assert info.sample_rate == 16000 and abs(info.seconds - 15.0) < 1e-6
    # a FLAC whose STREAMINFO does not state its length (allowed by the format)
    path = tmp_path / "unknown-length.flac"
    with sf.SoundFile(str(path), "w", 16000, 1, subtype="PCM_16") as f:
        f.write(np.zeros(16000, dtype=np.int16))
    data = bytearray(path.read_bytes())
    data[21] &= 0xF0  # total samples: 36 bits from byte 21 (after "fLaC" and the block header)
    data[22:26] = b"\0\0\0\0"
    path.write_bytes(bytes(data))
    with pytest.raises(ClipRefused, match="does not state the clip's length"):
        check_clip(path, Limits())
    with pytest.raises(ClipRefused, match=r"too long \(15.0 s by its header\); the limit is 10 seconds"):
        check_clip(REAL, Limits(max_seconds=10))


def test_extract_zip_limits(tmp_path):
    import os
    import stat

    from fakebench.ui.limits import ClipRefused, Limits, extract_zip

    data = FAKE.read_bytes()
    ok = _zip(tmp_path / "ok.zip", {"a/x.wav": data, "b/y.wav": data, "notes.txt": b"n"})
    out = extract_zip(ok, tmp_path / "out", Limits())
    assert [n for n, _ in out] == ["a/x.wav", "b/y.wav"]
    assert all(p.parent == (tmp_path / "out").resolve() for _, p in out) and out[0][1].read_bytes() == data
    cases = {
        "absolute": ({"/etc/x.wav": data}, "an absolute path"),
        "dotdot": ({"a/../../x.wav": data}, "climbing out"),
        "count": ({f"{i}.wav": data for i in range(4)}, "holds 4 audio files; the limit is 3"),
        "empty": ({"notes.txt": b"n"}, "holds no audio files"),
    }
    for name, (members, message) in cases.items():
        with pytest.raises(ClipRefused, match=message):
            extract_zip(_zip(tmp_path / f"{name}.zip", members), tmp_path / name, Limits(max_files=3))
    with pytest.raises(ClipRefused, match="too large"):
        extract_zip(ok, tmp_path / "small", Limits(max_mb=0.01))
    link = tmp_path / "link.zip"
    with zipfile.ZipFile(link, "w") as z:
        info = zipfile.ZipInfo("l.wav")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(info, "/etc/passwd")
    with pytest.raises(ClipRefused, match="symbolic link"):
        extract_zip(link, tmp_path / "link", Limits())
    assert not os.path.exists(tmp_path / "link" / "0001.wav")


def test_score_over_time_windows_are_the_models_own_scores(tmp_path):
    """A 15 s real clip followed by fake clips: each window's score is the model's score
    of that stretch of audio scored as a file of its own."""
    import soundfile as sf

    from fakebench.audio import read_audio, to_mono
    from fakebench.ui.analysis import analyze, window_plan
    from fakebench.ui.limits import Limits
    from fakebench.ui.models import load_models

    entry = load_models([str(model_path())])[0]
    assert entry.window_seconds is None  # full-length detector: the default 4-s window
    real, sr = read_audio(REAL)
    parts = [to_mono(real)]
    import torch

    from fakebench.audio import resample

    for f in sorted((SPEECH / "vits" / "fake").glob("*.wav"))[:6]:
        w, r = read_audio(f)
        parts.append(resample(torch.from_numpy(to_mono(w)), r, sr).numpy())
    mix = tmp_path / "partly-fake.wav"
    sf.write(str(mix), np.concatenate(parts), sr, subtype="FLOAT")
    report = analyze(mix, [entry], Limits(), tmp_root=tmp_path)
    res = report.results[0]
    win, hop, starts = window_plan(entry, report.info.seconds)
    assert (win, hop) == (4.0, 2.0) and len(res.timeline.scores) == len(starts)
    i = len(starts) // 2
    a = int(round(starts[i] * sr))
    alone = tmp_path / "alone.wav"
    sf.write(str(alone), report.wave[a:a + int(4.0 * sr)], sr, subtype="FLOAT")
    assert res.timeline.scores[i] == pytest.approx(entry.scorer.score([alone])[0].score, abs=1e-6)
    assert res.score == pytest.approx(entry.scorer.score([mix])[0].score, abs=1e-9)
    assert not list(tmp_path.glob("windows-*"))  # window files are deleted


@pytest.mark.weights
def test_fixed_length_detector_windows_are_its_own_clip_length(tmp_path):
    """AASIST-L (official weights, repeat:4.0375 like its training): the score over time
    uses 4.0375-s windows."""
    from fakebench.data import Clip
    from fakebench.inputs import AudioSource, Inputs
    from fakebench.persist import save_detector
    from fakebench.plugins.detectors.aasist import AASIST
    from fakebench.ui.analysis import analyze, window_plan
    from fakebench.ui.limits import Limits
    from fakebench.ui.models import load_models

    from conftest import SHARED

    weights = SHARED / "weights" / "aasist"
    if not (weights / "AASIST-L.pth").is_file():
        pytest.skip("the official AASIST checkpoints are not in ../shared/weights/aasist")
    clip = SPEECH / "librispeech" / "real" / "1998-15444-0004.flac"  # 8.31 s: three windows
    clips = [Clip(id=str(clip), path=clip, label=-1)]
    det = AASIST(pretrained="AASIST-L", weights=str(weights)).fit(
        Inputs(clips=clips, audio=AudioSource(clips, 16000, "repeat:4.0375")), np.array([0]))
    path = save_detector(tmp_path / "aasist-l.pt", det, {"run_id": "aasist-l", "pipeline": {"embedder": None},
                                                         "length": "repeat:4.0375"})
    entry = load_models([str(path)])[0]
    assert entry.window_seconds == pytest.approx(4.0375) and entry.record is None
    win, hop, starts = window_plan(entry, 8.31)
    assert (win, hop, len(starts)) == (pytest.approx(4.0375), pytest.approx(2.01875), 3)
    report = analyze(clip, [entry], Limits(), tmp_root=tmp_path)
    res = report.results[0]
    assert res.error is None and len(res.timeline.scores) == 3 and res.timeline.window == pytest.approx(4.0375)
    # as `fakebench score`: a probability only for logit scores (AASIST's are not declared so)
    expected = entry.scorer.score([clip])[0]
    expected_p = expected.probability
    assert res.p_fake == expected_p or res.p_fake == pytest.approx(expected_p)
    assert ("sigmoid" in res.p_how) == det.scores_are_logits
    assert res.score == pytest.approx(expected.score, abs=1e-6)
