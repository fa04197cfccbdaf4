"""Downloads are verified and resumable; archive extraction never writes outside its target."""

import hashlib
import io
import os
import tarfile
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from fakebench.errors import FakebenchError
from fakebench.downloads import download, extract_archive, is_done, mark_done

PAYLOAD = os.urandom(300_000)
SHA = hashlib.sha256(PAYLOAD).hexdigest()


class _Handler(BaseHTTPRequestHandler):
    """Serves PAYLOAD at /file, honouring Range requests; records each request's Range."""

    ranges: list = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path != "/file":
            self.send_error(404)
            return
        start = 0
        rng = self.headers.get("Range")
        type(self).ranges.append(rng)
        if rng:
            start = int(rng.split("=")[1].split("-")[0])
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(PAYLOAD) - 1}/{len(PAYLOAD)}")
        else:
            self.send_response(200)
        body = PAYLOAD[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server():
    _Handler.ranges = []
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


def test_download_verifies_sha256(server, tmp_path):
    dest = download(f"{server}/file", tmp_path / "f.bin", SHA)
    assert dest.read_bytes() == PAYLOAD
    download(f"{server}/file", tmp_path / "f.bin", SHA)  # already there and correct: nothing fetched
    assert _Handler.ranges == [None]


def test_checksum_mismatch_is_refused_and_nothing_kept(server, tmp_path):
    with pytest.raises(FakebenchError, match="checksum mismatch"):
        download(f"{server}/file", tmp_path / "f.bin", "0" * 64)
    assert not (tmp_path / "f.bin").exists() and not (tmp_path / "f.bin.part").exists()


def test_interrupted_download_resumes_with_a_range_request(server, tmp_path):
    (tmp_path / "f.bin.part").write_bytes(PAYLOAD[:100_000])
    download(f"{server}/file", tmp_path / "f.bin", SHA)
    assert (tmp_path / "f.bin").read_bytes() == PAYLOAD
    assert _Handler.ranges == ["bytes=100000-"]  # only the missing part was asked for


def test_unreachable_url_is_a_clear_error(tmp_path):
    with pytest.raises(FakebenchError, match="cannot download"):
        download("http://127.0.0.1:9/none", tmp_path / "x", None, timeout=2)


def _zip(path, members):
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members:
            z.writestr(name, data)
    return path


def _tar(path, members, links=()):
    with tarfile.open(path, "w:gz") as t:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
        for name, target in links:
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            t.addfile(info)
    return path


def test_safe_archives_extract(tmp_path):
    extract_archive(_zip(tmp_path / "a.zip", [("d/x.txt", b"x")]), tmp_path / "out1")
    extract_archive(_tar(tmp_path / "a.tgz", [("d/y.txt", b"y")]), tmp_path / "out2")
    assert (tmp_path / "out1/d/x.txt").read_bytes() == b"x" and (tmp_path / "out2/d/y.txt").read_bytes() == b"y"


@pytest.mark.parametrize("name", ["../evil.txt", "d/../../evil.txt", "/tmp/fakebench-evil.txt"])
def test_zip_members_escaping_the_target_are_refused(tmp_path, name):
    with pytest.raises(FakebenchError, match="outside"):
        extract_archive(_zip(tmp_path / "a.zip", [("ok.txt", b"ok"), (name, b"evil")]), tmp_path / "out")
    assert not (tmp_path / "evil.txt").exists() and not os.path.exists("/tmp/fakebench-evil.txt")


@pytest.mark.parametrize("name", ["../evil.txt", "/tmp/fakebench-evil.txt"])
def test_tar_members_escaping_the_target_are_refused(tmp_path, name):
    with pytest.raises(FakebenchError, match="outside|unsafe"):
        extract_archive(_tar(tmp_path / "a.tgz", [(name, b"evil")]), tmp_path / "out")
    assert not (tmp_path / "evil.txt").exists() and not os.path.exists("/tmp/fakebench-evil.txt")


def test_tar_symlink_out_of_the_target_is_refused(tmp_path):
    archive = _tar(tmp_path / "a.tgz", [], links=[("link", "/etc")])
    with pytest.raises(FakebenchError, match="unsafe|outside"):
        extract_archive(archive, tmp_path / "out")


def test_completion_marker(tmp_path):
    assert not is_done(tmp_path)
    mark_done(tmp_path)
    assert is_done(tmp_path)
