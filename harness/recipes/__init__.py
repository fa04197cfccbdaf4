"""Reproduction recipes: the published studies fakebench reproduces, as data.

A recipe is one TOML file (schema ``fakebench.recipe/1``) naming a study, the runs that
reproduce it (dataset, protocol, pipeline, clip length, ``--set`` parameters, seeds), the
data and weights they need, and the published values to compare with, each with its
source (table, section or slide). Built-in recipes are the ``*.toml`` files of this
package; a third-party package adds its own through the plugin hook
``fakebench_register_recipes() -> list[path]`` (when the hook spec is present).

This module loads and validates a recipe (:func:`load_recipe`), lists them
(:func:`recipe_paths`), and plans a reproduction (:func:`plan`): every run with its final
pipeline and parameters (after ``--substitute`` and ``--set``), what data and weights it
needs and whether they are present. Running a plan, computing the comparisons and
writing the report live in :mod:`fakebench.recipes.execute`; ``fakebench reproduce``
(:mod:`fakebench.cli.reproduce`) is the command. Importing this module does not import
torch.

A recipe file::

    schema = "fakebench.recipe/1"
    name = "ouajdi2024"                 # the file's stem
    title = "..."; citation = "..."; url = "..."; code = "..."
    status = "published"                # published | slides | draft
    runs = 10                           # default number of seeds (0 .. runs-1)
    select_by = "accuracy"              # the metric that picks a "best run" (eer: lowest)
    exact = ["what is reproduced exactly", ...]
    differences = ["what is not", ...]

    [[data]]                            # what to download, for the dry run's listing
    dataset = "dcase23"; what = "..."; get = "fakebench download dcase23 --data-root DATA"

    [defaults]                          # shared by every [[run]] (a run overrides)
    dataset = "dcase23"; protocol = "fixed"; length = "pad:4"
    [defaults.sets]
    "detector.checkpoint_rule" = "block-mean:10"

    [[run]]
    id = "clap"; label = "MS-Clap"; detector = "clap-2023-mlp"
    [run.sets]
    "embedder.windows" = "fadtk"
    [[run.weights]]                     # weights not found through the embedder (optional)
    file = "..."; url = "..."; sha256 = "..."; folders = ["torch_hub"]; what = "..."
    # or: hf = "facebook/wav2vec2-base"; what = "..."

    [[compare]]
    id = "acc-clap"; what = "Accuracy (%), MS-Clap"; source = "Table II"
    kind = "metric"; run = "clap"; metric = "accuracy"; scale = 100
    paper = 98.02; paper_std = 0.18     # or paper_spread = 0.5 (+ spread_kind = "rounding")

Comparison kinds (:data:`KINDS`): ``metric`` (a record metric, mean ± std over the runs,
or ``stat = "best"``), ``breakdown`` (``attribute``/``value``/``field`` of the records'
breakdowns), ``confusion`` (a cell of the best run's confusion matrix, % of the eval
set), ``history`` (a field of a ``stage`` entry of the training history), ``rtf``
(embedding + detector time on one random eval clip, ``repeats`` times, % of its
duration), ``utest`` (Mann-Whitney U of ``metric`` between ``run`` and ``against``) and
``correlation`` (Pearson r of per-system summed BCE with a per-system table, by
``track``). A comparison without ``paper`` has no published value.
"""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from ..errors import ConfigError, FakebenchError

SCHEMA = "fakebench.recipe/1"
HERE = Path(__file__).resolve().parent
KINDS = ("metric", "breakdown", "confusion", "history", "rtf", "utest", "correlation")
STATUSES = ("published", "slides", "draft")
LABELS = ("real", "fake")
#: keys each comparison kind needs, beyond id/what/source/kind/run
NEEDS = {
    "metric": ("metric",),
    "breakdown": ("attribute", "value", "field"),
    "confusion": ("truth", "predicted"),
    "history": ("stage", "field"),
    "rtf": (),
    "utest": ("against", "metric"),
    "correlation": ("track", "table"),
}
COMPARE_KEYS = {"id", "what", "source", "kind", "run", "metric", "scale", "stat", "attribute", "value", "field",
                "truth", "predicted", "stage", "split", "repeats", "against", "alpha", "track", "table", "paper",
                "paper_std", "paper_spread", "spread_kind", "paper_text", "decimals", "note"}
RUN_KEYS = {"id", "label", "dataset", "detector", "embedder", "protocol", "length", "sets", "seeds", "metrics",
            "weights", "note"}
TOP_KEYS = {"schema", "name", "title", "citation", "url", "code", "status", "runs", "select_by", "exact",
            "differences", "data", "defaults", "run", "compare"}


# -- the recipe ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RunDecl:
    """One ``[[run]]`` of a recipe, with the ``[defaults]`` applied."""

    id: str
    label: str
    dataset: str
    detector: str
    embedder: str | None = None
    protocol: str | None = None
    length: str | None = None
    sets: Mapping[str, Any] = field(default_factory=dict)
    seeds: tuple[int, ...] | None = None
    metrics: tuple[str, ...] | None = None
    weights: tuple[Mapping[str, Any], ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Comparison:
    """One ``[[compare]]``: a published value and how to get fakebench's."""

    id: str
    what: str
    source: str
    kind: str
    run: str
    spec: Mapping[str, Any]

    def get(self, key: str, default: Any = None) -> Any:
        return self.spec.get(key, default)

    @property
    def paper(self) -> float | None:
        return self.spec.get("paper")


@dataclass(frozen=True)
class Recipe:
    name: str
    title: str
    citation: str
    url: str
    code: str
    status: str
    runs: int
    select_by: str
    exact: tuple[str, ...]
    differences: tuple[str, ...]
    data: tuple[Mapping[str, Any], ...]
    run_decls: tuple[RunDecl, ...]
    comparisons: tuple[Comparison, ...]
    path: Path

    def run(self, run_id: str) -> RunDecl:
        for r in self.run_decls:
            if r.id == run_id:
                return r
        raise KeyError(run_id)

    def resource(self, rel: str) -> Path:
        """A data file named by the recipe, relative to the recipe file."""
        return (self.path.parent / rel).resolve()


def _fail(path: Path, message: str, hint: str | None = None) -> ConfigError:
    return ConfigError(f"recipe {str(path)!r}: {message}", hint=hint)


def _str(path: Path, where: str, value: Any, key: str, required: bool = True) -> str | None:
    if value is None:
        if required:
            raise _fail(path, f"{where} needs {key!r}")
        return None
    if not isinstance(value, str) or not value.strip():
        raise _fail(path, f"{where}: {key} must be a non-empty string, got {value!r}")
    return value


def _number(path: Path, where: str, value: Any, key: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail(path, f"{where}: {key} must be a number, got {value!r}")
    return float(value)


def load_recipe(name_or_path: str | Path) -> Recipe:
    """Load and validate a recipe: a known recipe name (:func:`recipe_paths`) or the path
    of a TOML file. Every problem is one :class:`ConfigError` naming the file and key."""
    text = str(name_or_path)
    paths = recipe_paths()
    if text in paths:
        path = paths[text]
    elif text.endswith(".toml") or Path(text).is_file():
        path = Path(text).expanduser()
        if not path.is_file():
            raise ConfigError(f"recipe file {text!r} does not exist")
    else:
        import difflib

        close = difflib.get_close_matches(text, list(paths), n=2)
        raise ConfigError(f"unknown recipe {text!r}",
                          hint=("did you mean " + " or ".join(repr(c) for c in close) + "? ") if close else
                          "see `fakebench reproduce --list`")
    from ..textfiles import decode_text

    try:
        doc = tomllib.loads(decode_text(path.read_bytes(), path, expected="a UTF-8 recipe (TOML)"))
    except tomllib.TOMLDecodeError as e:
        raise _fail(path, f"is not valid TOML: {e}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise _fail(path, f"cannot be read: {e}") from None
    return _validate(doc, path)


def _validate(doc: dict, path: Path) -> Recipe:
    if doc.get("schema") != SCHEMA:
        raise _fail(path, f"schema must be {SCHEMA!r}, got {doc.get('schema')!r}")
    unknown = sorted(set(doc) - TOP_KEYS)
    if unknown:
        raise _fail(path, f"unknown key(s) {unknown}", hint="valid keys: " + ", ".join(sorted(TOP_KEYS)))
    name = _str(path, "the recipe", doc.get("name"), "name")
    if name != path.stem:
        raise _fail(path, f"name {name!r} must equal the file's stem {path.stem!r}")
    status = doc.get("status", "published")
    if status not in STATUSES:
        raise _fail(path, f"status {status!r} is not one of {', '.join(STATUSES)}")
    runs = doc.get("runs", 1)
    if isinstance(runs, bool) or not isinstance(runs, int) or runs < 1:
        raise _fail(path, f"runs must be a positive integer, got {runs!r}")
    defaults = doc.get("defaults", {})
    if not isinstance(defaults, dict):
        raise _fail(path, "[defaults] must be a table")
    decls: list[RunDecl] = []
    for i, raw in enumerate(doc.get("run", []), 1):
        where = f"[[run]] #{i}"
        if not isinstance(raw, dict):
            raise _fail(path, f"{where} must be a table")
        bad = sorted(set(raw) - RUN_KEYS)
        if bad:
            raise _fail(path, f"{where}: unknown key(s) {bad}", hint="valid keys: " + ", ".join(sorted(RUN_KEYS)))
        merged = {**{k: v for k, v in defaults.items() if k != "sets"}, **raw}
        sets = {**dict(defaults.get("sets", {})), **dict(raw.get("sets", {}))}
        rid = _str(path, where, merged.get("id"), "id")
        where = f"run {rid!r}"
        seeds = merged.get("seeds")
        if seeds is not None and (not isinstance(seeds, list) or not all(isinstance(s, int) and s >= 0 for s in seeds)):
            raise _fail(path, f"{where}: seeds must be a list of non-negative integers")
        weights = merged.get("weights", [])
        for w in weights:
            if not isinstance(w, dict) or not (("file" in w) ^ ("hf" in w)):
                raise _fail(path, f"{where}: each [[run.weights]] needs either file (with url/sha256) or hf")
        metrics = merged.get("metrics")
        decls.append(RunDecl(
            id=rid, label=_str(path, where, merged.get("label", rid), "label"),
            dataset=_str(path, where, merged.get("dataset"), "dataset"),
            detector=_str(path, where, merged.get("detector"), "detector"),
            embedder=_str(path, where, merged.get("embedder"), "embedder", required=False),
            protocol=_str(path, where, merged.get("protocol"), "protocol", required=False),
            length=_str(path, where, merged.get("length"), "length", required=False),
            sets=sets, seeds=tuple(seeds) if seeds is not None else None,
            metrics=tuple(metrics) if metrics else None, weights=tuple(weights), note=str(merged.get("note", "")),
        ))
    if not decls:
        raise _fail(path, "has no [[run]]")
    ids = [d.id for d in decls]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise _fail(path, f"run id(s) {dup} are not unique")
    comps: list[Comparison] = []
    for i, raw in enumerate(doc.get("compare", []), 1):
        where = f"[[compare]] #{i}"
        if not isinstance(raw, dict):
            raise _fail(path, f"{where} must be a table")
        cid = _str(path, where, raw.get("id"), "id")
        where = f"compare {cid!r}"
        bad = sorted(set(raw) - COMPARE_KEYS)
        if bad:
            raise _fail(path, f"{where}: unknown key(s) {bad}", hint="valid keys: " + ", ".join(sorted(COMPARE_KEYS)))
        kind = raw.get("kind")
        if kind not in KINDS:
            raise _fail(path, f"{where}: kind {kind!r} is not one of {', '.join(KINDS)}")
        for key in ("run", *NEEDS[kind]):
            if raw.get(key) in (None, ""):
                raise _fail(path, f"{where}: kind {kind} needs {key!r}")
        for key in ("run", "against"):
            if raw.get(key) is not None and raw[key] not in ids:
                raise _fail(path, f"{where}: {key} {raw[key]!r} is not a run of the recipe", hint="runs: " + ", ".join(ids))
        for key in ("paper", "paper_std", "paper_spread", "scale", "alpha"):
            _number(path, where, raw.get(key), key)
        for key in ("paper_std", "paper_spread"):
            if raw.get(key) is not None and raw[key] < 0:
                raise _fail(path, f"{where}: {key} must be >= 0")
        if kind == "confusion" and (raw["truth"] not in LABELS or raw["predicted"] not in LABELS):
            raise _fail(path, f"{where}: truth and predicted must be real or fake")
        if raw.get("stat", "mean") not in ("mean", "best"):
            raise _fail(path, f"{where}: stat must be mean or best")
        if kind == "correlation" and not (path.parent / raw["table"]).is_file():
            raise _fail(path, f"{where}: table {raw['table']!r} does not exist next to the recipe")
        comps.append(Comparison(id=cid, what=_str(path, where, raw.get("what"), "what"),
                                source=_str(path, where, raw.get("source"), "source"), kind=kind, run=raw["run"],
                                spec=dict(raw)))
    cids = [c.id for c in comps]
    dup = sorted({i for i in cids if cids.count(i) > 1})
    if dup:
        raise _fail(path, f"compare id(s) {dup} are not unique")
    data = doc.get("data", [])
    for d in data:
        if not isinstance(d, dict) or "dataset" not in d:
            raise _fail(path, "each [[data]] needs a dataset")
    return Recipe(
        name=name, title=_str(path, "the recipe", doc.get("title"), "title"),
        citation=str(doc.get("citation", "")), url=str(doc.get("url", "")), code=str(doc.get("code", "")),
        status=status, runs=runs, select_by=str(doc.get("select_by", "accuracy")),
        exact=tuple(doc.get("exact", [])), differences=tuple(doc.get("differences", [])), data=tuple(data),
        run_decls=tuple(decls), comparisons=tuple(comps), path=path,
    )


def recipe_paths() -> dict[str, Path]:
    """Every known recipe: the built-in ``*.toml`` files of this package, then those that
    installed plugins register through ``fakebench_register_recipes`` (when the hook spec
    exists); a later one with the same name is an error."""
    out = {p.stem: p for p in sorted(HERE.glob("*.toml"))}
    try:
        from ..registry import get_plugin_manager

        hook = getattr(get_plugin_manager().hook, "fakebench_register_recipes", None)
    except FakebenchError:
        hook = None
    if hook is not None:
        for returned in hook():
            for p in returned or []:
                p = Path(p)
                if p.stem in out and out[p.stem].resolve() != p.resolve():
                    raise ConfigError(f"two recipes are named {p.stem!r}: {out[p.stem]} and {p}",
                                      hint="rename one of the files")
                out[p.stem] = p
    return out


def fad_table(path: str | Path) -> dict[str, dict[str, Any]]:
    """A per-system table (``system,track,...,fad`` CSV with ``#`` comment lines):
    ``{system: {"track": ..., "fad": float | None, ...}}``. A row with an empty ``fad``
    has ``None``. A two-column ``system,fad`` CSV is read too (no track)."""
    p = Path(path).expanduser()
    if not p.is_file():
        raise ConfigError(f"FAD table {str(p)!r} does not exist", hint="columns: system,fad (and optionally track)")
    import io

    from ..textfiles import decode_text

    text = decode_text(p.read_bytes(), p, expected="a UTF-8 CSV table")
    rows = [r for r in csv.reader(io.StringIO(text, newline=""))
            if r and not r[0].lstrip().startswith("#") and any(c.strip() for c in r)]
    if not rows:
        raise ConfigError(f"FAD table {str(p)!r} holds no rows")
    header = [h.strip().lower() for h in rows[0]]
    if "system" not in header or "fad" not in header:
        raise ConfigError(f"FAD table {str(p)!r} needs a header with system and fad columns, got {rows[0]}")
    out: dict[str, dict[str, Any]] = {}
    for lineno, row in enumerate(rows[1:], 2):
        rec = dict(zip(header, (c.strip() for c in row)))
        value = rec.get("fad", "")
        try:
            rec["fad"] = float(value) if value else None
        except ValueError:
            raise ConfigError(f"FAD table {str(p)!r}, row {lineno}: fad {value!r} is not a number") from None
        out[rec["system"]] = rec
    return out


# -- planning ------------------------------------------------------------------------------


@dataclass
class Check:
    """Whether something a run needs is here: ``ok``, the thing, and what to do if not."""

    what: str
    ok: bool
    detail: str = ""


@dataclass
class PlannedRun:
    decl: RunDecl
    pipeline: str
    embedder: str | None
    detector: str
    dataset: str
    protocol: str
    length: str | None
    sets: dict[str, Any]
    seeds: list[int]
    dropped: dict[str, Any] = field(default_factory=dict)
    substituted: dict[str, tuple[str, str]] = field(default_factory=dict)
    weights: list[Check] = field(default_factory=list)

    def options(self) -> dict[str, Any]:
        """Keyword arguments of :func:`fakebench.run` for this run (but paths and device)."""
        out: dict[str, Any] = {"dataset": self.dataset, "detector": self.pipeline, "protocol": self.protocol,
                               "seeds": list(self.seeds), "sets": dict(self.sets)}
        if self.length:
            out["length"] = self.length
        if self.decl.metrics:
            out["metrics"] = list(self.decl.metrics)
        return out


@dataclass
class Plan:
    recipe: Recipe
    runs: list[PlannedRun]
    substitutions: dict[str, str]
    overrides: dict[str, Any]
    n_runs: int
    data: list[Check] = field(default_factory=list)
    #: runs of the recipe left out (``--run``)
    skipped: tuple[str, ...] = ()

    @property
    def is_reproduction(self) -> bool:
        """False when anything departs from the recipe: a substitution, a ``--set``
        override, fewer runs than the recipe's, or runs left out."""
        return (not self.substitutions and not self.overrides and self.n_runs >= self.recipe.runs
                and not self.skipped)

    def departures(self) -> list[str]:
        out = [f"{kind} {old} -> {new} in run {r.decl.id!r}" for r in self.runs
               for kind, (old, new) in r.substituted.items()]
        out += [f"--set {k}={v!r} on every run" for k, v in self.overrides.items()]
        if self.n_runs < self.recipe.runs:
            out.append(f"{self.n_runs} run(s) instead of the recipe's {self.recipe.runs}")
        if self.skipped:
            out.append("run(s) left out: " + ", ".join(self.skipped))
        out += [f"run {r.decl.id!r}: {k}={v!r} dropped (it belongs to the substituted component)"
                for r in self.runs for k, v in r.dropped.items()]
        return out


SUBSTITUTABLE = ("embedder", "detector", "dataset")


def parse_substitutions(items: Sequence[str]) -> dict[str, str]:
    """``["embedder=sfx"]`` -> ``{"embedder": "sfx"}``; kinds: :data:`SUBSTITUTABLE`."""
    out: dict[str, str] = {}
    for item in items:
        kind, sep, name = str(item).partition("=")
        kind, name = kind.strip(), name.strip()
        if not sep or kind not in SUBSTITUTABLE or not name:
            raise ConfigError(f"--substitute {item!r} is not KIND=NAME",
                              hint="e.g. --substitute embedder=sfx; kinds: " + ", ".join(SUBSTITUTABLE))
        out[kind] = name
    return out


def plan(recipe: Recipe, *, registry=None, runs: int | None = None, substitute: Mapping[str, str] | None = None,
         sets: Mapping[str, Any] | None = None, only: Sequence[str] | None = None) -> Plan:
    """Resolve every run of ``recipe``: its pipeline (after ``substitute``), dataset,
    protocol and parameters (the recipe's, then ``sets`` on every run), checked against
    the plugins now installed. Raises :class:`ConfigError` naming the recipe and run."""
    from ..config import route
    from ..registry import Registry

    registry = registry or Registry()
    substitute = dict(substitute or {})
    overrides = dict(sets or {})
    n = int(runs) if runs is not None else recipe.runs
    if n < 1:
        raise ConfigError("--runs must be at least 1")
    wanted = list(recipe.run_decls)
    if only:
        unknown = sorted(set(only) - {d.id for d in wanted})
        if unknown:
            raise ConfigError(f"recipe {recipe.name!r} has no run(s) {unknown}",
                              hint="runs: " + ", ".join(d.id for d in wanted))
        wanted = [d for d in wanted if d.id in set(only)]
    out: list[PlannedRun] = []
    for decl in wanted:
        where = f"recipe {recipe.name!r}, run {decl.id!r}"
        try:
            pipe = registry.pipeline(decl.detector, decl.embedder)
        except FakebenchError as e:
            raise ConfigError(f"{where}: {e.message}", hint=e.hint) from None
        emb_name = pipe.embedder.name if pipe.embedder is not None else None
        det_name = pipe.detector.name
        dataset = decl.dataset
        substituted: dict[str, tuple[str, str]] = {}
        dropped: dict[str, Any] = {}
        run_sets = dict(decl.sets)
        if "embedder" in substitute and emb_name is not None and substitute["embedder"] != emb_name:
            registry.embedder(substitute["embedder"])  # an unknown name fails here
            substituted["embedder"] = (emb_name, substitute["embedder"])
            emb_name = substitute["embedder"]
            for k in [k for k in run_sets if k.startswith("embedder.")]:
                dropped[k] = run_sets.pop(k)
        if "detector" in substitute and substitute["detector"] != det_name:
            registry.detector(substitute["detector"])
            substituted["detector"] = (det_name, substitute["detector"])
            det_name = substitute["detector"]
            for k in [k for k in run_sets if k.startswith("detector.") or "." not in k]:
                dropped[k] = run_sets.pop(k)
        if "dataset" in substitute and substitute["dataset"] != dataset:
            registry.dataset(substitute["dataset"])
            substituted["dataset"] = (dataset, substitute["dataset"])
            dataset = substitute["dataset"]
            for k in [k for k in run_sets if k.startswith("dataset.")]:
                dropped[k] = run_sets.pop(k)
        pipeline = f"{emb_name}-{det_name}" if emb_name else det_name
        try:
            pipe = registry.pipeline(det_name, emb_name) if emb_name else registry.pipeline(det_name)
        except FakebenchError as e:
            raise ConfigError(f"{where}: {e.message}", hint=e.hint) from None
        ds_cls = registry.dataset(dataset)
        protocol = decl.protocol or ds_cls.protocols[0]
        if protocol not in ds_cls.protocols:
            if "dataset" in substituted:
                substituted["protocol"] = (protocol, ds_cls.protocols[0])
                protocol = ds_cls.protocols[0]
            else:
                raise ConfigError(f"{where}: dataset {dataset!r} has no protocol {protocol!r}",
                                  hint=f"its protocols: {', '.join(ds_cls.protocols)}")
        final_sets = {**run_sets, **overrides}
        components = {"dataset": ds_cls, "embedder": pipe.embedder, "detector": pipe.detector}
        try:
            params = route(dict(final_sets), components)
            for kind, cls in components.items():
                if cls is not None:
                    cls.check_params(params[kind])
        except FakebenchError as e:
            raise ConfigError(f"{where}: {e.message}", hint=e.hint) from None
        seeds = list(decl.seeds) if decl.seeds is not None else list(range(n))
        if decl.seeds is not None and runs is not None:
            seeds = seeds[:n] if n <= len(seeds) else seeds + list(range(max(seeds) + 1, max(seeds) + 1 + n - len(seeds)))
        out.append(PlannedRun(decl=decl, pipeline=pipeline, embedder=emb_name, detector=det_name, dataset=dataset,
                              protocol=protocol, length=decl.length, sets=final_sets, seeds=seeds, dropped=dropped,
                              substituted=substituted))
    skipped = tuple(d.id for d in recipe.run_decls if d.id not in {r.decl.id for r in out})
    return Plan(recipe=recipe, runs=out, substitutions=substitute, overrides=overrides, n_runs=n, skipped=skipped)


def check(plan_: Plan, *, data_root: str | Path | None = None, registry=None) -> Plan:
    """Fill in, without downloading anything, whether each run's data and weights are
    present (:attr:`Plan.data`, :attr:`PlannedRun.weights`)."""
    from ..registry import Registry

    registry = registry or Registry()
    seen: dict[tuple, Check] = {}
    for r in plan_.runs:
        ds_params = {k[len("dataset."):]: v for k, v in r.sets.items() if k.startswith("dataset.")}
        key = (r.dataset, r.protocol, tuple(sorted((k, repr(v)) for k, v in ds_params.items())))
        if key not in seen:
            seen[key] = _check_data(registry, r.dataset, r.protocol, ds_params, data_root)
        r.weights = _check_weights(registry, r)
    plan_.data = list(seen.values())
    return plan_


def _check_data(registry, name: str, protocol: str, params: dict, data_root) -> Check:
    cls = registry.dataset(name)
    label = f"{name} (protocol {protocol}{', ' + ', '.join(f'{k}={v}' for k, v in params.items()) if params else ''})"
    try:
        ds = cls.from_params({"root": data_root, "protocol": protocol, **params})
        splits = ds.load()
    except FakebenchError as e:
        return Check(label, False, e.message + (f" -- {e.hint}" if e.hint else ""))
    counts = ", ".join(f"{k} {len(v)}" for k, v in splits.items())
    return Check(label, True, counts)


def _weights_files(obj) -> list:
    """The :class:`~fakebench.weights.WeightsFile` specs an embedder exposes: what its
    ``weights_files()`` returns, its ``weights_file`` attribute, or those defined at its
    module's top level."""
    import sys

    from ..weights import WeightsFile

    if callable(getattr(obj, "weights_files", None)):
        return list(obj.weights_files())
    own = getattr(obj, "weights_file", None)
    if isinstance(own, WeightsFile):
        return [own]
    module = sys.modules.get(type(obj).__module__)
    return [v for v in vars(module).values() if isinstance(v, WeightsFile)] if module else []


def _resolve_check(spec, what: str) -> Check:
    from ..weights import resolve

    try:
        found = resolve(spec, None, download=False)
    except FakebenchError as e:
        return Check(what, False, e.message + (f" -- {e.hint}" if e.hint else ""))
    return Check(what, True, f"{found.path} ({found.source})")


def _check_weights(registry, r: PlannedRun) -> list[Check]:
    from ..config import route
    from ..weights import WeightsFile, hf_model_dir

    out: list[Check] = []
    if r.embedder:
        cls = registry.embedder(r.embedder)
        pipe = registry.pipeline(r.detector, r.embedder)
        params = route(dict(r.sets), {"dataset": registry.dataset(r.dataset), "embedder": cls,
                                      "detector": pipe.detector})["embedder"]
        emb = cls.from_params(params)
        what = f"embedder {r.embedder} weights"
        try:
            fp = emb.identify(weights=None)
        except FakebenchError:
            fp = None
        if fp is not None:
            out.append(Check(what, True, f"fingerprint {fp}"))
        else:
            specs = _weights_files(emb)
            checks = [_resolve_check(s, f"{what}: {s.filename}") for s in specs]
            if checks:
                out.extend(checks)
            else:
                out.append(Check(what, False, "not identifiable without loading the model; "
                                              "it is fetched (or found) when the run starts"))
    for w in r.decl.weights:
        if "hf" in w:
            what = f"{w.get('what', w['hf'])} (Hugging Face {w['hf']})"
            try:
                found = hf_model_dir(w["hf"], None, download=False)
                out.append(Check(what, True, str(found.path)))
            except FakebenchError as e:
                out.append(Check(what, False, e.message + (f" -- {e.hint}" if e.hint else "")))
        else:
            spec = WeightsFile(w["file"], url=w.get("url"), sha256=w.get("sha256"),
                               folders=tuple(w.get("folders", ())), what=w.get("what", w["file"]))
            out.append(_resolve_check(spec, f"{w.get('what', w['file'])}: {w['file']}"))
    return out
