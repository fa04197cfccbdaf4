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
        return cls(**params)
