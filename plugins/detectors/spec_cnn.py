"""``spec-cnn``: a small VGG-like CNN on log spectrogram images.

Source: the ASVspoof 2019 student study behind fakebench's image detectors (a CNN
trained from scratch on 224x224 spectrogram images, next to a fine-tuned ResNet-50;
slides "Be ware of what you hear: Deepfake Audio Detection", C.-y. Pai, Y. Peng, A. Chen,
E. Chen, mentors B. Wu and J. Liao). License of this implementation: MIT.

Architecture, ``arch="compact"`` (default, fakebench's): four blocks of 3x3 convolution
(padding 1), batch norm, ReLU and 2x2 max-pooling with ``channels`` 16, 32, 64, 128
(224 -> 14 pixels), then global average pooling, dropout ``dropout`` and a linear layer
to one logit of "fake".

``arch="slides-vgg"``: the study's network exactly as its slides' 31-row layer table
(torchsummary of a 1x224x224 input): conv16, conv16, pool, conv32, conv32, pool, conv64,
pool, conv64, pool, conv128, pool, conv128 (every convolution 3x3, padding 1, followed by
batch norm and ReLU; pools 2x2), flatten (128 x 7 x 7 = 6,272) and a linear layer to two
outputs (bona fide, spoof): 306,738 parameters, the linear layer 12,546. It is trained
with softmax cross-entropy and scored by the log-odds of spoof (``channels``, ``dropout``
do not apply; ``image_size`` must be a multiple of 32).

Input: 16 kHz audio, first 4 s tiled (``repeat:4``), as a 1-channel log power
spectrogram image of ``image_size`` x ``image_size`` in [0, 1] (``_images.py``: Hann
window, ``n_fft`` 512, hop 128, top 80 dB), scaled to [-1, 1]. ``image="waveform"``
draws the waveform instead. Training: BCE with logits, Adam (lr 1e-3), batch 32, 30
epochs, minority class oversampled, best validation accuracy kept (checked every
epoch); augmentations off by default (``augment="rotate,affine,flip"`` turns them on).
These defaults are fakebench's. The study's configuration (the ``asvspoof19-cnn`` recipe):
``arch="slides-vgg"``, ``augment="rotate,affine,flip"``, ``lr=1e-4``, ``batch_size=40``,
``epochs=3``, ``balance="multiply:8"`` (bona fide repeated 8 times) or
``balance="subsample:3000"`` (a random 3,000 spoofs); see ``_image_cnn.py``.
``decision_function`` returns the logit of "fake"; ``predict`` thresholds it at 0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fakebench.api import ConfigError, Int, ListOf, hookimpl

from ._image_cnn import ImageCNN
from fakebench.api import Choice
from ._params import DROPOUT, image_specs

if TYPE_CHECKING:  # annotations only: the module imports torch where it runs it
    from torch import nn

ARCHS = ("compact", "slides-vgg")
#: the slides' VGG-like CNN: (output channels, max-pool after) per convolution
SLIDES_VGG = ((16, False), (16, True), (32, False), (32, True), (64, True), (64, True), (128, True), (128, False))


def build_spec_cnn(channels=(16, 32, 64, 128), dropout: float = 0.5, in_channels: int = 1) -> nn.Sequential:
    from torch import nn

    layers: list[nn.Module] = []
    prev = in_channels
    for c in channels:
        layers += [nn.Conv2d(prev, int(c), 3, padding=1), nn.BatchNorm2d(int(c)), nn.ReLU(inplace=True),
                   nn.MaxPool2d(2)]
        prev = int(c)
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(dropout), nn.Linear(prev, 1)]
    return nn.Sequential(*layers)


def build_slides_vgg(in_channels: int = 1, image_size: int = 224, n_outputs: int = 2) -> nn.Sequential:
    """The study's VGG-like CNN, module by module as its 31-row table (Conv2d-1 ...
    Linear-31 for a 224x224 input)."""
    from torch import nn

    if image_size % 32:
        raise ConfigError(f"spec-cnn: arch=slides-vgg needs image_size a multiple of 32, got {image_size}")
    layers: list[nn.Module] = []
    prev = in_channels
    for c, pool in SLIDES_VGG:
        layers += [nn.Conv2d(prev, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU(inplace=True)]
        if pool:
            layers.append(nn.MaxPool2d(2))
        prev = c
    side = image_size // 32
    layers += [nn.Flatten(), nn.Linear(prev * side * side, n_outputs)]
    return nn.Sequential(*layers)


class SpecCNN(ImageCNN):
    name = "spec-cnn"
    description = "VGG-like CNN (16-32-64-128) on 224x224 log spectrogram images, trained from scratch"
    license = "MIT"
    citation = "Simonyan and Zisserman, Very Deep Convolutional Networks for Large-Scale Image Recognition, ICLR 2015"

    param_specs = image_specs(arch=Choice(*ARCHS), channels=ListOf(Int(1, 4096), min_items=1), dropout=DROPOUT)

    def __init__(self, image="spectrogram", arch="compact", channels=(16, 32, 64, 128), dropout=0.5, image_size=224,
                 n_fft=512, hop_length=128, augment=None, degrees=10.0, translate=0.1, scale=(0.9, 1.1), flip_p=0.5,
                 lr=1e-3, batch_size=32, epochs=30, checkpoint_every=1, balance="oversample", weight_decay=0.0,
                 num_workers=None, random_state=0, device="cpu"):
        self.image = image
        self.arch = arch
        self.channels = channels
        self.dropout = dropout
        self.image_size = image_size
        self.n_fft = n_fft
        self.hop_length = hop_length
        self.augment = augment
        self.degrees = degrees
        self.translate = translate
        self.scale = scale
        self.flip_p = flip_p
        self.lr = lr
        self.batch_size = batch_size
        self.epochs = epochs
        self.checkpoint_every = checkpoint_every
        self.balance = balance
        self.weight_decay = weight_decay
        self.num_workers = num_workers
        self.random_state = random_state
        self.device = device

    def _n_outputs(self) -> int:
        return 2 if self.arch == "slides-vgg" else 1

    def _build(self):
        if self.arch not in ARCHS:
            raise ConfigError(f"spec-cnn: arch={self.arch!r} is not one of {', '.join(ARCHS)}")
        if self.arch == "slides-vgg":
            return build_slides_vgg(self.in_channels, int(self.image_size))
        return build_spec_cnn(tuple(self.channels), float(self.dropout))


@hookimpl
def fakebench_register_detectors():
    return [SpecCNN]
