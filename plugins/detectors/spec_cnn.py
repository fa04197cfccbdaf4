"""``spec-cnn``: a small VGG-like CNN on log spectrogram images.

Source: the ASVspoof 2019 student study behind fakebench's image detectors (a CNN
trained from scratch on 224x224 spectrogram images, next to a fine-tuned ResNet-50).
License of this implementation: MIT.

Architecture: four blocks of 3x3 convolution (padding 1), batch norm, ReLU and 2x2
max-pooling with ``channels`` 16, 32, 64, 128 (224 -> 14 pixels), then global average
pooling, dropout ``dropout`` and a linear layer to one logit of "fake".

Input: 16 kHz audio, first 4 s tiled (``repeat:4``), as a 1-channel log power
spectrogram image of ``image_size`` x ``image_size`` in [0, 1] (``_images.py``: Hann
window, ``n_fft`` 512, hop 128, top 80 dB), scaled to [-1, 1]. ``image="waveform"``
draws the waveform instead. Training: BCE with logits, Adam (lr 1e-3), batch 32, 30
epochs, minority class oversampled, best validation accuracy kept (checked every
epoch); augmentations off by default (``augment="rotate,affine,flip"`` turns them on).
These defaults are fakebench's; the study's exact values were not available to check.
``decision_function`` returns the logit of "fake"; ``predict`` thresholds it at 0.
"""

from __future__ import annotations

from torch import nn

from fakebench.api import hookimpl

from ._image_cnn import ImageCNN


def build_spec_cnn(channels=(16, 32, 64, 128), dropout: float = 0.5, in_channels: int = 1) -> nn.Sequential:
    layers: list[nn.Module] = []
    prev = in_channels
    for c in channels:
        layers += [nn.Conv2d(prev, int(c), 3, padding=1), nn.BatchNorm2d(int(c)), nn.ReLU(inplace=True),
                   nn.MaxPool2d(2)]
        prev = int(c)
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(dropout), nn.Linear(prev, 1)]
    return nn.Sequential(*layers)


class SpecCNN(ImageCNN):
    name = "spec-cnn"
    description = "VGG-like CNN (16-32-64-128) on 224x224 log spectrogram images, trained from scratch"
    license = "MIT"
    citation = "Simonyan and Zisserman, Very Deep Convolutional Networks for Large-Scale Image Recognition, ICLR 2015"

    def __init__(self, image="spectrogram", channels=(16, 32, 64, 128), dropout=0.5, image_size=224, n_fft=512,
                 hop_length=128, augment=None, degrees=10.0, translate=0.1, scale=(0.9, 1.1), flip_p=0.5, lr=1e-3,
                 batch_size=32, epochs=30, checkpoint_every=1, balance="oversample", weight_decay=0.0,
                 num_workers=None, random_state=0, device="cpu"):
        self.image = image
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

    def _build(self):
        return build_spec_cnn(tuple(self.channels), float(self.dropout))


@hookimpl
def fakebench_register_detectors():
    return [SpecCNN]
