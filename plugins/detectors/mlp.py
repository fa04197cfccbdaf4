"""``mlp``: the multilayer perceptron of Ouajdi et al. on scene embeddings.

Source: H. Ouajdi, O. Hadrigui, F. Arias, O. Lafay, M. Lagrange, "Detection of
Deepfake Environmental Audio", EUSIPCO 2024. License of this implementation: MIT.

Architecture: in -> 512 -> 1024 -> 512 -> 1, ReLU and dropout 0.5 after each hidden
layer. Training: BCE with logits, Adam at lr 7e-4, batch 128, 100 epochs, balanced by
weighted sampling; a checkpoint every 10 epochs, keeping the one with the best
validation accuracy. Accuracy uses a 0.5 probability threshold (logit 0). Every one of
these is a parameter whose default is the paper's value.

Input: X (n, D) float32 embeddings. ``decision_function`` returns the logit of "fake"
(shape (n,)); ``predict`` thresholds it at 0.
"""

from __future__ import annotations

import numpy as np
import torch

from fakebench.api import Detector, hookimpl
from fakebench.training import as_device_tensors, predict_logits, train_binary


def build_mlp(in_dim: int, hidden: tuple[int, ...], dropout: float) -> torch.nn.Sequential:
    layers: list[torch.nn.Module] = []
    prev = in_dim
    for width in hidden:
        layers += [torch.nn.Linear(prev, width), torch.nn.ReLU(), torch.nn.Dropout(dropout)]
        prev = width
    layers.append(torch.nn.Linear(prev, 1))
    return torch.nn.Sequential(*layers)


class MLP(Detector):
    name = "mlp"
    description = "paper MLP in-512-1024-512-1, dropout 0.5, Adam 7e-4, balanced (Ouajdi et al. 2024)"
    citation = "Ouajdi et al., Detection of Deepfake Environmental Audio, EUSIPCO 2024"
    scores_are_logits = True

    def __init__(self, hidden=(512, 1024, 512), dropout=0.5, lr=7e-4, batch_size=128, epochs=100,
                 checkpoint_every=10, balance="sampler", weight_decay=0.0, random_state=0, device="cpu"):
        self.hidden = hidden
        self.dropout = dropout
        self.lr = lr
        self.batch_size = batch_size
        self.epochs = epochs
        self.checkpoint_every = checkpoint_every
        self.balance = balance
        self.weight_decay = weight_decay
        self.random_state = random_state
        self.device = device

    def fit(self, X, y, X_val=None, y_val=None):
        torch.manual_seed(int(self.random_state))
        x, yt = as_device_tensors(X, y, self.device)
        xv, yv = as_device_tensors(X_val, y_val, self.device) if X_val is not None and len(X_val) else (None, None)
        self.in_dim_ = int(x.shape[1])
        self.model_ = build_mlp(self.in_dim_, tuple(self.hidden), float(self.dropout)).to(self.device)
        res = train_binary(self.model_, x, yt, xv, yv, epochs=int(self.epochs), batch_size=int(self.batch_size),
                           lr=float(self.lr), seed=int(self.random_state), balance=self.balance,
                           checkpoint_every=int(self.checkpoint_every), weight_decay=float(self.weight_decay))
        self.history_ = res.history
        self.best_epoch_ = res.best_epoch
        self.threshold_ = 0.0
        return self

    def decision_function(self, X) -> np.ndarray:
        x = torch.as_tensor(np.asarray(X, dtype=np.float32), device=self.device)
        if x.ndim != 2 or x.shape[1] != self.in_dim_:
            from fakebench.api import ConfigError

            raise ConfigError(f"mlp was trained on {self.in_dim_}-d embeddings but got shape {tuple(x.shape)}",
                              hint="score with the same embedder the detector was trained on")
        return predict_logits(self.model_, x).double().cpu().numpy()

    def get_state(self):
        return {"in_dim": self.in_dim_, "model": {k: v.cpu() for k, v in self.model_.state_dict().items()},
                "best_epoch": self.best_epoch_}

    def set_state(self, state):
        self.in_dim_ = int(state["in_dim"])
        self.model_ = build_mlp(self.in_dim_, tuple(self.hidden), float(self.dropout))
        self.model_.load_state_dict(state["model"])
        self.model_.to(self.device).eval()
        self.best_epoch_ = state.get("best_epoch")
        return self


@hookimpl
def fakebench_register_detectors():
    return [MLP]
