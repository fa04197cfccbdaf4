"""fakebench: a plugin-based benchmark harness for audio deepfake detection.

Label convention everywhere: 1 = fake/spoof, 0 = real/bona fide, and a higher detector
score means more likely fake.

Python API::

    import fakebench
    records = fakebench.run(dataset="foley-demo", detector="sfx-mlp", data_root="data/")

Plugins mark their hook implementations with :data:`fakebench.hookimpl`.
"""

from __future__ import annotations

from .hookspecs import hookimpl
from .data import FAKE, REAL, Clip

__all__ = ["hookimpl", "run", "Clip", "FAKE", "REAL", "__version__"]


def __getattr__(name: str):
    if name == "run":
        from .launch import run

        return run
    if name == "__version__":
        from .provenance import fakebench_version

        return fakebench_version()
    raise AttributeError(f"module 'fakebench' has no attribute {name!r}")
