"""`fakebench serve`: a real server on a free port, real uploads of shared clips."""

import json
import threading
import urllib.error
import urllib.request

import numpy as np
import pytest

from fakebench.cli.serve import make_server

from ._audio_data import inputs

pytestmark = [pytest.mark.shared, pytest.mark.weights]


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory, shared):
    """The official AASIST-L, fitted (evaluation only) and saved as the runner saves it."""
    from fakebench.persist import save_detector
    from fakebench.plugins.detectors.aasist import AASIST

    weights = shared / "weights" / "aasist"
    if not (weights / "AASIST-L.pth").is_file():
        pytest.skip("the official AASIST checkpoints are not in ../shared/weights/aasist")
    clip = next((shared / "data" / "speech").rglob("*.flac"))
    det = AASIST(pretrained="AASIST-L", weights=str(weights)).fit(inputs([clip], "repeat:4.0375"), np.array([0]))
    det.threshold_ = 0.25
    path = tmp_path_factory.mktemp("models") / "aasist-l.pt"
    save_detector(path, det, {"run_id": "test-aasist-l", "pipeline": {"embedder": None}, "length": "repeat:4.0375"})
    return path


@pytest.fixture
def server(saved_model):
    servers = []

    def start(max_mb=20.0):
        srv = make_server(saved_model, "127.0.0.1", 0, max_mb=max_mb)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        servers.append(srv)
        return f"http://127.0.0.1:{srv.server_address[1]}"

    yield start
    for srv in servers:
        srv.shutdown()
        srv.server_close()


def _post(url, filename, data, field="file"):
    boundary = "fakebench-test-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_page_has_an_upload_form(server):
    with urllib.request.urlopen(server() + "/", timeout=30) as resp:
        page = resp.read().decode()
    assert resp.status == 200 and 'type="file"' in page and 'enctype="multipart/form-data"' in page
    assert "aasist" in page and "test-aasist-l" in page


def test_upload_of_a_real_clip_gives_the_saved_detectors_verdict(server, saved_model, shared):
    from fakebench.inference import score_files

    url = server()
    wav = sorted((shared / "data" / "speech").rglob("*.wav"))[0]
    status, page = _post(url + "/score", wav.name, wav.read_bytes())
    assert status == 200, page
    expected = score_files(saved_model, [wav])[0]
    verdict = "fake" if expected.fake else "real"
    assert f'class="verdict {verdict}"' in page and verdict.upper() in page
    assert f"{expected.score:+.4f}" in page and wav.name in page and "p(fake)" not in page
    status, body = _post(url + "/score?format=json", wav.name, wav.read_bytes())
    got = json.loads(body)
    assert status == 200 and got["verdict"] == verdict and got["p_fake"] is None
    assert got["score"] == pytest.approx(expected.score, abs=1e-6) and got["threshold"] == 0.25
    assert got["path"] == wav.name


def test_oversized_upload_is_refused(server, shared):
    url = server(max_mb=0.05)
    flac = max((shared / "data" / "speech").rglob("*.flac"), key=lambda p: p.stat().st_size)
    status, page = _post(url + "/score", flac.name, flac.read_bytes())
    assert status == 413 and "too large" in page and "0.05 MB" in page


def test_non_audio_is_refused_with_a_clear_message(server):
    url = server()
    status, page = _post(url + "/score", "notes.txt", b"this is not audio\n" * 50)
    assert status == 400 and "notes.txt is not an audio file" in page
    status, body = _post(url + "/score?format=json", "x.wav", b"RIFF....WAVEfmt garbage")
    assert status == 400 and "not an audio file" in json.loads(body)["error"]
    status, page = _post(url + "/score", "a.wav", b"abc", field="other")
    assert status == 400 and "no file in the upload" in page


def test_cli_command_is_registered():
    from click.testing import CliRunner

    from fakebench.cli import main

    r = CliRunner().invoke(main, ["serve", "--help"])
    assert r.exit_code == 0 and "--model" in r.output and "--port" in r.output and "--max-mb" in r.output
