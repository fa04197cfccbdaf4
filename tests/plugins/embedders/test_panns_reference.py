"""fakebench's Cnn14 against panns-inference's own Cnn14 (the user-named package).

``import panns_inference`` runs ``config.py``, which downloads a label CSV into
``~/panns_data``. The model classes live in ``panns_inference.models`` and need none of
that, so this test registers a bare package object (no ``__init__`` executed) and
imports only the models module. Both networks get the same random weights through the
official checkpoint layout; their clip embeddings must agree.
"""

import importlib
import importlib.util
import sys
import types
from pathlib import Path

import pytest
import torch

pytest.importorskip("torchlibrosa")


@pytest.fixture
def panns_models(monkeypatch, isolated_home):
    spec = importlib.util.find_spec("panns_inference")
    if spec is None:
        pytest.skip("panns-inference is not installed")
    pkg = types.ModuleType("panns_inference")
    pkg.__path__ = list(spec.submodule_search_locations)
    monkeypatch.setitem(sys.modules, "panns_inference", pkg)
    for sub in ("panns_inference.models", "panns_inference.pytorch_utils"):
        monkeypatch.delitem(sys.modules, sub, raising=False)
    models = importlib.import_module("panns_inference.models")
    yield models
    assert not (Path(isolated_home) / "panns_data").exists(), "the label CSV download was triggered"


def test_cnn14_32k_matches_panns_inference(panns_models, tmp_path):
    from fakebench.plugins.embedders import panns

    torch.manual_seed(0)
    ref = panns_models.Cnn14(sample_rate=32000, window_size=1024, hop_size=320, mel_bins=64, fmin=50,
                             fmax=14000, classes_num=527).eval()
    path = tmp_path / "Cnn14_mAP=0.431.pth"
    torch.save({"model": ref.state_dict()}, path)
    ours = panns.PannsCnn14().load(weights=path)
    g = torch.Generator().manual_seed(1)
    x = (torch.rand(2, 32000 * 2, generator=g) - 0.5) * 0.4
    with torch.inference_mode():
        expected = ref(x)["embedding"]
        got = ours.embed(x)
    assert got.shape == expected.shape == (2, 2048)
    torch.testing.assert_close(got, expected, atol=1e-4, rtol=1e-4)
