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


# -- stochastic weight averaging (the official main.py's final step) -----------------------


def test_swa_averages_parameters_only():
    from fakebench.plugins.detectors._wave_training import SWA

    net = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    swa, snapshots = SWA(), []
    for k in range(3):
        with torch.no_grad():
            for p in net.parameters():
                p.fill_(float(k * k))  # 0, 1, 4
            net[1].running_mean.fill_(10.0 + k)
        snapshots.append([p.clone() for p in net.parameters()])
        swa.update(net, epoch=k + 1)
    swa.apply(net)
    assert swa.count == 3 and swa.epochs == [1, 2, 3]
    for p, *snaps in zip(net.parameters(), *snapshots):
        assert torch.allclose(p, sum(snaps) / 3)  # (0 + 1 + 4) / 3
    assert torch.equal(net[1].running_mean, torch.full((2,), 12.0))  # buffers are not averaged


def test_bn_update_recomputes_statistics_as_sample_weighted_means():
    from fakebench.plugins.detectors._wave_training import bn_update

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3), torch.nn.Dropout(0.5))
    net[1].running_mean.fill_(5.0)
    batches = [torch.randn(8, 4) + 1, torch.randn(8, 4) - 2, torch.randn(4, 4) * 3]
    net.eval()
    seen = bn_update(net, [(b, None) for b in batches])
    assert seen == 20 and not net.training and net[1].momentum == 0.1  # mode and momentum restored
    with torch.no_grad():
        h = [net[0](b) for b in batches]
    w = torch.tensor([8.0, 8.0, 4.0]) / 20
    mean = sum(wi * hi.mean(0) for wi, hi in zip(w, h))
    var = sum(wi * hi.var(0, unbiased=True) for wi, hi in zip(w, h))
    assert torch.allclose(net[1].running_mean, mean, atol=1e-5)
    assert torch.allclose(net[1].running_var, var, atol=1e-5)


def test_swa_is_on_by_default_as_in_the_official_recipe():
    d = AASIST().get_params()
    assert d["swa"] is True and d["swa_max_eer"] == 0.01 and d["augment"] == "none"


def _swa_run(**kw):
    xtr, ytr, xv, yv = tone_vs_noise(8, 6, seconds=0.25, length="repeat:0.25")
    # a constant learning rate, so that the first k epochs do not depend on the number of epochs
    params = dict(variant="AASIST-L", pretrained="none", epochs=3, batch_size=4, lr=1e-2, lr_min=1e-2,
                  class_weights=(0.5, 0.5), drop_last=False)
    return AASIST(**{**params, **kw}).fit(xtr, ytr, xv, yv)


@pytest.mark.slow
def test_swa_replaces_the_weights_by_the_mean_of_the_best_epochs():
    averaged = _swa_run()
    eers = [h["val_eer"] for h in averaged.history_]
    # the official rule: epochs whose validation EER is <= the best so far, which starts at 1%
    expected, best = [], 0.01
    for epoch, value in enumerate(eers, 1):
        if value <= best:
            best = value
            expected.append(epoch)
    assert averaged.swa_epochs_ == expected and len(expected) >= 2, eers
    # the weights of each averaged epoch: a run stopped there keeps its last best epoch, that one
    snapshots = []
    for epoch in expected:
        stopped = _swa_run(epochs=epoch, swa=False)
        assert stopped.history_ == averaged.history_[:epoch] and stopped.best_epoch_ == epoch
        snapshots.append(dict(stopped.net_.named_parameters()))
    for name, p in averaged.net_.named_parameters():
        mean = sum(s[name] for s in snapshots) / len(snapshots)
        assert torch.allclose(p, mean, atol=1e-6), name
    last = snapshots[-1]
    assert any(not torch.allclose(p, last[n]) for n, p in averaged.net_.named_parameters())
    # batch norm statistics were recomputed on the training data, not copied from an epoch
    bn = "first_bn.running_mean"
    assert not torch.equal(averaged.net_.state_dict()[bn], stopped.net_.state_dict()[bn])
    assert np.isfinite(averaged.decision_function(tone_vs_noise(8, 6, seconds=0.25, length="repeat:0.25")[2])).all()


def test_without_a_qualifying_epoch_swa_keeps_the_best_checkpoint():
    xtr, ytr = tone_vs_noise(8, 6, seconds=0.25, length="repeat:0.25")[:2]
    kw = dict(variant="AASIST-L", pretrained="none", epochs=1, batch_size=4, drop_last=False)
    a = AASIST(**kw).fit(xtr, ytr)  # no validation split: nothing to select epochs by
    b = AASIST(**kw, swa=False).fit(xtr, ytr)
    assert a.swa_epochs_ == [] and all(torch.equal(v, b.net_.state_dict()[k]) for k, v in a.net_.state_dict().items())


# -- RawBoost -----------------------------------------------------------------------------


def test_rawboost_augments_training_only_and_is_reproducible():
    xtr, ytr, xte, _ = tone_vs_noise(8, 6, seconds=0.25, length="repeat:0.25")
    kw = dict(variant="AASIST-L", pretrained="none", epochs=1, batch_size=4, lr=1e-2, drop_last=False)
    plain = AASIST(**kw).fit(xtr, ytr)
    a = AASIST(**kw, augment="rawboost:3").fit(xtr, ytr)
    b = AASIST(**kw, augment="rawboost:3").fit(xtr, ytr)
    assert a.history_ == b.history_ and a.history_[0]["loss"] != plain.history_[0]["loss"]
    s = a.decision_function(xte)
    assert np.array_equal(s, b.decision_function(xte)) and np.array_equal(s, a.decision_function(xte))
    with pytest.raises(ConfigError, match="rawboost"):
        AASIST(**kw, augment="rawboost").fit(xtr, ytr)


@pytest.mark.weights
@pytest.mark.shared
def test_a_run_sends_each_clip_through_the_network_once(weights_dir, shared, speech_rows, tmp_path, monkeypatch):
    """The val split is scored once (for the threshold, with the final model) and reused by
    the runner: clips through the network = val + eval, not 2 x val + eval."""
    import csv

    import fakebench

    real = [r for r in speech_rows if r["label"] == "real"][:6]
    fake = [r for r in speech_rows if r["label"] == "fake"][:6]
    rows = [{"path": str(shared / "data" / "speech" / r["path"]), "label": r["label"],
             "split": ("train", "train", "val", "val", "eval", "eval")[i % 6]} for i, r in enumerate(real + fake)]
    manifest = tmp_path / "m.csv"
    with open(manifest, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["path", "label", "split"])
        w.writeheader()
        w.writerows(rows)
    seen = []
    original = AASIST._scores

    def counting(self, source, net=None):
        seen.append(len(source))
        return original(self, source, net)

    monkeypatch.setattr(AASIST, "_scores", counting)
    rec = fakebench.run(dataset="manifest", detector="aasist", data_root=str(manifest), weights=str(weights_dir),
                        results_dir=str(tmp_path / "res"), cache_dir=str(tmp_path / "cache"), device="cpu")[0]
    n_val, n_eval = rec["dataset"]["counts"]["val"]["n"], rec["dataset"]["counts"]["eval"]["n"]
    assert sum(seen) == n_val + n_eval == 8
