"""``mlp``: the multilayer perceptron of Ouajdi et al. on scene embeddings.

Source: H. Ouajdi, O. Hadder, M. Tailleur, M. Lagrange, L. M. Heller, "Detection of
Deepfake Environmental Audio", EUSIPCO 2024 (hal-04603448); companion code
https://github.com/mathieulagrange/audioFoleyDeepFake (``deepfakeClassifiers/models/mlp.py``,
MIT). License of this implementation: MIT.

Architecture: in -> 512 -> 1024 -> 512 -> 1, ReLU and dropout 0.5 after each hidden
layer (the companion code's ``MLP_Classifier(dim, 512, 1)``). Training: BCE with logits,
Adam at lr 7e-4, batch 128, 100 epochs, balanced by weighted sampling; a checkpoint every
10 epochs, keeping the one with the best validation accuracy. Accuracy uses a 0.5
probability threshold (logit 0). Every one of these is a parameter whose default is the
paper's value.

The companion code selects the checkpoint differently: ``checkpoint_rule="block-mean:10"``
(the best 10-epoch block of per-batch-mean validation accuracies, the checkpoint at its
end; see :mod:`fakebench.training`), after ``warmup_epochs=3`` training epochs that its
GPU warm-up runs before epoch 1. The defaults (``best``, 0) keep fakebench's rule; the
``ouajdi2024`` recipe sets the authors'.

Input: X (n, D) float32 embeddings. ``decision_function`` returns the logit of "fake"
(shape (n,)); ``predict`` thresholds it at 0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fakebench.api import hookimpl
from fakebench.api import EmbeddingHead

from fakebench.api import Int, ListOf

from ._params import head_specs

if TYPE_CHECKING:
    import torch


def build_mlp(in_dim: int, hidden: tuple[int, ...], dropout: float) -> torch.nn.Sequential:
    import torch

    layers: list[torch.nn.Module] = []
    prev = in_dim
    for width in hidden:
        layers += [torch.nn.Linear(prev, width), torch.nn.ReLU(), torch.nn.Dropout(dropout)]
        prev = width
    layers.append(torch.nn.Linear(prev, 1))
    return torch.nn.Sequential(*layers)


class MLP(EmbeddingHead):
    name = "mlp"
    description = "paper MLP in-512-1024-512-1, dropout 0.5, Adam 7e-4, balanced (Ouajdi et al. 2024)"
    citation = "Ouajdi et al., Detection of Deepfake Environmental Audio, EUSIPCO 2024"

    param_specs = head_specs(hidden=ListOf(Int(1, 65536)))

    def __init__(self, hidden=(512, 1024, 512), dropout=0.5, lr=7e-4, batch_size=128, epochs=100,
                 checkpoint_every=10, balance="sampler", weight_decay=0.0, checkpoint_rule="best", warmup_epochs=0,
                 random_state=0, device="cpu"):
        self.hidden = hidden
        self.dropout = dropout
        self.lr = lr
        self.batch_size = batch_size
        self.epochs = epochs
        self.checkpoint_every = checkpoint_every
        self.balance = balance
        self.weight_decay = weight_decay
        self.checkpoint_rule = checkpoint_rule
        self.warmup_epochs = warmup_epochs
        self.random_state = random_state
        self.device = device

    def _build(self, in_dim: int) -> torch.nn.Sequential:
        return build_mlp(in_dim, tuple(self.hidden), float(self.dropout))


@hookimpl
def fakebench_register_detectors():
    return [MLP]
