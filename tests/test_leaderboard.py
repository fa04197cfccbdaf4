"""Leaderboards from stored records: formats, significance markers, pivots, the
cross-dataset matrix, ``publish`` and ``correlate``."""

import csv
import io
import json

import numpy as np
import pytest
from click.testing import CliRunner

from fakebench.cli import main
from fakebench.errors import ConfigError
from fakebench.evaluate import evaluate
from fakebench.leaderboard import build_grids, table
from fakebench.report.render import render
from fakebench.report.text import latex_escape
from fakebench.data import Clip
from fakebench.registry import Registry
from fakebench.results import SCHEMA, ResultStore

SYSTEMS = ("gen_a", "gen_b", "gen_c")


_METRICS = []


def _metrics():
    if not _METRICS:
        reg = Registry()
        _METRICS.extend(reg.metric(m) for m in ("eer", "accuracy", "roc_auc", "bce"))
    return _METRICS


def make_record(run_id, seed, scores, labels, systems, pipeline="sfx-mlp", dataset="foley_x", train=None,
                group=None):
    """A record as the runner writes it, with metrics computed by the real evaluate()."""
    clips = [Clip(id=f"c{i}", path=f"c{i}.wav", label=int(l), system=sy) for i, (l, sy) in
             enumerate(zip(labels, systems))]
    metrics = _metrics()
    res = evaluate(scores, labels, clips, metrics, {"threshold": 0.0, "scores_are_logits": True},
                   attributes=("system",))
    rec = {
        "schema": SCHEMA, "run_id": run_id, "created": f"2026-01-01T00:00:{seed:02d}", "seed": seed,
        "group_key": group or f"{pipeline}|{dataset}|{train}", "dataset": {"name": dataset, "protocol": "random"},
        "train_dataset": {"name": train} if train else None,
        "pipeline": {"name": pipeline, "embedder": {"name": pipeline.split("-")[0]}, "detector": {"name": "mlp"}},
        "threshold": 0.0, "threshold_source": "detector", "scores_are_logits": True, **res,
    }
    rows = [{"id": c.id, "split": "eval", "label": c.label, "score": f"{s:.7g}", "system": c.system or ""}
            for c, s in zip(clips, scores)]
    return rec, rows


def synthetic_scores(seed, separation, n=60):
    rng = np.random.default_rng(seed)
    labels = np.array([0] * 20 + [1] * (n - 20))
    systems = [None] * 20 + [SYSTEMS[i % 3] for i in range(n - 20)]
    hardness = np.array([0.0] * 20 + [{"gen_a": 0.0, "gen_b": 1.0, "gen_c": 2.0}[s] for s in systems[20:]])
    scores = rng.normal(size=n) + separation * (2 * labels - 1) - hardness * labels
    return scores, labels, systems


@pytest.fixture
def store(tmp_path):
    """Two pipelines x 5 seeds on one dataset: sfx-mlp clearly better than clap-mlp."""
    st = ResultStore(tmp_path / "results")
    for seed in range(5):
        for pipeline, sep in (("sfx-mlp", 2.5), ("clap-mlp", 0.3)):
            rec, rows = make_record(f"{pipeline}-s{seed}", seed, *synthetic_scores(seed * 7 + len(pipeline), sep),
                                    pipeline=pipeline)
            st.add(rec, rows)
    return st


def test_table_means_and_u_test(store):
    cols, rows = table(store.records(), ["eer", "accuracy"], sort_by="eer")
    assert [r["pipeline"] for r in rows] == ["sfx-mlp", "clap-mlp"]
    best, worse = rows[0]["eer"], rows[1]["eer"]
    assert best["best"] and best["n"] == 5 and not worse["best"]
    from scipy.stats import mannwhitneyu

    assert min(worse["values"]) > max(best["values"])  # every clap seed is worse than every sfx seed
    assert worse["p"] == pytest.approx(mannwhitneyu(worse["values"], best["values"]).pvalue) and worse["p"] < 0.05
    assert worse["sig"] and rows[1]["p"] == worse["p"] and rows[0]["p"] == "best"
    assert best["std"] == pytest.approx(np.std(best["values"], ddof=1))


def test_markdown_marks_best_and_significance(store):
    md = render(store.records(), "markdown", ["eer", "accuracy"], sort_by="eer")
    lines = md.splitlines()
    sfx = next(line for line in lines if "sfx-mlp" in line)
    clap = next(line for line in lines if "clap-mlp" in line)
    assert sfx.count("**") == 4 and "best" in sfx          # bold eer and accuracy, p column says best
    assert clap.count("*") == 2 and f"{table(store.records(), ['eer'])[1][1]['p']:.3f}" in clap  # markers, p
    assert "| eer (%) ↓" in lines[0] and "p (eer)" in lines[0]
    assert "Mann-Whitney U" in md and "α = 0.05" in md


def test_alpha_changes_markers(store):
    md = render(store.records(), "markdown", ["eer"], sort_by="eer", alpha=0.001)
    clap = next(line for line in md.splitlines() if "clap-mlp" in line)
    assert "*" not in clap.replace("**", "")


def test_csv_is_raw_numbers(store):
    text = render(store.records(), "csv", ["eer", "accuracy"], sort_by="eer")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0])[:8] == ["dataset", "protocol", "pipeline", "runs", "eer_mean", "eer_std", "accuracy_mean",
                                 "accuracy_std"]
    cols, trows = table(store.records(), ["eer"], sort_by="eer")
    assert float(rows[0]["eer_mean"]) == trows[0]["eer"]["mean"]  # a fraction, full precision
    assert rows[0]["eer_p_vs_best"] == "best" and float(rows[1]["eer_p_vs_best"]) == trows[1]["eer"]["p"]


def test_latex_is_booktabs_and_escaped(store):
    tex = render(store.records(), "latex", ["eer"], sort_by="eer")
    assert r"\toprule" in tex and r"\midrule" in tex and r"\bottomrule" in tex
    assert r"foley\_x" in tex and "foley_x" not in tex.replace(r"foley\_x", "")
    assert r"\textbf{" in tex and r"$^{*}$" in tex and r"$\pm$" in tex and r"(\%)" in tex
    assert tex.count(r"\begin{tabular}") == 1
    body = [line for line in tex.splitlines() if line.endswith(r"\\")]
    assert all(line.count("&") == body[0].count("&") for line in body)  # every row has every column
    assert latex_escape("a_b & 50% #1 {x} ~ ^") == r"a\_b \& 50\% \#1 \{x\} \textasciitilde{} \textasciicircum{}"


def test_pivot_pipeline_by_dataset(store, tmp_path):
    for seed in range(5):
        rec, rows = make_record(f"sfx-other-s{seed}", seed, *synthetic_scores(seed, 1.0), pipeline="sfx-mlp",
                                dataset="other")
        store.add(rec, rows)
    md = render(store.records(), "markdown", ["eer"], pivot="pipeline:dataset")
    header = md.splitlines()[2]
    assert "pipeline \\ dataset" in header and "foley_x" in header and "other" in header
    clap = next(line for line in md.splitlines() if line.startswith("| clap-mlp"))
    cells = [c.strip() for c in clap.strip().strip("|").split("|")]
    assert cells[0] == "clap-mlp" and cells[2] == "–"  # clap has no run on 'other'
    with pytest.raises(ConfigError, match="cannot pivot on"):
        render(store.records(), "markdown", ["eer"], pivot="pipeline:colour")
    with pytest.raises(ConfigError, match="ROWS:COLS"):
        render(store.records(), "markdown", ["eer"], pivot="pipeline")


def test_cross_dataset_matrix(tmp_path):
    st = ResultStore(tmp_path / "r")
    sep = {("A", "A"): 3.0, ("A", "B"): 0.5, ("B", "B"): 2.5, ("B", "A"): 1.0}
    for (train, test), s in sep.items():
        for seed in range(2):
            rec, rows = make_record(f"{train}{test}{seed}", seed, *synthetic_scores(seed, s), dataset=test,
                                    train=train if train != test else None, group=f"{train}->{test}")
            if train == test:  # the in-domain record of a cross-dataset run
                rec["train_dataset"] = None
            st.add(rec, rows)
    (grid,) = build_grids(st.records(), ["eer"], cross=True)
    assert [c.label for c in grid.columns] == ["train \\ test", "A", "B"]
    assert [row[0] for row in grid.rows] == ["A", "B"]
    a_row, b_row = grid.rows
    assert a_row[1]["mean"] < a_row[2]["mean"] and b_row[2]["mean"] < b_row[1]["mean"]  # diagonal is easiest
    assert a_row[1]["best"] and b_row[2]["best"]
    md = render(st.records(), "markdown", ["eer"], cross=True)
    assert "train (rows) → test (columns)" in md


def test_cross_without_cross_runs_is_a_clear_error(store):
    with pytest.raises(ConfigError, match="no cross-dataset results"):
        render(store.records(), "markdown", ["eer"], cross=True)


def invoke(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_cli_formats_and_filters(store):
    root = str(store.root)
    md = invoke("leaderboard", "--results", root, "--metric", "eer", "--sort", "eer")
    assert md.exit_code == 0 and "**" in md.output and "sfx-mlp" in md.output
    only = invoke("leaderboard", "--results", root, "--pipeline", "clap-mlp", "--format", "csv")
    assert "clap-mlp" in only.output and "sfx-mlp" not in only.output
    tex = invoke("leaderboard", "--results", root, "--format", "latex")
    assert r"\toprule" in tex.output
    piv = invoke("leaderboard", "--results", root, "--pivot", "embedder:dataset", "--metric", "roc_auc")
    assert "embedder \\ dataset" in piv.output and "| sfx " in piv.output
    clash = CliRunner().invoke(main, ["leaderboard", "--results", root, "--pivot", "detector:dataset"])
    assert clash.exit_code == 2 and "mixes 2 different set-ups in the cell (mlp, foley_x)" in clash.output
    bad = CliRunner().invoke(main, ["leaderboard", "--results", root, "--sort", "nope"])
    assert bad.exit_code == 2 and "cannot sort by 'nope'" in bad.output


def test_publish_writes_site_and_tables(store, tmp_path):
    out = tmp_path / "site"
    r = invoke("leaderboard", "publish", "--results", str(store.root), "--out", str(out), "--metric", "eer",
               "--metric", "accuracy", "--sort", "eer")
    assert r.exit_code == 0, r.output
    names = sorted(p.name for p in out.iterdir())
    assert names == ["foley_x.html", "index.html", "leaderboard.csv", "leaderboard.md", "leaderboard.tex"]
    assert 'href="foley_x.html"' in (out / "index.html").read_text()
    assert "data:image/png;base64," in (out / "foley_x.html").read_text()
    assert "data:image/png;base64," not in (out / "index.html").read_text()
    assert "**" in (out / "leaderboard.md").read_text()


def test_publish_defaults_to_the_repository_leaderboards_folder(tmp_path, monkeypatch):
    from fakebench.report import default_publish_dir

    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "repo" / "sub")
    assert default_publish_dir() == (tmp_path / "repo" / "leaderboards").resolve()


def test_correlate_per_system_bce(store, tmp_path):
    """gen_c fakes are made hardest (lowest scores), so their BCE is highest; a quality
    table that ranks gen_c best (lowest FAD) correlates negatively with BCE."""
    table_path = tmp_path / "fad.csv"
    table_path.write_text("system,fad\ngen_a,9.0\ngen_b,6.0\ngen_c,2.0\nunknown_gen,1.0\n")
    runs = [r["run_id"] for r in store.records() if r["pipeline"]["name"] == "sfx-mlp"]
    r = invoke("leaderboard", "correlate", "--results", str(store.root), "--table", str(table_path),
               "--run", runs[0], "--run", runs[1], "--json")
    res = json.loads(r.output)
    assert res["n"] == 3 and res["spearman"] == pytest.approx(-1.0)
    assert res["only_in_table"] == ["unknown_gen"]
    bce = {s["system"]: s["bce"] for s in res["systems"]}
    assert bce["gen_a"] < bce["gen_b"] < bce["gen_c"]
    text = invoke("leaderboard", "correlate", "--results", str(store.root), "--table", str(table_path),
                  "--run", runs[0])
    assert "Spearman rho = -1.000" in text.output
    missing = CliRunner().invoke(main, ["leaderboard", "correlate", "--results", str(store.root), "--table",
                                        str(table_path), "--run", "nope"])
    assert missing.exit_code == 2 and "no stored run 'nope'" in missing.output
