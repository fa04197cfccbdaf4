"""Finding audio files and folders in a corpus folder.

Which files are audio: every file whose extension belongs to a format the decoder
(libsndfile, through soundfile) reads, from ``soundfile.available_formats()``:
WAV/WAVEX/RF64/W64, FLAC, Ogg (Vorbis, Opus), MP3, AIFF, AU, CAF, IFF/SVX, VOC, PAF,
PVF, SD2, SDS, IRCAM, NIST Sphere, XI, AVR and WVE. Three libsndfile formats are left
out on purpose because their extensions are shared with non-audio data: MAT4/MAT5
(``.mat``, any Matlab array), HTK (``.htk``, usually feature files) and RAW (headerless,
undecodable without being told the encoding). Any other file is *skipped*, and the
walk says which (:func:`audio_files` with ``skipped=``), so a folder of ``.m4a`` files
is never silently read as empty.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

#: libsndfile format name -> the extensions its files carry.
FORMAT_SUFFIXES = {
    "WAV": (".wav", ".wave"), "WAVEX": (".wav",), "RF64": (".rf64",), "W64": (".w64",), "FLAC": (".flac",),
    "OGG": (".ogg", ".oga", ".opus"), "MP3": (".mp3",), "AIFF": (".aiff", ".aif", ".aifc"), "AU": (".au", ".snd"),
    "CAF": (".caf",), "SVX": (".iff", ".svx", ".8svx"), "VOC": (".voc",), "PAF": (".paf",), "PVF": (".pvf",),
    "SD2": (".sd2",), "SDS": (".sds",), "IRCAM": (".sf", ".ircam"), "NIST": (".sph", ".nist"), "XI": (".xi",),
    "AVR": (".avr",), "WVE": (".wve",),
}

#: Suffixes the ``folder`` walk picks up when soundfile is at hand (every format above);
#: :func:`audio_suffixes` narrows it to the formats this libsndfile reads.
AUDIO_SUFFIXES = tuple(dict.fromkeys(s for suffixes in FORMAT_SUFFIXES.values() for s in suffixes))


@lru_cache(maxsize=1)
def audio_suffixes() -> tuple[str, ...]:
    """The extensions of the formats this soundfile/libsndfile decodes (lower case)."""
    try:
        import soundfile as sf

        formats = set(sf.available_formats())
    except Exception:  # no soundfile: the decoder will say so; keep the usual suspects
        return (".wav", ".flac", ".mp3", ".ogg")
    out = [s for fmt, suffixes in FORMAT_SUFFIXES.items() if fmt in formats for s in suffixes]
    return tuple(dict.fromkeys(out))


def is_audio_name(name: str) -> bool:
    return name.lower().endswith(audio_suffixes())


def audio_files(folder: Path, skipped: list[Path] | None = None) -> list[Path]:
    """Audio files (see the module docstring) under ``folder`` at any depth, sorted;
    hidden entries skipped. Visible files that are not audio are appended to
    ``skipped`` when it is given."""
    out = []
    suffixes = audio_suffixes()
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            if name.lower().endswith(suffixes):
                out.append(Path(dirpath) / name)
            elif skipped is not None:
                skipped.append(Path(dirpath) / name)
    return out


def subdirs(folder: Path) -> list[str]:
    """Names of the visible sub-folders of ``folder``, sorted."""
    try:
        return sorted(e.name for e in os.scandir(folder) if e.is_dir() and not e.name.startswith("."))
    except FileNotFoundError:
        return []
