"""The dataset contract and the split protocols shared by dataset plugins.

A dataset plugin subclasses :class:`Dataset` and implements :meth:`Dataset.load`, which
returns ``{"train": [...], "val": [...], "eval": [...]}`` lists of
:class:`~fakebench.data.Clip`. Corpora that ship official protocols (ASVspoof) return
them; corpora without (DCASE 2023 T7, the Foley demo) use :func:`random_split` or
:func:`unseen_systems_split` below.
"""

from __future__ import annotations

import os
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, ClassVar

from .data import FAKE, REAL, SPLITS, Clip
from .errors import DatasetError
from .params import Configurable


def default_data_root() -> Path:
    """``$FAKEBENCH_DATA``, else ``$FAKEBENCH_HOME/data`` (``~/.fakebench/data``)."""
    if os.environ.get("FAKEBENCH_DATA"):
        return Path(os.environ["FAKEBENCH_DATA"]).expanduser()
    from .paths import home

    return home() / "data"


class Dataset(Configurable):
    """Base class for dataset plugins.

    Class attributes: ``name`` (registry key), ``description`` (one line), ``url``,
    ``license``, ``citation``, ``folder`` (the folder name under the data root) and
    ``protocols`` (the split protocols it offers; the first is the default).

    ``root`` is the data root (a folder holding one folder per corpus) or the corpus
    folder itself; ``None`` means :func:`default_data_root`.
    """

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    url: ClassVar[str] = ""
    license: ClassVar[str] = ""
    citation: ClassVar[str] = ""
    folder: ClassVar[str] = ""
    protocols: ClassVar[tuple[str, ...]] = ("default",)
    #: Attributes this dataset fills per clip, beyond label (``class``, ``system``...).
    attributes: ClassVar[tuple[str, ...]] = ()

    def __init__(self, root: str | os.PathLike | None = None, protocol: str | None = None,
                 seed: int = 0, allow_missing: bool = False):
        self.root = root
        self.protocol = protocol
        self.seed = seed
        self.allow_missing = allow_missing

    # -- to implement -------------------------------------------------------------------

    def load(self) -> dict[str, list[Clip]]:
        """Return the clips of each split: keys among ``train``, ``val``, ``eval``."""
        raise NotImplementedError

    def download(self, target: Path) -> Path:
        """Fetch the corpus into ``target`` (skipping what is done); return its folder."""
        raise DatasetError(
            f"{self.name} cannot be downloaded automatically",
            hint=self.instructions(),
        )

    def instructions(self) -> str:
        """How to obtain the corpus by hand."""
        where = f"from {self.url}" if self.url else "from its publisher"
        return f"download {self.name} {where} and unpack it under the data root as {self.folder or self.name}/"

    # -- helpers ------------------------------------------------------------------------

    @property
    def protocol_name(self) -> str:
        return self.protocol or self.protocols[0]

    def check_protocol(self) -> str:
        name = self.protocol_name
        if name not in self.protocols:
            raise DatasetError(
                f"{self.name} has no protocol {name!r}",
                hint=f"choose one of: {', '.join(self.protocols)}",
            )
        return name

    def corpus_dir(self, *markers: str) -> Path:
        """The corpus folder: ``root/folder`` if it exists, else ``root`` itself.

        ``markers`` are relative paths that must exist in the corpus folder; the error
        names the first one missing and says how to get the data.
        """
        root = Path(self.root).expanduser() if self.root is not None else default_data_root()
        candidates = [root / self.folder, root] if self.folder else [root]
        for cand in candidates:
            if cand.is_dir() and all((cand / m).exists() for m in markers):
                return cand
        if not root.exists():
            raise DatasetError(
                f"data root {str(root)!r} for dataset {self.name!r} does not exist",
                hint="pass --data-root DIR (or set FAKEBENCH_DATA); " + self.instructions(),
            )
        base = candidates[0] if candidates[0].is_dir() or not candidates[1:] else candidates[-1]
        for m in markers:
            if not (base / m).exists():
                raise DatasetError(
                    f"{self.name}: {str(base / m)!r} is missing",
                    hint=self.instructions(),
                )
        raise DatasetError(f"{self.name}: no corpus folder under {str(root)!r}", hint=self.instructions())

    def fingerprint(self, splits: dict[str, list[Clip]]) -> str:
        """A hash of the clip list (ids, labels, splits), for the result record."""
        import hashlib

        h = hashlib.sha256()
        for split in sorted(splits):
            for c in splits[split]:
                h.update(f"{split}\t{c.id}\t{c.label}\n".encode())
        return h.hexdigest()[:16]


# -- split protocols ----------------------------------------------------------------------


def random_split(
    clips: Sequence[Clip],
    fractions: Sequence[float] = (0.7, 0.1, 0.2),
    *,
    seed: int = 0,
    stratify: Callable[[Clip], Any] | None = lambda c: (c.label, c.cls),
) -> dict[str, list[Clip]]:
    """Random train/val/eval split, stratified by ``stratify(clip)`` (label and class).

    Deterministic for a given seed and clip order. The paper's protocol is 70/10/20.
    """
    if len(fractions) != 3 or abs(sum(fractions) - 1) > 1e-6 or min(fractions) < 0:
        raise DatasetError(f"split fractions {tuple(fractions)} must be three numbers summing to 1")
    groups: dict[Any, list[Clip]] = defaultdict(list)
    for c in sorted(clips, key=lambda c: c.id):
        groups[stratify(c) if stratify else None].append(c)
    rng = random.Random(seed)
    out: dict[str, list[Clip]] = {s: [] for s in SPLITS}
    # Cumulative rounding: the split sizes are exact over the whole set, and each stratum
    # gets as close to the fractions as whole clips allow.
    total, done = 0, [0, 0, 0]
    for key in sorted(groups, key=repr):
        members = groups[key]
        rng.shuffle(members)
        total += len(members)
        val_t, eval_t = round(total * fractions[1]), round(total * fractions[2])
        target = [total - val_t - eval_t, val_t, eval_t]
        counts = [t - d for t, d in zip(target, done)]
        while min(counts) < 0:  # rounding can owe a clip; take it from the largest share
            counts[counts.index(min(counts))] += 1
            counts[counts.index(max(counts))] -= 1
        done = [d + c for d, c in zip(done, counts)]
        a, b = counts[0], counts[0] + counts[1]
        for split, part in zip(SPLITS, (members[:a], members[a:b], members[b:])):
            out[split].extend(part)
    return {s: [_with_split(c, s) for c in out[s]] for s in SPLITS}


def unseen_systems_split(
    clips: Sequence[Clip],
    *,
    seed: int = 0,
    held_out: Iterable[str] | None = None,
    eval_fraction: float = 0.3,
    val_fraction: float = 0.1,
) -> dict[str, list[Clip]]:
    """Hold whole generators out of training: their fakes appear only in eval.

    ``held_out`` names the systems to hold out; by default a seeded random ~30% of them.
    Real clips are split at random (70/10/20, stratified by class); every fake of a
    held-out system is in eval, and train/val hold only the other systems.
    """
    systems = sorted({c.system for c in clips if c.label == FAKE and c.system})
    if len(systems) < 2:
        raise DatasetError(
            "the unseen-systems protocol needs fakes from at least two systems",
            hint="use the random protocol for this dataset",
        )
    if held_out is None:
        rng = random.Random(seed)
        k = max(1, round(len(systems) * eval_fraction))
        k = min(k, len(systems) - 1)
        held = set(rng.sample(systems, k))
    else:
        held = set(held_out)
        unknown = held - set(systems)
        if unknown:
            raise DatasetError(
                f"held-out system(s) {sorted(unknown)} are not in the dataset",
                hint=f"systems present: {', '.join(systems)}",
            )
    real = [c for c in clips if c.label == REAL]
    seen = [c for c in clips if c.label == FAKE and c.system not in held]
    unseen = [c for c in clips if c.label == FAKE and c.system in held]
    r = random_split(real, (0.7, 0.1, 0.2), seed=seed)
    frac_train = 1 - val_fraction
    s = random_split(seen, (frac_train, val_fraction, 0.0), seed=seed)
    out = {
        "train": r["train"] + s["train"] + s["eval"],
        "val": r["val"] + s["val"],
        "eval": r["eval"] + [_with_split(c, "eval") for c in unseen],
    }
    return {k: [_with_split(c, k) for c in v] for k, v in out.items()}


def _with_split(c: Clip, split: str) -> Clip:
    if c.split == split:
        return c
    return Clip(c.id, c.path, c.label, split, c.cls, c.system, c.speaker, c.transcript,
                c.duration, dict(c.attrs))


def summarize(splits: dict[str, list[Clip]], attrs: Sequence[str] = ("class", "system")) -> dict:
    """Counts per split and label, and per attribute value; total duration when known."""
    out: dict[str, Any] = {}
    for split, clips in splits.items():
        labels = Counter("fake" if c.label == FAKE else "real" for c in clips)
        entry: dict[str, Any] = {"n": len(clips), "real": labels["real"], "fake": labels["fake"]}
        durations = [c.duration for c in clips if c.duration is not None]
        if durations and len(durations) == len(clips):
            entry["hours"] = round(sum(durations) / 3600, 4)
        for a in attrs:
            values = Counter(str(c.attribute(a)) for c in clips if c.attribute(a) is not None)
            if values:
                entry[a] = dict(sorted(values.items()))
        out[split] = entry
    return out
