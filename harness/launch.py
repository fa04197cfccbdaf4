"""Launching a run: a :class:`~fakebench.config.RunSpec` becomes result records on the
executor it names (``spec.executor``).

* ``local``: one :class:`~fakebench.runner.Runner` in this process, seeds one after another;
* ``ray`` with several seeds: one Ray task per seed (:meth:`RayExecutor.run_seeds`);
* ``ray`` with one seed: a Runner here whose embedding and scoring go to the Ray
  executor's actor pool.

The runner knows no executor and the executors build Runners, so the choice lives here,
above both. :func:`run` is ``fakebench.run``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from .config import RunSpec

__all__ = ["run", "run_spec", "runner_for"]


def runner_for(spec: RunSpec) -> Any:
    """The :class:`~fakebench.runner.Runner` of ``spec``, wired to its executor (its
    ``plan`` says what the run needs before anything runs)."""
    from .runner import Runner

    spec.validate()
    executor = None
    if spec.executor != "local":
        from .executors import executor_for

        executor = executor_for(spec)
    return Runner(spec, executor=executor)


def run_spec(spec: RunSpec, runner: Any = None) -> list[dict[str, Any]]:
    """The result records of ``spec``, run where ``spec.executor`` says (``runner``: the
    one :func:`runner_for` built, when the caller already has it)."""
    runner = runner if runner is not None else runner_for(spec)
    if runner.executor is not None and len(spec.seeds) > 1:  # one task per seed
        runner.plan.raise_if_missing()  # everything missing, in one error, before any task starts
        return runner.executor.run_seeds(spec)
    return runner.run()


def run(dataset: str | None = None, detector: str | None = None, *, config: str | Path | Mapping | None = None,
        sets: Any = None, **options: Any) -> list[dict[str, Any]]:
    """Run a benchmark and return its result records (one per seed and test set).

    ``config`` is a TOML file (or its parsed tables), ``sets`` the ``--set`` overrides
    (``["epochs=10"]`` or ``{"epochs": 10}``), ``options`` any :class:`RunSpec` field or
    ``[run]`` key; precedence: options > sets > config > defaults (:mod:`fakebench.config`).

    Example::

        import fakebench
        records = fakebench.run(dataset="foley-demo", detector="sfx-mlp",
                                data_root="../shared/data", seeds=[0, 1, 2])
    """
    spec = RunSpec.from_config(config, sets=sets, dataset=dataset, detector=detector, **options)
    return run_spec(spec)


