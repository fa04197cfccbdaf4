"""Executors: where the heavy work of a run is done.

``local`` (the default) does everything in this process, as fakebench always has.
``ray`` spreads it over a Ray cluster (the optional extra ``pip install fakebench[ray]``;
``ray`` is imported only inside the functions that use it, so nothing here costs an
import when it is not used). See ``docs/distributed.md``.

Every executor offers the same four operations:

``extract(embedder, clips, *, cache, length, batch_size, num_workers, frames, skip_bad,
precision, progress, loader, condition)``
    embeddings of ``clips`` through the cache, with the signature and results of
    :func:`fakebench.extract.extract` (the runner's ``Runner.extract`` is replaced by it);
``score(detector, X)``
    ``detector.decision_function(X)``; the Ray executor shards audio inputs
    (:class:`fakebench.inputs.Inputs` with an ``audio`` source) over workers that each
    hold a copy of the fitted detector;
``run_seeds(spec)``
    the result records of a :class:`fakebench.config.RunSpec`, one Runner per seed;
``sweep(specs)``
    the records of several RunSpecs (pipelines, conditions...) run as one job.

:func:`get_executor` builds one by name; :func:`executor_for` builds the one a RunSpec
asks for (``spec.executor``, ``spec.address``).
"""

from __future__ import annotations

from typing import Any

from ..config import EXECUTORS
from ..errors import ConfigError

#: what to install for the Ray executor
RAY_EXTRA = "pip install fakebench[ray]"

__all__ = ["EXECUTORS", "RAY_EXTRA", "executor_for", "get_executor", "require_ray"]


def require_ray():
    """The ``ray`` module, or one :class:`ConfigError` naming the extra to install."""
    try:
        import ray
    except ImportError as e:
        raise ConfigError(f"--executor ray needs the Ray package, which is not installed ({e.name or 'ray'} "
                          "cannot be imported)", hint=f"{RAY_EXTRA}, or use --executor local") from None
    return ray


def get_executor(name: str = "local", address: str | None = None, **options: Any):
    """The executor called ``name`` (``local`` or ``ray``).

    ``address`` is the Ray cluster to use (``auto``: a running cluster, ``ray://HOST:PORT``:
    Ray Client, ``HOST:PORT``: a cluster's GCS; None: ``$RAY_ADDRESS``, a cluster started
    on this machine, or a new local instance); the local executor ignores it. ``options``
    go to the executor's constructor (for Ray: ``weights``, ``device``, ``num_actors``,
    ``cpus_per_actor``, ``gpus_per_actor``...; see :class:`fakebench.executors.ray.RayExecutor`).
    """
    if name == "local":
        from .local import LocalExecutor

        return LocalExecutor(**{k: v for k, v in options.items() if k in LocalExecutor.OPTIONS})
    if name == "ray":
        require_ray()
        from .ray import RayExecutor

        return RayExecutor(address, **options)
    raise ConfigError(f"unknown executor {name!r}", hint="use one of: " + ", ".join(EXECUTORS))


def executor_for(spec: Any):
    """The executor a :class:`~fakebench.config.RunSpec` asks for, set up with its weights
    and device."""
    return get_executor(getattr(spec, "executor", "local") or "local", getattr(spec, "address", None),
                        weights=spec.weights, device=spec.device)
