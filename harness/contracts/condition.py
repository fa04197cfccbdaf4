"""The condition contract: a signal degradation applied to audio before it is scored.

A condition (a codec, a telephone channel, additive noise, reverberation...) turns a
decoded clip into the clip a detector would receive in that condition. The harness
applies it after decoding and before the embedder or detector, so any dataset can be
evaluated under any condition (``fakebench run ... --condition mp3:32k,noise:snr=10``).

A condition plugin subclasses :class:`Condition` and declares:

* ``name``: the registry key used in condition specs (``mp3``, ``noise``...);
* ``description``: one line;
* ``positional``: the parameter that a bare value sets (``mp3:32k`` sets ``bitrate``);
* ``random``: whether the output depends on the random generator (noise does, a codec
  does not); a non-random condition is cached once for every seed;
* ``extra``: the pip extra that provides its libraries (``fakebench[conditions]``);

and implements:

* ``load()``: heavy imports and checks that the encoder or library exists; raises a
  :class:`~fakebench.errors.ConfigError` naming the extra to install; returns ``self``;
* ``apply(wave, sample_rate, rng)``: ``wave`` is a float32 NumPy array (samples,) of
  mono audio in [-1, 1] at ``sample_rate`` Hz; ``rng`` a ``numpy.random.Generator``
  seeded per (clip, condition, seed) by the harness. Returns a float32 array of the same
  length (within one codec frame, which the harness trims or pads), finite, in [-1, 1],
  at the same ``sample_rate``.

Parameters are ``__init__`` keyword arguments (scikit-learn style), validated like every
plugin's. A condition is written as a *spec*: ``name`` or ``name:value`` or
``name:key=value:key=value`` (``noise:snr=10:color=pink``); :meth:`Condition.spec` gives
the canonical spec that keys the cache and names the condition in records.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ..params import Configurable


class Condition(Configurable):
    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    #: The parameter a bare value sets (``mp3:32k`` -> ``bitrate="32k"``), or None.
    positional: ClassVar[str | None] = None
    #: True when ``apply`` draws from ``rng`` (the output then depends on the seed).
    random: ClassVar[bool] = False
    #: The pip extra providing the libraries ``load`` needs (``conditions``), or None.
    extra: ClassVar[str | None] = None
    #: Bump when the output changes for the same parameters.
    version: ClassVar[str] = "1"
    license: ClassVar[str] = ""
    citation: ClassVar[str] = ""

    def describe(self) -> dict[str, Any]:
        """What a result record stores: the canonical spec and every parameter."""
        from ..params import to_json_safe

        return {"spec": self.spec(), "name": self.name, "version": self.version,
                "params": to_json_safe(self.get_params())}

    def validate(self) -> "Condition":
        """Check parameter combinations the declared ranges cannot express; return self."""
        return self

    def load(self) -> "Condition":
        """Import libraries and check encoders; raise ConfigError naming the extra."""
        return self

    def apply(self, wave: Any, sample_rate: int, rng: Any) -> Any:
        """(samples,) float32 in [-1, 1] at ``sample_rate`` -> the same, degraded."""
        raise NotImplementedError

    def spec(self) -> str:
        """The canonical spec: the name, then every parameter that differs from its default."""
        defaults = self.param_defaults()
        parts = [self.name]
        for key, value in sorted(self.get_params().items()):
            if key in defaults and defaults[key] == value:
                continue
            parts.append(f"{key}={spec_value(value)}")
        return ":".join(parts)


def spec_value(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "x".join(str(v) for v in value)
    return str(value)
