"""Finding audio files and folders in a corpus folder."""

from __future__ import annotations

import os
from pathlib import Path

#: Suffixes the ``folder`` walk picks up (soundfile decodes them all).
AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg")


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
