"""The clip record and the one label convention.

Everywhere in fakebench: label 1 = fake/spoof, 0 = real/bona fide, and a higher detector
score means *more likely fake*. Datasets translate their own words ("bonafide",
"bona-fide", "spoof", "real", "fake", "generated"...) with :func:`parse_label`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
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


@dataclass(slots=True)
class Clip:
    """One audio clip of a dataset.

    ``id`` is unique within the dataset; ``path`` points at the audio file; ``label`` is
    1 for fake/spoof and 0 for real/bona fide. ``system`` is the generator or attack id
    (``None`` for real clips), ``cls`` the sound class (``class`` in manifests), and
    ``attrs`` holds any further per-clip attributes (track, codec, language...).
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
    attrs: dict[str, Any] = field(default_factory=dict)

    def attribute(self, name: str) -> Any:
        """A named attribute: ``class``, ``system``, ``speaker``... or one of ``attrs``."""
        if name in ("class", "cls"):
            return self.cls
        if name in ("system", "speaker", "transcript", "duration", "split", "label", "id"):
            return getattr(self, name)
        return self.attrs.get(name)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["path"] = str(self.path)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Clip":
        d = dict(d)
        d["path"] = Path(d["path"])
        return cls(**d)
