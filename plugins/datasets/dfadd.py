"""``dfadd``: DFADD, the Diffusion and Flow-matching based Audio Deepfake Dataset.

Corpus: VCTK speakers' bona fide speech and speech synthesised by five diffusion or
flow-matching TTS systems trained on VCTK: Grad-TTS, NaturalSpeech 2, Style-TTS 2
(diffusion), Matcha-TTS and P-Flow TTS (flow matching). Each system's subset has
train / valid / test partitions; the bona fide clips are shared by all five. The test
set is 755 bona fide + 5 x 600 spoofed clips (3,755; the Speech DF Arena protocol
``protocol_files/dfadd.csv`` of github.com/Speech-Arena/speech_df_arena lists exactly
these, with the spoof names ``p227_164_GradTTS``, ``..._matcha``, ``..._NaturalSpeech2``,
``..._pflow``, ``..._StyleTTS2``). Train and valid counts: see the paper.

URL: https://huggingface.co/datasets/isjwdu/DFADD (the ZIP files, updated April 2025:
the Matcha-TTS labels were fixed and the audio formats unified; this is the release
fakebench reads, not the Hugging Face ``datasets`` parquet view); code
https://github.com/isjwdu/DFADD.
License: MIT (repository LICENSE); VCTK is CC BY 4.0.
Citation: J. Du, I-M. Lin, I-H. Chiu, X. Chen, H. Wu, W. Ren, Y. Tsao, H.-y. Lee and
J.-S. R. Jang, "DFADD: The Diffusion and Flow-Matching Based Audio Deepfake Dataset",
IEEE SLT 2024, pp. 921-928.

Layout on disk (the ZIP files unpacked side by side)::

    <data root>/DFADD/                    (or the folders directly in the data root)
      DATASET_GradTTS/
        train.txt  valid.txt  test.txt    protocols, 5 space-separated fields
        train/  valid/  test/             spoofed audio, <speaker>_<n>_GradTTS.<flac|wav>
      DATASET_MatchaTTS/  DATASET_NaturalSpeech2/  DATASET_PflowTTS/  DATASET_StyleTTS2/   (same shape)
      DATASET_VCTK_BONAFIDE/train/  valid/  test/      bona fide audio, <speaker>_<n>.wav

Protocol lines have the ASVspoof-style 5 fields ``SPEAKER UTTERANCE_ID - - KEY`` (KEY
``bonafide`` or ``spoof``); a subset's protocol lists its spoofed utterances and the
bona fide ones. The folder names, the protocol file names and the line format are the
ones third-party evaluation code reads from the ZIP release (e.g. scripts that parse
``DATASET_GradTTS/test.txt`` with ``spk, utt, _, _, key = line.split(' ')`` and read
spoofed audio from ``DATASET_GradTTS/test/<utt>.flac`` and bona fide audio from
``DATASET_VCTK_BONAFIDE/test/<utt>.wav``); fakebench could not read the Hugging Face
file listing itself. ASSUMED: the two middle fields carry nothing fakebench needs (they
are kept as read, not interpreted). Because the README asks users to "merge the
VCTK_BONAFIDE into each DFADD subset", a bona fide file is looked for in the subset's
own split folder first, then in ``DATASET_VCTK_BONAFIDE/<split>/``; audio is ``.flac``
or ``.wav`` (either is found).

A bona fide utterance listed by several subsets is one clip. Per clip:
``Clip.system`` = the TTS system (``GradTTS``, ``MatchaTTS``, ``NaturalSpeech2``,
``PflowTTS``, ``StyleTTS2``: the folder name), ``Clip.speaker`` = the VCTK speaker.
Parameter ``subsets``: a comma list of systems (default: all five).

Protocols: ``official`` (default) — train.txt / valid.txt / test.txt -> train / val /
eval; ``eval-only`` — test.txt only, all in ``eval`` (the 3,755-clip test set papers
report), for cross-dataset tests.
"""

from __future__ import annotations

from pathlib import Path

from fakebench.api import (Bool, Clip, Dataset, DatasetError, Names, Table, build_table, cached_table, hookimpl,
                           iter_lines, keep_present, list_names)

from ._params import dataset_specs

LOADER_VERSION = "1"
SYSTEMS = ("GradTTS", "MatchaTTS", "NaturalSpeech2", "PflowTTS", "StyleTTS2")
BONAFIDE_DIR = "DATASET_VCTK_BONAFIDE"
SPLITS = (("train", "train"), ("val", "valid"), ("eval", "test"))
FIELDS = ("speaker", "id", "field3", "field4", "key")
KEYS = {"bonafide": 0, "spoof": 1}
SUFFIXES = (".flac", ".wav")
HF_URL = "https://huggingface.co/datasets/isjwdu/DFADD"


def parse_protocol_line(fields: list[str]) -> tuple[str, ...]:
    """One protocol line -> (speaker, utterance id, field 3, field 4, key)."""
    if len(fields) != 5:
        raise ValueError(f"expected 5 space-separated fields (SPEAKER UTTERANCE - - KEY), got {len(fields)}: "
                         f"{' '.join(fields)!r}")
    if fields[4] not in KEYS:
        raise ValueError(f"unknown label {fields[4]!r} (a DFADD key is 'bonafide' or 'spoof')")
    if "/" in fields[1] or "\\" in fields[1]:
        raise ValueError(f"utterance id {fields[1]!r} is not a plain file stem")
    return tuple(fields)


class Dfadd(Dataset):
    name = "dfadd"
    description = "DFADD: VCTK bona fide vs 5 diffusion / flow-matching TTS systems (Grad-TTS, Matcha, P-Flow...)"
    url = HF_URL
    license = "MIT (DFADD); VCTK CC BY 4.0"
    citation = "Du et al., DFADD: The Diffusion and Flow-Matching Based Audio Deepfake Dataset, IEEE SLT 2024"
    folder = "DFADD"
    protocols = ("official", "eval-only")
    param_specs = dataset_specs(protocols, subsets=Names(nullable=False, required=True), check_files=Bool(), cache=Bool())
    attributes = ("system", "speaker")
    test_split = "eval"

    def __init__(self, root=None, protocol=None, seed=0, allow_missing=False, subsets="all", check_files=True,
                 cache=True):
        super().__init__(root, protocol, seed, allow_missing)
        self.subsets = subsets
        self.check_files = check_files
        self.cache = cache

    def instructions(self) -> str:
        return (f"download the DFADD ZIP files from {HF_URL} (Files and versions) and unzip them in DIR/DFADD "
                "(giving DIR/DFADD/DATASET_GradTTS/test.txt, DIR/DFADD/DATASET_VCTK_BONAFIDE/test/...), "
                "then pass --data-root DIR")

    def systems(self) -> tuple[str, ...]:
        value = str(self.subsets).strip()
        if value in ("all", ""):
            return SYSTEMS
        chosen = tuple(s.strip() for s in value.split(",") if s.strip())
        bad = [s for s in chosen if s not in SYSTEMS]
        if bad:
            raise DatasetError(f"{self.name}: unknown subset(s) {bad}", hint=f"use all or some of {', '.join(SYSTEMS)}")
        return chosen

    def table(self, path: Path) -> Table:
        def build() -> Table:
            rows = iter_lines(path, dataset=self.name, hint=self.instructions())
            return build_table(rows, parse_protocol_line, FIELDS, source=path, dataset=self.name,
                               hint="DFADD protocol lines read SPEAKER UTTERANCE - - KEY, e.g. "
                                    "'p227 p227_164_GradTTS - - spoof'")

        return cached_table(f"{self.name}-{path.parent.name}-{path.name}", [path], build, version=LOADER_VERSION,
                            use_cache=self.cache)

    def split_clips(self, base: Path, split: str, part: str, seen: set[str]) -> list[Clip]:
        out: list[Clip] = []
        bona_dir = base / BONAFIDE_DIR / part
        bona_names = list_names(bona_dir)
        for system in self.systems():
            sub = base / f"DATASET_{system}"
            proto = sub / f"{part}.txt"
            if not proto.is_file():
                raise DatasetError(f"{self.name}: protocol file {str(proto)!r} is missing", hint=self.instructions())
            table = self.table(proto)
            own_dir = sub / part
            own_names = list_names(own_dir)
            ids, keys, speakers = table["id"], table["key"], table["speaker"]
            where: dict[int, Path] = {}

            def find(i: int, fid: str, keys=keys, own_dir=own_dir, own_names=own_names, where=where) -> bool:
                folders = [(own_dir, own_names)] + ([(bona_dir, bona_names)] if keys[i] == "bonafide" else [])
                for folder, names in folders:
                    for suffix in SUFFIXES:
                        if fid + suffix in names:
                            where[i] = folder / (fid + suffix)
                            return True
                return False

            def describe(i: int, ids=ids, keys=keys, own_dir=own_dir) -> str:
                folder = bona_dir if keys[i] == "bonafide" else own_dir
                return f"{ids[i]}.flac/.wav (in {folder})"

            if self.check_files:
                rows, missing = keep_present(table, ids, find, dataset=self.name, allow_missing=self.allow_missing,
                                             describe=describe)
                self.missing_ += missing
            else:
                rows = list(range(len(table)))
                for i in rows:
                    folder = bona_dir if keys[i] == "bonafide" else own_dir
                    where[i] = folder / (ids[i] + ".wav")
            for i in rows:
                fid = ids[i]
                if fid in seen:
                    continue  # a bona fide utterance listed by several subsets
                seen.add(fid)
                spoof = KEYS[keys[i]]
                out.append(Clip(id=fid, path=where[i], label=spoof, split=split, system=system if spoof else None,
                                speaker=speakers[i]))
        return out

    def load(self):
        protocol = self.check_protocol()
        base = self.corpus_dir(f"DATASET_{self.systems()[0]}")
        self.missing_ = 0
        seen: set[str] = set()
        if protocol == "eval-only":
            return {"train": [], "val": [], "eval": self.split_clips(base, "eval", "test", seen)}
        return {split: self.split_clips(base, split, part, seen) for split, part in SPLITS}


@hookimpl
def fakebench_register_datasets():
    return [Dfadd]
