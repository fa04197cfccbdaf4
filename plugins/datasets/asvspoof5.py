"""``asvspoof5``: the ASVspoof 5 database (2024), official train/dev/eval protocols.

Corpus: crowdsourced English speech from Multilingual LibriSpeech (~2,000 speakers,
speaker-disjoint partitions) and spoofed speech from 32 attacks (A01-A32: TTS, voice
conversion and, for the first time, adversarial attacks; train, dev and eval use
different attacks), much of the dev and eval data passed through codecs and
compression (``C**`` conditions: MP3, Opus, AMR, Speex, M4A, Encodec, telephony...).
FLAC, 16 kHz. Train: 182,357 utterances; dev: 140,950 (+1,184 enrolment); eval: 680,774
(+1,098 enrolment); the counts and md5s are in the release README.

URL: https://zenodo.org/records/14498691 (DOI 10.5281/zenodo.14498691; also on Hugging
Face as ``jungjee/asvspoof5``); challenge site https://www.asvspoof.org/.
License: Open Data Commons Attribution License (ODC-By) 1.0; the bona fide speech is
CC BY 4.0 (the release's README/LICENSE).
Citation: X. Wang et al., "ASVspoof 5: Crowdsourced speech data, deepfakes, and
adversarial attacks at scale", ASVspoof 2024 Workshop, doi:10.21437/ASVspoof.2024-1;
X. Wang et al., "ASVspoof 5: Design, collection and validation of resources for
spoofing, deepfake, and adversarial attack detection using crowdsourced speech",
arXiv:2502.08857 (2025).

Layout on disk (the release's archives unpacked in one folder, ``<data root>/asvspoof5``
or the data root itself)::

    ASVspoof5_protocols/                 (ASVspoof5_protocols.tar.gz; the .tsv files may
      ASVspoof5.train.tsv                 also lie directly in the corpus folder)
      ASVspoof5.dev.track_1.tsv
      ASVspoof5.eval.track_1.tsv
      ASVspoof5.dev.track_2.trial.tsv    ASVspoof5.dev.track_2.enroll.tsv
      ASVspoof5.eval.track_2.trial.tsv   ASVspoof5.eval.track_2.enroll.tsv
      ASVspoof5.codec.config.csv
    flac_T/T_*.flac                      (flac_T_aa.tar .. flac_T_ae.tar)
    flac_D/D_*.flac                      (flac_D_aa.tar .. flac_D_ac.tar)
    flac_E_eval/E_*.flac                 (flac_E_aa.tar .. flac_E_aj.tar)

The older names of the track 2 lists (``ASVspoof5.dev.trial.txt``,
``ASVspoof5.dev.enroll.txt``, ``ASVspoof5.eval.trial.tsv``, ``ASVspoof5.eval.enroll.tsv``,
as section 1 of the release README names them) are accepted too.

Track 1 protocol lines (``ASVspoof5.train.tsv``, ``ASVspoof5.{dev,eval}.track_1.tsv``),
space-separated, as the release README (section 3) describes them (the example lines
are illustrative)::

    SPEAKER_ID FLAC_FILE_NAME SPEAKER_GENDER CODEC CODEC_Q CODEC_SEED ATTACK_TAG ATTACK_LABEL KEY TMP
    T_4850 T_0000000000 F - - - AC3 A05 spoof -
    E_1212 E_0000000042 M C08 3 E_0000531263 - bonafide bonafide -

SPEAKER_GENDER F/M; CODEC a ``C**`` condition or ``-`` (no codec); CODEC_Q the codec
quality configuration (see ``ASVspoof5.codec.config.csv``) or ``-``; CODEC_SEED the
original utterance of a coded one, or ``-``; ATTACK_TAG the attacker adaptation
condition (``AC1``..``AC3``) or ``-``; ATTACK_LABEL ``A01``..``A32`` or ``bonafide``;
KEY ``spoof`` or ``bonafide``; TMP reserved (``-``; a line without it is accepted).

Track 2 (SASV) trial lines, ``TARGET_SPEAKER_ID FLAC_FILE_NAME TARGET_GENDER
ATTACK_LABEL ASV_KEY`` (ASV_KEY ``target``, ``nontarget`` or ``spoof``; the 3-field
``TARGET_SPEAKER_ID FLAC_FILE_NAME ASV_KEY`` of the challenge-time lists is accepted), and
enrolment lines ``TARGET_SPEAKER_ID FILE,FILE,...``.

Protocol ``official``: train = train.tsv (``flac_T``), val = dev.track_1.tsv (``flac_D``),
eval = eval.track_1.tsv (``flac_E_eval``). The attack is ``Clip.system`` and the speaker
``Clip.speaker``; attributes ``gender``, ``codec`` (``none`` when uncoded), ``codec_q``
and ``attack_tag`` (when given). Parsed protocols are cached (see
:mod:`fakebench.data.protocol_tables`).

SASV metrics (``min_adcf``, ``t_eer``). The release ships trial lists but no ASV scores.
Given ``asv_score_file=FILE`` (``--set asv_score_file=FILE``), :meth:`sasv_trials` returns
the trials of a split with their ASV scores, which the runner passes to those metrics.
FILE is either the challenge's score format (tab or space separated, with a header
naming ``spk``, ``filename`` and ``asv-score``, e.g. ``spk filename cm-score asv-score
sasv-score``) or three columns ``TARGET_SPEAKER_ID FLAC_FILE_NAME SCORE`` without header;
higher = the claimed speaker.
"""

from __future__ import annotations

import logging
import math
import re
from pathlib import Path

import numpy as np
from fakebench.api import (Bool, Clip, ClipList, Dataset, DatasetError, FilePath, Layout, Table, build_table,
                           cached_table, child_paths, hookimpl, iter_lines)

from ._common import asvspoof_clips, official_splits, existing_root
from ._params import dataset_specs

log = logging.getLogger("fakebench")

#: Bump when parsing changes: part of the index cache key.
LOADER_VERSION = "1"
FIELDS = ("speaker", "id", "gender", "codec", "codec_q", "codec_seed", "attack_tag", "attack", "key")
TRIAL_FIELDS = ("speaker", "id", "gender", "attack", "asv_key")
ZENODO_RECORD = 14498691
ARCHIVES = ([f"flac_T_a{c}.tar" for c in "abcde"] + [f"flac_D_a{c}.tar" for c in "abc"]
            + [f"flac_E_a{c}.tar" for c in "abcdefghij"] + ["ASVspoof5_protocols.tar.gz"])
#: md5 of each archive as printed in the release README (the download checks Zenodo's own).
README_MD5 = {
    "flac_T_aa.tar": "b0cc86b14826a7701b52aad4f53daf9c", "flac_T_ab.tar": "d05be3f4be7a343fdbdd0ed29fdff2e1",
    "flac_T_ac.tar": "70d1ba4ad75a20aef3dae541fbd321e3", "flac_T_ad.tar": "c9bb56af2cc410d98338d74babcb95c9",
    "flac_T_ae.tar": "a3969816982f3e52300d6147ad796df7", "flac_D_aa.tar": "df0be44957623991028cce59792beb17",
    "flac_D_ab.tar": "1e8cd685d89b64502692f1bcf1a13db3", "flac_D_ac.tar": "5e0031f08c30e4bdbf0c59f91b2d662b",
    "flac_E_aa.tar": "a8c800766f3d4ef87971e2b4f29663e2", "flac_E_ab.tar": "c35064188f54f07c87aba58de22534a0",
    "flac_E_ac.tar": "ed7cbcd1b2847998b72472ddf6b445e3", "flac_E_ad.tar": "626a080e994b05df49c577d7b3dede8d",
    "flac_E_ae.tar": "05f19a5e64fa556714ae1b38eb2ea70b", "flac_E_af.tar": "2ca2f52a3bbf827f7ec155ecb47e85d6",
    "flac_E_ag.tar": "671200b5de2fc1e74a563b07b057af8f", "flac_E_ah.tar": "eaf885b1299a61eb07f71e82e96dba37",
    "flac_E_ai.tar": "b2625683bf440abae2af901a45542ad9", "flac_E_aj.tar": "c50281c8233af6f3b0899604d21ade44",
    "ASVspoof5_protocols.tar.gz": "865d0e894ea9f686f0f37e5ae3ae3616",
}
PROTOCOLS = {"train": "ASVspoof5.train.tsv", "val": "ASVspoof5.dev.track_1.tsv",
             "eval": "ASVspoof5.eval.track_1.tsv"}
AUDIO = {"train": "flac_T", "val": "flac_D", "eval": "flac_E_eval"}
TRIALS = {"val": ("ASVspoof5.dev.track_2.trial.tsv", "ASVspoof5.dev.trial.txt", "ASVspoof5.dev.trial.tsv"),
          "eval": ("ASVspoof5.eval.track_2.trial.tsv", "ASVspoof5.eval.trial.tsv", "ASVspoof5.eval.trial.txt")}
ENROLL = {"val": ("ASVspoof5.dev.track_2.enroll.tsv", "ASVspoof5.dev.enroll.txt", "ASVspoof5.dev.enroll.tsv"),
          "eval": ("ASVspoof5.eval.track_2.enroll.tsv", "ASVspoof5.eval.enroll.tsv", "ASVspoof5.eval.enroll.txt")}
ASV_KEYS = ("target", "nontarget", "spoof")
_ATTACK = re.compile(r"A\d\d$")


def parse_line(fields: list[str]) -> tuple[str, ...]:
    """One track 1 protocol line -> the 9 fields of :data:`FIELDS` (TMP dropped)."""
    if len(fields) not in (9, 10):
        raise ValueError(f"expected 10 space-separated fields (SPEAKER_ID FLAC_FILE_NAME SPEAKER_GENDER CODEC CODEC_Q "
                         f"CODEC_SEED ATTACK_TAG ATTACK_LABEL KEY TMP), got {len(fields)}: {' '.join(fields)!r}")
    speaker, fid, gender, codec, codec_q, seed, tag, attack, key = fields[:9]
    if key == "spoof":
        if not _ATTACK.match(attack):
            raise ValueError(f"spoof trial {fid!r} has attack label {attack!r} (expected A01..A32)")
    elif key == "bonafide":
        if attack not in ("bonafide", "-"):
            raise ValueError(f"bona fide trial {fid!r} has attack label {attack!r} (expected 'bonafide')")
    else:
        raise ValueError(f"unknown key {key!r} (an ASVspoof 5 key is 'bonafide' or 'spoof')")
    return speaker, fid, gender, codec, codec_q, seed, tag, attack, key


def _check_key_attack(key: str, attack: str) -> None:
    """The rule of :func:`parse_line` across KEY and ATTACK_LABEL."""
    if key == "spoof":
        if not _ATTACK.match(attack):
            raise ValueError(f"spoof trial has attack label {attack!r}")
    elif key != "bonafide" or attack not in ("bonafide", "-"):
        raise ValueError(f"key {key!r} with attack label {attack!r}")


#: Track 1 protocol lines as :func:`parse_line` accepts them (TMP dropped), for the
#: vectorised reader.
LAYOUT = Layout(widths=(9, 10), drop_extra=True, checks={("key", "attack"): _check_key_attack})


def parse_trial_line(fields: list[str]) -> tuple[str, ...]:
    """One track 2 trial line (5 fields, or 3 without gender and attack) -> :data:`TRIAL_FIELDS`."""
    if len(fields) == 5:
        speaker, fid, gender, attack, key = fields
    elif len(fields) == 3:
        (speaker, fid, key), gender, attack = fields, "-", "-"
    else:
        raise ValueError(f"expected 5 space-separated fields (TARGET_SPEAKER_ID FLAC_FILE_NAME TARGET_GENDER "
                         f"ATTACK_LABEL ASV_KEY), got {len(fields)}: {' '.join(fields)!r}")
    if key not in ASV_KEYS:
        raise ValueError(f"unknown ASV key {key!r} (expected target, nontarget or spoof)")
    return speaker, fid, gender, attack, key


class Asvspoof5(Dataset):
    name = "asvspoof5"
    description = "ASVspoof 5 (2024): crowdsourced MLS speech, attacks A01-A32 with codecs, official protocols"
    url = "https://zenodo.org/records/14498691"
    license = "ODC-By 1.0 (bona fide speech CC BY 4.0)"
    citation = ("Wang et al., ASVspoof 5: Crowdsourced speech data, deepfakes, and adversarial attacks at scale, "
                "ASVspoof 2024 Workshop")
    folder = "asvspoof5"
    protocols = ("official",)
    param_specs = dataset_specs(protocols, check_files=Bool(), cache=Bool(), asv_score_file=FilePath())
    attributes = ("speaker", "system", "gender", "codec", "codec_q", "attack_tag")
    test_split = "eval"

    def __init__(self, root=None, protocol=None, seed=0, allow_missing=False, check_files=True, cache=True,
                 asv_score_file=None):
        super().__init__(root, protocol, seed, allow_missing)
        self.check_files = check_files
        self.cache = cache
        self.asv_score_file = asv_score_file

    def instructions(self) -> str:
        return (f"run `fakebench download {self.name} --data-root DIR` (Zenodo record {ZENODO_RECORD}, ~142 GB), "
                f"or download flac_T_*.tar, flac_D_*.tar, flac_E_*.tar and ASVspoof5_protocols.tar.gz from "
                f"{self.url} and unpack them in DIR/{self.folder}, then pass --data-root DIR")

    # -- paths ----------------------------------------------------------------------------

    def base(self) -> Path:
        """The corpus folder: ``root/asvspoof5`` or ``root``, whichever holds the protocols."""
        root = existing_root(self)
        for cand in (root / self.folder, root):
            if (cand / "ASVspoof5_protocols" / PROTOCOLS["train"]).is_file() or (cand / PROTOCOLS["train"]).is_file():
                return cand
        where = root / self.folder if (root / self.folder).is_dir() else root
        raise DatasetError(f"{self.name}: {str(where / 'ASVspoof5_protocols' / PROTOCOLS['train'])!r} is missing",
                           hint="unpack ASVspoof5_protocols.tar.gz there; " + self.instructions())

    def protocol_dir(self) -> Path:
        base = self.base()
        return base / "ASVspoof5_protocols" if (base / "ASVspoof5_protocols").is_dir() else base

    def protocol_file(self, split: str) -> Path:
        return self.protocol_dir() / PROTOCOLS[split]

    def audio_dir(self, split: str) -> Path:
        return self.base() / AUDIO[split]

    def _first(self, names: tuple[str, ...]) -> Path | None:
        folder = self.protocol_dir()
        for n in names:
            if (folder / n).is_file():
                return folder / n
        return None

    def trial_file(self, split: str = "eval") -> Path | None:
        """The SASV (track 2) trial list of ``split`` (``val``/``dev`` or ``eval``), or None."""
        return self._first(TRIALS[_split(split)])

    def enroll_file(self, split: str = "eval") -> Path | None:
        """The enrolment list of ``split`` (``val``/``dev`` or ``eval``), or None."""
        return self._first(ENROLL[_split(split)])

    # -- reading --------------------------------------------------------------------------

    def table(self, split: str) -> Table:
        """The parsed (and cached) track 1 protocol of ``split``."""
        path = self.protocol_file(split)
        hint = (f"lines of {path.name} must read SPEAKER_ID FLAC_FILE_NAME SPEAKER_GENDER CODEC CODEC_Q CODEC_SEED "
                f"ATTACK_TAG ATTACK_LABEL KEY TMP, e.g. 'T_4850 T_0000000000 F - - - AC3 A05 spoof -'; "
                f"unpack ASVspoof5_protocols.tar.gz again if it is damaged")

        def build() -> Table:
            rows = iter_lines(path, dataset=self.name, hint=self.instructions())
            return build_table(rows, parse_line, FIELDS, source=path, dataset=self.name, hint=hint, layout=LAYOUT,
                               require_rows=True)

        return cached_table(f"{self.name}-{split}", [path], build, version=LOADER_VERSION, use_cache=self.cache)

    def split_clips(self, split: str) -> ClipList:
        table = self.table(split)
        def attrs(values: dict) -> dict:
            out = {"gender": values["gender"], "codec": "none" if values["codec"] == "-" else values["codec"]}
            if values["codec_q"] != "-":
                out["codec_q"] = values["codec_q"]
            if values["attack_tag"] != "-":
                out["attack_tag"] = values["attack_tag"]
            return out

        return asvspoof_clips(self, table, self.audio_dir(split), split, ("gender", "codec", "codec_q", "attack_tag"),
                              attrs)

    def load_splits(self, splits=("train", "val", "eval")) -> dict[str, list[Clip]]:
        return official_splits(self, splits)

    def load(self):
        return self.load_splits()

    # -- track 2 --------------------------------------------------------------------------

    def trials(self, split: str = "eval") -> Table:
        """The parsed SASV trial list of ``split`` (columns :data:`TRIAL_FIELDS`)."""
        path = self.trial_file(split)
        if path is None:
            names = " or ".join(TRIALS[_split(split)][:2])
            raise DatasetError(f"{self.name}: no SASV trial list for {split} ({names}) in "
                               f"{str(self.protocol_dir())!r}", hint="unpack ASVspoof5_protocols.tar.gz there")
        hint = (f"lines of {path.name} must read TARGET_SPEAKER_ID FLAC_FILE_NAME TARGET_GENDER ATTACK_LABEL ASV_KEY, "
                f"e.g. 'E_0003 E_0000000014 F A20 spoof'")

        def build() -> Table:
            rows = iter_lines(path, dataset=self.name, hint=self.instructions())
            return build_table(rows, parse_trial_line, TRIAL_FIELDS, source=path, dataset=self.name, id_field=None,
                               hint=hint)

        return cached_table(f"{self.name}-{_split(split)}-trials", [path], build, version=LOADER_VERSION,
                            use_cache=self.cache)

    def enrollment(self, split: str = "eval") -> dict[str, list[Path]]:
        """Target speaker -> the FLAC files of its enrolment utterances (in the split's audio folder)."""
        path = self.enroll_file(split)
        if path is None:
            raise DatasetError(f"{self.name}: no enrolment list for {split} in {str(self.protocol_dir())!r}",
                               hint="unpack ASVspoof5_protocols.tar.gz there")
        folder = self.audio_dir(_split(split))
        out: dict[str, list[Path]] = {}
        for lineno, fields in iter_lines(path, dataset=self.name):
            if len(fields) != 2 or not fields[1].strip(","):
                raise DatasetError(f"{self.name}: {path}:{lineno}: expected TARGET_SPEAKER_ID FILE,FILE,..., "
                                   f"got {' '.join(fields)!r}")
            if fields[0] in out:
                raise DatasetError(f"{self.name}: {path}:{lineno} repeats speaker {fields[0]!r}")
            out[fields[0]] = child_paths(folder, [n + ".flac" for n in fields[1].split(",") if n])
        return out

    def sasv_trials(self, split: str = "eval") -> dict[str, np.ndarray] | None:
        """The SASV trials of ``split`` with their ASV scores, for ``min_adcf`` and ``t_eer``.

        Returns ``{"speaker", "clip_id", "asv_key"}`` (str arrays) and ``"asv_score"``
        (float64), one entry per trial line, or None when no ``asv_score_file`` is set or
        the split has no trial list. Every trial needs a score (the file may hold more);
        with ``allow_missing`` trials without one are left out and counted.
        """
        if not self.asv_score_file:
            return None
        if self.trial_file(split) is None:
            log.info("%s: no SASV trial list for %s; SASV metrics are left out", self.name, split)
            return None
        table = self.trials(split)
        scores = read_asv_scores(Path(self.asv_score_file).expanduser(), self.name)
        spk, ids, keys = table["speaker"], table["id"], table["asv_key"]
        values = np.empty(len(table))
        keep = []
        missing = 0
        for i in range(len(table)):
            v = scores.get((spk[i], ids[i]))
            if v is None:
                if not self.allow_missing:
                    raise DatasetError(f"{self.name}: {table.source}:{table.lines[i]}: trial {spk[i]} {ids[i]} has "
                                       f"no ASV score in {self.asv_score_file}",
                                       hint="score every trial of the list, or pass --allow-missing to leave "
                                            "unscored trials out")
                missing += 1
                continue
            values[i] = v
            keep.append(i)
        if missing:
            log.warning("%s: %d SASV trial(s) have no ASV score in %s and are left out (--allow-missing)",
                        self.name, missing, self.asv_score_file)
        idx = np.asarray(keep, dtype=np.int64)
        return {"speaker": np.asarray(spk)[idx], "clip_id": np.asarray(ids)[idx],
                "asv_key": np.asarray(keys)[idx], "asv_score": values[idx]}

    # -- fetching -------------------------------------------------------------------------

    def download(self, target: Path, progress: bool = False) -> Path:
        """Fetch the 19 archives of Zenodo record 14498691 (~142 GB; md5 from the Zenodo API)
        into ``target/asvspoof5`` and unpack them (resumable: finished archives are skipped)."""
        from fakebench.api import fetch_zenodo

        folder = Path(target) / self.folder
        fetch_zenodo(ZENODO_RECORD, folder, ARCHIVES, progress=progress)
        return folder


def _split(split: str) -> str:
    if split in ("dev", "val"):
        return "val"
    if split == "eval":
        return "eval"
    raise DatasetError(f"asvspoof5: no SASV trials for split {split!r}", hint="use val (dev) or eval")


def read_asv_scores(path: Path, dataset: str = "asvspoof5") -> dict[tuple[str, str], float]:
    """``(target speaker, file) -> ASV score`` from a score file (see the module docstring)."""
    out: dict[tuple[str, str], float] = {}
    cols: tuple[int, int, int] | None = None
    width = 3
    for lineno, fields in iter_lines(path, dataset=dataset, hint="pass asv_score_file=FILE with ASV trial scores"):
        if cols is None:
            header = {name: k for k, name in enumerate(fields)}
            spk = header.get("spk", header.get("tar_spk_anon"))
            fil = header.get("filename", header.get("trial_anon"))
            score = header.get("asv-score", header.get("asv_score"))
            if spk is not None and fil is not None and score is not None:
                cols, width = (spk, fil, score), len(fields)
                continue
            cols = (0, 1, 2)
        if len(fields) != width:
            raise DatasetError(f"{dataset}: {path}:{lineno}: expected {width} fields, got {len(fields)}: "
                               f"{' '.join(fields)!r}",
                               hint="lines read TARGET_SPEAKER_ID FLAC_FILE_NAME SCORE, or follow the header")
        text = fields[cols[2]]
        try:
            value = float(text)
        except ValueError:
            raise DatasetError(f"{dataset}: {path}:{lineno}: ASV score {text!r} is not a number") from None
        if not math.isfinite(value):
            raise DatasetError(f"{dataset}: {path}:{lineno}: ASV score {text!r} is not finite")
        key = (fields[cols[0]], fields[cols[1]])
        if key in out:
            raise DatasetError(f"{dataset}: {path}:{lineno} repeats trial {key[0]} {key[1]}")
        out[key] = value
    if not out:
        raise DatasetError(f"{dataset}: ASV score file {str(path)!r} holds no scores")
    return out


@hookimpl
def fakebench_register_datasets():
    return [Asvspoof5]
