"""The AASIST network (Jung et al., ICASSP 2022), written for fakebench from the paper.

Paper: J.-w. Jung, H.-S. Heo, H. Tak, H.-j. Shim, J. S. Chung, B.-J. Lee, H.-J. Yu,
N. Evans, "AASIST: Audio Anti-Spoofing using Integrated Spectro-Temporal Graph
Attention Networks", ICASSP 2022, arXiv:2110.01200. Official code and checkpoints:
https://github.com/clovaai/aasist (MIT). Nothing here is copied from that code; the
module and parameter *names* follow it so that the official checkpoints
(``models/weights/AASIST.pth``, ``AASIST-L.pth``) load with strict key matching.

Shape walk-through for the default input of 64,600 samples at 16 kHz (AASIST):

1. sinc front end: 70 fixed mel-spaced band-pass filters of 129 taps (``first_conv`` 128,
   made odd), no padding -> (B, 70, 64472); ``|.|``, 3x3 max-pool -> (B, 1, 23, 21490);
   BatchNorm2d(1), SELU;
2. encoder: six residual blocks (2x3 convs, 1x3 max-pool each) with channels
   ``filts[1..4]`` -> (B, C, 23, 29);
3. spectral graph: max |.| over time (+ a learned positional embedding ``pos_S``) ->
   23 nodes; temporal graph: max |.| over frequency -> 29 nodes; one graph attention
   layer and one graph pooling each;
4. two parallel branches of two heterogeneous (spectro-temporal) graph attention layers
   with a learned master node, graph pooling in between; element-wise max of the two;
5. readout: max |.| and mean over the temporal and spectral nodes plus the master node
   (5 x ``gat_dims[1]``), dropout 0.5, linear -> 2 logits ``[spoof, bona fide]``.

The time axis may have any length; only the 23 spectral nodes (70 filters / 3) are fixed.

Two behaviours of the official implementation are reproduced on purpose, because the
released weights were trained with them: a non-first residual block feeds its *input*
(not ``SELU(bn1(input))``) to ``conv1``, so ``bn1`` is kept only for checkpoint
compatibility; and the heterogeneous layers use ``temperatures[2]`` for all four layers
and ``pool_ratios[2]`` for the four branch pools (``pool_ratios[3]`` is unused).
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

#: Model configurations of the official ``config/AASIST.conf`` and ``config/AASIST-L.conf``.
CONFIGS: dict[str, dict] = {
    "AASIST": {
        "nb_samp": 64600, "first_conv": 128,
        "filts": [70, [1, 32], [32, 32], [32, 64], [64, 64]],
        "gat_dims": [64, 32], "pool_ratios": [0.5, 0.7, 0.5, 0.5], "temperatures": [2.0, 2.0, 100.0, 100.0],
    },
    "AASIST-L": {
        "nb_samp": 64600, "first_conv": 128,
        "filts": [70, [1, 32], [32, 32], [32, 24], [24, 24]],
        "gat_dims": [24, 32], "pool_ratios": [0.4, 0.5, 0.7, 0.5], "temperatures": [2.0, 2.0, 100.0, 100.0],
    },
}


def _xavier(*shape: int) -> nn.Parameter:
    p = nn.Parameter(torch.empty(*shape))
    nn.init.xavier_normal_(p)
    return p


class SincFrontEnd(nn.Module):
    """Fixed (not learned) band-pass filters, equally spaced on the mel scale.

    Band edges: ``out_channels + 1`` points linearly spaced in mel between 0 Hz and the
    Nyquist frequency; each filter is the difference of two ideal low-pass sinc kernels
    times a symmetric Hamming window. ``mask_band`` zeroes a random run of up to 19
    consecutive filters (the official "frequency augmentation", off by default).
    """

    def __init__(self, out_channels: int = 70, kernel_size: int = 128, sample_rate: int = 16000):
        super().__init__()
        k = kernel_size + 1 if kernel_size % 2 == 0 else kernel_size
        self.out_channels, self.kernel_size, self.sample_rate = out_channels, k, sample_rate
        mel = lambda hz: 2595.0 * math.log10(1.0 + hz / 700.0)  # noqa: E731
        top = mel(float(sample_rate // 2))
        edges_mel = torch.linspace(0.0, top, out_channels + 1, dtype=torch.float64)
        edges = 700.0 * (torch.pow(10.0, edges_mel / 2595.0) - 1.0)
        n = torch.arange(k, dtype=torch.float64) - (k - 1) / 2
        lo, hi = edges[:-1, None], edges[1:, None]
        ideal = (2 * hi / sample_rate) * torch.sinc(2 * hi * n / sample_rate) \
            - (2 * lo / sample_rate) * torch.sinc(2 * lo * n / sample_rate)
        window = torch.hamming_window(k, periodic=False, dtype=torch.float64)
        self.register_buffer("filters", (ideal * window).float().unsqueeze(1), persistent=False)

    def forward(self, x: torch.Tensor, mask_band: tuple[int, int] | None = None) -> torch.Tensor:
        w = self.filters
        if mask_band is not None and mask_band[1] > 0:
            w = w.clone()
            w[mask_band[0]:mask_band[0] + mask_band[1]] = 0
        return F.conv1d(x, w)


class ResidualBlock(nn.Module):
    """Two 2x3 convolutions with batch norm and SELU, a 1x3 convolution on the skip path
    when the channel count changes, then 1x3 max-pooling over time."""

    def __init__(self, channels: tuple[int, int], first: bool = False):
        super().__init__()
        c_in, c_out = channels
        self.first = first
        if not first:
            self.bn1 = nn.BatchNorm2d(c_in)  # in the checkpoints; unused by the official forward
        self.conv1 = nn.Conv2d(c_in, c_out, kernel_size=(2, 3), padding=(1, 1))
        self.bn2 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, kernel_size=(2, 3), padding=(0, 1))
        self.conv_downsample = nn.Conv2d(c_in, c_out, kernel_size=(1, 3), padding=(0, 1)) if c_in != c_out else None
        self.pool = nn.MaxPool2d((1, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # SELU and the residual sum in place, as the reference does: batch norm and
        # convolution need their inputs, not their outputs, for backward, so this is
        # safe in training too; in evaluation it saves two block-sized allocations
        h = F.selu(self.bn2(self.conv1(x)), inplace=True)
        h = self.conv2(h)
        h += x if self.conv_downsample is None else self.conv_downsample(x)
        return self.pool(h)


def _bn_nodes(bn: nn.BatchNorm1d, x: torch.Tensor) -> torch.Tensor:
    """Batch norm over the feature axis of (B, nodes, D), nodes pooled with the batch."""
    return bn(x.reshape(-1, x.shape[-1])).reshape(x.shape)


def _pair_products(x: torch.Tensor) -> torch.Tensor:
    """(B, N, D) -> (B, N, N, D) with [b, i, j] = x[b, i] * x[b, j]."""
    return x.unsqueeze(2) * x.unsqueeze(1)


class GraphAttention(nn.Module):
    """Graph attention over a fully connected graph (the paper's GAT layer).

    Edge weight (i, j): ``w . tanh(W (x_i * x_j))``, divided by the temperature and
    soft-maxed over i; the output is ``P1 (A x) + P2 x``, batch norm, SELU.
    """

    def __init__(self, in_dim: int, out_dim: int, temperature: float = 1.0):
        super().__init__()
        self.att_proj = nn.Linear(in_dim, out_dim)
        self.att_weight = _xavier(out_dim, 1)
        self.proj_with_att = nn.Linear(in_dim, out_dim)
        self.proj_without_att = nn.Linear(in_dim, out_dim)
        self.bn = nn.BatchNorm1d(out_dim)
        self.input_drop = nn.Dropout(0.2)
        self.temperature = temperature

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.input_drop(x)
        att = torch.tanh(self.att_proj(_pair_products(x))) @ self.att_weight  # (B, N, N, 1)
        att = torch.softmax(att / self.temperature, dim=-2).squeeze(-1)
        out = self.proj_with_att(att @ x) + self.proj_without_att(x)
        return F.selu(_bn_nodes(self.bn, out), inplace=True)


class HeteroGraphAttention(nn.Module):
    """The heterogeneous stacking graph attention layer (HS-GAL) with a master node.

    Nodes of the two types (temporal first, then spectral) are projected separately and
    joined; edge weights use one attention vector for type-1 pairs, one for type-2 pairs
    and one shared for the cross-type pairs. The master node attends to every node.
    """

    def __init__(self, in_dim: int, out_dim: int, temperature: float = 1.0):
        super().__init__()
        self.proj_type1 = nn.Linear(in_dim, in_dim)
        self.proj_type2 = nn.Linear(in_dim, in_dim)
        self.att_proj = nn.Linear(in_dim, out_dim)
        self.att_projM = nn.Linear(in_dim, out_dim)
        self.att_weight11 = _xavier(out_dim, 1)
        self.att_weight22 = _xavier(out_dim, 1)
        self.att_weight12 = _xavier(out_dim, 1)
        self.att_weightM = _xavier(out_dim, 1)
        self.proj_with_att = nn.Linear(in_dim, out_dim)
        self.proj_without_att = nn.Linear(in_dim, out_dim)
        self.proj_with_attM = nn.Linear(in_dim, out_dim)
        self.proj_without_attM = nn.Linear(in_dim, out_dim)
        self.bn = nn.BatchNorm1d(out_dim)
        self.input_drop = nn.Dropout(0.2)
        self.temperature = temperature

    def forward(self, x1: torch.Tensor, x2: torch.Tensor, master: torch.Tensor):
        n1, n2 = x1.shape[1], x2.shape[1]
        x = self.input_drop(torch.cat([self.proj_type1(x1), self.proj_type2(x2)], dim=1))
        # node-to-node attention, one attention vector per block of the adjacency
        h = torch.tanh(self.att_proj(_pair_products(x)))  # (B, N, N, out)
        is1 = torch.arange(n1 + n2, device=x.device) < n1
        same1 = (is1[:, None] & is1[None, :]).unsqueeze(-1)
        same2 = (~is1[:, None] & ~is1[None, :]).unsqueeze(-1)
        att = torch.where(same1, h @ self.att_weight11,
                          torch.where(same2, h @ self.att_weight22, h @ self.att_weight12))
        att = torch.softmax(att / self.temperature, dim=-2).squeeze(-1)
        # the master node attends to every node
        att_m = torch.tanh(self.att_projM(x * master)) @ self.att_weightM  # (B, N, 1)
        att_m = torch.softmax(att_m / self.temperature, dim=-2).squeeze(-1).unsqueeze(1)  # (B, 1, N)
        master = self.proj_with_attM(att_m @ x) + self.proj_without_attM(master)
        out = self.proj_with_att(att @ x) + self.proj_without_att(x)
        out = F.selu(_bn_nodes(self.bn, out), inplace=True)
        return out[:, :n1], out[:, n1:], master


class GraphPool(nn.Module):
    """Keep the top ``ratio`` of nodes by a learned sigmoid score, scaled by that score."""

    def __init__(self, ratio: float, in_dim: int, dropout: float = 0.3):
        super().__init__()
        self.ratio = ratio
        self.proj = nn.Linear(in_dim, 1)
        self.drop = nn.Dropout(dropout) if dropout > 0 else nn.Identity()

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        scores = torch.sigmoid(self.proj(self.drop(h)))  # (B, N, 1)
        keep = max(int(h.shape[1] * self.ratio), 1)
        idx = torch.topk(scores, keep, dim=1).indices.expand(-1, -1, h.shape[-1])
        return torch.gather(h * scores, 1, idx)


class GraphReadout(nn.Module):
    """AASIST's two heterogeneous-graph branches and readout, shared by :class:`AASISTNet`
    and the SSL-AASIST back-end (``_ssl/backends.py``). The subclass defines the modules
    ``HtrgGAT_layer_ST{11,12,21,22}``, ``pool_h{S,T}{1,2}``, ``master{1,2}``, ``drop_way``,
    ``drop`` and ``out_layer`` (the authors' names, so checkpoints load strictly)."""

    def _branch(self, first, second, pool_s, pool_t, out_t, out_s, master):
        t, s, m = first(out_t, out_s, master)
        s, t = pool_s(s), pool_t(t)
        t_aug, s_aug, m_aug = second(t, s, m)
        return t + t_aug, s + s_aug, m + m_aug

    def _readout(self, out_t: torch.Tensor, out_s: torch.Tensor) -> torch.Tensor:
        """Temporal (B, Nt, d0) and spectral (B, Ns, d0) graph nodes -> (B, 2) logits."""
        b = out_t.shape[0]
        t1, s1, m1 = self._branch(self.HtrgGAT_layer_ST11, self.HtrgGAT_layer_ST12, self.pool_hS1, self.pool_hT1,
                                  out_t, out_s, self.master1.expand(b, -1, -1))
        t2, s2, m2 = self._branch(self.HtrgGAT_layer_ST21, self.HtrgGAT_layer_ST22, self.pool_hS2, self.pool_hT2,
                                  out_t, out_s, self.master2.expand(b, -1, -1))
        t = torch.maximum(self.drop_way(t1), self.drop_way(t2))
        s = torch.maximum(self.drop_way(s1), self.drop_way(s2))
        m = torch.maximum(self.drop_way(m1), self.drop_way(m2))
        hidden = torch.cat([t.abs().amax(dim=1), t.mean(dim=1), s.abs().amax(dim=1), s.mean(dim=1), m.squeeze(1)],
                           dim=1)
        return self.out_layer(self.drop(hidden))


class AASISTNet(GraphReadout):
    """AASIST / AASIST-L; ``forward(wave)`` maps (B, samples) at 16 kHz to (B, 2) logits
    ``[spoof, bona fide]`` (the official class order: index 1 = bona fide)."""

    def __init__(self, filts, gat_dims, pool_ratios, temperatures, first_conv: int = 128, **_ignored):
        super().__init__()
        self.conv_time = SincFrontEnd(filts[0], first_conv)
        self.first_bn = nn.BatchNorm2d(1)
        blocks = [filts[1], filts[2], filts[3], filts[4], filts[4], filts[4]]
        self.encoder = nn.Sequential(*[nn.Sequential(ResidualBlock(tuple(c), first=(i == 0)))
                                       for i, c in enumerate(blocks)])
        d_enc, d0, d1 = filts[-1][-1], gat_dims[0], gat_dims[1]
        n_spectral = filts[0] // 3
        self.pos_S = nn.Parameter(torch.randn(1, n_spectral, d_enc))
        self.master1 = nn.Parameter(torch.randn(1, 1, d0))
        self.master2 = nn.Parameter(torch.randn(1, 1, d0))
        self.GAT_layer_S = GraphAttention(d_enc, d0, temperatures[0])
        self.GAT_layer_T = GraphAttention(d_enc, d0, temperatures[1])
        self.HtrgGAT_layer_ST11 = HeteroGraphAttention(d0, d1, temperatures[2])
        self.HtrgGAT_layer_ST12 = HeteroGraphAttention(d1, d1, temperatures[2])
        self.HtrgGAT_layer_ST21 = HeteroGraphAttention(d0, d1, temperatures[2])
        self.HtrgGAT_layer_ST22 = HeteroGraphAttention(d1, d1, temperatures[2])
        self.pool_S = GraphPool(pool_ratios[0], d0)
        self.pool_T = GraphPool(pool_ratios[1], d0)
        self.pool_hS1 = GraphPool(pool_ratios[2], d1)
        self.pool_hT1 = GraphPool(pool_ratios[2], d1)
        self.pool_hS2 = GraphPool(pool_ratios[2], d1)
        self.pool_hT2 = GraphPool(pool_ratios[2], d1)
        self.drop_way = nn.Dropout(0.2)
        self.drop = nn.Dropout(0.5)
        self.out_layer = nn.Linear(5 * d1, 2)

    def forward(self, wave: torch.Tensor, mask_band: tuple[int, int] | None = None) -> torch.Tensor:
        x = self.conv_time(wave.unsqueeze(1), mask_band).unsqueeze(1)
        # |.| in place when nothing needs the filter outputs for backward (the filters are
        # fixed, so only a waveform that requires grad does): the largest tensor of the net
        x = x.abs_() if not x.requires_grad else x.abs()
        x = F.selu(self.first_bn(F.max_pool2d(x, (3, 3))), inplace=True)
        e = self.encoder(x).abs()  # (B, C, spectral, temporal)
        e_s = e.amax(dim=3).transpose(1, 2) + self.pos_S
        out_s = self.pool_S(self.GAT_layer_S(e_s))
        e_t = e.amax(dim=2).transpose(1, 2)
        out_t = self.pool_T(self.GAT_layer_T(e_t))
        return self._readout(out_t, out_s)


def build(variant: str = "AASIST") -> AASISTNet:
    """A randomly initialised network of a named official configuration."""
    return AASISTNet(**CONFIGS[variant])
