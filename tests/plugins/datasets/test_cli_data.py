"""fakebench info / prepare / download on the tiny real layouts, and `fakebench run` end to end."""

import hashlib
import http.server
import json
import shutil
import tarfile
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from fakebench.cli import main

from . import layouts

pytestmark = pytest.mark.shared


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


INFO_CASES = [
    ("dcase23", ("dcase23",), ["class: dog_bark", "system: TASys02", "track: A", "set: dev"]),
    ("asvspoof19-la", ("asvspoof19", "LA"), ["system: A07", "speaker:"]),
    ("asvspoof19-pa", ("asvspoof19", "PA"), ["environment: aaa", "device_quality:"]),
    ("asvspoof21-la", ("asvspoof21", "LA"), ["codec: g722", "transmission: ita_tx", "subset: eval 5"]),
    ("asvspoof21-df", ("asvspoof21", "DF"), ["low_m4a 2", "source_corpus: asvspoof 5", "vocoder: bonafide 2"]),
    ("itw", ("itw",), ["speaker: Alec Guinness"]),
    ("mlaad", ("mlaad",), ["system: tts_models/en/ljspeech/glow-tts", "architecture: glow-tts"]),
    ("envsdd", ("envsdd",), ["system: ata/audioldm1", "fake_type: ata", "source_dataset: Clotho"]),
    ("folder", ("folder", False), ["system: glow-tts"]),
]


@pytest.mark.parametrize("name, layout, wanted", INFO_CASES, ids=[c[0] for c in INFO_CASES])
def test_info_on_every_dataset(shared, name, layout, wanted):
    lay = layouts.cached(*layout)
    r = invoke("info", name, "--data-root", lay.root)
    assert r.exit_code == 0, r.output
    for w in wanted:
        assert w in r.output, (w, r.output)
    r = invoke("info", name, "--data-root", lay.root, "--json")
    summary = json.loads(r.output)
    n = sum(s["n"] for s in summary["splits"].values())
    expected = lay.expected if "label" in next(iter(lay.expected.values())) else \
        {k: v for split in lay.expected.values() for k, v in split.items()}
    if name.startswith("asvspoof21"):
        assert summary["splits"]["eval"]["n"] == sum(e["attrs"]["subset"] == "eval" for e in lay.expected["eval"].values())
    elif name.startswith("asvspoof19"):
        assert n == len(expected)
    else:
        assert n == len(expected)


def test_info_check_audio_finds_unreadable_and_missing(shared, tmp_path):
    root = tmp_path / "itw"
    shutil.copytree(layouts.cached("itw").root, root)
    r = invoke("info", "itw", "--data-root", root, "--check-audio", "--json")
    audio = json.loads(r.output)["audio"]
    assert audio["files"] == 30 and audio["missing"] == 0 and audio["unreadable"] == 0
    import soundfile as sf

    seconds = sum(sf.info(str(p)).duration for p in (root / "release_in_the_wild").glob("*.wav"))
    assert audio["hours"] == pytest.approx(seconds / 3600, abs=1e-4)
    (root / "release_in_the_wild" / "4.wav").write_bytes(b"RIFF....WAVEfmt garbage")
    (root / "release_in_the_wild" / "5.wav").unlink()
    r = invoke("info", "itw", "--data-root", root, "--check-audio", "--allow-missing")
    assert r.exit_code == 0, r.output
    assert "skipped 1 missing file(s)" in r.output and "29 files" in r.output and "1 unreadable" in r.output
    assert "4.wav" in r.output


def test_info_without_allow_missing_is_one_line_error(shared, tmp_path):
    root = tmp_path / "itw"
    shutil.copytree(layouts.cached("itw").root, root)
    (root / "release_in_the_wild" / "5.wav").unlink()
    r = invoke("info", "itw", "--data-root", root)
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert "meta.csv:7 lists" in r.output and "--allow-missing" in r.output


def test_prepare_builds_the_index_once(shared):
    lay = layouts.cached("asvspoof21", "DF")
    r = invoke("prepare", "asvspoof21-df", "--data-root", lay.root, "--json")
    assert r.exit_code == 0, r.output
    ix = json.loads(r.output)["index"]
    names = sorted(Path(p).name.rsplit("-", 1)[0] for p in ix["written"])
    assert names == ["asvspoof19-la-train", "asvspoof19-la-val", "asvspoof21-df-trial_metadata"]
    assert ix["bytes"] > 0
    r = invoke("prepare", "asvspoof21-df", "--data-root", lay.root)
    assert r.exit_code == 0 and "index: up to date" in r.output and "next load" in r.output


def test_download_without_a_source_prints_instructions(shared, tmp_path):
    r = invoke("download", "folder", "--data-root", tmp_path)
    assert r.exit_code == 2
    assert "cannot be downloaded automatically" in r.output and "real/ and fake/" in r.output


# -- a real download, from a local stand-in for Zenodo ---------------------------------------------


@pytest.fixture
def zenodo(tmp_path, monkeypatch):
    """Serve dcase23's two archives and a Zenodo-API record describing them over HTTP."""
    lay = layouts.dcase23(tmp_path / "src", fakes_per_system=1, n_real=7)
    files = tmp_path / "served"
    files.mkdir()
    record = {"files": []}
    for top in ("DCASE_2023_Challenge_Task_7_Dataset", "DCASE_2023_Challenge_Task_7_Submission"):
        archive = files / f"{top}.tar.gz"
        with tarfile.open(archive, "w:gz") as t:
            t.add(lay.root / top, arcname=top)
        md5 = hashlib.md5(archive.read_bytes()).hexdigest()
        record["files"].append({"key": archive.name, "checksum": f"md5:{md5}", "size": archive.stat().st_size})
    requests = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            if self.path == "/api/records/8091972":
                body = json.dumps(record).encode()
            elif self.path.startswith("/records/8091972/files/"):
                body = (files / self.path.split("/")[-1].split("?")[0]).read_bytes()
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    from fakebench import downloads

    monkeypatch.setattr(downloads, "ZENODO", f"http://127.0.0.1:{server.server_port}")
    yield lay, files, record, requests
    server.shutdown()


def test_download_dcase23_verifies_and_unpacks(zenodo, tmp_path):
    lay, files, record, requests = zenodo
    target = tmp_path / "data"
    r = invoke("download", "dcase23", "--data-root", target)
    assert r.exit_code == 0, r.output
    assert f"dcase23 is ready in {target / 'dcase23'}" in r.output
    assert (target / "dcase23" / ".extract-DCASE_2023_Challenge_Task_7_Dataset.tar.gz.done").exists()
    r = invoke("info", "dcase23", "--data-root", target, "--json")
    assert sum(s["n"] for s in json.loads(r.output)["splits"].values()) == len(lay.expected)
    n = len(requests)
    assert invoke("download", "dcase23", "--data-root", target).exit_code == 0
    assert [p for p in requests[n:] if "/files/" in p] == []  # finished work is skipped


def test_download_rejects_a_corrupted_archive(zenodo, tmp_path):
    lay, files, record, requests = zenodo
    record["files"][0]["checksum"] = "md5:" + "0" * 32
    r = invoke("download", "dcase23", "--data-root", tmp_path / "data")
    assert r.exit_code == 2 and "checksum mismatch" in r.output and "expected md5 000" in r.output
    assert not list((tmp_path / "data" / "dcase23" / ".downloads").glob("*Dataset.tar.gz"))


# -- end to end ---------------------------------------------------------------------------------------


@pytest.mark.weights
@pytest.mark.parametrize("dataset, build", [
    ("dcase23", lambda root: layouts.dcase23(root, fakes_per_system=3, n_real=12)),
    ("asvspoof19-la", lambda root: layouts.asvspoof19(root, "LA", per_split={"train": (4, 4), "dev": (2, 2),
                                                                              "eval": (3, 3)}, seconds=2.4)),
])
def test_run_end_to_end(shared, tmp_path, dataset, build):
    pytest.importorskip("aisfx")
    lay = build(tmp_path / "data")
    r = invoke("run", "--detector", "sfx-mlp", "--dataset", dataset, "--data-root", lay.root, "--set", "epochs=5",
               "--cache-dir", tmp_path / "cache", "--results", tmp_path / "results", "--device", "cpu")
    assert r.exit_code == 0, r.output
    (record,) = [json.loads(p.read_text()) for p in (tmp_path / "results").rglob("*.json") if "runs" in p.parts]
    assert record["dataset"]["name"] == dataset
    counts = record["dataset"]["counts"]
    n = len(lay.expected) if dataset == "dcase23" else sum(len(v) for v in lay.expected.values())
    assert counts["train"]["n"] + counts["val"]["n"] + counts["eval"]["n"] == n
    assert 0 <= record["metrics"]["eer"] <= 1
    if dataset == "dcase23":
        assert {"class", "system"} <= set(record["breakdowns"])
