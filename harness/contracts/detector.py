"""The detector contract (scikit-learn style).

A detector plugin subclasses :class:`Detector`:

* ``__init__`` only stores its keyword parameters (``random_state``, ``device``...);
* ``fit(X, y, X_val=None, y_val=None)`` learns and returns ``self``; learned
  attributes end in ``_``; ``history_`` holds the training curve (one dict per epoch);
* ``decision_function(X)`` returns a float array of shape (n,), **higher = more likely
  fake**; ``predict(X)`` thresholds it at ``threshold_`` (1 = fake);
* ``get_state()`` / ``set_state(state)`` give and take what is saved: tensors, numbers,
  strings, lists and dicts only, so a saved detector loads with ``weights_only=True``.

``inputs`` says what ``X`` is. The default, ``("embedding",)``, means ``X`` is a float32
array (n, D) of scene embeddings. Anything else (``"frames"``, ``"audio"``,
``"transcript"``, ``"speaker"``) makes ``X`` an :class:`fakebench.inputs.Inputs`
holding exactly those fields, which the runner fills.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from ..params import Configurable


class Detector(Configurable):
    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    #: What X is made of (see the module docstring).
    inputs: ClassVar[tuple[str, ...]] = ("embedding",)
    #: Embedder used when the detector is named alone (``--detector aasist``).
    default_embedder: ClassVar[str | None] = None
    #: For audio input: the rate (Hz) and clip-length policy the model expects.
    sample_rate: ClassVar[int | None] = None
    default_length: ClassVar[str] = "full"
    version: ClassVar[str] = "1"
    #: True when scores are logits of p(fake), so ``fakebench score`` can show p(fake).
    scores_are_logits: ClassVar[bool] = False
    license: ClassVar[str] = ""
    citation: ClassVar[str] = ""

    threshold_: float = 0.0

    def fit(self, X: Any, y: np.ndarray, X_val: Any = None, y_val: np.ndarray | None = None) -> "Detector":
        raise NotImplementedError

    def decision_function(self, X: Any) -> np.ndarray:
        raise NotImplementedError

    def predict(self, X: Any) -> np.ndarray:
        """1 (fake) where the score exceeds ``threshold_``, else 0."""
        return (np.asarray(self.decision_function(X)) > self.threshold_).astype(np.int64)

    def get_state(self) -> dict[str, Any]:
        raise NotImplementedError(f"{self.name} cannot be saved")

    def set_state(self, state: dict[str, Any]) -> "Detector":
        raise NotImplementedError(f"{self.name} cannot be loaded")

    @property
    def needs_embeddings(self) -> bool:
        return "embedding" in self.inputs or "frames" in self.inputs
