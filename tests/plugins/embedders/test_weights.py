"""fakebench.weights: resolution order, checksums, offline errors, safe loading."""

import hashlib
import os
from pathlib import Path

import numpy as np
import pytest
import torch

from fakebench import weights as W
from fakebench.errors import WeightsError


def _blob(path: Path, data: bytes = b"fake checkpoint bytes") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _spec(**kw) -> W.WeightsFile:
    base = dict(filename="model-abc.pth", url="https://example.org/model-abc.pth", folders=("torch_hub", "panns_data"),
                what="test checkpoint")
    base.update(kw)
    return W.WeightsFile(**base)


def test_explicit_file_wins_and_is_fingerprinted(tmp_path, isolated_home):
    own = _blob(tmp_path / "mine.pth", b"my fine-tuned weights")
    _blob(W.weights_root() / "model-abc.pth", b"cached")
    got = W.resolve(_spec(sha256="0" * 64), own)  # a user's own file is not held to the checksum
    assert got.path == own and got.source == "explicit"
    assert got.fingerprint == hashlib.sha256(b"my fine-tuned weights").hexdigest()[:16]


def test_explicit_folder_must_hold_the_official_name(tmp_path):
    (tmp_path / "w").mkdir()
    with pytest.raises(WeightsError, match="'model-abc.pth' is not in the folder"):
        W.resolve(_spec(), tmp_path / "w")
    _blob(tmp_path / "w" / "model-abc.pth")
    assert W.resolve(_spec(), tmp_path / "w").source == "explicit"


def test_missing_explicit_file_is_named(tmp_path):
    with pytest.raises(WeightsError, match="nope.pth"):
        W.resolve(_spec(), tmp_path / "nope.pth")


def test_cache_order_and_sources(isolated_home, monkeypatch):
    data = b"the real thing"
    spec = _spec(sha256=hashlib.sha256(data).hexdigest())
    fb = _blob(W.weights_root() / spec.filename, data)
    assert W.resolve(spec).source == "fakebench"
    panns = _blob(Path("~/panns_data").expanduser() / spec.filename, data)
    assert W.resolve(spec).path == panns
    hub = _blob(W.torch_hub_dir() / spec.filename, data)
    assert W.resolve(spec).path == hub  # torch hub is searched before ~/panns_data
    assert str(W.torch_hub_dir()).startswith(os.environ["TORCH_HOME"])
    monkeypatch.setenv("FAKEBENCH_WEIGHTS", str(isolated_home / "elsewhere"))
    hub.unlink()
    panns.unlink()
    with pytest.raises(WeightsError):  # FAKEBENCH_WEIGHTS moved away from fb
        W.resolve(spec, download=False)
    assert fb.is_file()


def test_hf_cache_is_searched_first(isolated_home):
    data = b"hub copy"
    snap = W.hf_hub_cache() / "models--org--model" / "snapshots" / ("a" * 40)
    _blob(snap / "model-abc.pth", data)
    (W.hf_hub_cache() / "models--org--model" / "refs").mkdir(parents=True)
    (W.hf_hub_cache() / "models--org--model" / "refs" / "main").write_text("a" * 40)
    _blob(W.weights_root() / "model-abc.pth", b"other")
    got = W.resolve(_spec(hf_repo="org/model"))
    assert got.source == "hf-cache" and got.path.read_bytes() == data


def test_corrupt_cached_file_is_refused(isolated_home):
    _blob(W.weights_root() / "model-abc.pth", b"truncated")
    with pytest.raises(WeightsError, match="corrupt") as e:
        W.resolve(_spec(sha256="ab" * 32))
    assert "delete it" in e.value.hint
    with pytest.raises(WeightsError, match="md5"):
        W.resolve(_spec(md5="0" * 32))
    prefix = hashlib.sha256(b"truncated").hexdigest()[:8]  # torch-hub style name prefix
    assert W.resolve(_spec(sha256=prefix)).verified


def test_offline_error_names_file_url_and_place(isolated_home, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(WeightsError) as e:
        W.resolve(_spec(size="1 MB"))
    text = str(e.value)
    assert "model-abc.pth" in text and "downloads are off" in text
    assert "https://example.org/model-abc.pth" in e.value.hint
    assert str(W.weights_root() / "model-abc.pth") in e.value.hint
    assert "--weights random" in e.value.hint


def test_download_is_checked(tmp_path, isolated_home, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    src = _blob(tmp_path / "server" / "model-abc.pth", b"payload")
    good = hashlib.sha256(b"payload").hexdigest()
    got = W.resolve(_spec(url=src.as_uri(), sha256=good))
    assert got.source == "download" and got.path == W.weights_root() / "model-abc.pth" and got.verified
    got.path.unlink()
    with pytest.raises(WeightsError, match="checksum mismatch"):
        W.resolve(_spec(url=src.as_uri(), sha256="0" * 64))
    assert not (W.weights_root() / "model-abc.pth").exists()
    with pytest.raises(WeightsError, match="md5"):  # md5-only specs are checked after the download
        W.resolve(_spec(url=src.as_uri(), md5="0" * 32))
    assert not (W.weights_root() / "model-abc.pth").exists()


def test_random_is_not_a_path():
    assert W.is_random("random") and W.is_random(" Random ") and not W.is_random("random.pth")
    with W.seeded():
        a = torch.randn(3)
    with W.seeded():
        b = torch.randn(3)
    assert torch.equal(a, b)


def test_load_checkpoint_allows_numpy_but_not_code(tmp_path):
    ok = tmp_path / "pca.pth"
    torch.save({"pca_means": np.arange(4.0), "model": {"w": torch.ones(2)}}, ok)
    got = W.load_checkpoint(ok)
    assert np.allclose(got["pca_means"], np.arange(4.0)) and torch.equal(got["model"]["w"], torch.ones(2))

    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    bad = tmp_path / "evil.pth"
    torch.save({"x": Evil()}, bad)
    with pytest.raises(WeightsError, match="safely"):
        W.load_checkpoint(bad)


def test_load_into_reports_mismatches():
    net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.BatchNorm1d(3))
    state = {k: v.clone() for k, v in net.state_dict().items() if not k.endswith("num_batches_tracked")}
    W.load_into(net, state, what="x")  # BN counters may be missing
    with pytest.raises(WeightsError, match="1 missing key"):
        W.load_into(net, {k: v for k, v in state.items() if k != "0.bias"}, what="x")
    with pytest.raises(WeightsError, match="unexpected"):
        W.load_into(net, {**state, "extra.weight": torch.zeros(1)}, what="x")
    with pytest.raises(WeightsError, match="shape mismatch"):
        W.load_into(net, {**state, "0.weight": torch.zeros(3, 3)}, what="x")
    W.load_into(net, {k: v for k, v in state.items() if not k.startswith("1.")}, what="x", optional=("1.",))


def test_hf_model_dir_errors(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(WeightsError, match="'org/not-cached' was not found") as e:
        W.hf_model_dir("org/not-cached")
    assert "huggingface-cli download org/not-cached" in e.value.hint
    (tmp_path / "m").mkdir()
    with pytest.raises(WeightsError, match="no config.json"):
        W.hf_model_dir("x", tmp_path / "m")
