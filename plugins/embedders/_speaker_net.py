"""The GE2E speaker encoder of the ``speaker`` embedder, with resemblyzer's key names. Kept
apart from ``speaker.py`` so that listing the plugins does not import torch; see that
module's docstring for the source, license and weights.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

#: Mel bands of the input (as ``speaker.N_MELS``).
N_MELS = 40


class SpeakerEncoder(nn.Module):
    """GE2E encoder with resemblyzer's key names (``lstm``, ``linear``)."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(N_MELS, 256, 3, batch_first=True)
        self.linear = nn.Linear(256, 256)

    def forward(self, mels: torch.Tensor) -> torch.Tensor:  # (b, 160, 40) -> (b, 256)
        _, (hidden, _) = self.lstm(mels)
        return F.normalize(F.relu(self.linear(hidden[-1])), dim=1, eps=1e-12)
