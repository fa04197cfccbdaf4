"""Progress bars: whole lines in logs (stderr not a terminal), tqdm on a terminal; the
harness's embedding and download bars go through :func:`fakebench.progress.progress`."""

from __future__ import annotations

import http.server
import io
import os
import re
import threading

import pytest

from fakebench.progress import LineProgress, progress


def test_log_gets_one_line_per_ten_percent():
    out = io.StringIO()
    with progress(175, "embedding (logmel)", unit="clip", stream=out) as bar:
        assert isinstance(bar, LineProgress)
        for _ in range(175):
            bar.update(1)
    text = out.getvalue()
    lines = text.splitlines()
    assert "\r" not in text
    assert lines[0] == "embedding (logmel): 0/175 clip"
    pcts = [int(m.group(1)) for m in (re.search(r": (\d+)% ", line) for line in lines[1:]) if m]
    assert pcts == [10, 20, 30, 40, 50, 60, 70, 80, 90, 100] and len(lines) == 11
    assert lines[-1].startswith("embedding (logmel): 100% (175/175 clip, ")


def test_big_updates_and_a_stopped_bar():
    out = io.StringIO()
    bar = progress(1000, "d", stream=out, step=25)
    bar.update(600)  # jumps past 25 and 50: one line, not two
    bar.update(100)
    bar.close()
    bar.close()  # idempotent
    lines = out.getvalue().splitlines()
    assert [line.split(": ", 1)[1].split(" (")[0] for line in lines] == ["0/1000 it", "60%", "stopped at 70%"]


def test_unknown_total_prints_at_intervals_and_at_the_end():
    out = io.StringIO()
    with progress(None, "file.bin", unit="B", unit_scale=True, stream=out, interval=0.0) as bar:
        bar.update(1500)
        bar.update(2_500_000)
    lines = out.getvalue().splitlines()
    assert lines[0] == "file.bin: 0 B"
    assert lines[1].startswith("file.bin: (1.5k B") and lines[2].startswith("file.bin: (2.5M B")
    assert lines[-1].startswith("file.bin: done: (2.5M B")


def test_disabled_prints_nothing():
    out = io.StringIO()
    with progress(10, "x", enabled=False, stream=out) as bar:
        bar.update(10)
    assert out.getvalue() == ""


def test_a_terminal_gets_tqdm():
    from tqdm import tqdm

    master, slave = os.openpty()
    with os.fdopen(slave, "w") as tty:
        assert tty.isatty()
        bar = progress(3, "x", stream=tty)
        try:
            assert isinstance(bar, tqdm)
            bar.update(3)
        finally:
            bar.close()
    os.close(master)


def test_embedding_bar_in_a_log(shared, speech_rows, capsys):
    """``extract(progress=True)`` (what ``fakebench run`` does) with stderr captured, i.e.
    not a terminal: whole lines, no carriage returns."""
    from fakebench.data import Clip
    from fakebench.extract import extract
    from fakebench.registry import Registry

    emb = Registry().embedder("logmel").from_params({})
    emb.load(device="cpu")
    rows = speech_rows[:20]
    clips = [Clip(id=r["path"], path=shared / "data" / "speech" / r["path"], label=int(r["label"] == "fake"))
             for r in rows]
    arrays, _ = extract(emb, clips, cache=None, batch_size=1, num_workers=0, progress=True)
    assert all(a is not None for a in arrays)
    err = capsys.readouterr().err
    assert "\r" not in err
    bar = [line for line in err.splitlines() if line.startswith("embedding (logmel):")]
    assert bar[0] == "embedding (logmel): 0/20 clip" and bar[-1].startswith("embedding (logmel): 100% (20/20 clip")
    assert len(bar) == 11  # the start, 10% ... 90%, the end


class _Handler(http.server.BaseHTTPRequestHandler):
    payload = bytes(range(256)) * 4096  # 1 MiB

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.payload)))
        self.end_headers()
        for i in range(0, len(self.payload), 65536):
            self.wfile.write(self.payload[i:i + 65536])

    def log_message(self, *args):
        pass


def test_download_bar_in_a_log(tmp_path, capsys):
    from fakebench.downloads import download

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        path = download(f"http://127.0.0.1:{server.server_address[1]}/blob.bin", tmp_path / "blob.bin", progress=True)
    finally:
        server.shutdown()
        server.server_close()
    assert path.read_bytes() == _Handler.payload
    err = capsys.readouterr().err
    assert "\r" not in err
    lines = err.splitlines()
    assert lines[0] == "blob.bin: 0/1.05M B" and lines[-1].startswith("blob.bin: 100% (1.05M/1.05M B")


@pytest.mark.parametrize("step", [0, -5, float("nan")])
def test_bad_step_is_refused(step):
    with pytest.raises(ValueError):
        LineProgress(10, "x", step=step)
