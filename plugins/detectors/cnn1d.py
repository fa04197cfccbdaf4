"""``cnn1d``: the 1-D CNN over the embedding vector of Ouajdi et al.

Source: H. Ouajdi, O. Hadder, M. Tailleur, M. Lagrange, L. M. Heller, "Detection of
Deepfake Environmental Audio", EUSIPCO 2024; companion code
https://github.com/mathieulagrange/audioFoleyDeepFake (``deepfakeClassifiers/models/cnn.py``,
``hparams.py``). License of this implementation: MIT.

Architecture (the companion code's ``CNNClassifier``): the D-dimensional embedding is read
as a 1-channel sequence of length D; Conv1d(1 -> 64, kernel 3, padding 1), ReLU,
MaxPool1d(3, stride 1); Conv1d(64 -> 64, kernel 3, padding 1), ReLU, MaxPool1d(3,
stride 1); dropout 0.5; flatten (64 x (D - 4)); linear -> 1 logit of "fake".

Training: the same protocol and defaults as ``mlp``: BCE with logits, Adam at lr 7e-4,
batch 128, 100 epochs, balanced by weighted sampling, a checkpoint every 10 epochs
keeping the best validation accuracy (``fakebench.training.train_binary``). Every one is
a parameter. ``checkpoint_rule="block-mean:10"`` and ``warmup_epochs=3`` select the
checkpoint as the companion code does (see ``mlp``).

Input: X (n, D) float32 embeddings, D >= 5. ``decision_function`` returns the logit of
"fake" (shape (n,)); ``predict`` thresholds it at 0 (p = 0.5).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fakebench.api import hookimpl
from fakebench.api import EmbeddingHead

from fakebench.api import Int

from ._params import head_specs

if TYPE_CHECKING:  # annotations only: the module imports torch where it runs it
    from ._cnn1d_net import CNN1dNet


class CNN1d(EmbeddingHead):
    name = "cnn1d"
    description = "paper 1-D CNN over the embedding (2 conv1d k3 x64, max-pool 3/1, dropout 0.5) (Ouajdi et al. 2024)"
    citation = "Ouajdi et al., Detection of Deepfake Environmental Audio, EUSIPCO 2024"
    license = "MIT"
    eval_batch = 1024

    param_specs = head_specs(channels=Int(1, 4096), kernel_size=Int(1, 63), pool_size=Int(1, 63))

    def __init__(self, channels=64, kernel_size=3, pool_size=3, dropout=0.5, lr=7e-4, batch_size=128, epochs=100,
                 checkpoint_every=10, balance="sampler", weight_decay=0.0, checkpoint_rule="best", warmup_epochs=0,
                 random_state=0, device="cpu"):
        self.channels = channels
        self.kernel_size = kernel_size
        self.pool_size = pool_size
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

    def _build(self, in_dim: int) -> CNN1dNet:
        from ._cnn1d_net import CNN1dNet

        return CNN1dNet(in_dim, int(self.channels), int(self.kernel_size), int(self.pool_size), float(self.dropout))


def __getattr__(name: str):
    """The network classes, from ``_cnn1d_net`` (torch), on first use: importing this module
    (``fakebench list``) does not import torch."""
    if name in ("CNN1dNet",):
        from . import _cnn1d_net

        return getattr(_cnn1d_net, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@hookimpl
def fakebench_register_detectors():
    return [CNN1d]
