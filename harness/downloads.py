"""Downloads verified by sha256, resumable, and safe archive extraction.

* :func:`download` fetches into ``dest.part`` (resuming with an HTTP Range request when
  a partial file exists), checks the sha256, and only then renames to ``dest``. A file
  that fails the check is deleted and reported; it is never used.
* :func:`extract_archive` unpacks zip and tar archives and refuses any member that
  would land outside the target folder (absolute paths, ``..``, links out).
* :func:`mark_done` / :func:`is_done` keep a completion marker so finished work is
  skipped.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tarfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterable
from pathlib import Path

from .errors import FakebenchError
from .hashing import CHUNK, file_digest

log = logging.getLogger("fakebench")

#: Zenodo's host; tests point it at a local server.
ZENODO = "https://zenodo.org"


def sha256_file(path: str | Path) -> str:
    return file_digest(path, "sha256")


def download(url: str, dest: str | Path, sha256: str | None = None, *, progress: bool = False,
             timeout: float = 60.0) -> Path:
    """Download ``url`` to ``dest`` unless it is already there with the right checksum."""
    dest = Path(dest)
    if dest.exists() and (sha256 is None or sha256_file(dest) == sha256):
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    have = part.stat().st_size if part.exists() else 0
    req = urllib.request.Request(url, headers={"User-Agent": "fakebench"})
    if have:
        req.add_header("Range", f"bytes={have}-")
    try:
        resp = urllib.request.urlopen(req, timeout=timeout)
    except urllib.error.HTTPError as e:
        if e.code == 416 and have:  # the partial file is already complete
            resp = None
        else:
            raise FakebenchError(f"download of {url} failed: HTTP {e.code} {e.reason}",
                                 hint=f"fetch it by hand and put it at {dest}") from None
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        raise FakebenchError(f"cannot download {url}: {reason}",
                             hint=f"check your connection, or fetch it by hand and put it at {dest}") from None
    if resp is not None:
        with resp:
            mode = "ab" if have and resp.status == 206 else "wb"
            total = resp.headers.get("Content-Length")
            from .progress import progress as progress_bar

            with open(part, mode) as f, progress_bar(int(total) if total else None, dest.name, progress, unit="B",
                                                     unit_scale=True) as bar:
                for chunk in iter(lambda: resp.read(CHUNK), b""):
                    f.write(chunk)
                    bar.update(len(chunk))
    if sha256 is not None:
        got = sha256_file(part)
        if got != sha256:
            part.unlink()
            raise FakebenchError(f"checksum mismatch for {url}: expected sha256 {sha256}, got {got}",
                                 hint="the download was corrupted or the file changed upstream; try again")
    os.replace(part, dest)
    return dest


def _safe_target(root: Path, name: str) -> Path:
    target = (root / name).resolve()
    if not (target == root or str(target).startswith(str(root) + os.sep)):
        raise FakebenchError(f"archive member {name!r} would be written outside {root}; refusing to extract",
                             hint="the archive is malformed or malicious")
    return target


def extract_archive(archive: str | Path, target: str | Path) -> Path:
    """Unpack a .zip, .tar, .tar.gz/.tgz or .tar.bz2 into ``target``, safely."""
    archive, root = Path(archive), Path(target).resolve()
    root.mkdir(parents=True, exist_ok=True)
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as z:
            for info in z.infolist():
                dest = _safe_target(root, info.filename)
                if info.is_dir():
                    dest.mkdir(parents=True, exist_ok=True)
                    continue
                dest.parent.mkdir(parents=True, exist_ok=True)
                with z.open(info) as src, open(dest, "wb") as out:
                    shutil.copyfileobj(src, out, CHUNK)
        return root
    if tarfile.is_tarfile(archive):
        with tarfile.open(archive) as t:
            members = t.getmembers()
            for m in members:
                _safe_target(root, m.name)
            try:
                # the "data" filter also refuses links that point outside, device files
                # and absolute link targets
                t.extractall(root, members=members, filter="data")
            except tarfile.FilterError as e:
                raise FakebenchError(f"archive {str(archive)!r} has an unsafe member: {e}; refusing to extract",
                                     hint="the archive is malformed or malicious") from None
        return root
    raise FakebenchError(f"{str(archive)!r} is not a zip or tar archive")


def is_done(folder: str | Path, step: str = "download") -> bool:
    return (Path(folder) / f".{step}.done").exists()


def mark_done(folder: str | Path, step: str = "download") -> None:
    Path(folder).mkdir(parents=True, exist_ok=True)
    (Path(folder) / f".{step}.done").write_text("ok\n")


# -- corpus archives and Zenodo records ----------------------------------------------------


def fetch_file(url: str, dest: Path, *, md5: str | None = None, sha256: str | None = None,
               progress: bool = False) -> Path:
    """Download ``url`` to ``dest`` (resumable, via :func:`download`) and verify it.

    ``sha256`` is checked by the download itself; ``md5`` (what Zenodo and the ASVspoof
    organisers publish) is checked here, and a file that fails is deleted. A ``.verified``
    marker next to the file skips re-hashing multi-gigabyte archives on the next run.
    """
    marker = dest.with_name(dest.name + ".verified")
    if dest.is_file() and marker.is_file():
        return dest
    download(url, dest, sha256, progress=progress)
    if md5 is not None:
        got = file_digest(dest, "md5")
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
