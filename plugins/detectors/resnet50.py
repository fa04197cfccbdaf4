"""``resnet50``: ResNet-50 on spectrogram or waveform images, optionally from ImageNet.

Source: the ASVspoof 2019 student study behind fakebench's image detectors (a ResNet-50
fine-tuned on spectrogram images and on waveform images, with random rotation, affine
and horizontal-flip augmentation and several class-balancing strategies).
Architecture: K. He, X. Zhang, S. Ren, J. Sun, "Deep Residual Learning for Image
Recognition", CVPR 2016, in torchvision's layout (stride on the 3x3 convolution,
"ResNet v1.5"). License of this implementation: MIT.

The network is written here (torchvision is not a dependency) with torchvision's
parameter names, so torchvision's ImageNet checkpoints load with strict key matching:

* ``IMAGENET1K_V2`` (default): https://download.pytorch.org/models/resnet50-11ad3fa6.pth
  (80.858% top-1), or
* ``IMAGENET1K_V1``: https://download.pytorch.org/models/resnet50-0676ba61.pth (76.130%);

both BSD-3-Clause, 97.8 MB, checked by the sha256 prefix in the file name as torch hub
does. They are looked for at ``--weights`` (the file, or a folder holding it), then in
``$TORCH_HOME/hub/checkpoints`` and ``$FAKEBENCH_WEIGHTS``, then downloaded when online.
When none is found and ``--weights`` was not given, the model starts from random
initialisation and says so in the log. The ImageNet classifier (``fc``, 1000 classes)
is replaced by a 2048 -> 1 linear layer (the logit of "fake").

Input: 16 kHz audio, first 4 s tiled (``repeat:4``), turned into a ``image_size``-square
image (``image="spectrogram"``: log power STFT; ``"waveform"``: the drawn waveform; see
``_images.py``), repeated to 3 channels and normalised with ImageNet's mean and std.
Augmentations (``augment``, training only): ``rotate`` (+-``degrees``), ``affine``
(``translate``, ``scale``), ``flip`` (horizontal, probability ``flip_p``). Balancing
(``balance``): ``oversample``, ``subsample``, ``sampler`` (weighted random sampling),
``none``, or the study's fixed sets ``multiply[:K]`` (the minority repeated K times) and
``subsample:N`` (a random N of the majority); see ``_image_cnn.py``. Training defaults
(Adam 1e-4, batch 32, 20 epochs) are fakebench's; the study's slides give Adam 1e-4 with
batch 50 for 4 epochs on waveform images and batch 40 for 3 epochs on spectrograms (the
``asvspoof19-cnn`` recipe).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import logging

from fakebench.api import Bool, WeightsError, hookimpl

from ._image_cnn import ImageCNN
from fakebench.api import Choice, FilePath
from ._params import image_specs

if TYPE_CHECKING:  # annotations only: the module imports torch where it runs it
    from ._resnet50_net import ResNet50Net

log = logging.getLogger("fakebench")

IMAGENET = {
    "IMAGENET1K_V2": ("resnet50-11ad3fa6.pth", "https://download.pytorch.org/models/resnet50-11ad3fa6.pth", "11ad3fa6"),
    "IMAGENET1K_V1": ("resnet50-0676ba61.pth", "https://download.pytorch.org/models/resnet50-0676ba61.pth", "0676ba61"),
}
MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def imagenet_file(which: str):
    from fakebench.api import WeightsFile

    if which not in IMAGENET:
        from fakebench.api import ConfigError

        raise ConfigError(f"resnet50: unknown ImageNet weights {which!r}", hint=f"use one of {', '.join(IMAGENET)}")
    filename, url, prefix = IMAGENET[which]
    return WeightsFile(filename, url=url, sha256=prefix, folders=("torch_hub",),
                       what=f"torchvision ResNet-50 {which} checkpoint", size="97.8 MB", license="BSD-3-Clause")


def load_imagenet(net: ResNet50Net, which: str, weights=None) -> dict:
    """Load torchvision's ImageNet checkpoint into ``net`` (a 1000-class ResNet50Net),
    strict key matching; return where it came from."""
    from fakebench.api import load_checkpoint, resolve_weights as resolve

    found = resolve(imagenet_file(which), weights)
    state = load_checkpoint(found.path, what="ResNet-50 ImageNet checkpoint")
    try:
        # a plain dict: BatchNorm fills num_batches_tracked, which old checkpoints lack
        net.load_state_dict(dict(state), strict=True)
    except RuntimeError as e:
        raise WeightsError(f"{str(found.path)!r} is not a torchvision ResNet-50 checkpoint: "
                           f"{' '.join(str(e).split())[:400]}",
                           hint="pass resnet50-11ad3fa6.pth or resnet50-0676ba61.pth from download.pytorch.org") from None
    return {"path": str(found.path), "source": found.source, "sha256": found.sha256}


class ResNet50(ImageCNN):
    name = "resnet50"
    description = "ResNet-50 on spectrogram or waveform images, ImageNet init when available, with augmentations"
    in_channels = 3
    license = "MIT (weights: BSD-3-Clause, torchvision)"
    citation = "He et al., Deep Residual Learning for Image Recognition, CVPR 2016"

    param_specs = image_specs(pretrained=Bool(), imagenet=Choice(*IMAGENET), weights=FilePath())

    def __init__(self, image="spectrogram", pretrained=True, imagenet="IMAGENET1K_V2", weights=None,
                 image_size=224, n_fft=512, hop_length=128, augment="rotate,affine,flip", degrees=10.0,
                 translate=0.1, scale=(0.9, 1.1), flip_p=0.5, lr=1e-4, batch_size=32, epochs=20,
                 checkpoint_every=1, balance="oversample", weight_decay=0.0, num_workers=None, random_state=0,
                 device="cpu"):
        self.image = image
        self.pretrained = pretrained
        self.imagenet = imagenet
        self.weights = weights
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
        from ._resnet50_net import ResNet50Net
        from torch import nn

        net = ResNet50Net(1000)
        net.fc = nn.Linear(2048, 1)
        return net

    def _prepare(self, img):
        import torch

        mean = torch.tensor(MEAN, device=img.device).view(1, 3, 1, 1)
        std = torch.tensor(STD, device=img.device).view(1, 3, 1, 1)
        return (img.expand(-1, 3, -1, -1) - mean) / std

    def _init_weights(self, net):
        from ._resnet50_net import ResNet50Net

        from fakebench.api import is_random

        self.weights_info_ = None
        if not self.pretrained or is_random(self.weights):
            log.info("resnet50: random initialisation (pretrained=false)")
            return
        from fakebench.api import weights_cache_candidates as cache_candidates

        full = ResNet50Net(1000)
        try:
            self.weights_info_ = load_imagenet(full, self.imagenet, self.weights)
        except WeightsError as e:
            # --weights that fails, or a corrupt file in a cache, is an error; only "not
            # found anywhere (and not downloadable)" falls back to random initialisation
            if self.weights or cache_candidates(imagenet_file(self.imagenet)):
                raise
            log.warning("resnet50: ImageNet weights not found (%s); training from random initialisation", e.message)
            return
        fc = net.fc
        full.fc = fc
        net.load_state_dict(full.state_dict(), strict=True)
        log.info("resnet50: ImageNet %s weights from %s", self.imagenet, self.weights_info_["path"])


def __getattr__(name: str):
    """The network classes, from ``_resnet50_net`` (torch), on first use: importing this module
    (``fakebench list``) does not import torch."""
    if name in ("Bottleneck", "ResNet50Net"):
        from . import _resnet50_net

        return getattr(_resnet50_net, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@hookimpl
def fakebench_register_detectors():
    return [ResNet50]
