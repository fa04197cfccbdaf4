"""VGGish (seeded random weights): contract, VGGish front end, torchvggish checkpoint layout."""

import hashlib
import math

import numpy as np
import pytest
import torch

from fakebench.errors import WeightsError
from fakebench.testing import parametrize_with_checks

from ._models import factory, loaded


@parametrize_with_checks(factory("vggish"), kind="embedder")
def test_vggish_conformance(factory, check):
    check(factory)


def test_mel_matrix_follows_vggish_mel_features():
    from fakebench.plugins.embedders.vggish import mel_matrix

    m = mel_matrix()
    assert m.shape == (257, 64) and m.max() <= 1.0 and np.all(m[0] == 0)
    assert np.all(m[:4] == 0)  # bins below 125 Hz (31.25 Hz apart) are outside every band
    assert np.all(np.diff(m.argmax(axis=0)) >= 0)  # band peaks move up in frequency


def test_examples_and_a_1khz_tone():
    """0.96-s examples of 96 x 64 log-mel frames; a 1 kHz tone peaks in band 19: on the HTK
    scale 1000 Hz is 1000.0 mel, and the 66 band edges run from 185.2 mel (125 Hz) to
    2840.0 mel (7500 Hz), so band 19 is centred on 981.5 mel, the nearest."""
    emb = loaded("vggish")
    t = torch.arange(3 * 16000) / 16000
    tone = 0.5 * torch.sin(2 * math.pi * 1000 * t)[None]
    ex = emb.examples(tone)
    assert ex.shape == (1, 3, 96, 64)  # 1 + (48000 - 400) // 160 = 298 frames -> 3 examples
    assert int(ex.mean(dim=(0, 1, 2)).argmax()) == 19
    assert emb.examples(torch.zeros(1, 8000)).shape == (1, 1, 96, 64)  # short clips padded to one example
    assert torch.isfinite(ex).all() and float(emb.examples(torch.zeros(1, 16000)).max()) == pytest.approx(math.log(0.01))


def test_postprocessing_modes():
    from fakebench.plugins.embedders.vggish import VGGish

    x = torch.rand(1, 32000) - 0.5
    with torch.inference_mode():
        raw = loaded("vggish", postprocess="none").embed(x, frames=True)
        pca = loaded("vggish").embed(x, frames=True)
        q = loaded("vggish", postprocess="quantize").embed(x, frames=True)
    e = loaded("vggish")
    assert torch.allclose(pca, (e.pca_vectors @ (raw[0].t() - e.pca_means)).t()[None], atol=1e-4)
    assert torch.equal(q, torch.round((pca.clamp(-2, 2) + 2) * 255 / 4))  # torchvggish's 8-bit quantisation
    assert VGGish().postprocess == "quantize"  # torchvggish's default
    assert VGGish(final_relu=False).get_params()["final_relu"] is False


def test_torchvggish_files_round_trip_through_the_torch_hub_cache(tmp_path, monkeypatch):
    """Random weights saved as torchvggish's two release files (network state_dict;
    {"pca_eigen_vectors", "pca_means"} numpy PCA file) in $TORCH_HOME/hub/checkpoints load
    back with the same outputs; the checksum prefix in each file name is enforced."""
    from fakebench.plugins.embedders import vggish
    from fakebench.weights import torch_hub_dir

    emb = loaded("vggish")
    hub = torch_hub_dir()
    hub.mkdir(parents=True)
    net_file, pca_file = hub / vggish.NETWORK.filename, hub / vggish.PCA.filename
    torch.save(emb.net.state_dict(), net_file)
    torch.save({"pca_eigen_vectors": emb.pca_vectors.numpy(), "pca_means": emb.pca_means[:, 0].numpy()}, pca_file)
    with pytest.raises(WeightsError, match="not the published 10086976"):
        vggish.VGGish(postprocess="pca").load()
    prefix = {p: hashlib.sha256(p.read_bytes()).hexdigest()[:8] for p in (net_file, pca_file)}
    monkeypatch.setattr(vggish, "NETWORK", vggish.WeightsFile(net_file.name, sha256=prefix[net_file],
                                                              folders=("torch_hub",)))
    monkeypatch.setattr(vggish, "PCA", vggish.WeightsFile(pca_file.name, sha256=prefix[pca_file],
                                                          folders=("torch_hub",)))
    back = vggish.VGGish(postprocess="pca").load()
    assert back.weights_source == "torch-hub"
    assert back.fingerprint() == prefix[net_file] + prefix[pca_file] == back.identify()
    x = torch.rand(2, 16000) - 0.5
    with torch.inference_mode():
        assert torch.allclose(back.embed(x), emb.embed(x), atol=1e-5)


def test_missing_pca_and_junk_files_are_named(tmp_path, monkeypatch):
    from fakebench.plugins.embedders.vggish import VGGish

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    net = tmp_path / "my-vggish.pth"
    torch.save({"features.0.weight": torch.zeros(64, 1, 3, 3)}, net)  # a user's file without pproc.* keys
    with pytest.raises(WeightsError, match="vggish_pca_params-970ea276.pth") as e:
        VGGish().load(weights=net)
    assert "torchvggish/releases" in e.value.hint
    net.write_bytes(b"junk")
    with pytest.raises(WeightsError, match="my-vggish.pth.*not a PyTorch checkpoint"):
        VGGish(postprocess="none").load(weights=net)
