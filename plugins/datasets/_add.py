"""The reader shared by the ADD challenge test sets (private: not a plugin), used by the
``add2022`` and ``add2023`` plugins. Both challenges release label files of the same
2-field format and the same test / train / dev arrangement; the corpora themselves (their
source, license, citation, folders and Zenodo records) are described in
:mod:`fakebench.plugins.datasets.add2022` and :mod:`fakebench.plugins.datasets.add2023`.

Label lines have 2 space-separated fields, ``FILE LABEL`` with LABEL ``genuine`` (0) or
``fake`` (1). A plugin's class sets ``track``, ``record``, ``label_example`` (a label
line quoted in error hints) and says where its files lie: :meth:`AddTestSet.base`,
:meth:`AddTestSet.label_candidates` and :meth:`AddTestSet.audio_candidates`.
"""

from __future__ import annotations

from pathlib import Path

from fakebench.api import (Bool, Clip, Dataset, DatasetError, FilePath, Table, build_table, cached_table, child_paths,
                           iter_lines)

from ._common import present_rows
from ._params import dataset_specs

__all__ = ["AddTestSet", "FIELDS", "LABELS", "parse_label_line"]

#: Bump when parsing changes: part of the index cache key.
LOADER_VERSION = "1"
FIELDS = ("id", "file", "label")
LABELS = {"genuine": "0", "fake": "1"}


def parse_label_line(fields: list[str]) -> tuple[str, str, str]:
    """One label line ``FILE LABEL`` -> (stem, file, label '0'/'1')."""
    if len(fields) != 2:
        raise ValueError(f"expected 2 space-separated fields (FILE LABEL), got {len(fields)}: {' '.join(fields)!r}")
    name, label = fields
    if label not in LABELS:
        raise ValueError(f"unknown label {label!r} (ADD labels are 'genuine' and 'fake')")
    if "/" in name or "\\" in name or not name.lower().endswith((".wav", ".flac")):
        raise ValueError(f"{name!r} is not a plain audio file name")
    return name.rsplit(".", 1)[0], name, LABELS[label]


class AddTestSet(Dataset):
    """One ADD test set (protocols ``eval-only`` and ``official``); a plugin's subclass
    sets the corpus facts and the three path methods."""

    protocols = ("eval-only", "official")
    param_specs = dataset_specs(
        protocols, label_file=FilePath(), audio_dir=FilePath(), check_files=Bool(), cache=Bool())
    attributes = ("track",)
    test_split = "eval"
    track = ""
    record = 0
    #: a label line of this corpus, quoted in the hint of a bad line
    label_example = ""
    #: the shared training/development sets: (split, folder) under :meth:`base`
    train_dev = (("train", "train"), ("val", "dev"))

    def __init__(self, root=None, protocol=None, seed=0, allow_missing=False, label_file=None, audio_dir=None,
                 check_files=True, cache=True):
        super().__init__(root, protocol, seed, allow_missing)
        self.label_file = label_file
        self.audio_dir = audio_dir
        self.check_files = check_files
        self.cache = cache

    # -- paths (the plugin's) ------------------------------------------------------------

    def base(self) -> Path:
        """The folder holding the test set(s) and ``train/``, ``dev/``."""
        return self.corpus_dir()

    def label_candidates(self, base: Path) -> list[Path]:
        """Where the test set's label file may lie, the expected place first."""
        raise NotImplementedError

    def audio_candidates(self, label_file: Path) -> list[Path]:
        """The folders the test audio may lie in, beside ``label_file``, in order."""
        raise NotImplementedError

    # -- paths ----------------------------------------------------------------------------

    def test_label_file(self, base: Path) -> Path:
        if self.label_file is not None:
            path = Path(self.label_file).expanduser()
            if not path.is_file():
                raise DatasetError(f"{self.name}: label_file {str(path)!r} does not exist", hint=self.instructions())
            return path
        cands = self.label_candidates(base)
        for cand in cands:
            if cand.is_file():
                return cand
        raise DatasetError(f"{self.name}: label file {str(cands[0])!r} is missing", hint=self.instructions())

    def folder_of(self, label_file: Path, table: Table, candidates: list[Path]) -> Path:
        """The audio folder: the first candidate that holds the first listed file."""
        if self.audio_dir is not None:
            path = Path(self.audio_dir).expanduser()
            if not path.is_dir():
                raise DatasetError(f"{self.name}: audio_dir {str(path)!r} does not exist", hint=self.instructions())
            return path
        first = table["file"][0] if len(table) else None
        existing = [c for c in candidates if c.is_dir()]
        for cand in existing:
            if first is not None and (cand / first).is_file():
                return cand
        if existing:
            return existing[0]
        raise DatasetError(f"{self.name}: audio folder {str(candidates[0])!r} (listed by {label_file}) is missing",
                           hint=self.instructions())

    # -- reading --------------------------------------------------------------------------

    def table(self, path: Path) -> Table:
        def build() -> Table:
            rows = iter_lines(path, dataset=self.name, hint=self.instructions())
            return build_table(rows, parse_label_line, FIELDS, source=path, dataset=self.name,
                               hint=f"ADD label lines read FILE LABEL, e.g. {self.label_example!r}")

        return cached_table(f"{self.name}-{path.parent.name}-{path.name}", [path], build, version=LOADER_VERSION,
                            use_cache=self.cache)

    def labelled(self, label_file: Path, folder: Path, split: str, track: str) -> list[Clip]:
        table = self.table(label_file)
        files = table["file"]
        rows = present_rows(self, table, folder, files, need_audio=False)
        ids, labels = table["id"], table["label"]
        return [Clip(id=ids[i], path=path, label=int(labels[i]), split=split, attrs={"track": track})
                for i, path in zip(rows, child_paths(folder, [files[i] for i in rows]))]

    def test_clips(self, base: Path) -> list[Clip]:
        label_file = self.test_label_file(base)
        table = self.table(label_file)
        folder = self.folder_of(label_file, table, self.audio_candidates(label_file))
        return self.labelled(label_file, folder, "eval", self.track)

    def train_dev_clips(self, base: Path, split: str, part: str) -> list[Clip]:
        label_file = base / part / "label.txt"
        if not label_file.is_file():
            raise DatasetError(f"{self.name}: label file {str(label_file)!r} of the {part} set is missing",
                               hint="the official protocol needs the training and development sets "
                                    f"({part}/label.txt and {part}/wav/); or use --protocol eval-only")
        table = self.table(label_file)
        folder = self.folder_of(label_file, table, [base / part / "wav", base / part])
        return self.labelled(label_file, folder, split, part)

    def load(self):
        protocol = self.check_protocol()
        base = self.base()
        self.missing_ = 0
        evaluation = self.test_clips(base)
        if protocol == "eval-only":
            return {"train": [], "val": [], "eval": evaluation}
        out = {split: self.train_dev_clips(base, split, part) for split, part in self.train_dev}
        out["eval"] = evaluation
        return out
