"""ssl (generic): AntiDeepfake's post-trained checkpoints load strictly through THE key map
and reproduce the authors' model (live from a temporary copy of their BSD-3 code on fairseq
at the commit they pin, else recorded outputs); layer selection, back-ends, a frozen hub
front-end saved as a reference, resume, conformance; and the three SSL detectors end to end
through the CLI on real speech, then `fakebench score` on a file."""

import csv
import json
import re

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from fakebench.errors import WeightsError
from fakebench.plugins.detectors._ssl.backends import LinearBackend
from fakebench.plugins.detectors._ssl.frontend import build_config, new_encoder
from fakebench.plugins.detectors.ssl import SSL
from fakebench.testing import parametrize_with_checks

from . import _ssl_reference as R
from ._audio_data import tone_vs_noise

#: Outputs of AntiDeepfake's ``models/W2V.Model`` / ``models/HBT.Model``
#: (nii-yamagishilab/AntiDeepfake 0dea622bde8f, BSD-3-Clause) on the fairseq stand-in built
#: from facebookresearch/fairseq 862efab86f64 (the commit its README pins), recorded once:
#: the model's config with ``fairseq_config(32, 2, 2, 64, 16, 16, 4, **ARCHS[arch])`` fields
#: replaced, weights ``random_state(<its state_dict shapes>, seed=0)``, input
#: ``layer_norm(test_input(2, 32000, seed=1))`` (their data pipeline normalises), eval mode.
RECORDED = {
    "mms-300m": {"digest": "6956de219e2c1c6ff4f5e3c2c45fd58f48257c662402509a52ba71fb917ddd84", "n_keys": 79,
                 "outputs": [[-0.09992210566997528, -0.2677387595176697], [-0.2848273515701294, -0.18360857665538788]]},
    "w2v-small": {"digest": "d2b9cda0cd5d253b59e9af51d88299c0025780ec65b55ca6b6511236a9d1e888", "n_keys": 60,
                  "outputs": [[-0.16954419016838074, -0.07464727014303207], [-0.7416760921478271, -0.33709245920181274]]},
    "hubert-xl": {"digest": "1038872f272a4e2b02735c270ac170694528d50e06d8a2e1e40b34a5e00a83ba", "n_keys": 68,
                  "outputs": [[-0.4168235659599304, 0.4258652925491333], [-0.3782077133655548, 0.42134153842926025]]},
}
ARCHS = {"mms-300m": {}, "w2v-small": {"layer_norm_extractor": False, "layer_norm_first": False, "conv_bias": False},
         "hubert-xl": {"conv_bias": False}}
AUTHORS_NAME = {"mms-300m": "mms_300m", "w2v-small": "w2v_small", "hubert-xl": "hubert_xlarge_ll60k"}


def _checkpoint(tmp_path, name):
    cfg = R.fairseq_config(32, 2, 2, 64, 16, 16, 4, **ARCHS[name])
    shapes = R.released_layout(cfg, LinearBackend(32), frontend_prefix="m_ssl.model.", hubert=name == "hubert-xl")
    state = R.random_state(shapes, seed=0)
    path = tmp_path / f"{name}.ckpt"
    torch.save(state, path)
    return cfg, shapes, state, path


def _detector(name, cfg, path, **kw):
    return SSL(pretrained=name, weights=str(path), config=R.detector_config(cfg), **kw)


@pytest.mark.parametrize("name", list(RECORDED))
def test_antideepfake_checkpoint_reproduces_the_recorded_authors_outputs(tmp_path, name):
    cfg, shapes, _, path = _checkpoint(tmp_path, name)
    assert len(shapes) == RECORDED[name]["n_keys"] and R.listing_digest(shapes) == RECORDED[name]["digest"]
    net, _ = _detector(name, cfg, path)._build()
    net.eval()
    with torch.inference_mode():
        out = net(R.test_input(2, 32000, seed=1)).double()  # the detector normalises the waveform itself
    want = torch.tensor(RECORDED[name]["outputs"], dtype=torch.float64)
    assert (out - want).abs().max() < 1e-4, (out, want)


@pytest.mark.parametrize("name", list(RECORDED))
def test_same_outputs_as_antideepfake_run_live(tmp_path, name):
    if not (R.Source(R.ANTIDEEPFAKE_REPO).available and R.Source(R.FAIRSEQ_REPO).available):
        pytest.skip(f"AntiDeepfake's code or fairseq is not in {R.REFERENCE} (FAKEBENCH_REFERENCE_CODE)")
    cfg, _, state, path = _checkpoint(tmp_path, name)
    authors, ctx = R.antideepfake_model(tmp_path, AUTHORS_NAME[name], cfg, hubert=name == "hubert-xl")
    try:
        assert set(authors.state_dict()) == set(state)
        authors.load_state_dict(state, strict=True)
        authors.eval()
        x = R.test_input(2, 32000, seed=1)
        with torch.no_grad():
            want = authors(torch.nn.functional.layer_norm(x, x.shape[-1:]))
    finally:
        ctx.__exit__(None, None, None)
    net, _ = _detector(name, cfg, path)._build()
    net.eval()
    with torch.inference_mode():
        got = net(x)
    print(f"{name}: max |logits - authors'| = {(got - want).abs().max():.2e}")
    assert (got - want).abs().max() < 1e-4


def test_antideepfake_is_evaluation_only_and_scores_are_log_odds(tmp_path):
    cfg, _, _, path = _checkpoint(tmp_path, "mms-300m")
    xtr, ytr, xte, yte = tone_vs_noise(4, 4, seconds=0.5, length="repeat:0.5")
    det = _detector("mms-300m", cfg, path).fit(xtr, ytr, xte, yte)
    assert det.history_ == [] and not det.trained_ and SSL.scores_are_logits
    with torch.inference_mode():
        out = torch.cat([det.net_(xte.audio[i][0][None]) for i in range(len(yte))])
    np.testing.assert_allclose(det.decision_function(xte), (out[:, 0] - out[:, 1]).double().numpy(), atol=1e-5)
    assert "net" not in det.get_state()  # a reference to the released file


def test_antideepfake_front_end_under_a_new_back_end_is_trained(tmp_path):
    cfg, _, state, path = _checkpoint(tmp_path, "mms-300m")
    xtr, ytr = tone_vs_noise(4, 2, seconds=0.5, length="repeat:0.5")[:2]
    det = _detector("mms-300m", cfg, path, backend="mlp", epochs=1, batch_size=4, crop_seconds=0.5,
                    freeze_frontend=True).fit(xtr, ytr)
    assert det.trained_ and len(det.history_) == 1
    got = det.net_.frontend.state_dict()["encoder.layers.1.feed_forward.output_dense.weight"]
    assert torch.equal(got, state["m_ssl.model.encoder.layers.1.fc2.weight"])  # frozen, from the checkpoint


def test_other_antideepfake_layouts(tmp_path):
    cfg, _, state, path = _checkpoint(tmp_path, "mms-300m")
    # transformers-native front-end names (wav2vec2.*) with the proj_fc head also load
    ref, _ = _detector("mms-300m", cfg, path)._build()
    native = {f"wav2vec2.{k}": v for k, v in ref.frontend.state_dict().items()}
    native.update({k: v for k, v in state.items() if k.startswith("proj_fc.")})
    torch.save(native, tmp_path / "native.pt")
    net, _ = _detector("mms-300m", cfg, tmp_path / "native.pt")._build()
    for k, v in ref.state_dict().items():
        assert torch.equal(v, net.state_dict()[k])
    # an OC-softmax head (one angle vector, no bias) is refused with the reason
    oc = {k: v for k, v in state.items() if not k.startswith("proj_fc.")}
    oc["proj_fc.weight"] = torch.randn(32, 1)
    torch.save(oc, tmp_path / "oc.ckpt")
    with pytest.raises(WeightsError, match="one-class"):
        _detector("mms-300m", cfg, tmp_path / "oc.ckpt")._build()


@pytest.mark.parametrize("pre_ln", [True, False])
def test_hidden_layer_k_is_the_full_models_hidden_state_k(pre_ln):
    over = dict(R.TINY, num_hidden_layers=3, do_stable_layer_norm=pre_ln,
                feat_extract_norm="layer" if pre_ln else "group")
    config = SSL(model="xlsr-300m", config=over)._arch()
    full = new_encoder(config).eval()
    x = R.test_input(1, 8000)
    with torch.inference_mode():
        want = full(x, output_hidden_states=True).hidden_states
    for k in range(4):
        det = SSL(model="xlsr-300m", weights="random", config=over, layer=k, normalize=False)
        net = det._net(det._arch()).eval()
        assert len(net.frontend.encoder.layers) == max(k, 1) or k == 3  # later layers are not kept
        with torch.inference_mode():
            torch.testing.assert_close(net.features(x), want[k], atol=1e-5, rtol=1e-5)
    det = SSL(model="xlsr-300m", weights="random", config=over, layer="weighted", normalize=False)
    net = det._net(det._arch()).eval()
    with torch.inference_mode():  # the learnt weights start uniform
        torch.testing.assert_close(net.features(x), torch.stack(want).mean(dim=0), atol=1e-5, rtol=1e-5)


@pytest.fixture(scope="module")
def hub_folder(tmp_path_factory):
    """A tiny transformers model folder (save_pretrained), as a hub snapshot would be."""
    folder = tmp_path_factory.mktemp("tiny-wav2vec2")
    new_encoder(build_config({"model_type": "wav2vec2", **R.TINY}), seed=1).save_pretrained(folder)
    return folder


def test_frozen_hub_front_end_is_saved_as_a_reference(hub_folder, tmp_path):
    from fakebench.persist import load_detector, save_detector
    from fakebench.registry import Registry

    xtr, ytr, xte, _ = tone_vs_noise(8, 4, seconds=0.25, length="repeat:0.25")
    det = SSL(model=str(hub_folder), freeze_frontend=True, backend="asp", epochs=2, batch_size=4, lr=1e-2,
              crop_seconds=0.25).fit(xtr, ytr)
    original = new_encoder(build_config({"model_type": "wav2vec2", **R.TINY}), seed=1).state_dict()
    for k, v in det.net_.frontend.state_dict().items():
        assert torch.equal(v, original[k]), k  # frozen
    state = det.get_state()
    assert state["frontend_ref"]["model"] == str(hub_folder)
    assert not any(k.startswith("frontend.") for k in state["net"])
    back, _ = load_detector(save_detector(tmp_path / "d.pt", det, {}), Registry())
    np.testing.assert_allclose(back.decision_function(xte), det.decision_function(xte), atol=1e-6)


def test_a_second_fit_with_the_same_checkpoint_dir_resumes(tmp_path):
    xtr, ytr, xte, yte = tone_vs_noise(8, 4, seconds=0.25, length="repeat:0.25")
    kw = {"model": "xlsr-300m", "weights": "random", "config": R.TINY, "epochs": 2, "batch_size": 4, "lr": 1e-3,
          "crop_seconds": 0.25, "checkpoint_dir": str(tmp_path / "ckpt")}
    a = SSL(**kw).fit(xtr, ytr, xte, yte)
    b = SSL(**kw).fit(xtr, ytr, xte, yte)  # finds both epochs done: nothing retrained
    assert (tmp_path / "ckpt" / "last.pt").is_file()
    assert a.history_ == b.history_
    np.testing.assert_array_equal(a.decision_function(xte), b.decision_function(xte))


def _variant(**kw):
    def factory():
        return SSL(model="xlsr-300m", weights="random", config=R.TINY, epochs=3, batch_size=4, lr=1e-2,
                   lr_frontend=1e-3, crop_seconds=0.25, **kw)
    return factory


def _data():
    return tone_vs_noise(8, 6, 0.25, "repeat:0.25")


@parametrize_with_checks(_variant(backend="linear"), data=_data)
def test_ssl_linear_conformance(factory, check):
    check(factory)


@parametrize_with_checks(_variant(backend="asp", layer="weighted"), data=_data)
def test_ssl_asp_weighted_conformance(factory, check):
    check(factory)


@parametrize_with_checks(_variant(backend="mlp", layer=1, freeze_frontend=True), data=_data)
def test_ssl_mlp_frozen_layer_conformance(factory, check):
    check(factory)


# -- the CLI, end to end -----------------------------------------------------------------------


@pytest.fixture
def speech_csv(write_speech_csv, speech_rows):
    """12 shared speech clips (6 real from three corpora, 6 synthetic), listed by absolute path."""
    real = [r for r in speech_rows if r["label"] == "real"]
    real = [r for r in real if r["system"] == "librispeech"][:3] + [r for r in real if r["system"] != "librispeech"][::4][:3]
    fake = [r for r in speech_rows if r["label"] == "fake"][::10][:6]
    return write_speech_csv(real + fake)


@pytest.mark.shared
@pytest.mark.parametrize("detector, sets", [
    ("ssl", ["model=xlsr-300m", "backend=aasist", "layer=weighted", "length=repeat:1"]),
    ("ssl-aasist", ["pretrained=none", "length=repeat:1"]),
    ("ssl-sls", ["pretrained=none", "length=repeat:1"]),
])
def test_cli_trains_on_speech_and_scores_a_file(speech_csv, detector, sets):
    from fakebench.cli import main

    def invoke(*args):
        return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)

    args = ["run", "--detector", detector, "--dataset", "manifest", "--data-root", speech_csv, "--weights", "random",
            "--set", "config=" + json.dumps(R.TINY), "--set", "epochs=2", "--set", "batch_size=4", "--set",
            "lr=0.001", "--set", "crop_seconds=1.0", "--json"]
    for s in sets:
        if s.startswith("length="):
            args += ["--length", s.split("=", 1)[1]]
        else:
            args += ["--set", s]
    r = invoke(*args)
    assert r.exit_code == 0, r.output
    rec = json.loads(r.stdout)[0]
    assert rec["pipeline"]["length"] == "repeat:1" and rec["metrics"]["eer"] is not None
    history = rec["training"]["history"]
    assert [h["epoch"] for h in history] == [1, 2] and all(np.isfinite(h["loss"]) for h in history)
    with open(speech_csv) as f:
        wav = next(csv.DictReader(f))["path"]
    s = invoke("score", "--model", rec["run_id"], wav)
    assert s.exit_code == 0, s.output
    m = re.match(r"^(FAKE|real)\s+score=([-+][0-9.]+)", s.stdout.strip())
    assert m and s.stdout.strip().endswith(wav)
    assert (m.group(1) == "FAKE") == (float(m.group(2)) > rec["threshold"])


def test_importing_the_plugins_does_not_import_torch():
    import subprocess
    import sys

    code = ("import sys\nimport fakebench.plugins.detectors.ssl, fakebench.plugins.detectors.ssl_aasist, "
            "fakebench.plugins.detectors.ssl_sls\nprint(sorted({'torch', 'transformers'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
