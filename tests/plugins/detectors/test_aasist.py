"""aasist: the official checkpoints load strictly and score real speech; training from
scratch follows the official recipe; conformance on tone-vs-noise audio."""

import numpy as np
import pytest
import torch

from fakebench.errors import ConfigError, WeightsError
from fakebench.plugins.detectors import _aasist_net
from fakebench.plugins.detectors.aasist import AASIST, load_official
from fakebench.testing import parametrize_with_checks

from ._audio_data import inputs, tone_vs_noise


def _scratch():
    # trained from scratch, briefly: a high rate and even class weights so 6 steps learn
    return AASIST(variant="AASIST-L", pretrained=None, epochs=3, batch_size=4, lr=1e-2, class_weights=(0.5, 0.5),
                  drop_last=False)


@parametrize_with_checks(_scratch, data=lambda: tone_vs_noise(8, 6, seconds=0.25, length="repeat:0.25"))
def test_aasist_conformance(factory, check):
    check(factory)


@pytest.fixture(scope="module")
def weights_dir(shared):
    d = shared / "weights" / "aasist"
    if not (d / "AASIST.pth").is_file():
        pytest.skip("the official AASIST checkpoints are not in ../shared/weights/aasist")
    return d


def _speech(shared, speech_rows, n_real=2, n_fake=1, length="repeat:4.0375"):
    real = [r for r in speech_rows if r["label"] == "real"][:n_real]
    fake = [r for r in speech_rows if r["label"] == "fake"][:n_fake]
    rows = real + fake
    paths = [shared / "data" / "speech" / r["path"] for r in rows]
    return inputs(paths, length), np.array([0] * len(real) + [1] * len(fake))


@pytest.mark.weights
@pytest.mark.parametrize("variant, n_params", [("AASIST", 297_866), ("AASIST-L", 85_306)])
def test_official_checkpoint_loads_strictly(weights_dir, variant, n_params):
    net = _aasist_net.build(variant)
    info = load_official(net, variant, weights_dir)  # a folder: the file's sha256 is checked
    assert info["sha256"] == __import__("fakebench.plugins.detectors.aasist", fromlist=["SHA256"]).SHA256[variant]
    assert sum(p.numel() for p in net.parameters()) == n_params
    official = torch.load(weights_dir / f"{variant}.pth", map_location="cpu", weights_only=True)
    assert set(net.state_dict()) == set(official)
    assert torch.equal(net.state_dict()["out_layer.weight"], official["out_layer.weight"])


@pytest.mark.weights
def test_strict_loading_refuses_a_partial_or_other_checkpoint(weights_dir, tmp_path):
    state = torch.load(weights_dir / "AASIST.pth", map_location="cpu", weights_only=True)
    del state["out_layer.bias"]
    partial = tmp_path / "partial.pth"
    torch.save(state, partial)
    with pytest.raises(WeightsError, match="out_layer.bias"):
        load_official(_aasist_net.build("AASIST"), "AASIST", partial)
    with pytest.raises(WeightsError, match="does not fit the AASIST network"):
        load_official(_aasist_net.build("AASIST"), "AASIST", weights_dir / "AASIST-L.pth")


def test_missing_checkpoint_says_where_to_put_it():
    x, y = tone_vs_noise(4, 2)[:2]
    with pytest.raises(WeightsError) as err:
        AASIST(pretrained="AASIST-L").fit(x, y)
    text = str(err.value)
    assert "AASIST-L.pth" in text and "github.com/clovaai/aasist" in text and ".fakebench/weights" in text


def test_pretrained_names_the_checkpoint_and_the_architecture():
    assert AASIST().variant_ == "AASIST" and AASIST(pretrained="AASIST-L").variant_ == "AASIST-L"
    assert AASIST(pretrained=None, variant="AASIST-L").variant_ == "AASIST-L"
    assert AASIST(pretrained=True, variant="AASIST-L")._pretrained_name() == "AASIST-L"
    assert AASIST(pretrained="none")._pretrained_name() is None
    with pytest.raises(ConfigError, match="contradicts"):
        AASIST(variant="AASIST-L").variant_  # the default pretrained=AASIST
    with pytest.raises(ConfigError, match="AASIST, AASIST-L or none"):
        AASIST(pretrained="RawNet2")._pretrained_name()
    # the CLI's --set values type-check against these defaults
    from fakebench.config import parse_value

    for text in ("AASIST-L", "none", "false"):
        AASIST.from_params({"pretrained": parse_value(text)})


@pytest.mark.weights
@pytest.mark.shared
@pytest.mark.parametrize("variant", ["AASIST", "AASIST-L"])
def test_pretrained_scores_on_real_speech_are_finite_and_deterministic(weights_dir, shared, speech_rows, variant):
    x, y = _speech(shared, speech_rows, n_real=1, n_fake=1)
    det = AASIST(pretrained=variant, weights=str(weights_dir), eval_batch_size=2).fit(x, y)
    assert det.history_ == [] and det.threshold_ == 0.0  # evaluation only; no validation split
    a, b = det.decision_function(x), det.decision_function(x)
    assert a.shape == (2,) and np.isfinite(a).all() and np.array_equal(a, b)
    # THE score convention: minus the official bona fide logit (output index 1); one clip
    # at a time gives what the batch gave
    with torch.inference_mode():
        logits = torch.cat([det.net_(x.audio[i][0][None]) for i in range(2)])
    np.testing.assert_allclose(a, -logits[:, 1].double().numpy(), atol=1e-4)


@pytest.mark.weights
@pytest.mark.shared
def test_threshold_is_the_validation_eer_point(weights_dir, shared, speech_rows):
    from fakebench.metrics import eer

    x, y = _speech(shared, speech_rows, n_real=2, n_fake=2, length="repeat:1")
    det = AASIST(pretrained="AASIST-L", weights=str(weights_dir)).fit(x.subset([0]), y[:1], x, y)
    _, thr = eer(det.decision_function(x), y, return_threshold=True, warn=False)
    assert det.threshold_ == pytest.approx(thr)
    fixed = AASIST(pretrained="AASIST-L", weights=str(weights_dir), threshold=1.5).fit(x.subset([0]), y[:1], x, y)
    assert fixed.threshold_ == 1.5


def test_training_follows_the_official_recipe():
    d = AASIST().get_params()
    assert (d["lr"], d["lr_min"], d["weight_decay"], tuple(d["betas"])) == (1e-4, 5e-6, 1e-4, (0.9, 0.999))
    assert d["batch_size"] == 24 and d["epochs"] == 100 and tuple(d["class_weights"]) == (0.1, 0.9)
    assert d["balance"] == "none" and d["select"] == "eer" and d["random_crop"] and not d["freq_aug"]
    xtr, ytr, xv, yv = tone_vs_noise(8, 6, seconds=0.25, length="repeat:0.25")
    det = AASIST(variant="AASIST-L", pretrained="none", epochs=3, batch_size=4, lr=1e-3, lr_min=1e-5,
                 freq_aug=True).fit(xtr, ytr, xv, yv)
    lrs = [h["lr"] for h in det.history_]
    assert lrs[0] < 1e-3 and lrs[-1] == pytest.approx(1e-5)  # cosine annealing, per step, down to lr_min
    eers = [h["val_eer"] for h in det.history_]
    assert det.best_epoch_ == max(e for e, v in enumerate(eers, 1) if v == min(eers))  # last best EER
    assert all(np.isfinite(h["loss"]) for h in det.history_)


def test_weighted_cross_entropy_uses_official_class_order():
    # class weights (0.1 spoof, 0.9 bona fide): a bona fide clip (label 0) weighs 9x a spoof
    ce = torch.nn.CrossEntropyLoss(weight=torch.tensor([0.1, 0.9]), reduction="none")
    out = torch.tensor([[0.0, 0.0], [0.0, 0.0]])
    y = torch.tensor([0, 1])  # fakebench labels: real, fake
    per = ce(out, 1 - y)
    assert per[0] / per[1] == pytest.approx(9.0)
