"""The fast path: cached resampling kernels, single-threaded harness work around a
multi-threaded model, loader worker defaults, and the one-read cache pack."""

import numpy as np
import pytest
import torch

from fakebench import audio
from fakebench.cache import EmbeddingCache
from fakebench.data import Clip
from fakebench.contracts.embedder import Embedder
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


def test_pack_rows_are_plain_copies_that_outlive_the_file(tmp_path):
    """Rows come from a memory map of the pack, but are copied out: deleting the pack
    (a concurrent compaction) cannot change or invalidate them."""
    cache = EmbeddingCache(tmp_path)
    ns = cache.namespace("ns")
    rng = np.random.default_rng(0)
    data = rng.standard_normal((50, 8)).astype(np.float32)
    ns.put_many([f"k{i}" for i in range(50)], list(data))
    fresh = cache.namespace("ns")
    got, reads = fresh.get_many(["k7", "k3", None, "k49"])
    assert reads == 1 and got[2] is None
    for shard in fresh.shards():
        shard.unlink()
    for arr, i in zip([got[0], got[1], got[3]], [7, 3, 49]):
        assert type(arr) is np.ndarray and arr.dtype == np.float32
        assert np.array_equal(arr, data[i])


def test_frames_and_compressed_shards_still_load(tmp_path):
    ns = EmbeddingCache(tmp_path).namespace("ns")
    frames = [np.full((n, 3), n, np.float32) for n in (1, 4, 2)]
    ns.put_many(["a", "b", "c"], frames)
    # a shard written with compression (by another tool or an older version): np.load path
    np.savez_compressed(ns.dir / "shard-00000000000000000001-old.npz", keys=np.array(["d"], dtype="U64"),
                        data=np.full((5, 3), 5, np.float32), offsets=np.array([0, 5]))
    fresh = EmbeddingCache(tmp_path).namespace("ns")
    got, reads = fresh.get_many(["c", "a", "d", "b"])
    assert reads == 2 and [g.shape for g in got] == [(2, 3), (1, 3), (5, 3), (4, 3)]
    assert [int(g[0, 0]) for g in got] == [2, 1, 5, 4]
    assert fresh.compact() and len(fresh.shards()) == 1
    got, reads = EmbeddingCache(tmp_path).namespace("ns").get_many(["d", "b"])
    assert reads == 1 and got[0].shape == (5, 3) and got[1].shape == (4, 3)


def test_pack_with_a_truncated_data_member_is_quarantined(tmp_path):
    """A pack whose zip directory is intact but whose data member is shorter than its
    header says (a bad copy) is moved aside, not mapped past its end."""
    import zipfile

    ns = EmbeddingCache(tmp_path).namespace("ns")
    ns.put_many(["a", "b"], [np.ones(4, np.float32), np.zeros(4, np.float32)])
    (shard,) = ns.shards()
    with np.load(shard) as z:
        keys = z["keys"]
    with zipfile.ZipFile(shard, "w", zipfile.ZIP_STORED) as z:  # data header says (2, 4), holds 1 row
        import io

        buf = io.BytesIO()
        np.lib.format.write_array(buf, keys)
        z.writestr("keys.npy", buf.getvalue())
        buf = io.BytesIO()
        np.lib.format.write_array(buf, np.ones((2, 4), np.float32))
        z.writestr("data.npy", buf.getvalue()[:-16])
    fresh = EmbeddingCache(tmp_path).namespace("ns")
    with pytest.warns(UserWarning, match="unreadable"):
        got, reads = fresh.get_many(["a", "b"])
    assert got == [None, None] and reads == 0 and not fresh.shards()


@pytest.mark.parametrize("text", ["/a/b.wav", "a/b.wav", "../x/y.wav", "./a.wav", "a//b.wav", "/a/./b.wav", "a/",
                                  "//srv/a.wav", ".", "a/..", "/"])
def test_absolute_path_equals_pathlib(text, tmp_path, monkeypatch):
    """The memo key must not change with the faster spelling, or warm runs would re-hash."""
    from pathlib import Path

    from fakebench.hashing import absolute_path

    monkeypatch.chdir(tmp_path)
    assert absolute_path(text) == str(Path(text).absolute())
    assert absolute_path(Path(text)) == str(Path(text).absolute())
