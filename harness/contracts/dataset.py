"""The dataset contract.

A dataset plugin subclasses :class:`Dataset` and implements :meth:`Dataset.load`, which
returns ``{"train": [...], "val": [...], "eval": [...]}`` lists of
:class:`~fakebench.data.Clip`. Corpora that ship official protocols (ASVspoof) return
them; corpora without (DCASE 2023 T7, the Foley demo) use a split protocol of
:mod:`fakebench.data.splits`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

from ..data.clips import Clip
from ..errors import DatasetError
from ..params import Configurable
from ..paths import data_root as default_data_root


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
    #: Bump when the clips or attributes a protocol yields change.
    version: ClassVar[str] = "1"
    #: Attributes this dataset fills per clip, beyond label (``class``, ``system``...).
    attributes: ClassVar[tuple[str, ...]] = ()
    #: Which clips form the corpus' test set when it is used only for testing
    #: (``--train-dataset A --dataset THIS``): ``eval`` (an official evaluation
    #: partition, e.g. ASVspoof) or ``all`` (every clip, e.g. In-the-Wild's 31,779).
    test_split: ClassVar[str] = "all"

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

    def asv_scores(self, split: str = "eval") -> dict[str, Any] | None:
        """The organisers' ASV scores of ``split`` for tandem metrics (t-DCF):
        ``{"target": array, "nontarget": array, "spoof": array}``, or None when the corpus
        ships none (the default)."""
        return None

    def requirements(self) -> list:
        """What loading this dataset needs beyond its files on disk (e.g. a download the
        demo set makes on first use), as :class:`fakebench.preflight.Requirement` entries for
        the preflight plan; ``[]`` by default (missing corpus files are found by loading)."""
        return []

    def sasv_trials(self, split: str = "eval") -> dict[str, Any] | None:
        """The spoofing-robust speaker verification trials of ``split`` with ASV scores, for
        the tandem metrics of ASVspoof 5 (a-DCF, t-EER): per-trial sequences ``clip_id``,
        ``asv_key`` (``target``/``nontarget``/``spoof``), ``asv_score`` (higher = the claimed
        speaker) and ``speaker``; None when the corpus has none (the default)."""
        return None

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


class ManifestDataset(Dataset):
    """A dataset read from a CSV manifest (``path,label,...``; see
    :mod:`fakebench.data.manifest_csv`), split by a manifest protocol: ``given`` (the CSV's
    ``split`` column), ``random``, ``unseen-systems`` or ``fixed`` (one split of the rows
    in CSV order, the same for every seed); ``auto`` takes ``given`` when the CSV has a
    split column. A subclass sets ``name`` and may override
    :meth:`manifest_path`.
    """

    protocols: ClassVar[tuple[str, ...]] = ("auto", "given", "random", "unseen-systems", "fixed")
    attributes: ClassVar[tuple[str, ...]] = ("class", "system", "speaker")

    def __init__(self, root=None, protocol=None, seed=0, allow_missing=False, manifest=None, held_out=None):
        super().__init__(root, protocol, seed, allow_missing)
        self.manifest = manifest
        self.held_out = held_out

    def manifest_path(self) -> Path:
        """``manifest=``, else ``--data-root`` itself when it is a file, else its manifest.csv."""
        if self.manifest:
            return Path(self.manifest).expanduser()
        root = Path(self.root).expanduser() if self.root is not None else default_data_root()
        if root.is_file():
            return root
        if (root / "manifest.csv").is_file():
            return root / "manifest.csv"
        raise DatasetError(f"{self.name}: no manifest.csv in {str(root)!r}",
                           hint="pass --data-root pointing at your CSV (columns path,label,...)")

    def load(self) -> dict[str, list[Clip]]:
        from ..data.manifest_csv import read_manifest
        from ..data.splits import apply_protocol

        self.check_protocol()
        clips = read_manifest(self.manifest_path(), allow_missing=self.allow_missing, dataset=self.name)
        return apply_protocol(clips, self.protocol_name, self.seed, self.name, self.held_out)
