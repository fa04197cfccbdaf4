"""``itw``: In-the-Wild — real and deepfake recordings of 58 public figures.

Corpus: 37.9 h of audio (19,963 bona fide and 11,816 spoofed clips, 31,779 in all) of
politicians and celebrities, collected from public sources; the deepfakes were found
online, the real clips are matched in speaker and setting. WAV, 16 kHz.

URL: https://deepfake-total.com/in_the_wild (archive ``release_in_the_wild.zip``).
License: as stated on the release page (free for research use).
Citation: N. M. Müller, P. Czempin, F. Dieckmann, A. Froghyar, K. Böttinger, "Does
Audio Deepfake Detection Generalize?", Interspeech 2022.

Layout on disk::

    <data root>/release_in_the_wild/
      meta.csv              columns file,speaker,label; label is bona-fide or spoof
      0.wav 1.wav ... 31778.wav

The speaker (the public figure) is ``Clip.speaker``: detectors that condition on the
speaker (DADA) read it from there.

Protocols (the corpus has no official split): ``random`` — seeded 70/10/20 split
stratified by label; ``speaker-disjoint`` — speakers shuffled with the seed and dealt
to train/val/eval (about 70/10/20 of the clips), so no speaker is in two splits.
In-the-Wild is mostly used as an out-of-domain test set: train elsewhere and test on
its ``eval`` split, or on all of it with ``--set split_all_eval=true``.
"""

from __future__ import annotations

from pathlib import Path

from fakebench.api import Clip, Dataset, DatasetError, hookimpl, random_split
from fakebench.api import Table, build_table, cached_table, iter_csv, keep_present, list_names

from fakebench.api import fetch_and_extract, group_split, with_split
from fakebench.api import Bool

from ._params import dataset_specs

LOADER_VERSION = "1"
FIELDS = ("id", "file", "speaker", "label")
#: The release archive, linked from https://deepfake-total.com/in_the_wild.
ARCHIVE_URL = "https://owncloud.fraunhofer.de/index.php/s/JZgXh0JEAF0elxa/download"
LABELS = {"bona-fide": "0", "spoof": "1"}


def parse_meta_row(row: dict[str, str]) -> tuple[str, str, str, str]:
    """One ``meta.csv`` row -> (id, file, speaker, label '0'/'1')."""
    file = row.get("file", "")
    if not file:
        raise ValueError("empty 'file' field")
    if "/" in file or "\\" in file or file.startswith("."):
        raise ValueError(f"'file' must be a plain file name in the release folder, got {file!r}")
    speaker = row.get("speaker", "")
    if not speaker:
        raise ValueError(f"{file}: empty 'speaker' field")
    label = row.get("label", "")
    if label not in LABELS:
        raise ValueError(f"unknown label {label!r} (In-the-Wild labels are 'bona-fide' and 'spoof')")
    stem = file.rsplit(".", 1)[0]
    return stem, file, speaker, LABELS[label]


class InTheWild(Dataset):
    name = "itw"
    description = "In-the-Wild: 31,779 real and deepfake clips of 58 public figures (speaker-labelled)"
    url = "https://deepfake-total.com/in_the_wild"
    license = "see https://deepfake-total.com/in_the_wild (research use)"
    citation = "Müller et al., Does Audio Deepfake Detection Generalize?, Interspeech 2022"
    folder = "release_in_the_wild"
    protocols = ("random", "speaker-disjoint")
    param_specs = dataset_specs(protocols, split_all_eval=Bool(), check_files=Bool(), cache=Bool())
    attributes = ("speaker",)

    def __init__(self, root=None, protocol=None, seed=0, allow_missing=False, split_all_eval=False,
                 check_files=True, cache=True):
        super().__init__(root, protocol, seed, allow_missing)
        self.split_all_eval = split_all_eval
        self.check_files = check_files
        self.cache = cache

    def instructions(self) -> str:
        return (f"run `fakebench download itw --data-root DIR`, or download release_in_the_wild.zip from {self.url} "
                "and unzip it in DIR (giving DIR/release_in_the_wild/meta.csv), then pass --data-root DIR")

    def table(self) -> Table:
        meta = self.corpus_dir("meta.csv") / "meta.csv"

        def build() -> Table:
            rows = iter_csv(meta, dataset=self.name, required=("file", "speaker", "label"),
                            hint=self.instructions())
            return build_table(rows, parse_meta_row, FIELDS, source=meta, dataset=self.name,
                               hint="meta.csv rows read file,speaker,label, e.g. '0.wav,Alec Guinness,spoof'")

        return cached_table(f"{self.name}-meta", [meta], build, version=LOADER_VERSION, use_cache=self.cache)

    def clips(self) -> list[Clip]:
        table = self.table()
        folder = Path(table.source).parent
        files = table["file"]
        rows: range | list[int] = range(len(table))
        self.missing_ = 0
        if self.check_files:
            present = list_names(folder)
            rows, self.missing_ = keep_present(table, files, lambda i, n: n in present, dataset=self.name,
                                               allow_missing=self.allow_missing,
                                               describe=lambda i: str(folder / files[i]))
        ids, speakers, labels = table["id"], table["speaker"], table["label"]
        return [Clip(id=ids[i], path=folder / files[i], label=int(labels[i]), speaker=speakers[i]) for i in rows]

    def load(self):
        protocol = self.check_protocol()
        clips = self.clips()
        if not clips:
            raise DatasetError(f"{self.name}: no clips to load", hint=self.instructions())
        if self.split_all_eval:
            return {"train": [], "val": [], "eval": [with_split(c, "eval") for c in clips]}
        if protocol == "random":
            return random_split(clips, seed=self.seed, stratify=lambda c: c.label)
        return group_split(clips, lambda c: c.speaker, seed=self.seed)

    def download(self, target: Path, progress: bool = False) -> Path:
        """Fetch ``release_in_the_wild.zip`` and unpack it (resumable).

        The release page publishes no checksum; the zip's CRC-32 of every member is
        checked while unpacking.
        """
        fetch_and_extract(ARCHIVE_URL, Path(target), "release_in_the_wild.zip", progress=progress)
        return Path(target) / self.folder


@hookimpl
def fakebench_register_datasets():
    return [InTheWild]
