"""The VGGish network of the ``vggish`` embedder, with torchvggish's module names. Kept
apart from ``vggish.py`` so that listing the plugins does not import torch; see that
module's docstring for the source, license and weights.
"""

from __future__ import annotations

from torch import nn

#: Embedding size (as ``vggish.EMB``).
EMB = 128


class VGG(nn.Module):
    """VGGish with torchvggish's module names (``features``, ``embeddings``)."""

    def __init__(self, final_relu: bool = True):
        super().__init__()
        layers: list[nn.Module] = []
        cin = 1
        for spec in (64, "M", 128, "M", 256, 256, "M", 512, 512, "M"):
            if spec == "M":
                layers.append(nn.MaxPool2d(2, 2))
            else:
                layers += [nn.Conv2d(cin, spec, 3, padding=1), nn.ReLU(inplace=True)]
                cin = spec
        self.features = nn.Sequential(*layers)
        head: list[nn.Module] = [nn.Linear(512 * 4 * 6, 4096), nn.ReLU(inplace=True), nn.Linear(4096, 4096),
                                 nn.ReLU(inplace=True), nn.Linear(4096, EMB)]
        if final_relu:
            head.append(nn.ReLU(inplace=True))
        self.embeddings = nn.Sequential(*head)

    def forward(self, x):  # (b, 1, 96, 64)
        x = self.features(x)  # (b, 512, 6, 4)
        x = x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)  # TF's NHWC flattening order
        return self.embeddings(x)
