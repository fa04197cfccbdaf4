"""Model weights: find them, check them, load them safely.

Every plugin that needs pretrained weights describes each file it needs with a
:class:`WeightsFile` (name, official URL, checksum, Hugging Face repo) and calls
:func:`resolve`. The search order is:

1. an explicit ``--weights`` path: a file is used as it is (the user's own or fine-tuned
   weights, so no checksum is enforced); a folder must hold the file by its official name;
2. the standard caches, in order: the Hugging Face hub cache (``HF_HOME`` /
   ``HF_HUB_CACHE``, read with no network), the torch hub cache
   (``$TORCH_HOME/hub/checkpoints``), ``~/panns_data`` (where PANNs' tools keep their
   checkpoints) and ``$FAKEBENCH_WEIGHTS`` (default ``~/.fakebench/weights``). A file
   found there must match the published checksum, or it is refused as corrupt;
3. a download, when online: from the Hugging Face hub (which checks the file against its
   LFS sha256) or with :func:`fakebench.fetch.download` into ``$FAKEBENCH_WEIGHTS``,
   followed by the checksum check. Downloads are off when ``HF_HUB_OFFLINE`` or
   ``FAKEBENCH_OFFLINE`` is set (the test suite sets the first);
4. otherwise one :class:`~fakebench.errors.WeightsError` that names the file, its URL and
   the folder to put it in.

``--weights random`` (:data:`RANDOM`) asks an embedder for random weights drawn with a
fixed seed instead; its fingerprint is then ``"random"``. This is how the test suite and
the RTF benchmark build every hub model offline.

Checkpoints are always read with ``torch.load(..., weights_only=True)``. Checkpoints that
hold numpy arrays (PANNs' sampler state, torchvggish's PCA file) are read with numpy's
array-rebuilding functions added to the allow-list for that one call, never with the full
unpickler.

:func:`fingerprint` is the first 16 hex digits of the file's sha256; embedders record it
so that the embedding cache changes with the weights.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from .errors import FakebenchError, WeightsError
from .paths import weights_root

log = logging.getLogger("fakebench")

#: ``--weights random``: random initialisation with a fixed seed (fingerprint ``random``).
RANDOM = "random"
RANDOM_SEED = 0

_TRUE = ("1", "true", "yes", "on")


@dataclass(frozen=True)
class WeightsFile:
    """One published weights file and where it can come from.

    ``sha256`` may be a full digest or a prefix (torch hub file names carry the first
    8 hex digits of theirs); ``md5`` is what Zenodo publishes. Either one, when given,
    is checked for every file found in a cache or downloaded.
    """

    filename: str
    url: str | None = None
    sha256: str | None = None
    md5: str | None = None
    hf_repo: str | None = None
    hf_filename: str | None = None
    #: Extra standard folders to look in: ``"torch_hub"``, ``"panns_data"``.
    folders: tuple[str, ...] = ()
    #: What the file is, for messages: ``"PANNs Cnn14 (32 kHz) checkpoint"``.
    what: str = ""
    size: str = ""
    license: str = ""

    @property
    def label(self) -> str:
        return self.what or self.filename

    @property
    def source_url(self) -> str | None:
        if self.url:
            return self.url
        if self.hf_repo:
            return f"https://huggingface.co/{self.hf_repo}/resolve/main/{self.hf_filename or self.filename}"
        return None


@dataclass(frozen=True)
class Resolved:
    """A weights file that was found: its path, where it came from and its sha256."""

    path: Path
    source: str
    sha256: str
    verified: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def fingerprint(self) -> str:
        return self.sha256[:16]


# -- small helpers -------------------------------------------------------------------------


def is_random(weights: Any) -> bool:
    """True for ``--weights random``."""
    return isinstance(weights, str) and weights.strip().lower() == RANDOM


def offline() -> bool:
    """Downloads are off when ``HF_HUB_OFFLINE`` or ``FAKEBENCH_OFFLINE`` is set."""
    return any(os.environ.get(v, "").strip().lower() in _TRUE for v in ("HF_HUB_OFFLINE", "FAKEBENCH_OFFLINE"))


@contextmanager
def seeded(seed: int = RANDOM_SEED) -> Iterator[None]:
    """Run a block (a model's random initialisation) with a fixed seed, leaving the global
    RNG state as it was."""
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


_MEMOS: dict[Path, Any] = {}  # FileDigests per home


def file_digests(path: str | Path) -> tuple[str, str]:
    """(sha256, md5) of a file, read once per (path, size, mtime): remembered in this
    process and across runs (``$FAKEBENCH_HOME/weights-digests.sqlite``), so a warm run
    does not re-read a 300 MB checkpoint."""
    from .hashing import FileDigests
    from .paths import home

    db = home() / "weights-digests.sqlite"
    memo = _MEMOS.get(db)
    if memo is None:
        memo = _MEMOS[db] = FileDigests(db)
    d = memo.digests(Path(path).resolve(), ("sha256", "md5"))
    return d["sha256"], d["md5"]


def fingerprint(path: str | Path) -> str:
    """First 16 hex digits of the file's sha256."""
    return file_digests(path)[0][:16]


def torch_hub_dir() -> Path:
    """``$TORCH_HOME/hub/checkpoints`` (torch's default: ``~/.cache/torch``)."""
    torch_home = os.environ.get("TORCH_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", "~/.cache"), "torch")
    return Path(torch_home).expanduser() / "hub" / "checkpoints"


def panns_data_dir() -> Path:
    return Path("~/panns_data").expanduser()


def _check(spec: WeightsFile, path: Path) -> tuple[str, bool]:
    """(sha256, verified); raises if a published checksum does not match."""
    sha, md5 = file_digests(path)
    if spec.sha256 and not sha.startswith(spec.sha256.lower()):
        raise WeightsError(
            f"{spec.label} {str(path)!r} has sha256 {sha[:16]}..., not the published {spec.sha256[:16]}...: "
            "the file is corrupt, truncated or a different release",
            hint=f"delete it and fetch it again from {spec.source_url or 'its source'}",
        )
    if spec.md5 and md5 != spec.md5.lower():
        raise WeightsError(
            f"{spec.label} {str(path)!r} has md5 {md5}, not the published {spec.md5}: "
            "the file is corrupt, truncated or a different release",
            hint=f"delete it and fetch it again from {spec.source_url or 'its source'}",
        )
    return sha, bool(spec.sha256 or spec.md5)


def cache_candidates(spec: WeightsFile) -> list[tuple[str, Path]]:
    """The standard places where ``spec`` may already be, in search order (files that
    exist only)."""
    out: list[tuple[str, Path]] = []
    if spec.hf_repo:
        hf = _hf_cached(spec.hf_repo, spec.hf_filename or spec.filename)
        if hf is not None:
            out.append(("hf-cache", hf))
    folders = []
    if "torch_hub" in spec.folders:
        folders.append(("torch-hub", torch_hub_dir()))
    if "panns_data" in spec.folders:
        folders.append(("panns_data", panns_data_dir()))
    folders.append(("fakebench", weights_root()))
    for source, folder in folders:
        p = folder / spec.filename
        if p.is_file():
            out.append((source, p))
    return out


def hf_hub_cache() -> Path:
    """The Hugging Face hub cache, read from the environment at call time
    (``HF_HUB_CACHE``, else ``$HF_HOME/hub``, else ``~/.cache/huggingface/hub``)."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"]).expanduser()
    hf_home = os.environ.get("HF_HOME") or os.path.join(os.environ.get("XDG_CACHE_HOME", "~/.cache"), "huggingface")
    return Path(hf_home).expanduser() / "hub"


def _hf_cached(repo: str, filename: str) -> Path | None:
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return None
    try:
        got = try_to_load_from_cache(repo, filename, cache_dir=str(hf_hub_cache()))
    except Exception:  # a malformed cache is treated as no cache
        return None
    return Path(got) if isinstance(got, (str, os.PathLike)) and Path(got).is_file() else None


def where_to_put(spec: WeightsFile) -> str:
    places = [str(weights_root() / spec.filename)]
    if "torch_hub" in spec.folders:
        places.append(str(torch_hub_dir() / spec.filename))
    if "panns_data" in spec.folders:
        places.append(str(panns_data_dir() / spec.filename))
    return " or ".join(places)


# -- resolution ----------------------------------------------------------------------------


def resolve(spec: WeightsFile, weights: str | Path | None = None, *, download: bool | None = None) -> Resolved:
    """Find ``spec`` (see the module docstring for the order) and return it checked.

    ``weights`` is the user's ``--weights``: a file (used as given) or a folder holding
    ``spec.filename``. ``download=None`` downloads unless :func:`offline`.
    """
    if is_random(weights):
        raise ValueError("resolve() got weights='random'; check is_random() first")
    if weights is not None and str(weights) != "":
        given = Path(weights).expanduser()
        if given.is_dir():
            path = given / spec.filename
            if not path.is_file():
                raise WeightsError(
                    f"{spec.label} {spec.filename!r} is not in the folder {str(given)!r}",
                    hint=f"put {spec.filename} there (from {spec.source_url}), or pass the file itself with --weights",
                )
            sha, verified = _check(spec, path)
            return Resolved(path, "explicit", sha, verified)
        if not given.is_file():
            raise WeightsError(f"weights file {str(given)!r} does not exist",
                               hint=f"pass the path of {spec.filename}, or omit --weights to use the standard caches")
        sha, _md5 = file_digests(given)
        return Resolved(given, "explicit", sha, False)
    for source, path in cache_candidates(spec):
        sha, verified = _check(spec, path)
        return Resolved(path, source, sha, verified)
    if download is None:
        download = not offline()
    if download and (spec.url or spec.hf_repo):
        return _download(spec)
    why = "downloads are off (HF_HUB_OFFLINE or FAKEBENCH_OFFLINE is set)" if offline() else "it is not in any cache"
    url = spec.source_url
    raise WeightsError(
        f"{spec.label} {spec.filename!r} was not found: {why}",
        hint=(f"download {url}" if url else f"get {spec.filename}")
        + (f" ({spec.size})" if spec.size else "")
        + f" and put it at {where_to_put(spec)}, or pass --weights PATH; "
        "--weights random runs the model with random weights (for tests only)",
    )


def _download(spec: WeightsFile) -> Resolved:
    if spec.hf_repo:
        try:
            from huggingface_hub import hf_hub_download

            log.info("downloading %s from the Hugging Face hub (%s)", spec.filename, spec.hf_repo)
            path = Path(hf_hub_download(spec.hf_repo, spec.hf_filename or spec.filename,
                                        cache_dir=str(hf_hub_cache())))
        except ImportError:
            path = None
        except Exception as e:
            raise WeightsError(
                f"cannot download {spec.label} {spec.filename!r} from the Hugging Face hub ({spec.hf_repo}): "
                f"{str(e).splitlines()[0] if str(e) else type(e).__name__}",
                hint=f"download {spec.source_url} by hand and put it at {where_to_put(spec)}, or pass --weights PATH",
            ) from None
        if path is not None:
            sha, verified = _check(spec, path)
            return Resolved(path, "download", sha, verified)
    from .downloads import download as fetch

    dest = weights_root() / spec.filename
    full_sha = spec.sha256 if spec.sha256 and len(spec.sha256) == 64 else None
    log.info("downloading %s (%s) to %s", spec.filename, spec.size or "size unknown", dest)
    try:
        fetch(spec.url, dest, sha256=full_sha, progress=True)
    except FakebenchError as e:
        raise WeightsError(
            f"cannot download {spec.label}: {e.message}",
            hint=f"download {spec.url} by hand and put it at {where_to_put(spec)}, or pass --weights PATH",
        ) from None
    try:
        sha, verified = _check(spec, dest)
    except WeightsError:
        dest.unlink(missing_ok=True)
        raise
    return Resolved(dest, "download", sha, verified)


# -- safe loading --------------------------------------------------------------------------


def _numpy_globals() -> list:
    """The numpy functions and classes needed to rebuild plain arrays (no code), under
    both numpy 1 (``numpy.core``) and numpy 2 (``numpy._core``) names."""
    import importlib

    import numpy as np

    try:
        multiarray = importlib.import_module("numpy._core.multiarray")
    except ImportError:  # numpy < 1.26
        multiarray = importlib.import_module("numpy.core.multiarray")
    out: list = [np.ndarray, np.dtype]
    for fn in ("_reconstruct", "scalar"):
        obj = getattr(multiarray, fn, None)
        if obj is not None:
            out += [obj, (obj, f"numpy.core.multiarray.{fn}"), (obj, f"numpy._core.multiarray.{fn}")]
    dtypes = getattr(np, "dtypes", None)
    if dtypes is not None:
        out += [getattr(dtypes, n) for n in dir(dtypes) if n.endswith("DType")]
    return out


_NUMPY_NAME = re.compile(r"^numpy(\.|$)")


def load_checkpoint(path: str | Path, *, what: str = "weights", hint: str | None = None) -> Any:
    """``torch.load(path, weights_only=True)`` on CPU, with numpy arrays allowed.

    Anything else the file would need to unpickle (classes, functions) is refused with
    a :class:`WeightsError` that names the file.
    """
    import torch

    import zipfile

    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"{what} {str(path)!r} does not exist")
    with open(path, "rb") as f:
        head = f.read(2)
    if not zipfile.is_zipfile(path) and head[:1] != b"\x80":  # torch's zip format or a legacy pickle
        raise WeightsError(f"{what} {str(path)!r} is not a PyTorch checkpoint ({path.stat().st_size} bytes, "
                           "neither torch's zip format nor a legacy pickle)",
                           hint=hint or "the file is truncated or something else; download it again")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as first:
        error: Exception = first
    try:
        unsafe = torch.serialization.get_unsafe_globals_in_checkpoint(str(path))
    except Exception:
        unsafe = None
    if unsafe and all(_NUMPY_NAME.match(name) for name in unsafe):
        try:
            with torch.serialization.safe_globals(_numpy_globals()):
                return torch.load(path, map_location="cpu", weights_only=True)
        except Exception as e:
            error = e
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    boiler = ("Weights only load failed", "Please file an issue", "Check the documentation")
    useful = [line for line in lines if not line.startswith(boiler)]
    detail = next((line for line in useful if "Unsupported global" in line or "GLOBAL" in line),
                  " ".join(useful) or (lines[0] if lines else type(error).__name__))
    raise WeightsError(
        f"cannot load {what} {str(path)!r} safely: {detail.strip()[:300]}",
        hint=hint or "fakebench only reads plain state_dicts (torch.load with weights_only=True); "
                     "re-save the weights with torch.save(model.state_dict(), path)",
    ) from None


def as_tensors(obj: Mapping[str, Any]) -> dict[str, Any]:
    """A state dict whose numpy arrays are turned into float/int tensors."""
    import numpy as np
    import torch

    return {k: torch.from_numpy(np.ascontiguousarray(v)) if isinstance(v, np.ndarray) else v for k, v in obj.items()}


def sub_state(state: Mapping[str, Any], prefixes: Iterable[str]) -> dict[str, Any]:
    """The entries under the first of ``prefixes`` present in ``state``, prefix removed.
    An empty prefix matches everything."""
    for prefix in prefixes:
        if not prefix:
            return dict(state)
        picked = {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
        if picked:
            return picked
    return {}


def load_into(module, state: Mapping[str, Any], *, what: str, path: str | Path | None = None,
              optional: Iterable[str] = ()) -> None:
    """``module.load_state_dict(state)`` with a clear error for a checkpoint of another model.

    Keys of ``module`` matching a prefix in ``optional`` (fixed front-end buffers such as
    STFT kernels and mel filters, recomputed from the configuration) and BatchNorm's
    ``num_batches_tracked`` counters may be missing;
    unexpected keys are ignored only if they belong to parts fakebench does not use,
    which the caller removes beforehand. Shape mismatches are errors.
    """
    own = module.state_dict()
    optional = tuple(optional)
    where = f" {str(path)!r}" if path else ""
    missing = [k for k in own if k not in state and not k.startswith(optional)
               and not k.endswith("num_batches_tracked")]
    unexpected = [k for k in state if k not in own]
    wrong = [f"{k} {tuple(state[k].shape)} vs {tuple(own[k].shape)}" for k in own
             if k in state and hasattr(state[k], "shape") and tuple(state[k].shape) != tuple(own[k].shape)]
    if missing or unexpected or wrong:
        parts = []
        if missing:
            parts.append(f"{len(missing)} missing key(s), e.g. {missing[:3]}")
        if unexpected:
            parts.append(f"{len(unexpected)} unexpected key(s), e.g. {unexpected[:3]}")
        if wrong:
            parts.append(f"{len(wrong)} shape mismatch(es), e.g. {wrong[:2]}")
        raise WeightsError(
            f"{what}{where} does not fit the model: " + "; ".join(parts),
            hint="check that the file is the checkpoint this embedder expects (see `fakebench list embedders` "
                 "and docs/embedders.md), and that the embedder's parameters match it",
        )
    merged = {k: (state[k] if k in state else own[k]) for k in own}
    module.load_state_dict(merged, strict=True)


# -- Hugging Face models (folders) ---------------------------------------------------------


HF_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin", "model.safetensors.index.json",
                   "pytorch_model.bin.index.json")


def hf_model_dir(model_id: str, weights: str | Path | None = None, *, download: bool | None = None) -> Resolved:
    """Resolve a Hugging Face model to a local folder (config + weights).

    An explicit ``weights`` folder is used as it is; otherwise the snapshot of
    ``model_id`` in the HF cache, or (online) a download of it. The fingerprint is the
    sha256 of the weights file (the HF cache's blob name for LFS files, so no re-hashing).
    """
    if weights is not None and str(weights) != "":
        folder = Path(weights).expanduser()
        if folder.is_file():
            raise WeightsError(f"--weights {str(folder)!r} is a file; this embedder needs a model folder",
                               hint="pass the folder that holds config.json and the weights (save_pretrained output)")
        if not (folder / "config.json").is_file():
            raise WeightsError(f"{str(folder)!r} is not a Hugging Face model folder (no config.json)",
                               hint="pass a folder written by save_pretrained(), or a hub snapshot folder")
        return Resolved(folder, "explicit", _hf_weights_digest(folder))
    try:
        from huggingface_hub import snapshot_download
    except ImportError:
        raise WeightsError("the huggingface_hub package is needed to find hub models",
                           hint="pip install huggingface_hub, or pass a local model folder with --weights") from None
    if download is None:
        download = not offline()
    patterns = ["*.json", "*.safetensors", "*.txt"]
    try:
        folder = Path(snapshot_download(model_id, local_files_only=True, allow_patterns=patterns,
                                        cache_dir=str(hf_hub_cache())))
        if not any((folder / f).is_file() for f in HF_WEIGHT_FILES):
            raise FileNotFoundError(folder)
        source = "hf-cache"
    except Exception:
        folder = None
        source = ""
    if folder is None and download:
        try:
            log.info("downloading %s from the Hugging Face hub", model_id)
            folder = Path(snapshot_download(model_id, allow_patterns=patterns, cache_dir=str(hf_hub_cache())))
            if not any((folder / f).is_file() for f in HF_WEIGHT_FILES):
                folder = Path(snapshot_download(model_id, allow_patterns=patterns + ["*.bin"],
                                                cache_dir=str(hf_hub_cache())))
            source = "download"
        except Exception as e:
            raise WeightsError(
                f"cannot download the Hugging Face model {model_id!r}: {str(e).splitlines()[0] if str(e) else e}",
                hint=f"run `huggingface-cli download {model_id}` where you are online, or pass a local folder "
                     "with --weights",
            ) from None
    if folder is None:
        why = "downloads are off (HF_HUB_OFFLINE or FAKEBENCH_OFFLINE is set)" if offline() else \
            "it is not in the Hugging Face cache"
        raise WeightsError(
            f"the Hugging Face model {model_id!r} was not found: {why}",
            hint=f"run `huggingface-cli download {model_id}` (the cache is {hf_hub_cache()}), or pass a local "
                 "folder with --weights; --weights random runs it with random weights (tests only)",
        )
    return Resolved(folder, source, _hf_weights_digest(folder))


def _hf_weights_digest(folder: Path) -> str:
    """sha256 of the model's weights (the HF blob name when it is one), combined over shards."""
    files = sorted(p for p in folder.iterdir() if p.suffix in (".safetensors", ".bin") and p.is_file())
    if not files:
        raise WeightsError(f"the model folder {str(folder)!r} holds no weights (*.safetensors or *.bin)",
                           hint="download the complete model, or save it with save_pretrained()")
    digests = []
    for p in files:
        blob = p.resolve().name
        digests.append(blob if re.fullmatch(r"[0-9a-f]{64}", blob) else file_digests(p)[0])
    if len(digests) == 1:
        return digests[0]
    return hashlib.sha256("".join(digests).encode()).hexdigest()


def load_hf_state(folder: str | Path, prefixes: Iterable[str] = ("",)) -> dict[str, Any]:
    """The tensors of a Hugging Face model folder whose names start with the first matching
    prefix in ``prefixes`` (prefix removed): only those are read from safetensors files
    (single or sharded); ``pytorch_model.bin`` files go through :func:`load_checkpoint`."""
    import json

    folder = Path(folder)
    prefixes = tuple(prefixes)
    files: list[Path] = []
    for index in ("model.safetensors.index.json", "pytorch_model.bin.index.json"):
        if (folder / index).is_file():
            weight_map = json.loads((folder / index).read_text()).get("weight_map", {})
            files = [folder / name for name in sorted(set(weight_map.values()))]
            break
    if not files:
        files = [folder / n for n in ("model.safetensors", "pytorch_model.bin") if (folder / n).is_file()][:1]
    if not files:
        raise WeightsError(f"the model folder {str(folder)!r} holds no model.safetensors or pytorch_model.bin",
                           hint="download the complete model, or save it with save_pretrained()")
    state: dict[str, Any] = {}
    for path in files:
        if path.suffix == ".safetensors":
            from safetensors import safe_open

            try:
                with safe_open(str(path), framework="pt") as f:
                    for key in f.keys():
                        if any(key.startswith(p) for p in prefixes):
                            state[key] = f.get_tensor(key)
            except Exception as e:
                raise WeightsError(f"cannot read {str(path)!r}: {str(e).splitlines()[0] if str(e) else e}",
                                   hint="the file is corrupt or incomplete; download it again") from None
        else:
            part = load_checkpoint(path, what="model weights")
            state.update({k: v for k, v in part.items() if any(k.startswith(p) for p in prefixes)})
    return sub_state(state, prefixes)


def rename_weight_norm(state: Mapping[str, Any], own: Iterable[str]) -> dict[str, Any]:
    """Map old ``weight_g``/``weight_v`` weight-norm names to torch's parametrization names
    (``parametrizations.weight.original0/1``) or back, whichever the model uses."""
    own = set(own)
    out = dict(state)
    pairs = ((".weight_g", ".parametrizations.weight.original0"), (".weight_v", ".parametrizations.weight.original1"))
    for key in list(out):
        for old, new in pairs:
            for a, b in ((old, new), (new, old)):
                if key.endswith(a) and key not in own:
                    alt = key[: -len(a)] + b
                    if alt in own:
                        out[alt] = out.pop(key)
    return out
