"""ssl-aasist: the released LA/DF checkpoint layout loads strictly through THE key map into
transformers and reproduces the authors' model (live from a temporary copy of their MIT code
when it is available, else against outputs recorded from it); evaluation-only use, the
saved state, the score convention, length policies and conformance."""

import numpy as np
import pytest
import torch
from fakebench.errors import ConfigError, WeightsError
from fakebench.plugins.detectors._ssl.backends import AASISTBackend
from fakebench.plugins.detectors.ssl_aasist import SSLAASIST
from fakebench.testing import parametrize_with_checks

from . import _ssl_reference as R
from ._audio_data import inputs, tone_vs_noise

#: Outputs of the authors' ``Model`` (TakHemlata/SSL_Anti-spoofing 4acaa61dcef5, model.py, MIT)
#: on the fairseq stand-in built from the fairseq copy it vendors (a54021305d6b), recorded
#: once: architecture ``fairseq_config(1024, L, 16, 64, 16, 16, 16)``, weights
#: ``random_state(<its state_dict shapes>, seed=0)``, input ``test_input(2, 64600, seed=1)``,
#: eval mode. "digest" is ``listing_digest`` of its state_dict layout.
RECORDED = {
    2: {"digest": "c22a7510e031e8f19d396f4b09761b81ba5f6c937822817f4c5f07c4dab8eb26", "n_keys": 322,
        "outputs": [[1.0722038745880127, -6.408777713775635], [1.2280293703079224, -6.119387626647949]]},
    3: {"digest": "46b1c3888182c1a01d613f02a12c9406e7db98470dbc8e69cc2ec62ccdb63e65", "n_keys": 338,
        "outputs": [[1.0456629991531372, -7.34635066986084], [0.8939892053604126, -7.352919101715088]]},
}
PREFIX = "ssl_model.model."


def _layout(layers, hidden=1024):
    """The authors' layout (their back-end is built for 1024-d XLS-R), or a tiny one."""
    cfg = R.fairseq_config(hidden, layers, 16 if hidden == 1024 else 2, 64, 16, 16, 16 if hidden == 1024 else 4)
    return cfg, R.released_layout(cfg, AASISTBackend(hidden), frontend_prefix=PREFIX)


def _checkpoint(tmp_path, layers, name="LA_model.pth", data_parallel=False, hidden=1024):
    cfg, shapes = _layout(layers, hidden)
    state = R.random_state(shapes, seed=0)
    if data_parallel:
        state = {"module." + k: v for k, v in state.items()}
    path = tmp_path / name
    torch.save(state, path)
    return cfg, state, path


def _net(det):
    net = det._net(det._arch())
    return net


@pytest.mark.parametrize("layers", [2, 3])
def test_checkpoint_layout_is_the_authors(layers):
    _, shapes = _layout(layers)
    assert len(shapes) == RECORDED[layers]["n_keys"]
    assert R.listing_digest(shapes) == RECORDED[layers]["digest"]


@pytest.mark.parametrize("layers", [2, 3])
def test_released_checkpoint_reproduces_the_recorded_authors_outputs(tmp_path, layers):
    cfg, _, path = _checkpoint(tmp_path, layers)
    det = SSLAASIST(pretrained="LA", weights=str(path), config=R.detector_config(cfg))
    net, _ = det._build()
    net.eval()
    with torch.inference_mode():
        out = net(R.test_input(2, 64600, seed=1)).double()
    want = torch.tensor(RECORDED[layers]["outputs"], dtype=torch.float64)
    assert (out - want).abs().max() < 1e-4, (out, want)


@pytest.mark.parametrize("layers", [2, 3])
def test_same_outputs_as_the_authors_model_run_live(tmp_path, layers):
    if not R.Source(R.SSL_AASIST_REPO).available:
        pytest.skip(f"the authors' code is not in {R.REFERENCE} (FAKEBENCH_REFERENCE_CODE)")
    cfg, state, path = _checkpoint(tmp_path, layers)
    authors, ctx = R.ssl_aasist_model(tmp_path, cfg)
    try:
        assert set(authors.state_dict()) == set(state)  # the layout, from their class itself
        authors.load_state_dict(state, strict=True)
        authors.eval()
        x = R.test_input(2, 64600, seed=1)
        with torch.no_grad():
            want = authors(x.clone())
            want_feat = authors.ssl_model.extract_feat(x.clone())
    finally:
        ctx.__exit__(None, None, None)
    det = SSLAASIST(pretrained="LA", weights=str(path), config=R.detector_config(cfg))
    net, _ = det._build()
    net.eval()
    with torch.inference_mode():
        got, feat = net(x), net.features(x)
    print(f"layers={layers}: max |logits - authors'| = {(got - want).abs().max():.2e}, "
          f"max |features - authors'| = {(feat - want_feat).abs().max():.2e}")
    assert (feat - want_feat).abs().max() < 1e-4
    assert (got - want).abs().max() < 1e-4


def test_df_checkpoint_saved_through_data_parallel_loads(tmp_path):
    cfg, _, _ = _checkpoint(tmp_path, 2, name="DF_model.pth", data_parallel=True)
    det = SSLAASIST(pretrained="DF", weights=str(tmp_path), config=R.detector_config(cfg))  # a folder
    net, _ = det._build()
    net.eval()
    with torch.inference_mode():
        out = net(R.test_input(2, 64600, seed=1)).double()
    assert (out - torch.tensor(RECORDED[2]["outputs"])).abs().max() < 1e-4
    assert det.weights_info_["name"] == "DF" and len(det.weights_info_["sha256"]) == 64


def test_missing_checkpoint_names_file_url_and_place():
    x, y = tone_vs_noise(4, 2)[:2]
    with pytest.raises(WeightsError) as err:
        SSLAASIST(pretrained="DF").fit(x, y)
    text = str(err.value)
    assert "DF_model.pth" in text and "drive.google.com/drive/folders/1c4ywztEVlYVijfwbGLl9OEa1SNtFKppB" in text
    assert ".fakebench/weights" in text


def test_a_checkpoint_of_another_model_is_refused(tmp_path):
    cfg, state, _ = _checkpoint(tmp_path, 2)
    del state["out_layer.bias"]
    torch.save(state, tmp_path / "partial.pth")
    with pytest.raises(WeightsError, match="out_layer.bias"):
        SSLAASIST(weights=str(tmp_path / "partial.pth"), config=R.detector_config(cfg))._build()
    with pytest.raises(WeightsError, match="front-end does not fit"):  # 3-layer checkpoint, 2-layer model
        _, _, p3 = _checkpoint(tmp_path, 3, name="three.pth")
        SSLAASIST(weights=str(p3), config=R.detector_config(cfg))._build()
    with pytest.raises(ConfigError, match="LA, DF or none"):
        SSLAASIST(pretrained="PA")._released()


@pytest.mark.shared
def test_evaluation_only_saves_a_reference_and_scores_the_same(tmp_path, shared, speech_rows):
    from fakebench.persist import load_detector, save_detector
    from fakebench.registry import Registry

    cfg, _, path = _checkpoint(tmp_path, 2, hidden=32)
    rows = [r for r in speech_rows if r["label"] == "real"][:2] + [r for r in speech_rows if r["label"] == "fake"][:1]
    x = inputs([shared / "data" / "speech" / r["path"] for r in rows], "repeat:4.0375")
    y = np.array([0, 0, 1])
    det = SSLAASIST(pretrained="LA", weights=str(path), config=R.detector_config(cfg), eval_batch_size=2).fit(x, y)
    assert det.history_ == [] and not det.trained_ and det.threshold_ == 0.0  # evaluation only
    scores = det.decision_function(x)
    with torch.inference_mode():  # THE score convention: minus the bona fide logit
        logits = torch.cat([det.net_(x.audio[i][0][None]) for i in range(3)])
    np.testing.assert_allclose(scores, -logits[:, 1].double().numpy(), atol=1e-5)
    state = det.get_state()
    assert "net" not in state and state["released"]["name"] == "LA"  # a reference, not 1.2 GB of tensors
    saved = save_detector(tmp_path / "det.pt", det, {})
    back, _ = load_detector(saved, Registry())
    np.testing.assert_allclose(back.decision_function(x), scores, atol=1e-6)
    torch.save({k: v * 0 for k, v in torch.load(path, weights_only=True).items()}, path)  # another file
    with pytest.raises(WeightsError, match="not the checkpoint"):
        load_detector(saved, Registry())


@pytest.mark.shared
def test_length_policies_full_and_window_mean(tmp_path, shared, speech_rows):
    cfg, _, path = _checkpoint(tmp_path, 2, hidden=32)
    row = next(r for r in speech_rows if r["label"] == "real")
    clip = shared / "data" / "speech" / row["path"]
    det = SSLAASIST(weights=str(path), config=R.detector_config(cfg), window_hop=1.0)
    full = inputs([clip], "full")
    det.fit(full, np.array([0]))
    s_full = det.decision_function(full)
    det.eval_windows = "mean"
    s_win = det.decision_function(full)
    wave = full.audio[0][0]
    starts = list(range(0, len(wave) - 64600 + 1, 16000))
    if starts[-1] != len(wave) - 64600:
        starts.append(len(wave) - 64600)
    with torch.inference_mode():
        manual = np.mean([-float(det.net_(wave[s:s + 64600][None])[0, 1]) for s in starts])
    assert np.isfinite(s_full).all() and s_win[0] == pytest.approx(manual, abs=1e-5)
    det.eval_windows = "off"
    s_rep = det.decision_function(inputs([clip], "repeat:4.0375"))
    with torch.inference_mode():
        first = -float(det.net_(wave[:64600][None])[0, 1])
    assert s_rep[0] == pytest.approx(first, abs=1e-5) and s_rep[0] != pytest.approx(s_full[0], abs=1e-6)


def test_training_defaults_follow_main_ssl_la():
    d = SSLAASIST().get_params()
    assert (d["lr"], d["weight_decay"], d["batch_size"], d["epochs"]) == (1e-6, 1e-4, 14, 100)
    assert tuple(d["class_weights"]) == (0.1, 0.9) and d["random_crop"] is False and d["lr_frontend"] is None
    assert d["crop_seconds"] * 16000 == pytest.approx(64600) and SSLAASIST.default_length == "repeat:4.0375"


def _scratch():
    return SSLAASIST(pretrained="none", weights="random", config=R.TINY, epochs=3, batch_size=4, lr=1e-3,
                     crop_seconds=0.25, class_weights=(0.5, 0.5))


@parametrize_with_checks(_scratch, data=lambda: tone_vs_noise(8, 6, seconds=0.25, length="repeat:0.25"))
def test_ssl_aasist_conformance(factory, check):
    check(factory)
