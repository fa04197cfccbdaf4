"""``wavefake``: WaveFake — vocoded and TTS speech paired with the real LJSpeech and JSUT clips it imitates.

Corpus: the WaveFake release (Zenodo record 5642694, version 1.20; its archive unpacks
to ``generated_audio/``): LJSpeech (English, one female speaker) and JSUT ``basic5000``
(Japanese, one female speaker) re-synthesised from their mel spectrograms by neural
vocoders ("ten sample sets from six different network architectures, spanning two
languages", the paper's abstract), plus full TTS output (Conformer FastSpeech 2 +
Parallel WaveGAN) of Common Voice prompts in the LJSpeech voice. The real class is LJSpeech 1.1 (13,100 clips, 22.05 kHz) and JSUT
1.1 ``basic5000`` (5,000 clips, 48 kHz), which the release does not contain. Per
generated folder: 13,100 clips for each LJSpeech vocoder, 5,000 for each JSUT vocoder,
16,283 TTS clips: 117,983 generated clips (the archive holds 134,266 WAV files: the
TTS folder is there twice, see below; per-folder counts as listed by users of the
archive, which fakebench has not re-counted).

URL: https://zenodo.org/records/5642694 (generated audio); code
https://github.com/RUB-SysSec/WaveFake; LJSpeech https://keithito.com/LJ-Speech-Dataset/;
JSUT https://sites.google.com/site/shinnosuketakamichi/publication/jsut.
License: WaveFake per its Zenodo record (the code is MIT); LJSpeech public domain;
JSUT per its own terms (research).
Citation: J. Frank and L. Schönherr, "WaveFake: A Data Set to Facilitate Audio
Deepfake Detection", NeurIPS 2021 Datasets and Benchmarks Track.

Layout on disk (the WaveFake archive and the two real corpora unpacked side by side;
``ljspeech_root=`` / ``jsut_root=`` point elsewhere)::

    <data root>/
      generated_audio/                       (or WaveFake/generated_audio/)
        ljspeech_melgan/LJ001-0001_gen.wav ...
        ljspeech_melgan_large/               *_gen.wav
        ljspeech_multi_band_melgan/          *_gen.wav
        ljspeech_full_band_melgan/           *_gen.wav
        ljspeech_parallel_wavegan/           *_gen.wav
        ljspeech_waveglow/LJ001-0001.wav     (no suffix)
        ljspeech_hifiGAN/LJ001-0001_generated.wav
        jsut_multi_band_melgan/BASIC5000_0001_gen.wav
        jsut_parallel_wavegan/BASIC5000_0001_gen.wav
        common_voices_prompts_from_conformer_fastspeech2_pwg_ljspeech/gen_0.wav ...
          (its nested generated/ folder repeats the same files and is ignored)
      LJSpeech-1.1/wavs/LJ001-0001.wav ...   (LJSpeech-1.1.tar.bz2)
      jsut_ver1.1/basic5000/wav/BASIC5000_0001.wav ...   (jsut_ver1.1.zip)

Folder and file names are those of the release as read by the authors' code (it
skips the ``jsut*`` and ``conformer`` folders for English training) and by NII's
AntiDeepfake ``protocols/WaveFake.py`` (one level of ``*.wav`` per folder, which is
how fakebench reads every folder too). Any other folder under ``generated_audio/`` is
read as a further generator (its name is the system).

Per clip: ``Clip.system`` = the generator folder (``ljspeech_melgan``...), attributes
``vocoder`` (the folder without its corpus prefix: ``melgan``, ``hifiGAN``,
``conformer_fastspeech2_pwg``...), ``source_corpus`` (``ljspeech``/``jsut``),
``language`` (``en``/``ja``), and in ``Clip.attrs`` (not a breakdown attribute: one value
per sentence) ``utterance``, the LJSpeech/JSUT id a vocoded clip re-synthesises, e.g.
``LJ001-0001`` (real clips carry their own id; TTS clips have none). Parameter ``corpus``: ``ljspeech`` (default: the English generators, including
the TTS folder, with LJSpeech as the real class — the paper's main setting), ``jsut``,
or ``all``.

Protocols (WaveFake has no official split): ``utterance-disjoint`` (default) — seeded
70/10/20 split of the source utterances, so a real clip and its vocoded copies always
share a split (TTS clips form their own groups); ``random`` — seeded 70/10/20
stratified by label and system (vocoded copies of one sentence may then fall in
different splits); ``unseen-systems`` — whole generators held out (``held_out=``);
``eval-only`` — every clip in ``eval``, for cross-dataset tests.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from fakebench.api import (Choice, Clip, Dataset, DatasetError, FilePath, Names, fetch_and_extract, fetch_zenodo,
                           group_split, hookimpl, list_names, random_split, subdirs, unseen_systems_split, with_split)

from ._common import existing_root
from ._params import dataset_specs

log = logging.getLogger("fakebench")

ZENODO_RECORD = 5642694
LJSPEECH_URL = "https://data.keithito.com/data/speech/LJSpeech-1.1.tar.bz2"
JSUT_URL = "http://ss-takashi.sakura.ne.jp/corpus/jsut_ver1.1.zip"
CORPORA = ("ljspeech", "jsut", "all")
LANGUAGE = {"ljspeech": "en", "jsut": "ja"}
_UTTERANCE = re.compile(r"^(LJ\d{3}-\d{4}|BASIC5000_\d{4})")


def corpus_of(folder: str) -> str:
    """The real corpus a generator folder imitates: ``jsut_*`` -> jsut, anything else ljspeech."""
    return "jsut" if folder.lower().startswith("jsut") else "ljspeech"


def vocoder_of(folder: str) -> str:
    """``ljspeech_melgan`` -> ``melgan``; the TTS folder -> ``conformer_fastspeech2_pwg``."""
    m = re.match(r"^common_voices_prompts_from_(.+?)(?:_ljspeech)?$", folder)
    if m:
        return m.group(1)
    for prefix in ("ljspeech_", "jsut_"):
        if folder.lower().startswith(prefix):
            return folder[len(prefix):]
    return folder


def utterance_of(name: str) -> str | None:
    """The source utterance of a file name: ``LJ001-0001_gen.wav`` -> ``LJ001-0001``."""
    m = _UTTERANCE.match(name)
    return m.group(1) if m else None


def wav_names(folder: Path) -> list[str]:
    return sorted(n for n in list_names(folder) if n.lower().endswith(".wav") and not n.startswith(".")
                  and (folder / n).is_file())


class WaveFake(Dataset):
    name = "wavefake"
    description = "WaveFake: 10 sets from 6 vocoder architectures (LJSpeech/JSUT, + TTS) vs the real corpora"
    url = "https://zenodo.org/records/5642694"
    license = "see https://zenodo.org/records/5642694 (WaveFake); LJSpeech public domain; JSUT per its terms"
    citation = "Frank and Schönherr, WaveFake: A Data Set to Facilitate Audio Deepfake Detection, NeurIPS 2021"
    folder = "generated_audio"
    protocols = ("utterance-disjoint", "random", "unseen-systems", "eval-only")
    param_specs = dataset_specs(
        protocols, corpus=Choice(*CORPORA), ljspeech_root=FilePath(), jsut_root=FilePath(), held_out=Names(required=True))
    attributes = ("system", "vocoder", "source_corpus", "language")

    def __init__(self, root=None, protocol=None, seed=0, allow_missing=False, corpus="ljspeech", ljspeech_root=None,
                 jsut_root=None, held_out=None):
        super().__init__(root, protocol, seed, allow_missing)
        self.corpus = corpus
        self.ljspeech_root = ljspeech_root
        self.jsut_root = jsut_root
        self.held_out = held_out

    def instructions(self) -> str:
        return (f"run `fakebench download wavefake --data-root DIR`, or unzip the WaveFake archive from {self.url} "
                f"in DIR (giving DIR/generated_audio/ljspeech_melgan/...) and LJSpeech-1.1 "
                f"({LJSPEECH_URL}) beside it (DIR/LJSpeech-1.1/wavs/), then pass --data-root DIR")

    # -- paths ----------------------------------------------------------------------------

    def _root(self) -> Path:
        return existing_root(self)

    def generated_dir(self) -> Path:
        root = self._root()
        for cand in (root / "generated_audio", root / "WaveFake" / "generated_audio", root):
            if any(n.startswith(("ljspeech_", "jsut_")) for n in subdirs(cand)):
                return cand
        raise DatasetError(f"{self.name}: {str(root / 'generated_audio')!r} is missing (no ljspeech_*/jsut_* "
                           "generator folders found)", hint=self.instructions())

    def real_dir(self, corpus: str, generated: Path) -> Path:
        """The folder of the real clips of ``corpus`` (LJSpeech-1.1/wavs or jsut_ver1.1/basic5000/wav)."""
        if corpus == "ljspeech":
            given, rel, url = self.ljspeech_root, Path("LJSpeech-1.1") / "wavs", LJSPEECH_URL
        else:
            given, rel, url = self.jsut_root, Path("jsut_ver1.1") / "basic5000" / "wav", JSUT_URL
        if given is not None:
            path = Path(given).expanduser()
            tails = [rel.parts[i:] for i in range(len(rel.parts))] + [()]
            for tail in tails:
                cand = path.joinpath(*tail)
                if cand.is_dir() and wav_names(cand):
                    return cand
            raise DatasetError(f"{self.name}: {corpus}_root {str(path)!r} holds no {rel.as_posix()} with WAV files",
                               hint=f"point {corpus}_root at the folder that holds {rel.parts[0]}/")
        root = self._root()
        for cand in (root / rel, generated.parent / rel):
            if cand.is_dir():
                return cand
        other = "jsut" if corpus == "ljspeech" else "ljspeech"
        raise DatasetError(f"{self.name}: the real {corpus} clips are missing ({str(root / rel)!r})",
                           hint=f"unpack {url} in {root}, set {corpus}_root=DIR, or choose corpus={other}")

    def corpora(self) -> tuple[str, ...]:
        if self.corpus not in CORPORA:
            raise DatasetError(f"{self.name}: unknown corpus {self.corpus!r}", hint="use ljspeech, jsut or all")
        return ("ljspeech", "jsut") if self.corpus == "all" else (self.corpus,)

    # -- reading --------------------------------------------------------------------------

    def clips(self) -> list[Clip]:
        generated = self.generated_dir()
        wanted = self.corpora()
        out: list[Clip] = []
        for folder in subdirs(generated):
            corpus = corpus_of(folder)
            if corpus not in wanted:
                continue
            names = wav_names(generated / folder)
            if not names:
                log.warning("%s: generator folder %s holds no WAV files", self.name, generated / folder)
            vocoder = vocoder_of(folder)
            for name in names:
                stem = name[:-4]
                attrs = {"vocoder": vocoder, "source_corpus": corpus, "language": LANGUAGE[corpus]}
                utt = utterance_of(name)
                if utt is not None:
                    attrs["utterance"] = utt
                out.append(Clip(id=f"{folder}/{stem}", path=generated / folder / name, label=1, system=folder,
                                attrs=attrs))
        if not out:
            raise DatasetError(f"{self.name}: no generated WAV files for corpus={self.corpus} in {str(generated)!r}",
                               hint=self.instructions())
        for corpus in wanted:
            folder = self.real_dir(corpus, generated)
            names = wav_names(folder)
            if not names:
                raise DatasetError(f"{self.name}: no WAV files in {str(folder)!r}",
                                   hint=f"unpack the real {corpus} corpus there")
            for name in names:
                stem = name[:-4]
                out.append(Clip(id=f"{corpus}/{stem}", path=folder / name, label=0,
                                attrs={"source_corpus": corpus, "language": LANGUAGE[corpus], "utterance": stem}))
        return out

    def load(self):
        protocol = self.check_protocol()
        clips = self.clips()
        if protocol == "eval-only":
            return {"train": [], "val": [], "eval": [with_split(c, "eval") for c in clips]}
        if protocol == "random":
            return random_split(clips, seed=self.seed, stratify=lambda c: (c.label, c.system))
        if protocol == "unseen-systems":
            held = self.held_out
            if isinstance(held, str):
                held = [h.strip() for h in held.split(",") if h.strip()]
            return unseen_systems_split(clips, seed=self.seed, held_out=held)
        return group_split(clips, lambda c: c.attrs.get("utterance") or c.id, seed=self.seed)

    # -- fetching -------------------------------------------------------------------------

    def download(self, target: Path, progress: bool = False) -> Path:
        """Fetch the files of the WaveFake Zenodo record (md5 from the Zenodo API) and the real
        corpora of ``corpus`` (LJSpeech-1.1, JSUT 1.1: no published checksum; the archives'
        own CRCs are checked while unpacking)."""
        target = Path(target)
        fetch_zenodo(ZENODO_RECORD, target, progress=progress)
        wanted = self.corpora()
        if "ljspeech" in wanted:
            log.warning("wavefake: LJSpeech publishes no checksum; relying on bzip2's CRC")
            fetch_and_extract(LJSPEECH_URL, target, "LJSpeech-1.1.tar.bz2", progress=progress)
        if "jsut" in wanted:
            log.warning("wavefake: JSUT publishes no checksum; relying on the zip's CRC")
            fetch_and_extract(JSUT_URL, target, "jsut_ver1.1.zip", progress=progress)
        return target


@hookimpl
def fakebench_register_datasets():
    return [WaveFake]
