"""Helpers shared by the corpus loaders: verified downloads, Zenodo records, splits, file walks.

Private (the leading ``_``): not a plugin module, nothing here is registered.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
import urllib.error
import urllib.request
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from fakebench.data import SPLITS, Clip
from fakebench.errors import DatasetError, FakebenchError
from fakebench.fetch import download, extract_archive, is_done, mark_done

log = logging.getLogger("fakebench")

#: Zenodo's host; tests point it at a local server.
ZENODO = "https://zenodo.org"

AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg")


# -- downloads --------------------------------------------------------------------------------


def md5_file(path: str | Path) -> str:
    h = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fetch_file(url: str, dest: Path, *, md5: str | None = None, sha256: str | None = None,
               progress: bool = False) -> Path:
    """Download ``url`` to ``dest`` (resumable, via :func:`fakebench.fetch.download`) and verify it.

    ``sha256`` is checked by the download itself; ``md5`` (what Zenodo and the ASVspoof
    organisers publish) is checked here, and a file that fails is deleted. A ``.verified``
    marker next to the file skips re-hashing multi-gigabyte archives on the next run.
    """
    marker = dest.with_name(dest.name + ".verified")
    if dest.is_file() and marker.is_file():
        return dest
    download(url, dest, sha256, progress=progress)
    if md5 is not None:
        got = md5_file(dest)
        if got != md5.lower():
            dest.unlink()
            raise FakebenchError(f"checksum mismatch for {url}: expected md5 {md5}, got {got}",
                                 hint="the download was corrupted or the file changed upstream; run the command again")
    marker.write_text((md5 or sha256 or "unverified") + "\n")
    return dest


def fetch_and_extract(url: str, target: Path, filename: str, *, md5: str | None = None,
                      sha256: str | None = None, progress: bool = False) -> Path:
    """Download an archive into ``target/.downloads`` and unpack it into ``target`` once."""
    step = "extract-" + filename.replace("/", "_")
    if is_done(target, step):
        return target
    archive = fetch_file(url, target / ".downloads" / filename, md5=md5, sha256=sha256, progress=progress)
    log.info("extracting %s into %s", archive.name, target)
    extract_archive(archive, target)
    mark_done(target, step)
    return target


def zenodo_files(record: int | str, timeout: float = 60.0) -> dict[str, str | None]:
    """``{file name: md5}`` of a public Zenodo record, from its API (``/api/records/ID``)."""
    url = f"{ZENODO}/api/records/{record}"
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers={"User-Agent": "fakebench"}),
                                    timeout=timeout) as resp:
            data = json.loads(resp.read().decode())
    except (urllib.error.URLError, OSError, ValueError) as e:
        raise FakebenchError(f"cannot read Zenodo record {record} ({url}): {getattr(e, 'reason', e)}",
                             hint="check your connection; the files can also be fetched by hand from "
                                  f"https://zenodo.org/records/{record}") from None
    out: dict[str, str | None] = {}
    for f in data.get("files", []):
        name = f.get("key") or f.get("filename")
        checksum = f.get("checksum") or ""
        out[name] = checksum.split(":", 1)[1] if checksum.startswith("md5:") else None
    if not out:
        raise FakebenchError(f"Zenodo record {record} lists no files ({url})")
    return out


def fetch_zenodo(record: int | str, target: Path, names: Iterable[str] | None = None, *,
                 progress: bool = False) -> Path:
    """Download files of a Zenodo record (all, or ``names``), md5-verified, and unpack archives."""
    files = zenodo_files(record)
    wanted = list(names) if names is not None else sorted(files)
    unknown = [n for n in wanted if n not in files]
    if unknown:
        raise FakebenchError(f"Zenodo record {record} has no file(s) {unknown}",
                             hint=f"files there: {', '.join(sorted(files))}")
    for name in wanted:
        url = f"{ZENODO}/records/{record}/files/{name}?download=1"
        if name.endswith((".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2")):
            fetch_and_extract(url, target, name, md5=files[name], progress=progress)
        else:
            fetch_file(url, target / name, md5=files[name], progress=progress)
    return target


# -- splits -------------------------------------------------------------------------------------


def group_split(clips: Sequence[Clip], group: Callable[[Clip], Any], *, seed: int = 0,
                fractions: Sequence[float] = (0.7, 0.1, 0.2)) -> dict[str, list[Clip]]:
    """Split so that each group (e.g. a speaker) falls in exactly one split.

    Groups are shuffled with ``seed`` and dealt to train until it holds ``fractions[0]``
    of the clips, then to val until train+val hold ``fractions[0] + fractions[1]``, then
    to eval. Each split gets at least one group.
    """
    groups: dict[Any, list[Clip]] = defaultdict(list)
    for c in sorted(clips, key=lambda c: c.id):
        groups[group(c)].append(c)
    if len(groups) < 3:
        raise DatasetError(f"a group-disjoint split needs at least 3 groups, found {len(groups)}",
                           hint="use the random protocol")
    keys = sorted(groups, key=repr)
    random.Random(seed).shuffle(keys)
    total = len(clips)
    assigned: dict[str, list[Any]] = {s: [] for s in SPLITS}
    done = 0
    for key in keys:
        if done < fractions[0] * total:
            split = "train"
        elif done < (fractions[0] + fractions[1]) * total:
            split = "val"
        else:
            split = "eval"
        assigned[split].append(key)
        done += len(groups[key])
    for split in ("eval", "val"):  # a split left empty takes the last group of the largest one
        if not assigned[split]:
            donor = max(SPLITS, key=lambda s: len(assigned[s]))
            assigned[split].append(assigned[donor].pop())
    return {s: [with_split(c, s) for key in assigned[s] for c in groups[key]] for s in SPLITS}


def with_split(c: Clip, split: str) -> Clip:
    """``c`` with its ``split`` set (a copy; clips are shared between protocols)."""
    if c.split == split:
        return c
    return Clip(c.id, c.path, c.label, split, c.cls, c.system, c.speaker, c.transcript, c.duration,
                dict(c.attrs))


# -- files ---------------------------------------------------------------------------------------


def audio_files(folder: Path) -> list[Path]:
    """Audio files (WAV/FLAC/MP3/OGG) under ``folder`` at any depth, sorted; hidden entries skipped."""
    out = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith(".") and name.lower().endswith(AUDIO_SUFFIXES):
                out.append(Path(dirpath) / name)
    return out


def subdirs(folder: Path) -> list[str]:
    """Names of the visible sub-folders of ``folder``, sorted."""
    try:
        return sorted(e.name for e in os.scandir(folder) if e.is_dir() and not e.name.startswith("."))
    except FileNotFoundError:
        return []
