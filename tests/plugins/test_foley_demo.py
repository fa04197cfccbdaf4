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
