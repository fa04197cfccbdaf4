"""fakebench evaluate: any system's score file, joined exactly with a protocol, gives the
official numbers and an ordinary record that leaderboards show beside fakebench's runs."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from fakebench.cli import main
from fakebench.external import read_score_file
from fakebench.results import ResultStore

from metrics.test_eer import official_det, official_eer
from plugins.datasets import layouts


@pytest.fixture(scope="module")
def la19(tmp_path_factory):
    root = tmp_path_factory.mktemp("asv19")
    lay = layouts.asvspoof19(root, per_split={"train": (4, 4), "dev": (3, 3), "eval": (12, 18)})
    eval_ids = sorted(lay.expected["eval"])
    return root, lay, eval_ids


def write_scores(path, ids, scores, fmt="utt-score", labels=None):
    with open(path, "w") as f:
        if fmt == "table":
            f.write("filename\tcm-score\n")
            f.writelines(f"{i}\t{s:.6f}\n" for i, s in zip(ids, scores))
        elif fmt == "asvspoof2019":
            f.writelines(f"{i} {'A07' if lab else '-'} {'spoof' if lab else 'bonafide'} {s:.6f}\n"
                         for i, s, lab in zip(ids, scores, labels))
        else:
            f.writelines(f"{i} {s:.6f}\n" for i, s in zip(ids, scores))
    return path


def evaluate(*args):
    return CliRunner().invoke(main, ["evaluate", *args], catch_exceptions=False)


def _bonafide_high_scores(lay, ids, seed=0):
    rng = np.random.default_rng(seed)
    labels = np.array([lay.expected["eval"][i]["label"] for i in ids])
    return rng.normal(size=len(ids)) + 1.2 * (1 - labels), labels  # higher = bona fide, like the ASVspoof packages


def test_official_eer_and_min_tdcf_of_a_score_file(la19, tmp_path):
    root, lay, ids = la19
    scores, labels = _bonafide_high_scores(lay, ids)
    # the file's lines are shuffled: order must not matter
    order = np.random.default_rng(1).permutation(len(ids))
    f = write_scores(tmp_path / "sys.txt", [ids[i] for i in order], scores[order], fmt="asvspoof2019",
                     labels=labels[order])
    r = evaluate("--scores", str(f), "--dataset", "asvspoof19-la", "--data-root", str(root), "--score-direction",
                 "bonafide-high", "--name", "mysystem", "--results", str(tmp_path / "res"), "--json")
    assert r.exit_code == 0, r.output
    rec = json.loads(r.stdout)
    # the official algorithm, on the file's own numbers (bona fide = target, higher = bona fide)
    rounded = np.round(scores, 6)
    ref_eer, _ = official_eer(rounded[labels == 0], rounded[labels == 1])
    assert rec["metrics"]["eer"] == pytest.approx(ref_eer, abs=1e-12)
    asv = {k: np.array([v for _, key, v in lay.extra["asv_eval"] if key == k]) for k in ("target", "nontarget", "spoof")}
    _, thr = official_eer(asv["target"], asv["nontarget"])
    pfa, pmiss = np.mean(asv["nontarget"] >= thr), np.mean(asv["target"] < thr)
    pmiss_spoof = np.mean(asv["spoof"] < thr)
    ptar, pnon = 0.95 * 0.99, 0.95 * 0.01
    c1 = ptar * (1 - pmiss) - pnon * 10 * pfa
    c2 = 10 * 0.05 * (1 - pmiss_spoof)
    pmiss_cm, pfa_cm, _ = official_det(rounded[labels == 0], rounded[labels == 1])
    assert rec["metrics"]["min_tdcf_2019"] == pytest.approx(np.min((c1 * pmiss_cm + c2 * pfa_cm) / min(c1, c2)),
                                                           rel=1e-9)
    assert rec["pipeline"]["name"] == "mysystem" and rec["external"]["direction"] == "bonafide-high"
    assert rec["external"]["join"]["scored"] == 30 and not rec["external"]["partial"]
    assert "A07" in rec["breakdowns"]["system"] or rec["breakdowns"]["system"]  # per-attack breakdowns work


def test_a_missing_and_a_duplicate_id_are_refused_by_name(la19, tmp_path):
    root, lay, ids = la19
    scores, _ = _bonafide_high_scores(lay, ids)
    kept = ids[1:] + [ids[5]]  # ids[0] missing, ids[5] twice
    f = write_scores(tmp_path / "bad.txt", kept, np.concatenate([scores[1:], scores[5:6]]))
    r = evaluate("--scores", str(f), "--dataset", "asvspoof19-la", "--data-root", str(root), "--score-direction",
                 "bonafide-high", "--results", str(tmp_path / "res"))
    assert r.exit_code == 2, r.output
    assert ids[0] in r.output and ids[5] in r.output
    assert "1 missing" in r.output and "1 duplicated" in r.output and "--allow-partial" in r.output
    assert not (tmp_path / "res" / "runs").exists()  # nothing written
    r = evaluate("--scores", str(f), "--dataset", "asvspoof19-la", "--data-root", str(root), "--score-direction",
                 "bonafide-high", "--results", str(tmp_path / "res"), "--allow-partial", "--json")
    assert r.exit_code == 0, r.output
    rec = json.loads(r.stdout)
    assert rec["external"]["partial"] and rec["external"]["join"]["missing"] == 1
    assert rec["dataset"]["counts"]["eval"]["n"] == 29 and any("partial" in w for w in rec["warnings"])


def test_direction_is_detected_loudly_and_formats_are_detected(la19, tmp_path):
    root, lay, ids = la19
    scores, labels = _bonafide_high_scores(lay, ids)
    f = write_scores(tmp_path / "sub.tsv", [i + ".flac" for i in ids], scores, fmt="table")  # ASVspoof 5 layout
    assert read_score_file(f).format == "table"
    r = CliRunner().invoke(main, ["evaluate", "--scores", str(f), "--dataset", "asvspoof19-la", "--data-root",
                                  str(root), "--results", str(tmp_path / "res"), "--json"])
    assert r.exit_code == 0, r.output
    assert "SCORE DIRECTION NOT GIVEN: detected bonafide-high" in r.stderr
    rec = json.loads(r.stdout)
    ref, _ = official_eer(np.round(scores, 6)[labels == 0], np.round(scores, 6)[labels == 1])
    assert rec["metrics"]["eer"] == pytest.approx(ref, abs=1e-12) and rec["external"]["direction_detected"]
    # the wrong explicit direction is obeyed (and the metrics' swapped-label warning fires)
    r = evaluate("--scores", str(f), "--dataset", "asvspoof19-la", "--data-root", str(root), "--score-direction",
                 "fake-high", "--results", str(tmp_path / "res2"), "--json")
    assert json.loads(r.stdout)["metrics"]["eer"] == pytest.approx(1 - ref, abs=0.05)


@pytest.mark.parametrize("content, words", [
    ("LA_E_1 0.5\nLA_E_2 nan\n", "not finite"),
    ("LA_E_1 0.5\nLA_E_2 abc\n", "is not a number"),
    ("", "empty"),
    ("filename\tvalue\nx\t1\n", "names no score column"),
])
def test_bad_score_files_get_one_line(la19, tmp_path, content, words):
    root, _, _ = la19
    f = tmp_path / "s.txt"
    f.write_text(content)
    r = evaluate("--scores", str(f), "--dataset", "asvspoof19-la", "--data-root", str(root), "--results",
                 str(tmp_path / "r"))
    assert r.exit_code == 2 and words in r.output and "Traceback" not in r.output


def test_external_systems_sit_beside_fakebench_runs(shared, tmp_path):
    import csv

    import fakebench

    every = list(csv.DictReader(open(shared / "data" / "speech" / "manifest.csv")))
    rows = [r for r in every if r["label"] == "real"][:20] + [r for r in every if r["label"] == "fake"][:20]
    csvp = tmp_path / "m.csv"
    with open(csvp, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["path", "label"])
        w.writeheader()
        w.writerows({"path": str(shared / "data" / "speech" / r["path"]), "label": r["label"]} for r in rows)
    res = str(tmp_path / "res")
    rec = fakebench.run(dataset="manifest", detector="mfcc-logreg", data_root=str(csvp), results_dir=res,
                        cache_dir=str(tmp_path / "cache"))[0]
    ev = [r for r in ResultStore(res).scores(rec) if r["split"] == "eval"]
    f = write_scores(tmp_path / "ext.txt", [r["id"] for r in ev], [-float(r["score"]) for r in ev])
    r = evaluate("--scores", str(f), "--dataset", "manifest", "--data-root", str(csvp), "--part", "eval",
                 "--score-direction", "bonafide-high", "--name", "external-sys", "--results", res)
    assert r.exit_code == 0, r.output
    board = CliRunner().invoke(main, ["leaderboard", "--results", res, "--metric", "eer"], catch_exceptions=False)
    lines = [ln for ln in board.output.splitlines() if "mfcc-logreg" in ln or "external-sys" in ln]
    assert len(lines) == 2  # both systems, one table
    header = [c.strip() for c in next(ln for ln in board.output.splitlines() if "pipeline" in ln).split("|")]
    col = next(i for i, c in enumerate(header) if c.startswith("eer"))
    eers = {("ext" if "external-sys" in ln else "own"): ln.split("|")[col].strip(" *") for ln in lines}
    assert eers["ext"] == eers["own"]  # the same scores, negated with the direction: the same EER
