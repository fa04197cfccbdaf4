"""``codecfake``: the Codecfake dataset (Xie et al.) — speech re-synthesised by neural audio codecs.

Corpus: English (VCTK) and Mandarin (AISHELL-3) bona fide speech and its copies
re-synthesised by neural audio codecs (codec-based speech generation, the building
block of audio-language-model TTS), plus test sets of ALM-generated audio. The codec
is the attack: ``Clip.system``. Sizes (the authors' README): train 740,747 clips, dev
92,596; test conditions C1–C6 26,456 clips each, C7 (a codec unseen in training)
145,505, A1 and A2 (ALM audio) 8,902 each, A3 99,112. Each of C1–C6 is 13,228 real +
13,228 fake clips (the per-clip result files the authors publish under
``pretrained_model/*/result/C<k>_result.txt``).

URL: https://github.com/xieyuankun/Codecfake (README table of Zenodo records): train
parts 13838106, 13841652, 13853860 (``train_split.zip`` + ``.z01``..``.z16``, and the
labels), dev 13841216 (``dev_split.zip`` + ``.z01``, ``.z02``), test C1–C6 and A1–A3
13838823, test C7 11125029. The Speech DF Arena (github.com/Speech-Arena/speech_df_arena)
asks for "version 1" of the Zenodo test set (record 11169781); fakebench reads the
layout below whichever version is unpacked. The split zip archives must be joined by
hand (``zip -s 0``), so ``fakebench download`` is not offered: see ``instructions()``.
License: CC BY-NC-ND 4.0 (README).
Citation: Y. Xie, Y. Lu, R. Fu, Z. Wen, Z. Wang, J. Tao et al., "The Codecfake Dataset
and Countermeasures for the Universally Detection of Deepfake Audio", arXiv:2405.04880,
2024.

Layout on disk (the authors' README, "Data preparing")::

    <data root>/Codecfake/
      label/train.txt  label/dev.txt  label/C1.txt ... label/C7.txt  label/A1.txt ... label/A3.txt
      train/*.wav  dev/*.wav
      test/C1/*.wav ... test/C7/*.wav  test/A1/*.wav  test/A2/*.wav  test/A3/*.wav

(a condition folder directly under ``Codecfake/``, e.g. ``Codecfake/C7/``, as NII's
AntiDeepfake ``protocols/Codecfake.py`` arranges it, is found too). Label lines have 3
space-separated fields, ``FILE LABEL CODEC`` (AntiDeepfake's reader and its examples)::

    SSB13650058.wav real 0
    F01_SSB13650058.wav fake 1

LABEL is ``real`` or ``fake``; CODEC is 0 for real clips and 1–7 for the codec
(``F01``..``F07``: the prefix of the fake file's name, and C<k> in the test conditions).
ASSUMED: the label files of C1–C6 and A1–A3 are named like ``label/C7.txt`` (the only
test label file the reference code names); a first line whose LABEL is neither word is
taken for a header and skipped (AntiDeepfake reads the files with ``header=0``). For A1–A3
CODEC is kept as read (``system`` is the condition then).

Per clip: ``Clip.system`` = ``F0<k>`` for fakes (the condition name when CODEC is not
1–7), ``Clip.speaker`` (``SSB0005`` from AISHELL-3 names ``SSB00050001``, ``p228`` from
VCTK names ``p228_028``), attributes ``condition`` (``train``, ``dev`` or the test
folder), ``language`` (``zh``/``en`` from the name, when it tells). The same real file
appears in every test condition, so ids are ``<condition>/<file stem>``.

Parameter ``conditions``: the test conditions scored (comma list; default
``C1,C2,C3,C4,C5,C6,C7``, the codec test sets; ``all`` adds A1–A3).

Protocols: ``eval-only`` (default) — the test conditions only, all in ``eval``;
``official`` — label/train.txt -> train, label/dev.txt -> val, the test conditions ->
eval.
"""

from __future__ import annotations

import re
from pathlib import Path

from fakebench.api import (Bool, Clip, Dataset, DatasetError, Names, Table, build_table, cached_table, child_paths,
                           hookimpl, iter_lines)

from ._common import present_rows
from ._params import dataset_specs

LOADER_VERSION = "1"
CODEC_CONDITIONS = ("C1", "C2", "C3", "C4", "C5", "C6", "C7")
ALM_CONDITIONS = ("A1", "A2", "A3")
FIELDS = ("id", "file", "label", "codec")
LABELS = {"real": "0", "fake": "1"}
REPO = "https://github.com/xieyuankun/Codecfake"
_AISHELL = re.compile(r"^(SSB\d{4})\d{4}$")
_VCTK = re.compile(r"^(p\d{3})_\d+")


def parse_label_line(fields: list[str]) -> tuple[str, str, str, str] | None:
    """One label line ``FILE LABEL CODEC`` -> (stem, file, label '0'/'1', codec)."""
    if len(fields) != 3:
        raise ValueError(f"expected 3 space-separated fields (FILE LABEL CODEC), got {len(fields)}: "
                         f"{' '.join(fields)!r}")
    name, label, codec = fields
    if label not in LABELS:
        raise ValueError(f"unknown label {label!r} (Codecfake labels are 'real' and 'fake')")
    if "/" in name or "\\" in name or not name.lower().endswith((".wav", ".flac")):
        raise ValueError(f"{name!r} is not a plain audio file name")
    return name.rsplit(".", 1)[0], name, LABELS[label], codec


def _rows_skipping_header(rows):
    """The label rows, without a first line whose LABEL is not real/fake (a header)."""
    first = True
    for lineno, fields in rows:
        if first:
            first = False
            if len(fields) == 3 and fields[1] not in LABELS:
                continue
        yield lineno, fields


def speaker_language(stem: str) -> tuple[str | None, str | None]:
    """The speaker and language a file name tells: AISHELL-3 (zh) or VCTK (en) names."""
    base = re.sub(r"^F\d{2}_", "", stem)
    m = _AISHELL.match(base)
    if m:
        return m.group(1), "zh"
    m = _VCTK.match(base)
    if m:
        return m.group(1), "en"
    return None, None


class Codecfake(Dataset):
    name = "codecfake"
    description = "Codecfake (Xie et al.): VCTK/AISHELL-3 speech vs neural-codec re-synthesis (C1-C7) and ALM audio"
    url = REPO
    license = "CC BY-NC-ND 4.0"
    citation = "Xie et al., The Codecfake Dataset and Countermeasures for the Universally Detection of Deepfake Audio"
    folder = "Codecfake"
    protocols = ("eval-only", "official")
    param_specs = dataset_specs(protocols, conditions=Names(nullable=False, required=True), check_files=Bool(), cache=Bool())
    attributes = ("system", "speaker", "condition", "language")
    test_split = "eval"

    def __init__(self, root=None, protocol=None, seed=0, allow_missing=False, conditions="C1,C2,C3,C4,C5,C6,C7",
                 check_files=True, cache=True):
        super().__init__(root, protocol, seed, allow_missing)
        self.conditions = conditions
        self.check_files = check_files
        self.cache = cache

    def instructions(self) -> str:
        return (f"download the Codecfake parts listed in {REPO} (Zenodo), join each split zip with `zip -s 0` and "
                "unzip it, and arrange DIR/Codecfake/label/*.txt, DIR/Codecfake/train/, DIR/Codecfake/dev/ and "
                "DIR/Codecfake/test/<condition>/ as the README shows, then pass --data-root DIR")

    def chosen_conditions(self) -> tuple[str, ...]:
        value = str(self.conditions).strip()
        if value == "all":
            return CODEC_CONDITIONS + ALM_CONDITIONS
        chosen = tuple(c.strip() for c in value.split(",") if c.strip())
        bad = [c for c in chosen if c not in CODEC_CONDITIONS + ALM_CONDITIONS]
        if bad or not chosen:
            raise DatasetError(f"{self.name}: unknown condition(s) {bad or value!r}",
                               hint="use a comma list of C1..C7, A1..A3, or all")
        return chosen

    def table(self, path: Path) -> Table:
        def build() -> Table:
            rows = _rows_skipping_header(iter_lines(path, dataset=self.name, hint=self.instructions()))
            return build_table(rows, parse_label_line, FIELDS, source=path, dataset=self.name,
                               hint="Codecfake label lines read FILE LABEL CODEC, e.g. 'F01_SSB13650058.wav fake 1'")

        return cached_table(f"{self.name}-{path.name}", [path], build, version=LOADER_VERSION, use_cache=self.cache)

    def audio_dir(self, base: Path, condition: str) -> Path:
        if condition in ("train", "dev"):
            return base / condition
        for cand in (base / "test" / condition, base / condition):
            if cand.is_dir():
                return cand
        raise DatasetError(f"{self.name}: the audio folder of test condition {condition} "
                           f"({str(base / 'test' / condition)!r}) is missing", hint=self.instructions())

    def part_clips(self, base: Path, condition: str, split: str) -> list[Clip]:
        label_file = base / "label" / f"{condition}.txt"
        if not label_file.is_file():
            raise DatasetError(f"{self.name}: label file {str(label_file)!r} is missing", hint=self.instructions())
        table = self.table(label_file)
        folder = self.audio_dir(base, condition)
        files = table["file"]
        rows = present_rows(self, table, folder, files)
        ids, labels, codecs = table["id"], table["label"], table["codec"]
        out = []
        for i, path in zip(rows, child_paths(folder, [files[i] for i in rows])):
            fake = labels[i] == "1"
            system = None
            if fake:
                code = codecs[i]
                system = f"F{int(code):02d}" if code.isdigit() and 1 <= int(code) <= 99 else condition
            speaker, language = speaker_language(ids[i])
            attrs = {"condition": condition}
            if language:
                attrs["language"] = language
            out.append(Clip(id=f"{condition}/{ids[i]}", path=path, label=int(fake), split=split, system=system,
                            speaker=speaker, attrs=attrs))
        return out

    def load(self):
        protocol = self.check_protocol()
        conditions = self.chosen_conditions()
        base = self.corpus_dir("label")
        self.missing_ = 0
        evaluation = [c for cond in conditions for c in self.part_clips(base, cond, "eval")]
        if protocol == "eval-only":
            return {"train": [], "val": [], "eval": evaluation}
        return {"train": self.part_clips(base, "train", "train"), "val": self.part_clips(base, "dev", "val"),
                "eval": evaluation}


@hookimpl
def fakebench_register_datasets():
    return [Codecfake]
