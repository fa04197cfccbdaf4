"""Parameters of plugins, scikit-learn style, with declared types and ranges.

``__init__`` only stores its keyword arguments; :meth:`Configurable.get_params` reads
them back from the signature. The runner builds every plugin from a parameter dict
(``--set k=v`` on the CLI), and the result record stores that dict.

Every parameter has a declared type and range, a :class:`Param`: a plugin declares the
ones its defaults do not say in ``param_specs`` (``{"epochs": Int(1), "dropout":
Float(0, 1, high_open=True), "fusion": OneOf("mid", "late")}``); the others are inferred
from the default (an int default means any integer, a float default any finite number, a
bool default true/false...). Values are checked once, when the parameters are set
(``--set``, a config file, or :meth:`Configurable.from_params`), and a bad one gets one
error naming the plugin, the parameter, the value and the allowed range.
``fakebench list --params`` shows the ranges.
"""

from __future__ import annotations

import inspect
import json
import math
import os
from dataclasses import dataclass
from typing import Any, ClassVar

from .errors import ConfigError


def to_json_safe(obj: Any) -> Any:
    """``obj`` as JSON-safe data: the one conversion of parameters and results for
    records, cache keys and saved detectors. Dict keys become strings, tuples lists,
    NumPy scalars and arrays Python numbers and lists, paths strings; anything else is
    stored as ``str(obj)``."""
    if isinstance(obj, dict):
        return {str(k): to_json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_json_safe(v) for v in obj]
    if obj is None or isinstance(obj, (str, bool, int, float)):
        return obj
    if hasattr(obj, "item") and getattr(obj, "ndim", None) == 0:  # NumPy / torch scalar
        return obj.item()
    if hasattr(obj, "tolist"):
        return to_json_safe(obj.tolist())
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    return str(obj)




@dataclass(frozen=True)
class Param:
    """A parameter's type (``int``, ``float``, ``bool``, ``str``, ``list`` or ``any``) and
    range: bounds (``low``/``high``, open or closed), allowed ``choices``, the ``item`` of
    a list and its ``min_items``, and whether None is allowed (``nullable``)."""

    type: str = "any"
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple | None = None
    item: "Param | None" = None
    min_items: int = 0
    nullable: bool = False

    def describe(self) -> str:
        """The range in words, for errors and ``fakebench list --params``."""

        def num(v: float) -> str:  # integer bounds as integers (4294967295, not 4.29497e+09)
            return str(int(v)) if self.type == "int" or float(v).is_integer() else f"{v:g}"

        if self.choices is not None:
            text = "one of " + ", ".join(str(c) for c in self.choices)
        elif self.type == "list":
            inner = self.item.describe() if self.item is not None else "values"
            text = f"a list of {inner}" + (f" (at least {self.min_items})" if self.min_items else "")
        else:
            name = {"int": "an integer", "float": "a number", "bool": "true or false", "str": "text",
                    "any": "any value"}[self.type]
            if self.low is not None and self.high is not None:
                text = (f"{name} in {'(' if self.low_open else '['}{num(self.low)}, {num(self.high)}"
                        f"{')' if self.high_open else ']'}")
            elif self.low is not None:
                text = f"{name} {'>' if self.low_open else '>='} {num(self.low)}"
            elif self.high is not None:
                text = f"{name} {'<' if self.high_open else '<='} {num(self.high)}"
            else:
                text = name
        return text + (" or null" if self.nullable else "")

    def check(self, value: Any) -> Any:
        """``value`` coerced to the type (``7`` -> ``7.0`` for a float), or ValueError."""
        if value is None:
            if self.nullable or (self.choices is None and self.type == "any") or (
                    self.choices is not None and None in self.choices):
                return None
            raise ValueError
        if self.choices is not None:
            if value not in self.choices:
                raise ValueError
            return value
        if self.type == "bool":
            if not isinstance(value, bool):
                raise ValueError
            return value
        if self.type in ("int", "float"):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError
            if self.type == "int":
                # a whole float is an integer only where floats count exactly (1e30 is not 10**30)
                if float(value) != int(value) or (isinstance(value, float) and abs(value) > 2**53):
                    raise ValueError
                value = int(value)
            else:
                value = float(value)
            if self.low is not None and (value < self.low or (self.low_open and value == self.low)):
                raise ValueError
            if self.high is not None and (value > self.high or (self.high_open and value == self.high)):
                raise ValueError
            return value
        if self.type == "str":
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return str(value)
            if not isinstance(value, str):
                raise ValueError
            return value
        if self.type == "list":
            if not isinstance(value, (list, tuple)) or len(value) < self.min_items:
                raise ValueError
            return tuple(self.item.check(v) for v in value) if self.item is not None else tuple(value)
        return value


def Int(low: float | None = None, high: float | None = None, *, nullable: bool = False) -> Param:
    """An integer in [low, high]."""
    return Param("int", low, high, nullable=nullable)


def Float(low: float | None = None, high: float | None = None, *, low_open: bool = False, high_open: bool = False,
          nullable: bool = False) -> Param:
    """A finite number between low and high (each bound closed unless ``*_open``)."""
    return Param("float", low, high, low_open, high_open, nullable=nullable)


def OneOf(*choices: Any, nullable: bool = False) -> Param:
    """One of ``choices``."""
    return Param("any", choices=tuple(choices), nullable=nullable)


def ListOf(item: Param | None = None, *, min_items: int = 0, nullable: bool = False) -> Param:
    """A list (or tuple) whose items are each ``item``."""
    return Param("list", item=item, min_items=min_items, nullable=nullable)


def Bool() -> Param:
    return Param("bool")


def Text(*, nullable: bool = False) -> Param:
    return Param("str", nullable=nullable)


def Choice(*choices: str, nullable: bool = False) -> Param:
    """One of the texts ``choices``; null only with ``nullable``."""
    return Param("str", choices=tuple(choices), nullable=nullable)


#: Seeds are 32-bit (NumPy's legacy generator), as ``--seed`` is.
MAX_SEED = 2**32 - 1


@dataclass(frozen=True)
class _PathParam(Param):
    type: str = "str"
    nullable: bool = True

    def describe(self) -> str:
        return "a path" + (" or null" if self.nullable else "")

    def check(self, value: Any) -> Any:
        if value is None:
            if self.nullable:
                return None
            raise ValueError
        if isinstance(value, os.PathLike) or (isinstance(value, str) and value.strip() and "\x00" not in value):
            return value
        raise ValueError


@dataclass(frozen=True)
class _NamesParam(Param):
    type: str = "str"
    nullable: bool = True
    #: at least one name (``none`` and empty text are refused)
    required: bool = False

    def describe(self) -> str:
        inner = f" of {', '.join(self.choices)}" if self.choices else ""
        empty = "" if self.required else ", none"
        return f"names{inner} (comma-separated text or a list){empty}" + (" or null" if self.nullable else "")

    def check(self, value: Any) -> Any:
        if value is None or value is False:
            if self.nullable or value is False:
                return value
            raise ValueError
        if isinstance(value, str):
            items = value.split(",")
        elif isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            items = list(value)
        else:
            raise ValueError
        names = [v.strip().lower() for v in items if v.strip() and v.strip().lower() != "none"]
        if self.choices is not None and any(n not in self.choices for n in names):
            raise ValueError
        if self.required and not names:
            raise ValueError
        return value if isinstance(value, str) else list(value)


@dataclass(frozen=True)
class _SettingsParam(Param):
    type: str = "any"
    nullable: bool = True

    def describe(self) -> str:
        return "a table (JSON object) of settings" + (" or null" if self.nullable else "")

    def check(self, value: Any) -> Any:
        if value is None and self.nullable:
            return None
        if isinstance(value, dict) and all(isinstance(k, str) for k in value):
            return value
        raise ValueError


@dataclass(frozen=True)
class _DeviceParam(Param):
    type: str = "str"

    def describe(self) -> str:
        return "cpu, cuda, cuda:N or mps (one this machine has)"

    def check(self, value: Any) -> Any:
        import re

        if not isinstance(value, str) or not re.fullmatch(r"cpu|mps|cuda(:[0-9]+)?", value):
            raise ValueError
        if value.startswith("cuda"):
            import torch

            index = int(value.partition(":")[2] or 0)
            if not torch.cuda.is_available() or index >= torch.cuda.device_count():
                raise ValueError
        elif value == "mps":
            import torch

            if not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
                raise ValueError
        return value


def FilePath(*, nullable: bool = True) -> Param:
    """A file or folder: non-blank text or a path object (kept as given), or null."""
    return _PathParam(nullable=nullable)


def Names(*choices: str, nullable: bool = True, required: bool = False) -> Param:
    """Names: comma-separated text or a list of texts (``none`` and empty mean none, unless
    ``required``), or null; ``choices``, when given, are the names allowed."""
    return _NamesParam(choices=tuple(choices) or None, nullable=nullable, required=required)


def Settings(*, nullable: bool = True) -> Param:
    """A table of settings (a JSON object, ``--set embedder.config={"k": 1}``) or null."""
    return _SettingsParam(nullable=nullable)


def Seed() -> Param:
    """A seed: an integer in [0, 2**32 - 1] (NumPy's legacy generator takes 32 bits)."""
    return Param("int", 0, MAX_SEED)


def Device() -> Param:
    """A torch device this machine has: ``cpu``, ``cuda``, ``cuda:N`` (a visible GPU) or
    ``mps``; checked before anything is built on it."""
    return _DeviceParam()


def inferred(default: Any) -> Param:
    """The :class:`Param` a default value implies when none is declared."""
    if default is None:
        return Param("any", nullable=True)
    if isinstance(default, bool):
        return Param("bool")
    if isinstance(default, int):
        return Param("int")
    if isinstance(default, float):
        return Param("float")
    if isinstance(default, str):
        return Param("str", nullable=True)  # None commonly means "none" for a text option
    if isinstance(default, (list, tuple)):
        items = [inferred(v) for v in default]
        item = items[0] if items and all(i == items[0] for i in items) else None
        return Param("list", item=item)
    return Param("any")


class Configurable:
    """Mixin: parameters are the keyword arguments of ``__init__``."""

    #: Declared types and ranges of parameters whose defaults do not say enough.
    param_specs: ClassVar[dict[str, Param]] = {}

    @classmethod
    def param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [
            p.name
            for p in sig.parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]

    @classmethod
    def param_defaults(cls) -> dict[str, Any]:
        sig = inspect.signature(cls.__init__)
        return {
            p.name: p.default
            for p in sig.parameters.values()
            if p.name != "self" and p.default is not inspect.Parameter.empty
            and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        }

    def get_params(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.param_names() if hasattr(self, name)}

    @classmethod
    def from_params(cls, params: dict[str, Any] | None = None, **extra: Any):
        params = {**(params or {}), **extra}
        return cls(**cls.check_params(params))

    @classmethod
    def param_spec(cls, key: str) -> Param:
        """The declared (or, failing that, inferred) :class:`Param` of parameter ``key``."""
        if key in cls.param_specs:
            return cls.param_specs[key]
        return inferred(cls.param_defaults().get(key))

    @classmethod
    def check_params(cls, params: dict[str, Any]) -> dict[str, Any]:
        """``params`` with every value checked against its :class:`Param` (and coerced);
        one :class:`ConfigError` naming the plugin, parameter, value and range otherwise."""
        known = set(cls.param_names())
        unknown = sorted(set(params) - known)
        if unknown:
            import difflib

            hints = []
            for u in unknown:
                close = difflib.get_close_matches(u, sorted(known), n=1)
                if close:
                    hints.append(f"{u!r} -> {close[0]!r}?")
            raise ConfigError(
                f"{getattr(cls, 'name', cls.__name__)} has no parameter(s) {', '.join(unknown)}",
                hint=("did you mean " + ", ".join(hints)) if hints
                else f"its parameters are: {', '.join(sorted(known)) or '(none)'}",
            )
        out = dict(params)
        defaults = cls.param_defaults()
        for key, value in params.items():
            spec = cls.param_spec(key)
            try:
                out[key] = spec.check(value)
            except (ValueError, TypeError):
                name = getattr(cls, "name", cls.__name__) or cls.__name__
                example = defaults.get(key)
                raise ConfigError(f"{name}: parameter {key}={value!r} is invalid: it must be {spec.describe()}",
                                  hint=f"e.g. --set {key}={json.dumps(to_json_safe(example))}"
                                  if key in defaults else None) from None
            if isinstance(defaults.get(key), list) and isinstance(out[key], tuple):
                out[key] = list(out[key])
        return out
