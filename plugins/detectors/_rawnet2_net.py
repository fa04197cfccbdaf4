"""The RawNet2 countermeasure of the ASVspoof 2021 baseline, written for fakebench.

Paper: H. Tak, J. Patino, M. Todisco, A. Nautsch, N. Evans and A. Larcher, "End-to-End
anti-spoofing with RawNet2", ICASSP 2021, pp. 6369-6373 (arXiv:2011.01108). Reference
code: https://github.com/asvspoof-challenge/2021, ``LA/Baseline-RawNet2/model.py`` and
``model_config_RawNet.yaml`` (MIT, (c) 2021 eurecom-asp; ``DF/Baseline-RawNet2`` links
to the same files). Nothing here is copied from that code; module and parameter *names*
follow it, so the released checkpoint (``pre_trained_DF_RawNet2.pth``) loads with strict
key matching.

Shape walk-through for the default input of 64,600 samples at 16 kHz:

1. sinc front end: 20 fixed (not learned) band-pass filters of 1,025 taps (``first_conv``
   1024, made odd), band edges equally spaced on the mel scale from 0 Hz to 8 kHz, each
   the difference of two ideal low-pass sinc kernels times a symmetric Hamming window;
   no padding -> (B, 20, 63576); ``|.|``, max-pool 3 -> (B, 20, 21192); BatchNorm,
   SELU;
2. six residual blocks (channels 20-20, 20-20, 20-128, 128-128 x 3), each two
   3-tap convolutions with batch norm and LeakyReLU(0.3) between, a 1x1 convolution on
   the skip path when the channel count changes, then max-pool 3 -> (B, 128, 29);
   after each block a filter-wise feature-map scaling: ``s = sigmoid(W avg_t(x) + b)``,
   ``x <- x * s + s``;
3. BatchNorm, SELU, a 3-layer GRU (1,024 units); the last time step -> linear 1024 ->
   linear 2 -> log-softmax: ``[log p(spoof), log p(bona fide)]`` (class 1 = bona fide,
   as the reference's ``genSpoof_list`` labels them).

The time axis may have any length of at least ~28k samples.

A behaviour of the reference implementation is kept on purpose, because the released
weights were trained with it: a non-first residual block computes ``bn1`` of its input
but feeds the input itself (not ``LeakyReLU(bn1(x))``) to ``conv1``. ``bn1`` stays for
checkpoint compatibility, and it is still run in training mode so that its running
statistics evolve exactly as in the reference (they never affect the output).
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

#: ``model`` section of the reference ``model_config_RawNet.yaml`` (``blocks`` and the
#: last ``filts`` entry are not read by the reference network).
CONFIG: dict = {
    "nb_samp": 64600, "first_conv": 1024, "in_channels": 1,
    "filts": [20, [20, 20], [20, 128], [128, 128]], "blocks": [2, 4],
    "nb_fc_node": 1024, "gru_node": 1024, "nb_gru_layer": 3, "nb_classes": 2,
}


def mel_band_edges(n_filters: int, sample_rate: int, n_fft: int = 512) -> torch.Tensor:
    """``n_filters + 1`` band edges (Hz), equally spaced in mel between the lowest and
    highest frequency of an ``n_fft``-point FFT grid (0 Hz and the Nyquist frequency)."""
    top = float(int(sample_rate / 2))
    mel_top = 2595.0 * math.log10(1.0 + top / 700.0)
    mels = torch.linspace(0.0, mel_top, n_filters + 1, dtype=torch.float64)
    return 700.0 * (torch.pow(10.0, mels / 2595.0) - 1.0)


class SincFilters(nn.Module):
    """Fixed mel-spaced band-pass filters applied by a 1-D convolution without padding.

    The filters are a non-persistent buffer: the reference keeps them outside the
    state_dict, so the checkpoint holds no key for this module.
    """

    def __init__(self, out_channels: int = 20, kernel_size: int = 1024, sample_rate: int = 16000):
        super().__init__()
        k = kernel_size + 1 if kernel_size % 2 == 0 else kernel_size
        self.out_channels, self.kernel_size, self.sample_rate = out_channels, k, sample_rate
        edges = mel_band_edges(out_channels, sample_rate)
        n = torch.arange(k, dtype=torch.float64) - (k - 1) / 2
        lo, hi = edges[:-1, None], edges[1:, None]
        ideal = (2 * hi / sample_rate) * torch.sinc(2 * hi * n / sample_rate) \
            - (2 * lo / sample_rate) * torch.sinc(2 * lo * n / sample_rate)
        window = torch.hamming_window(k, periodic=False, dtype=torch.float64)
        self.register_buffer("filters", (ideal * window).float().unsqueeze(1), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv1d(x, self.filters)


class ResidualBlock(nn.Module):
    """conv(3) -> BN -> LeakyReLU(0.3) -> conv(3), plus the (1x1-projected) input, then
    max-pool 3. See the module docstring for ``bn1``."""

    def __init__(self, channels: tuple[int, int], first: bool = False):
        super().__init__()
        c_in, c_out = channels
        self.first = first
        if not first:
            self.bn1 = nn.BatchNorm1d(c_in)
        self.conv1 = nn.Conv1d(c_in, c_out, kernel_size=3, padding=1)
        self.bn2 = nn.BatchNorm1d(c_out)
        self.conv2 = nn.Conv1d(c_out, c_out, kernel_size=3, padding=1)
        self.conv_downsample = nn.Conv1d(c_in, c_out, kernel_size=1) if c_in != c_out else None
        self.mp = nn.MaxPool1d(3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.first and self.training:
            self.bn1(x)  # running statistics only, as in the reference (output unused)
        h = self.conv2(F.leaky_relu(self.bn2(self.conv1(x)), 0.3))
        skip = x if self.conv_downsample is None else self.conv_downsample(x)
        return self.mp(h + skip)


class RawNet2(nn.Module):
    """RawNet2; ``forward(wave)`` maps (B, samples) at 16 kHz to (B, 2) log-probabilities
    ``[spoof, bona fide]``."""

    def __init__(self, first_conv: int = 1024, filts=None, gru_node: int = 1024, nb_gru_layer: int = 3,
                 nb_fc_node: int = 1024, nb_classes: int = 2, sample_rate: int = 16000, **_ignored):
        super().__init__()
        filts = filts or CONFIG["filts"]
        n_sinc, (a0, a1), (b0, b1) = filts[0], filts[1], filts[2]
        self.Sinc_conv = SincFilters(n_sinc, first_conv, sample_rate)
        self.first_bn = nn.BatchNorm1d(n_sinc)
        channels = [(a0, a1), (a0, a1), (b0, b1), (b1, b1), (b1, b1), (b1, b1)]
        for i, c in enumerate(channels):
            setattr(self, f"block{i}", nn.Sequential(ResidualBlock(c, first=(i == 0))))
            setattr(self, f"fc_attention{i}", nn.Sequential(nn.Linear(c[1], c[1])))
        self.n_blocks = len(channels)
        self.bn_before_gru = nn.BatchNorm1d(b1)
        self.gru = nn.GRU(input_size=b1, hidden_size=gru_node, num_layers=nb_gru_layer, batch_first=True)
        self.fc1_gru = nn.Linear(gru_node, nb_fc_node)
        self.fc2_gru = nn.Linear(nb_fc_node, nb_classes)

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        x = self.Sinc_conv(wave.reshape(wave.shape[0], 1, -1))
        x = F.selu(self.first_bn(F.max_pool1d(x.abs(), 3)))
        for i in range(self.n_blocks):
            x = getattr(self, f"block{i}")(x)
            scale = torch.sigmoid(getattr(self, f"fc_attention{i}")(x.mean(dim=-1))).unsqueeze(-1)
            x = x * scale + scale
        x = F.selu(self.bn_before_gru(x)).transpose(1, 2)  # (B, time, channels)
        self.gru.flatten_parameters()
        x, _ = self.gru(x)
        x = self.fc2_gru(self.fc1_gru(x[:, -1]))
        return F.log_softmax(x, dim=1)


def build(**overrides) -> RawNet2:
    """A randomly initialised RawNet2 of the reference configuration."""
    return RawNet2(**{**CONFIG, **overrides})
