"""lcnn: the LFCC front end and the three LCNN variants equal the NII / ASVspoof 2021
reference code (run from a temporary copy, BSD-3-Clause, or values recorded from it);
released checkpoints' exact keys load strictly; the score convention; the training
recipe (padded whole clips, block shuffle by length, StepLR); RawBoost on training clips
only; conformance; a tiny training run through the CLI, then `fakebench score`."""

import csv
import hashlib
import json
import re
import sys
import types
import warnings

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from fakebench.errors import ConfigError, WeightsError
from fakebench.plugins.detectors import _lcnn_net, _wave_training
from fakebench.plugins.detectors._lfcc import LFCC
from fakebench.plugins.detectors.lcnn import CHECKPOINTS, LCNN, MEGA_URL, load_official
from fakebench.testing import parametrize_with_checks

from ._audio_data import tone_vs_noise
from ._upstream import importable, probe_signal, random_state_dict, upstream_copy

#: (variant, front end) of each reference model.
CONFIGS = {"LA": ("lcnn-lstm-sum", "asvspoof2021"), "lstmsum": ("lcnn-lstm-sum", "mega"),
           "fixed": ("lcnn-trim-pad", "mega"), "attention": ("lcnn-attention", "mega")}

#: Computed once from the reference models (asvspoof-challenge/2021 9b33f5e
#: ``LA/Baseline-LFCC-LCNN/project/baseline_LA/model.py`` for LA;
#: nii-yamagishilab/project-NN-Pytorch-scripts 112ec0f ``project/03-asvspoof-mega/
#: lfcc-lcnn-{lstmsum,fixed,attention}-sig/01/model.py``; both with the NII ``sandbox`` of
#: 112ec0f): state_dict size, sha256 of the sorted "key:shape" lines, and the output of
#: ``_compute_embedding`` (eval mode) on probe_signal(24000) with
#: random_state_dict(seed=1, positive=("lfcc_fb",)) loaded.
RECORDED = {
    "LA": (60, "6f0ea2b76bdd1a8f49af44d07979acac21eb445964316f76533d4f8fbbe0b8ef", [5.40822172164917, 5.444642066955566]),
    "lstmsum": (60, "10d8306cda99312e2eb82982e0ec39ddcae55e5f357dc9a533acdba867f86fe0",
                [1.2155898809432983, 1.2193150520324707]),
    "fixed": (46, "42a44a8b105415d4c2f0c1e765610a05d94e789789bcc71cf613f1f8427dca90",
              [0.5944876074790955, 0.6009699106216431]),
    "attention": (45, "9c0570d773118099743396dceb7d1960b50345333b923d5bd9210d841e9a7a33",
                  [-1.1156659126281738, -1.1206145286560059]),
}
#: The reference LFCC (default initialisation) of probe_signal(24000): frame 10 of the
#: first clip, dimensions 0, 1, 5, 19, 20, 40, 59, then the mean of all values.
RECORDED_LFCC = {
    "asvspoof2021": ([0.2154305875301361, -2.621659994125366, 1.9041924476623535, -0.260920912027359,
                      -0.0005203038454055786, -0.029000461101531982, 0.20992833375930786], -0.043621853932366124),
    "mega": ([0.28940853476524353, -1.4077361822128296, 1.2811846733093262, -0.21202623844146729,
              0.0023449361324310303, -0.02950596809387207, -0.001303344964981079], 0.017598833212972398),
}
DIMS = [0, 1, 5, 19, 20, 40, 59]


def _small(**kw):
    return LCNN(**{"pretrained": "none", "epochs": 3, "batch_size": 4, "lr": 3e-3, **kw})


@parametrize_with_checks(_small, data=lambda: tone_vs_noise(8, 6, seconds=0.5, length="full"))
def test_lcnn_conformance(factory, check):
    check(factory)


def _shapes(net) -> dict:
    return {k: tuple(v.shape) for k, v in net.state_dict().items()}


def _table(state) -> tuple[int, str]:
    lines = "\n".join(f"{k}:{tuple(v.shape)}" for k, v in sorted(state.items()))
    return len(state), hashlib.sha256(lines.encode()).hexdigest()


# -- against values recorded from the reference ----------------------------------------------


@pytest.mark.parametrize("name", list(CONFIGS))
def test_network_has_the_reference_keys_and_shapes(name):
    assert _table(_lcnn_net.build(*CONFIGS[name]).state_dict()) == RECORDED[name][:2]


@pytest.mark.parametrize("name", list(CONFIGS))
def test_outputs_equal_values_recorded_from_the_reference(name):
    net = _lcnn_net.build(*CONFIGS[name])
    net.load_state_dict(random_state_dict(_shapes(net), seed=1, positive=("lfcc_fb",)), strict=True)
    with torch.no_grad():
        out = net.eval()(torch.from_numpy(probe_signal(24000)))
    np.testing.assert_allclose(out.numpy(), RECORDED[name][2], atol=1e-4)


@pytest.mark.parametrize("front_end", ["asvspoof2021", "mega"])
def test_lfcc_equals_values_recorded_from_the_reference(front_end):
    lfcc = LFCC(n_fft=_lcnn_net.FRONT_ENDS[front_end]["n_fft"], max_freq=_lcnn_net.FRONT_ENDS[front_end]["max_freq"])
    with torch.no_grad():
        f = lfcc(torch.from_numpy(probe_signal(24000)))
    assert f.shape == (2, 24000 // 160 + 1, 60)
    values, mean = RECORDED_LFCC[front_end]
    np.testing.assert_allclose(f[0, 10, DIMS].numpy(), values, atol=1e-4)
    assert float(f.double().mean()) == pytest.approx(mean, abs=1e-5)


def test_lfcc_front_ends_differ_as_documented():
    a, b = LFCC(n_fft=1024, max_freq=0.5), LFCC(n_fft=512, max_freq=1.0)
    assert a.lfcc_fb.shape == (256, 20) and b.lfcc_fb.shape == (257, 20)  # 0-4 kHz of 513 bins; all 257
    assert torch.allclose(a.l_dct.weight @ a.l_dct.weight.t(), torch.eye(20), atol=1e-6)  # orthonormal DCT
    assert float(a.lfcc_fb.sum(dim=1).max()) <= 1.0 + 1e-6  # triangles overlap by half


# -- against the reference code itself -----------------------------------------------------


@pytest.fixture(scope="module")
def reference_models(tmp_path_factory):
    """The reference ``Model`` classes, built from a temporary copy of the NII code
    (``sandbox``, ``core_scripts``) and the model files (BSD-3-Clause)."""
    tmp = tmp_path_factory.mktemp("lcnn-upstream")
    nii = "nii-yamagishilab/project-NN-Pytorch-scripts"
    mega = "project/03-asvspoof-mega"
    upstream_copy(nii, ["sandbox", "core_scripts", "core_modules",
                        *[f"{mega}/lfcc-lcnn-{v}-sig/01/model.py" for v in ("lstmsum", "fixed", "attention")]],
                  tmp / "nii")
    upstream_copy("asvspoof-challenge/2021", ["LA/Baseline-LFCC-LCNN/project/baseline_LA/model.py"], tmp / "a21")
    protocol = tmp / "protocol.txt"
    protocol.write_text("LA_0079 LA_T_1138215 - - bonafide\nLA_0079 LA_T_1271820 - A01 spoof\n")
    conf = types.SimpleNamespace(optional_argument=[str(protocol)])
    folders = {"LA": tmp / "a21/LA/Baseline-LFCC-LCNN/project/baseline_LA",
               **{v: tmp / "nii" / mega / f"lfcc-lcnn-{v}-sig/01" for v in ("lstmsum", "fixed", "attention")}}
    models = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, folder in folders.items():
            with importable(tmp / "nii", "sandbox", "core_scripts", "core_modules", "model", "config"):
                sys.path.insert(0, str(folder))
                sys.modules["config"] = conf  # the NII models read their protocol path from it
                try:
                    import model

                    models[name] = model.Model(1, 1, None, conf) if name == "LA" else model.Model(1, 1, None)
                finally:
                    sys.path.remove(str(folder))
    return models


@pytest.mark.parametrize("name", list(CONFIGS))
def test_random_checkpoint_loads_strictly_into_both_and_outputs_agree(reference_models, name):
    theirs, ours = reference_models[name], _lcnn_net.build(*CONFIGS[name])
    assert _shapes(ours) == _shapes(theirs)
    x = torch.from_numpy(probe_signal(30000, seed=2, batch=3))
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # the front end with its own initialisation (filter bank, DCT) first
        fa, fb = theirs.m_frontend[0](x), ours.m_frontend[0](x)
        assert fa.shape == fb.shape and torch.allclose(fa, fb, atol=1e-4), (fa - fb).abs().max()
        state = random_state_dict(_shapes(theirs), seed=5, positive=("lfcc_fb",))
        theirs.load_state_dict(state, strict=True)
        ours.load_state_dict(state, strict=True)
        a = theirs.eval()._compute_embedding(x.unsqueeze(-1), [x.shape[1]] * 3).squeeze(1)
        b = ours.eval()(x)
    assert torch.allclose(a, b, atol=1e-4), (a - b).abs().max()


# -- checkpoints ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["LA", "DF", "lfcc-lcnn-fixed-sig/03"])
def test_released_checkpoint_files_load_strictly(tmp_path, name):
    c = CHECKPOINTS[name]
    net = _lcnn_net.build(c["variant"], c["front_end"])
    state = random_state_dict(_shapes(net), seed=2, positive=("lfcc_fb",))
    path = tmp_path / c["file"]
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(state, path)
    info = load_official(_lcnn_net.build(c["variant"], c["front_end"]), name, tmp_path)  # the folder
    assert info["path"] == str(path)
    torch.save({"state_dict": state, "epoch": 7}, tmp_path / "epoch.pt")  # an NII epoch checkpoint
    loaded = _lcnn_net.build(c["variant"], c["front_end"])
    load_official(loaded, name, tmp_path / "epoch.pt")
    assert all(torch.equal(loaded.state_dict()[k], v) for k, v in state.items())


def test_strict_loading_refuses_another_variant(tmp_path):
    torch.save(_lcnn_net.build("lcnn-attention", "mega").state_dict(), tmp_path / "att.pt")
    with pytest.raises(WeightsError, match="does not fit the lcnn-lstm-sum network of LA"):
        load_official(_lcnn_net.build("lcnn-lstm-sum"), "LA", tmp_path / "att.pt")


@pytest.mark.parametrize("name, url", [("LA", "pre_trained_LA_LFCC-LCNN.zip"), ("DF", "pre_trained_DF_LFCC-LCNN.zip"),
                                       ("lfcc-lcnn-lstmsum-sig/02", MEGA_URL)])
def test_missing_checkpoint_says_where_to_get_it_and_put_it(name, url):
    x, y = tone_vs_noise(4, 2)[:2]
    with pytest.raises(WeightsError) as err:
        LCNN(pretrained=name).fit(x, y)
    text = str(err.value)
    assert CHECKPOINTS[name]["file"] in text and url in text and ".fakebench/weights" in text


def test_pretrained_names_the_variant_and_front_end():
    assert LCNN().config_ == ("lcnn-lstm-sum", "asvspoof2021")
    assert LCNN(pretrained="lfcc-lcnn-attention-sig/05").config_ == ("lcnn-attention", "mega")
    assert LCNN(pretrained="none", variant="lcnn-trim-pad").config_ == ("lcnn-trim-pad", "asvspoof2021")
    with pytest.raises(ConfigError, match="not lcnn-attention"):
        LCNN(variant="lcnn-attention").config_  # the default pretrained=LA is an lcnn-lstm-sum
    with pytest.raises(ConfigError, match="unknown pretrained"):
        LCNN(pretrained="PA").config_
    assert len([n for n in CHECKPOINTS if n.startswith("lfcc-lcnn-")]) == 18


def test_score_is_minus_the_reference_output():
    out = torch.randn(20, dtype=torch.float64)
    score = LCNN.to_score(out)
    assert torch.allclose(torch.sigmoid(score), 1 - torch.sigmoid(out))  # p(fake) = 1 - p(bona fide)
    assert LCNN.scores_are_logits


# -- training ------------------------------------------------------------------------------


def test_training_follows_the_reference_recipe():
    d = LCNN().get_params()
    assert (d["lr"], d["lr_decay"], d["lr_step_epochs"], d["weight_decay"]) == (3e-4, 0.5, 10, 0.0)
    assert d["batch_size"] == 64 and d["epochs"] == 100 and d["sampler"] == "block_shuffle_by_length"
    assert LCNN.default_length == "full" and d["augment"] == "none"
    xtr, ytr, xv, yv = tone_vs_noise(8, 6, seconds=0.5, length="full")
    det = _small(lr=1e-3, lr_step_epochs=1).fit(xtr, ytr, xv, yv)
    lrs = [h["lr"] for h in det.history_]
    assert lrs == pytest.approx([5e-4, 2.5e-4, 1.25e-4])  # StepLR: halved after every epoch here
    assert all(np.isfinite(h["loss"]) for h in det.history_) and "val_eer" in det.history_[0]


def test_whole_clips_are_zero_padded_per_batch(tmp_path):
    import soundfile as sf

    from ._audio_data import inputs

    paths = []
    for i, seconds in enumerate([0.3, 0.5, 0.2, 0.45]):
        p = tmp_path / f"{i}.wav"
        sf.write(p, 0.1 * np.ones(int(seconds * 16000), np.float32), 16000)
        paths.append(p)
    source = inputs(paths, "full").audio
    lengths = _wave_training.clip_lengths(source)
    assert lengths.tolist() == [4800, 8000, 3200, 7200]
    waves, idx, lens = next(_wave_training.padded_batches(source, [0, 1, 2], 3, "cpu", num_workers=0))
    assert waves.shape == (3, 8000) and idx.tolist() == [0, 1, 2] and lens.tolist() == [4800, 8000, 3200]
    assert float(waves[2, 3200:].abs().max()) == 0.0 and float(waves[2, :3200].min()) > 0.09
    # RawBoost changes each clip's own samples only; the padding stays silent
    boosted = _wave_training.make_batch_augment("rawboost:3", 16000, 0)(waves, lens)
    assert float(boosted[2, 3200:].abs().max()) == 0.0 and not torch.equal(boosted[2, :3200], waves[2, :3200])


def test_block_shuffle_by_length_groups_similar_lengths():
    lengths = np.arange(64) * 100 + 1000
    gen = torch.Generator().manual_seed(0)
    order = torch.randperm(64, generator=gen).tolist()
    shuffled = _wave_training.block_shuffle(order, lengths, 4, gen)  # blocks of 16
    assert sorted(shuffled) == list(range(64))
    blocks = [shuffled[i:i + 16] for i in range(0, 64, 16)]
    assert all(max(b) - min(b) == 15 for b in blocks)  # each block is a run of 16 consecutive lengths
    assert shuffled != sorted(shuffled)


def test_augmentation_applies_to_training_batches_only():
    calls = []

    def batches(order, train):
        calls.append(train)
        yield torch.full((2, 800), 0.1), torch.tensor([0, 1])

    wrapped = _wave_training.with_augment(batches, "rawboost:3", 16000, seed=0)
    train = next(wrapped([0, 1], True))[0]
    val = next(wrapped([0, 1], False))[0]
    assert not torch.allclose(train, torch.full((2, 800), 0.1)) and torch.equal(val, torch.full((2, 800), 0.1))
    again = next(_wave_training.with_augment(batches, "rawboost:3", 16000, seed=0)([0, 1], True))[0]
    assert torch.equal(train, again)  # the per-run generator is seeded by random_state
    assert _wave_training.with_augment(batches, "none", 16000, seed=0) is batches


def test_trim_pad_tiles_short_clips_and_trims_long_ones():
    feats = torch.arange(10.0).reshape(1, 10, 1).repeat(2, 1, 3)
    out = _lcnn_net.trim_or_tile(feats, torch.tensor([4 * 160, 10 * 160]), 160, 6, train=False)
    assert out[0, :, 0].tolist() == [0, 1, 2, 3, 0, 1] and out[1, :, 0].tolist() == [0, 1, 2, 3, 4, 5]
    gen = torch.Generator().manual_seed(1)
    trained = _lcnn_net.trim_or_tile(feats, torch.tensor([10 * 160] * 2), 160, 6, train=True, generator=gen)
    starts = trained[:, 0, 0].tolist()
    assert all(0 <= s <= 4 for s in starts) and trained[0, :, 0].tolist() == [starts[0] + i for i in range(6)]


def test_rawboost_training_is_reproducible_and_differs_from_none():
    xtr, ytr, xte, _ = tone_vs_noise(8, 6, seconds=0.5, length="full")
    plain = _small(epochs=1).fit(xtr, ytr)
    a = _small(epochs=1, augment="rawboost:5").fit(xtr, ytr)
    b = _small(epochs=1, augment="rawboost:5").fit(xtr, ytr)
    assert a.history_ == b.history_ and a.history_[0]["loss"] != plain.history_[0]["loss"]
    assert np.array_equal(a.decision_function(xte), b.decision_function(xte))


# -- end to end through the CLI -----------------------------------------------------------


def cli(*args):
    from fakebench.cli import main

    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.mark.shared
@pytest.mark.parametrize("augment", ["none", "rawboost:3"])
def test_tiny_training_run_through_the_cli_then_score(speech_csv, augment):
    r = cli("run", "--detector", "lcnn", "--dataset", "manifest", "--data-root", speech_csv, "--set", "pretrained=none",
            "--set", "epochs=1", "--set", "batch_size=8", "--set", f"augment={augment}", "--json")
    assert r.exit_code == 0, r.output
    rec = json.loads(r.stdout)[0]
    assert rec["pipeline"]["length"] == "full"
    assert (rec["pipeline"]["detector"]["params"]["augment"] or "none") == augment  # --set x=none gives null
    history = rec["training"]["history"]
    assert len(history) == 1 and np.isfinite(history[0]["loss"]) and rec["metrics"]["eer"] is not None
    with open(speech_csv) as f:
        wav = next(csv.DictReader(f))["path"]
    s = cli("score", "--model", rec["run_id"], wav)
    assert s.exit_code == 0, s.output
    assert re.match(r"^(FAKE|real)\s+score=([-+][0-9.]+)", s.stdout.strip()) and "p(fake)=" in s.stdout, s.stdout


def test_cropped_clips_of_different_lengths_train_and_score(tmp_path):
    import soundfile as sf

    from ._audio_data import inputs

    rng = np.random.default_rng(0)
    paths, y = [], []
    for i, seconds in enumerate([0.4, 0.9, 0.5, 1.2, 0.6, 0.7]):
        p = tmp_path / f"{i}.wav"
        t = np.arange(int(seconds * 16000)) / 16000
        x = 0.3 * rng.standard_normal(t.size) if i % 2 else 0.4 * np.sin(2 * np.pi * 440 * t)
        sf.write(p, x.astype(np.float32), 16000)
        paths.append(p)
        y.append(i % 2)
    x = inputs(paths, "crop:0.8")
    assert _wave_training.clip_lengths(x.audio).tolist() == [6400, 12800, 8000, 12800, 9600, 11200]
    det = _small(epochs=1, batch_size=3).fit(x, np.array(y))
    s = det.decision_function(x)
    assert s.shape == (6,) and np.isfinite(s).all()
