"""The embedding cache: content keys, atomic shards, compaction, corruption."""

import numpy as np
import pytest

from fakebench.cache import EmbeddingCache, Namespace
from fakebench.hashing import FileDigests

from conftest import write_wav


def test_put_get_roundtrip(tmp_path):
    ns = Namespace(tmp_path / "ns")
    ns.put_many(["a", "b"], [np.ones(4, np.float32), np.zeros(4, np.float32)])
    fresh = Namespace(tmp_path / "ns")
    fresh.refresh()
    got, reads = fresh.get_many(["b", "x", "a"])
    assert reads == 1
    assert got[1] is None and np.array_equal(got[0], np.zeros(4)) and np.array_equal(got[2], np.ones(4))


def test_frames_roundtrip(tmp_path):
    ns = Namespace(tmp_path / "ns")
    arrays = [np.random.rand(3, 5).astype(np.float32), np.random.rand(7, 5).astype(np.float32)]
    ns.put_many(["a", "b"], arrays)
    fresh = Namespace(tmp_path / "ns")
    fresh.refresh()
    got, _ = fresh.get_many(["a", "b"])
    assert np.array_equal(got[0], arrays[0]) and np.array_equal(got[1], arrays[1])


def test_compaction_merges_into_one_file(tmp_path):
    ns = Namespace(tmp_path / "ns")
    for i in range(5):
        ns.put_many([f"k{i}"], [np.full(3, i, np.float32)])
    assert len(ns.shards()) == 5
    assert ns.compact()
    assert len(ns.shards()) == 1
    fresh = Namespace(tmp_path / "ns")
    fresh.refresh()
    got, reads = fresh.get_many([f"k{i}" for i in range(5)])
    assert reads == 1 and [float(g[0]) for g in got] == [0, 1, 2, 3, 4]


def test_corrupt_shard_is_quarantined_not_used(tmp_path):
    ns = Namespace(tmp_path / "ns")
    ns.put_many(["a"], [np.ones(2, np.float32)])
    shard = ns.shards()[0]
    shard.write_bytes(shard.read_bytes()[:40])
    fresh = Namespace(tmp_path / "ns")
    with pytest.warns(UserWarning, match="unreadable"):
        fresh.refresh()
    assert "a" not in fresh
    assert not fresh.shards()


def test_temporary_files_are_ignored(tmp_path):
    ns = Namespace(tmp_path / "ns")
    (tmp_path / "ns").mkdir()
    (tmp_path / "ns" / ".tmp-123-shard.npz").write_bytes(b"partial")
    ns.refresh()
    assert len(ns) == 0


def test_file_hash_memo_tracks_changes(tmp_path):
    h = FileDigests(tmp_path / "f.sqlite")
    p = write_wav(tmp_path / "a.wav", seconds=0.2)
    first = h.content_key(p)
    assert h.known([p]) == [first]
    assert FileDigests(tmp_path / "f.sqlite").known([p]) == [first]  # remembered across processes
    write_wav(p, seconds=0.3)
    assert h.known([p]) == [None]
    assert h.content_key(p) != first


def test_cache_root_unwritable_is_clear(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    from fakebench.errors import CacheError

    with pytest.raises(CacheError, match="cannot create cache folder"):
        EmbeddingCache(blocker / "sub")
