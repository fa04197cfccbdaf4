"""``for-original``, ``for-norm``, ``for-2sec``, ``for-rerecorded``: the Fake-or-Real (FoR) dataset, four versions.

Corpus: more than 198,000 utterances (paper abstract) of real English speech and of
speech from the TTS systems of 2019 (Deep Voice 3, Amazon Polly, Baidu, Google and
Microsoft Azure voices). The authors release four versions (their download page):
``for-original`` (the files as collected, WAV and MP3), ``for-norm`` (the same files
balanced in class and gender and normalised in sample rate, volume and channels),
``for-2sec`` (``for-norm`` truncated at 2 s) and ``for-rerecorded`` (``for-2sec``
played and recorded again, as through a voice channel). Each version is split into
training / validation / testing folders.

Official counts known to fakebench: ``for-norm/testing`` holds 2,264 real and 2,264
fake clips (4,528; the Speech DF Arena protocol ``protocol_files/fake_or_real.csv`` of
github.com/Speech-Arena/speech_df_arena lists exactly these, all from
``for-norm/testing/{real,fake}/``). The other splits' counts are in the paper (not
restated here: fakebench could not read them from a source it can cite).

URL: https://bil.eecs.yorku.ca/datasets/ (APTLY lab, York University); archives
``https://bil.eecs.yorku.ca/share/<archive>``: ``for-original.tar.gz``,
``for-norm.tar.gz``, ``for-2sec.tar.gz``, ``for-rerec.tar.gz``. The ``for-norm`` URL is
the one the Speech DF Arena README links; the other three archive names follow the
same pattern (ASSUMED from third-party download code; fakebench has not fetched them).
No checksum is published.
License: as stated on the download page (research use).
Citation: R. Reimao and V. Tzerpos, "FoR: A Dataset for Synthetic Speech Detection",
International Conference on Speech Technology and Human-Computer Dialogue (SpeD) 2019.

Layout on disk (each archive unpacks to one folder; ``<version>`` is ``for-original``,
``for-norm``, ``for-2seconds`` and ``for-rerecorded``; ``for-2sec`` and ``for-rerec``
are accepted as folder names too, and so is one extra level named after the archive,
e.g. ``for-rerec/for-rerecorded/``)::

    <data root>/<version>/
      training/real/*.wav   training/fake/*.wav
      validation/real/...   validation/fake/...
      testing/real/...      testing/fake/...

(the folder layout is the one the Arena protocol shows for ``for-norm`` and the one
NII's AntiDeepfake ``protocols/FakeOrReal.py`` walks for ``for-original``, where files
are ``.wav`` and ``.mp3``). The label is the folder: ``real`` (0) or ``fake`` (1). The
same file name occurs under ``real/`` and ``fake/`` (``for-norm`` names a clip
``file1044.wav_16k.wav_norm.wav_mono.wav_silence.wav`` in both), so the clip id is
``<split folder>/<label folder>/<file name>``. The files of a folder are listed once
(no recursion); anything that is not audio is ignored. Attribute per clip: ``format``
(the file suffix: ``wav``/``mp3``). FoR has no speaker or system labels per file.

Protocols: ``official`` (default) — training -> train, validation -> val, testing ->
eval; ``eval-only`` — the testing folder only, all in ``eval`` (nothing else is read),
for cross-dataset tests such as ``--train-dataset asvspoof19-la --dataset for-norm``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fakebench.api import AUDIO_SUFFIXES, Clip, Dataset, DatasetError, fetch_and_extract, hookimpl, list_names

from ._common import existing_root
from ._params import dataset_specs

log = logging.getLogger("fakebench")

BASE_URL = "https://bil.eecs.yorku.ca/share"
SPLIT_FOLDERS = (("train", "training"), ("val", "validation"), ("eval", "testing"))
LABEL_FOLDERS = (("real", 0), ("fake", 1))
_EXTRA_SUFFIXES = (".m4a",)


def audio_names(folder: Path) -> list[str]:
    """The audio file names directly in ``folder`` (sorted; hidden files skipped)."""
    suffixes = tuple(AUDIO_SUFFIXES) + _EXTRA_SUFFIXES
    return sorted(n for n in list_names(folder) if not n.startswith(".") and n.lower().endswith(suffixes)
                  and (folder / n).is_file())


class _FakeOrReal(Dataset):
    """One FoR version; subclasses set ``name``, ``folder``, ``aliases`` and ``archive``."""

    url = "https://bil.eecs.yorku.ca/datasets/"
    license = "see https://bil.eecs.yorku.ca/datasets/ (research use)"
    citation = "Reimao and Tzerpos, FoR: A Dataset for Synthetic Speech Detection, SpeD 2019"
    protocols = ("official", "eval-only")
    param_specs = dataset_specs(protocols)
    attributes = ("format",)
    test_split = "eval"
    folder = "for-norm"
    #: other folder names the version is found under
    aliases: tuple[str, ...] = ()
    archive = "for-norm.tar.gz"

    def __init__(self, root=None, protocol=None, seed=0, allow_missing=False):
        super().__init__(root, protocol, seed, allow_missing)

    def instructions(self) -> str:
        return (f"run `fakebench download {self.name} --data-root DIR`, or download {BASE_URL}/{self.archive} "
                f"(from {self.url}) and unpack it in DIR (giving DIR/{self.folder}/testing/real/...), "
                "then pass --data-root DIR")

    def base(self) -> Path:
        """The version folder: the one holding ``training/``, ``validation/``, ``testing/``."""
        root = existing_root(self)
        names = (self.folder,) + self.aliases
        stem = self.archive.split(".")[0]
        candidates = [root / n for n in names] + [root / stem / n for n in names] + [root]
        for cand in candidates:
            if any((cand / part).is_dir() for _, part in SPLIT_FOLDERS):
                return cand
        raise DatasetError(f"{self.name}: {str(root / self.folder / 'testing')!r} is missing",
                           hint=self.instructions())

    def split_clips(self, base: Path, split: str, part: str) -> list[Clip]:
        folder = base / part
        if not folder.is_dir():
            raise DatasetError(f"{self.name}: the {split} folder {str(folder)!r} is missing",
                               hint=self.instructions())
        out: list[Clip] = []
        for label_dir, label in LABEL_FOLDERS:
            sub = folder / label_dir
            if not sub.is_dir():
                raise DatasetError(f"{self.name}: {str(sub)!r} is missing",
                                   hint=f"every split folder of FoR holds real/ and fake/; {self.instructions()}")
            for name in audio_names(sub):
                out.append(Clip(id=f"{part}/{label_dir}/{name}", path=sub / name, label=label, split=split,
                                attrs={"format": name.rsplit(".", 1)[-1].lower()}))
        if not out:
            raise DatasetError(f"{self.name}: no audio files in {str(folder / 'real')!r} or "
                               f"{str(folder / 'fake')!r}", hint=self.instructions())
        return out

    def load(self):
        protocol = self.check_protocol()
        base = self.base()
        if protocol == "eval-only":
            return {"train": [], "val": [], "eval": self.split_clips(base, "eval", "testing")}
        return {split: self.split_clips(base, split, part) for split, part in SPLIT_FOLDERS}

    def download(self, target: Path, progress: bool = False) -> Path:
        """Fetch this version's archive and unpack it (resumable).

        The page publishes no checksum; gzip's CRC is checked while unpacking.
        """
        log.warning("%s: the FoR page publishes no checksum for %s; relying on gzip's CRC", self.name, self.archive)
        fetch_and_extract(f"{BASE_URL}/{self.archive}", Path(target), self.archive, progress=progress)
        return Path(target)


class ForOriginal(_FakeOrReal):
    name = "for-original"
    description = "Fake-or-Real, original version (WAV/MP3 as collected): real vs 2019 TTS speech"
    folder = "for-original"
    archive = "for-original.tar.gz"


class ForNorm(_FakeOrReal):
    name = "for-norm"
    description = "Fake-or-Real, normalised version (16 kHz, balanced): real vs 2019 TTS speech"
    folder = "for-norm"
    archive = "for-norm.tar.gz"


class For2Sec(_FakeOrReal):
    name = "for-2sec"
    description = "Fake-or-Real, for-norm cut to 2 s"
    folder = "for-2seconds"
    aliases = ("for-2sec",)
    archive = "for-2sec.tar.gz"


class ForRerecorded(_FakeOrReal):
    name = "for-rerecorded"
    description = "Fake-or-Real, for-2sec played through a loudspeaker and re-recorded"
    folder = "for-rerecorded"
    aliases = ("for-rerec",)
    archive = "for-rerec.tar.gz"


@hookimpl
def fakebench_register_datasets():
    return [ForOriginal, ForNorm, For2Sec, ForRerecorded]
