"""The network of the ``cnn1d`` detector (Ouajdi et al., EUSIPCO 2024): a 1-D CNN over the
embedding vector. Kept apart from ``cnn1d.py`` so that listing the plugins does not import
torch; see that module's docstring for the source, license and architecture.
"""

from __future__ import annotations

import torch
from torch import nn

from fakebench.api import ConfigError


class CNN1dNet(nn.Module):
    def __init__(self, in_dim: int, channels: int = 64, kernel_size: int = 3, pool_size: int = 3,
                 dropout: float = 0.5):
        super().__init__()
        pad = kernel_size // 2
        self.conv1 = nn.Conv1d(1, channels, kernel_size, padding=pad)
        self.conv2 = nn.Conv1d(channels, channels, kernel_size, padding=pad)
        self.pool = nn.MaxPool1d(pool_size, stride=1)
        self.drop = nn.Dropout(dropout)
        length = in_dim - 2 * (pool_size - 1)
        if length < 1:
            raise ConfigError(f"cnn1d needs embeddings of at least {2 * (pool_size - 1) + 1} dimensions, got {in_dim}")
        self.linear = nn.Linear(channels * length, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (n, D) -> (n,)
        h = self.pool(torch.relu(self.conv1(x.unsqueeze(1))))
        h = self.drop(self.pool(torch.relu(self.conv2(h))))
        return self.linear(h.flatten(1)).reshape(-1)
