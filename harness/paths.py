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
"""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    return Path(os.environ.get("FAKEBENCH_HOME", "~/.fakebench")).expanduser()


def data_root() -> Path:
    """``$FAKEBENCH_DATA``, else ``$FAKEBENCH_HOME/data`` (``~/.fakebench/data``)."""
    if os.environ.get("FAKEBENCH_DATA"):
        return Path(os.environ["FAKEBENCH_DATA"]).expanduser()
    return home() / "data"


def results_root() -> Path:
    if os.environ.get("FAKEBENCH_RESULTS"):
        return Path(os.environ["FAKEBENCH_RESULTS"]).expanduser()
    return home() / "results"


def weights_root() -> Path:
    if os.environ.get("FAKEBENCH_WEIGHTS"):
        return Path(os.environ["FAKEBENCH_WEIGHTS"]).expanduser()
    return home() / "weights"


def models_root() -> Path:
    return home() / "models"
