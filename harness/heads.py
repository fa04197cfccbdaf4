"""A base for torch heads trained on scene embeddings (the paper's MLP and 1-D CNN).

A subclass stores its parameters in ``__init__`` (scikit-learn style), including
``lr``, ``batch_size``, ``epochs``, ``checkpoint_every``, ``balance``,
``weight_decay``, ``random_state`` and ``device``, and implements ``_build(in_dim)``
returning a module that maps (n, in_dim) to (n, 1) logits. Training is
:func:`fakebench.training.train_binary`: the whole split on the device, balanced
sampling, a checkpoint every ``checkpoint_every`` epochs keeping the best validation
accuracy. Scores are the logit of "fake", so the decision threshold is 0 (p = 0.5).

Two optional parameters reach the training loop when a subclass has them:
``checkpoint_rule`` (``best``, the default, or ``block-mean:N``, Ouajdi et al.'s block
rule) and ``warmup_epochs`` (training epochs before epoch 1, outside model selection);
see :mod:`fakebench.training`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np

from .contracts.detector import Detector
from .errors import ConfigError

if TYPE_CHECKING:  # torch is imported where a head is built, not where it is listed
    import torch


class EmbeddingHead(Detector):
    scores_are_logits = True
    #: Rows per forward pass when scoring.
    eval_batch: ClassVar[int] = 8192

    def _build(self, in_dim: int) -> torch.nn.Module:
        raise NotImplementedError

    def fit(self, X, y, X_val=None, y_val=None):
        import torch

        from .training import as_device_tensors, parse_checkpoint_rule, train_binary

        parse_checkpoint_rule(getattr(self, "checkpoint_rule", "best"))  # a bad rule fails before any work
        torch.manual_seed(int(self.random_state))
        x, yt = as_device_tensors(X, y, self.device)
        has_val = X_val is not None and len(X_val)
        xv, yv = as_device_tensors(X_val, y_val, self.device) if has_val else (None, None)
        self.in_dim_ = int(x.shape[1])
        self.model_ = self._build(self.in_dim_).to(self.device)
        res = train_binary(self.model_, x, yt, xv, yv, epochs=int(self.epochs), batch_size=int(self.batch_size),
                           lr=float(self.lr), seed=int(self.random_state), balance=self.balance,
                           checkpoint_every=int(self.checkpoint_every), weight_decay=float(self.weight_decay),
                           eval_batch=self.eval_batch, checkpoint_rule=str(getattr(self, "checkpoint_rule", "best")),
                           warmup_epochs=int(getattr(self, "warmup_epochs", 0)))
        self.history_ = res.history
        self.best_epoch_ = res.best_epoch
        self.threshold_ = 0.0
        return self

    def decision_function(self, X) -> np.ndarray:
        import torch

        from .training import predict_logits

        x = torch.as_tensor(np.asarray(X, dtype=np.float32), device=self.device)
        if x.ndim != 2 or x.shape[1] != self.in_dim_:
            raise ConfigError(f"{self.name} was trained on {self.in_dim_}-d embeddings but got shape {tuple(x.shape)}",
                              hint="score with the same embedder the detector was trained on")
        return predict_logits(self.model_, x, batch=self.eval_batch).double().cpu().numpy()

    def get_state(self):
        return {"in_dim": self.in_dim_, "model": {k: v.detach().cpu() for k, v in self.model_.state_dict().items()},
                "best_epoch": self.best_epoch_}

    def set_state(self, state):
        self.in_dim_ = int(state["in_dim"])
        self.model_ = self._build(self.in_dim_)
        self.model_.load_state_dict(state["model"])
        self.model_.to(self.device).eval()
        self.best_epoch_ = state.get("best_epoch")
        return self
