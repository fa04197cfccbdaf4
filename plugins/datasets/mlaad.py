"""``mlaad``: MLAAD, the Multi-Language Audio Anti-Spoofing Dataset, with its M-AILABS real counterparts.

Corpus: speech synthesised by many TTS models (Coqui TTS, Bark, MMS, XTTS, Griffin-Lim
and more; 54 models of 21 architectures in 23 languages in version 3, more since) from
M-AILABS transcripts, ~1,000 clips per model and language. The real class is M-AILABS
itself (LibriVox audiobooks: en_US, en_UK, de_DE, es_ES, fr_FR, it_IT, pl_PL, ru_RU,
uk_UK). The English subset is what DADA reports on.

URL: https://deepfake-total.com/mlaad and https://huggingface.co/datasets/mueller91/MLAAD;
M-AILABS: https://www.caito.de/2019/01/03/the-m-ailabs-speech-dataset/.
License: CC BY-NC 4.0 (MLAAD, non-commercial research only); M-AILABS: its own
license (public domain LibriVox audio, see its info files).
Citation: N. M. Müller et al., "MLAAD: The Multi-Language Audio Anti-Spoofing Dataset",
IJCNN 2024 (arXiv:2401.09512).

Layout on disk::

    <data root>/MLAAD/                    (or mlaad/, or --data-root pointing at it)
      fake/<language>/<model folder>/
        meta.csv                          '|'-separated, header
                                          path|original_file|language|is_original_language|duration|
                                          training_data|model_name|architecture|transcript
        *.wav
    <data root>/mailabs/                  (or MLAAD/mailabs, MLAAD/real; or mailabs_root=DIR)
      en_US/by_book/<gender>/<speaker>/<book>/wavs/*.wav

``original_file`` is the M-AILABS clip whose transcript was synthesised, relative to
the M-AILABS root (``en_US/by_book/female/judy_bieber/.../wavs/x.wav``); those clips
are the real class (the ones whose ``is_original_language`` is true: translated
transcripts have no real counterpart in that language). The audio file of a ``path``
entry is looked up by name in its model folder.

Per clip: ``Clip.system`` = ``model_name`` (e.g. ``tts_models/en/ljspeech/vits``),
attribute ``architecture``; ``Clip.transcript`` = the synthesised text (the real clip
gets the same text); ``Clip.speaker`` = the M-AILABS speaker of real clips;
``duration`` from the metadata. Parameter ``language`` (default ``en``) picks
``fake/<language>``.

Protocols (none official): ``random`` — seeded 70/10/20 split stratified by label and
system; ``unseen-systems`` — whole TTS models held out of train and val
(``held_out=`` a comma list of model names, else a seeded ~30%).
"""

from __future__ import annotations

import logging
from pathlib import Path, PurePosixPath

from fakebench.api import Clip, Dataset, DatasetError, hookimpl, random_split, unseen_systems_split
from fakebench.api import data_root as default_data_root
from fakebench.api import Table, build_table, iter_csv, keep_present, list_names

from fakebench.api import fetch_and_extract, subdirs
from fakebench.api import Bool, Text

from fakebench.api import FilePath, Names
from ._params import dataset_specs

log = logging.getLogger("fakebench")

FIELDS = ("file", "original_file", "language", "is_original_language", "duration", "training_data",
          "model_name", "architecture", "transcript")
HF_REPO = "mueller91/MLAAD"
MAILABS_URL = "https://ics.tau-ceti.space/data/Training/stt_tts/{locale}.tgz"
MAILABS_LOCALES = {"en": ["en_US", "en_UK"], "de": ["de_DE"], "es": ["es_ES"], "fr": ["fr_FR"], "it": ["it_IT"],
                   "pl": ["pl_PL"], "ru": ["ru_RU"], "uk": ["uk_UK"]}
_TRUE = {"true", "1", "yes", "y"}


def parse_meta_row(row: dict[str, str]) -> tuple[str, ...]:
    """One MLAAD ``meta.csv`` row -> the :data:`FIELDS` (file name, original file, ...)."""
    path = row.get("path", "")
    if not path:
        raise ValueError("empty 'path' field")
    name = PurePosixPath(path.replace("\\", "/")).name
    if not name.lower().endswith((".wav", ".flac", ".mp3")):
        raise ValueError(f"'path' {path!r} is not an audio file")
    model = row.get("model_name", "")
    if not model:
        raise ValueError(f"{name}: empty 'model_name' field")
    duration = row.get("duration", "")
    if duration:
        try:
            float(duration)
        except ValueError:
            raise ValueError(f"{name}: duration {duration!r} is not a number") from None
    transcript = " ".join(row.get("transcript", "").split())  # one line: the index stores text per line
    return (name, _mailabs_rel(row.get("original_file", "")), row.get("language", ""),
            row.get("is_original_language", ""), duration, row.get("training_data", ""), model,
            row.get("architecture", "") or model, transcript)


def _mailabs_rel(original: str) -> str:
    """``./mailabs/en_US/by_book/...`` -> ``en_US/by_book/...`` (relative to the M-AILABS root)."""
    parts = [p for p in original.replace("\\", "/").split("/") if p not in ("", ".")]
    for i, p in enumerate(parts):
        if p.lower() in ("mailabs", "m-ailabs", "m_ailabs"):
            parts = parts[i + 1:]
            break
    return "/".join(parts)


def _mailabs_speaker(rel: str) -> str | None:
    parts = rel.split("/")
    if len(parts) > 3 and parts[1] == "by_book":
        return parts[3]
    return None


class Mlaad(Dataset):
    name = "mlaad"
    description = "MLAAD: TTS speech from dozens of models (per language) vs the M-AILABS originals"
    url = "https://deepfake-total.com/mlaad"
    license = "CC BY-NC 4.0 (MLAAD); M-AILABS per its own terms"
    citation = "Müller et al., MLAAD: The Multi-Language Audio Anti-Spoofing Dataset, IJCNN 2024"
    folder = "MLAAD"
    protocols = ("random", "unseen-systems")
    param_specs = dataset_specs(
        protocols, language=Text(), mailabs_root=FilePath(), held_out=Names(required=True), include_real=Bool(), check_files=Bool())
    attributes = ("system", "architecture", "speaker", "language")

    def __init__(self, root=None, protocol=None, seed=0, allow_missing=False, language="en", mailabs_root=None,
                 held_out=None, include_real=True, check_files=True):
        super().__init__(root, protocol, seed, allow_missing)
        self.language = language
        self.mailabs_root = mailabs_root
        self.held_out = held_out
        self.include_real = include_real
        self.check_files = check_files

    def instructions(self) -> str:
        return (f"run `fakebench download mlaad --data-root DIR` (MLAAD from https://huggingface.co/datasets/{HF_REPO}, "
                f"M-AILABS for the real class), or put MLAAD in DIR/MLAAD/fake/<language>/ and M-AILABS in "
                "DIR/mailabs/, then pass --data-root DIR")

    # -- paths ----------------------------------------------------------------------------

    def base(self) -> Path:
        root = Path(self.root).expanduser() if self.root is not None else default_data_root()
        for cand in (root / "MLAAD", root / "mlaad", root):
            if (cand / "fake").is_dir():
                return cand
        if not root.exists():
            raise DatasetError(f"data root {str(root)!r} for dataset {self.name!r} does not exist",
                               hint="pass --data-root DIR (or set FAKEBENCH_DATA); " + self.instructions())
        raise DatasetError(f"{self.name}: no MLAAD folder under {str(root)!r} (expected {str(root / 'MLAAD' / 'fake')!r})",
                           hint=self.instructions())

    def mailabs(self, base: Path) -> Path:
        if self.mailabs_root is not None:
            path = Path(self.mailabs_root).expanduser()
            if not path.is_dir():
                raise DatasetError(f"{self.name}: mailabs_root {str(path)!r} does not exist",
                                   hint="point mailabs_root at the folder holding en_US/, en_UK/... of M-AILABS")
            return path
        for cand in (base / "mailabs", base / "real", base.parent / "mailabs"):
            if cand.is_dir():
                return cand
        raise DatasetError(f"{self.name}: the M-AILABS real clips are missing (looked for {str(base.parent / 'mailabs')!r})",
                           hint="download M-AILABS (see `fakebench download mlaad`) into DIR/mailabs, set "
                                "mailabs_root=DIR, or include_real=false to load the fakes only")

    # -- reading --------------------------------------------------------------------------

    def model_tables(self, base: Path) -> list[tuple[str, Table]]:
        lang_dir = base / "fake" / str(self.language)
        if not lang_dir.is_dir():
            have = ", ".join(subdirs(base / "fake")) or "none"
            raise DatasetError(f"{self.name}: no language folder {str(lang_dir)!r}",
                               hint=f"languages present: {have}; set language=... accordingly")
        out = []
        for model_dir in subdirs(lang_dir):
            meta = lang_dir / model_dir / "meta.csv"
            if not meta.is_file():
                raise DatasetError(f"{self.name}: {str(meta)!r} is missing",
                                   hint="every model folder of MLAAD has a meta.csv; re-download that folder")
            rows = iter_csv(meta, dataset=self.name, delimiter="|", required=("path", "model_name"))
            table = build_table(rows, parse_meta_row, FIELDS, source=meta, dataset=self.name, id_field="file",
                                hint="meta.csv is '|'-separated: path|original_file|language|is_original_language|"
                                     "duration|training_data|model_name|architecture|transcript")
            out.append((model_dir, table))
        if not out:
            raise DatasetError(f"{self.name}: no model folders in {str(lang_dir)!r}", hint=self.instructions())
        return out

    def clips(self) -> list[Clip]:
        base = self.base()
        self.missing_ = 0
        fakes: list[Clip] = []
        sources: dict[str, tuple[str, int, Table]] = {}  # real clip rel path -> (transcript, row, table)
        for model_dir, table in self.model_tables(base):
            folder = Path(table.source).parent
            files = table["file"]
            rows: range | list[int] = range(len(table))
            if self.check_files:
                present = list_names(folder)
                rows, missing = keep_present(table, files, lambda i, n: n in present, dataset=self.name,
                                             allow_missing=self.allow_missing, describe=lambda i: str(folder / files[i]))
                self.missing_ += missing
            col = table.columns
            for i in rows:
                duration = float(col["duration"][i]) if col["duration"][i] else None
                fakes.append(Clip(
                    id=f"fake/{self.language}/{model_dir}/{files[i].rsplit('.', 1)[0]}", path=folder / files[i],
                    label=1, system=col["model_name"][i], transcript=col["transcript"][i] or None, duration=duration,
                    attrs={"architecture": col["architecture"][i], "language": col["language"][i] or self.language}))
                rel = col["original_file"][i]
                if rel and col["is_original_language"][i].strip().lower() in _TRUE and rel not in sources:
                    sources[rel] = (col["transcript"][i], i, table)
        if not self.include_real:
            return fakes
        return self._real_clips(base, sources) + fakes

    def _real_clips(self, base: Path, sources: dict[str, tuple[str, int, Table]]) -> list[Clip]:
        root = self.mailabs(base)
        listings: dict[Path, set[str]] = {}
        out = []
        for rel in sorted(sources):
            transcript, row, table = sources[rel]
            path = root / rel
            if self.check_files:
                names = listings.get(path.parent)
                if names is None:
                    names = listings[path.parent] = list_names(path.parent)
                if path.name not in names:
                    if not self.allow_missing:
                        raise DatasetError(
                            f"{self.name}: {table.source}:{table.lines[row]} names the M-AILABS original "
                            f"{str(path)!r}, which does not exist",
                            hint=f"download M-AILABS {rel.split('/')[0]} into {root}, or pass --allow-missing")
                    self.missing_ += 1
                    continue
            out.append(Clip(id=f"real/{rel.rsplit('.', 1)[0]}", path=path, label=0, speaker=_mailabs_speaker(rel),
                            transcript=transcript or None, attrs={"language": rel.split("/")[0]}))
        if self.missing_:
            log.warning("%s: skipped %d missing file(s) (--allow-missing)", self.name, self.missing_)
        return out

    def load(self):
        protocol = self.check_protocol()
        clips = self.clips()
        if protocol == "random":
            return random_split(clips, seed=self.seed, stratify=lambda c: (c.label, c.system))
        held = self.held_out
        if isinstance(held, str):
            held = [h.strip() for h in held.split(",") if h.strip()]
        return unseen_systems_split(clips, seed=self.seed, held_out=held)

    # -- fetching -------------------------------------------------------------------------

    def download(self, target: Path, progress: bool = False) -> Path:
        """Fetch ``fake/<language>`` of MLAAD from the Hugging Face Hub (hash-checked by
        ``huggingface_hub``) and the matching M-AILABS archives (unpacked into ``mailabs/``)."""
        target = Path(target)
        try:
            from huggingface_hub import snapshot_download
        except ImportError:
            raise DatasetError("downloading MLAAD needs the huggingface_hub package",
                               hint="pip install huggingface_hub (it comes with fakebench[speech])") from None
        snapshot_download(repo_id=HF_REPO, repo_type="dataset", allow_patterns=[f"fake/{self.language}/**"],
                          local_dir=str(target / self.folder))
        if self.include_real:
            for locale in MAILABS_LOCALES.get(str(self.language), []):
                log.warning("mlaad: M-AILABS publishes no checksum for %s.tgz; relying on gzip's CRC", locale)
                fetch_and_extract(MAILABS_URL.format(locale=locale), target / "mailabs", f"{locale}.tgz",
                                  progress=progress)
        return target / self.folder


@hookimpl
def fakebench_register_datasets():
    return [Mlaad]
