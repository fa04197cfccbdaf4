"""pytest integration: one test per check, named after the check."""

from __future__ import annotations

from typing import Any, Callable

from .checks import bind, checks_for, kind_of


def parametrize_with_checks(factory: Callable[[], Any], *, data: Callable | None = None, kind: str | None = None,
                            skip: tuple[str, ...] = ()):
    """A ``pytest.mark.parametrize`` over every conformance check of the factory's kind.

    The decorated test receives ``factory`` and ``check`` and should call
    ``check(factory)``. The factory is memoised per check (a fresh instance each call is
    still made by the factory itself). ``skip`` names checks that do not apply.

    Without ``kind``, the factory is called once at collection time to learn the plugin's
    kind; when that fails because an optional dependency is missing (``ImportError``), the
    checks are collected as skipped, naming the missing module, instead of breaking
    collection. Pass ``kind=`` to avoid building anything at collection time.
    """
    import pytest

    if kind is None:
        try:
            kind = kind_of(factory())
        except ImportError as e:
            missing = getattr(e, "name", None) or str(e)
            return pytest.mark.parametrize("factory, check", [pytest.param(
                factory, None, id="conformance", marks=pytest.mark.skip(reason=f"needs {missing}: {e}"))])
    params = []
    for check in checks_for(kind):
        if check.__name__ in skip:
            continue
        params.append(pytest.param(factory, bind(check, data), id=check.__name__))
    return pytest.mark.parametrize("factory, check", params)
