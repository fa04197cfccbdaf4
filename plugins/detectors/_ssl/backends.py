"""Countermeasure back-ends on self-supervised features. Each maps encoder features to two
logits ``[spoof, bona fide]`` (index 1 = bona fide, the class order of all three source
code bases), so every detector converts to fakebench's score in one place.

``aasist``  the SSL-AASIST back-end of Tak et al. (Odyssey 2022, ``model.py`` of
            TakHemlata/SSL_Anti-spoofing, MIT): a linear map to 128 channels ``LL``, 3x3
            max-pooling, six residual blocks *without* pooling, an attention map giving the
            spectral (softmax over time) and temporal (softmax over the 42 channels)
            node features, then AASIST's graph attention, heterogeneous graph layers and
            readout with pool ratios 0.5 and temperatures (2, 2, 100, 100). Parameter names
            follow the authors' so their checkpoints load strictly. Any number of frames.
``sls``     the sensitive layer selection classifier of Zhang et al. (ACM MM 2024,
            QiShanZhang/SLSforASVspoof-2021-DF): every transformer layer's output is
            averaged over time, ``sigmoid(fc0(.))`` weighs the layers, the weighted sum
            goes through BatchNorm2d(1), SELU, 3x3 max-pooling, ``fc1`` (to 1024), SELU,
            ``fc3`` (to 2), SELU and log-softmax. ``fc1`` fixes the number of frames
            (201 for 64,600 samples), so the input length is fixed.
``linear``  mean over time, then ``proj_fc`` = Linear(D, 2): AntiDeepfake's head
            (nii-yamagishilab/AntiDeepfake ``models/W2V.py``, softmax loss).
``mlp``     mean over time, Linear(D, ``hidden``), GELU, dropout, Linear(hidden, 2).
``asp``     attentive statistics pooling (Okabe et al., Interspeech 2018; channel-wise
            attention as in ECAPA-TDNN): weighted mean and standard deviation over time,
            then Linear(2D, 2).

The graph layers are the ones of ``_aasist_net.py`` (same names and maths as the AASIST
authors' code, which the SSL-AASIST authors copied).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from .._aasist_net import GraphAttention, GraphPool, GraphReadout, HeteroGraphAttention, ResidualBlock

BACKENDS = ("linear", "mlp", "aasist", "asp")


class _Block(ResidualBlock):
    """The SSL-AASIST residual block: AASIST's, without the max-pooling over time."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv2(F.selu(self.bn2(self.conv1(x))))
        return h + (x if self.conv_downsample is None else self.conv_downsample(x))


class AASISTBackend(GraphReadout):
    """SSL-AASIST back-end: (B, T, D) features -> (B, 2) logits ``[spoof, bona fide]``."""

    def __init__(self, in_dim: int = 1024, proj_dim: int = 128, gat_dims=(64, 32),
                 pool_ratios=(0.5, 0.5, 0.5, 0.5), temperatures=(2.0, 2.0, 100.0, 100.0)):
        super().__init__()
        filts = [(1, 32), (32, 32), (32, 64), (64, 64), (64, 64), (64, 64)]
        c, d0, d1 = filts[-1][-1], gat_dims[0], gat_dims[1]
        self.LL = nn.Linear(in_dim, proj_dim)
        self.first_bn = nn.BatchNorm2d(1)
        self.first_bn1 = nn.BatchNorm2d(c)
        self.drop = nn.Dropout(0.5)
        self.drop_way = nn.Dropout(0.2)
        self.encoder = nn.Sequential(*[nn.Sequential(_Block(f, first=(i == 0))) for i, f in enumerate(filts)])
        self.attention = nn.Sequential(nn.Conv2d(c, 128, kernel_size=(1, 1)), nn.SELU(), nn.BatchNorm2d(128),
                                       nn.Conv2d(128, c, kernel_size=(1, 1)))
        self.pos_S = nn.Parameter(torch.randn(1, proj_dim // 3, c))
        self.master1 = nn.Parameter(torch.randn(1, 1, d0))
        self.master2 = nn.Parameter(torch.randn(1, 1, d0))
        self.GAT_layer_S = GraphAttention(c, d0, temperatures[0])
        self.GAT_layer_T = GraphAttention(c, d0, temperatures[1])
        self.HtrgGAT_layer_ST11 = HeteroGraphAttention(d0, d1, temperatures[2])
        self.HtrgGAT_layer_ST12 = HeteroGraphAttention(d1, d1, temperatures[2])
        self.HtrgGAT_layer_ST21 = HeteroGraphAttention(d0, d1, temperatures[2])
        self.HtrgGAT_layer_ST22 = HeteroGraphAttention(d1, d1, temperatures[2])
        self.pool_S = GraphPool(pool_ratios[0], d0, 0.3)
        self.pool_T = GraphPool(pool_ratios[1], d0, 0.3)
        self.pool_hS1 = GraphPool(pool_ratios[2], d1, 0.3)
        self.pool_hT1 = GraphPool(pool_ratios[2], d1, 0.3)
        self.pool_hS2 = GraphPool(pool_ratios[2], d1, 0.3)
        self.pool_hT2 = GraphPool(pool_ratios[2], d1, 0.3)
        self.out_layer = nn.Linear(5 * d1, 2)

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        x = self.LL(feats).transpose(1, 2).unsqueeze(1)  # (B, 1, 128, T)
        x = F.selu(self.first_bn(F.max_pool2d(x, (3, 3))))
        x = F.selu(self.first_bn1(self.encoder(x)))  # (B, 64, 42, T/3)
        w = self.attention(x)
        e_s = (x * torch.softmax(w, dim=-1)).sum(dim=-1).transpose(1, 2) + self.pos_S
        out_s = self.pool_S(self.GAT_layer_S(e_s))
        e_t = (x * torch.softmax(w, dim=-2)).sum(dim=-2).transpose(1, 2)
        out_t = self.pool_T(self.GAT_layer_T(e_t))
        return self._readout(out_t, out_s)


class SLSBackend(nn.Module):
    """SLS classifier: a list of L per-layer outputs (B, T, D) -> (B, 2) log-probabilities."""

    def __init__(self, dim: int = 1024, frames: int = 201, hidden: int = 1024):
        super().__init__()
        self.frames = frames
        self.first_bn = nn.BatchNorm2d(1)
        self.fc0 = nn.Linear(dim, 1)
        self.fc1 = nn.Linear((frames // 3) * (dim // 3), hidden)
        self.fc3 = nn.Linear(hidden, 2)

    def forward(self, layers) -> torch.Tensor:
        full = torch.stack(list(layers), dim=1)  # (B, L, T, D)
        if full.shape[2] != self.frames:
            raise ValueError(f"the SLS classifier takes exactly {self.frames} frames, got {full.shape[2]}")
        weights = torch.sigmoid(self.fc0(full.mean(dim=2)))  # (B, L, 1)
        x = (full * weights.unsqueeze(-1)).sum(dim=1).unsqueeze(1)  # (B, 1, T, D)
        x = F.max_pool2d(F.selu(self.first_bn(x)), (3, 3)).flatten(1)
        x = F.selu(self.fc3(F.selu(self.fc1(x))))
        return F.log_softmax(x, dim=1)


class LinearBackend(nn.Module):
    """Mean over time, then ``proj_fc`` (AntiDeepfake's head)."""

    def __init__(self, dim: int):
        super().__init__()
        self.proj_fc = nn.Linear(dim, 2)

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        return self.proj_fc(feats.mean(dim=1))


class MLPBackend(nn.Module):
    def __init__(self, dim: int, hidden: int = 256, dropout: float = 0.1):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.drop = nn.Dropout(dropout)
        self.fc2 = nn.Linear(hidden, 2)

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.drop(F.gelu(self.fc1(feats.mean(dim=1)))))


class ASPBackend(nn.Module):
    """Attentive statistics pooling (channel-wise attention), then Linear(2D, 2)."""

    def __init__(self, dim: int, bottleneck: int = 128):
        super().__init__()
        self.attention = nn.Sequential(nn.Linear(dim, bottleneck), nn.Tanh(), nn.Linear(bottleneck, dim))
        self.out = nn.Linear(2 * dim, 2)

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        a = torch.softmax(self.attention(feats), dim=1)  # (B, T, D), over time
        mean = (a * feats).sum(dim=1)
        var = (a * feats * feats).sum(dim=1) - mean * mean
        return self.out(torch.cat([mean, var.clamp_min(1e-5).sqrt()], dim=1))


def make_backend(kind: str, dim: int, hidden: int = 256) -> nn.Module:
    if kind == "linear":
        return LinearBackend(dim)
    if kind == "mlp":
        return MLPBackend(dim, hidden)
    if kind == "aasist":
        return AASISTBackend(dim)
    if kind == "asp":
        return ASPBackend(dim)
    raise ValueError(f"unknown back-end {kind!r}")
