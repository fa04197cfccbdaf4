"""``asvspoof21-la`` and ``asvspoof21-df``: ASVspoof 2021 logical access and deepfake evaluation sets.

Corpus: the ASVspoof 2021 evaluation data with the full keys and meta-labels released
after the challenge. LA (181,566 trials): ASVspoof 2019 LA eval attacks A07–A19 sent
through telephony codecs and transmission channels. DF (611,829 trials): bona fide and
spoofed speech from ASVspoof 2019 LA eval, VCC 2018 and VCC 2020, compressed with media
codecs. FLAC, 16 kHz. As in the challenge, systems train on ASVspoof 2019 LA: the
``train`` and ``val`` splits here are ASVspoof 2019 LA train and dev (same data root by
default, ``asvspoof19_root`` to point elsewhere), ``eval`` is the 2021 set.

URL: https://www.asvspoof.org/index2021.html — audio on Zenodo (LA: records/4837263,
DF: records/4835108, four parts), keys at https://www.asvspoof.org/asvspoof2021/
``LA-keys-full.tar.gz`` / ``DF-keys-full.tar.gz`` (md5 published in the organisers'
evaluation package, github.com/asvspoof-challenge/2021/tree/main/eval-package).
License: ODC-By 1.0 (LA); DF is distributed under the licenses stated in its README
(ODbL for the VCC parts).
Citation: J. Yamagishi et al., "ASVspoof 2021: accelerating progress in spoofed and
deepfake speech detection", ASVspoof 2021 Workshop; X. Liu et al., "ASVspoof 2021:
Towards spoofed and deepfake speech detection in the wild", IEEE/ACM TASLP 2023.

Layout on disk (the archives unpacked in one folder)::

    <data root>/
      ASVspoof2021_LA_eval/flac/LA_E_*.flac
      ASVspoof2021_DF_eval/flac/DF_E_*.flac           (the 4 DF parts unpack into one folder;
                                                        ASVspoof2021_DF_eval_part0N/ASVspoof2021_DF_eval/flac
                                                        is accepted too)
      keys/LA/CM/trial_metadata.txt                   (LA-keys-full.tar.gz; also LA-keys-full/keys/...)
      keys/DF/CM/trial_metadata.txt                   (DF-keys-full.tar.gz)
      LA/ASVspoof2019_LA_cm_protocols/...             (ASVspoof 2019 LA, for train/val)

``trial_metadata.txt`` lines (space-separated), from the organisers' description:

* LA, 8 fields: ``SPEAKER TRIAL CODEC TRANSMISSION ATTACK KEY TRIM SUBSET``, e.g.
  ``LA_0009 LA_E_9332881 alaw ita_tx A07 spoof notrim eval``; codec none/alaw/pstn/
  g722/ulaw/gsm/opus (LA-C1..C7), transmission ita_tx/sin_tx/loc_tx/mad_tx.
* DF, 13 fields: ``SPEAKER TRIAL CODEC SOURCE ATTACK KEY TRIM SUBSET VOCODER`` and four
  VCC fields (task, team and two further labels, ``- - - -`` for ASVspoof trials), e.g.
  ``LA_0023 DF_E_2000011 nocodec asvspoof A14 spoof notrim progress traditional_vocoder - - - -``;
  codec nocodec/low_mp3/high_mp3/low_m4a/high_m4a/low_ogg/high_ogg/mp3m4a/oggm4a
  (DF-C1..C9), source asvspoof/vcc2018/vcc2020, vocoder bonafide/traditional_vocoder/
  neural_vocoder_autoregressive/neural_vocoder_nonautoregressive/waveform_concatenation/unknown.

SUBSET is ``eval``, ``progress`` or ``hidden``. Attributes per clip: ``codec``,
``transmission`` (LA), ``source_corpus`` and ``vocoder`` (DF), ``subset``, ``trim``,
``vcc_task``/``vcc_team`` (DF, VCC trials); the attack is ``Clip.system``.

Protocol: ``official``. Parameter ``subset`` selects the eval trials: ``eval`` (the
default, what the organisers' package scores), ``progress``, ``hidden``, a comma list,
or ``all``. The 611k-line DF metadata is parsed once and cached (see
:mod:`fakebench.dataset_index`); file existence is checked with one directory listing.

Keys archive checksums: the organisers replaced ``LA-keys-full.tar.gz`` on 2023-04-13
(to drop an unneeded ``trial_list.txt``); its md5 is now
``f052cc2ed276745afa3b5198665d3b26``. An archive of the first release,
``037592a0515971bbd0fa3bff2bad4abc``, is still accepted (the update only removed that
file). DF:
``dabbc5628de4fcef53036c99ac7ab93a``. Source: ``eval-package/README.md`` and
``download.sh`` of github.com/asvspoof-challenge/2021.

t-DCF (LA only; the organisers define none for DF): ``asv_scores("eval")`` reads the
organisers' ASV protocol and scores from the LA keys archive, as their evaluation
package does (``eval-package/config.py``, ``ConfigLA``; ``main.py``; and the stage-1
``LA/evaluate.py``)::

    keys/LA/ASV/trial_metadata.txt            8 fields: SPEAKER TRIAL CODEC TRANSMISSION ATTACK KEY TRIM SUBSET
                                              KEY is target, nontarget or spoof
    keys/LA/ASV/ASVTorch_Kaldi/score.txt      3 fields: ASV_SPEAKER TRIAL SCORE (ASVtorch/Kaldi scores)

(the README of the package spells the folder ``ASVtorch_kaldi``; both spellings are
found). The package reads both files without an index column and pairs them line by
line (pandas concatenation on the row number), keeps the trials whose SUBSET equals the
scored subset (``subset == "eval"`` for the ranking figure), and takes the pooled
target / nontarget / spoof scores from KEY. fakebench does the same: line *i* of
``score.txt`` is the score of line *i* of ``trial_metadata.txt`` (the two files must have
the same number of lines, as the package checks; fakebench also checks that each pair
names the same TRIAL), and the subset is the dataset's ``subset`` parameter (``eval`` by
default). For several subsets (``subset=all`` or a comma list) the organisers define no
single t-DCF, so ``asv_scores`` returns None. ``asv_scores("val")`` gives the ASVspoof
2019 LA dev ASV scores (the ``val`` split is 2019 LA dev).
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np

from fakebench.api import Dataset, DatasetError, FakebenchError, hookimpl
from fakebench.api import ClipList, Layout, PathColumn, Table, build_table, cached_table, iter_lines, keep_present, list_names

from fakebench.api import download, extract_archive, fetch_zenodo, file_digest, is_done, mark_done
from fakebench.api import Bool

from fakebench.api import FilePath, Names
from ._common import existing_root
from ._params import dataset_specs
from ._asvspoof2019 import Asvspoof19LA, parse_key

log = logging.getLogger("fakebench")

LOADER_VERSION = "1"
SUBSETS = ("eval", "progress", "hidden")
LA_FIELDS = ("speaker", "id", "codec", "transmission", "attack", "key", "trim", "subset")
DF_FIELDS = ("speaker", "id", "codec", "source_corpus", "attack", "key", "trim", "subset", "vocoder",
             "vcc_task", "vcc_team", "vcc_extra1", "vcc_extra2")
ASV_META_FIELDS = ("speaker", "trial", "codec", "transmission", "attack", "key", "trim", "subset")
ASV_SCORE_FIELDS = ("asv_speaker", "trial", "score")
ASV_KEYS = ("target", "nontarget", "spoof")
#: The ASV score folder: as in the organisers' config.py, then as spelled in their README.
ASV_SCORE_DIRS = ("ASVTorch_Kaldi", "ASVtorch_kaldi")
#: Accepted md5 of the key archives, from the organisers' eval-package README and
#: download.sh: the current one first. LA was re-packed on 2023-04-13 (f052...); an
#: archive of the first release (0375...) is still accepted.
KEYS_MD5 = {"LA": ("f052cc2ed276745afa3b5198665d3b26", "037592a0515971bbd0fa3bff2bad4abc"),
            "DF": ("dabbc5628de4fcef53036c99ac7ab93a",)}
KEYS_URL = "https://www.asvspoof.org/asvspoof2021/{track}-keys-full.tar.gz"
ZENODO_RECORDS = {"LA": 4837263, "DF": 4835108}
AUDIO_ARCHIVES = {"LA": ["ASVspoof2021_LA_eval.tar.gz"],
                  "DF": [f"ASVspoof2021_DF_eval_part0{i}.tar.gz" for i in range(4)]}


def _check_subset(subset: str, fid: str) -> None:
    if subset not in SUBSETS:
        raise ValueError(f"unknown subset {subset!r} for trial {fid!r} (expected eval, progress or hidden)")


def parse_la_line(fields: list[str]) -> tuple[str, ...]:
    """One LA ``trial_metadata.txt`` line -> the 8 fields of :data:`LA_FIELDS`."""
    if len(fields) != 8:
        raise ValueError(f"expected 8 space-separated fields (SPEAKER TRIAL CODEC TRANSMISSION ATTACK KEY TRIM "
                         f"SUBSET), got {len(fields)}: {' '.join(fields)!r}")
    parse_key(fields[5])
    _check_subset(fields[7], fields[1])
    return tuple(fields)


def parse_df_line(fields: list[str]) -> tuple[str, ...]:
    """One DF ``trial_metadata.txt`` line (13 fields, or 9 without the VCC columns) -> 13 fields."""
    if len(fields) not in (9, 13):
        raise ValueError(f"expected 13 space-separated fields (SPEAKER TRIAL CODEC SOURCE ATTACK KEY TRIM SUBSET "
                         f"VOCODER and 4 VCC fields), got {len(fields)}: {' '.join(fields)!r}")
    parse_key(fields[5])
    _check_subset(fields[7], fields[1])
    return tuple(fields) + ("-",) * (13 - len(fields))


def _check_key(value: str) -> None:
    parse_key(value)


def _check_subset_value(value: str) -> None:
    _check_subset(value, "")


#: The trial_metadata.txt lines as :func:`parse_la_line` / :func:`parse_df_line` accept
#: them, for the vectorised reader (the parse functions stay the reference).
LA_LAYOUT = Layout(widths=(8,), checks={"key": _check_key, "subset": _check_subset_value})
DF_LAYOUT = Layout(widths=(9, 13), pad="-", checks={"key": _check_key, "subset": _check_subset_value})


def parse_asv_meta_line(fields: list[str]) -> tuple[str, ...]:
    """One LA ``ASV/trial_metadata.txt`` line -> the 8 fields of :data:`ASV_META_FIELDS`."""
    if len(fields) != 8:
        raise ValueError(f"expected 8 space-separated fields (SPEAKER TRIAL CODEC TRANSMISSION ATTACK KEY TRIM "
                         f"SUBSET), got {len(fields)}: {' '.join(fields)!r}")
    if fields[5] not in ASV_KEYS:
        raise ValueError(f"unknown ASV key {fields[5]!r} (expected target, nontarget or spoof)")
    _check_subset(fields[7], fields[1])
    return tuple(fields)


def parse_asv_score_line(fields: list[str]) -> tuple[str, str, str]:
    """One LA ``ASV/ASVTorch_Kaldi/score.txt`` line -> (ASV speaker, trial, score as text)."""
    if len(fields) != 3:
        raise ValueError(f"expected 3 space-separated fields (ASV_SPEAKER TRIAL SCORE), got {len(fields)}: "
                         f"{' '.join(fields)!r}")
    try:
        value = float(fields[2])
    except ValueError:
        raise ValueError(f"score {fields[2]!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"score {fields[2]!r} is not finite")
    return fields[0], fields[1], fields[2]


def fetch_keys(track: str, target: Path, progress: bool = False) -> Path:
    """Download ``<track>-keys-full.tar.gz`` into ``target/.downloads``, check its md5
    against :data:`KEYS_MD5` (any accepted value) and unpack it into ``target`` once."""
    target = Path(target)
    name = f"{track}-keys-full.tar.gz"
    step = "extract-" + name
    if is_done(target, step):
        return target
    url = KEYS_URL.format(track=track)
    archive = download(url, target / ".downloads" / name, progress=progress)
    got = file_digest(archive, "md5")
    accepted = KEYS_MD5[track]
    if got not in accepted:
        archive.unlink()
        raise FakebenchError(f"checksum mismatch for {url}: md5 {got}, expected {' or '.join(accepted)}",
                             hint="the download was corrupted or the file changed upstream; run the command again")
    log.info("extracting %s into %s", name, target)
    extract_archive(archive, target)
    mark_done(target, step)
    return target


class _Asvspoof2021(Dataset):
    track = "LA"
    fields = LA_FIELDS
    url = "https://www.asvspoof.org/index2021.html"
    citation = ("Liu et al., ASVspoof 2021: Towards spoofed and deepfake speech detection in the wild, "
                "IEEE/ACM TASLP 2023")
    protocols = ("official",)
    param_specs = dataset_specs(
        protocols, subset=Names(nullable=False, required=True), asvspoof19_root=FilePath(), check_files=Bool(), cache=Bool())
    #: Used only for testing, the 2021 set is scored on its eval split (train/val are 2019 LA).
    test_split = "eval"

    def __init__(self, root=None, protocol=None, seed=0, allow_missing=False, subset="eval", asvspoof19_root=None,
                 check_files=True, cache=True):
        super().__init__(root, protocol, seed, allow_missing)
        self.subset = subset
        self.asvspoof19_root = asvspoof19_root
        self.check_files = check_files
        self.cache = cache

    def instructions(self) -> str:
        t = self.track
        return (f"run `fakebench download {self.name} --data-root DIR` (the 2021 {t} eval audio from "
                f"https://zenodo.org/records/{ZENODO_RECORDS[t]}, {t}-keys-full.tar.gz from {KEYS_URL.format(track=t)}, "
                f"and ASVspoof 2019 LA for training), unpack them in DIR, then pass --data-root DIR")

    # -- paths ----------------------------------------------------------------------------

    def base(self) -> Path:
        return existing_root(self)

    def keys_dir(self) -> Path | None:
        """``keys/<track>`` of the unpacked keys archive (also under ``<track>-keys-full/``)."""
        base, t = self.base(), self.track
        for cand in (base / "keys" / t, base / f"{t}-keys-full" / "keys" / t):
            if (cand / "CM" / "trial_metadata.txt").is_file():
                return cand
        return None

    def metadata_file(self) -> Path:
        keys = self.keys_dir()
        if keys is not None:
            return keys / "CM" / "trial_metadata.txt"
        base, t = self.base(), self.track
        raise DatasetError(f"{self.name}: {str(base / 'keys' / t / 'CM' / 'trial_metadata.txt')!r} is missing",
                           hint=f"download {KEYS_URL.format(track=t)} and unpack it in {base} "
                                f"(or run `fakebench download {self.name}`)")

    def audio_dirs(self) -> list[Path]:
        base, t = self.base(), self.track
        dirs = [base / f"ASVspoof2021_{t}_eval" / "flac"]
        dirs += sorted(base.glob(f"ASVspoof2021_{t}_eval_part*/ASVspoof2021_{t}_eval/flac"))
        return [d for d in dirs if d.is_dir()]

    # -- reading --------------------------------------------------------------------------

    def table(self) -> Table:
        path = self.metadata_file()
        parse, layout = (parse_la_line, LA_LAYOUT) if self.track == "LA" else (parse_df_line, DF_LAYOUT)
        hint = f"see the {self.name} docstring (`fakebench list datasets`) for the trial_metadata.txt line format"

        def build() -> Table:
            rows = iter_lines(path, dataset=self.name, hint=self.instructions())
            return build_table(rows, parse, self.fields, source=path, dataset=self.name, hint=hint, layout=layout,
                               require_rows=True)

        return cached_table(f"{self.name}-trial_metadata", [path], build, version=LOADER_VERSION,
                            use_cache=self.cache)

    def subsets(self) -> set[str]:
        value = str(self.subset).strip()
        if value == "all":
            return set(SUBSETS)
        chosen = {s.strip() for s in value.split(",") if s.strip()}
        bad = chosen - set(SUBSETS)
        if bad or not chosen:
            raise DatasetError(f"{self.name}: unknown subset {sorted(bad) or value!r}",
                               hint="use subset=eval, progress, hidden, a comma list of those, or all")
        return chosen

    def _attrs(self, table: Table, rows: np.ndarray) -> tuple[np.ndarray, list]:
        """The attributes of each trial of ``rows`` as ``(codes, distinct mappings)``; clips
        with equal ones share one read-only mapping (a 611k-trial index has a few hundred
        combinations)."""
        return table.shared_attrs_codes(("codec", "transmission", "subset", "trim"), rows)

    def eval_clips(self) -> ClipList:
        table = self.table()
        wanted = self.subsets()
        rows = np.flatnonzero(table.mask("subset", wanted)).tolist()
        ids = table["id"]
        where = {}
        if self.check_files:
            dirs = self.audio_dirs()
            listing = [(d, list_names(d)) for d in dirs]
            if not any(names for _, names in listing) and not self.allow_missing:
                raise DatasetError(f"{self.name}: no audio in {str(self.base() / f'ASVspoof2021_{self.track}_eval' / 'flac')!r}",
                                   hint=self.instructions())
            single = listing[0] if len(listing) == 1 else None

            def present(_i: int, fid: str) -> bool:
                name = fid + ".flac"
                if single is not None:
                    return name in single[1]
                for d, names in listing:
                    if name in names:
                        where[fid] = d
                        return True
                return False

            sub = Table({"id": [ids[i] for i in rows]}, [table.lines[i] for i in rows], table.source)
            kept, missing = keep_present(sub, sub["id"], present, dataset=self.name, allow_missing=self.allow_missing,
                                         describe=lambda j: f"{sub['id'][j]}.flac (in {', '.join(map(str, dirs)) or 'no audio folder'})")
            self.missing_ = getattr(self, "missing_", 0) + missing
            rows = [rows[j] for j in kept]
            default_dir = dirs[0]
        else:
            default_dir = self.base() / f"ASVspoof2021_{self.track}_eval" / "flac"
        # columns from the index's dictionary codes: no per-clip object until one is asked for
        rows = np.asarray(rows, dtype=np.int64)
        every = len(rows) == len(ids)  # all rows, in order (subset=all, nothing missing)
        clip_ids = ids if every else [ids[i] for i in rows.tolist()]
        if where:
            folders = [default_dir] + sorted({d for d in where.values() if d != default_dir}, key=str)
            code_of = {d: k for k, d in enumerate(folders)}
            folder_codes = np.array([code_of[where.get(fid, default_dir)] for fid in clip_ids], dtype=np.int32)
            paths = PathColumn(folders, clip_ids, folder_codes, suffix=".flac")
        else:
            paths = PathColumn([default_dir], clip_ids, suffix=".flac")
        spoof = table.mask("key", ("spoof",))
        spoof = spoof if every else spoof[rows]
        attack_codes, attack_vocab = table.codes("attack")
        systems = [None] + [a if a not in ("-", "bonafide") else None for a in attack_vocab]
        system_codes = np.where(spoof, (attack_codes if every else attack_codes[rows]).astype(np.int64) + 1, 0)
        speaker_codes, speaker_vocab = table.codes("speaker")
        attrs = self._attrs(table, rows)
        return ClipList(clip_ids, paths, spoof.astype(np.int64), split="eval",
                        system=(system_codes, systems),
                        speaker=(speaker_codes if every else speaker_codes[rows], speaker_vocab), attrs=attrs)

    def load(self):
        self.check_protocol()
        self.missing_ = 0
        evaluation = self.eval_clips()  # first: its errors are the ones about this dataset
        la19 = Asvspoof19LA(root=self.asvspoof19_root if self.asvspoof19_root is not None else self.root,
                            allow_missing=self.allow_missing, check_files=self.check_files, cache=self.cache)
        try:
            train_val = la19.load_splits(("train", "val"))
        except DatasetError as e:
            raise DatasetError(f"{self.name} trains on ASVspoof 2019 LA, which could not be loaded: {e.message}",
                               hint=(e.hint or "") + "; or set asvspoof19_root=DIR (--set asvspoof19_root=DIR)") from None
        self.missing_ += getattr(la19, "missing_", 0)
        return {"train": train_val["train"], "val": train_val["val"], "eval": evaluation}

    # -- fetching -------------------------------------------------------------------------

    def download(self, target: Path, progress: bool = False) -> Path:
        """Fetch the eval audio from Zenodo and the full keys from asvspoof.org (md5-verified).

        ASVspoof 2019 LA (the training data) is fetched by ``fakebench download asvspoof19-la``.
        """
        target, t = Path(target), self.track
        fetch_keys(t, target, progress=progress)
        fetch_zenodo(ZENODO_RECORDS[t], target, AUDIO_ARCHIVES[t], progress=progress)
        if not (target / "LA" / "ASVspoof2019_LA_cm_protocols").is_dir():
            log.warning("%s trains on ASVspoof 2019 LA: run `fakebench download asvspoof19-la --data-root %s`",
                        self.name, target)
        return target


class Asvspoof21LA(_Asvspoof2021):
    name = "asvspoof21-la"
    description = "ASVspoof 2021 LA eval (codecs, transmission channels); trains on ASVspoof 2019 LA"
    license = "ODC-By 1.0"
    track = "LA"
    fields = LA_FIELDS
    attributes = ("speaker", "system", "codec", "transmission", "subset", "trim")

    # -- t-DCF support --------------------------------------------------------------------

    def asv_files(self) -> tuple[Path, Path] | None:
        """``(ASV/trial_metadata.txt, ASV/ASVTorch_Kaldi/score.txt)`` of the LA keys, or None."""
        keys = self.keys_dir()
        if keys is None:
            return None
        meta = keys / "ASV" / "trial_metadata.txt"
        for folder in ASV_SCORE_DIRS:
            scores = keys / "ASV" / folder / "score.txt"
            if meta.is_file() and scores.is_file():
                return meta, scores
        return None

    def asv_scores(self, split: str = "eval") -> dict[str, np.ndarray] | None:
        """The organisers' ASV scores for the t-DCF of ``split``.

        ``eval``: the 2021 LA trials of the dataset's ``subset`` (``eval`` by default),
        selected and paired exactly as the organisers' evaluation package does (see the
        module docstring); ``val``/``dev``: the ASVspoof 2019 LA dev ASV scores. Returns
        ``{"target": ..., "nontarget": ..., "spoof": ...}`` (float64 arrays), or None when
        the files are not on disk or several subsets are selected.
        """
        if split in ("val", "dev"):
            la19 = Asvspoof19LA(root=self.asvspoof19_root if self.asvspoof19_root is not None else self.root,
                                cache=self.cache)
            return la19.asv_scores("val")
        if split != "eval":
            raise DatasetError(f"{self.name}: no ASV scores for split {split!r}", hint="use eval or val (dev)")
        wanted = self.subsets()
        if len(wanted) != 1:
            log.warning("%s: the organisers define the t-DCF per subset; with subset=%s there are no ASV scores "
                        "(t-DCF is not computed)", self.name, self.subset)
            return None
        (subset,) = wanted
        files = self.asv_files()
        if files is None:
            return None
        meta_path, score_path = files

        def build_meta() -> Table:
            rows = iter_lines(meta_path, dataset=self.name)
            return build_table(rows, parse_asv_meta_line, ASV_META_FIELDS, source=meta_path, dataset=self.name,
                               id_field=None, hint="ASV trial_metadata.txt lines read SPEAKER TRIAL CODEC "
                                                   "TRANSMISSION ATTACK KEY TRIM SUBSET, KEY target/nontarget/spoof")

        def build_scores() -> Table:
            rows = iter_lines(score_path, dataset=self.name)
            return build_table(rows, parse_asv_score_line, ASV_SCORE_FIELDS, source=score_path, dataset=self.name,
                               id_field=None, hint="ASV score.txt lines read ASV_SPEAKER TRIAL SCORE")

        meta = cached_table(f"{self.name}-asv-trial_metadata", [meta_path], build_meta, version=LOADER_VERSION,
                            use_cache=self.cache)
        scores = cached_table(f"{self.name}-asv-score", [score_path], build_scores, version=LOADER_VERSION,
                              use_cache=self.cache)
        if len(meta) != len(scores):
            raise DatasetError(f"{self.name}: {score_path} has {len(scores)} scores but {meta_path} lists "
                               f"{len(meta)} ASV trials",
                               hint="the organisers' package pairs the two files line by line; re-extract "
                                    "LA-keys-full.tar.gz")
        trials, scored = meta["trial"], scores["trial"]
        for i, (a, b) in enumerate(zip(trials, scored)):
            if a != b:
                raise DatasetError(f"{self.name}: {score_path}:{scores.lines[i]} scores trial {b!r} but "
                                   f"{meta_path}:{meta.lines[i]} (the same position) is trial {a!r}",
                                   hint="the two files are paired line by line; re-extract LA-keys-full.tar.gz")
        keep = np.array([s == subset for s in meta["subset"]], dtype=bool)
        keys = np.array(meta["key"])[keep]
        values = np.array(scores["score"], dtype=np.float64)[keep]
        return {k: values[keys == k] for k in ASV_KEYS}


class Asvspoof21DF(_Asvspoof2021):
    name = "asvspoof21-df"
    description = "ASVspoof 2021 DF eval (611k trials, media codecs, VCC sources); trains on ASVspoof 2019 LA"
    license = "ODC-By 1.0 / ODbL (per source corpus, see the release README)"
    track = "DF"
    fields = DF_FIELDS
    attributes = ("speaker", "system", "codec", "source_corpus", "vocoder", "subset", "trim", "vcc_task", "vcc_team")

    def _attrs(self, table: Table, rows: np.ndarray) -> tuple[np.ndarray, list]:
        def vcc_only_when_given(attrs: dict) -> dict:
            if attrs["vcc_task"] == "-":
                del attrs["vcc_task"], attrs["vcc_team"]
            return attrs

        return table.shared_attrs_codes(("codec", "source_corpus", "vocoder", "subset", "trim", "vcc_task",
                                         "vcc_team"), rows, transform=vcc_only_when_given)


@hookimpl
def fakebench_register_datasets():
    return [Asvspoof21LA, Asvspoof21DF]
