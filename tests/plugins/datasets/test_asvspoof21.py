"""asvspoof21-la / -df: 2021 eval audio + full keys, training on ASVspoof 2019 LA from the same root."""

import shutil

import pytest

from fakebench.errors import DatasetError
from fakebench.plugins.datasets.asvspoof21 import Asvspoof21DF, Asvspoof21LA
from fakebench.testing import parametrize_with_checks

from . import layouts

pytestmark = pytest.mark.shared
CLASSES = {"LA": Asvspoof21LA, "DF": Asvspoof21DF}


def _layout(track):
    return layouts.cached("asvspoof21", track)


@parametrize_with_checks(lambda: Asvspoof21LA(root=str(_layout("LA").root), subset="all"), kind="dataset")
def test_conformance_la(factory, check, shared):
    check(factory)


@parametrize_with_checks(lambda: Asvspoof21DF(root=str(_layout("DF").root), subset="all"), kind="dataset")
def test_conformance_df(factory, check, shared):
    check(factory)


@pytest.mark.parametrize("track", ["LA", "DF"])
def test_eval_clips_carry_every_metadata_field(shared, track):
    lay = _layout(track)
    splits = CLASSES[track](root=str(lay.root), subset="all").load()
    got = {c.id: c for c in splits["eval"]}
    assert list(got) == list(lay.expected["eval"])
    for cid, e in lay.expected["eval"].items():
        c = got[cid]
        assert (c.label, c.speaker, c.system, c.attrs, c.path) == (e["label"], e["speaker"], e["system"], e["attrs"],
                                                                   e["path"]), cid
    declared = set(CLASSES[track].attributes)
    assert {k for c in got.values() for k in c.attrs} <= declared


@pytest.mark.parametrize("track", ["LA", "DF"])
def test_train_and_val_are_asvspoof2019_la(shared, track):
    lay = _layout(track)
    splits = CLASSES[track](root=str(lay.root)).load()
    for split in ("train", "val"):
        assert [c.id for c in splits[split]] == list(lay.expected[split])
        assert all(c.path.parent.parent.parent.name == "LA" for c in splits[split])


def test_asvspoof19_root_parameter(shared, tmp_path):
    lay = _layout("LA")
    moved = tmp_path / "elsewhere"
    shutil.copytree(lay.root / "LA", moved / "LA")
    root21 = tmp_path / "root21"
    root21.mkdir()
    for name in ("keys", "ASVspoof2021_LA_eval"):
        (root21 / name).symlink_to(lay.root / name)
    with pytest.raises(DatasetError, match="trains on ASVspoof 2019 LA") as e:
        Asvspoof21LA(root=str(root21)).load()
    assert "asvspoof19_root" in e.value.hint
    splits = Asvspoof21LA(root=str(root21), asvspoof19_root=str(moved)).load()
    assert len(splits["train"]) == 8 and len(splits["val"]) == 4


@pytest.mark.parametrize("subset, want", [("eval", {"eval"}), ("progress", {"progress"}),
                                          ("eval,hidden", {"eval", "hidden"}), ("all", {"eval", "progress", "hidden"})])
def test_subset_selection(shared, subset, want):
    lay = _layout("DF")
    ev = Asvspoof21DF(root=str(lay.root), subset=subset).load()["eval"]
    assert {c.attrs["subset"] for c in ev} == want
    assert len(ev) == sum(e["attrs"]["subset"] in want for e in lay.expected["eval"].values())


def test_unknown_subset(shared):
    with pytest.raises(DatasetError, match="unknown subset"):
        Asvspoof21DF(root=str(_layout("DF").root), subset="evil").load()


def test_df_audio_may_be_split_over_part_folders(shared):
    lay = _layout("DF")
    parts = {c.path.parent.parent.parent.name for c in Asvspoof21DF(root=str(lay.root), subset="all").load()["eval"]}
    assert parts == {"ASVspoof2021_DF_eval_part00", "ASVspoof2021_DF_eval_part01"}


def test_missing_keys_say_where_to_get_them(shared, tmp_path):
    (tmp_path / "ASVspoof2021_LA_eval" / "flac").mkdir(parents=True)
    with pytest.raises(DatasetError, match="keys/LA/CM/trial_metadata.txt' is missing") as e:
        Asvspoof21LA(root=str(tmp_path)).load()
    assert "LA-keys-full.tar.gz" in e.value.hint


def test_keys_in_the_archive_folder_are_found(shared, tmp_path):
    lay = _layout("LA")
    root = tmp_path / "r"
    (root / "LA-keys-full").mkdir(parents=True)
    (root / "LA-keys-full" / "keys").symlink_to(lay.root / "keys")
    for name in ("LA", "ASVspoof2021_LA_eval"):
        (root / name).symlink_to(lay.root / name)
    assert len(Asvspoof21LA(root=str(root), subset="all").load()["eval"]) == len(lay.expected["eval"])


@pytest.fixture
def df_copy(shared, tmp_path):
    lay = _layout("DF")
    root = tmp_path / "df"
    shutil.copytree(lay.root, root)
    return root, lay


def test_missing_flac_names_metadata_line(df_copy, caplog):
    root, lay = df_copy
    meta = root / "keys" / "DF" / "CM" / "trial_metadata.txt"
    line5 = meta.read_text().splitlines()[4].split()[1]
    next(root.glob(f"ASVspoof2021_DF_eval_part*/ASVspoof2021_DF_eval/flac/{line5}.flac")).unlink()
    with pytest.raises(DatasetError, match=rf"trial_metadata.txt:5 lists {line5}.flac"):
        Asvspoof21DF(root=str(root), subset="all").load()
    ds = Asvspoof21DF(root=str(root), subset="all", allow_missing=True)
    assert len(ds.load()["eval"]) == len(lay.expected["eval"]) - 1 and ds.missing_ == 1


@pytest.mark.parametrize("line, match", [
    ("LA_0023 DF_E_9999999 nocodec asvspoof A14 spoof notrim eval", "expected 13 space-separated fields"),
    ("LA_0023 DF_E_9999999 nocodec asvspoof A14 spoofed notrim eval unknown - - - -", "unknown label 'spoofed'"),
    ("LA_0023 DF_E_9999999 nocodec asvspoof A14 spoof notrim final unknown - - - -", "unknown subset 'final'"),
])
def test_bad_metadata_line(df_copy, line, match):
    root, lay = df_copy
    meta = root / "keys" / "DF" / "CM" / "trial_metadata.txt"
    n = len(meta.read_text().splitlines())
    meta.write_text(meta.read_text() + line + "\n")
    with pytest.raises(DatasetError, match=rf"trial_metadata.txt:{n + 1}: {match}"):
        Asvspoof21DF(root=str(root)).load()


@pytest.mark.parametrize("text", ["", "# keys withheld\n\n"])
def test_a_metadata_file_listing_nothing_is_an_error_on_the_cli(df_copy, text, tmp_path, monkeypatch):
    from click.testing import CliRunner
    from fakebench.cli import main

    root, _ = df_copy
    (root / "keys" / "DF" / "CM" / "trial_metadata.txt").write_text(text)
    monkeypatch.setenv("FAKEBENCH_HOME", str(tmp_path / "home"))
    r = CliRunner().invoke(main, ["info", "-D", "asvspoof21-df", "--data-root", str(root)])
    assert r.exit_code == 2, r.output
    assert "trial_metadata.txt' lists nothing (it is empty, or holds only comments)" in r.output


def test_nine_field_df_lines_are_accepted(df_copy):
    root, lay = df_copy
    meta = root / "keys" / "DF" / "CM" / "trial_metadata.txt"
    meta.write_text("".join(" ".join(line.split()[:9]) + "\n" for line in meta.read_text().splitlines()))
    ev = Asvspoof21DF(root=str(root), subset="all").load()["eval"]
    assert len(ev) == len(lay.expected["eval"]) and not any("vcc_task" in c.attrs for c in ev)


# -- the LA keys archive: current and first-release md5 ------------------------------------------------

def test_keys_md5_accepts_the_current_and_the_first_release():
    from fakebench.plugins.datasets import asvspoof21

    # eval-package/README.md and download.sh of github.com/asvspoof-challenge/2021 (2023-04-13)
    assert asvspoof21.KEYS_MD5["LA"][0] == "f052cc2ed276745afa3b5198665d3b26"
    assert "037592a0515971bbd0fa3bff2bad4abc" in asvspoof21.KEYS_MD5["LA"]
    assert asvspoof21.KEYS_MD5["DF"] == ("dabbc5628de4fcef53036c99ac7ab93a",)


@pytest.fixture
def keys_server(tmp_path, monkeypatch):
    """Serve an LA-keys-full.tar.gz (keys/LA/CM/trial_metadata.txt) over HTTP."""
    import hashlib
    import http.server
    import tarfile
    import threading

    from fakebench.plugins.datasets import asvspoof21

    src = tmp_path / "src"
    (src / "keys" / "LA" / "CM").mkdir(parents=True)
    (src / "keys" / "LA" / "CM" / "trial_metadata.txt").write_text(
        "LA_0009 LA_E_9332881 alaw ita_tx A07 spoof notrim eval\n")
    archive = tmp_path / "LA-keys-full.tar.gz"
    with tarfile.open(archive, "w:gz") as t:
        t.add(src / "keys", arcname="keys")
    body = archive.read_bytes()
    requests = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(asvspoof21, "KEYS_URL", f"http://127.0.0.1:{server.server_port}/{{track}}-keys-full.tar.gz")
    yield asvspoof21, hashlib.md5(body).hexdigest(), requests
    server.shutdown()


def test_fetch_keys_accepts_any_listed_md5(keys_server, tmp_path, monkeypatch):
    mod, md5, requests = keys_server
    monkeypatch.setitem(mod.KEYS_MD5, "LA", ("0" * 32, md5))  # the served archive stands for a listed release
    target = tmp_path / "data"
    mod.fetch_keys("LA", target)
    assert (target / "keys" / "LA" / "CM" / "trial_metadata.txt").is_file()
    mod.fetch_keys("LA", target)
    assert len(requests) == 1  # unpacked once; the second call does nothing


def test_fetch_keys_rejects_an_unlisted_md5(keys_server, tmp_path):
    from fakebench.errors import FakebenchError

    mod, md5, _ = keys_server
    with pytest.raises(FakebenchError, match=rf"md5 {md5}, expected f052cc2ed276745afa3b5198665d3b26 or "
                                             "037592a0515971bbd0fa3bff2bad4abc"):
        mod.fetch_keys("LA", tmp_path / "data")
    assert not (tmp_path / "data" / ".downloads" / "LA-keys-full.tar.gz").exists()
    assert not (tmp_path / "data" / "keys").exists()


# -- t-DCF: the organisers' ASV protocol and scores in the LA keys ------------------------------------

#: (ASV trial_metadata.txt line, score.txt line), in file order. Trials repeat (one trial is scored
#: against several claimed speakers), so the organisers' package pairs the two files by position.
ASV_ROWS = [
    ("LA_0009 LA_E_1000001 alaw ita_tx bonafide target notrim eval", "LA_0009 LA_E_1000001 3.25"),
    ("LA_0010 LA_E_1000001 alaw ita_tx bonafide nontarget notrim eval", "LA_0010 LA_E_1000001 -1.5"),
    ("LA_0009 LA_E_1000002 none loc_tx A07 spoof notrim eval", "LA_0009 LA_E_1000002 0.75"),
    ("LA_0011 LA_E_1000003 pstn sin_tx bonafide target notrim progress", "LA_0011 LA_E_1000003 2.0"),
    ("LA_0012 LA_E_1000004 g722 mad_tx bonafide target notrim eval", "LA_0012 LA_E_1000004 4.0"),
    ("LA_0012 LA_E_1000005 gsm ita_tx A10 spoof trim hidden", "LA_0012 LA_E_1000005 -0.25"),
    ("LA_0013 LA_E_1000006 opus loc_tx bonafide nontarget notrim progress", "LA_0013 LA_E_1000006 -2.75"),
    ("LA_0013 LA_E_1000007 ulaw sin_tx A19 spoof notrim eval", "LA_0013 LA_E_1000007 -0.5"),
    ("LA_0014 LA_E_1000008 alaw mad_tx bonafide nontarget notrim eval", "LA_0014 LA_E_1000008 -3.0"),
    ("LA_0014 LA_E_1000009 none ita_tx A13 spoof notrim progress", "LA_0014 LA_E_1000009 1.25"),
]
#: worked out by hand from ASV_ROWS: KEY per SUBSET, in file order
ASV_EXPECTED = {
    "eval": {"target": [3.25, 4.0], "nontarget": [-1.5, -3.0], "spoof": [0.75, -0.5]},
    "progress": {"target": [2.0], "nontarget": [-2.75], "spoof": [1.25]},
    "hidden": {"target": [], "nontarget": [], "spoof": [-0.25]},
}


def _asv_keys(root, folder="ASVTorch_Kaldi", rows=ASV_ROWS):
    keys = root / "keys" / "LA"
    (keys / "CM").mkdir(parents=True, exist_ok=True)
    if not (keys / "CM" / "trial_metadata.txt").exists():
        (keys / "CM" / "trial_metadata.txt").write_text("LA_0009 LA_E_9332881 alaw ita_tx A07 spoof notrim eval\n")
    (keys / "ASV" / folder).mkdir(parents=True, exist_ok=True)
    (keys / "ASV" / "trial_metadata.txt").write_text("".join(m + "\n" for m, _ in rows))
    (keys / "ASV" / folder / "score.txt").write_text("".join(s + "\n" for _, s in rows))
    return keys


@pytest.mark.parametrize("subset", ["eval", "progress", "hidden"])
def test_asv_scores_follow_the_organisers_selection(tmp_path, subset):
    _asv_keys(tmp_path)
    got = Asvspoof21LA(root=str(tmp_path), subset=subset).asv_scores("eval")
    assert set(got) == {"target", "nontarget", "spoof"}
    for key, want in ASV_EXPECTED[subset].items():
        assert got[key].dtype.name == "float64" and got[key].tolist() == want, key


def test_asv_scores_readme_spelling_and_archive_folder(tmp_path):
    _asv_keys(tmp_path / "LA-keys-full", folder="ASVtorch_kaldi")
    got = Asvspoof21LA(root=str(tmp_path)).asv_scores()
    assert got["target"].tolist() == [3.25, 4.0]


def test_asv_scores_absent_or_several_subsets_is_none(tmp_path):
    assert Asvspoof21LA(root=str(tmp_path)).asv_scores() is None  # no keys at all
    keys = _asv_keys(tmp_path)
    assert Asvspoof21LA(root=str(tmp_path), subset="all").asv_scores() is None
    assert Asvspoof21LA(root=str(tmp_path), subset="eval,progress").asv_scores() is None
    (keys / "ASV" / "ASVTorch_Kaldi" / "score.txt").unlink()
    assert Asvspoof21LA(root=str(tmp_path)).asv_scores() is None
    assert Asvspoof21DF(root=str(tmp_path)).asv_scores() is None  # the organisers define no DF t-DCF
    with pytest.raises(DatasetError, match="no ASV scores for split 'train'"):
        Asvspoof21LA(root=str(tmp_path)).asv_scores("train")


def test_asv_scores_val_is_asvspoof2019_dev(shared, tmp_path):
    lay = layouts.asvspoof19(tmp_path, "LA", per_split={"train": (1, 1), "dev": (1, 1), "eval": (1, 1)}, seconds=0.5)
    got = Asvspoof21LA(root=str(lay.root)).asv_scores("val")
    rows = lay.extra["asv_dev"]
    assert got["target"].tolist() == pytest.approx([v for _, k, v in rows if k == "target"], abs=1e-6)


@pytest.mark.parametrize("edit, match", [
    (lambda rows: rows[:-1] + [(rows[-1][0], "")], r"score.txt has 9 scores but .*trial_metadata.txt lists 10"),
    (lambda rows: rows[:2] + [(rows[2][0], "LA_0009 LA_E_1000099 0.75")] + rows[3:],
     r"score.txt:3 scores trial 'LA_E_1000099' but .*trial_metadata.txt:3 .* is trial 'LA_E_1000002'"),
    (lambda rows: rows[:1] + [(rows[1][0].replace("nontarget", "impostor"), rows[1][1])] + rows[2:],
     r"ASV/trial_metadata.txt:2: unknown ASV key 'impostor'"),
    (lambda rows: rows[:1] + [(rows[1][0], "LA_0010 LA_E_1000001 nan")] + rows[2:], r"score.txt:2: score 'nan' is not finite"),
])
def test_asv_file_errors_name_the_line(tmp_path, edit, match):
    _asv_keys(tmp_path, rows=[r for r in edit(ASV_ROWS)])
    with pytest.raises(DatasetError, match=match):
        Asvspoof21LA(root=str(tmp_path)).asv_scores()


@pytest.mark.weights
def test_cli_run_computes_min_tdcf_2021_on_2021_la(shared, tmp_path):
    import json

    from click.testing import CliRunner

    from fakebench.cli import main

    pytest.importorskip("aisfx")
    root = tmp_path / "la"
    shutil.copytree(_layout("LA").root, root)
    _asv_keys(root)
    r = CliRunner().invoke(main, ["run", "--detector", "sfx-logreg", "--dataset", "asvspoof21-la", "--data-root",
                                  str(root), "--metric", "eer", "--metric", "min_tdcf_2021",
                                  "--cache-dir", str(layouts.embedding_cache()), "--results", str(tmp_path / "res")])
    assert r.exit_code == 0, r.output
    (rec,) = [json.loads(p.read_text()) for p in (tmp_path / "res").rglob("*.json") if "runs" in p.parts]
    assert isinstance(rec["metrics"]["min_tdcf_2021"], float) and rec["metrics"]["min_tdcf_2021"] >= 0
