"""asvspoof5: the official protocols, track 2 trials and enrolment, ASV score files, the SASV
metrics from its trials, the CLI (info, download from a local stand-in for Zenodo, run)."""

import hashlib
import http.server
import json
import shutil
import tarfile
import threading

import numpy as np
import pytest
from click.testing import CliRunner
from fakebench.cli import main
from fakebench.errors import DatasetError
from fakebench.metrics import asvspoof5 as A
from fakebench.plugins.datasets.asvspoof5 import (
    ARCHIVES,
    ZENODO_RECORD,
    Asvspoof5,
    read_asv_scores,
)
from fakebench.testing import parametrize_with_checks

from . import layouts

pytestmark = pytest.mark.shared


def _layout():
    return layouts.cached("asvspoof5")


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@parametrize_with_checks(lambda: Asvspoof5(root=str(_layout().root)), kind="dataset")
def test_conformance(factory, check, shared):
    check(factory)


def test_clips_carry_every_protocol_field(shared):
    lay = _layout()
    splits = Asvspoof5(root=str(lay.root)).load()
    assert set(splits) == {"train", "val", "eval"}
    for split, expected in lay.expected.items():
        got = {c.id: c for c in splits[split]}
        assert list(got) == list(expected), split
        for cid, e in expected.items():
            c = got[cid]
            assert (c.label, c.speaker, c.system, c.attrs, c.path, c.split) == (
                e["label"], e["speaker"], e["system"], e["attrs"], e["path"], split), cid
    attrs = {k for clips in splits.values() for c in clips for k in c.attrs}
    assert attrs == {"gender", "codec", "codec_q", "attack_tag"} <= set(Asvspoof5.attributes)
    assert {c.system for c in splits["eval"] if c.label} <= {f"A{i}" for i in range(17, 33)}
    assert {c.attrs["codec"] for c in splits["train"]} == {"none"}


def _copy(tmp_path):
    root = tmp_path / "data"
    shutil.copytree(_layout().root, root)
    return root, root / "asvspoof5" / "ASVspoof5_protocols"


@pytest.mark.parametrize("line, message", [
    ("T_0001 T_0000000099 F - - - AC1 A05 spoof - extra", "expected 10 space-separated fields"),
    ("T_0001 T_0000000099 F - - - AC1 A05 fake -", "unknown key 'fake'"),
    ("T_0001 T_0000000099 F - - - - bonafide spoof -", "has attack label 'bonafide'"),
    ("T_0001 T_0000000099 F - - - - A05 bonafide -", "bona fide trial 'T_0000000099' has attack label 'A05'"),
])
def test_protocol_errors_name_file_and_line(shared, tmp_path, line, message):
    root, proto = _copy(tmp_path)
    path = proto / "ASVspoof5.train.tsv"
    lines = path.read_text().splitlines()
    lines.insert(2, line)
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DatasetError) as e:
        Asvspoof5(root=str(root), cache=False).load()
    assert f"{path}:3" in str(e.value) and message in str(e.value)


def test_missing_audio_names_the_line_or_is_skipped(shared, tmp_path):
    root, proto = _copy(tmp_path)
    first = (proto / "ASVspoof5.dev.track_1.tsv").read_text().split()[1]
    (root / "asvspoof5" / "flac_D" / f"{first}.flac").unlink()
    with pytest.raises(DatasetError, match=r"ASVspoof5.dev.track_1.tsv:1 lists .*flac_D/" + first):
        Asvspoof5(root=str(root)).load()
    ds = Asvspoof5(root=str(root), allow_missing=True)
    splits = ds.load()
    assert ds.missing_ == 1 and first not in {c.id for c in splits["val"]}


def test_protocols_in_the_corpus_folder_and_corpus_as_root(shared, tmp_path):
    root, proto = _copy(tmp_path)
    for f in proto.iterdir():
        f.rename(root / "asvspoof5" / f.name)
    proto.rmdir()
    for r in (root, root / "asvspoof5"):
        ds = Asvspoof5(root=str(r))
        assert len(ds.load()["eval"]) == len(_layout().expected["eval"])
        assert ds.trial_file("eval").parent == root / "asvspoof5"


def test_missing_protocols_are_a_clear_error(shared, tmp_path):
    (tmp_path / "asvspoof5").mkdir()
    with pytest.raises(DatasetError, match="ASVspoof5_protocols/ASVspoof5.train.tsv' is missing") as e:
        Asvspoof5(root=str(tmp_path)).load()
    assert "14498691" in e.value.hint


def test_enrolment_lists(shared):
    lay = _layout()
    ds = Asvspoof5(root=str(lay.root))
    for split, name in (("dev", "dev"), ("val", "dev"), ("eval", "eval")):
        enroll = ds.enrollment(split)
        assert enroll == lay.extra[f"enroll_{name}"]
        assert all(p.is_file() for paths in enroll.values() for p in paths)
    # enrolment utterances are not track 1 clips
    ids = {c.id for c in ds.load()["eval"]}
    assert not ids & {p.stem for paths in ds.enrollment("eval").values() for p in paths}


def test_sasv_trials_need_an_asv_score_file(shared):
    assert Asvspoof5(root=str(_layout().root)).sasv_trials("eval") is None


@pytest.mark.parametrize("split", ["eval", "dev"])
def test_sasv_trials_with_scores(shared, split):
    """The eval file has the challenge header (rows in reverse order), the dev file 3 columns."""
    lay = _layout()
    ds = Asvspoof5(root=str(lay.root), asv_score_file=str(lay.extra[f"asv_{split}"]))
    t = ds.sasv_trials(split)
    trials = lay.extra[f"trials_{split}"]
    assert list(t["speaker"]) == [x[0] for x in trials] and list(t["clip_id"]) == [x[1] for x in trials]
    assert list(t["asv_key"]) == [x[4] for x in trials]
    np.testing.assert_array_equal(t["asv_score"], lay.extra[f"asv_values_{split}"])
    assert t["asv_score"].dtype == np.float64


def test_sasv_trials_missing_score(shared, tmp_path):
    lay = _layout()
    lines = lay.extra["asv_dev"].read_text().splitlines()
    short = tmp_path / "short.txt"
    short.write_text("\n".join(lines[:-1]) + "\n")
    with pytest.raises(DatasetError, match=r"ASVspoof5.dev.track_2.trial.tsv:\d+: trial .* has no ASV score"):
        Asvspoof5(root=str(lay.root), asv_score_file=str(short)).sasv_trials("val")
    t = Asvspoof5(root=str(lay.root), asv_score_file=str(short), allow_missing=True).sasv_trials("val")
    assert t["clip_id"].size == len(lines) - 1


@pytest.mark.parametrize("text, message", [
    ("E_1 E_2 0.5\nE_1 E_3 abc\n", "2: ASV score 'abc' is not a number"),
    ("E_1 E_2 0.5\nE_1 E_2 0.7\n", "2 repeats trial E_1 E_2"),
    ("E_1 E_2 0.5 1\n", "1: expected 3 fields"),
    ("spk\tfilename\tcm-score\tasv-score\tsasv-score\nE_1\tE_2\t-\t-\t0.3\n", "2: ASV score '-' is not a number"),
    ("E_1 E_2 nan\n", "is not finite"),
])
def test_asv_score_file_errors(tmp_path, text, message):
    path = tmp_path / "scores.txt"
    path.write_text(text)
    with pytest.raises(DatasetError, match=message):
        read_asv_scores(path)


def test_challenge_time_trial_names_and_three_field_lines(shared, tmp_path):
    root, proto = _copy(tmp_path)
    src = proto / "ASVspoof5.dev.track_2.trial.tsv"
    (proto / "ASVspoof5.dev.trial.txt").write_text(
        "".join(f"{f[0]} {f[1]} {f[4]}\n" for f in (line.split() for line in src.read_text().splitlines())))
    src.unlink()
    (proto / "ASVspoof5.dev.track_2.enroll.tsv").rename(proto / "ASVspoof5.dev.enroll.txt")
    ds = Asvspoof5(root=str(root), asv_score_file=str(_layout().extra["asv_dev"]))
    t = ds.sasv_trials("dev")
    assert list(t["asv_key"]) == [x[4] for x in _layout().extra["trials_dev"]]
    assert set(ds.enrollment("dev")) == set(_layout().extra["enroll_dev"])
    (proto / "ASVspoof5.dev.trial.txt").write_text("D_1000 D_0001000000 genuine\n")
    with pytest.raises(DatasetError, match="ASVspoof5.dev.trial.txt:1: unknown ASV key 'genuine'"):
        Asvspoof5(root=str(root), asv_score_file=str(_layout().extra["asv_dev"]), cache=False).sasv_trials("dev")


def test_sasv_metrics_from_the_dataset(shared):
    """t-EER and the cascade's min a-DCF from the dataset's trials and CM scores of its clips,
    equal to the functions on hand-aligned per-trial arrays."""
    lay = _layout()
    ds = Asvspoof5(root=str(lay.root), asv_score_file=str(lay.extra["asv_eval"]))
    clips = ds.load()["eval"]
    rng = np.random.default_rng(0)
    scores = np.array([rng.normal(1.0 if c.label else -1.0) for c in clips])
    trials = ds.sasv_trials("eval")
    cm, asv, keys = A.trial_scores(scores, [c.id for c in clips], trials)
    by_id = dict(zip([c.id for c in clips], scores))
    np.testing.assert_array_equal(cm, [by_id[i] for i in trials["clip_id"]])
    assert cm.size == len(lay.extra["trials_eval"]) == 18
    value = A.t_eer(cm, asv, keys)
    assert 0.0 <= value <= 1.0
    assert 0.0 <= A.min_adcf(A.tandem_sasv_scores(cm, asv, 0.0), keys) <= 1.0


# -- CLI --------------------------------------------------------------------------------------------


def test_info(shared):
    lay = _layout()
    r = invoke("info", "asvspoof5", "--data-root", lay.root)
    assert r.exit_code == 0, r.output
    for wanted in ("system: A", "codec: C01", "codec_q:", "attack_tag: AC1", "gender: F", "speaker: E_1000"):
        assert wanted in r.output, (wanted, r.output)
    summary = json.loads(invoke("info", "asvspoof5", "--data-root", lay.root, "--json").output)
    assert {s: v["n"] for s, v in summary["splits"].items()} == {s: len(v) for s, v in lay.expected.items()}


@pytest.mark.weights
def test_run_end_to_end(shared, tmp_path):
    pytest.importorskip("aisfx")
    lay = _layout()
    r = invoke("run", "--detector", "sfx-logreg", "--dataset", "asvspoof5", "--data-root", lay.root,
               "--set", f"asv_score_file={lay.extra['asv_eval']}", "--cache-dir", tmp_path / "cache",
               "--results", tmp_path / "results", "--device", "cpu")
    assert r.exit_code == 0, r.output
    (record,) = [json.loads(p.read_text()) for p in (tmp_path / "results").rglob("*.json") if "runs" in p.parts]
    assert record["dataset"]["name"] == "asvspoof5"
    counts = record["dataset"]["counts"]
    assert [counts[s]["n"] for s in ("train", "val", "eval")] == [len(lay.expected[s]) for s in ("train", "val", "eval")]
    metrics = record["metrics"]
    assert 0 <= metrics["eer"] <= 1 and 0 <= metrics["min_cllr"] <= 1 and metrics["min_dcf"] is not None
    assert {"codec", "system", "attack_tag"} <= set(record["breakdowns"])
    for name in ("t_eer", "min_adcf"):  # present once the runner passes sasv_trials and clip_ids
        assert name not in metrics or metrics[name] is None or 0 <= metrics[name] <= 1


@pytest.fixture
def zenodo(tmp_path, monkeypatch):
    """The tiny layout packed as the release's 19 archives, served with a Zenodo-API record."""
    lay = _layout()
    corpus = lay.root / "asvspoof5"
    files = tmp_path / "served"
    files.mkdir()
    parts = {"T": sorted((corpus / "flac_T").iterdir()), "D": sorted((corpus / "flac_D").iterdir()),
             "E": sorted((corpus / "flac_E_eval").iterdir())}
    folders = {"T": "flac_T", "D": "flac_D", "E": "flac_E_eval"}
    record = {"files": []}
    for name in ARCHIVES:
        archive = files / name
        if name.startswith("flac_"):
            split = name[5]
            mine = [n for n in ARCHIVES if n.startswith(f"flac_{split}_")]
            chunk = parts[split][mine.index(name)::len(mine)]
            with tarfile.open(archive, "w") as t:
                for f in chunk:
                    t.add(f, arcname=f"{folders[split]}/{f.name}")
        else:
            with tarfile.open(archive, "w:gz") as t:
                t.add(corpus / "ASVspoof5_protocols", arcname="ASVspoof5_protocols")
        md5 = hashlib.md5(archive.read_bytes()).hexdigest()
        record["files"].append({"key": name, "checksum": f"md5:{md5}", "size": archive.stat().st_size})
    record["files"].append({"key": "README.txt", "checksum": "md5:0", "size": 1})
    requests = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            if self.path == f"/api/records/{ZENODO_RECORD}":
                body = json.dumps(record).encode()
            elif self.path.startswith(f"/records/{ZENODO_RECORD}/files/"):
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
    yield lay, record, requests
    server.shutdown()


def test_download_verifies_and_unpacks_every_archive(shared, zenodo, tmp_path):
    lay, _, requests = zenodo
    target = tmp_path / "data"
    r = invoke("download", "asvspoof5", "--data-root", target)
    assert r.exit_code == 0, r.output
    assert f"asvspoof5 is ready in {target / 'asvspoof5'}" in r.output
    fetched = {p.split("/")[-1].split("?")[0] for p in requests if "/files/" in p}
    assert fetched == set(ARCHIVES)                       # the 19 archives, not the README
    summary = json.loads(invoke("info", "asvspoof5", "--data-root", target, "--json").output)
    assert {s: v["n"] for s, v in summary["splits"].items()} == {s: len(v) for s, v in lay.expected.items()}
    assert Asvspoof5(root=str(target)).enrollment("eval").keys() == lay.extra["enroll_eval"].keys()


def test_download_rejects_a_corrupted_archive(shared, zenodo, tmp_path):
    _, record, _ = zenodo
    record["files"][3]["checksum"] = "md5:" + "0" * 32
    r = invoke("download", "asvspoof5", "--data-root", tmp_path / "data")
    assert r.exit_code == 2 and "checksum mismatch" in r.output
