"""The ASVspoof 2019 corpus reader (private: not a plugin), shared by the ``asvspoof19``
plugins and by ``asvspoof21``, which trains on ASVspoof 2019 LA. The corpus, its layout,
its line formats and license are described in :mod:`fakebench.plugins.datasets.asvspoof19`.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from fakebench.api import (Bool, Clip, ClipList, Dataset, DatasetError, Layout, Table, build_table, cached_table,
                           fetch_and_extract, iter_lines)

from ._common import asvspoof_clips, official_splits
from ._params import dataset_specs

log = logging.getLogger("fakebench")

#: Bump when parsing changes: part of the index cache key.
LOADER_VERSION = "1"
CM_FIELDS = ("speaker", "id", "environment", "attack", "key")
KEYS = {"bonafide": 0, "spoof": 1}
SPLIT_FILES = {"train": ("train", "trn"), "val": ("dev", "trl"), "eval": ("eval", "trl")}
ASV_KEYS = ("target", "nontarget", "spoof")
DATASHARE = "https://datashare.ed.ac.uk/bitstream/handle/10283/3336"

PA_ENVIRONMENT = ("room_size", "t60", "talker_distance")
PA_ATTACK = ("attacker_distance", "device_quality")


def parse_key(word: str) -> int:
    """ASVspoof key word -> label (1 = spoof); anything else is an unknown label."""
    try:
        return KEYS[word]
    except KeyError:
        raise ValueError(f"unknown label {word!r} (an ASVspoof key is 'bonafide' or 'spoof')") from None


def parse_cm_line(fields: list[str]) -> tuple[str, str, str, str, str]:
    """One CM protocol line's fields -> (speaker, id, environment, attack, key)."""
    if len(fields) != 5:
        raise ValueError(f"expected 5 space-separated fields (SPEAKER FILE ENVIRONMENT ATTACK KEY), "
                         f"got {len(fields)}: {' '.join(fields)!r}")
    speaker, fid, env, attack, key = fields
    parse_key(key)
    if key == "spoof" and attack == "-":
        raise ValueError(f"spoof trial {fid!r} names no attack (ATTACK is '-')")
    return speaker, fid, env, attack, key


def _check_spoof_attack(key: str, attack: str) -> None:
    if key == "spoof" and attack == "-":
        raise ValueError("a spoof trial names no attack")


#: CM protocol lines as :func:`parse_cm_line` accepts them, for the vectorised reader.
CM_LAYOUT = Layout(widths=(5,), checks={"key": parse_key, ("key", "attack"): _check_spoof_attack})


def parse_asv_line(fields: list[str]) -> tuple[str, str, str]:
    """One ASV score line -> (source, key, score as text)."""
    if len(fields) != 3:
        raise ValueError(f"expected 3 fields (SOURCE KEY SCORE), got {len(fields)}: {' '.join(fields)!r}")
    source, key, score = fields
    if key not in ASV_KEYS:
        raise ValueError(f"unknown ASV key {key!r} (expected target, nontarget or spoof)")
    try:
        value = float(score)
    except ValueError:
        raise ValueError(f"score {score!r} is not a number") from None
    if not np.isfinite(value):
        raise ValueError(f"score {score!r} is not finite")
    return source, key, score


class _Asvspoof2019(Dataset):
    """Shared by the LA and PA classes; ``track`` is ``LA`` or ``PA``."""

    track = "LA"
    url = "https://datashare.ed.ac.uk/handle/10283/3336"
    license = "ODC-By 1.0"
    citation = ("Wang et al., ASVspoof 2019: a large-scale public database of synthesized, converted and "
                "replayed speech, Computer Speech & Language 2020")
    protocols = ("official",)
    param_specs = dataset_specs(protocols, check_files=Bool(), cache=Bool())
    test_split = "eval"

    def __init__(self, root=None, protocol=None, seed=0, allow_missing=False, check_files=True, cache=True):
        super().__init__(root, protocol, seed, allow_missing)
        self.check_files = check_files
        self.cache = cache

    # -- paths ----------------------------------------------------------------------------

    def instructions(self) -> str:
        t = self.track
        return (f"run `fakebench download {self.name} --data-root DIR`, or download {t}.zip from {self.url} and "
                f"unzip it in DIR (giving DIR/{t}/ASVspoof2019_{t}_cm_protocols/...), then pass --data-root DIR")

    def base(self) -> Path:
        return self.corpus_dir(f"ASVspoof2019_{self.track}_cm_protocols")

    def protocol_file(self, split: str) -> Path:
        part, kind = SPLIT_FILES[split]
        t = self.track
        return self.base() / f"ASVspoof2019_{t}_cm_protocols" / f"ASVspoof2019.{t}.cm.{part}.{kind}.txt"

    def audio_dir(self, split: str) -> Path:
        return self.base() / f"ASVspoof2019_{self.track}_{SPLIT_FILES[split][0]}" / "flac"

    # -- reading --------------------------------------------------------------------------

    def table(self, split: str) -> Table:
        """The parsed (and cached) CM protocol of ``split``."""
        path = self.protocol_file(split)
        hint = (f"lines of {path.name} must read SPEAKER FILE ENVIRONMENT ATTACK KEY, e.g. "
                f"'{self.track}_0079 {self.track}_T_1138215 - - bonafide'; re-extract {self.track}.zip if it is damaged")

        def build() -> Table:
            rows = iter_lines(path, dataset=self.name, hint=self.instructions())
            return build_table(rows, parse_cm_line, CM_FIELDS, source=path, dataset=self.name, hint=hint,
                               layout=CM_LAYOUT, require_rows=True)

        return cached_table(f"{self.name}-{split}", [path], build, version=LOADER_VERSION, use_cache=self.cache)

    def _attrs(self, env: str, attack: str) -> dict:
        return {}

    def split_clips(self, split: str) -> ClipList:
        table = self.table(split)
        return asvspoof_clips(self, table, self.audio_dir(split), split, ("environment", "attack"),
                              lambda d: self._attrs(d["environment"], d["attack"]))

    def load_splits(self, splits=("train", "val", "eval")) -> dict[str, list[Clip]]:
        return official_splits(self, splits)

    def load(self):
        return self.load_splits()

    # -- t-DCF support --------------------------------------------------------------------

    def asv_scores_file(self, split: str = "eval") -> Path:
        part = SPLIT_FILES.get(split, (split,))[0]
        t = self.track
        return self.base() / f"ASVspoof2019_{t}_asv_scores" / f"ASVspoof2019.{t}.asv.{part}.gi.trl.scores.txt"

    def asv_scores(self, split: str = "eval") -> dict[str, np.ndarray] | None:
        """The organisers' ASV scores for ``split`` (``eval`` or ``val``/``dev``), for the t-DCF.

        Returns ``{"target": ..., "nontarget": ..., "spoof": ...}`` (float64 arrays), or
        None when the score file is not on disk.
        """
        if split not in ("eval", "val", "dev"):
            raise DatasetError(f"{self.name}: no ASV scores for split {split!r}", hint="use eval or val (dev)")
        path = self.asv_scores_file("val" if split == "dev" else split)
        if not path.is_file():
            return None
        rows = iter_lines(path, dataset=self.name)
        table = build_table(rows, parse_asv_line, ("source", "key", "score"), source=path, dataset=self.name,
                            id_field=None, hint="ASV score lines read SOURCE KEY SCORE, e.g. 'bonafide target 1.93'")
        keys = np.array(table["key"])
        scores = np.array(table["score"], dtype=np.float64)
        return {k: scores[keys == k] for k in ASV_KEYS}

    # -- fetching -------------------------------------------------------------------------

    def download(self, target: Path, progress: bool = False) -> Path:
        """Fetch ``LA.zip``/``PA.zip`` from Edinburgh DataShare and unpack it (resumable).

        DataShare publishes no checksum for these archives that fakebench could pin; the
        zip's own CRC-32 of every member is checked while unpacking.
        """
        t = self.track
        log.warning("%s: DataShare publishes no checksum for %s.zip; relying on the zip's CRC checks", self.name, t)
        fetch_and_extract(f"{DATASHARE}/{t}.zip", Path(target), f"{t}.zip", progress=progress)
        return Path(target) / t


class Asvspoof19LA(_Asvspoof2019):
    name = "asvspoof19-la"
    description = "ASVspoof 2019 logical access: bona fide vs TTS/VC attacks A01-A19, official CM protocols"
    track = "LA"
    folder = "LA"
    attributes = ("speaker", "system")


class Asvspoof19PA(_Asvspoof2019):
    name = "asvspoof19-pa"
    description = "ASVspoof 2019 physical access: bona fide vs simulated replay, official CM protocols"
    track = "PA"
    folder = "PA"
    attributes = ("speaker", "system", "environment") + PA_ENVIRONMENT + PA_ATTACK

    def _attrs(self, env: str, attack: str) -> dict:
        attrs = {"environment": env}
        if len(env) == 3:
            attrs.update(zip(PA_ENVIRONMENT, env))
        if len(attack) == 2:
            attrs.update(zip(PA_ATTACK, attack))
        return attrs
