"""Clips at corpus scale: shared read-only attributes, dictionary-coded protocol tables
that survive the index cache, and the collector paused while clips are built."""

import copy
import gc
import pickle

import numpy as np
import pytest

from fakebench.data import Clip
from fakebench.data.clips import EMPTY_ATTRS, AttrsPool
from fakebench.memory import bulk_objects
from fakebench.data.protocol_tables import Table, load_table, save_table


def test_shared_attrs_are_one_object_per_combination_and_read_only():
    pool = AttrsPool()
    a, b = pool(codec="mp3", subset="eval"), pool.get({"codec": "mp3", "subset": "eval"})
    assert a is b and a == {"codec": "mp3", "subset": "eval"} and isinstance(a, dict)
    assert pool(codec="aac") is not a and len(pool) == 2
    assert pool.get({}) is EMPTY_ATTRS and Clip("x", "x.wav", 1).attrs is EMPTY_ATTRS
    for mutate in (lambda d: d.__setitem__("k", 1), lambda d: d.update(k=1), lambda d: d.pop("codec"),
                   lambda d: d.clear(), lambda d: d.setdefault("k", 1)):
        with pytest.raises(TypeError, match="read-only"):
            mutate(a)
    assert a == {"codec": "mp3", "subset": "eval"}
    assert copy.deepcopy(a) is a and pickle.loads(pickle.dumps(a)) == a
    clip = Clip("x", "x.wav", 1, attrs=a)
    d = clip.to_dict()
    assert type(d["attrs"]) is dict and d["attrs"] == dict(a)
    d["attrs"]["k"] = 1  # the plain copy is the caller's
    assert "k" not in a
    assert clip.attribute("codec") == "mp3"


def test_a_table_round_trips_through_the_index_cache_with_coded_columns(tmp_path):
    rng = np.random.default_rng(0)
    n = 5000
    cols = {"id": [f"DF_E_{i:07d}" for i in range(n)],
            "codec": [("nocodec", "low_mp3", "high_m4a")[j] for j in rng.integers(0, 3, n)],
            "subset": [("eval", "progress", "hidden")[j] for j in rng.integers(0, 3, n)]}
    t = Table({k: list(v) for k, v in cols.items()}, list(range(1, n + 1)), "meta.txt")
    path = tmp_path / "t.npz"
    save_table(t, path)
    back = load_table(path)
    assert back.fields == t.fields and list(back.lines) == list(t.lines) and back.source == t.source
    for k, v in cols.items():
        assert back[k] == v
    codes, vocab = back.codes("codec")
    assert [vocab[c] for c in codes.tolist()] == cols["codec"]
    m = back.mask("subset", {"eval", "hidden"})
    assert m.tolist() == [s in ("eval", "hidden") for s in cols["subset"]]
    rows = np.flatnonzero(m)
    attrs = back.shared_attrs(("codec", "subset"), rows)
    assert [dict(a) for a in attrs] == [{"codec": cols["codec"][i], "subset": cols["subset"][i]} for i in rows]
    assert len({id(a) for a in attrs}) == 6  # 3 codecs x 2 subsets: one mapping each


def test_bulk_objects_pauses_and_restores_the_collector():
    assert gc.isenabled()
    with bulk_objects():
        assert not gc.isenabled()
        with bulk_objects():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with bulk_objects():
            pass
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()
