"""``sonar``: SONAR — speech from 9 recent TTS platforms and models vs real speech.

Corpus: the SONAR evaluation set, "sourced from 9 diverse audio synthesis platforms"
(paper abstract): OpenAI TTS voices, xTTS, FlashSpeech, VoiceBox, VALL-E, NaturalSpeech
3, PromptTTS 2, AudioGen and Seed-TTS (the last only in the current release), against
real speech (``real_samples/``, LibriTTS-style names
``<reader>_<chapter>_<paragraph>_<sentence>``). The paper was later retitled "Where are
we in audio deepfake detection? A systematic analysis over generative and detection
models".
Counts of the archived release the Speech DF Arena evaluates on (its
``protocol_files/sonar.csv``, github.com/Speech-Arena/speech_df_arena): 2,274 real and
1,674 fake clips — OpenAI_fixed 600, xTTS 600, FlashSpeech 118, VoiceBox 104, AudioGen
100, VALLE 95, NaturalSpeech3 32, PromptTTS2 25 (3,948 in all).

URL: https://github.com/Jessegator/SONAR (the data is a Google Drive folder linked from
its README; the Arena links an older archived copy, with ``OpenAI_fixed/`` in place of
``OpenAI/`` and no ``SeedTTS/``). Download by hand.
License: none stated by the authors (the repository has no license file); check the
terms of each generator's source before redistributing.
Citation: X. Li, P.-Y. Chen and W. Wei, "SONAR: A Synthetic AI-Audio Detection
Framework and Benchmark", arXiv:2410.04324, 2024.

Layout on disk (the Drive folder unpacked)::

    <data root>/SONAR_dataset/            (or --data-root pointing at it)
      real_samples/*.wav                  real (label 0)
      OpenAI/  (or OpenAI_fixed/)  xTTS/  FlashSpeech/  VoiceBox/  VALLE/
      NaturalSpeech3/  PromptTTS2/  AudioGen/  SeedTTS/      one folder per generator (label 1)

These are the folder names the authors' loader reads (``data_utils.py``,
``get_custom_loader``: ``./data/SONAR_dataset/<generator>/`` and
``./data/SONAR_dataset/real_samples/``) and those of the Arena protocol. Every other
folder is read as one more generator (its name is the system); each folder's audio files
(WAV, FLAC, MP3, OGG) are listed once, without recursion. File names repeat across
generator folders (``68.wav`` in AudioGen, FlashSpeech and VoiceBox), so the clip id is
``<folder>/<file stem>``.

Per clip: ``Clip.system`` = the generator folder; ``Clip.speaker`` = the reader id of a
real clip.

Protocols: ``eval-only`` (default) — every clip in ``eval``, the whole benchmark as the
Arena and the paper's cross-dataset tables score it (the authors' own loader instead
subsamples as many real clips as each generator has fakes, with an unseeded
``random.sample``; fakebench keeps every clip); ``random`` — seeded 70/10/20 split
stratified by label and system, for fine-tuning experiments. The real clips' speaker
(the first ``_`` field of the file name) is ``Clip.speaker``.
"""

from __future__ import annotations

from pathlib import Path

from fakebench.api import (AUDIO_SUFFIXES, Clip, Dataset, DatasetError, hookimpl, list_names, random_split, subdirs,
                           with_split)

from ._common import existing_root
from ._params import dataset_specs

REAL_FOLDER = "real_samples"
GENERATORS = ("OpenAI", "OpenAI_fixed", "xTTS", "FlashSpeech", "VoiceBox", "VALLE", "NaturalSpeech3", "PromptTTS2",
              "AudioGen", "SeedTTS")
DRIVE = "https://github.com/Jessegator/SONAR"


def audio_names(folder: Path) -> list[str]:
    return sorted(n for n in list_names(folder) if not n.startswith(".") and n.lower().endswith(AUDIO_SUFFIXES)
                  and (folder / n).is_file())


class Sonar(Dataset):
    name = "sonar"
    description = "SONAR: speech of 9 recent TTS platforms/models (OpenAI, xTTS, VALL-E, VoiceBox...) vs real speech"
    url = DRIVE
    license = "not stated by the authors (no license file in the repository)"
    citation = "Li, Chen and Wei, SONAR: A Synthetic AI-Audio Detection Framework and Benchmark, arXiv:2410.04324"
    folder = "SONAR_dataset"
    protocols = ("eval-only", "random")
    param_specs = dataset_specs(protocols)
    attributes = ("system", "speaker")

    def __init__(self, root=None, protocol=None, seed=0, allow_missing=False):
        super().__init__(root, protocol, seed, allow_missing)

    def instructions(self) -> str:
        return (f"download the SONAR data (the Google Drive folder linked from {DRIVE}) and unpack it in DIR "
                "(giving DIR/SONAR_dataset/real_samples/ and one folder per generator), then pass --data-root DIR")

    def base(self) -> Path:
        root = existing_root(self)
        for cand in (root / self.folder, root):
            if (cand / REAL_FOLDER).is_dir():
                return cand
        raise DatasetError(f"{self.name}: {str(root / self.folder / REAL_FOLDER)!r} is missing",
                           hint=self.instructions())

    def clips(self) -> list[Clip]:
        base = self.base()
        out: list[Clip] = []
        for name in audio_names(base / REAL_FOLDER):
            stem = name.rsplit(".", 1)[0]
            out.append(Clip(id=f"{REAL_FOLDER}/{stem}", path=base / REAL_FOLDER / name, label=0,
                            speaker=stem.split("_", 1)[0] if "_" in stem else None))
        if not out:
            raise DatasetError(f"{self.name}: no audio files in {str(base / REAL_FOLDER)!r}", hint=self.instructions())
        generators = [d for d in subdirs(base) if d != REAL_FOLDER]
        if not generators:
            raise DatasetError(f"{self.name}: no generator folders beside {str(base / REAL_FOLDER)!r} "
                               f"(expected e.g. {', '.join(GENERATORS[:4])})", hint=self.instructions())
        for folder in generators:
            for name in audio_names(base / folder):
                out.append(Clip(id=f"{folder}/{name.rsplit('.', 1)[0]}", path=base / folder / name, label=1,
                                system=folder))
        if not any(c.label for c in out):
            raise DatasetError(f"{self.name}: the generator folders under {str(base)!r} hold no audio files",
                               hint=self.instructions())
        return out

    def load(self):
        protocol = self.check_protocol()
        clips = self.clips()
        if protocol == "random":
            return random_split(clips, seed=self.seed, stratify=lambda c: (c.label, c.system))
        return {"train": [], "val": [], "eval": [with_split(c, "eval") for c in clips]}


@hookimpl
def fakebench_register_datasets():
    return [Sonar]
