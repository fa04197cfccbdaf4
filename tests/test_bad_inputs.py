"""The rule behind fakebench issue 19, as generated bad input: whatever a careless or
hostile user passes, fakebench either runs correctly (and reports what it skipped or
doubted) or stops with one clear line ``Error: ...`` and exit status 2. Exit status 1
(a bug), a traceback, or exit 0 with an output known to be wrong fails this file.

Inputs are generated with Hypothesis: ``--set`` keys and values across the pipeline's
plugins and their declared types, manifest contents (headers, labels, paths under
several spellings, encodings, durations), result records (missing keys, wrong types,
truncation, paths out of the store, newer schemas), names that reach plots and tables,
leaderboard options, WAV headers. Each verdict is one of :data:`VERDICTS`; with
``FAKEBENCH_BAD_INPUTS_TALLY=FILE`` each is appended to FILE (for counts). A few cases
also run as real subprocesses (``python -m fakebench``) under a timeout, which catches
hangs and what CliRunner hides.

One tiny corpus (12 half-second tones) and one embedding cache (``logmel``) are shared,
so the whole file stays well under a minute.
"""

from __future__ import annotations

import json
import math
import os
import string
import subprocess
import sys
import uuid
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fakebench.cli import main
from fakebench.config import parse_value
from fakebench.errors import ConfigError
from fakebench.registry import Registry

from conftest import write_wav

#: ran correctly (exit 0, and what is checked of the output is right) / one clear line,
#: exit 2 / exit 1 or a traceback / exit 0 but known wrong / no answer within the timeout
VERDICTS = ("ran", "clear", "internal", "wrong", "hang")
FAST = settings(max_examples=20, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large, HealthCheck.filter_too_much])
N = 6  # real and fake clips each


#: ``FAKEBENCH_BAD_INPUTS_SURVEY=1`` only counts verdicts (with the tally file), asserting
#: nothing, so every generated input is tried on code that fails some (e.g. an old commit).
SURVEY = bool(os.environ.get("FAKEBENCH_BAD_INPUTS_SURVEY"))
#: Seconds one command may take before it counts as a hang.
HANG_SECONDS = 120


class Hang(BaseException):
    """A command that did not answer within :data:`HANG_SECONDS` (a BaseException, so
    that no ``except Exception`` on the way turns it into an ordinary error)."""


class _NoAnswer:
    """The result of a command stopped by :class:`Hang`."""

    exit_code = -1
    output = stdout = stderr = "(no answer)"

    def __init__(self, exception: Hang):
        self.exception = exception


def tally(group: str, verdict: str, what: str, **extra) -> None:
    path = os.environ.get("FAKEBENCH_BAD_INPUTS_TALLY")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"group": group, "verdict": verdict, "input": what[:200], **extra}) + "\n")


def record_checker():
    """:func:`fakebench.results.check_record`; on a commit that predates it (a survey of
    old code), today's schema module loaded from this checkout, so old and new code are
    judged by one rule."""
    try:
        from fakebench.results import check_record

        return check_record
    except ImportError:
        import importlib.util
        import types

        root = Path(__file__).resolve().parents[1] / "harness"
        for name in ("fbtoday", "fbtoday.results"):
            mod = types.ModuleType(name)
            mod.__path__ = []
            sys.modules.setdefault(name, mod)
        for name, file in (("fbtoday.errors", root / "errors.py"), ("fbtoday.results.schema", root / "results" /
                                                                     "schema.py")):
            if name not in sys.modules:
                spec = importlib.util.spec_from_file_location(name, file)
                module = importlib.util.module_from_spec(spec)
                sys.modules[name] = module
                spec.loader.exec_module(module)
        return sys.modules["fbtoday.results.schema"].check_record


def verdict(result, wrong: bool = False) -> str:
    out = result.output
    if isinstance(result.exception, Hang):
        return "hang"
    if result.exit_code not in (0, 2) or "Traceback" in out or (
            result.exception is not None and not isinstance(result.exception, SystemExit)):
        return "internal"
    if result.exit_code == 2:
        errors = [line for line in out.splitlines() if line.startswith("Error:")]
        return "clear" if len(errors) == 1 else "internal"
    return "wrong" if wrong else "ran"


def check(group: str, what: str, result, *, wrong: bool = False, allowed=("ran", "clear"), **extra) -> str:
    v = verdict(result, wrong)
    tally(group, v, what, exit=result.exit_code, **extra)
    assert SURVEY or v in allowed, f"{group}: {what!r} -> {v} (exit {result.exit_code}):\n{result.output[-3000:]}"
    return v


def _alarm(signum, frame):
    raise Hang(f"no answer within {HANG_SECONDS} s")


def invoke(*args, env=None):
    """``fakebench ARGS`` in-process; a command still running after :data:`HANG_SECONDS`
    is stopped and its result carries :class:`Hang`."""
    import signal

    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(HANG_SECONDS)
    try:
        return CliRunner().invoke(main, [str(a) for a in args], env=env)
    except Hang as e:
        return _NoAnswer(e)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


# -- one tiny corpus and one cache for the whole file ---------------------------------------------


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("bad-inputs")
    data = root / "data"
    for i in range(N):
        write_wav(data / f"real{i}.wav", seconds=0.5, freq=300 + 40 * i, seed=i)
        write_wav(data / f"fake{i}.wav", seconds=0.5, freq=2500 + 90 * i, seed=50 + i)
    rows = ["path,label"] + [f"real{i}.wav,real" for i in range(N)] + [f"fake{i}.wav,fake" for i in range(N)]
    (data / "manifest.csv").write_text("\n".join(rows) + "\n")
    return {"root": root, "data": data, "cache": root / "cache", "home": root / "home"}


@pytest.fixture
def env(world, monkeypatch):
    """The shared cache; everything else isolated per test (conftest's home)."""
    monkeypatch.setenv("FAKEBENCH_CACHE", str(world["cache"]))
    return world


def base_run(world, results, *extra):
    return invoke("run", "-d", "logmel-mlp", "-D", "manifest", "--data-root", world["data"] / "manifest.csv",
                  "--set", "epochs=1", "--set", "hidden=[8]", "--set", "batch_size=8", "--no-save-model",
                  "--results", results, *extra)


# -- 1. --set KEY=VALUE across the pipeline's plugins and their types ------------------------------

_REG = Registry()
COMPONENTS = {"detector": _REG.detector("mlp"), "embedder": _REG.embedder("logmel"),
              "dataset": _REG.dataset("manifest")}
#: keys a user can --set on logmel-mlp with manifest (root and seed come from the run)
KEYS = [(kind, k) for kind, cls in COMPONENTS.items() for k in cls.param_names() if k not in ("root",)]

EDGE_TEXTS = ["NaN", "nan", "Infinity", "-Infinity", "1e999", "-1e999", "null", "none", "", " ", "-1", "0", "-0",
              "1e30", "-1e30", "99999999999999999999999", "1.5", "0.5", "true", "false", "[]", "[[]]", "{}",
              '{"a": 1}', "[-5]", "[0]", "[1e9]", "[null]", "abc", "$x^$", "../../etc", "\\x00", "0x10"]


def small_valid(spec):
    """Values of ``spec``'s type that are cheap to run (never a million epochs)."""
    if spec.choices is not None:
        return st.sampled_from([c for c in spec.choices if c is not None] or [None])
    if spec.type == "bool":
        return st.booleans()
    if spec.type == "int":
        low = int(spec.low) if spec.low is not None else -3
        high = min(int(spec.high) if spec.high is not None else low + 3, low + 3)
        return st.integers(low, high)
    if spec.type == "float":
        low = spec.low if spec.low is not None else -1.0
        high = min(spec.high if spec.high is not None else low + 1, low + 1)
        return st.floats(low, high, allow_nan=False, exclude_min=spec.low_open, exclude_max=spec.high_open)
    if spec.type == "list" and spec.item is not None:
        return st.lists(small_valid(spec.item), min_size=max(1, spec.min_items), max_size=max(2, spec.min_items))
    return st.sampled_from(["a", "none", "best"])


@st.composite
def set_items(draw):
    kind, key = draw(st.sampled_from(KEYS))
    spec = COMPONENTS[kind].param_spec(key)
    text = draw(st.one_of(st.sampled_from(EDGE_TEXTS), small_valid(spec).map(lambda v: json.dumps(v)),
                          st.text(string.printable, max_size=8)))
    return kind, key, text


ISSUE_SETS = [("detector", "lr", "NaN"), ("detector", "epochs", "Infinity"), ("detector", "epochs", "null"),
              ("detector", "hidden", "[-5]"), ("detector", "checkpoint_every", "0"), ("detector", "batch_size", "0"),
              ("detector", "dropout", "1.5"), ("detector", "epochs", "0"), ("detector", "batch_size", "-1"),
              ("detector", "hidden", "[0]"), ("detector", "warmup_epochs", "1e30"), ("detector", "balance", "null"),
              ("embedder", "n_mels", "0"), ("embedder", "hop_ms", "-10"), ("dataset", "held_out", "[]")]


def with_examples(name, values):
    """Run ``values`` (the cases the issue listed) as explicit examples of argument ``name``,
    in order, before hypothesis draws its own."""
    def wrap(test):
        for value in reversed(values):
            test = example(**{name: value})(test)
        return test

    return wrap


@FAST
@with_examples("item", ISSUE_SETS)
@given(item=set_items())
def test_set_values(env, tmp_path, item):
    kind, key, text = item
    cls = COMPONENTS[kind]
    if key == "seed":  # the run's --seed sets it: a --set dataset.seed would be overridden
        key = "dataset.seed"
    value = parse_value(text)
    try:
        cls.check_params({key.split(".")[-1]: value})
        declared_ok = True
    except ConfigError:
        declared_ok = False
    if "\x00" in text:
        declared_ok = False
    results = tmp_path / uuid.uuid4().hex
    r = base_run(env, results, "--set", f"{kind}.{key.split('.')[-1]}={text}")
    # exit 0 with a value outside the declared range means it was used unchecked
    check("--set", f"{kind}.{key}={text}", r, wrong=r.exit_code == 0 and not declared_ok, kind=kind,
          key=key.split(".")[-1], text=text)


# -- 2. manifests: headers, labels, paths, encodings, durations ------------------------------------

LABELS = ["real", "fake", "bonafide", "spoof", "Real", " fake ", "0", "1", "maybe", "", "FAKE", "bona fide", "2"]
DURATIONS = ["", "0.5", "1", "nan", "-1", "0", "inf", "1e400", "abc", "0.5s"]


def spellings(name):
    return st.sampled_from([name, f"./{name}", f"sub/../{name}", f".//{name}", f"sub/./../{name}"])


@st.composite
def manifests(draw):
    """Half of them clean (right header, true labels, distinct files under any spelling,
    possible durations), so the "ran" path and its counts are checked too."""
    files = [f"real{i}.wav" for i in range(N)] + [f"fake{i}.wav" for i in range(N)]
    clean = draw(st.booleans())
    headers = [["path", "label"], ["path", "label", "duration"], ["label", "path", "id"], ["path", "label", "split"]]
    if not clean:
        headers += [["path", "label", "label"], ["path"], ["file", "label"], ["path", "label", "path"],
                    ["Path", "label"], ["path ", " label"], ["id", "id", "path", "label"]]
    header = draw(st.sampled_from(headers))
    rows = []
    if clean:
        chosen = draw(st.lists(st.sampled_from(files), min_size=2, max_size=2 * N, unique=True))
    else:
        chosen = draw(st.lists(st.sampled_from(files + ["missing.wav", "sub", "/etc/passwd", "", "manifest.csv"]),
                               min_size=1, max_size=14))
    for j, f in enumerate(chosen):
        path = draw(spellings(f)) if f.endswith(".wav") else f
        true = "fake" if f.startswith("fake") else "real"
        label = draw(st.sampled_from([true, true.upper(), f" {true} ", {"real": "bonafide", "fake": "spoof"}[true]]))
        duration = draw(st.sampled_from(["", "0.5", "1", "0.25"]))
        split = draw(st.sampled_from(["train", "val", "eval", "test", "dev", ""]))
        if not clean:
            label = draw(st.one_of(st.just(label), st.sampled_from(LABELS)))
            duration = draw(st.sampled_from(DURATIONS))
            split = draw(st.sampled_from(["train", "eval", "", "holdout"]))
        cells = {"path": path, "label": label, "duration": duration, "id": f"c{j}", "split": split,
                 "file": path, "Path": path, "path ": path, " label": label}
        row = [cells.get(h, "x") for h in header]
        if not clean and draw(st.integers(0, 9)) == 0:
            row.append("extra")
        rows.append(row)
    encodings = ["utf-8", "utf-8-sig", "utf-16", "utf-32"] + ([] if clean else ["utf-16-le", "latin-1", "cp1252"])
    encoding = draw(st.sampled_from(encodings))
    quote = draw(st.booleans())
    return header, rows, encoding, quote, clean


def _csv(header, rows, quote):
    def cell(c):
        return f'"{c}"' if quote or "," in c else c

    return "\n".join(",".join(cell(c) for c in line) for line in [header] + rows) + "\n"


_ROWS = [[f"real{i}.wav", "real"] for i in range(3)] + [[f"fake{i}.wav", "fake"] for i in range(3)]
ISSUE_MANIFESTS = [
    (["path", "label"], _ROWS + [["./real0.wav", "real"], ["sub/../real0.wav", "real"]], "utf-8", False, False),
    (["path", "label", "id"], [r + [f"c{i}"] for i, r in enumerate(_ROWS)] + [["./real0.wav", "real", "x1"],
                                                                                ["sub/../real0.wav", "real", "x2"]],
     "utf-8", False, False),
    (["path", "label", "label"], [r + ["fake"] for r in _ROWS], "utf-8", False, False),
    (["path", "label"], _ROWS + [["café.wav", "real"]], "latin-1", False, False),
    (["path", "label"], _ROWS, "utf-16", False, True),
    (["path", "label"], _ROWS, "utf-16-le", False, False),
    (["path", "label", "duration"], [r + ["nan"] for r in _ROWS], "utf-8", False, False),
    (["path", "label", "duration"], [r + ["-1"] for r in _ROWS], "utf-8", False, False),
]


@FAST
@with_examples("m", ISSUE_MANIFESTS)
@given(m=manifests())
def test_manifests(env, tmp_path, m):
    header, rows, encoding, quote, clean = m
    folder = tmp_path / uuid.uuid4().hex
    (folder / "sub").mkdir(parents=True)
    for f in env["data"].glob("*.wav"):
        (folder / f.name).symlink_to(f)
    text = _csv(header, rows, quote)
    try:
        raw = text.encode(encoding)
    except UnicodeEncodeError:
        raw = text.encode("utf-8")
    (folder / "m.csv").write_bytes(raw)
    r = invoke("info", "manifest", "--data-root", folder / "m.csv", "--json", "--protocol", "random")
    wrong = False
    if r.exit_code == 0:
        summary = json.loads(r.stdout)
        n = sum(s["n"] for s in summary["splits"].values())
        # every clip is a distinct file: one file under two spellings is never counted twice
        distinct = {os.path.normpath(row[header.index("path")]) for row in rows if len(row) == len(header)}
        wrong = n > len(distinct)
        # durations shown are what the manifest says, and they are possible
        hours = [s.get("hours") for s in summary["splits"].values() if "hours" in s]
        wrong = wrong or any(h is None or not math.isfinite(h) or h < 0 for h in hours)
    check("manifest", f"{header} {encoding} {rows[:3]}", r, wrong=wrong)
    if clean and "split" not in header and len(rows) >= 2:
        assert SURVEY or r.exit_code == 0, r.output  # a clean manifest is read


# -- 3. result records: missing keys, wrong types, truncation, paths -------------------------------


def good_record(run_id, seed):
    from fakebench.results import SCHEMA

    return {"schema": SCHEMA, "run_id": run_id, "created": f"2026-01-01T00:00:{seed:02d}", "group_key": "g",
            "seed": seed,
            "dataset": {"name": "d", "protocol": "random"}, "train_dataset": None,
            "pipeline": {"name": "p-mlp", "embedder": {"name": "p"}, "detector": {"name": "mlp", "params": {}}},
            "metrics": {"eer": 0.1 + 0.01 * seed, "accuracy": 0.9},
            "metric_info": {"eer": {"higher_is_better": False, "percent": True},
                            "accuracy": {"higher_is_better": True, "percent": True}},
            "threshold": 0.0, "confusion": [[1, 0], [0, 1]], "warnings": []}


JUNK = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=True),
                 st.text(max_size=6), st.lists(st.integers(), max_size=2), st.just({}), st.just({"x": [1]}),
                 st.just("../../../evil/p.txt"), st.just("/etc/passwd"), st.just("fakebench.result/9"))


def _paths(obj, prefix=()):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield prefix + (k,)
            yield from _paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield prefix + (i,)
            yield from _paths(v, prefix + (i,))


@st.composite
def bad_records(draw):
    rec = good_record("bad", 9)
    rec["scores_file"] = "scores/bad.csv.gz"
    paths = sorted(_paths(rec), key=str)
    how = draw(st.sampled_from(["delete", "replace", "truncate", "replace", "extra"]))
    if how == "truncate":
        text = json.dumps(rec, indent=1)
        return text[: draw(st.integers(0, len(text) - 1))], how
    path = draw(st.sampled_from(paths))
    parent = rec
    for p in path[:-1]:
        parent = parent[p]
    if how == "delete":
        if isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent.pop(path[-1])
    elif how == "extra":
        if isinstance(parent, dict):
            parent["zz_" + draw(st.text(string.ascii_lowercase, min_size=1, max_size=4))] = draw(JUNK)
    else:
        parent[path[-1]] = draw(JUNK)
    return json.dumps(rec, allow_nan=True), f"{how} {'.'.join(map(str, path))}"


def _issue_records():
    rec = good_record("bad", 9)
    out = [(json.dumps(rec)[:100], "truncated")]
    for what, change in (("missing dataset", lambda r: r.pop("dataset")),
                         ("metric as text", lambda r: r["metrics"].update(eer="0.3")),
                         ("seed beyond the index", lambda r: r.update(seed=2**70)),
                         ("scores_file escape", lambda r: r.update(scores_file="../../../evil/p.txt")),
                         ("newer schema", lambda r: r.update(schema="fakebench.result/2"))):
        r = good_record("bad", 9)
        change(r)
        out.append((json.dumps(r), what))
    return out


@FAST
@with_examples("bad", _issue_records())
@given(bad=bad_records())
def test_records(tmp_path, bad):
    from fakebench.results import ResultStore

    text, what = bad
    root = tmp_path / uuid.uuid4().hex
    store = ResultStore(root)
    for i in range(2):
        store.add(good_record(f"g{i}", i), [{"id": "a", "split": "eval", "label": 1, "score": "0.5"}])
    (root / "runs" / "bad.json").write_text(text)
    try:
        data = json.loads(text)
        record_checker()(data)
        usable = data["run_id"] == "bad"  # the store also wants <run_id>.json as the file name
    except Exception:
        usable = False
    r = invoke("leaderboard", "--results", root, "--format", "csv")
    wrong = False
    if r.exit_code == 0:
        runs = [line.split(",")[3] for line in r.stdout.splitlines()[1:] if line.startswith("d,")]
        # a bad record is never averaged in, and is named; a usable one may form its own row
        # (a changed group key or dataset), but the good ones' row keeps its two runs
        wrong = ("3" in runs) if not usable else not runs
        wrong = wrong or (not usable and ("bad.json" not in r.stderr or "2" not in runs))
    check("record: leaderboard", what, r, wrong=wrong)
    other = tmp_path / uuid.uuid4().hex
    r = invoke("results", "merge", root, "--results", other)
    outside = [p for p in other.rglob("*") if p.is_file() and not p.resolve().is_relative_to(other.resolve())]
    check("record: merge", what, r, wrong=bool(outside) or (r.exit_code == 0 and not usable and
                                                             (other / "runs" / "bad.json").exists()))
    r = invoke("results", "rebuild", "--results", root)
    wrong = r.exit_code == 0 and f"indexed {3 if usable else 2} record(s)" not in r.output
    check("record: rebuild", what, r, wrong=wrong)


# -- 4. names that reach plots and tables -------------------------------------------------------------

NAMES = st.one_of(st.sampled_from(["$x^$", "$", "$$", "a_b^c", "\\frac{", "$\\alpha$", "100%", "{}", "<b>",
                                   "|pipe|", "line\nbreak", "tab\tx", "é" * 40, "x" * 300]),
                  st.text(min_size=1, max_size=12))


@settings(max_examples=6, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(pipeline=NAMES, dataset=NAMES, system=NAMES)
def test_names_in_plots_and_tables(tmp_path, pipeline, dataset, system):
    from fakebench.report.render import render
    from fakebench.results import ResultStore

    store = ResultStore(tmp_path / uuid.uuid4().hex)
    rng = np.random.default_rng(0)
    recs = []
    for seed in range(2):
        rec = good_record(f"n{seed}", seed)
        rec["pipeline"]["name"] = pipeline
        rec["dataset"]["name"] = dataset
        rec["breakdowns"] = {"system": {system: {"n": 10, "real": 5, "fake": 5, "accuracy": 0.8, "eer": 0.2}}}
        rows = [{"id": f"c{i}", "split": "eval", "label": i % 2, "score": f"{rng.normal() + (i % 2):.4f}",
                 "system": system} for i in range(20)]
        store.add(rec, rows)
        recs.append(rec)
    what = f"pipeline={pipeline!r} dataset={dataset!r} system={system!r}"
    try:
        for fmt in ("markdown", "csv", "latex"):
            text = render(store.records(), fmt)
            if fmt == "markdown":  # a name cannot add or remove columns
                body = [line for line in text.splitlines() if line.startswith("|")]
                assert len({line.replace("\\|", "").count("|") for line in body}) == 1, text
        html = render(store.records(), "html", store=store)
        assert html.count("<img") >= 3
        tally("names", "ran", what)
    except AssertionError:
        tally("names", "wrong", what)
        if not SURVEY:
            raise
    except Exception:
        tally("names", "internal", what)
        if not SURVEY:
            raise


# -- 5. leaderboard options ---------------------------------------------------------------------------

OPTIONS = st.one_of(
    st.tuples(st.just("--digits"), st.one_of(st.integers(-5, 15), st.sampled_from(["x", "1.5", "1e9"]))),
    st.tuples(st.just("--alpha"), st.one_of(st.floats(-1, 2), st.sampled_from(["nan", "inf", "x"]))),
    st.tuples(st.just("--metric"), st.sampled_from(["eer", "nosuch", "EER", "all", "", "accuracy", "e e r", "$"])),
    st.tuples(st.just("--sort"), st.sampled_from(["eer", "nosuch", "accuracy", ""])),
    st.tuples(st.just("--pivot"), st.sampled_from(["pipeline:dataset", "pipeline", ":", "x:y", "dataset:dataset"])),
    st.tuples(st.just("--format"), st.sampled_from(["markdown", "html", "xml", "latex"])),
    st.tuples(st.just("--dataset"), st.sampled_from(["d", "nosuch", ""])),
)


@FAST
@given(opts=st.lists(OPTIONS, min_size=1, max_size=3), sub=st.sampled_from([None, "publish"]))
def test_leaderboard_options(tmp_path, opts, sub):
    from fakebench.results import ResultStore

    root = tmp_path / uuid.uuid4().hex
    store = ResultStore(root)
    for i in range(3):
        store.add(good_record(f"g{i}", i), [{"id": "a", "split": "eval", "label": i % 2, "score": "0.5"}])
    args = ["leaderboard", "--results", root] + [str(x) for o in opts for x in o]
    if sub:
        args += [sub, "--out", tmp_path / uuid.uuid4().hex, "--no-plots"]
    r = invoke(*args)
    given_ = dict(opts)
    wrong = False
    if r.exit_code == 0:
        digits = given_.get("--digits")
        wrong = isinstance(digits, int) and not 0 <= digits <= 10
        metric = given_.get("--metric")
        wrong = wrong or metric in ("nosuch", "e e r", "$", "EER")
        alpha = given_.get("--alpha")
        wrong = wrong or (isinstance(alpha, float) and not 0 < alpha < 1)
    check("leaderboard options", " ".join(map(str, args[3:])), r, wrong=wrong)


# -- 6. WAV headers ---------------------------------------------------------------------------------------


@settings(FAST, max_examples=40)
@example(riff=8, data=0, cut=-1, tail=b"")  # a file still being written (libsndfile's own placeholder sizes)
@example(riff=None, data=0, cut=-1, tail=b"")  # a header never finalised
@example(riff=None, data=None, cut=30000, tail=b"")  # cut short
@example(riff=None, data=None, cut=-1, tail=b"\x12\x34" * 20)  # written after its header
@given(riff=st.one_of(st.none(), st.sampled_from([0, 8, 36, 2**32 - 1]), st.integers(0, 2**32 - 1)),
       data=st.one_of(st.none(), st.sampled_from([0, 2, 16000, 2**32 - 1]), st.integers(0, 2**32 - 1)),
       cut=st.integers(-1, 60000), tail=st.binary(max_size=40))
def test_wav_headers(env, tmp_path, riff, data, cut, tail):
    from fakebench.audio import read_audio
    from fakebench.errors import AudioError

    p = tmp_path / f"{uuid.uuid4().hex}.wav"
    write_wav(p, seconds=1.0)
    raw = bytearray(p.read_bytes())
    if riff is not None:
        raw[4:8] = riff.to_bytes(4, "little")
    if data is not None:
        raw[40:44] = data.to_bytes(4, "little")
    raw = bytes(raw[:cut] if cut >= 0 else raw) + tail
    p.write_bytes(raw)
    what = f"riff={riff} data={data} cut={cut} tail={len(tail)}"
    try:
        wave, sr = read_audio(p)
        declared = int.from_bytes(raw[40:44], "little") if len(raw) >= 44 else 0
        # what is decoded is never more than the header's data chunk nor the file holds
        decoded = wave.shape[1] * 2  # bytes of 16-bit mono audio
        # a header announcing 0 bytes (a file still being written) is not "whatever is there"
        ok = 0 < decoded <= max(len(raw) - 44, 0) and (declared == 0xFFFFFFFF or decoded <= declared)
        tally("wav header", "ran" if ok else "wrong", what)
        assert SURVEY or ok, what
    except AudioError as e:
        tally("wav header", "clear", what)
        assert p.name in e.message
    except AssertionError:
        raise
    except Exception:
        tally("wav header", "internal", what)
        if not SURVEY:
            raise


# -- 7. real processes, with a timeout (a hang is a failure) -----------------------------------------------

SUBPROCESS_CASES = {
    "nan learning rate": (["--set", "lr=NaN"], 2, "mlp: parameter lr='NaN'"),
    "latin-1 manifest": ([], 2, "byte 0xe9"),
    "empty FAKEBENCH_HOME": ([], 0, None),
}


@pytest.mark.parametrize("case", sorted(SUBPROCESS_CASES))
def test_real_process(env, tmp_path, case):
    args, code, needle = SUBPROCESS_CASES[case]
    manifest = env["data"] / "manifest.csv"
    e = dict(os.environ, FAKEBENCH_CACHE=str(env["cache"]), OMP_NUM_THREADS="1")
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    if case == "latin-1 manifest":
        (tmp_path / "m").mkdir()
        for f in env["data"].glob("*.wav"):
            (tmp_path / "m" / f.name).symlink_to(f)
        manifest = tmp_path / "m" / "manifest.csv"
        manifest.write_bytes(env["data"].joinpath("manifest.csv").read_bytes() + "café.wav,real\n".encode("latin-1"))
    results = ["--results", str(tmp_path / "results")]
    if case == "empty FAKEBENCH_HOME":
        e["FAKEBENCH_HOME"] = ""
        e["HOME"] = str(tmp_path / "home")
        e.pop("FAKEBENCH_RESULTS", None)
        results = []
    cmd = [sys.executable, "-m", "fakebench", "run", "-d", "logmel-mlp", "-D", "manifest", "--data-root",
           str(manifest), "--set", "epochs=1", "--set", "hidden=[8]", "--no-save-model", *results, *args]
    try:
        p = subprocess.run(cmd, cwd=cwd, env=e, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        tally("subprocess", "hang", case)
        if SURVEY:
            return
        raise
    out = p.stdout + p.stderr
    v = ("internal" if p.returncode not in (0, 2) or "Traceback" in out else
         "clear" if p.returncode == 2 else "ran")
    if case == "empty FAKEBENCH_HOME" and list(cwd.iterdir()):
        v = "wrong"  # it wrote into the folder it ran in
    tally("subprocess", v, case)
    if SURVEY:
        return
    assert p.returncode == code and "Traceback" not in out, out[-3000:]
    assert needle is None or needle in out, out[-3000:]
    assert v in ("ran", "clear"), out[-3000:]
