"""A split served whole by the cache stays one matrix from the cache to the detector's input."""

from __future__ import annotations

import numpy as np
import pytest

from fakebench.audio import LengthPolicy
from fakebench.cache import SNAPSHOT_MIN_CLIPS, EmbeddingCache
from fakebench.contracts.detector import Detector
from fakebench.contracts.embedder import Embedder
from fakebench.data.clip_list import ClipList, PathColumn
from fakebench.extract import extract, stack_scene
from fakebench.feature_rows import RowTable, RowViews
from fakebench.inputs import build_inputs


class _Never(Embedder):
    name = "never-4"
    dim = 4
    sample_rate = 16000
    weights_fingerprint = "test"

    def embed(self, batch, frames=False):
        raise AssertionError("a warm load must not run the model")


class _Probe(Detector):
    name = "probe"
    requires = ("embedding",)


def _split(tmp_path, n):
    folder = tmp_path / "audio"
    folder.mkdir()
    ids = [f"c{i:05d}" for i in range(n)]
    for i, cid in enumerate(ids):
        (folder / f"{cid}.bin").write_bytes(i.to_bytes(4, "little"))
    return ClipList(ids, PathColumn([folder], ids, suffix=".bin"), np.arange(n) % 2)


def test_a_warm_split_is_one_block_from_cache_to_inputs(tmp_path):
    n = SNAPSHOT_MIN_CLIPS + 3
    clips = _split(tmp_path, n)
    emb = _Never()
    cache = EmbeddingCache(tmp_path / "cache")
    ns = cache.namespace(emb.cache_key(str(LengthPolicy.parse(emb.default_length))), scan=False)
    first = cache.lookup(ns, clips.paths.strings())
    vectors = np.arange(n * 4, dtype=np.float32).reshape(n, 4)
    ns.put_many([cache.hasher.content_key(p) for p in clips.paths.strings()], list(vectors))
    ns.compact()
    first.computed.update(range(n))
    assert cache.save_snapshot(ns, first)

    arrays, stats = extract(emb, clips, cache=EmbeddingCache(tmp_path / "cache"))
    assert isinstance(arrays, RowViews) and stats.cached == n and stats.shard_reads == 1
    assert np.array_equal(stack_scene(arrays), vectors)
    assert [a.tolist() for a in arrays[:3]] == vectors[:3].tolist() and np.array_equal(arrays[-1], vectors[-1])

    table = RowTable(clips.paths.strings(), arrays.matrix)
    plain = dict(zip(clips.paths.strings(), vectors))
    assert set(table) == set(plain) and len(table) == n and clips.paths.strings()[5] in table
    order = clips.take(np.arange(n)[::-1])  # another order of the same clips
    for subset in (clips, order, clips[10:20]):
        got = build_inputs(_Probe(), subset, features={"embedding": table})
        want = build_inputs(_Probe(), subset, features={"embedding": plain})
        assert got.dtype == np.float32 and np.array_equal(got, want)
    with pytest.raises(KeyError):
        table.rows(["/nowhere.bin"])


def test_a_split_served_in_part_is_a_list(tmp_path):
    n = SNAPSHOT_MIN_CLIPS + 3
    clips = _split(tmp_path, n)
    cache = EmbeddingCache(tmp_path / "cache")
    ns = cache.namespace("toy", scan=False)
    paths = clips.paths.strings()
    first = cache.lookup(ns, paths)
    ns.put_many([cache.hasher.content_key(p) for p in paths], list(np.ones((n, 4), dtype=np.float32)))
    ns.compact()
    first.computed.update(range(n))
    cache.save_snapshot(ns, first)
    with open(paths[3], "ab") as f:
        f.write(b"edited")
    again = cache.lookup(cache.namespace("toy", scan=False), paths)
    assert isinstance(again.arrays, list) and again.arrays[3] is None
