"""``dcase23``: DCASE 2023 Task 7 (Foley sound synthesis) — real clips vs the challenge submissions.

Corpus: the DCASE 2023 Task 7 development and evaluation sets (real Foley recordings,
4 s, mono, 16-bit, 22.05 kHz, 7 classes) and the audio of the systems submitted to the
challenge, tracks A (external resources allowed) and B (none), 100 clips per class and
system. Paper counts: 5,550 real (4,850 dev + 700 eval) vs 25,200 generated.

URL: https://zenodo.org/records/8091972 (the organisers' release of the evaluation
audio: ``DCASE_2023_Challenge_Task_7_Dataset.tar.gz``, ``..._Submission.tar.gz``,
``..._Baseline.tar.gz``); task page https://dcase.community/challenge2023/task-foley-sound-synthesis.
License: see the Zenodo record (the development set is CC BY 4.0; submissions are
released by the organisers for research).
Citation: K. Choi et al., "Foley Sound Synthesis at the DCASE 2023 Challenge", DCASE
2023 Workshop (arXiv:2304.12521).

Layout on disk (what the archives unpack to; the layout the FAD/deepfake studies on this
data read, e.g. github.com/mathieulagrange/dcaseFadEmbedding)::

    <data root>/                          (or <data root>/dcase23/)
      DCASE_2023_Challenge_Task_7_Dataset/
        dev/<class>/*.wav                 real, development set
        eval/<class>/*.wav                real, evaluation set
      DCASE_2023_Challenge_Task_7_Submission/
        AudioFiles/Submissions/<track>/<system>/<class>/*.wav
                                          track A or B; system ids such as TASys02, TBSys18
      DCASE_2023_Challenge_Task_7_Baseline/<class>/*.wav   (optional; include_baseline=true)

Class folder names differ between releases (``DogBark`` in the original development
release, ``dog_bark`` on Zenodo, ``Sneeze_Cough``...); they are normalised to the snake
case set used everywhere in fakebench: dog_bark, footstep, gunshot, keyboard,
moving_motor_vehicle, rain, sneeze_cough. An unrecognised class folder is an error.

Every clip carries ``class``, ``system`` (fakes), and attributes ``track`` (A/B, fakes)
and ``set`` (dev/eval, real clips).

Protocols: ``random`` — seeded 70/10/20 split stratified by label and class, re-drawn
per seed; ``unseen-systems`` — whole generators held out of train and val
(``held_out=TASys02,TBSys18`` to choose them, else a seeded ~30%); ``fixed`` — Ouajdi et
al.'s own split (``deepfakeClassifiers/data_loader.py`` of
github.com/mathieulagrange/audioFoleyDeepFake): one unstratified 70/10/20 split with
scikit-learn's ``train_test_split`` indices for ``random_state=42``, shared by every seed
(:func:`fakebench.data.splits.fixed_split`), of the clips in the authors' order: every
fake first (tracks, then systems, then class folders, then files), then the real clips
(``dev`` then ``eval``; class folders, then files), each folder listed as Windows lists
it (names compared case-insensitively; the authors' notebooks ran on Windows, whose NTFS
lists a folder in that order). Which split a clip lands in depends on that order, so the
``fixed`` split equals the authors' only for the complete corpus as released.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from fakebench.api import Clip, Dataset, DatasetError, fixed_split, hookimpl, random_split, unseen_systems_split

from fakebench.api import fetch_zenodo, subdirs
from fakebench.api import Bool

from fakebench.api import Names
from ._params import dataset_specs

log = logging.getLogger("fakebench")

CLASSES = ("dog_bark", "footstep", "gunshot", "keyboard", "moving_motor_vehicle", "rain", "sneeze_cough")
_ALIASES = {re.sub(r"[^a-z]", "", c): c for c in CLASSES}
_ALIASES.update({"dogbarks": "dog_bark", "footsteps": "footstep", "gunshots": "gunshot",
                 "movingmotorvehicles": "moving_motor_vehicle", "sneezeandcough": "sneeze_cough"})

DATASET_DIR = "DCASE_2023_Challenge_Task_7_Dataset"
SUBMISSION_DIR = "DCASE_2023_Challenge_Task_7_Submission"
BASELINE_DIR = "DCASE_2023_Challenge_Task_7_Baseline"
SUBMISSIONS = Path("AudioFiles") / "Submissions"
ZENODO_RECORD = 8091972
ARCHIVES = (f"{DATASET_DIR}.tar.gz", f"{SUBMISSION_DIR}.tar.gz")


def canonical_class(name: str) -> str | None:
    """``DogBark``/``dog_bark``/``Dog Bark`` -> ``dog_bark``; None when not a T7 class."""
    return _ALIASES.get(re.sub(r"[^a-z]", "", name.lower()))


def _wavs(folder: Path) -> list[str]:
    try:
        return sorted(n for n in (e.name for e in folder.iterdir() if e.is_file())
                      if n.lower().endswith(".wav") and not n.startswith("."))
    except FileNotFoundError:
        return []


def authors_order(clips: list[Clip]) -> list[Clip]:
    """The clip order of Ouajdi et al.'s ``data_preparation.py``: every fake first (track,
    system, class folder, file), then the real clips (``dev`` before ``eval``; class
    folder, file), with folder entries in NTFS order (case-insensitive) as the authors'
    ``os.listdir`` on Windows returned them."""
    def key(c: Clip) -> tuple:
        p = Path(c.path)
        if c.label == 1:  # <track>/<system>/<class>/<file>, or Baseline/<class>/<file> last
            track = str(c.attribute("track") or "")
            parts = (track == "baseline", track.upper(), p.parent.parent.name.upper(), p.parent.name.upper(),
                     p.name.upper())
            return (0, *parts)
        return (1, 0 if c.attribute("set") == "dev" else 1, p.parent.name.upper(), p.name.upper())

    return sorted(clips, key=key)


class Dcase23(Dataset):
    name = "dcase23"
    description = "DCASE 2023 T7 Foley: real dev/eval clips vs the submitted systems (tracks A/B), 7 classes"
    url = "https://zenodo.org/records/8091972"
    license = "CC BY 4.0 (development set); submissions as released by the DCASE organisers"
    citation = "Choi et al., Foley Sound Synthesis at the DCASE 2023 Challenge, DCASE 2023 Workshop"
    folder = "dcase23"
    protocols = ("random", "unseen-systems", "fixed")
    param_specs = dataset_specs(
        protocols, held_out=Names(required=True), tracks=Names(nullable=False, required=True), include_baseline=Bool())
    attributes = ("class", "system", "track", "set")

    def __init__(self, root=None, protocol=None, seed=0, allow_missing=False, held_out=None, tracks="A,B",
                 include_baseline=False):
        super().__init__(root, protocol, seed, allow_missing)
        self.held_out = held_out
        self.tracks = tracks
        self.include_baseline = include_baseline

    def instructions(self) -> str:
        return (f"run `fakebench download dcase23 --data-root DIR` (or fetch {', '.join(ARCHIVES)} from "
                f"https://zenodo.org/records/{ZENODO_RECORD} and unpack them in DIR), then pass --data-root DIR")

    # -- reading --------------------------------------------------------------------------

    def _class_dirs(self, parent: Path) -> list[tuple[str, Path]]:
        out = []
        for d in subdirs(parent):
            cls = canonical_class(d)
            if cls is None:
                raise DatasetError(
                    f"dcase23: unknown class folder {str(parent / d)!r}",
                    hint=f"class folders must be the 7 DCASE 2023 T7 classes ({', '.join(CLASSES)}, "
                         "or their CamelCase forms such as DogBark); move other folders out")
            out.append((cls, parent / d))
        return out

    def clips(self) -> list[Clip]:
        """Every clip of the corpus (before splitting), real first, in a fixed order."""
        base = self.corpus_dir(DATASET_DIR, SUBMISSION_DIR)
        real_root, fake_root = base / DATASET_DIR, base / SUBMISSION_DIR / SUBMISSIONS
        out: list[Clip] = []
        for part in ("dev", "eval"):
            if not (real_root / part).is_dir():
                raise DatasetError(f"dcase23: {str(real_root / part)!r} is missing", hint=self.instructions())
            for cls, folder in self._class_dirs(real_root / part):
                for name in _wavs(folder):
                    out.append(Clip(id=f"real/{part}/{cls}/{name[:-4]}", path=folder / name, label=0,
                                    cls=cls, attrs={"set": part}))
        if not fake_root.is_dir():
            raise DatasetError(f"dcase23: {str(fake_root)!r} is missing", hint=self.instructions())
        tracks = [t.strip() for t in str(self.tracks).split(",") if t.strip()]
        present = subdirs(fake_root)
        for track in tracks:
            if track not in present:
                raise DatasetError(f"dcase23: no track folder {str(fake_root / track)!r}",
                                   hint=f"tracks present: {', '.join(present) or 'none'}; set tracks=A,B accordingly")
            for system in subdirs(fake_root / track):
                for cls, folder in self._class_dirs(fake_root / track / system):
                    for name in _wavs(folder):
                        out.append(Clip(id=f"fake/{track}/{system}/{cls}/{name[:-4]}", path=folder / name,
                                        label=1, cls=cls, system=system, attrs={"track": track}))
        if self.include_baseline:
            bl = base / BASELINE_DIR
            if not bl.is_dir():
                raise DatasetError(f"dcase23: include_baseline is set but {str(bl)!r} is missing",
                                   hint=f"unpack {BASELINE_DIR}.tar.gz from https://zenodo.org/records/{ZENODO_RECORD}")
            for cls, folder in self._class_dirs(bl):
                for name in _wavs(folder):
                    out.append(Clip(id=f"fake/baseline/{cls}/{name[:-4]}", path=folder / name, label=1,
                                    cls=cls, system="Baseline", attrs={"track": "baseline"}))
        if not any(c.label == 0 for c in out) or not any(c.label == 1 for c in out):
            raise DatasetError(f"dcase23: found {sum(c.label == 0 for c in out)} real and "
                               f"{sum(c.label == 1 for c in out)} generated clips under {str(base)!r}",
                               hint=self.instructions())
        return out

    def load(self):
        protocol = self.check_protocol()
        clips = self.clips()
        if protocol == "random":
            return random_split(clips, seed=self.seed)
        if protocol == "fixed":
            return fixed_split(authors_order(clips))
        held = self.held_out
        if isinstance(held, str):
            held = [h.strip() for h in held.split(",") if h.strip()]
        return unseen_systems_split(clips, seed=self.seed, held_out=held)

    # -- fetching -------------------------------------------------------------------------

    def download(self, target: Path, progress: bool = False) -> Path:
        """Fetch the dataset and submission archives from Zenodo (md5-verified) and unpack them."""
        folder = Path(target) / self.folder
        names = list(ARCHIVES) + ([f"{BASELINE_DIR}.tar.gz"] if self.include_baseline else [])
        fetch_zenodo(ZENODO_RECORD, folder, names, progress=progress)
        return folder


@hookimpl
def fakebench_register_datasets():
    return [Dcase23]
