"""``fakebench serve``: a small web page to upload an audio file and get a verdict.

Python's standard library only (``http.server``). ``GET /`` shows one upload form;
``POST /score`` (multipart/form-data, field ``file``) answers with the verdict (fake or
real), the score, the decision threshold and p(fake) when the detector's scores are
logits, computed by a :class:`fakebench.inference.Scorer` holding the saved detector, loaded once.
``POST /score?format=json`` answers the same as JSON.

Uploads larger than ``--max-mb`` are refused (413) before they are read; files that do
not decode as audio are refused (400) with the decoder's reason. Uploads are written to a
private temporary folder and deleted after scoring. Requests are scored one at a time.

The server is meant for a demo on one machine: it binds to 127.0.0.1 by default and has
no authentication; put it behind a proper web server before exposing it.
"""

from __future__ import annotations

import html
import json
import logging
import shutil
import tempfile
import threading
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import click

from .common import device_option

log = logging.getLogger("fakebench")

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>fakebench verdict</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 40em; margin: 2em auto; padding: 0 1em; color: #222; }}
.verdict {{ font-size: 2em; font-weight: bold; margin: .5em 0; }}
.fake {{ color: #b00020; }} .real {{ color: #1b5e20; }} .error {{ color: #b00020; }}
table {{ border-collapse: collapse; }} td {{ padding: .2em 1em .2em 0; }}
footer {{ margin-top: 2em; color: #666; font-size: .9em; }}
</style></head>
<body>
<h1>Is this audio fake?</h1>
{body}
<form method="post" action="/score" enctype="multipart/form-data">
  <p><input type="file" name="file" accept="audio/*" required>
  <button type="submit">Get verdict</button></p>
  <p><small>WAV, FLAC or OGG, up to {max_mb:g} MB.</small></p>
</form>
<footer>Model: {model} &middot; detector {detector} &middot; score &gt; {threshold:.4g} means fake
(higher score = more likely fake).</footer>
</body></html>
"""


class UploadError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class VerdictServer(ThreadingHTTPServer):
    """An HTTP server holding the saved detector's path and a lock around scoring."""

    daemon_threads = True

    def __init__(self, address, model: str | Path, *, device: str = "cpu", max_mb: float = 20.0):
        from ..inference import Scorer

        self.model = str(model)
        self.device = device
        self.max_mb = float(max_mb)
        self.max_bytes = int(max_mb * (1 << 20))
        self.lock = threading.Lock()
        self.scorer = Scorer(self.model, device=device)  # loaded once; fails early on a bad model file
        self.detector_name = self.scorer.detector.name
        self.threshold = self.scorer.threshold
        self.run_id = self.scorer.meta.get("run_id") or Path(self.model).stem
        super().__init__(address, VerdictHandler)

    def score_upload(self, filename: str, data: bytes) -> dict:
        """Decode-check and score one uploaded file; raise :class:`UploadError` when unusable."""
        from ..audio import read_audio
        from ..errors import AudioError, FakebenchError

        suffix = Path(filename).suffix.lower()
        if not suffix or len(suffix) > 6 or not suffix[1:].isalnum():
            suffix = ".audio"
        tmp = Path(tempfile.mkdtemp(prefix="fakebench-serve-"))
        try:
            path = tmp / f"upload{suffix}"
            path.write_bytes(data)
            try:
                read_audio(path)
            except AudioError as e:
                raise UploadError(400, f"{filename or 'the upload'} is not an audio file fakebench can read "
                                       f"({e.message.replace(str(path), 'upload')})") from None
            try:
                with self.lock:
                    verdict = self.scorer.score([path])[0]
            except FakebenchError as e:
                raise UploadError(400, f"cannot score {filename or 'the upload'}: "
                                       f"{e.message.replace(str(path), 'upload')}") from None
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        out = verdict.as_dict()
        out["path"] = filename
        out["threshold"] = self.threshold
        return out


def _parse_multipart(content_type: str, body: bytes) -> tuple[str, bytes]:
    """The ``file`` field of a multipart/form-data body: (filename, bytes)."""
    if not content_type.lower().startswith("multipart/form-data"):
        raise UploadError(400, "send the file as multipart/form-data (the page's upload form does)")
    msg = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body)
    if not msg.is_multipart():
        raise UploadError(400, "the upload is not a valid multipart/form-data body")
    for part in msg.iter_parts():
        if part.get_param("name", header="content-disposition") == "file":
            return part.get_filename() or "", part.get_payload(decode=True) or b""
    raise UploadError(400, "no file in the upload (the form field must be named 'file')")


class VerdictHandler(BaseHTTPRequestHandler):
    server: VerdictServer
    server_version = "fakebench-serve"

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        log.info("serve: %s - %s", self.address_string(), format % args)

    # -- responses ------------------------------------------------------------------------

    def _send(self, status: int, body: str, content_type: str = "text/html; charset=utf-8") -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(data)

    def _page(self, status: int, body: str) -> None:
        s = self.server
        self._send(status, PAGE.format(body=body, max_mb=s.max_mb, model=html.escape(s.run_id),
                                       detector=html.escape(s.detector_name), threshold=s.threshold))

    def _error(self, status: int, message: str, as_json: bool) -> None:
        if as_json:
            self._send(status, json.dumps({"error": message}), "application/json")
        else:
            self._page(status, f'<p class="error">{html.escape(message)}</p>')

    # -- routes ---------------------------------------------------------------------------

    def do_GET(self):
        if urlparse(self.path).path in ("/", "/index.html"):
            self._page(200, "")
        else:
            self._error(404, "not found", False)

    def do_POST(self):
        url = urlparse(self.path)
        as_json = parse_qs(url.query).get("format", [""])[0] == "json"
        if url.path != "/score":
            self._error(404, "not found", as_json)
            return
        try:
            length = int(self.headers.get("Content-Length") or -1)
        except ValueError:
            length = -1
        if length < 0:
            self._error(411, "the upload must say its size (Content-Length)", as_json)
            return
        if length > self.server.max_bytes:
            self.close_connection = True
            if length <= 4 * self.server.max_bytes:  # read and drop it, so the client sees the answer
                left = length
                while left > 0:
                    chunk = self.rfile.read(min(1 << 16, left))
                    if not chunk:
                        break
                    left -= len(chunk)
            self._error(413, f"the file is too large ({length / (1 << 20):.1f} MB); "
                             f"the limit is {self.server.max_mb:g} MB", as_json)
            return
        body = self.rfile.read(length)
        try:
            filename, data = _parse_multipart(self.headers.get("Content-Type", ""), body)
            if not data:
                raise UploadError(400, f"{filename or 'the upload'} is empty")
            result = self.server.score_upload(filename, data)
        except UploadError as e:
            self._error(e.status, e.message, as_json)
            return
        except Exception as e:  # a bug: answer, log, keep serving
            log.exception("serve: scoring failed")
            self._error(500, f"scoring failed: {type(e).__name__}", as_json)
            return
        if as_json:
            self._send(200, json.dumps(result), "application/json")
            return
        verdict = result["verdict"]
        rows = [("file", html.escape(result["path"] or "(unnamed)")), ("score", f"{result['score']:+.4f}"),
                ("threshold", f"{result['threshold']:.4g}")]
        if result["p_fake"] is not None:
            rows.append(("p(fake)", f"{result['p_fake']:.3f}"))
        table = "".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in rows)
        self._page(200, f'<p class="verdict {verdict}" id="verdict">{verdict.upper()}</p><table>{table}</table>')


def make_server(model: str | Path, host: str = "127.0.0.1", port: int = 8000, *, device: str = "cpu",
                max_mb: float = 20.0) -> VerdictServer:
    """Build (not start) the verdict server; ``port=0`` picks a free port
    (``server.server_address`` tells which). Call ``serve_forever()`` to run it."""
    return VerdictServer((host, int(port)), model, device=device, max_mb=max_mb)


@click.command("serve")
@click.option("--model", "-m", required=True, help="A saved detector (results store models/<run_id>.pt, or a run id).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, type=int, show_default=True, help="Port (0 picks a free one).")
@click.option("--max-mb", default=20.0, type=float, show_default=True, help="Largest upload accepted, in MB.")
@device_option
def serve_cmd(model, host, port, max_mb, device):
    """Serve a web page where users upload an audio file and get a verdict."""
    from ..device import resolve_device
    from ..inference import find_model

    server = make_server(find_model(model), host, port, device=resolve_device(device), max_mb=max_mb)
    h, p = server.server_address[:2]
    click.echo(f"fakebench serve: {server.detector_name} ({server.run_id}) on http://{h}:{p}/  (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
