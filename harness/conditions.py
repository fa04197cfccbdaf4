"""Conditions: parse condition specs, seed them per clip, apply them, time them.

A *condition* (a codec, a telephone channel, noise, reverberation... see
:class:`fakebench.contracts.condition.Condition` and ``docs/conditions.md``) turns a
decoded clip into the clip a detector would receive in that condition. The runner calls
:func:`apply_condition` after decoding and before resampling to the model's rate.

**Specs.** ``--condition`` takes comma-separated specs, each one of

* ``name``: the condition with its defaults (``telephone``);
* ``name:value``: a bare value sets the condition's ``positional`` parameter
  (``mp3:32k`` is ``mp3`` with ``bitrate=32000``);
* ``name:key=value:key=value`` (``noise:snr=10:color=pink``), after an optional bare value
  (``opus:16k:application=voip``);
* ``spec+spec``: a chain, applied left to right (``mp3:96k+aac:24k``,
  ``telephone+packetloss:0.05``).

Values are converted to the type of the parameter's default: numbers accept ``k``
(x1000) and ``M`` (x1e6) and a unit (``32kbps``, ``8kHz``, ``10dB``, ``20ms``); tuples
are written ``6x5x3``; booleans ``true``/``false``. A path value may contain ``:``, ``,``
and ``+`` when what follows is not a condition name. Each condition has one canonical
spec (:meth:`Condition.spec`: the name, then the parameters that differ from their
defaults, sorted), which names it in records and keys the cache.

**Presets.** :data:`CONDITION_SETS` names lists of specs (``--condition-set codecs``);
``asvspoof21-like`` models the ASVspoof 2021 LA and DF evaluation conditions (see
:data:`ASVSPOOF21` and ``docs/conditions.md`` for what is approximated).

**Determinism.** :func:`condition_rng` seeds a generator from a SHA-256 of (clip content
key, canonical spec, seed): the same clip under the same condition and seed gets the
same degradation in any process, on any machine, in any order, and two conditions or two
clips draw independent streams. A condition that declares ``random = False`` gets the
same generator for every seed (seed 0), so its output is cached once for all seeds.

**Output checks** (:func:`apply_condition`): the output is trimmed or zero-padded to the
input's length (a plugin may be off by up to one codec frame; more than
:data:`MAX_LENGTH_ERROR_S` is an error); non-finite samples are an :class:`AudioError`
naming the condition and clip; samples outside [-1, 1] are clipped, counted per
condition (:func:`range_violations`) and warned about once per condition -- a contract
breach of the plugin, but one a detector can still be run on, so it does not stop a run.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import threading
import time
import warnings
from collections import Counter
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np

from .contracts.condition import Condition, spec_value
from .errors import AudioError, ConfigError, UnknownPluginError

#: Largest length error (seconds) tolerated from a plugin before trimming/padding.
MAX_LENGTH_ERROR_S = 0.25

# -- presets ----------------------------------------------------------------------------------

#: ASVspoof 2021 evaluation conditions -> (fakebench spec, what the condition was).
#: Condition names and codecs: the ASVspoof 2021 evaluation package's key documentation
#: (github.com/asvspoof-challenge/2021, eval-package/README.md) and the summary papers
#: (Yamagishi et al., ASVspoof 2021 Workshop; Liu et al., IEEE/ACM TASLP 31, 2023). The
#: real LA data went through real telephone and VoIP networks; DF through real
#: encoders with VBR settings. See docs/conditions.md for what is approximated.
ASVSPOOF21: dict[str, tuple[str, str]] = {
    "LA-C1": ("clean", "no codec, no transmission (16 kHz)"),
    "LA-C2": ("g711:alaw", "A-law, VoIP, 8 kHz, 64 kbit/s"),
    "LA-C3": ("telephone", "unknown codec over the PSTN, 8 kHz (modelled as a G.712 band + G.711 mu-law)"),
    "LA-C4": ("g722", "G.722, VoIP, 16 kHz, 64 kbit/s"),
    "LA-C5": ("g711", "mu-law, VoIP, 8 kHz, 64 kbit/s"),
    "LA-C6": ("gsm", "GSM 06.10 full rate, VoIP, 8 kHz, 13 kbit/s"),
    "LA-C7": ("opus:16k:application=voip", "Opus, VoIP, 16 kHz, variable bitrate (modelled at 16 kbit/s)"),
    "DF-C1": ("clean", "no compression"),
    "DF-C2": ("mp3:96k", "MP3, low quality"),
    "DF-C3": ("mp3:256k", "MP3, high quality"),
    "DF-C4": ("aac:24k", "AAC (m4a), low quality"),
    "DF-C5": ("aac:96k", "AAC (m4a), high quality"),
    "DF-C6": ("vorbis:32k", "Ogg Vorbis, low quality"),
    "DF-C7": ("vorbis:64k", "Ogg Vorbis, high quality"),
    "DF-C8": ("mp3:96k+aac:24k", "MP3 then AAC (m4a)"),
    "DF-C9": ("vorbis:32k+aac:24k", "Ogg Vorbis then AAC (m4a)"),
}


def _unique(specs: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(specs))


#: Named lists of condition specs, for ``--condition-set``.
CONDITION_SETS: dict[str, tuple[str, ...]] = {
    "codecs": ("clean", "mp3:32k", "mp3:64k", "mp3:128k", "aac:24k", "aac:64k", "opus:12k", "opus:24k",
               "vorbis:32k", "vorbis:64k"),
    "telephony": ("clean", "telephone", "telephone:alaw", "g711", "g711:alaw", "g722", "amr-nb:12.2k",
                  "amr-nb:4.75k", "gsm", "telephone+packetloss:0.05", "opus:12k:application=voip+packetloss:0.05"),
    "noise": ("clean", "noise:snr=20", "noise:snr=10", "noise:snr=5", "noise:snr=0", "noise:snr=10:color=pink",
              "noise:snr=10:color=brown"),
    "reverb": ("clean", "reverb:rt60=0.3", "reverb:rt60=0.6", "reverb:rt60=0.9", "reverb:rt60=1.2:room=10x8x4"),
    "asvspoof21-la": _unique(spec for key, (spec, _) in ASVSPOOF21.items() if key.startswith("LA")),
    "asvspoof21-df": _unique(spec for key, (spec, _) in ASVSPOOF21.items() if key.startswith("DF")),
    "asvspoof21-like": _unique(spec for spec, _ in ASVSPOOF21.values()),
}


def condition_set(name: str) -> tuple[str, ...]:
    """The specs of the preset ``name``, or a ConfigError with a did-you-mean."""
    if name in CONDITION_SETS:
        return CONDITION_SETS[name]
    close = difflib.get_close_matches(name, list(CONDITION_SETS), n=3, cutoff=0.5)
    hint = ("did you mean " + " or ".join(repr(c) for c in close) + "? ") if close else ""
    raise ConfigError(f"unknown condition set {name!r}", hint=hint + "the sets are: " + ", ".join(CONDITION_SETS))


# -- chains -----------------------------------------------------------------------------------


class Chain(Condition):
    """Conditions applied one after another (``mp3:96k+aac:24k``); each stage's output is
    fitted to the input length before the next. Random if any stage is."""

    name = "chain"
    description = "conditions applied left to right"

    def __init__(self, parts: tuple = ()):
        self.parts = tuple(parts)
        self.random = any(p.random for p in self.parts)
        self.version = "+".join(p.version for p in self.parts)
        extras = [p.extra for p in self.parts if p.extra]
        self.extra = extras[0] if extras else None

    def spec(self) -> str:
        return "+".join(p.spec() for p in self.parts)

    def validate(self) -> Chain:
        for p in self.parts:
            _validate(p)
        return self

    def load(self) -> Chain:
        for p in self.parts:
            p.load()
        return self

    def apply(self, wave, sample_rate, rng):
        n = np.asarray(wave).shape[0]
        y = np.asarray(wave, dtype=np.float32)
        for p in self.parts:
            y = _fit(np.asarray(p.apply(y, sample_rate, rng), dtype=np.float32), n)
        return y


# -- parsing ----------------------------------------------------------------------------------

Registryish = Any  # a fakebench.registry.Registry, or a mapping {name: Condition class}


def _names(registry: Registryish) -> list[str]:
    if hasattr(registry, "names"):
        return list(registry.names("conditions"))
    return list(registry)


def _lookup(registry: Registryish, name: str) -> type:
    if hasattr(registry, "condition"):
        return registry.condition(name)
    if name in registry:
        return registry[name]
    close = difflib.get_close_matches(name, list(registry), n=3, cutoff=0.5)
    raise UnknownPluginError(f"unknown condition {name!r}",
                             hint=("did you mean " + " or ".join(repr(c) for c in close) + "?") if close
                             else "see `fakebench list conditions` for what is installed")


_UNITS = (("kbit/s", 1000), ("kbps", 1000), ("khz", 1000), ("bit/s", 1), ("bps", 1), ("hz", 1), ("db", 1),
          ("ms", 1), ("s", 1))


def _number(text: str) -> Decimal:
    """``32k`` -> 32000, ``12.2k`` -> 12200, ``8kHz`` -> 8000, ``-6dB`` -> -6; exact (Decimal)."""
    t = text.strip()
    scale = Decimal(1)
    low = t.lower()
    for unit, mult in _UNITS:
        if low.endswith(unit) and len(t) > len(unit):
            t, scale = t[: -len(unit)].strip(), Decimal(mult)
            break
    if t[-1:] in ("k", "K"):
        t, scale = t[:-1], scale * 1000
    elif t[-1:] == "M":
        t, scale = t[:-1], scale * 1000000
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", t.strip()):
        raise ValueError(text)
    try:
        return Decimal(t.strip()) * scale
    except InvalidOperation:
        raise ValueError(text) from None


def parse_value(name: str, key: str, text: str, default: Any) -> Any:
    """Convert the text ``text`` of parameter ``key`` of condition ``name`` to the type of
    its ``default``, or raise a ConfigError naming both."""

    def bad(kind: str) -> ConfigError:
        example = spec_value(default) if default not in (None, "") else "..."
        return ConfigError(f"condition {name!r}: parameter {key!r} must be {kind}, got {text!r}",
                           hint=f"e.g. {name}:{key}={example}")

    if default is None or isinstance(default, str):
        return text
    if isinstance(default, bool):
        low = text.strip().lower()
        if low in ("true", "yes", "on", "1"):
            return True
        if low in ("false", "no", "off", "0"):
            return False
        raise bad("true or false")
    if isinstance(default, (int, float)):
        try:
            value = _number(text)
        except ValueError:
            raise bad("an integer" if isinstance(default, int) else "a number") from None
        if isinstance(default, int):
            if value != value.to_integral_value():
                raise bad("an integer")
            return int(value)
        return float(value)
    if isinstance(default, (tuple, list)):
        kinds = {type(v) for v in default}
        element = int if kinds == {int} else float
        parts = [p for p in re.split(r"[xX*]", text.strip())]
        try:
            values = [_number(p) for p in parts]
        except ValueError:
            raise bad("sizes separated by x, e.g. " + spec_value(default)) from None
        if element is int and any(v != v.to_integral_value() for v in values):
            raise bad("integers separated by x")
        return type(default)(element(v) for v in values)
    return text


def _is_continuation(previous: str, piece: str, names: set[str]) -> bool:
    """Whether ``piece`` (after a ``,`` or ``+``) continues a path value of ``previous``."""
    head = piece.split(":", 1)[0].strip()
    if head in names:
        return False
    last = previous.rsplit("=", 1)
    return len(last) == 2 and ("/" in last[1] or "\\" in last[1])


def _split(text: str, sep: str, names: set[str]) -> list[str]:
    out: list[str] = []
    for piece in text.split(sep):
        if out and _is_continuation(out[-1], piece, names):
            out[-1] += sep + piece
        else:
            out.append(piece)
    return out


def _validate(cond: Condition) -> Condition:
    cond.validate()
    return cond


def _parse_one(spec: str, registry: Registryish) -> Condition:
    spec = spec.strip()
    if not spec:
        raise ConfigError("empty condition spec", hint="write e.g. --condition clean,mp3:32k")
    name, _, rest = spec.partition(":")
    name = name.strip()
    cls = _lookup(registry, name)
    defaults = cls.param_defaults()
    params: dict[str, Any] = {}
    pieces = rest.split(":") if rest else []
    merged: list[str] = []
    for i, piece in enumerate(pieces):
        if "=" not in piece and merged and "=" in merged[-1]:
            merged[-1] += ":" + piece  # a ':' inside a value (a Windows path)
        else:
            merged.append(piece)
    for i, piece in enumerate(merged):
        key, eq, value = piece.partition("=")
        key, value = key.strip(), value.strip()
        if not eq:
            if i != 0:
                raise ConfigError(f"condition {name!r}: {piece!r} is not key=value",
                                  hint=f"write {name}:key=value (a bare value only comes first)")
            if not cls.positional:
                raise ConfigError(f"condition {name!r} takes no bare value (got {piece!r})",
                                  hint=f"write {name}:key=value; its parameters are: "
                                  + (", ".join(cls.param_names()) or "(none)"))
            key, value = cls.positional, piece.strip()
        if not key or not value:
            raise ConfigError(f"condition {name!r}: empty parameter in {spec!r}", hint=f"write {name}:key=value")
        if key in params:
            raise ConfigError(f"condition {name!r}: parameter {key!r} is given twice in {spec!r}")
        params[key] = parse_value(name, key, value, defaults.get(key)) if key in defaults else value
    return _validate(cls.from_params(params))


def parse_condition(spec: str, registry: Registryish = None) -> Condition:
    """One condition (or ``+`` chain) from its spec; see the module docstring."""
    if registry is None:
        from .registry import Registry

        registry = Registry()
    names = set(_names(registry))
    stages = [_parse_one(s, registry) for s in _split(spec, "+", names)]
    return stages[0] if len(stages) == 1 else Chain(tuple(stages))


def parse_conditions(text: str, registry: Registryish = None, *, load: bool = False) -> list[Condition]:
    """The conditions of a comma-separated ``--condition`` value, in order, without
    duplicates (by canonical spec). ``load=True`` also calls each ``load()``, so a missing
    library or encoder is reported before any clip is processed.

    Raises :class:`UnknownPluginError` (with a did-you-mean) for an unknown name and
    :class:`ConfigError` naming the condition and the parameter for a bad value."""
    if registry is None:
        from .registry import Registry

        registry = Registry()
    if not str(text).strip():
        raise ConfigError("no condition given", hint="write e.g. --condition clean,mp3:32k")
    names = set(_names(registry))
    out: dict[str, Condition] = {}
    for piece in _split(str(text), ",", names):
        if not piece.strip():
            raise ConfigError(f"empty condition in {text!r}", hint="remove the extra comma")
        cond = parse_condition(piece, registry)
        out.setdefault(cond.spec(), cond)
    conditions = list(out.values())
    if load:
        for c in conditions:
            c.load()
    return conditions


def resolve_conditions(conditions: str | None = None, preset: str | None = None,
                       registry: Registryish = None, *, load: bool = False) -> list[Condition]:
    """What ``--condition-set PRESET`` and ``--condition CONDITIONS`` ask for together: the
    preset's conditions, then the explicit ones, without duplicates. Neither: ``[]``."""
    texts = list(condition_set(preset)) if preset else []
    if conditions:
        texts.append(conditions)
    if not texts:
        return []
    return parse_conditions(",".join(texts), registry, load=load)


# -- seeding and applying ---------------------------------------------------------------------


def _spec_of(condition: Condition | str) -> str:
    return condition if isinstance(condition, str) else condition.spec()


def condition_rng(clip_key: str, spec: str | Condition, seed: int) -> np.random.Generator:
    """A generator seeded by SHA-256 of (clip content key, canonical spec, seed):
    deterministic across processes and orders (Python's ``hash`` is salted per process)."""
    material = "\x00".join(("fakebench-condition-v1", str(clip_key), _spec_of(spec), str(int(seed))))
    digest = hashlib.sha256(material.encode("utf-8")).digest()
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(int.from_bytes(digest[:16], "little"))))


def effective_seed(condition: Condition, seed: int) -> int:
    """The seed a condition's output depends on: ``seed`` if it is random, else 0."""
    return int(seed) if getattr(condition, "random", False) else 0


def condition_key(condition: Condition, seed: int) -> str:
    """What a cache key needs from the condition: canonical spec, version and (for a
    random condition) the seed. The clip's own key is added by the caller."""
    key = f"{condition.spec()}@v{condition.version}"
    return key + (f"#seed={int(seed)}" if getattr(condition, "random", False) else "")


def _fit(wave: np.ndarray, n: int) -> np.ndarray:
    if wave.shape[0] >= n:
        return wave[:n]
    return np.concatenate([wave, np.zeros(n - wave.shape[0], dtype=wave.dtype)])


_RANGE = Counter()
_RANGE_LOCK = threading.Lock()


def range_violations() -> dict[str, int]:
    """Clips whose condition output left [-1, 1] and was clipped, per condition spec."""
    with _RANGE_LOCK:
        return dict(_RANGE)


def reset_range_violations() -> None:
    with _RANGE_LOCK:
        _RANGE.clear()


def apply_condition(wave: np.ndarray, sample_rate: int, condition: Condition, clip_key: str, seed: int) -> np.ndarray:
    """``condition`` applied to one mono clip: float32, the input's exact length, finite,
    in [-1, 1], at ``sample_rate``. The generator comes from :func:`condition_rng` with
    the condition's canonical spec and :func:`effective_seed`."""
    x = np.asarray(wave, dtype=np.float32)
    if x.ndim != 1:
        raise ValueError(f"apply_condition takes a mono (samples,) clip, got shape {x.shape}")
    n = x.shape[0]
    if n == 0:
        return x.copy()
    spec = condition.spec()
    rng = condition_rng(clip_key, spec, effective_seed(condition, seed))
    y = np.asarray(condition.apply(x.copy(), int(sample_rate), rng))
    if y.ndim != 1:
        raise AudioError(f"condition {spec!r} returned shape {y.shape} for clip {clip_key!r}, not (samples,)",
                         hint="this is a bug in the condition plugin; leave the condition out meanwhile")
    if abs(y.shape[0] - n) > MAX_LENGTH_ERROR_S * sample_rate:
        raise AudioError(f"condition {spec!r} changed the length of clip {clip_key!r} from {n} to {y.shape[0]} samples",
                         hint="a condition must keep the length (within one codec frame); this is a bug in the "
                              "condition plugin")
    y = _fit(y.astype(np.float32, copy=False), n)
    if not np.isfinite(y).all():
        raise AudioError(f"condition {spec!r} produced NaN or infinite samples for clip {clip_key!r}",
                         hint="this is a bug in the condition plugin; leave the condition out meanwhile")
    peak = float(np.max(np.abs(y)))
    if peak > 1.0:
        with _RANGE_LOCK:
            _RANGE[spec] += 1
            first = _RANGE[spec] == 1
        if first:
            warnings.warn(f"condition {spec!r} returned samples outside [-1, 1] (peak {peak:.3f}) for clip "
                          f"{clip_key!r}; clipping them (counted in fakebench.conditions.range_violations())",
                          RuntimeWarning, stacklevel=2)
        y = np.clip(y, -1.0, 1.0)
    return np.ascontiguousarray(y, dtype=np.float32)


class ConditionTransform:
    """A condition bound to a run's seed and one clip's content key: the ``transform`` the
    audio loader applies after decoding (``transform(wave, sample_rate)``), and the
    ``key`` that names its output in caches. Picklable, so decoding workers can use it."""

    def __init__(self, condition: Condition, seed: int, clip_key: str = ""):
        self.condition = condition
        self.seed = int(seed)
        self.clip_key = clip_key

    @property
    def key(self) -> str:
        return condition_key(self.condition, self.seed)

    def for_clip(self, clip_key: str) -> "ConditionTransform":
        return ConditionTransform(self.condition, self.seed, clip_key)

    def __call__(self, wave: np.ndarray, sample_rate: int) -> np.ndarray:
        return apply_condition(wave, sample_rate, self.condition, self.clip_key, self.seed)


def condition_key_of(transform: "ConditionTransform | None") -> str:
    """The key of a bound condition in per-condition tables ("" for clean audio)."""
    return "" if transform is None else transform.key


# -- timing -----------------------------------------------------------------------------------


def test_signal(sample_rate: int = 16000, seconds: float = 4.0, seed: int = 0) -> np.ndarray:
    """A deterministic stand-in clip: noise with a speech-like falling spectrum (power ~ 1/f
    above 50 Hz), amplitude-modulated at 3 Hz like syllables, peak 0.5."""
    rng = np.random.default_rng(seed)
    n = max(1, int(sample_rate * seconds))
    f = np.fft.rfftfreq(n, 1.0 / sample_rate)
    x = np.fft.irfft(np.fft.rfft(rng.standard_normal(n)) / np.sqrt(np.maximum(f, 50.0)), n=n)
    x *= 0.55 + 0.45 * np.sin(2 * np.pi * 3.0 * np.arange(n) / sample_rate)
    return (0.5 * x / (np.max(np.abs(x)) + 1e-12)).astype(np.float32)


test_signal.__test__ = False  # not a pytest test


def time_condition(condition: Condition, *, wave: np.ndarray | None = None, sample_rate: int = 16000,
                   seconds: float = 4.0, repeats: int = 5, seed: int = 0) -> dict[str, Any]:
    """Wall time :func:`apply_condition` takes per clip: ``first_s`` (the first call, with
    loading, encoder checks and one-time calibrations) and ``mean_s``/``min_s`` over
    ``repeats`` further calls on distinct clip keys (so random conditions draw anew).
    ``wave`` defaults to :func:`test_signal`; ``rtf`` is ``mean_s`` over the clip duration."""
    x = test_signal(sample_rate, seconds) if wave is None else np.asarray(wave, dtype=np.float32)
    t0 = time.perf_counter()
    condition.load()
    apply_condition(x, sample_rate, condition, "timing-warmup", seed)
    first = time.perf_counter() - t0
    times = []
    for i in range(max(1, int(repeats))):
        t = time.perf_counter()
        apply_condition(x, sample_rate, condition, f"timing-{i}", seed)
        times.append(time.perf_counter() - t)
    duration = x.shape[0] / sample_rate
    return {"spec": condition.spec(), "first_s": first, "mean_s": float(np.mean(times)),
            "min_s": float(np.min(times)), "rtf": float(np.mean(times)) / duration if duration else float("nan")}


def timing_table(specs: Iterable[str], registry: Registryish = None, **kwargs) -> list[dict[str, Any]]:
    """:func:`time_condition` for each spec (the rows of ``benchmarks/test_condition_cost.py``)."""
    return [time_condition(c, **kwargs) for c in parse_conditions(",".join(specs), registry)]
