"""Parameters of plugins, scikit-learn style.

``__init__`` only stores its keyword arguments; :meth:`Configurable.get_params` reads
them back from the signature. The runner builds every plugin from a parameter dict
(``--set k=v`` on the CLI), and the result record stores that dict.
"""

from __future__ import annotations

import inspect
from typing import Any

from .errors import ConfigError


class Configurable:
    """Mixin: parameters are the keyword arguments of ``__init__``."""

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
        defaults = cls.param_defaults()
        for key, value in params.items():
            if key in defaults:
                params[key] = _check_type(cls, key, value, defaults[key])
        return cls(**params)


def _check_type(cls, key: str, value: Any, default: Any) -> Any:
    """Coerce ``value`` to the type of the parameter's default, or raise ConfigError."""
    name = getattr(cls, "name", cls.__name__)
    if default is None or value is None:
        return value

    def bad(kind: str):
        return ConfigError(f"{name}: parameter {key!r} must be {kind}, got {value!r}",
                           hint=f"e.g. --set {key}={default!r}".replace("'", ""))

    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        raise bad("true or false")
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or float(value) != int(value):
            raise bad("an integer")
        return int(value)
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad("a number")
        return float(value)
    if isinstance(default, (tuple, list)):
        if isinstance(value, (tuple, list)):
            return type(default)(value)
        raise bad("a list, e.g. [1, 2]")
    if isinstance(default, str) and not isinstance(value, str):
        return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value
    return value
