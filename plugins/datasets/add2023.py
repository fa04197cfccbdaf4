"""``add2023-fg-r1``, ``add2023-fg-r2``: ADD 2023 track 1.2 (fake game detection) test sets, rounds 1 and 2.

Corpus: the second Audio Deepfake Detection challenge (ADD 2023). Track 1.2 (FG-D, the
defending side of the audio fake game) is the one binary real/fake track; its fakes come
from the generation teams of track 1.1 and its bona fide speech from the AISHELL-3
Mandarin corpus (as the SpeechAntiSpoofingBenchmarks packaging of the round-1 labels
describes it). It was scored in two rounds, R1 and R2, each with its own test set, whose
labels are now public (Zenodo records 12175884 and 12176326, the ones the Speech DF Arena
links for ``add_2023_round_1`` and ``add_2023_round_2``). The other ADD 2023 tracks are
not real/fake detection: track 2 (RL) labels manipulated regions and track 3 (AR) the
generating algorithm; they are not offered here. Per-label counts: see the released
label files (the Hugging Face card of the round-1 labels gives 100K-1M rows).

URL: http://addchallenge.cn/downloadADD2023 and the Zenodo records above (download by
hand).
License: CC BY-NC-ND 4.0.
Citation: J. Yi, J. Tao, R. Fu, X. Yan, C. Wang, T. Wang, C. Y. Zhang, X. Zhang, Y. Zhao,
Y. Ren et al., "ADD 2023: the Second Audio Deepfake Detection Challenge", DADA workshop
at IJCAI 2023 (arXiv:2305.13774); J. Yi, C. Y. Zhang, J. Tao et al., "ADD 2023: Towards
Audio Deepfake Detection and Analysis in the Wild", arXiv:2408.04967.

Layout on disk::

    <data root>/ADD2023/Track1.2/         (or Track1.2/ directly in the data root; track1.2/ too)
      testR2/label.txt                    round-2 labels
      testR2/wav/ADD2023_T1.2R2_E_00000003.wav ...
      testR1/label.txt                    round-1 labels                      ASSUMED folder name
      testR1/wav/ADD2023_T1.2R1_E_00000000.wav ...
      train/label.txt  train/wav/ADD2023_T1.2_T_*.wav     (official protocol) ASSUMED
      dev/label.txt    dev/wav/ADD2023_T1.2_D_*.wav

Label lines have 2 space-separated fields, ``FILE LABEL`` with LABEL ``genuine`` (0) or
``fake`` (1), e.g. ``ADD2023_T1.2R2_E_00000003.wav genuine``. Sources: the round-2
layout and line format are those of NII's AntiDeepfake ``protocols/ADD2023.py``
(``ADD2023/Track1.2/testR2/{label.txt, log.txt, wav/}``); the round-1 file names and
label format those of the SpeechAntiSpoofingBenchmarks ``ADD2023_track12_test_r1`` card
(``label.txt``, ``ADD2023_T1.2R1_E_*.wav``), its folder ``testR1`` ASSUMED by analogy; the
train/dev layout is that of third-party code written for the challenge release
(``track1.2/{train,dev}/{label.txt, wav/}``), ASSUMED for the public one. With other
names pass ``label_file=PATH`` and ``audio_dir=DIR`` (``--set``). The audio folder is the
first of ``audio_dir``, ``<label dir>/wav`` and ``<label dir>`` that holds the first
file listed.

Per clip: attribute ``track`` (``FG-R1``/``FG-R2``; ``train``/``dev`` in the official
protocol).

Protocols: ``eval-only`` (default) — the round's test set, all in ``eval``;
``official`` — track 1.2 train/dev -> train/val, the round's test set -> eval.
"""

from __future__ import annotations

from pathlib import Path

from fakebench.api import (
    Clip,
    Dataset,
    DatasetError,
    Table,
    build_table,
    cached_table,
    child_paths,
    hookimpl,
    iter_lines,
    keep_present,
    list_names,
)
from fakebench.api import Bool

from fakebench.api import FilePath
from ._params import dataset_specs

LOADER_VERSION = "1"
FIELDS = ("id", "file", "label")
LABELS = {"genuine": "0", "fake": "1"}
URL = "http://addchallenge.cn/downloadADD2023"
TRACK_DIR = "Track1.2"


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


class _AddTestSet(Dataset):
    """One ADD test set; subclasses set the track, its folder, label file and Zenodo record."""

    url = URL
    license = "CC BY-NC-ND 4.0"
    citation = "Yi et al., ADD 2023: the Second Audio Deepfake Detection Challenge, DADA workshop at IJCAI 2023"
    folder = "ADD2023"
    protocols = ("eval-only", "official")
    param_specs = dataset_specs(
        protocols, label_file=FilePath(), audio_dir=FilePath(), check_files=Bool(), cache=Bool())
    attributes = ("track",)
    test_split = "eval"
    track = "FG-R1"
    round_dir = "testR1"
    label_names: tuple[str, ...] = ("label.txt",)
    record = 12175884
    #: the training/development sets: (split, folder) under the track folder
    train_dev = (("train", "train"), ("val", "dev"))

    def __init__(self, root=None, protocol=None, seed=0, allow_missing=False, label_file=None, audio_dir=None,
                 check_files=True, cache=True):
        super().__init__(root, protocol, seed, allow_missing)
        self.label_file = label_file
        self.audio_dir = audio_dir
        self.check_files = check_files
        self.cache = cache

    def instructions(self) -> str:
        return (f"download the track 1.2 {self.track} test set (https://zenodo.org/records/{self.record}) and unpack "
                f"it in DIR/{self.folder}/ (giving {TRACK_DIR}/{self.round_dir}/label.txt and "
                f"{TRACK_DIR}/{self.round_dir}/wav/), then pass --data-root DIR; for other file names set "
                "label_file= and audio_dir=")

    # -- paths ----------------------------------------------------------------------------

    def base(self) -> Path:
        """The track folder, ``Track1.2/`` (``track1.2/`` accepted)."""
        corpus = self.corpus_dir()
        for cand in (corpus / TRACK_DIR, corpus / TRACK_DIR.lower(), corpus):
            if (cand / self.round_dir).is_dir() or (cand / "train").is_dir():
                return cand
        return corpus / TRACK_DIR

    def test_label_file(self, base: Path) -> Path:
        if self.label_file is not None:
            path = Path(self.label_file).expanduser()
            if not path.is_file():
                raise DatasetError(f"{self.name}: label_file {str(path)!r} does not exist", hint=self.instructions())
            return path
        cands = [base / self.round_dir / name for name in self.label_names]
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
                               hint="ADD label lines read FILE LABEL, e.g. 'ADD2023_T1.2R2_E_00000003.wav genuine'")

        return cached_table(f"{self.name}-{path.parent.name}-{path.name}", [path], build, version=LOADER_VERSION,
                            use_cache=self.cache)

    def labelled(self, label_file: Path, folder: Path, split: str, track: str) -> list[Clip]:
        table = self.table(label_file)
        files = table["file"]
        rows: range | list[int] = range(len(table))
        if self.check_files:
            present = list_names(folder)
            rows, missing = keep_present(table, files, lambda i, n: n in present, dataset=self.name,
                                         allow_missing=self.allow_missing, describe=lambda i: str(folder / files[i]))
            self.missing_ += missing
        ids, labels = table["id"], table["label"]
        return [Clip(id=ids[i], path=path, label=int(labels[i]), split=split, attrs={"track": track})
                for i, path in zip(rows, child_paths(folder, [files[i] for i in rows]))]

    def test_clips(self, base: Path) -> list[Clip]:
        label_file = self.test_label_file(base)
        table = self.table(label_file)
        folder = self.folder_of(label_file, table, [label_file.parent / "wav", label_file.parent])
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


class Add2023FGR1(_AddTestSet):
    name = "add2023-fg-r1"
    description = "ADD 2023 track 1.2 (fake game detection), round 1 test set (Mandarin)"
    track = "FG-R1"
    round_dir = "testR1"
    record = 12175884


class Add2023FGR2(_AddTestSet):
    name = "add2023-fg-r2"
    description = "ADD 2023 track 1.2 (fake game detection), round 2 test set (Mandarin)"
    track = "FG-R2"
    round_dir = "testR2"
    record = 12176326


@hookimpl
def fakebench_register_datasets():
    return [Add2023FGR1, Add2023FGR2]
