"""The detector contract (scikit-learn style).

A detector plugin subclasses :class:`Detector`:

* ``__init__`` only stores its keyword parameters (``random_state``, ``device``...);
* ``fit(X, y, X_val=None, y_val=None)`` learns and returns ``self``; learned
  attributes end in ``_``; ``history_`` holds the training curve (one dict per epoch);
* ``decision_function(X)`` returns a float array of shape (n,), **higher = more likely
  fake**; ``predict(X)`` thresholds it at ``threshold_`` (1 = fake);
* ``get_state()`` / ``set_state(state)`` give and take what is saved: tensors, numbers,
  strings, lists and dicts only, so a saved detector loads with ``weights_only=True``;
* ``fit`` may set ``val_scores_``, the final model's scores of ``X_val`` (e.g. computed to
  place the threshold with :func:`threshold_at_val_eer`): the runner then reuses them
  instead of scoring the validation split again.

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

    def requirements(self, weights: Any = None) -> list:
        """What ``fit`` needs that is not in ``X``, found without loading or downloading
        anything: a list of :class:`fakebench.preflight.Requirement` (released checkpoints,
        Hugging Face models, an ASR model, packages), as the parameters ask for them.
        ``weights`` is the run's ``--weights`` when it goes to this detector (None: the
        ``weights`` parameter, if any). The run checks them all before decoding any audio
        (``fakebench run --check`` lists them). Default: nothing.
        """
        return []

    def get_state(self) -> dict[str, Any]:
        raise NotImplementedError(f"{self.name} cannot be saved")

    def set_state(self, state: dict[str, Any]) -> "Detector":
        raise NotImplementedError(f"{self.name} cannot be loaded")

    @property
    def needs_embeddings(self) -> bool:
        return "embedding" in self.inputs or "frames" in self.inputs


def threshold_at_val_eer(name: str, threshold: Any, score: Any, X_val: Any, y_val: Any) -> tuple[float, Any]:
    """A detector's decision threshold from its ``threshold`` parameter, and the val scores
    computed on the way (``None`` when none were).

    ``threshold`` is ``"val-eer"`` (the EER point of the validation split, when it holds
    both classes; 0 otherwise) or a number. ``score(X)`` scores inputs with the final
    model. A detector stores the returned scores in ``val_scores_`` so the runner does not
    run the validation split through the network a second time.
    """
    import logging

    from ..errors import ConfigError

    log = logging.getLogger("fakebench")
    if threshold != "val-eer":
        try:
            return float(threshold), None
        except (TypeError, ValueError):
            raise ConfigError(f"{name}: threshold must be 'val-eer' or a number, not {threshold!r}") from None
    if X_val is None or y_val is None or len(X_val) == 0:
        return 0.0, None
    yv = np.asarray(y_val)
    scores = np.asarray(score(X_val), dtype=np.float64)
    if yv.min() == yv.max():
        log.info("%s: the validation split holds one class; decision threshold left at 0", name)
        return 0.0, scores
    from ..metrics import eer

    value, thr = eer(scores, yv, return_threshold=True, warn=False)
    log.info("%s: decision threshold %.4f (EER point of the validation split, EER %.2f%%)", name, thr, 100 * value)
    return float(thr), scores
