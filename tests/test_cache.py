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


def test_a_large_split_is_served_by_its_snapshot_and_an_edited_file_falls_back(tmp_path):
    from fakebench.cache import SNAPSHOT_MIN_CLIPS

    n = SNAPSHOT_MIN_CLIPS + 5
    files = []
    for i in range(n):
        p = tmp_path / "audio" / f"{i:05d}.bin"
        p.parent.mkdir(exist_ok=True)
        p.write_bytes(i.to_bytes(4, "little"))
        files.append(p)
    cache = EmbeddingCache(tmp_path / "cache")
    ns = cache.namespace("toy", scan=False)
    first = cache.lookup(ns, files)
    assert first.snapshot is not None and first.snapshot_hits == 0 and all(a is None for a in first.arrays)
    keys = [cache.hasher.content_key(p) for p in files]
    vectors = [np.full(4, i, dtype=np.float32) for i in range(n)]
    ns.put_many(keys, vectors)
    ns.compact()
    first.computed.update(range(n))
    assert cache.save_snapshot(ns, first)
    warm = cache.lookup(cache.namespace("toy", scan=False), files)
    assert warm.snapshot_hits == n and warm.reads == 1
    assert all(np.array_equal(a, v) for a, v in zip(warm.arrays, vectors))
    # one file edited in place: only it leaves the snapshot, and its old vector is not served
    files[7].write_bytes(b"edited!")
    edited = cache.lookup(cache.namespace("toy", scan=False), files)
    assert edited.snapshot_hits == n - 1 and edited.arrays[7] is None
    assert all(np.array_equal(edited.arrays[i], vectors[i]) for i in range(n) if i != 7)
