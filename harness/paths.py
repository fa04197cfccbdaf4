"""Where fakebench keeps things by default.

Everything lives under ``$FAKEBENCH_HOME`` (default ``~/.fakebench``) unless a more
specific variable or option says otherwise:

====================  ======================  ===========================
what                  option                  variable
====================  ======================  ===========================
datasets              ``--data-root``         ``FAKEBENCH_DATA``
embedding cache       ``--cache-dir``         ``FAKEBENCH_CACHE``
results store         ``--results``           ``FAKEBENCH_RESULTS``
model weights         ``--weights``           ``FAKEBENCH_WEIGHTS``
====================  ======================  ===========================

A variable that is set but empty (``FAKEBENCH_HOME=``) or only blanks counts as unset,
as the command-line options already treat it: an empty path would otherwise mean the
current folder, and fakebench would write its home, cache or results wherever the
command happens to run. Every ``FAKEBENCH_*`` path variable goes through
:func:`env_path`.
"""

from __future__ import annotations

import os
from pathlib import Path

#: The path variables, each with what it holds.
PATH_VARIABLES = {
    "FAKEBENCH_HOME": "everything fakebench keeps (default ~/.fakebench)",
    "FAKEBENCH_DATA": "the datasets",
    "FAKEBENCH_CACHE": "the embedding cache",
    "FAKEBENCH_RESULTS": "the results store",
    "FAKEBENCH_WEIGHTS": "model weights",
}


def env_path(name: str) -> Path | None:
    """The path in environment variable ``name``, user-expanded; None when it is unset,
    empty or only blanks."""
    value = os.environ.get(name)
    if value is None or not value.strip():
        return None
    return Path(value.strip()).expanduser()


def home() -> Path:
    return env_path("FAKEBENCH_HOME") or Path("~/.fakebench").expanduser()


def data_root() -> Path:
    """``$FAKEBENCH_DATA``, else ``$FAKEBENCH_HOME/data`` (``~/.fakebench/data``)."""
    return env_path("FAKEBENCH_DATA") or home() / "data"


def cache_root() -> Path:
    """``$FAKEBENCH_CACHE``, else ``$FAKEBENCH_HOME/cache``."""
    return env_path("FAKEBENCH_CACHE") or home() / "cache"


def results_root() -> Path:
    return env_path("FAKEBENCH_RESULTS") or home() / "results"


def weights_root() -> Path:
    return env_path("FAKEBENCH_WEIGHTS") or home() / "weights"


def models_root() -> Path:
    return home() / "models"
