"""foley-demo and manifest datasets, on the real shared clips and on tmp layouts."""

import csv

import pytest

from fakebench.errors import DatasetError
from fakebench.plugins.datasets.foley_demo import SOURCES, FoleyDemo
from fakebench.plugins.datasets.manifest import Manifest
from fakebench.testing import parametrize_with_checks

from conftest import SHARED, write_wav


def _foley():
    return FoleyDemo(root=str(SHARED / "data"))


@pytest.mark.shared
@parametrize_with_checks(_foley, kind="dataset")
def test_foley_demo_conformance(factory, check, shared):
    check(factory)


@pytest.mark.shared
def test_foley_demo_counts_and_attributes(shared):
    splits = _foley().load()
    clips = [c for v in splits.values() for c in v]
    assert len(clips) == 142
    assert sum(c.label == 0 for c in clips) == 21
    assert len({c.system for c in clips if c.label == 1}) == 8
    assert len({c.cls for c in clips}) == 7
    assert all(c.duration == pytest.approx(4.0) for c in clips)


@pytest.mark.shared
def test_foley_demo_unseen_systems(shared):
    splits = FoleyDemo(root=str(shared / "data"), protocol="unseen-systems", seed=2).load()
    held = {c.system for c in splits["eval"] if c.label == 1}
    seen = {c.system for s in ("train", "val") for c in splits[s] if c.label == 1}
    assert held and not held & seen


def test_foley_demo_missing_root_names_folder(tmp_path):
    with pytest.raises(DatasetError, match="does not exist"):
        FoleyDemo(root=str(tmp_path / "nowhere")).load()


def test_foley_demo_missing_manifest_says_how_to_get_it(tmp_path):
    with pytest.raises(DatasetError, match="fakebench download foley-demo"):
        FoleyDemo(root=str(tmp_path)).load()


def test_source_index_is_complete():
    rows = list(csv.DictReader(open(SOURCES), delimiter="\t"))
    assert len(rows) == 142
    assert all(len(r["sha256"]) == 64 and r["repo"] and r["source_path"] for r in rows)


def test_download_verifies_checksums_and_converts(tmp_path, monkeypatch):
    """Download with a fake network: files come from a local 'remote' folder."""
    from fakebench.plugins.datasets import foley_demo
    import hashlib
    import shutil

    remote = tmp_path / "remote"
    rows = [
        {"path": "x/real/a.wav", "label": "real", "class": "rain", "system": "dcase23-dev", "repo": "o/r",
         "ref": "HEAD", "source_path": "a.wav"},
        {"path": "x/fake/b.wav", "label": "fake", "class": "rain", "system": "gen", "repo": "o/r", "ref": "HEAD",
         "source_path": "b.wav"},
    ]
    for r, sr in zip(rows, (44100, 16000)):
        write_wav(remote / r["source_path"], seconds=4.5, sr=sr, channels=2)
        r["sha256"] = hashlib.sha256((remote / r["source_path"]).read_bytes()).hexdigest()
    index = tmp_path / "index.tsv"
    with open(index, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), delimiter="\t")
        w.writeheader()
        w.writerows(rows)

    def fake_download(url, dest, sha256, progress=False):
        name = url.rsplit("/", 1)[1]
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(remote / name, dest)
        assert hashlib.sha256(dest.read_bytes()).hexdigest() == sha256
        return dest

    monkeypatch.setattr(foley_demo, "SOURCES", index)
    monkeypatch.setattr(foley_demo, "download", fake_download)
    folder = FoleyDemo(root=str(tmp_path / "data")).download(tmp_path / "data")
    import soundfile as sf

    info = sf.info(str(folder / "x/real/a.wav"))
    assert (info.samplerate, info.channels, info.subtype, info.frames) == (22050, 1, "PCM_16", 4 * 22050)
    clips = [c for v in FoleyDemo(root=str(tmp_path / "data")).load().values() for c in v]
    assert len(clips) == 2


def test_manifest_bad_rows_name_file_and_line(tmp_path):
    write_wav(tmp_path / "a.wav")
    (tmp_path / "manifest.csv").write_text("path,label\na.wav,real\na.wav,maybe\n")
    with pytest.raises(DatasetError, match=r"manifest.csv:3"):
        Manifest(root=str(tmp_path)).load()


def test_manifest_duplicate_id(tmp_path):
    write_wav(tmp_path / "a.wav")
    (tmp_path / "m.csv").write_text("path,label\na.wav,real\na.wav,fake\n")
    with pytest.raises(DatasetError, match="repeats id"):
        Manifest(root=str(tmp_path / "m.csv")).load()


def test_manifest_missing_file_and_allow_missing(tmp_path, caplog):
    for i in range(6):
        write_wav(tmp_path / f"r{i}.wav")
        write_wav(tmp_path / f"f{i}.wav")
    lines = ["path,label"] + [f"r{i}.wav,real" for i in range(6)] + [f"f{i}.wav,fake" for i in range(6)] + ["gone.wav,fake"]
    (tmp_path / "manifest.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(DatasetError, match=r"manifest.csv:14 lists .*gone.wav"):
        Manifest(root=str(tmp_path)).load()
    splits = Manifest(root=str(tmp_path), allow_missing=True).load()
    assert sum(len(v) for v in splits.values()) == 12
    assert "skipped 1 missing" in caplog.text


def test_manifest_missing_column(tmp_path):
    (tmp_path / "manifest.csv").write_text("file,label\nx.wav,real\n")
    with pytest.raises(DatasetError, match="no 'path' column"):
        Manifest(root=str(tmp_path)).load()


def test_manifest_given_split_column(tmp_path):
    rows = ["path,label,split,speaker"]
    for i, split in enumerate(["train", "train", "dev", "test"] * 2):
        write_wav(tmp_path / f"{i}.wav")
        rows.append(f"{i}.wav,{'spoof' if i % 2 else 'bonafide'},{split},spk{i % 3}")
    (tmp_path / "manifest.csv").write_text("\n".join(rows) + "\n")
    s = Manifest(root=str(tmp_path)).load()
    assert [len(s[k]) for k in ("train", "val", "eval")] == [4, 2, 2]
    assert s["train"][0].speaker == "spk0"


# -- fetched on first use: `fakebench run -D foley-demo` with no --data-root ----------------------------------


@pytest.fixture
def foley_sources(tmp_path, monkeypatch, shared, foley_rows):
    """A local stand-in for raw.githubusercontent.com serving 10 real and 10 generated
    shared clips, and a source index (foley_demo.tsv's columns) listing them."""
    import hashlib
    import http.server
    import threading

    from fakebench.plugins.datasets import foley_demo

    chosen = [r for r in foley_rows if r["label"] == "real"][:10] + [r for r in foley_rows if r["label"] == "fake"][:10]
    rows = []
    for r in chosen:
        data = (shared / "data" / "foley" / r["path"]).read_bytes()
        rows.append({"path": r["path"], "label": r["label"], "class": r["class"], "system": r["system"],
                     "repo": "owner/repo", "ref": "main", "source_path": r["path"],
                     "sha256": hashlib.sha256(data).hexdigest()})
    index = tmp_path / "sources.tsv"
    with open(index, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), delimiter="\t")
        w.writeheader()
        w.writerows(rows)
    requests = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def _serve(self, body: bool):
            requests.append((self.command, self.path))
            prefix = "/owner/repo/main/"
            path = shared / "data" / "foley" / self.path[len(prefix):]
            if not self.path.startswith(prefix) or ".." in self.path or not path.is_file():
                self.send_error(404)
                return
            data = path.read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if body:
                self.wfile.write(data)

        def do_GET(self):
            self._serve(True)

        def do_HEAD(self):
            self._serve(False)

        def log_message(self, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(foley_demo, "RAW", f"http://127.0.0.1:{server.server_port}")
    monkeypatch.setattr(foley_demo, "SOURCES", index)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)  # the suite's default: implicit downloads off
    yield rows, requests
    server.shutdown()
    server.server_close()


def _invoke(*args):
    from click.testing import CliRunner

    from fakebench.cli import main

    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.mark.shared
def test_run_fetches_the_demo_set_on_first_use(foley_sources, isolated_home, tmp_path):
    """`fakebench run --dataset foley-demo` on a fresh install, no --data-root: --check
    plans the download without making it; the run downloads (sha256-checked) into the
    default data root, converts and runs; a second run fetches nothing. (logmel-mlp stands
    in for the Quick Start's sfx-mlp: the download is the same, the test is faster.)"""
    import json

    import soundfile as sf

    rows, requests = foley_sources
    folder = isolated_home / ".fakebench" / "data" / "foley"
    check = _invoke("run", "--detector", "logmel-mlp", "--dataset", "foley-demo", "--check")
    assert check.exit_code == 0, check.output
    assert "will be downloaded" in check.output and str(folder) in check.output and "20 files" in check.output
    assert [m for m, _ in requests] == ["HEAD"]  # only the reachability check
    assert not folder.exists()

    r = _invoke("run", "--detector", "logmel-mlp", "--dataset", "foley-demo", "--set", "epochs=2", "--device", "cpu",
                "--json")
    assert r.exit_code == 0, r.output
    gets = [p for m, p in requests if m == "GET"]
    assert len(gets) == 20 and len(set(gets)) == 20
    assert "foley-demo: downloading" in r.stderr
    (rec,) = json.loads(r.stdout)
    counts = rec["dataset"]["counts"]
    assert sum(counts[s]["n"] for s in ("train", "val", "eval")) == 20
    info = sf.info(str(folder / rows[0]["path"]))
    assert (info.samplerate, info.channels, info.subtype, info.frames) == (22050, 1, "PCM_16", 4 * 22050)
    assert (folder / "manifest.csv").is_file() and (folder / ".download.done").is_file()

    n = len(requests)
    again = _invoke("run", "--detector", "logmel-mlp", "--dataset", "foley-demo", "--check")
    assert again.exit_code == 0 and "will be downloaded" not in again.output
    assert "train" in again.output and str(folder) in again.output
    assert len(requests) == n  # nothing fetched, nothing probed


def test_a_corrupted_source_is_refused(foley_sources, tmp_path):
    from fakebench.plugins.datasets import foley_demo

    rows, _ = foley_sources
    bad = tmp_path / "bad.tsv"
    rows = [dict(rows[0], sha256="0" * 64)] + rows[1:]
    with open(bad, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), delimiter="\t")
        w.writeheader()
        w.writerows(rows)
    foley_demo.SOURCES = bad  # restored by the fixture's monkeypatch
    with pytest.raises(DatasetError, match="checksum mismatch") as e:
        FoleyDemo(root=str(tmp_path / "data")).download(tmp_path / "data")
    assert str(tmp_path / "data" / "foley") in str(e.value)
    assert not (tmp_path / "data" / "foley" / rows[0]["path"]).exists()


def test_no_network_names_the_url_and_the_folder(monkeypatch, isolated_home):
    """No server answers: the run stops at start with the URL and the folder to fill."""
    import socket
    import time

    from fakebench.plugins.datasets import foley_demo

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    s.close()
    monkeypatch.setattr(foley_demo, "RAW", dead)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    folder = isolated_home / ".fakebench" / "data" / "foley"
    t = time.perf_counter()
    r = _invoke("run", "--detector", "logmel-mlp", "--dataset", "foley-demo")
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert dead + "/FurioColombo/mamba-foley/" in r.output and str(folder) in r.output
    assert "fakebench download foley-demo" in r.output
    assert time.perf_counter() - t < 15
    with pytest.raises(DatasetError) as e:  # the dataset alone, as `fakebench info` would load it
        FoleyDemo().load()
    assert dead in str(e.value) and str(folder) in str(e.value)


def test_downloads_off_says_so_and_where(monkeypatch, isolated_home):
    monkeypatch.setenv("FAKEBENCH_OFFLINE", "1")
    folder = isolated_home / ".fakebench" / "data" / "foley"
    r = _invoke("run", "--detector", "logmel-mlp", "--dataset", "foley-demo", "--check")
    assert r.exit_code == 2
    assert "downloads are off" in r.output and str(folder) in r.output and "raw.githubusercontent.com" in r.output
    assert not folder.exists()


def test_an_explicit_manifest_is_honoured(shared, tmp_path):
    from fakebench.plugins.datasets.foley_demo import FoleyDemo

    splits = FoleyDemo(root=str(tmp_path / "nowhere"), manifest=str(shared / "data" / "foley" / "manifest.csv")).load()
    assert sum(len(v) for v in splits.values()) == 142
    import pytest

    from fakebench.errors import DatasetError

    with pytest.raises(DatasetError, match="manifest.*does not exist"):
        FoleyDemo(manifest=str(tmp_path / "missing.csv")).load()
