"""``fakebench serve``: a Gradio page that gives verdicts of saved detectors on audio.

Modules (none imports gradio, torch or matplotlib at import time):

* :mod:`.limits`: the server's limits (:class:`Limits`), option validation, the checks
  every clip passes before it is decoded (size, then duration read from the header), and
  safe extraction of uploaded zip files;
* :mod:`.models`: :class:`ModelEntry`, a saved detector loaded once beside what its run
  record says about it (training data, eval EER, threshold, calibration);
* :mod:`.analysis`: scoring one clip with every model, the score over time of a long
  clip (sliding windows), batches (zip or folder) to CSV, and the figures (matplotlib,
  Agg);
* :mod:`.render`: the HTML of the model and verdict cards (escaped; values also as data
  attributes);
* :mod:`.app`: the Gradio Blocks page;
* :mod:`.server`: the FastAPI/uvicorn server around it, with the request guards (body
  size and body deadline, idle connections, bounded concurrency).

Install with ``pip install fakebench[ui]``; see ``docs/serve.md``.
"""

from __future__ import annotations

INSTALL_HINT = "pip install fakebench[ui]"


def require_ui() -> None:
    """Raise one clear :class:`~fakebench.errors.ConfigError` when the ``ui`` extra (gradio
    and the FastAPI/uvicorn it runs on) is not installed. Imports nothing."""
    import importlib.util

    from ..errors import ConfigError

    for name in ("gradio", "fastapi", "uvicorn"):
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):  # a broken or blocked installation
            spec = None
        if spec is None:
            raise ConfigError(f"fakebench serve needs the 'ui' extra, which is not installed ({name} is missing)",
                              hint=INSTALL_HINT)
