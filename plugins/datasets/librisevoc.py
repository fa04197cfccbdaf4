"""``librisevoc``: LibriSeVoc — LibriTTS clips and their copies re-synthesised by six neural vocoders.

Corpus: 13,201 real clips from LibriTTS (24 kHz) and, for each, a self-vocoded copy by
each of six vocoders: DiffWave, MelGAN, Parallel WaveGAN, WaveGrad, WaveNet, WaveRNN
(6 x 13,201 = 79,206 fakes). The authors split the clips into 7,920 train, 2,640 dev and
2,641 test utterances with the lists ``train.txt``, ``dev.txt``, ``test.txt`` (one real
file name per line) in their repository; the vocoded copies follow the split of the
clip they re-synthesise.

URL: https://github.com/csun22/Synthetic-Voice-Detection-Vocoder-Artifacts (the
dataset archive is linked from its README, on Google Drive: download it by hand).
License: the repository is MIT; the audio derives from LibriTTS (CC BY 4.0).
Citation: C. Sun, S. Jia, S. Hou and S. Lyu, "AI-Synthesized Voice Detection Using
Neural Vocoder Artifacts", CVPR Workshops (WMF) 2023.

Layout on disk (the archive unpacked; the three split lists beside the folders, copied
from the repository if the archive lacks them, or ``lists_dir=DIR``)::

    <data root>/LibriSeVoc/
      gt/27_123349_000006_000000.wav ...          real (LibriTTS naming:
                                                   reader_chapter_paragraph_sentence)
      diffwave/27_123349_000006_000000_gen.wav ...
      melgan/  parallel_wave_gan/  wavegrad/  wavenet/  wavernn/     (same *_gen.wav names)
      train.txt  dev.txt  test.txt                 one gt file name per line

The folder names and the ``<name>.wav`` -> ``<name>_gen.wav`` rule are the ones the
SONAR benchmark code reads (github.com/Jessegator/SONAR, ``data_utils.py``,
``genLibriSeVoc_list``); the split sizes are those of the repository's lists and of
the authors' ``main.py`` (folder slices 0:7920, 7920:10560, 10560:13201).

Per clip: ``Clip.system`` = the vocoder folder (fakes), ``Clip.speaker`` = the LibriTTS
reader id; ``Clip.attrs["utterance"]`` = the real clip's name without ``.wav`` (shared by
a real clip and its six copies; not a breakdown attribute).

Protocols: ``official`` (default) — train.txt / dev.txt / test.txt -> train / val /
eval, each with the real clips and their six vocoded copies; ``eval-only`` — only
test.txt, all in ``eval``, for cross-dataset tests. A line naming a file that is not on
disk is an error naming the list and line (``--allow-missing`` skips and counts).
"""

from __future__ import annotations

from pathlib import Path

from fakebench.api import (Bool, Clip, Dataset, DatasetError, FilePath, Table, build_table, cached_table, child_paths,
                           hookimpl, iter_lines)

from ._common import present_rows
from ._params import dataset_specs

LOADER_VERSION = "1"
REAL_FOLDER = "gt"
VOCODERS = ("diffwave", "melgan", "parallel_wave_gan", "wavegrad", "wavenet", "wavernn")
LISTS = (("train", "train.txt"), ("val", "dev.txt"), ("eval", "test.txt"))
REPO = "https://github.com/csun22/Synthetic-Voice-Detection-Vocoder-Artifacts"


def parse_list_line(fields: list[str]) -> tuple[str, str]:
    """One split-list line -> (utterance, file name): ``27_123349_000006_000000.wav``."""
    if len(fields) != 1:
        raise ValueError(f"expected one file name per line, got {len(fields)} fields: {' '.join(fields)!r}")
    name = fields[0]
    if "/" in name or "\\" in name or not name.lower().endswith(".wav"):
        raise ValueError(f"{name!r} is not a plain .wav file name of the gt/ folder")
    return name[:-4], name


def fake_name(real_name: str) -> str:
    """``x.wav`` -> ``x_gen.wav``, the name of its vocoded copies."""
    return real_name[:-4] + "_gen.wav"


class LibriSeVoc(Dataset):
    name = "librisevoc"
    description = "LibriSeVoc: 13,201 LibriTTS clips and their copies by 6 neural vocoders"
    url = REPO
    license = "MIT (repository); audio from LibriTTS, CC BY 4.0"
    citation = "Sun et al., AI-Synthesized Voice Detection Using Neural Vocoder Artifacts, CVPRW 2023"
    folder = "LibriSeVoc"
    protocols = ("official", "eval-only")
    param_specs = dataset_specs(protocols, lists_dir=FilePath(), check_files=Bool(), cache=Bool())
    attributes = ("system", "speaker")
    test_split = "eval"

    def __init__(self, root=None, protocol=None, seed=0, allow_missing=False, lists_dir=None, check_files=True,
                 cache=True):
        super().__init__(root, protocol, seed, allow_missing)
        self.lists_dir = lists_dir
        self.check_files = check_files
        self.cache = cache

    def instructions(self) -> str:
        return (f"download the LibriSeVoc archive linked from {REPO} and unpack it in DIR (giving DIR/LibriSeVoc/gt/, "
                "DIR/LibriSeVoc/diffwave/, ...), put train.txt, dev.txt and test.txt of that repository in "
                "DIR/LibriSeVoc/, then pass --data-root DIR")

    def list_file(self, base: Path, name: str) -> Path:
        folder = Path(self.lists_dir).expanduser() if self.lists_dir is not None else base
        path = folder / name
        if not path.is_file():
            raise DatasetError(f"{self.name}: split list {str(path)!r} is missing",
                               hint=f"copy {name} from {REPO} into {folder} (or set lists_dir=DIR)")
        return path

    def table(self, path: Path) -> Table:
        def build() -> Table:
            rows = iter_lines(path, dataset=self.name, hint=self.instructions())
            return build_table(rows, parse_list_line, ("id", "file"), source=path, dataset=self.name,
                               hint="each line of a LibriSeVoc split list is one gt/ file name, e.g. "
                                    "'27_123349_000006_000000.wav'")

        return cached_table(f"{self.name}-{path.name}", [path], build, version=LOADER_VERSION, use_cache=self.cache)

    def split_clips(self, base: Path, split: str, list_name: str) -> list[Clip]:
        table = self.table(self.list_file(base, list_name))
        ids, files = table["id"], table["file"]
        out: list[Clip] = []
        for folder, label in [(REAL_FOLDER, 0)] + [(v, 1) for v in VOCODERS]:
            directory = base / folder
            names = [f if label == 0 else fake_name(f) for f in files]
            rows = present_rows(self, table, directory, names)
            paths = child_paths(directory, [names[i] for i in rows])
            for i, path in zip(rows, paths):
                utt = ids[i]
                out.append(Clip(id=f"{folder}/{utt}", path=path, label=label, split=split,
                                system=folder if label else None, speaker=utt.split("_", 1)[0],
                                attrs={"utterance": utt}))
        return out

    def load(self):
        protocol = self.check_protocol()
        base = self.corpus_dir(REAL_FOLDER)
        self.missing_ = 0
        if protocol == "eval-only":
            return {"train": [], "val": [], "eval": self.split_clips(base, "eval", "test.txt")}
        return {split: self.split_clips(base, split, name) for split, name in LISTS}


@hookimpl
def fakebench_register_datasets():
    return [LibriSeVoc]
