"""The CLAP audio encoder's projection head and key layout (msclap's ``audio_encoder``), for
the ``clap-2022`` and ``clap-2023`` embedders. Kept apart from ``clap.py`` so that listing
the plugins does not import torch; see that module's docstring for the source and license.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import nn

#: The projection size (as ``clap.D_PROJ``).
D_PROJ = 1024


class Projection(nn.Module):
    """msclap's projection head: LayerNorm(l1(x) + l2(gelu(l1(x)))), key names as in msclap."""

    def __init__(self, d_in: int, d_out: int):
        super().__init__()
        self.linear1 = nn.Linear(d_in, d_out, bias=False)
        self.linear2 = nn.Linear(d_out, d_out, bias=False)
        self.layer_norm = nn.LayerNorm(d_out)

    def forward(self, x):
        e1 = self.linear1(x)
        return self.layer_norm(e1 + self.linear2(F.gelu(e1)))


class ClapAudioEncoder(nn.Module):
    """``base`` + ``projection``: the key layout of msclap's ``audio_encoder``."""

    def __init__(self, base: nn.Module, d_in: int, d_out: int = D_PROJ):
        super().__init__()
        self.base = base
        self.projection = Projection(d_in, d_out)
