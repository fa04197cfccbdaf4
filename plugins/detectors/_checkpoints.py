"""Released checkpoints of the detectors (private: not a plugin): finding a file that
fakebench never downloads, reading a torch state_dict, loading it with strict key matching
and a one-line reason when it does not fit, checking its values, and recording where it
came from. Used by ``aasist``, ``rawnet2``, ``lcnn`` and the SSL detectors
(``_ssl/detector.py``).

Importing this module does not import torch (the plugins import it at module level)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fakebench.api import WeightsError

log = logging.getLogger("fakebench")


def find_unpublished(spec, weights, hint: str):
    """``resolve_weights(spec, weights)`` for a file with no published checksum, which is
    never downloaded: without ``--weights`` and with no copy in the weights folder or the
    caches, one WeightsError naming ``spec``'s file, with ``hint`` (where to get it and
    where to put it)."""
    from fakebench.api import resolve_weights, weights_cache_candidates

    if (weights is None or str(weights) == "") and not weights_cache_candidates(spec):
        raise WeightsError(f"{spec.what} {spec.filename!r} was not found", hint=hint)
    return resolve_weights(spec, weights)


def read_state_dict(path, *, what: str, hint: str, unwrap: bool = False) -> dict:
    """The state_dict in the torch file ``path`` (read with ``weights_only``); with
    ``unwrap`` also the ``state_dict`` entry of a training checkpoint, and never an empty
    one. One WeightsError (with ``hint``) when the file holds something else."""
    from fakebench.api import load_checkpoint

    state = load_checkpoint(path, what=what)
    if unwrap and isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or (unwrap and not state):
        raise WeightsError(f"{str(path)!r} is not a state_dict", hint=hint)
    return state


def strip_data_parallel(state: Mapping[str, Any]) -> dict[str, Any]:
    """Remove the ``module.`` prefix ``torch.nn.DataParallel`` adds to every key (the SSL-AASIST
    DF and SLS training scripts wrap their model in it); other checkpoints pass unchanged."""
    keys = list(state)
    if keys and all(k.startswith("module.") for k in keys):
        return {k[len("module."):]: v for k, v in state.items()}
    return dict(state)


def strict_load(module, state: Mapping[str, Any], *, shapes_first: bool = False) -> str | None:
    """Load ``state`` into ``module`` with strict key matching. None when it fits, else why
    not, on one line of at most 400 characters (``shapes_first``: name the tensors whose
    shapes differ before torch's own message)."""
    try:
        if shapes_first:
            own = module.state_dict()
            wrong = [f"{k} {tuple(state[k].shape)} vs {tuple(own[k].shape)}" for k in own
                     if k in state and tuple(state[k].shape) != tuple(own[k].shape)]
            if wrong:
                raise RuntimeError(f"{len(wrong)} shape mismatch(es), e.g. {wrong[:2]}")
        module.load_state_dict(dict(state), strict=True)
    except RuntimeError as e:
        return " ".join(str(e).split())[:400]
    return None


def load_exactly(net, state: Mapping[str, Any], *, path, network: str, hint: str) -> None:
    """:func:`strict_load`, or one WeightsError "``path`` does not fit ``network``: why"."""
    detail = strict_load(net, state)
    if detail is not None:
        raise WeightsError(f"{str(path)!r} does not fit {network}: {detail}", hint=hint)


def check_finite(net, path, hint: str) -> None:
    """One WeightsError when a floating-point tensor of ``net`` holds NaN or infinity."""
    import torch

    if not all(torch.isfinite(v).all() for v in net.state_dict().values() if v.is_floating_point()):
        raise WeightsError(f"{str(path)!r} holds NaN or infinite values", hint=hint)


def loaded(name: str, found, *, checked: bool = True) -> dict:
    """Log that detector ``name`` loaded the ``found`` checkpoint (``checked``: its sha256
    was verified) and return where it came from: path, source and sha256."""
    if checked:
        log.info("%s: loaded %s (%s, sha256 %s...)", name, found.path, found.source, found.sha256[:12])
    else:
        log.info("%s: loaded %s (%s, sha256 %s..., not checked: none is published)", name, found.path, found.source,
                 found.sha256[:12])
    return {"path": str(found.path), "source": found.source, "sha256": found.sha256}
