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
"""

from __future__ import annotations

import logging
from pathlib import Path

from fakebench.api import Clip, Dataset, DatasetError, hookimpl
from fakebench.api import Table, build_table, cached_table, child_paths, iter_lines, keep_present, list_names

from fakebench.api import fetch_and_extract, fetch_zenodo
from .asvspoof19 import Asvspoof19LA, parse_key

log = logging.getLogger("fakebench")

LOADER_VERSION = "1"
SUBSETS = ("eval", "progress", "hidden")
LA_FIELDS = ("speaker", "id", "codec", "transmission", "attack", "key", "trim", "subset")
DF_FIELDS = ("speaker", "id", "codec", "source_corpus", "attack", "key", "trim", "subset", "vocoder",
             "vcc_task", "vcc_team", "vcc_extra1", "vcc_extra2")
#: md5 of the key archives, from the organisers' eval-package README.
KEYS_MD5 = {"LA": "037592a0515971bbd0fa3bff2bad4abc", "DF": "dabbc5628de4fcef53036c99ac7ab93a"}
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


class _Asvspoof2021(Dataset):
    track = "LA"
    fields = LA_FIELDS
    url = "https://www.asvspoof.org/index2021.html"
    citation = ("Liu et al., ASVspoof 2021: Towards spoofed and deepfake speech detection in the wild, "
                "IEEE/ACM TASLP 2023")
    protocols = ("official",)

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
        root = Path(self.root).expanduser() if self.root is not None else None
        if root is None:
            from fakebench.api import data_root as default_data_root

            root = default_data_root()
        if not root.exists():
            raise DatasetError(f"data root {str(root)!r} for dataset {self.name!r} does not exist",
                               hint="pass --data-root DIR (or set FAKEBENCH_DATA); " + self.instructions())
        return root

    def metadata_file(self) -> Path:
        base, t = self.base(), self.track
        for cand in (base / "keys" / t / "CM" / "trial_metadata.txt",
                     base / f"{t}-keys-full" / "keys" / t / "CM" / "trial_metadata.txt"):
            if cand.is_file():
                return cand
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
        parse = parse_la_line if self.track == "LA" else parse_df_line
        hint = f"see the {self.name} docstring (`fakebench list datasets`) for the trial_metadata.txt line format"

        def build() -> Table:
            rows = iter_lines(path, dataset=self.name, hint=self.instructions())
            return build_table(rows, parse, self.fields, source=path, dataset=self.name, hint=hint)

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

    def _attr_rows(self, table: Table):
        """A function of the row index giving that trial's attributes."""
        codec, tx, subset, trim = table["codec"], table["transmission"], table["subset"], table["trim"]
        return lambda i: {"codec": codec[i], "transmission": tx[i], "subset": subset[i], "trim": trim[i]}

    def eval_clips(self) -> list[Clip]:
        table = self.table()
        wanted = self.subsets()
        subset = table["subset"]
        rows = [i for i in range(len(table)) if subset[i] in wanted]
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
        speakers, attacks, keys = table["speaker"], table["attack"], table["key"]
        by_dir: dict[Path, list[int]] = {}
        for i in rows:
            by_dir.setdefault(where.get(ids[i], default_dir), []).append(i)
        paths: dict[int, Path] = {}
        for folder, idx in by_dir.items():
            paths.update(zip(idx, child_paths(folder, [ids[i] + ".flac" for i in idx])))
        attrs = self._attr_rows(table)
        out = []
        for i in rows:
            spoof = keys[i] == "spoof"
            attack = attacks[i]
            out.append(Clip(ids[i], paths[i], 1 if spoof else 0, "eval", None,
                            attack if spoof and attack not in ("-", "bonafide") else None, speakers[i],
                            attrs=attrs(i)))
        return out

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
        fetch_and_extract(KEYS_URL.format(track=t), target, f"{t}-keys-full.tar.gz", md5=KEYS_MD5[t],
                          progress=progress)
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


class Asvspoof21DF(_Asvspoof2021):
    name = "asvspoof21-df"
    description = "ASVspoof 2021 DF eval (611k trials, media codecs, VCC sources); trains on ASVspoof 2019 LA"
    license = "ODC-By 1.0 / ODbL (per source corpus, see the release README)"
    track = "DF"
    fields = DF_FIELDS
    attributes = ("speaker", "system", "codec", "source_corpus", "vocoder", "subset", "trim", "vcc_task", "vcc_team")

    def _attr_rows(self, table: Table):
        codec, source, vocoder = table["codec"], table["source_corpus"], table["vocoder"]
        subset, trim, task, team = table["subset"], table["trim"], table["vcc_task"], table["vcc_team"]

        def attrs(i: int) -> dict:
            out = {"codec": codec[i], "source_corpus": source[i], "vocoder": vocoder[i], "subset": subset[i],
                   "trim": trim[i]}
            if task[i] != "-":
                out["vcc_task"] = task[i]
                out["vcc_team"] = team[i]
            return out

        return attrs


@hookimpl
def fakebench_register_datasets():
    return [Asvspoof21LA, Asvspoof21DF]
