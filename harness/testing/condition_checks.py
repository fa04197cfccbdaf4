"""Conformance checks for condition plugins, one property per check.

A third-party condition reuses them in its own tests::

    from fakebench.testing.condition_checks import parametrize_with_condition_checks

    @parametrize_with_condition_checks(lambda: MyCondition(strength=0.5))
    def test_my_condition(factory, check):
        check(factory)

The *factory* is a zero-argument callable returning a fresh condition instance (not
necessarily loaded). Each check raises ``AssertionError`` saying which property failed.
The clips are deterministic synthetic signals (:func:`fakebench.conditions.test_signal`)
at 8, 16, 22.05 and 44.1 kHz; measured properties on real audio (SNR, bitrate, band
limits) belong in the plugin's own tests.
"""

from __future__ import annotations

import contextlib
import inspect
import sys
from collections.abc import Callable, Iterator

import numpy as np

from ..conditions import MAX_LENGTH_ERROR_S, apply_condition, parse_condition, test_signal
from ..contracts.condition import Condition
from ..errors import ConfigError

#: Sample rates every condition must handle.
RATES = (8000, 16000, 22050, 44100)
#: Optional libraries hidden by :func:`check_condition_missing_library_is_clear`, plus
#: those a class lists in a ``requires`` attribute.
OPTIONAL_MODULES = ("av", "soundfile", "pyroomacoustics", "pyloudnorm")


def _make(factory) -> Condition:
    cond = factory()
    assert isinstance(cond, Condition), f"the factory must return a Condition, got {type(cond).__name__}"
    return cond


def _loaded(factory) -> Condition:
    return _make(factory).load()


def _run(cond: Condition, x: np.ndarray, sr: int, seed: int = 0) -> np.ndarray:
    return cond.apply(x.copy(), sr, np.random.default_rng(seed))


def _clip(sr: int, seconds: float = 1.5, seed: int = 0) -> np.ndarray:
    return test_signal(sr, seconds, seed)


# -- the checks --------------------------------------------------------------------------------


def check_condition_declares_metadata(factory):
    cond = _make(factory)
    cls = type(cond)
    for attr in ("name", "description"):
        value = getattr(cls, attr, None)
        assert isinstance(value, str) and value, f"a condition must declare a non-empty {attr}"
    assert cls.positional is None or cls.positional in cls.param_names(), \
        f"positional {cls.positional!r} must be None or one of the __init__ parameters {cls.param_names()}"
    assert isinstance(cls.random, bool), "random must be True or False"
    assert cls.extra is None or (isinstance(cls.extra, str) and cls.extra), "extra must be None or the pip extra's name"
    assert isinstance(cls.version, str) and cls.version, "version must be a non-empty string"
    doc = inspect.getdoc(inspect.getmodule(cls)) or ""
    assert len(doc) > 40, ("a condition plugin's module must open with a docstring (what it models, parameters, "
                           "library and its license, reference)")
    params = cond.get_params()
    assert cls(**params).get_params() == params, "__init__ must only store its parameters (get_params round trip)"
    spec = cond.spec()
    assert spec.split(":", 1)[0] == cls.name, f"spec() must start with the name {cls.name!r}, got {spec!r}"
    again = parse_condition(spec, {cls.name: cls}).spec()
    assert again == spec, f"the canonical spec must parse back to itself: {spec!r} -> {again!r}"


def check_condition_output_contract(factory):
    cond = _loaded(factory)
    tolerance = MAX_LENGTH_ERROR_S
    for sr in RATES:
        x = _clip(sr)
        y = _run(cond, x, sr)
        assert isinstance(y, np.ndarray) and y.ndim == 1, f"apply() must return a 1-D ndarray (at {sr} Hz)"
        assert y.dtype == np.float32, f"apply() must return float32, got {y.dtype} at {sr} Hz"
        assert abs(y.shape[0] - x.shape[0]) <= tolerance * sr, \
            f"apply() changed the length from {x.shape[0]} to {y.shape[0]} samples at {sr} Hz (more than one frame)"
        assert np.isfinite(y).all(), f"apply() returned NaN or inf at {sr} Hz"
        assert float(np.max(np.abs(y))) <= 1.0, f"apply() left [-1, 1] at {sr} Hz (peak {np.max(np.abs(y)):.4f})"
        z = apply_condition(x, sr, cond, "conformance", 0)
        assert z.shape == x.shape and z.dtype == np.float32, "after the engine the length must be exact"


def check_condition_deterministic(factory):
    x = _clip(16000, seed=1)
    a = _run(_loaded(factory), x, 16000, seed=3)
    b = _run(_loaded(factory), x, 16000, seed=3)
    assert np.array_equal(a, b), "two fresh instances with the same rng seed must give identical output"
    cond = _loaded(factory)
    c, d = apply_condition(x, 16000, cond, "clip-a", 5), apply_condition(x, 16000, cond, "clip-a", 5)
    assert np.array_equal(c, d), "apply_condition with the same clip key and seed must give identical output"


def check_condition_random_flag(factory):
    cond = _loaded(factory)
    x = _clip(16000, seed=2)
    a, b = _run(cond, x, 16000, seed=1), _run(cond, x, 16000, seed=2)
    if cond.random:
        assert not np.array_equal(a, b), "random = True, but two different rng seeds gave the same output"
    else:
        assert np.array_equal(a, b), "random = False, but the output depends on the rng (declare random = True)"


def check_condition_silence(factory):
    cond = _loaded(factory)
    for sr in (8000, 16000):
        x = np.zeros(int(1.0 * sr), dtype=np.float32)
        y = _run(cond, x, sr)
        assert np.isfinite(y).all() and float(np.max(np.abs(y))) <= 1.0, "silence in must give finite output in range"
        assert abs(y.shape[0] - x.shape[0]) <= MAX_LENGTH_ERROR_S * sr, "silence in must keep the length"


def check_condition_full_scale(factory):
    cond = _loaded(factory)
    sr = 16000
    x = np.clip(_clip(sr, seed=4) * 30.0, -1.0, 1.0).astype(np.float32)  # a heavily saturated clip
    y = _run(cond, x, sr)
    assert np.isfinite(y).all(), "a full-scale clip gave NaN or inf"
    assert float(np.max(np.abs(y))) <= 1.0, f"a full-scale clip left [-1, 1] (peak {np.max(np.abs(y)):.4f})"


def check_condition_short_clip(factory):
    cond = _loaded(factory)
    sr = 16000
    x = _clip(sr, seconds=0.05, seed=5)
    y = _run(cond, x, sr)
    assert np.isfinite(y).all() and float(np.max(np.abs(y))) <= 1.0, "a 50-ms clip gave non-finite or out-of-range output"
    assert apply_condition(x, sr, cond, "short", 0).shape == x.shape, "a 50-ms clip must keep its length"


def check_condition_keeps_input(factory):
    cond = _loaded(factory)
    x = _clip(16000, seed=6)
    before = x.copy()
    cond.apply(x, 16000, np.random.default_rng(0))
    assert np.array_equal(x, before), "apply() must not modify its input array"


@contextlib.contextmanager
def hidden_modules(names) -> Iterator[None]:
    """Make ``import name`` (and its submodules) fail with ImportError inside the block."""
    saved = {k: v for k, v in sys.modules.items() if any(k == n or k.startswith(n + ".") for n in names)}
    try:
        for k in saved:
            del sys.modules[k]
        for n in names:
            sys.modules[n] = None  # type: ignore[assignment]
        yield
    finally:
        for n in names:
            sys.modules.pop(n, None)
        for k in [k for k in sys.modules if any(k.startswith(n + ".") for n in names)]:
            del sys.modules[k]
        sys.modules.update(saved)


def check_condition_missing_library_is_clear(factory):
    cond = _make(factory)
    cls = type(cond)
    names = tuple(dict.fromkeys(OPTIONAL_MODULES + tuple(getattr(cls, "requires", ()))))
    fresh = cls(**cond.get_params())
    with hidden_modules(names):
        try:
            fresh.load()
        except ConfigError as e:
            text = str(e)
            assert "pip install" in text or "encoder" in text or "install" in text, \
                f"the error for a missing library must say what to install or which encoder is missing: {text}"
            return
        except ImportError as e:
            raise AssertionError(f"load() without {', '.join(names)} raised a bare ImportError ({e}); "
                                 "raise a ConfigError naming the extra to install") from None


CONDITION_CHECKS: tuple[Callable, ...] = (
    check_condition_declares_metadata, check_condition_output_contract, check_condition_deterministic,
    check_condition_random_flag, check_condition_silence, check_condition_full_scale, check_condition_short_clip,
    check_condition_keeps_input, check_condition_missing_library_is_clear,
)


def parametrize_with_condition_checks(factory: Callable[[], Condition], *, skip: tuple[str, ...] = ()):
    """A ``pytest.mark.parametrize`` over every condition check (``skip`` names checks
    that do not apply); the test receives ``factory`` and ``check`` and calls
    ``check(factory)``."""
    import pytest

    params = [pytest.param(factory, c, id=c.__name__) for c in CONDITION_CHECKS if c.__name__ not in skip]
    return pytest.mark.parametrize("factory, check", params)
