"""``folder``: your own audio sorted into ``real/`` and ``fake/`` folders.

Source: your own files. License: yours. Citation: none.

Layout on disk (``--data-root`` points at the top folder)::

    DIR/
      real/ ... any depth ... audio files (WAV, FLAC, MP3, Ogg/Opus, AIFF, CAF, W64...)
      fake/ ... any depth ...            fake/<system>/... names the generator

or, with your own split::

    DIR/
      train/real/...  train/fake/...
      val/real/...    val/fake/...       (``dev`` and ``validation`` work too)
      eval/real/...   eval/fake/...      (``test`` works too)

Label folders may also be named ``bonafide``/``bona-fide``/``genuine`` and
``spoof``/``generated``/``synthetic``. A file directly in ``fake/<name>/...`` gets
``system = <name>``; files directly in ``fake/`` have no system. The clip id is its
path relative to DIR. Hidden files and folders are skipped; any other top-level folder
is an error (so that a typo does not silently drop data).

Audio is every format the decoder reads (``fakebench.data.files``: each libsndfile
format's extensions). Other visible files (``notes.txt``, ``cover.jpg``, an ``.m4a``
libsndfile cannot decode) and files lying beside the label folders are skipped,
counted and named in a warning (``fakebench info folder`` and the run log show it);
the count is ``skipped_`` after :meth:`Folder.load`.

Protocols: ``auto`` (``given`` when split folders exist, else ``random``), ``given``,
``random`` (seeded 70/10/20, stratified by label) and ``unseen-systems`` (whole fake
sub-folders held out of train and val; ``held_out=`` to choose them).
"""

from __future__ import annotations

import logging
from pathlib import Path

from fakebench.api import Clip, Dataset, DatasetError, hookimpl
from fakebench.api import parse_label
from fakebench.api import data_root as default_data_root
from fakebench.api import SPLIT_NAMES

from fakebench.api import apply_protocol, audio_files, subdirs

from fakebench.api import Names
from ._params import dataset_specs

log = logging.getLogger("fakebench")


def _label_of(name: str) -> int | None:
    try:
        label = parse_label(name)
    except DatasetError:
        return None
    return None if name.strip() in ("0", "1") else label


class Folder(Dataset):
    name = "folder"
    description = "your own audio in real/ and fake/ folders (optionally under train/ val/ eval/)"
    protocols = ("auto", "given", "random", "unseen-systems")
    param_specs = dataset_specs(protocols, held_out=Names(required=True))
    attributes = ("system",)

    def __init__(self, root=None, protocol=None, seed=0, allow_missing=False, held_out=None):
        super().__init__(root, protocol, seed, allow_missing)
        self.held_out = held_out

    def instructions(self) -> str:
        return "pass --data-root DIR, where DIR holds real/ and fake/ folders of audio (WAV, FLAC, MP3, Ogg, AIFF...)"

    def top(self) -> Path:
        root = Path(self.root).expanduser() if self.root is not None else default_data_root()
        if not root.is_dir():
            raise DatasetError(f"data root {str(root)!r} for dataset 'folder' does not exist",
                               hint=self.instructions())
        return root

    def _labelled(self, folder: Path, base: Path, split: str, skipped: list[Path]) -> list[Clip]:
        out = []
        found = False
        skipped.extend(p for p in sorted(folder.iterdir()) if not p.name.startswith(".") and not p.is_dir())
        for name in subdirs(folder):
            label = _label_of(name)
            if label is None:
                what = "label" if split else "label or split"
                raise DatasetError(
                    f"folder: {str(folder / name)!r} is not a {what} folder",
                    hint="use real/ and fake/ (or bonafide/, spoof/)" + ("" if split else
                         ", optionally under train/ val/ eval/") + "; move other folders elsewhere")
            found = True
            for path in audio_files(folder / name, skipped):
                rel = path.relative_to(folder / name)
                system = rel.parts[0] if label == 1 and len(rel.parts) > 1 else None
                out.append(Clip(id=path.relative_to(base).as_posix(), path=path, label=label, split=split,
                                system=system))
        if not found:
            raise DatasetError(f"folder: no real/ or fake/ folder in {str(folder)!r}", hint=self.instructions())
        return out

    def clips(self) -> list[Clip]:
        top = self.top()
        names = subdirs(top)
        splits = [n for n in names if n.lower() in SPLIT_NAMES]
        skipped: list[Path] = []
        if splits:
            others = [n for n in names if n not in splits]
            if others:
                raise DatasetError(f"folder: {str(top / others[0])!r} sits beside split folders {splits}",
                                   hint="with split folders, every top-level folder must be train/, val/ or eval/")
            skipped.extend(p for p in sorted(top.iterdir()) if not p.name.startswith(".") and not p.is_dir())
            clips = [c for s in splits for c in self._labelled(top / s, top, SPLIT_NAMES[s.lower()], skipped)]
        else:
            clips = self._labelled(top, top, "", skipped)
        self.skipped_ = len(skipped)
        if skipped:
            names = ", ".join(p.relative_to(top).as_posix() for p in skipped[:5])
            more = f" and {len(skipped) - 5} more" if len(skipped) > 5 else ""
            log.warning("folder: skipped %d file(s) under %s that are not audio in a real/ or fake/ folder: %s%s",
                        len(skipped), top, names, more)
        if not clips:
            raise DatasetError(f"folder: no audio files under {str(top)!r}"
                               + (f" ({len(skipped)} other file(s), e.g. {skipped[0].name!r})" if skipped else ""),
                               hint=self.instructions())
        return clips

    def load(self):
        self.check_protocol()
        return apply_protocol(self.clips(), self.protocol_name, self.seed, self.name, self.held_out)


@hookimpl
def fakebench_register_datasets():
    return [Folder]
