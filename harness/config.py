"""Run configuration: ``--set key=value`` overrides and TOML config files, parsed as data.

Values are read as JSON literals when they parse (``10``, ``0.5``, ``true``,
``[64, 64]``, ``"text"``) and as plain strings otherwise. Nothing is ever evaluated.

Keys go to a component by prefix (``detector.epochs=10``, ``embedder.layer=6``,
``dataset.protocol=unseen-systems``). A bare key (``epochs=10``) goes to whichever
component has a parameter of that name; when several do, the prefix is required.

A config file is TOML with optional tables ``[run]``, ``[dataset]``, ``[embedder]`` and
``[detector]``::

    [run]
    dataset = "dcase23"
    detector = "clap-mlp"
    runs = 10

    [detector]
    epochs = 100
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any, Iterable

from .errors import ConfigError

COMPONENTS = ("dataset", "embedder", "detector")


def parse_value(text: str) -> Any:
    text = text.strip()
    try:
        return json.loads(text)
    except (json.JSONDecodeError, ValueError):
        low = text.lower()
        if low in ("true", "yes", "on"):
            return True
        if low in ("false", "no", "off"):
            return False
        if low in ("none", "null"):
            return None
        return text


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
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"config file {str(path)!r} does not exist") from None
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
