"""``logreg``: logistic regression on scene embeddings, the simplest baseline.

Source: scikit-learn's ``LogisticRegression`` (https://scikit-learn.org, BSD-3-Clause);
F. Pedregosa et al., "Scikit-learn: Machine Learning in Python", JMLR 12, 2011.

Model: optional standardisation (per-dimension mean and standard deviation of the
training split, ``standardize=True``), then L2-regularised logistic regression
(``C`` = 1, lbfgs, up to ``max_iter`` iterations). ``class_weight="balanced"`` (the
default) weights the classes inversely to their frequency, as the other fakebench
detectors balance their training; ``None`` gives scikit-learn's plain fit.

Input: X (n, D) float32 embeddings. ``decision_function`` returns the log-odds of
"fake", ``(x - mean) / scale . w + b``, computed from the stored coefficients so a saved
and reloaded detector gives identical scores; ``predict`` thresholds it at 0 (p = 0.5).
``random_state`` is passed to scikit-learn (lbfgs itself is deterministic). Runs on the
CPU whatever ``device`` says.
"""

from __future__ import annotations

import numpy as np

from fakebench.api import ConfigError, Detector, hookimpl

from fakebench.api import Bool, Float, Int, OneOf

from fakebench.api import Device, Seed


class LogReg(Detector):
    name = "logreg"
    description = "logistic regression on embeddings (scikit-learn), standardised, class-balanced"
    citation = "Pedregosa et al., Scikit-learn: Machine Learning in Python, JMLR 2011"
    license = "BSD-3-Clause (scikit-learn)"
    scores_are_logits = True

    param_specs = {"C": Float(0, low_open=True), "standardize": Bool(),
                   "class_weight": OneOf("balanced", nullable=True), "max_iter": Int(1, 100_000),
                   "tol": Float(0, 1, low_open=True), "random_state": Seed(), "device": Device()}

    def __init__(self, C=1.0, standardize=True, class_weight="balanced", max_iter=1000, tol=1e-4, random_state=0,
                 device="cpu"):
        self.C = C
        self.standardize = standardize
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.device = device

    def _x(self, X) -> np.ndarray:
        x = np.asarray(X, dtype=np.float64)
        if x.ndim != 2:
            raise ConfigError(f"logreg takes (n, D) embeddings, got shape {x.shape}")
        if hasattr(self, "mean_") and x.shape[1] != self.mean_.shape[0]:
            raise ConfigError(f"logreg was trained on {self.mean_.shape[0]}-d embeddings but got shape {x.shape}",
                              hint="score with the same embedder the detector was trained on")
        return x

    def fit(self, X, y, X_val=None, y_val=None):
        from sklearn.linear_model import LogisticRegression

        x = self._x(X)
        y = np.asarray(y, dtype=np.int64)
        if self.standardize:
            self.mean_ = x.mean(axis=0)
            std = x.std(axis=0)
            self.scale_ = np.where(std > 0, std, 1.0)
        else:
            self.mean_, self.scale_ = np.zeros(x.shape[1]), np.ones(x.shape[1])
        clf = LogisticRegression(C=float(self.C), class_weight=self.class_weight, max_iter=int(self.max_iter),
                                 tol=float(self.tol), random_state=self.random_state)
        clf.fit((x - self.mean_) / self.scale_, y)
        self.coef_ = clf.coef_.reshape(-1).astype(np.float64)
        self.intercept_ = float(clf.intercept_[0])
        self.n_iter_ = int(np.max(clf.n_iter_))
        self.threshold_ = 0.0
        self.best_epoch_ = None
        self.history_ = [self._curve_row(x, y, X_val, y_val)]
        return self

    def _curve_row(self, x, y, X_val, y_val) -> dict:
        row = {"epoch": 1, "iterations": self.n_iter_, **_loss_acc(self.decision_function(x), y)}
        if X_val is not None and len(X_val):
            row.update({f"val_{k}": v for k, v in _loss_acc(self.decision_function(X_val), np.asarray(y_val)).items()})
        return row

    def decision_function(self, X) -> np.ndarray:
        x = self._x(X)
        return ((x - self.mean_) / self.scale_) @ self.coef_ + self.intercept_

    def get_state(self):
        import torch

        return {"mean": torch.from_numpy(self.mean_), "scale": torch.from_numpy(self.scale_),
                "coef": torch.from_numpy(self.coef_), "intercept": self.intercept_, "n_iter": self.n_iter_}

    def set_state(self, state):
        self.mean_ = state["mean"].double().numpy()
        self.scale_ = state["scale"].double().numpy()
        self.coef_ = state["coef"].double().numpy()
        self.intercept_ = float(state["intercept"])
        self.n_iter_ = int(state.get("n_iter", 0))
        self.best_epoch_ = None
        return self


def _loss_acc(scores: np.ndarray, y: np.ndarray) -> dict:
    """Mean log-loss and accuracy (at 0) of log-odds ``scores``."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(y)
    loss = np.mean(np.logaddexp(0.0, -s) * (y == 1) + np.logaddexp(0.0, s) * (y == 0))
    return {"loss": float(loss), "accuracy": float(((s > 0).astype(int) == y).mean())}


@hookimpl
def fakebench_register_detectors():
    return [LogReg]
