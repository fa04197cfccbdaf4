"""rawnet2: the released checkpoint's exact keys load strictly into our network and into
the authors' model, both give the same outputs; the score convention; the training recipe
and RawBoost; conformance; a tiny training run through the CLI, then `fakebench score`."""

import csv
import hashlib
import json
import re

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from fakebench.errors import ConfigError, WeightsError
from fakebench.plugins.detectors import _rawnet2_net
from fakebench.plugins.detectors.rawnet2 import FILENAME, N_PARAMS, URL, RawNet2, load_official
from fakebench.testing import parametrize_with_checks

from ._audio_data import tone_vs_noise
from ._upstream import importable, random_state_dict, probe_signal, upstream_copy

#: The authors' RawNet(model_config_RawNet.yaml) at asvspoof-challenge/2021 commit 9b33f5e:
#: state_dict size, sha256 of its sorted "key:shape" lines, and its log-softmax output on
#: probe_signal(16000) with random_state_dict(seed=0) loaded (computed once, eval mode).
AUTHORS_KEYS = (119, "126400ddd59af6ef24d2d60903a5033e2e09425e91e78910b3364f5fda71135d")
AUTHORS_OUT = [[-1.0626976490020752, -0.4239179491996765], [-1.0790514945983887, -0.4153909683227539]]


def _small(**kw):
    """A small RawNet2 (same front end and blocks, a 32-unit GRU) trained briefly."""
    return RawNet2(**{"pretrained": "none", "gru_node": 32, "nb_fc_node": 32, "nb_gru_layer": 1, "epochs": 3,
                      "batch_size": 4, "lr": 1e-3, "class_weights": (0.5, 0.5), "drop_last": False, **kw})


@parametrize_with_checks(_small, data=lambda: tone_vs_noise(8, 6, seconds=0.25, length="repeat:0.25"))
def test_rawnet2_conformance(factory, check):
    check(factory)


def _table(state) -> tuple[int, str]:
    lines = "\n".join(f"{k}:{tuple(v.shape)}" for k, v in sorted(state.items()))
    return len(state), hashlib.sha256(lines.encode()).hexdigest()


def _shapes(net) -> dict:
    return {k: tuple(v.shape) for k, v in net.state_dict().items()}


def test_network_has_the_checkpoint_keys_shapes_and_size():
    net = _rawnet2_net.build()
    assert _table(net.state_dict()) == AUTHORS_KEYS
    assert sum(p.numel() for p in net.parameters()) == N_PARAMS
    assert not any(k.startswith("Sinc_conv") for k in net.state_dict())  # fixed filters, not in the checkpoint


def test_outputs_equal_values_recorded_from_the_authors_model():
    net = _rawnet2_net.build()
    net.load_state_dict(random_state_dict(_shapes(net), seed=0), strict=True)
    with torch.no_grad():
        out = net.eval()(torch.from_numpy(probe_signal(16000)))
    np.testing.assert_allclose(out.numpy(), AUTHORS_OUT, atol=1e-4)


@pytest.fixture(scope="module")
def authors_rawnet(tmp_path_factory):
    """The authors' RawNet class (MIT), from a temporary copy of LA/Baseline-RawNet2."""
    yaml = pytest.importorskip("yaml")
    folder = upstream_copy("asvspoof-challenge/2021", ["LA/Baseline-RawNet2/model.py",
                                                       "LA/Baseline-RawNet2/model_config_RawNet.yaml"],
                           tmp_path_factory.mktemp("rawnet2-upstream")) / "LA" / "Baseline-RawNet2"
    with importable(folder, "model"):
        import model

        config = yaml.safe_load((folder / "model_config_RawNet.yaml").read_text())["model"]
        return model.RawNet(config, "cpu")


def test_random_checkpoint_loads_strictly_into_both_and_outputs_agree(authors_rawnet):
    ours = _rawnet2_net.build()
    assert _shapes(ours) == _shapes(authors_rawnet)
    state = random_state_dict(_shapes(authors_rawnet), seed=3)
    authors_rawnet.load_state_dict(state, strict=True)
    ours.load_state_dict(state, strict=True)
    x = torch.from_numpy(probe_signal(20000, seed=3, batch=3))
    with torch.no_grad():
        a, b = authors_rawnet.eval()(x), ours.eval()(x)
    assert torch.allclose(b, a, atol=1e-4), (a - b).abs().max()
    with torch.no_grad():  # the sinc filters, which the authors compute in forward()
        np.testing.assert_allclose(ours.Sinc_conv.filters.numpy(), authors_rawnet.Sinc_conv.filters.numpy(),
                                   atol=1e-6)


def test_released_checkpoint_file_loads_strictly(tmp_path):
    net = _rawnet2_net.build()
    state = random_state_dict(_shapes(net), seed=1)
    path = tmp_path / FILENAME
    torch.save(state, path)
    info = load_official(_rawnet2_net.build(), tmp_path)  # a folder holding the file by its official name
    assert info["path"] == str(path) and len(info["sha256"]) == 64
    loaded = _rawnet2_net.build()
    load_official(loaded, path)
    assert torch.equal(loaded.state_dict()["fc2_gru.weight"], state["fc2_gru.weight"])
    # a DataParallel copy (every key prefixed with module.) is the same checkpoint
    torch.save({f"module.{k}": v for k, v in state.items()}, tmp_path / "dp.pth")
    load_official(_rawnet2_net.build(), tmp_path / "dp.pth")


def test_strict_loading_refuses_a_partial_or_other_checkpoint(tmp_path):
    state = random_state_dict(_shapes(_rawnet2_net.build()), seed=1)
    del state["fc2_gru.bias"]
    torch.save(state, tmp_path / "partial.pth")
    with pytest.raises(WeightsError, match="fc2_gru.bias"):
        load_official(_rawnet2_net.build(), tmp_path / "partial.pth")
    small = _rawnet2_net.build(gru_node=32)
    torch.save(small.state_dict(), tmp_path / "other.pth")
    with pytest.raises(WeightsError, match="does not fit the RawNet2 network"):
        load_official(_rawnet2_net.build(), tmp_path / "other.pth")


def test_missing_checkpoint_says_where_to_get_it_and_put_it():
    x, y = tone_vs_noise(4, 2)[:2]
    with pytest.raises(WeightsError) as err:
        RawNet2().fit(x, y)  # pretrained=DF is the default
    text = str(err.value)
    assert FILENAME in text and URL in text and ".fakebench/weights" in text


def test_score_is_the_log_odds_of_fake_and_ranks_as_the_reference():
    out = torch.log_softmax(torch.randn(50, 2, dtype=torch.float64), dim=1)
    score = RawNet2.to_score(out)
    official = out[:, 1]  # what produce_evaluation_file writes: log p(bona fide)
    assert torch.allclose(torch.sigmoid(score), out[:, 0].exp())  # p(fake)
    order = torch.argsort(official)
    assert torch.all(score[order][1:] < score[order][:-1])  # strictly decreasing in the official score
    assert RawNet2.scores_are_logits


def test_training_follows_the_reference_recipe():
    d = RawNet2().get_params()
    assert (d["lr"], d["weight_decay"], tuple(d["betas"]), d["amsgrad"]) == (1e-4, 1e-4, (0.9, 0.999), False)
    assert d["batch_size"] == 32 and d["epochs"] == 100 and tuple(d["class_weights"]) == (0.1, 0.9)
    assert d["drop_last"] and not d["random_crop"] and d["balance"] == "none" and d["augment"] == "none"
    assert RawNet2.default_length == "repeat:4.0375" and RawNet2.sample_rate == 16000
    assert (d["gru_node"], d["nb_gru_layer"], d["nb_fc_node"]) == (1024, 3, 1024)


def test_bad_options_are_config_errors():
    x, y = tone_vs_noise(4, 2)[:2]
    with pytest.raises(ConfigError, match="rawboost"):
        _small(augment="rawboost:12").fit(x, y)
    with pytest.raises(ConfigError, match="DF or none"):
        RawNet2(pretrained="LA").fit(x, y)
    with pytest.raises(ConfigError, match="pretrained=none"):
        RawNet2(gru_node=32).fit(x, y)  # the checkpoint's architecture is fixed


def test_rawboost_changes_training_only_and_stays_reproducible():
    xtr, ytr, xte, _ = tone_vs_noise(8, 6, seconds=0.25, length="repeat:0.25")
    plain = _small(epochs=1).fit(xtr, ytr)
    boosted = _small(epochs=1, augment="rawboost:3").fit(xtr, ytr)
    again = _small(epochs=1, augment="rawboost:3").fit(xtr, ytr)
    assert boosted.history_[0]["loss"] != plain.history_[0]["loss"]
    assert boosted.history_ == again.history_
    s = boosted.decision_function(xte)
    assert np.array_equal(s, again.decision_function(xte)) and np.array_equal(s, boosted.decision_function(xte))


# -- end to end through the CLI -----------------------------------------------------------


def cli(*args):
    from fakebench.cli import main

    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.mark.shared
@pytest.mark.parametrize("augment", ["none", "rawboost:3"])
def test_tiny_training_run_through_the_cli_then_score(speech_csv, augment):
    r = cli("run", "--detector", "rawnet2", "--dataset", "manifest", "--data-root", speech_csv, "--length", "repeat:1",
            "--set", "pretrained=none", "--set", "epochs=1", "--set", "batch_size=8", "--set", "gru_node=32",
            "--set", "nb_fc_node=32", "--set", "nb_gru_layer=1", "--set", f"augment={augment}", "--json")
    assert r.exit_code == 0, r.output
    rec = json.loads(r.stdout)[0]
    assert (rec["pipeline"]["detector"]["params"]["augment"] or "none") == augment  # --set x=none gives null
    history = rec["training"]["history"]
    assert len(history) == 1 and np.isfinite(history[0]["loss"])
    assert rec["metrics"]["eer"] is not None
    with open(speech_csv) as f:
        wav = next(csv.DictReader(f))["path"]
    s = cli("score", "--model", rec["run_id"], wav)
    assert s.exit_code == 0, s.output
    m = re.match(r"^(FAKE|real)\s+score=([-+][0-9.]+)", s.stdout.strip())
    assert m and "p(fake)=" in s.stdout, s.stdout
