"""ssl-sls: the released checkpoint's layout loads strictly through THE key map and gives the
outputs recorded once from the authors' model (their repository has no licence, so their
code is never run here); the fixed input length, the score convention and conformance."""

import numpy as np
import pytest
import torch
from fakebench.errors import ConfigError, WeightsError
from fakebench.plugins.detectors._ssl.backends import SLSBackend
from fakebench.plugins.detectors.ssl_sls import SSLSLS
from fakebench.testing import parametrize_with_checks

from . import _ssl_reference as R
from ._audio_data import inputs, tone_vs_noise

#: Outputs of the authors' ``Model`` (QiShanZhang/SLSforASVspoof-2021-DF 82e8af0ad853,
#: ``model.py`` with their ``wav2vec/wav2vec2.py`` replacing fairseq's in the stand-in built
#: from the fairseq a54021305d6b that SSL_Anti-spoofing vendors), computed once on this
#: machine and pasted here (the repository has no licence, so the tests do not run it):
#: architecture ``fairseq_config(1024, L, 16, 64, 16, 16, 16)``, weights
#: ``random_state(<its state_dict shapes>, seed=0)`` saved with the ``module.`` prefix
#: ``nn.DataParallel`` adds, input ``test_input(2, 64600, seed=1)``, eval mode.
RECORDED = {
    2: {"digest": "6175a4a48e8187c79645b8030c5841e6db108b747038a706e6874be0f2c538b1", "n_keys": 88,
        "outputs": [[-0.5905402302742004, -0.8074988722801208], [-0.637276291847229, -0.7523252964019775]]},
    3: {"digest": "3ae4517a73bce8e2c1875f45e65b1720a8309d54eb5460e4868e459b9fd5ada7", "n_keys": 104,
        "outputs": [[-0.7525957226753235, -0.6370353102684021], [-0.7441904544830322, -0.6445832252502441]]},
}


def _checkpoint(tmp_path, layers, name="SLS_model.pth"):
    cfg = R.fairseq_config(1024, layers, 16, 64, 16, 16, 16)
    shapes = R.released_layout(cfg, SLSBackend(1024, 201), frontend_prefix="ssl_model.model.")
    state = R.random_state(shapes, seed=0)
    torch.save({"module." + k: v for k, v in state.items()}, tmp_path / name)
    return cfg, shapes, tmp_path / name


@pytest.mark.parametrize("layers", [2, 3])
def test_released_checkpoint_reproduces_the_recorded_authors_outputs(tmp_path, layers):
    cfg, shapes, path = _checkpoint(tmp_path, layers)
    assert len(shapes) == RECORDED[layers]["n_keys"]
    assert R.listing_digest(shapes) == RECORDED[layers]["digest"]  # exactly the authors' key names and shapes
    det = SSLSLS(weights=str(path), config=R.detector_config(cfg))
    net, _ = det._build()
    net.eval()
    with torch.inference_mode():
        out = net(R.test_input(2, 64600, seed=1)).double()
    want = torch.tensor(RECORDED[layers]["outputs"], dtype=torch.float64)
    print(f"layers={layers}: max |log-probs - authors' recorded| = {(out - want).abs().max():.2e}")
    assert (out - want).abs().max() < 1e-4
    assert torch.allclose(out.exp().sum(dim=1), torch.ones(2, dtype=torch.float64))  # log-probabilities


def test_the_classifier_reads_every_layer_raw():
    # a layer's output before the final LayerNorm: changing that LayerNorm changes the
    # last hidden state but not what SLS reads
    det = SSLSLS(pretrained="none", weights="random", config=R.TINY, crop_seconds=0.25)
    net = det._net(det._arch()).eval()
    x = R.test_input(1, 4000)
    with torch.inference_mode():
        before = [h.clone() for h in net.features(x)]
        net.frontend.encoder.layer_norm.weight.mul_(3.0)
        after = net.features(x)
    assert len(before) == R.TINY["num_hidden_layers"]
    assert all(torch.equal(a, b) for a, b in zip(before, after))


def test_missing_checkpoint_names_file_url_and_place():
    x, y = tone_vs_noise(4, 2)[:2]
    with pytest.raises(WeightsError) as err:
        SSLSLS(crop_seconds=0.5).fit(x, y)
    text = str(err.value)
    assert "SLS_model.pth" in text and "drive.google.com/drive/folders/13vw_AX1jHdYndRu1edlgpdNJpCX8OnrH" in text
    assert ".fakebench/weights" in text


def test_fixed_length_is_enforced():
    x, y = tone_vs_noise(4, 2, seconds=0.5, length="repeat:0.5")[:2]
    det = SSLSLS(pretrained="none", weights="random", config=R.TINY, epochs=1)  # built for 4.0375 s
    with pytest.raises(ConfigError, match="exactly 64600 samples"):
        det.fit(x, y)
    full = tone_vs_noise(4, 2, seconds=0.5, length="full")
    det = SSLSLS(pretrained="none", weights="random", config=R.TINY, epochs=1, crop_seconds=0.25)
    with pytest.raises(ConfigError, match="eval_windows=mean"):
        det.fit(full[0], full[1])
    det.eval_windows = "mean"
    det.fit(full[0], full[1])
    assert np.isfinite(det.decision_function(full[2])).all()


@pytest.mark.shared
def test_scores_are_minus_log_p_bona_fide(tmp_path, shared, speech_rows):
    cfg, _, path = _checkpoint(tmp_path, 2)
    rows = [r for r in speech_rows if r["label"] == "real"][:1] + [r for r in speech_rows if r["label"] == "fake"][:1]
    x = inputs([shared / "data" / "speech" / r["path"] for r in rows], "repeat:4.0375")
    det = SSLSLS(weights=str(path), config=R.detector_config(cfg)).fit(x, np.array([0, 1]))
    with torch.inference_mode():
        out = torch.cat([det.net_(x.audio[i][0][None]) for i in range(2)])
    np.testing.assert_allclose(det.decision_function(x), -out[:, 1].double().numpy(), atol=1e-5)


def test_training_defaults_follow_main_py():
    d = SSLSLS().get_params()
    assert (d["lr"], d["weight_decay"], d["batch_size"], d["epochs"], d["patience"]) == (1e-6, 1e-4, 5, 50, 1)
    assert tuple(d["class_weights"]) == (0.1, 0.9) and d["random_crop"] is False


def _scratch():
    return SSLSLS(pretrained="none", weights="random", config=R.TINY, epochs=3, batch_size=4, lr=1e-3,
                  crop_seconds=0.25, class_weights=(0.5, 0.5), patience=0)


@parametrize_with_checks(_scratch, data=lambda: tone_vs_noise(8, 6, seconds=0.25, length="repeat:0.25"))
def test_ssl_sls_conformance(factory, check):
    check(factory)
