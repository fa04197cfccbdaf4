"""Run configuration: the :class:`RunSpec`, TOML config files and ``--set`` overrides.

Precedence, highest first (each level overrides the ones below it):

1. options given on the command line (``--runs 3``) or as keyword arguments of
   :func:`fakebench.run`;
2. ``--set`` overrides: ``--set epochs=10`` (a plugin parameter) or ``--set run.seed=7``
   (a ``[run]`` key);
3. the config file (``--config run.toml``): its ``[run]`` table and its ``[dataset]``,
   ``[embedder]`` and ``[detector]`` tables of plugin parameters;
4. the defaults (the :class:`RunSpec` field defaults and each plugin's own defaults).

Values are read as JSON literals when they parse (``10``, ``0.5``, ``true``,
``[64, 64]``, ``"text"``) and as plain strings otherwise. Nothing is ever evaluated.

Plugin parameter keys go to a component by prefix (``detector.epochs=10``,
``embedder.layer=6``, ``dataset.protocol=unseen-systems``). A bare key (``epochs=10``)
goes to whichever component has a parameter of that name; when several do, the prefix is
required.

A config file::

    [run]
    dataset = "dcase23"
    detector = "clap-mlp"
    runs = 10          # seeds seed, seed+1, ..., seed+runs-1
    seed = 0
    device = "cuda"

    [detector]
    epochs = 100

Every ``[run]`` key is one of :data:`RUN_KEYS` (a :class:`RunSpec` field, or ``runs``,
``seed``, ``workers``, ``retrain``, ``no_cache``, ``no_save_model``, ``metric``); any
other key is refused with the list of valid ones.
"""

from __future__ import annotations

import dataclasses
import json
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from .errors import ConfigError

COMPONENTS = ("dataset", "embedder", "detector")
#: ``--threshold`` policies: the detector's own threshold, or the EER point of the val split
THRESHOLDS = ("detector", "dev-eer")
PRECISIONS = ("fp32", "fp16", "bf16")
#: the executor names ``--executor`` accepts (:mod:`fakebench.executors`)
EXECUTORS = ("local", "ray")
#: Largest seed: NumPy seeds are 32-bit.
MAX_SEED = 2**32 - 1


@dataclass
class RunSpec:
    """Everything that defines a run. Field names match the CLI options."""

    dataset: str
    detector: str
    embedder: str | None = None
    train_dataset: str | None = None
    data_root: str | None = None
    protocol: str | None = None
    seeds: Sequence[int] = (0,)
    device: str = "auto"
    #: plugin parameters: ``{"epochs": 10, "embedder.layer": 6}``
    sets: dict[str, Any] = field(default_factory=dict)
    length: str | None = None
    batch_size: int | None = None
    num_workers: int | None = None
    precision: str = "fp32"
    weights: str | None = None
    cache_dir: str | None = None
    results_dir: str | None = None
    metrics: Sequence[str] | None = None
    allow_missing: bool = False
    skip_bad: bool = False
    save_model: bool = True
    use_cache: bool = True
    #: Reuse the fitted detector of an identical earlier run (same code, parameters,
    #: seed and training data); ``--retrain`` turns it off.
    reuse_fits: bool = True
    progress: bool = False
    #: decision threshold for accuracy, F1...: the detector's, or the EER point of the val split
    threshold: str = "detector"
    #: the reproduction recipe this run belongs to (``fakebench reproduce``), recorded
    recipe: str | None = None
    #: ``dev``: fit a logistic-regression calibration (scores -> LLRs) on the val split and
    #: apply it to every test set (:mod:`fakebench.metrics.calibration`)
    calibrate: str | None = None
    #: robustness conditions to score under (``clean,mp3:32k,noise:snr=10``), and a named
    #: preset of them (``codecs``...); see :mod:`fakebench.conditions`
    conditions: str | None = None
    condition_set: str | None = None
    #: the condition training and validation audio is under (default: clean)
    train_condition: str | None = None
    #: where embeddings, audio-detector scores and seeds are computed: ``local`` (this
    #: process) or ``ray`` (a Ray cluster; :mod:`fakebench.executors`)
    executor: str = "local"
    #: the Ray cluster of ``executor = "ray"``: ``auto``, ``ray://HOST:PORT`` or
    #: ``HOST:PORT`` (None: ``$RAY_ADDRESS``, a local cluster, or a new local instance)
    address: str | None = None
    #: memory budget of the run (``4G``, ``2500M``; an integer is MiB): the evaluation
    #: batch of audio detectors that declare ``eval_memory_mb_per_second`` is chosen to
    #: stay under it (on CUDA the budget is the device's memory)
    #: (None: a default budget, :data:`fakebench.runner.DEFAULT_EVAL_BUDGET_MB` of activations)
    max_memory: str | int | None = None

    @classmethod
    def from_config(cls, config: str | Path | Mapping[str, Any] | None = None, *,
                    sets: Iterable[str] | Mapping[str, Any] | None = None, **options: Any) -> "RunSpec":
        """Merge a config file (path, or its parsed tables), ``--set`` overrides and
        explicit ``options`` (RunSpec fields, or the ``[run]`` aliases) by the module's
        precedence. ``options`` whose value is None are treated as not given."""
        tables = load_config_file(config) if isinstance(config, (str, Path)) else dict(config or {})
        unknown_tables = set(tables) - {"run", *COMPONENTS}
        if unknown_tables:
            raise ConfigError(f"config has unknown table(s) {sorted(unknown_tables)}",
                              hint="use [run], [dataset], [embedder] and [detector]")
        where = f"config file {str(config)!r}" if isinstance(config, (str, Path)) else "config"
        plugin_sets: dict[str, Any] = {}
        for section in COMPONENTS:
            table = tables.get(section, {})
            if not isinstance(table, dict):
                raise ConfigError(f"{where}: [{section}] must be a table of parameters")
            for k, v in table.items():
                plugin_sets[f"{section}.{k}"] = v
        run_file = tables.get("run", {})
        if not isinstance(run_file, dict):
            raise ConfigError(f"{where}: [run] must be a table")
        over = sets if isinstance(sets, Mapping) else parse_sets(sets or ())
        run_sets = {k[4:]: v for k, v in over.items() if k.startswith("run.")}
        plugin_sets.update({k: v for k, v in over.items() if not k.startswith("run.")})
        # merge the raw keys layer by layer (later layers win), remembering where each came from
        raw: dict[str, Any] = {}
        layer_of: dict[str, int] = {}
        sources: dict[str, str] = {}
        layers = ((where + " [run]", run_file), ("--set run.*", run_sets),
                  ("options", {k: v for k, v in options.items() if v is not None}))
        for level, (source, values) in enumerate(layers):
            _run_fields(values, source)  # refuse unknown keys and bad values, naming the source
            for k, v in values.items():
                raw[k], layer_of[k], sources[k] = v, level, source
        seeds_level = layer_of.get("seeds", -1)
        range_level = max(layer_of.get("seed", -1), layer_of.get("runs", -1))
        if range_level > seeds_level:
            raw.pop("seeds", None)
        elif seeds_level >= 0:
            raw.pop("seed", None)
            raw.pop("runs", None)
        merged = _run_fields(raw, "the merged configuration")
        merged.setdefault("sets", {})
        merged["sets"] = {**plugin_sets, **merged["sets"]}
        for need in ("dataset", "detector"):
            if not merged.get(need):
                raise ConfigError(f"no {need} given", hint=f"pass --{need} NAME, or set {need} in the config's [run]")
        spec = cls(**merged)
        spec.validate()
        return spec

    def validate(self) -> "RunSpec":
        """Refuse impossible values with one clear error naming the option."""
        seeds = list(self.seeds)
        if not seeds:
            raise ConfigError("--runs must be at least 1")
        for s in seeds:
            if isinstance(s, bool) or not isinstance(s, int) or not 0 <= s <= MAX_SEED:
                raise ConfigError(f"seed {s!r} is out of range", hint=f"seeds are integers from 0 to {MAX_SEED}")
        if self.threshold not in THRESHOLDS:
            raise ConfigError(f"unknown threshold policy {self.threshold!r}", hint="use one of: " + ", ".join(THRESHOLDS))
        if self.precision not in PRECISIONS:
            raise ConfigError(f"unknown precision {self.precision!r}", hint="use one of: " + ", ".join(PRECISIONS))
        for name, low in (("batch_size", 1), ("num_workers", 0)):
            v = getattr(self, name)
            if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < low):
                option = "--batch-size" if name == "batch_size" else "--workers"
                raise ConfigError(f"{option} {v!r} must be an integer >= {low}")
        if self.executor not in EXECUTORS:
            raise ConfigError(f"unknown executor {self.executor!r}", hint="use one of: " + ", ".join(EXECUTORS))
        if self.calibrate not in (None, "dev", "none"):
            raise ConfigError(f"unknown calibration {self.calibrate!r}", hint="use --calibrate dev (or leave it out)")
        if self.length is not None:
            from .audio import LengthPolicy

            LengthPolicy.parse(self.length)
        if self.max_memory is not None:
            parse_memory(self.max_memory)
        return self


#: ``[run]`` keys that are not RunSpec fields, and the fields they set.
RUN_ALIASES = {"runs": "seeds", "seed": "seeds", "workers": "num_workers", "retrain": "reuse_fits", "condition": "conditions",
               "no_cache": "use_cache", "no_save_model": "save_model", "metric": "metrics",
               "results": "results_dir", "cache": "cache_dir"}
RUN_KEYS = tuple(sorted({f.name for f in dataclasses.fields(RunSpec)} - {"sets", "progress"} | set(RUN_ALIASES)))


def _run_fields(values: Mapping[str, Any], source: str) -> dict[str, Any]:
    """Map ``[run]``-style keys to RunSpec fields; refuse unknown keys naming ``source``."""
    unknown = sorted(set(values) - set(RUN_KEYS) - {"sets", "progress"})
    if unknown:
        raise ConfigError(f"{source}: unknown run key(s) {unknown}", hint="valid keys: " + ", ".join(RUN_KEYS))
    out = {k: v for k, v in values.items() if k not in RUN_ALIASES}
    if "seeds" in out:
        seeds = out["seeds"]
        if isinstance(seeds, int) and not isinstance(seeds, bool):
            seeds = [seeds]
        if not isinstance(seeds, (list, tuple)):
            raise ConfigError(f"{source}: seeds must be a list of integers, got {seeds!r}")
        out["seeds"] = list(seeds)
    if "seed" in values or "runs" in values:
        first, runs = values.get("seed", 0), values.get("runs", 1)
        for key, v, low in (("seed", first, 0), ("runs", runs, 1)):
            if isinstance(v, bool) or not isinstance(v, int) or v < low:
                raise ConfigError(f"{source}: {key} must be an integer >= {low}, got {v!r}")
        if first + runs - 1 > MAX_SEED:
            raise ConfigError(f"{source}: seeds {first}..{first + runs - 1} exceed {MAX_SEED}")
        out["seeds"] = list(range(first, first + runs))
    for alias, target, negate in (("workers", "num_workers", False), ("retrain", "reuse_fits", True),
                                  ("no_cache", "use_cache", True), ("no_save_model", "save_model", True),
                                  ("results", "results_dir", False), ("cache", "cache_dir", False)):
        if alias in values:
            v = values[alias]
            if negate:
                if not isinstance(v, bool):
                    raise ConfigError(f"{source}: {alias} must be true or false, got {v!r}")
                v = not v
            out[target] = v
    if "metric" in values:
        out["metrics"] = values["metric"]
    if "condition" in values:
        out["conditions"] = values["condition"]
    if isinstance(out.get("conditions"), (list, tuple)):
        out["conditions"] = ",".join(str(c) for c in out["conditions"])
    if isinstance(out.get("metrics"), str):
        out["metrics"] = [out["metrics"]]
    if "max_memory" in out and out["max_memory"] is not None:
        parse_memory(out["max_memory"])  # refused here, naming the source
    for key in ("allow_missing", "skip_bad", "save_model", "use_cache", "reuse_fits"):
        if key in out and not isinstance(out[key], bool):
            raise ConfigError(f"{source}: {key} must be true or false, got {out[key]!r}")
    for key in ("dataset", "detector", "embedder", "train_dataset", "data_root", "protocol", "device", "length",
                "precision", "weights", "cache_dir", "results_dir", "threshold", "recipe", "calibrate", "conditions",
                "condition_set", "train_condition", "executor", "address"):
        if key in out and out[key] is not None and not isinstance(out[key], str):
            raise ConfigError(f"{source}: {key} must be a string, got {out[key]!r}")
    if isinstance(out.get("sets"), Mapping):
        out["sets"] = dict(out["sets"])
    return out


_UNITS = {"": 1, "k": 1 / 1024, "m": 1, "g": 1024, "t": 1024 * 1024}


def parse_memory(value: str | int | float) -> int:
    """A memory size in MiB: ``4G``, ``4GB``, ``4GiB``, ``2500M``, ``1.5g``; a bare number is MiB.
    Sizes are binary (1G = 1024M)."""
    import re

    if isinstance(value, bool):
        raise ConfigError(f"--max-memory {value!r} is not a size", hint="e.g. --max-memory 4G or --max-memory 2500M")
    if isinstance(value, (int, float)):
        mib = float(value)
    else:
        m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]*)?)\s*([kKmMgGtT]?)(?:i?[bB])?\s*", str(value))
        if not m:
            raise ConfigError(f"--max-memory {value!r} is not a size",
                              hint="e.g. --max-memory 4G or --max-memory 2500M (binary units; a number is MiB)")
        mib = float(m.group(1)) * _UNITS[m.group(2).lower()]
    if not math.isfinite(mib):
        raise ConfigError(f"--max-memory {value!r} is not a finite size", hint="e.g. --max-memory 4G")
    if mib < 64:
        raise ConfigError(f"--max-memory {value!r} is too small", hint="give at least 64M")
    return int(mib)


def parse_value(text: str) -> Any:
    text = text.strip()
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, ValueError):
        low = text.lower()
        if low in ("true", "yes", "on"):
            return True
        if low in ("false", "no", "off"):
            return False
        if low in ("none", "null"):
            return None
        return text
    if isinstance(value, float) and not math.isfinite(value):
        return text  # NaN / Infinity are not numbers here; the parameter check names them
    return value


def parse_sets(items: Iterable[str]) -> dict[str, Any]:
    """``["a=1", "detector.b=x"]`` -> ``{"a": 1, "detector.b": "x"}``."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(f"--set {item!r} is not KEY=VALUE", hint="e.g. --set epochs=10 or --set detector.lr=1e-3")
        out[key] = parse_value(value)
    return out


def load_config_file(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"config file {str(path)!r} does not exist") from None
    except IsADirectoryError:
        raise ConfigError(f"config file {str(path)!r} is a folder, not a TOML file") from None
    except OSError as e:
        raise ConfigError(f"cannot read config file {str(path)!r}: {e.strerror or e}") from None
    from .textfiles import decode_text

    text = decode_text(raw, path, expected="UTF-8 TOML")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"config file {str(path)!r} is not valid TOML: {e}") from None
    unknown = set(data) - {"run", *COMPONENTS}
    if unknown:
        raise ConfigError(f"config file {str(path)!r} has unknown table(s) {sorted(unknown)}",
                          hint="use [run], [dataset], [embedder] and [detector]")
    return data


def route(sets: dict[str, Any], components: dict[str, type | None]) -> dict[str, dict[str, Any]]:
    """Split overrides into per-component parameter dicts.

    ``components`` maps ``dataset``/``embedder``/``detector`` to the plugin class (or
    None when the pipeline has no such component).
    """
    out: dict[str, dict[str, Any]] = {c: {} for c in COMPONENTS}
    for key, value in sets.items():
        prefix, dot, rest = key.partition(".")
        if dot and prefix in COMPONENTS:
            if components.get(prefix) is None:
                raise ConfigError(f"--set {key}: this pipeline has no {prefix}")
            out[prefix][rest] = value
            continue
        owners = [c for c, cls in components.items() if cls is not None and key in cls.param_names()]
        if not owners:
            names = sorted({f"{c}.{p}" for c, cls in components.items() if cls is not None for p in cls.param_names()})
            import difflib

            close = difflib.get_close_matches(key, [n.split(".", 1)[1] for n in names] + names, n=2)
            raise ConfigError(f"--set {key}: no component of this pipeline has a parameter {key!r}",
                              hint=("did you mean " + " or ".join(close) + "?") if close
                              else "see `fakebench list --params` for the parameters")
        if len(owners) > 1:
            raise ConfigError(f"--set {key}: both {' and '.join(owners)} have a parameter {key!r}",
                              hint=f"write {owners[0]}.{key}=... or {owners[1]}.{key}=...")
        out[owners[0]][key] = value
    return out
