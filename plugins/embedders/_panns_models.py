"""PANNs CNNs for inference (Cnn14, Cnn14 at 16 kHz, Wavegram-Logmel-Cnn14).

Written from the architecture in Kong et al., "PANNs: Large-Scale Pretrained Audio Neural
Networks for Audio Pattern Recognition", IEEE/ACM TASLP 28 (2020), with module names
chosen so that ``state_dict()`` keys equal those of the official checkpoints
(https://zenodo.org/record/3987831, layout of ``pytorch/models.py`` in
https://github.com/qiuqiangkong/audioset_tagging_cnn, MIT): ``spectrogram_extractor.stft.*``,
``logmel_extractor.melW``, ``bn0``, ``conv_block1..6.{conv1,conv2,bn1,bn2}``, ``fc1``,
``fc_audioset`` and, for the Wavegram branch, ``pre_conv0``, ``pre_bn0``,
``pre_block1..3`` (1-D) and ``pre_block4`` (2-D).

Inference only: dropout, SpecAugment and mixup are training-time and left out. The log-mel
front end (torchlibrosa, the package PANNs use) always runs in float32 with autocast off:
in float16 the power spectrogram overflows and ``log10(1e-10)`` underflows.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

CLASSES = 527


class ConvBlock(nn.Module):
    """Two 3x3 conv + BN + ReLU, then 2-D pooling (``avg`` by default)."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, 1, 1, bias=False)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.bn2 = nn.BatchNorm2d(cout)

    def forward(self, x, pool=(2, 2)):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        return F.avg_pool2d(x, kernel_size=pool)


class ConvPreWavBlock(nn.Module):
    """Wavegram block: conv3 + BN + ReLU, dilated conv3 + BN + ReLU, 1-D max pooling."""

    def __init__(self, cin: int, cout: int):
        super().__init__()
        self.conv1 = nn.Conv1d(cin, cout, 3, 1, padding=1, bias=False)
        self.conv2 = nn.Conv1d(cout, cout, 3, 1, padding=2, dilation=2, bias=False)
        self.bn1 = nn.BatchNorm1d(cout)
        self.bn2 = nn.BatchNorm1d(cout)

    def forward(self, x, pool: int):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        return F.max_pool1d(x, kernel_size=pool)


def _init(module: nn.Module) -> None:
    """PANNs' initialisation: Xavier-uniform weights, zero biases, unit BN (the fixed
    STFT and mel kernels of the front end are left alone)."""
    for name, m in module.named_modules():
        if name.startswith(("spectrogram_extractor", "logmel_extractor")):
            continue
        if isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)


class Cnn14(nn.Module):
    """Cnn14 (Kong et al. 2020, Table II): log-mel -> 6 conv blocks -> 2048-d embedding.

    ``sample_rate, window_size, hop_size, mel_bins, fmin, fmax`` are the checkpoint's
    front-end settings: (32000, 1024, 320, 64, 50, 14000) for ``Cnn14_mAP=0.431``,
    (16000, 512, 160, 64, 50, 8000) for ``Cnn14_16k_mAP=0.438``.
    """

    #: Front-end buffers that may be absent from a checkpoint (they are recomputed).
    front_end = ("spectrogram_extractor.", "logmel_extractor.")

    def __init__(self, sample_rate=32000, window_size=1024, hop_size=320, mel_bins=64, fmin=50, fmax=14000,
                 classes_num=CLASSES, emb_dim=2048):
        super().__init__()
        from torchlibrosa.stft import LogmelFilterBank, Spectrogram

        self.spectrogram_extractor = Spectrogram(n_fft=window_size, hop_length=hop_size, win_length=window_size,
                                                 window="hann", center=True, pad_mode="reflect",
                                                 freeze_parameters=True)
        self.logmel_extractor = LogmelFilterBank(sr=sample_rate, n_fft=window_size, n_mels=mel_bins, fmin=fmin,
                                                 fmax=fmax, ref=1.0, amin=1e-10, top_db=None,
                                                 freeze_parameters=True)
        self.bn0 = nn.BatchNorm2d(mel_bins)
        self._blocks(mel_bins)
        self.fc1 = nn.Linear(2048, emb_dim, bias=True)
        self.fc_audioset = nn.Linear(emb_dim, classes_num, bias=True)
        _init(self)

    def _blocks(self, mel_bins: int) -> None:
        widths = (1, 64, 128, 256, 512, 1024, 2048)
        for i in range(6):
            setattr(self, f"conv_block{i + 1}", ConvBlock(widths[i], widths[i + 1]))

    def logmel(self, wave: torch.Tensor) -> torch.Tensor:
        """(n, samples) -> (n, 1, frames, mel_bins) log-mel in dB, float32, batch-normalised."""
        with torch.autocast(device_type=wave.device.type, enabled=False):
            x = self.logmel_extractor(self.spectrogram_extractor(wave.float()))
            x = self.bn0(x.transpose(1, 3)).transpose(1, 3)
        return x

    def trunk(self, x: torch.Tensor, start: int = 1) -> torch.Tensor:
        for i in range(start, 6):
            x = getattr(self, f"conv_block{i}")(x, pool=(2, 2))
        x = self.conv_block6(x, pool=(1, 1))
        return x.mean(dim=3)  # (n, 2048, time)

    def feature_map(self, wave: torch.Tensor) -> torch.Tensor:
        """(n, samples) -> (n, 2048, time) after the last conv block, averaged over frequency."""
        return self.trunk(self.logmel(wave))

    def embedding(self, fmap: torch.Tensor) -> torch.Tensor:
        """The clip embedding PANNs return: ReLU(fc1(max_t + mean_t)), (n, emb_dim)."""
        pooled = fmap.amax(dim=2) + fmap.mean(dim=2)
        return F.relu(self.fc1(pooled))

    def frame_embeddings(self, fmap: torch.Tensor) -> torch.Tensor:
        """Per-frame embeddings (n, time, emb_dim): the frame-level head of PANNs'
        decision-level models (3-frame max + mean smoothing, then ReLU(fc1))."""
        x = F.max_pool1d(fmap, 3, 1, 1) + F.avg_pool1d(fmap, 3, 1, 1)
        return F.relu(self.fc1(x.transpose(1, 2)))

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        return self.embedding(self.feature_map(wave))


class WavegramLogmelCnn14(Cnn14):
    """Wavegram-Logmel-Cnn14 (Kong et al. 2020, Sec. III-D, Fig. 2): a learned 1-D
    "Wavegram" (conv stride 5, three dilated blocks with max pooling by 4, reshaped to 32
    frequency bins, one 2-D block) concatenated on the channel axis with the log-mel
    branch after its first conv block; the rest is Cnn14 with 128 input channels to
    block 2. 32 kHz, mAP 0.439 on AudioSet.

    With a clip length where the two branches differ by a frame (they agree for lengths
    that are multiples of the 320-sample hop), both are cut to the shorter one.
    """

    def __init__(self, sample_rate=32000, window_size=1024, hop_size=320, mel_bins=64, fmin=50, fmax=14000,
                 classes_num=CLASSES, emb_dim=2048):
        super().__init__(sample_rate, window_size, hop_size, mel_bins, fmin, fmax, classes_num, emb_dim)
        self.pre_conv0 = nn.Conv1d(1, 64, kernel_size=11, stride=5, padding=5, bias=False)
        self.pre_bn0 = nn.BatchNorm1d(64)
        self.pre_block1 = ConvPreWavBlock(64, 64)
        self.pre_block2 = ConvPreWavBlock(64, 128)
        self.pre_block3 = ConvPreWavBlock(128, 128)
        self.pre_block4 = ConvBlock(4, 64)
        for module in (self.pre_conv0, self.pre_bn0, self.pre_block1, self.pre_block2, self.pre_block3,
                       self.pre_block4):
            _init(module)

    def _blocks(self, mel_bins: int) -> None:
        widths = ((1, 64), (128, 128), (128, 256), (256, 512), (512, 1024), (1024, 2048))
        for i, (cin, cout) in enumerate(widths):
            setattr(self, f"conv_block{i + 1}", ConvBlock(cin, cout))

    def wavegram(self, wave: torch.Tensor) -> torch.Tensor:
        a = F.relu(self.pre_bn0(self.pre_conv0(wave[:, None, :])))
        a = self.pre_block1(a, pool=4)
        a = self.pre_block2(a, pool=4)
        a = self.pre_block3(a, pool=4)  # (n, 128, t)
        a = a.reshape(a.shape[0], -1, 32, a.shape[-1]).transpose(2, 3)  # (n, 4, t, 32)
        return self.pre_block4(a, pool=(2, 1))  # (n, 64, t/2, 32)

    def feature_map(self, wave: torch.Tensor) -> torch.Tensor:
        a = self.wavegram(wave)
        x = self.conv_block1(self.logmel(wave).to(a.dtype), pool=(2, 2))
        t = min(x.shape[2], a.shape[2])
        x = torch.cat((x[:, :, :t], a[:, :, :t]), dim=1)
        return self.trunk(x, start=2)
