"""``add2022-lf``, ``add2022-pf``, ``add2022-fg-r1``, ``add2022-fg-r2``: the ADD 2022 challenge test sets.

Corpus: the first Audio Deep synthesis Detection challenge (ADD 2022), Mandarin speech
(genuine, and fakes from TTS and VC systems). Tracks:
LF (track 1, low-quality fake audio: genuine and fully fake utterances with real-world
noise), PF (track 2, partially fake audio: genuine utterances with real or synthesised
segments spliced in) and FG (track 3.2, fake game detection, two rounds R1 and R2
whose fakes come from the track 3.1 generation teams). All tracks share one training and
one development set. Counts (challenge plan, as tabled by participants): train 27,084
(3,012 genuine, 24,072 fake), dev 28,324 (2,307 genuine, 26,017 fake), track 1 test
109,199, track 2 test 100,625 (per-label test counts: see the released label files).
Since 2024 the data and every test set's labels are public on Zenodo, record by record
(ADD 2022 paper, arXiv:2202.08433v3): Train&Dev 12188127, Adaptation 12188083, Track1
eval 10843991, Track2 eval 12187997, Track3.2 R1 eval 12188035, Track3.2 R2 eval
12188055. The Speech DF Arena (github.com/Speech-Arena/speech_df_arena) scores track 1
and track 3.

URL: http://addchallenge.cn and the Zenodo records above (download by hand: the
records' file names are not known to fakebench).
License: CC BY-NC-ND 4.0.
Citation: J. Yi, R. Fu, J. Tao, S. Nie, H. Ma, C. Wang, T. Wang, Z. Tian, X. Zhang, Y.
Bai et al., "ADD 2022: the First Audio Deep Synthesis Detection Challenge", ICASSP 2022.

Layout on disk (the test archives unpacked in one folder)::

    <data root>/ADD2022/                  (or the folders directly in the data root)
      track1test/ADD_E1_00000000.wav ...  track 1 (LF) test audio
      track1_label.txt                    LF labels                          ASSUMED name
      track2test/ADD_E2_*.wav             track 2 (PF) test audio            ASSUMED names
      track2_label.txt                    PF labels                          ASSUMED name
      track3test/ADD_E3_*.wav             track 3.2 test audio (per round)
      track3_R1_label.txt  track3_R2_label.txt
      train/label.txt  train/wav/*.wav    training set (official protocol)   ASSUMED
      dev/label.txt    dev/wav/*.wav      development set                    ASSUMED

Label lines have 2 space-separated fields, ``FILE LABEL`` with LABEL ``genuine`` (0) or
``fake`` (1), e.g. ``ADD_E3_00000000.wav fake``. What fakebench knows and from where:
the track 1 test folder and file names (``add2022/track1test/ADD_E1_00000000.wav`` in a
public copy of the Arena's test set, shuohann/df_eval), the track 3 round-1 folder
``track3test/`` of ``ADD_E3_*.wav`` files with the label file ``track3_R1_label.txt``
and the line format (the SpeechAntiSpoofingBenchmarks ``ADD22_eval_31`` card). The other
names marked ASSUMED follow the same pattern and are not confirmed; when a release names
them differently, pass ``label_file=PATH`` and ``audio_dir=DIR`` (``--set``), or rename.
The audio folder is the first of ``audio_dir``, ``<label dir>/<test folder>``,
``<label dir>/wav`` and ``<label dir>`` that holds the first file listed. Every file of
a track shares one folder.

Per clip: attribute ``track`` (``LF``, ``PF``, ``FG-R1``, ``FG-R2``; ``train``/``dev``
in the official protocol). ADD labels name no attack or speaker.

Protocols: ``eval-only`` (default) — the track's test set, all in ``eval`` (what the
Arena and papers report); ``official`` — the shared training and development sets ->
train / val (ASSUMED layout above), the track's test set -> eval.
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
URL = "http://addchallenge.cn"


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
    citation = "Yi et al., ADD 2022: the First Audio Deep Synthesis Detection Challenge, ICASSP 2022"
    folder = "ADD2022"
    protocols = ("eval-only", "official")
    param_specs = dataset_specs(
        protocols, label_file=FilePath(), audio_dir=FilePath(), check_files=Bool(), cache=Bool())
    attributes = ("track",)
    test_split = "eval"
    track = "LF"
    test_dir = "track1test"
    label_names: tuple[str, ...] = ("track1_label.txt",)
    record = 10843991
    #: the shared training/development sets: (split, folder) under the corpus folder
    train_dev = (("train", "train"), ("val", "dev"))

    def __init__(self, root=None, protocol=None, seed=0, allow_missing=False, label_file=None, audio_dir=None,
                 check_files=True, cache=True):
        super().__init__(root, protocol, seed, allow_missing)
        self.label_file = label_file
        self.audio_dir = audio_dir
        self.check_files = check_files
        self.cache = cache

    def instructions(self) -> str:
        return (f"download the {self.track} test set (https://zenodo.org/records/{self.record}, listed on {URL}) "
                f"and unpack it in DIR/{self.folder}/ (giving {self.test_dir}/ and {self.label_names[0]}), "
                "then pass --data-root DIR; for other file names set label_file= and audio_dir=")

    # -- paths ----------------------------------------------------------------------------

    def base(self) -> Path:
        return self.corpus_dir()

    def test_label_file(self, base: Path) -> Path:
        if self.label_file is not None:
            path = Path(self.label_file).expanduser()
            if not path.is_file():
                raise DatasetError(f"{self.name}: label_file {str(path)!r} does not exist", hint=self.instructions())
            return path
        cands = [folder / name for name in self.label_names for folder in (base, base / self.test_dir)]
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
                               hint="ADD label lines read FILE LABEL, e.g. 'ADD_E1_00000000.wav fake'")

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
        folder = self.folder_of(label_file, table, [label_file.parent / self.test_dir, label_file.parent / "wav",
                                                    label_file.parent])
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


class Add2022LF(_AddTestSet):
    name = "add2022-lf"
    description = "ADD 2022 track 1 (LF): low-quality genuine vs fully fake Mandarin speech, test set"
    track = "LF"
    test_dir = "track1test"
    label_names = ("track1_label.txt", "label.txt")
    record = 10843991


class Add2022PF(_AddTestSet):
    name = "add2022-pf"
    description = "ADD 2022 track 2 (PF): genuine vs partially fake Mandarin speech, test set"
    track = "PF"
    test_dir = "track2test"
    label_names = ("track2_label.txt", "label.txt")
    record = 12187997


class Add2022FGR1(_AddTestSet):
    name = "add2022-fg-r1"
    description = "ADD 2022 track 3.2 (FG detection), round 1 test set"
    track = "FG-R1"
    test_dir = "track3test"
    label_names = ("track3_R1_label.txt",)
    record = 12188035


class Add2022FGR2(_AddTestSet):
    name = "add2022-fg-r2"
    description = "ADD 2022 track 3.2 (FG detection), round 2 test set"
    track = "FG-R2"
    test_dir = "track3test"
    label_names = ("track3_R2_label.txt",)
    record = 12188055


@hookimpl
def fakebench_register_datasets():
    return [Add2022LF, Add2022PF, Add2022FGR1, Add2022FGR2]
