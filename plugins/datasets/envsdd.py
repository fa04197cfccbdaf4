"""``envsdd``: EnvSDD, environmental-sound deepfake detection (the ESDD 2026 challenge set).

Corpus: real 4 s, 16 kHz clips from UrbanSound8K, TAU UAS 2019, TUT SED 2016/2017,
DCASE 2023 T7 dev and Clotho, and fakes generated from them by text-to-audio (TTA) and
audio-to-audio (ATA) models; 45.25 h real, 316.7 h fake. ESDD 2026 track 1: train and
validation use generators G01–G04 (TTA AudioGen, AudioLDM, AudioLDM 2; ATA AudioLDM),
the evaluation/test sets G05–G07 (unseen generators). Track 2 adds a small black-box
set (about 1% of the development data).

URL: https://envsdd.github.io/ ; development set https://zenodo.org/records/15220951,
test set https://zenodo.org/records/15241138; challenge
https://sites.google.com/view/esdd-challenge; baseline code
https://github.com/apple-yinhan/EnvSDD.
License: see the Zenodo records (research use).
Citation: H. Yin et al., "EnvSDD: Benchmarking Environmental Sound Deepfake Detection",
Interspeech 2025 (arXiv:2505.19203); H. Yin et al., "ESDD 2026: Environmental Sound
Deepfake Detection Challenge Evaluation Plan" (arXiv:2508.04529).

Layout on disk. The development layout is the one the organisers' baseline reads
(``get_jsons.py``); the metadata file names and column order are theirs; where the
release does not document a detail, this loader ASSUMES it, as marked::

    <data root>/EnvSDD/
      metadata/                           (or the CSVs directly in EnvSDD/)
        dev_track1.csv                    header line; columns read by position:
                                          0 = file name, 1 = source dataset, last = usage
                                          (train / validation)
        dev_track2.csv                    0 = file name, 1 = label (real/fake), 2 = usage
        test_track1.csv, test_track2.csv  0 = file name, 1 = source file, 2 = source dataset,
                                          3 = fake type (real/tta/ata), 4 = generator
        eval_track1.csv, eval_track2.csv  0 = file name, 1 = label (real/fake)
      development/
        real_audio/<source dataset>/<file>
        fake_audio/TTA/<model>/<source dataset>/<file>   same file name as its real source
        fake_audio/ATA/<model>/<source dataset>/<file>
      dev_track2/<file>
      test_track1/<file>   test_track2/<file>   eval_track1/<file>   eval_track2/<file>

ASSUMED: the CSVs sit in ``metadata/`` or at the top of the EnvSDD folder; every
generator folder present under ``fake_audio/{TTA,ATA}/`` holds a fake for every real
development clip (the organisers' code assumes the same; a missing one is an error
naming the CSV line, or skipped with ``allow_missing``); the test/eval audio folders
are flat.

Per clip: ``Clip.system`` = generator (``tta/audioldm2``, ``ata/audioldm1`` in the
development set; the test CSV's generator id), attributes ``fake_type`` (tta/ata) and
``source_dataset``.

Protocols: ``track1`` — train/val from ``dev_track1.csv`` usage, eval from
``test_track1`` (the final-ranking set; ``eval_set=eval`` for the smaller progress set
``eval_track1``); ``track2`` — the same plus the black-box ``dev_track2`` data, tested on
``test_track2``/``eval_track2``.
"""

from __future__ import annotations

from pathlib import Path

from fakebench.api import Clip, Dataset, DatasetError, hookimpl
from fakebench.api import Table, build_table, iter_csv, keep_present, list_names

from fakebench.api import fetch_zenodo, subdirs
from fakebench.api import Bool

from fakebench.api import Choice
from ._params import dataset_specs

USAGE = {"train": "train", "training": "train", "validation": "val", "valid": "val", "val": "val", "dev": "val"}
LABELS = {"real": 0, "fake": 1}
ZENODO_DEV, ZENODO_TEST = 15220951, 15241138


def _positional(row: dict[str, str]) -> list[str]:
    return list(row.values())


def parse_dev_row(row: dict[str, str]) -> tuple[str, str, str]:
    """``dev_track1.csv`` row -> (file, source dataset, split)."""
    cells = _positional(row)
    if len(cells) < 3:
        raise ValueError(f"expected at least 3 columns (file, source dataset, ..., usage), got {len(cells)}")
    usage = cells[-1].strip().lower()
    if usage not in USAGE:
        raise ValueError(f"unknown usage {cells[-1]!r} (expected train or validation)")
    if not cells[0] or not cells[1]:
        raise ValueError("empty file name or source dataset")
    return cells[0], cells[1], USAGE[usage]


def parse_labelled_row(row: dict[str, str]) -> tuple[str, str, str]:
    """``dev_track2.csv``/``eval_track*.csv`` row -> (file, label '0'/'1', split or '')."""
    cells = _positional(row)
    if len(cells) < 2 or not cells[0]:
        raise ValueError(f"expected at least 2 columns (file, label), got {cells}")
    label = cells[1].strip().lower()
    if label not in LABELS:
        raise ValueError(f"unknown label {cells[1]!r} (expected real or fake)")
    usage = ""
    if len(cells) > 2 and cells[2]:
        if cells[2].strip().lower() not in USAGE:
            raise ValueError(f"unknown usage {cells[2]!r} (expected train or validation)")
        usage = USAGE[cells[2].strip().lower()]
    return cells[0], str(LABELS[label]), usage


def parse_test_row(row: dict[str, str]) -> tuple[str, str, str, str, str]:
    """``test_track*.csv`` row -> (file, source file, source dataset, fake type, generator)."""
    cells = _positional(row)
    if len(cells) < 5 or not cells[0]:
        raise ValueError(f"expected 5 columns (file, source file, source dataset, fake type, generator), got {cells}")
    fake_type = cells[3].strip().lower()
    if fake_type not in ("real", "tta", "ata"):
        raise ValueError(f"unknown fake type {cells[3]!r} (expected real, tta or ata)")
    return cells[0], cells[1], cells[2], fake_type, cells[4]


class EnvSDD(Dataset):
    name = "envsdd"
    description = "EnvSDD / ESDD 2026: real environmental sounds vs TTA/ATA fakes, unseen generators in test"
    url = "https://envsdd.github.io/"
    license = "see the Zenodo records 15220951 and 15241138"
    citation = "Yin et al., EnvSDD: Benchmarking Environmental Sound Deepfake Detection, Interspeech 2025"
    folder = "EnvSDD"
    protocols = ("track1", "track2")
    param_specs = dataset_specs(protocols, eval_set=Choice("test", "eval"), check_files=Bool())
    test_split = "eval"
    attributes = ("system", "fake_type", "source_dataset")

    def __init__(self, root=None, protocol=None, seed=0, allow_missing=False, eval_set="test", check_files=True):
        super().__init__(root, protocol, seed, allow_missing)
        self.eval_set = eval_set
        self.check_files = check_files

    def instructions(self) -> str:
        return (f"run `fakebench download envsdd --data-root DIR` (Zenodo records {ZENODO_DEV} and {ZENODO_TEST}) "
                "and put the challenge metadata CSVs in DIR/EnvSDD/metadata/, then pass --data-root DIR")

    # -- helpers --------------------------------------------------------------------------

    def base(self) -> Path:
        return self.corpus_dir("development")

    def csv(self, base: Path, name: str) -> Path:
        for cand in (base / "metadata" / name, base / name):
            if cand.is_file():
                return cand
        raise DatasetError(f"{self.name}: metadata file {str(base / 'metadata' / name)!r} is missing",
                           hint="the ESDD 2026 metadata CSVs (dev_track1.csv, test_track1.csv...) come with the "
                                "challenge release; put them in " + str(base / "metadata"))

    def _table(self, path: Path, parse, fields, id_field="file") -> Table:
        rows = iter_csv(path, dataset=self.name)
        return build_table(rows, parse, fields, source=path, dataset=self.name, id_field=id_field,
                           hint=f"see the {self.name} docstring for the column order of {path.name}")

    def _present(self, table: Table, folder: Path, names: list[str]) -> list[int] | range:
        if not self.check_files:
            return range(len(table))
        listing = list_names(folder)
        kept, missing = keep_present(table, names, lambda i, n: n in listing, dataset=self.name,
                                     allow_missing=self.allow_missing, describe=lambda i: str(folder / names[i]))
        self.missing_ += missing
        return kept

    # -- development ----------------------------------------------------------------------

    def dev_clips(self, base: Path) -> list[Clip]:
        table = self._table(self.csv(base, "dev_track1.csv"), parse_dev_row, ("file", "source_dataset", "split"))
        dev = base / "development"
        generators = [(t, m) for t in ("TTA", "ATA") for m in subdirs(dev / "fake_audio" / t)]
        files, sources, splits = table["file"], table["source_dataset"], table["split"]
        listings: dict[Path, set[str]] = {}

        def exists(folder: Path, name: str) -> bool:
            if not self.check_files:
                return True
            if folder not in listings:
                listings[folder] = list_names(folder)
            return name in listings[folder]

        out = []
        for i in range(len(table)):
            variants = [("real", None, dev / "real_audio" / sources[i])]
            variants += [("fake", (t, m), dev / "fake_audio" / t / m / sources[i]) for t, m in generators]
            for kind, gen, folder in variants:
                if not exists(folder, files[i]):
                    if not self.allow_missing:
                        raise DatasetError(f"{self.name}: {table.source}:{table.lines[i]} lists "
                                           f"{str(folder / files[i])!r}, which does not exist",
                                           hint="re-extract the development set, or pass --allow-missing")
                    self.missing_ += 1
                    continue
                stem = f"{sources[i]}/{files[i].rsplit('.', 1)[0]}"
                if gen is None:
                    out.append(Clip(id=f"dev/real/{stem}", path=folder / files[i], label=0, split=splits[i],
                                    attrs={"source_dataset": sources[i]}))
                else:
                    t, m = gen
                    out.append(Clip(id=f"dev/{t.lower()}/{m}/{stem}", path=folder / files[i], label=1,
                                    split=splits[i], system=f"{t.lower()}/{m}",
                                    attrs={"fake_type": t.lower(), "source_dataset": sources[i]}))
        return out

    def blackbox_clips(self, base: Path) -> list[Clip]:
        table = self._table(self.csv(base, "dev_track2.csv"), parse_labelled_row, ("file", "label", "split"))
        folder = base / "dev_track2"
        files, labels, splits = table["file"], table["label"], table["split"]
        out = []
        for i in self._present(table, folder, files):
            if not splits[i]:
                raise DatasetError(f"{self.name}: {table.source}:{table.lines[i]} has no usage column value",
                                   hint="dev_track2.csv rows read file,label,usage")
            out.append(Clip(id=f"dev_track2/{files[i]}", path=folder / files[i], label=int(labels[i]),
                            split=splits[i], system="black-box" if labels[i] == "1" else None))
        return out

    # -- evaluation -----------------------------------------------------------------------

    def eval_clips(self, base: Path, track: int) -> list[Clip]:
        which = str(self.eval_set)
        if which not in ("test", "eval"):
            raise DatasetError(f"{self.name}: unknown eval_set {which!r}", hint="use eval_set=test or eval_set=eval")
        folder = base / f"{which}_track{track}"
        out = []
        if which == "test":
            table = self._table(self.csv(base, f"test_track{track}.csv"), parse_test_row,
                                ("file", "source_file", "source_dataset", "fake_type", "generator"))
            files, col = table["file"], table.columns
            for i in self._present(table, folder, files):
                fake = col["fake_type"][i] != "real"
                attrs = {"source_dataset": col["source_dataset"][i]}
                if fake:
                    attrs["fake_type"] = col["fake_type"][i]
                out.append(Clip(id=f"test{track}/{files[i]}", path=folder / files[i], label=int(fake), split="eval",
                                system=col["generator"][i] if fake else None, attrs=attrs))
        else:
            table = self._table(self.csv(base, f"eval_track{track}.csv"), parse_labelled_row, ("file", "label", "split"))
            files, labels = table["file"], table["label"]
            for i in self._present(table, folder, files):
                out.append(Clip(id=f"eval{track}/{files[i]}", path=folder / files[i], label=int(labels[i]),
                                split="eval"))
        return out

    def load(self):
        protocol = self.check_protocol()
        base = self.base()
        self.missing_ = 0
        clips = self.dev_clips(base)
        track = 1
        if protocol == "track2":
            clips += self.blackbox_clips(base)
            track = 2
        out = {"train": [c for c in clips if c.split == "train"], "val": [c for c in clips if c.split == "val"]}
        out["eval"] = self.eval_clips(base, track)
        return out

    def download(self, target: Path, progress: bool = False) -> Path:
        """Fetch the development and test records from Zenodo (md5-verified) and unpack them.

        The challenge metadata CSVs are distributed with the challenge; put them in
        ``EnvSDD/metadata/``.
        """
        folder = Path(target) / self.folder
        fetch_zenodo(ZENODO_DEV, folder, progress=progress)
        fetch_zenodo(ZENODO_TEST, folder, progress=progress)
        return folder


@hookimpl
def fakebench_register_datasets():
    return [EnvSDD]
