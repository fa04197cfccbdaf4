"""The fast path: cached resampling kernels, single-threaded harness work around a
multi-threaded model, loader worker defaults, and the one-read cache pack."""

import numpy as np
import pytest
import torch

from fakebench import audio
from fakebench.cache import EmbeddingCache
from fakebench.data import Clip
from fakebench.embedder import Embedder
from fakebench.extract import default_workers, extract, intra_op_threads

from conftest import write_wav


@pytest.mark.parametrize("orig,new,method", [(22050, 16000, "kaiser"), (22050, 32000, "kaiser"),
                                             (22050, 44100, "kaiser"), (44100, 48000, "sinc"),
                                             (48000, 16000, "sinc")])
def test_cached_resampler_equals_torchaudio_functional(orig, new, method):
    import torchaudio.functional as AF

    x = torch.randn(2, orig // 4, generator=torch.Generator().manual_seed(0))
    kw = dict(lowpass_filter_width=64, rolloff=0.9475937167399596, resampling_method="sinc_interp_kaiser",
              beta=14.769656459379492) if method == "kaiser" else {}
    ref = AF.resample(x, orig, new, **kw)
    assert torch.equal(audio.resample(x, orig, new, method), ref)
    assert torch.equal(audio.resample(x, orig, new, method), ref)  # second call: cached kernel, same output


def test_resampler_kernel_is_built_once():
    audio._resampler.cache_clear()
    x = torch.randn(4000)
    for _ in range(3):
        audio.resample(x, 22050, 16000, "kaiser")
    info = audio._resampler.cache_info()
    assert info.misses == 1 and info.hits == 2
    audio.resample(x.double(), 22050, 16000, "kaiser")  # another dtype: its own kernel
    assert audio._resampler.cache_info().misses == 2


def test_intra_op_threads_restores_the_count():
    before = torch.get_num_threads()
    with intra_op_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    with pytest.raises(RuntimeError):
        with intra_op_threads(1):
            raise RuntimeError("boom")
    assert torch.get_num_threads() == before


def test_default_workers(monkeypatch):
    import fakebench.extract as ex

    monkeypatch.setattr(ex, "usable_cpus", lambda: 2)
    assert default_workers(1000, 16, "cpu") == 0  # the model has both cores
    assert default_workers(1000, 16, "cuda") == 1
    assert default_workers(20, 16, "cuda") == 0  # tiny job
    monkeypatch.setattr(ex, "usable_cpus", lambda: 16)
    assert default_workers(1000, 16, "cpu") == 4
    assert default_workers(1000, 16, "cuda") == 4


class _ThreadSpy(Embedder):
    """Records the intra-op thread count the model runs with."""

    name = "thread-spy"
    sample_rate = 16000
    dim = 2

    def load(self, weights=None, device="cpu"):
        self.seen = []
        return self

    def embed(self, batch, frames=False):
        self.seen.append(torch.get_num_threads())
        return torch.stack([batch.mean(1), batch.std(1)], 1)


def test_model_gets_all_threads_and_the_count_is_restored(tmp_path):
    clips = [Clip(id=f"c{i}", path=write_wav(tmp_path / f"c{i}.wav", 0.5, 22050, 300 + 50 * i, seed=i), label=i % 2)
             for i in range(6)]
    emb = _ThreadSpy().load()
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        arrays, stats = extract(emb, clips, cache=EmbeddingCache(tmp_path / "cache"), batch_size=2, num_workers=0)
        assert emb.seen == [2, 2, 2] and torch.get_num_threads() == 2
        assert stats.computed == 6 and all(a.shape == (2,) for a in arrays)
    finally:
        torch.set_num_threads(before)
