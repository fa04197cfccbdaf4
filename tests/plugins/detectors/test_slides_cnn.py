"""The ASVspoof 2019 student study's VGG-like CNN (``spec-cnn`` with ``arch=slides-vgg``)
against the slides' 31-row layer table, and the study's balancing modes.

The table is transcribed from the slides ("Be ware of what you hear: Deepfake Audio
Detection", slide "VGG-like CNN Model", a torchsummary of a 1x224x224 input): layer type,
output shape (batch dimension dropped) and parameter count, row by row.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from fakebench.errors import ConfigError
from fakebench.plugins.detectors.spec_cnn import SpecCNN, build_slides_vgg

SLIDES_TABLE = [
    ("Conv2d", (16, 224, 224), 160), ("BatchNorm2d", (16, 224, 224), 32), ("ReLU", (16, 224, 224), 0),
    ("Conv2d", (16, 224, 224), 2320), ("BatchNorm2d", (16, 224, 224), 32), ("ReLU", (16, 224, 224), 0),
    ("MaxPool2d", (16, 112, 112), 0),
    ("Conv2d", (32, 112, 112), 4640), ("BatchNorm2d", (32, 112, 112), 64), ("ReLU", (32, 112, 112), 0),
    ("Conv2d", (32, 112, 112), 9248), ("BatchNorm2d", (32, 112, 112), 64), ("ReLU", (32, 112, 112), 0),
    ("MaxPool2d", (32, 56, 56), 0),
    ("Conv2d", (64, 56, 56), 18496), ("BatchNorm2d", (64, 56, 56), 128), ("ReLU", (64, 56, 56), 0),
    ("MaxPool2d", (64, 28, 28), 0),
    ("Conv2d", (64, 28, 28), 36928), ("BatchNorm2d", (64, 28, 28), 128), ("ReLU", (64, 28, 28), 0),
    ("MaxPool2d", (64, 14, 14), 0),
    ("Conv2d", (128, 14, 14), 73856), ("BatchNorm2d", (128, 14, 14), 256), ("ReLU", (128, 14, 14), 0),
    ("MaxPool2d", (128, 7, 7), 0),
    ("Conv2d", (128, 7, 7), 147584), ("BatchNorm2d", (128, 7, 7), 256), ("ReLU", (128, 7, 7), 0),
    ("Flatten", (6272,), 0),
    ("Linear", (2,), 12546),
]


def test_slides_vgg_equals_the_table_row_by_row():
    net = build_slides_vgg()
    modules = list(net)
    assert len(modules) == len(SLIDES_TABLE) == 31
    shapes = []
    hooks = [m.register_forward_hook(lambda m, i, o: shapes.append(tuple(o.shape[1:]))) for m in modules]
    with torch.no_grad():
        net.eval()(torch.zeros(2, 1, 224, 224))
    for h in hooks:
        h.remove()
    for row, (module, shape, (kind, want_shape, want_params)) in enumerate(zip(modules, shapes, SLIDES_TABLE), 1):
        params = sum(p.numel() for p in module.parameters())
        assert (type(module).__name__, shape, params) == (kind, want_shape, want_params), f"row {row}"
    convs = [m for m in modules if isinstance(m, torch.nn.Conv2d)]
    assert all(c.kernel_size == (3, 3) and c.padding == (1, 1) for c in convs)
    assert sum(p.numel() for p in net.parameters()) == sum(r[2] for r in SLIDES_TABLE) == 306_738


def test_spec_cnn_keeps_its_own_default_and_offers_the_slides_network():
    assert SpecCNN().get_params()["arch"] == "compact"
    assert SpecCNN()._build()(torch.zeros(1, 1, 224, 224)).shape == (1, 1)
    det = SpecCNN(arch="slides-vgg")
    out = det._build()(torch.zeros(3, 1, 224, 224))
    assert out.shape == (3, 2) and det._score(out).shape == (3,)
    assert torch.equal(det._score(torch.tensor([[0.5, 2.0]])), torch.tensor([1.5]))  # log-odds of spoof
    with pytest.raises(ConfigError, match="multiple of 32"):
        SpecCNN(arch="slides-vgg", image_size=100)._build()
    with pytest.raises(ConfigError, match="arch"):
        SpecCNN(arch="vgg16")._build()


def test_multiply_and_subsample_fixed_sets():
    """The study's two balancing modes on ASVspoof 2019 LA train's label counts: 2,580
    bona fide and 22,800 spoofs."""
    y = np.array([0] * 2580 + [1] * 22800)
    pos, per_epoch = SpecCNN(balance="multiply:8")._balanced_set(y)
    assert per_epoch == "none" and len(pos) == 20640 + 22800
    assert (y[pos] == 0).sum() == 20640 and np.bincount(pos[y[pos] == 0]).max() == 8
    pos_auto, _ = SpecCNN(balance="multiply")._balanced_set(y)  # 22800 // 2580 = 8
    assert np.array_equal(np.sort(pos_auto), np.sort(pos))
    sub, _ = SpecCNN(balance="subsample:3000", random_state=0)._balanced_set(y)
    assert (y[sub] == 1).sum() == 3000 and (y[sub] == 0).sum() == 2580 and len(set(sub)) == len(sub)
    again, _ = SpecCNN(balance="subsample:3000", random_state=0)._balanced_set(y)
    other, _ = SpecCNN(balance="subsample:3000", random_state=1)._balanced_set(y)
    assert np.array_equal(sub, again) and not np.array_equal(sub, other)
    assert SpecCNN(balance="oversample")._balanced_set(y) == (None, "oversample")
    for bad in ("multiply:0", "subsample:x", "triple"):
        with pytest.raises(ConfigError, match="balance"):
            SpecCNN(balance=bad)._balanced_set(y)


def test_the_study_configuration_trains_on_real_speech(shared, speech_rows):
    """One epoch of the study's network on real clips of the shared speech set (4 s
    spectrogram images, 224x224, augmentations on, bona fide multiplied): it trains on the
    fixed set, scores with shape (n,) and round-trips through its state."""
    from fakebench.data import Clip
    from fakebench.inputs import AudioSource, Inputs

    real = [r for r in speech_rows if r["label"] == "real"][:2]
    fake = [r for r in speech_rows if r["label"] == "fake"][:4]
    rows = real + fake
    clips = [Clip(id=r["path"], path=shared / "data" / "speech" / r["path"], label=int(r["label"] == "fake"))
             for r in rows]
    x = Inputs(clips=clips, audio=AudioSource(clips, 16000, "repeat:4"))
    y = np.array([c.label for c in clips])
    torch.set_num_threads(1)
    det = SpecCNN(arch="slides-vgg", augment="rotate,affine,flip", lr=1e-4, batch_size=4, epochs=1,
                  balance="multiply:2", random_state=0).fit(x, y)
    assert det.train_counts_ == {"real": 4, "fake": 4}
    scores = det.decision_function(x)
    assert scores.shape == (6,) and np.isfinite(scores).all()
    twin = SpecCNN(arch="slides-vgg").set_state(det.get_state())
    assert all(torch.equal(a, b) for a, b in zip(twin.net_.state_dict().values(), det.net_.state_dict().values()))
