"""The clip record and the one label convention.

Everywhere in fakebench: label 1 = fake/spoof, 0 = real/bona fide, and a higher detector
score means *more likely fake*. Datasets translate their own words ("bonafide",
"bona-fide", "spoof", "real", "fake", "generated"...) with :func:`parse_label`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from ..errors import DatasetError

REAL = 0
FAKE = 1

SPLITS = ("train", "val", "eval")

_LABEL_WORDS = {
    "fake": FAKE, "spoof": FAKE, "spoofed": FAKE, "generated": FAKE, "synthetic": FAKE,
    "deepfake": FAKE, "1": FAKE,
    "real": REAL, "bonafide": REAL, "bona-fide": REAL, "bona_fide": REAL, "bona fide": REAL,
    "genuine": REAL, "human": REAL, "0": REAL,
}


def parse_label(word: str, *, where: str = "") -> int:
    """Map a dataset's label word to 0 (real) or 1 (fake); raise naming ``where``."""
    key = str(word).strip().lower()
    if key in _LABEL_WORDS:
        return _LABEL_WORDS[key]
    at = f" in {where}" if where else ""
    raise DatasetError(
        f"unknown label {word!r}{at}",
        hint="use one of: real, bonafide, bona-fide, fake, spoof (or 0/1 with 1 = fake)",
    )


def label_name(label: int) -> str:
    return "fake" if label == FAKE else "real"


class FrozenAttrs(dict):
    """A read-only ``dict`` of clip attributes, shared by every clip that has the same ones.

    A corpus of 611k clips with one attribute dict each holds 611k dicts (about 110 MB
    for four keys); most clips share a handful of combinations (codec x subset...).
    :func:`shared_attrs` hands out one instance per distinct content, and every clip with
    no attribute shares :data:`EMPTY_ATTRS`. It is a real ``dict`` (``==``, JSON,
    ``dict(...)``, ``isinstance(x, dict)`` all behave), but any mutation raises
    ``TypeError``, because it is shared: build a new dict instead.
    """

    __slots__ = ()

    def _read_only(self, *args, **kwargs):
        raise TypeError("Clip.attrs is shared between clips and read-only; pass a new dict (attrs={**clip.attrs, ...})")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _read_only  # type: ignore

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(frozenset(self.items()))

    def __copy__(self) -> "FrozenAttrs":
        return self

    def __deepcopy__(self, memo) -> "FrozenAttrs":
        return self

    def __reduce__(self):
        return (FrozenAttrs, (dict(self),))

    def __repr__(self) -> str:
        return dict.__repr__(self)


#: The attributes of a clip that has none (shared; read-only).
EMPTY_ATTRS = FrozenAttrs()


class AttrsPool:
    """One shared :class:`FrozenAttrs` per distinct attribute content.

    ``pool(codec="low_mp3", subset="eval")`` (or ``pool.get(mapping)``) returns the same
    object for the same keys and values in the same order. A dataset plugin keeps one
    pool while it builds its clips; the pool is small (one entry per combination).
    """

    __slots__ = ("_seen",)

    def __init__(self) -> None:
        self._seen: dict[tuple, FrozenAttrs] = {}

    def get(self, values: Mapping[str, Any] | None) -> FrozenAttrs:
        if not values:
            return EMPTY_ATTRS
        key = tuple(values.items())
        try:
            return self._seen[key]
        except KeyError:
            shared = self._seen[key] = FrozenAttrs(values)
            return shared
        except TypeError:  # an unhashable value: not shared
            return FrozenAttrs(values)

    def __call__(self, **values: Any) -> FrozenAttrs:
        return self.get(values)

    def __len__(self) -> int:
        return len(self._seen)


def shared_attrs(values: Mapping[str, Any] | None, pool: AttrsPool | None = None) -> FrozenAttrs:
    """``values`` as a shared read-only mapping (from ``pool`` when given)."""
    return (pool or AttrsPool()).get(values)


@dataclass(slots=True)
class Clip:
    """One audio clip of a dataset.

    ``id`` is unique within the dataset; ``path`` points at the audio file; ``label`` is
    1 for fake/spoof and 0 for real/bona fide. ``system`` is the generator or attack id
    (``None`` for real clips), ``cls`` the sound class (``class`` in manifests), and
    ``attrs`` holds any further per-clip attributes (track, codec, language...); clips
    without any share the read-only :data:`EMPTY_ATTRS`, and a dataset with many clips
    shares equal attribute sets through :class:`AttrsPool` (treat ``attrs`` as read-only).
    """

    id: str
    path: Path
    label: int
    split: str = ""
    cls: str | None = None
    system: str | None = None
    speaker: str | None = None
    transcript: str | None = None
    duration: float | None = None
    attrs: Mapping[str, Any] = field(default=EMPTY_ATTRS)

    def attribute(self, name: str) -> Any:
        """A named attribute: ``class``, ``system``, ``speaker``... or one of ``attrs``."""
        if name in ("class", "cls"):
            return self.cls
        if name in ("system", "speaker", "transcript", "duration", "split", "label", "id"):
            return getattr(self, name)
        return self.attrs.get(name)

    def to_dict(self) -> dict[str, Any]:
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["path"] = str(self.path)
        d["attrs"] = dict(self.attrs)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Clip":
        d = dict(d)
        d["path"] = Path(d["path"])
        return cls(**d)
