"""The hook specifications of fakebench, in one place.

A fakebench plugin is a module (or object) with functions marked ``@fakebench.hookimpl``
whose names match the specs below. Each registration hook returns a list of *classes*;
every class carries a unique ``name`` within its kind. Registration happens only here:
a class is known to fakebench because a hook returned it.

Example, a third-party package's ``myplugin.py``::

    import fakebench
    from fakebench.api import Detector

    class Knn(Detector):
        name = "knn"
        description = "k-nearest neighbours on embeddings"
        ...

    @fakebench.hookimpl
    def fakebench_register_detectors():
        return [Knn]

and in its ``pyproject.toml``::

    [project.entry-points.fakebench]
    myplugin = "myplugin"

The hooks are called once, when the plugin manager is built
(:func:`fakebench.registry.get_plugin_manager`), in no guaranteed order.
"""

from __future__ import annotations

import pluggy

PROJECT = "fakebench"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# --- Data -------------------------------------------------------------------------------


@hookspec
def fakebench_register_datasets() -> list[type]:
    """Return dataset classes (subclasses of :class:`fakebench.api.Dataset`).

    Each class has a unique ``name`` (``dcase23``, ``asvspoof19-la``...), a one-line
    ``description``, and implements ``load()`` returning ``{split: [Clip, ...]}``.
    Called once when the plugin manager is built.
    """


# --- Representations --------------------------------------------------------------------


@hookspec
def fakebench_register_embedders() -> list[type]:
    """Return embedder classes (subclasses of :class:`fakebench.api.Embedder`).

    Each class declares ``name``, ``sample_rate`` (Hz) and ``dim``; ``load()`` does the
    heavy imports and ``embed(batch)`` maps (n, samples) audio in [-1, 1] to (n, dim).
    Called once when the plugin manager is built.
    """


# --- Models -----------------------------------------------------------------------------


@hookspec
def fakebench_register_detectors() -> list[type]:
    """Return detector classes (subclasses of :class:`fakebench.api.Detector`).

    Detectors follow scikit-learn: ``fit(X, y)`` returns self and
    ``decision_function(X)`` returns scores of shape (n,), higher = more likely fake.
    A detector that needs more than an embedding declares ``inputs``.
    Called once when the plugin manager is built.
    """


# --- Conditions -------------------------------------------------------------------------


@hookspec
def fakebench_register_conditions() -> list[type]:
    """Return condition classes (subclasses of :class:`fakebench.api.Condition`).

    Each class has a unique ``name`` (``mp3``, ``noise``...) used in condition specs
    (``--condition mp3:32k``), a one-line ``description``, and implements
    ``apply(wave, sample_rate, rng)`` mapping (samples,) float32 audio in [-1, 1] to the
    same length, degraded. Called once when the plugin manager is built.
    """


# --- Evaluation -------------------------------------------------------------------------


@hookspec
def fakebench_register_recipes() -> list:
    """Return paths (``str`` or ``os.PathLike``) of reproduction recipe files.

    A recipe is a TOML file (schema ``fakebench.recipe/1``, see :mod:`fakebench.recipes`)
    describing a published study: its runs, protocol options and published values with
    their source. Each file's stem is the recipe's name and must be unique among installed
    plugins and the built-ins; data files a recipe names are read relative to it. Ship
    them as package data, e.g. ``return [Path(__file__).with_name("mystudy.toml")]``.
    Called when recipes are listed or loaded (``fakebench reproduce``).
    """


@hookspec
def fakebench_register_metrics() -> list[type]:
    """Return metric classes (subclasses of :class:`fakebench.api.Metric`).

    Each class has a ``name``, ``higher_is_better`` and ``compute(scores, labels, **ctx)``
    returning a float. Called once when the plugin manager is built.
    """
