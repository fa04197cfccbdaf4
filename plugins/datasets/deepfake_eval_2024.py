"""``deepfake-eval-2024``: Deepfake-Eval-2024 (audio) — real and deepfake audio that circulated online in 2024.

Corpus: the audio part of Deepfake-Eval-2024, 56.5 hours of in-the-wild audio (social
media and the TrueMedia.org detection platform, 2024; 52 languages over the three
modalities), labelled real or fake by hand. The authors' ``Finetuning Set`` column
splits the audio into ``Train`` and ``Test`` for their fine-tuning experiments. The
metadata lists 1,980 audio files (as counted by a third-party user of the release;
fakebench has not seen the file itself, and could not find the per-label counts in a
source it can cite).

URL: https://huggingface.co/datasets/nuriachandra/Deepfake-Eval-2024 (gated: accept the
terms, then ``huggingface-cli login``); https://github.com/nuriachandra/Deepfake-Eval-2024.
License: CC BY-SA 4.0 (dataset card), with the gating terms (no use for harmful
technologies).
Citation: N. A. Chandra, R. Murtfeldt, L. Qiu, A. Karmakar, H. Lee, E. Tanumihardja,
K. Farhat, B. Caffee, S. Paik, C. Lee, J. Choi, A. Kim and O. Etzioni, "Deepfake-Eval-2024:
A Multi-Modal In-the-Wild Benchmark of Deepfakes Circulated in 2024", arXiv:2503.02857, 2025.

Layout on disk (a snapshot of the Hugging Face dataset repository; only the audio part
is read)::

    <data root>/Deepfake-Eval-2024/       (or --data-root pointing at it)
      audio-metadata-publish.csv          header: Filename,Date,Ground Truth,Public Comments,Finetuning Set
      audio-data/<Filename>               .wav, .mp3, .m4a ... as named in the CSV

The column names and values are those a Hugging Face copy of the metadata shows
(``xxuan-speech/Deepfake-Eval-2024-Protocals``, e.g.
``kIZg7-jZ1Y5EvUYztxPkI_oTzIs_0016.wav,2024-04-23,Fake,dupe,Train``) and those NII's
AntiDeepfake ``protocols/DeepfakeEval2024_preprocess.py`` reads (``Filename``,
``Ground Truth`` real/fake, ``Finetuning Set`` train/test, all compared
case-insensitively, with audio at ``audio-data/<Filename>``). ``Ground Truth`` is
``Real`` (0) or ``Fake`` (1); ASSUMED, as both reference readers skip such rows, a row
whose ground truth is empty or ``Unknown`` is left out (counted in a log line); any other
word is an error naming the line. A row with no ``Finetuning Set`` is in no split and is
left out too. Attribute ``format`` (file suffix); ``Clip.attrs["date"]`` keeps the Date
column (not a breakdown attribute).

Protocols: ``official`` (default) — the ``Train`` rows -> train (with a seeded 10%,
stratified by label, held out as val: the release has no validation split) and the
``Test`` rows -> eval, the fine-tuning protocol of the paper; ``eval-only`` — the
``Test`` rows only, all in ``eval``, for cross-dataset tests.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fakebench.api import (Bool, Clip, Dataset, DatasetError, Table, build_table, cached_table, hookimpl, iter_csv,
                           random_split)

from ._common import present_rows
from ._params import dataset_specs

log = logging.getLogger("fakebench")

LOADER_VERSION = "1"
HF_REPO = "nuriachandra/Deepfake-Eval-2024"
METADATA = "audio-metadata-publish.csv"
AUDIO_DIR = "audio-data"
FIELDS = ("id", "file", "label", "split", "date")
LABELS = {"real": "0", "fake": "1"}
SKIPPED_LABELS = ("", "unknown")
SETS = {"train": "train", "test": "eval", "": ""}


def parse_meta_row(row: dict[str, str]) -> tuple[str, ...] | None:
    """One metadata row -> (file, file, label '0'/'1', train/eval/'', date); None to leave it out."""
    name = row.get("Filename", "")
    if not name:
        raise ValueError("empty 'Filename' field")
    if "/" in name or "\\" in name or name.startswith("."):
        raise ValueError(f"'Filename' must be a plain file name in {AUDIO_DIR}/, got {name!r}")
    truth = row.get("Ground Truth", "").strip().lower()
    if truth in SKIPPED_LABELS:
        return None
    if truth not in LABELS:
        raise ValueError(f"{name}: unknown ground truth {row.get('Ground Truth')!r} (expected Real or Fake)")
    part = row.get("Finetuning Set", "").strip().lower()
    if part not in SETS:
        raise ValueError(f"{name}: unknown Finetuning Set {row.get('Finetuning Set')!r} (expected Train or Test)")
    return name, name, LABELS[truth], SETS[part], row.get("Date", "")


class DeepfakeEval2024(Dataset):
    name = "deepfake-eval-2024"
    description = "Deepfake-Eval-2024 audio: in-the-wild real and fake audio of 2024 (56.5 h, many languages)"
    url = f"https://huggingface.co/datasets/{HF_REPO}"
    license = "CC BY-SA 4.0 (gated; see the dataset card's terms)"
    citation = ("Chandra et al., Deepfake-Eval-2024: A Multi-Modal In-the-Wild Benchmark of Deepfakes Circulated "
                "in 2024, arXiv:2503.02857")
    folder = "Deepfake-Eval-2024"
    protocols = ("official", "eval-only")
    param_specs = dataset_specs(protocols, check_files=Bool(), cache=Bool())
    attributes = ("format",)
    test_split = "eval"

    def __init__(self, root=None, protocol=None, seed=0, allow_missing=False, check_files=True, cache=True):
        super().__init__(root, protocol, seed, allow_missing)
        self.check_files = check_files
        self.cache = cache

    def instructions(self) -> str:
        return (f"accept the terms of {self.url}, log in (`huggingface-cli login`), then run `fakebench download "
                f"{self.name} --data-root DIR`, or put {METADATA} and {AUDIO_DIR}/ of the dataset in "
                f"DIR/{self.folder}/, then pass --data-root DIR")

    def table(self) -> Table:
        meta = self.corpus_dir(METADATA) / METADATA

        def build() -> Table:
            rows = iter_csv(meta, dataset=self.name, required=("Filename", "Ground Truth", "Finetuning Set"),
                            hint=self.instructions())
            return build_table(rows, parse_meta_row, FIELDS, source=meta, dataset=self.name,
                               hint=f"{METADATA} rows read Filename,Date,Ground Truth,Public Comments,Finetuning Set")

        return cached_table(f"{self.name}-metadata", [meta], build, version=LOADER_VERSION, use_cache=self.cache)

    def clips(self) -> list[Clip]:
        table = self.table()
        folder = Path(table.source).parent / AUDIO_DIR
        files = table["file"]
        self.missing_ = 0
        rows = present_rows(self, table, folder, files)
        labels, parts, dates = table["label"], table["split"], table["date"]
        out = []
        for i in rows:
            attrs = {"format": files[i].rsplit(".", 1)[-1].lower() if "." in files[i] else ""}
            if dates[i]:
                attrs["date"] = dates[i]
            out.append(Clip(id=files[i], path=folder / files[i], label=int(labels[i]), split=parts[i], attrs=attrs))
        return out

    def load(self):
        protocol = self.check_protocol()
        clips = self.clips()
        unsplit = sum(1 for c in clips if not c.split)
        if unsplit:
            log.info("%s: %d clip(s) with no Finetuning Set are in no split", self.name, unsplit)
        test = [c for c in clips if c.split == "eval"]
        if not test:
            raise DatasetError(f"{self.name}: no Test rows in {METADATA}", hint=self.instructions())
        if protocol == "eval-only":
            return {"train": [], "val": [], "eval": test}
        train = [c for c in clips if c.split == "train"]
        if not train:
            raise DatasetError(f"{self.name}: no Train rows in {METADATA}", hint="use --protocol eval-only")
        held = random_split(train, (0.9, 0.1, 0.0), seed=self.seed, stratify=lambda c: c.label)
        return {"train": held["train"], "val": held["val"], "eval": test}

    def download(self, target: Path, progress: bool = False) -> Path:
        """Fetch the metadata and ``audio-data/`` from the (gated) Hugging Face repository
        (``huggingface_hub`` checks the files)."""
        try:
            from huggingface_hub import snapshot_download
        except ImportError:
            raise DatasetError("downloading Deepfake-Eval-2024 needs the huggingface_hub package",
                               hint="pip install huggingface_hub") from None
        dest = Path(target) / self.folder
        try:
            snapshot_download(repo_id=HF_REPO, repo_type="dataset", allow_patterns=[METADATA, f"{AUDIO_DIR}/*"],
                              local_dir=str(dest))
        except OSError as e:  # gated repository, no login, network (huggingface_hub's errors are OSErrors)
            raise DatasetError(f"{self.name}: cannot download {HF_REPO}: {type(e).__name__}: {e}",
                               hint=f"accept the terms at {self.url} and run `huggingface-cli login` first") from None
        return dest


@hookimpl
def fakebench_register_datasets():
    return [DeepfakeEval2024]
