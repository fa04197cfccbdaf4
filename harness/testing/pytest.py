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
    """
    import pytest

    if kind is None:
        kind = kind_of(factory())
    params = []
    for check in checks_for(kind):
        if check.__name__ in skip:
            continue
        params.append(pytest.param(factory, bind(check, data), id=check.__name__))
    return pytest.mark.parametrize("factory, check", params)
