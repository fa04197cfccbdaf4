"""spec-cnn and resnet50: conformance on tone-vs-noise audio, the architectures, the
image front ends and augmentations, and ImageNet checkpoint loading."""

import numpy as np
import pytest
import torch

from fakebench.plugins.detectors import _images
from fakebench.plugins.detectors.resnet50 import ResNet50, ResNet50Net
from fakebench.plugins.detectors.spec_cnn import SpecCNN, build_spec_cnn
from fakebench.testing import parametrize_with_checks

from ._audio_data import tone_vs_noise


@parametrize_with_checks(lambda: SpecCNN(image_size=64, epochs=2, batch_size=8), data=tone_vs_noise)
def test_spec_cnn_conformance(factory, check):
    check(factory)


@parametrize_with_checks(lambda: ResNet50(image_size=32, epochs=1, batch_size=8, lr=1e-3, pretrained=False,
                                          image="waveform"), data=tone_vs_noise)
def test_resnet50_conformance(factory, check):
    check(factory)


def test_spec_cnn_architecture():
    net = build_spec_cnn()
    convs = [m for m in net if isinstance(m, torch.nn.Conv2d)]
    assert [c.out_channels for c in convs] == [16, 32, 64, 128]
    assert all(c.kernel_size == (3, 3) for c in convs)
    assert sum(isinstance(m, torch.nn.BatchNorm2d) for m in net) == 4
    assert sum(isinstance(m, torch.nn.MaxPool2d) for m in net) == 4
    assert net(torch.zeros(2, 1, 224, 224)).shape == (2, 1)
    assert SpecCNN().get_params()["image_size"] == 224


def test_resnet50_has_torchvision_layout():
    net = ResNet50Net(1000)
    # torchvision's resnet50: 25,557,032 parameters, 320 state_dict entries
    assert sum(p.numel() for p in net.parameters()) == 25_557_032
    keys = list(net.state_dict())
    assert len(keys) == 320
    assert keys[:2] == ["conv1.weight", "bn1.weight"] and keys[-2:] == ["fc.weight", "fc.bias"]
    assert "layer1.0.downsample.0.weight" in keys and "layer4.2.bn3.running_var" in keys
    assert tuple(net.state_dict()["layer2.0.conv2.weight"].shape) == (128, 128, 3, 3)
    assert net.layer2[0].conv2.stride == (2, 2)  # v1.5: stride on the 3x3 convolution


def _fake_imagenet_checkpoint(path):
    """A checkpoint in torchvision's exact layout (random values, no num_batches_tracked,
    as in the published files), named like the V2 release."""
    torch.manual_seed(5)
    state = {k: v for k, v in ResNet50Net(1000).state_dict().items() if not k.endswith("num_batches_tracked")}
    torch.save(state, path)
    return state


def test_resnet50_loads_imagenet_layout_strictly(tmp_path, caplog):
    from fakebench.plugins.detectors.resnet50 import load_imagenet

    ckpt = tmp_path / "resnet50-11ad3fa6.pth"
    state = _fake_imagenet_checkpoint(ckpt)
    net = ResNet50Net(1000)
    info = load_imagenet(net, "IMAGENET1K_V2", ckpt)  # an explicit file: used as given
    assert info["path"] == str(ckpt)
    assert torch.equal(net.state_dict()["layer3.5.conv2.weight"], state["layer3.5.conv2.weight"])
    # the detector keeps the backbone and replaces the 1000-class head by one logit
    det = ResNet50(weights=str(ckpt))
    head = det._build()
    det._init_weights(head)
    assert head.fc.out_features == 1
    assert torch.equal(head.state_dict()["conv1.weight"], state["conv1.weight"])


def test_resnet50_rejects_a_foreign_checkpoint(tmp_path):
    from fakebench.errors import WeightsError
    from fakebench.plugins.detectors.resnet50 import load_imagenet

    bad = tmp_path / "other.pth"
    torch.save({"conv1.weight": torch.zeros(64, 3, 7, 7)}, bad)
    with pytest.raises(WeightsError, match="not a torchvision ResNet-50 checkpoint"):
        load_imagenet(ResNet50Net(1000), "IMAGENET1K_V2", bad)


def test_resnet50_without_weights_falls_back_to_random_init(caplog):
    import logging

    det = ResNet50()  # pretrained=True, nothing in the (isolated, offline) caches
    with caplog.at_level(logging.INFO, logger="fakebench"):
        det._init_weights(det._build())
    assert det.weights_info_ is None
    assert "random initialisation" in caplog.text and "resnet50-11ad3fa6.pth" in caplog.text


def test_resnet50_finds_the_torch_hub_cache(tmp_path, monkeypatch):
    from fakebench.weights import torch_hub_dir

    hub = torch_hub_dir()
    hub.mkdir(parents=True)
    _fake_imagenet_checkpoint(hub / "resnet50-11ad3fa6.pth")
    det = ResNet50()
    with pytest.raises(Exception, match="sha256"):  # random values: the hash prefix cannot match
        det._init_weights(det._build())


def test_spectrogram_image_shows_a_tone_at_its_frequency():
    sr = 16000
    t = torch.arange(sr) / sr
    img = _images.spectrogram_image(torch.sin(2 * torch.pi * 2000 * t)[None], size=224)
    assert img.shape == (1, 1, 224, 224) and 0 <= float(img.min()) and float(img.max()) <= 1
    row = int(img[0, 0].mean(dim=1).argmax())
    # low frequencies at the bottom: 2 kHz of 8 kHz is a quarter of the way up
    assert abs(row - 224 * (1 - 2000 / 8000)) < 6


def test_waveform_image_draws_the_envelope():
    wave = torch.zeros(1, 2240)
    wave[0, :1120] = torch.linspace(-0.5, 0.5, 1120)
    img = _images.waveform_image(wave, size=112)[0, 0]
    assert img.shape == (112, 112) and set(img.unique().tolist()) <= {0.0, 1.0}
    assert img[:, 80].sum() <= 2  # silence: one line at zero
    lit = img[:, 20].nonzero().flatten()
    assert 45 < int(lit.float().mean()) < 67 and len(lit) >= 1


def test_augmentations_are_seeded_and_change_images():
    img = torch.rand(4, 1, 32, 32)
    g1, g2 = torch.Generator().manual_seed(0), torch.Generator().manual_seed(0)
    a = _images.augment_images(img, ("rotate", "affine", "flip"), g1)
    b = _images.augment_images(img, ("rotate", "affine", "flip"), g2)
    assert torch.equal(a, b) and not torch.allclose(a, img)
    flip_only = _images.augment_images(img, ("flip",), torch.Generator().manual_seed(0), flip_p=1.0)
    assert torch.allclose(flip_only, img.flip(-1), atol=1e-5)
    assert _images.parse_augment("rotate, flip") == ("rotate", "flip") and _images.parse_augment("none") == ()
    from fakebench.errors import ConfigError

    with pytest.raises(ConfigError, match="shear"):
        _images.parse_augment("shear")


@pytest.mark.parametrize("balance", ["oversample", "subsample", "sampler", "none"])
def test_resnet_balance_options_train(balance):
    xtr, ytr, _, _ = tone_vs_noise()
    keep = [i for i in range(len(ytr)) if ytr[i] == 1 or i < 4]  # 2 real, 8 fake
    det = SpecCNN(image_size=32, epochs=1, batch_size=8, balance=balance).fit(xtr.subset(keep), ytr[keep])
    assert len(det.history_) == 1 and np.isfinite(det.history_[0]["loss"])


def test_audio_at_the_wrong_rate_or_no_audio_is_clear():
    from fakebench.errors import ConfigError

    from ._audio_data import _tone_noise_files, inputs

    paths, y = _tone_noise_files(16, 8, 0.5)
    with pytest.raises(ConfigError, match="16000 Hz, got an AudioSource at 8000 Hz"):
        SpecCNN(epochs=1).fit(inputs(paths[:4], "repeat:0.5", sr=8000), y[:4])
    with pytest.raises(ConfigError, match="Inputs with .audio"):
        SpecCNN(epochs=1).fit(np.zeros((4, 8), dtype=np.float32), y[:4])
