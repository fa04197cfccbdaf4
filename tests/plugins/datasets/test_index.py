"""The protocol index: streaming parse, file:line errors, the npz cache and its invalidation."""

import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fakebench.data import protocol_tables as di
from fakebench.errors import DatasetError


def _parse(fields):
    if len(fields) != 3:
        raise ValueError(f"expected 3 fields, got {len(fields)}")
    if fields[2] not in ("bonafide", "spoof"):
        raise ValueError(f"unknown label {fields[2]!r}")
    return fields[0], fields[1], fields[2]


def _table(path):
    return di.build_table(di.iter_lines(path, dataset="t"), _parse, ("speaker", "id", "key"), source=path, dataset="t")


def test_parse_skips_blank_lines_and_keeps_line_numbers(tmp_path):
    p = tmp_path / "proto.txt"
    p.write_text("S1 a bonafide\n\n# comment\nS2 b spoof\n")
    t = _table(p)
    assert t["id"] == ["a", "b"] and t["key"] == ["bonafide", "spoof"]
    assert list(t.lines) == [1, 4]


@pytest.mark.parametrize("text, line, what", [
    ("S1 a bonafide\nS2 b\n", 2, "expected 3 fields"),
    ("S1 a bonafide\nS2 b maybe\n", 2, "unknown label 'maybe'"),
    ("S1 a bonafide\nS2 b spoof\nS3 a spoof\n", 3, "repeats id 'a' (first on line 1)"),
])
def test_bad_lines_name_file_and_line(tmp_path, text, line, what):
    p = tmp_path / "proto.txt"
    p.write_text(text)
    with pytest.raises(DatasetError) as e:
        _table(p)
    assert f"proto.txt:{line}" in str(e.value) and what in str(e.value)


def test_missing_protocol_file(tmp_path):
    with pytest.raises(DatasetError, match="does not exist"):
        _table(tmp_path / "nope.txt")


def test_csv_missing_column_and_extra_fields(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text("file,label\na.wav,spoof\n")
    with pytest.raises(DatasetError, match="no column"):
        list(di.iter_csv(p, dataset="t", required=("file", "speaker")))
    p.write_text("file,label\na.wav,spoof,extra\n")
    with pytest.raises(DatasetError, match="m.csv:2 has 3 fields"):
        list(di.iter_csv(p, dataset="t"))
    p.write_bytes("\ufefffile,label\na.wav,spoof\n".encode())
    assert list(di.iter_csv(p, dataset="t", required=("file",))) == [(2, {"file": "a.wav", "label": "spoof"})]


def test_cache_is_reused_until_the_file_changes(tmp_path):
    p = tmp_path / "proto.txt"
    p.write_text("".join(f"S{i % 3} id{i} {'spoof' if i % 2 else 'bonafide'}\n" for i in range(100)))
    calls = []

    def build():
        calls.append(1)
        return _table(p)

    a = di.cached_table("test-proto", [p], build, version="1")
    b = di.cached_table("test-proto", [p], build, version="1")
    assert len(calls) == 1
    assert a.columns == b.columns and list(a.lines) == list(b.lines) and b.source == str(p)
    files = list(di.index_root().glob("test-proto-*.npz"))
    assert len(files) == 1
    with np.load(files[0], allow_pickle=False) as z:  # plain arrays, never pickle
        assert all(z[k].dtype != object for k in z.files)
    # a new loader version, new params, or a changed file each rebuild
    di.cached_table("test-proto", [p], build, version="2")
    di.cached_table("test-proto", [p], build, version="2", params={"x": 1})
    assert len(calls) == 3
    st_ = p.stat()
    p.write_text(p.read_text().replace("id99", "id9X"))
    os.utime(p, ns=(st_.st_atime_ns, st_.st_mtime_ns + 1_000_000))
    c = di.cached_table("test-proto", [p], build, version="1")
    assert len(calls) == 4 and c["id"][-1] == "id9X"


def test_corrupt_cache_is_rebuilt(tmp_path):
    p = tmp_path / "proto.txt"
    p.write_text("S1 a bonafide\nS2 b spoof\n")
    di.cached_table("corrupt", [p], lambda: _table(p), version="1")
    (cache,) = di.index_root().glob("corrupt-*.npz")
    cache.write_bytes(b"not an npz")
    t = di.cached_table("corrupt", [p], lambda: _table(p), version="1")
    assert t["id"] == ["a", "b"]
    np.load(cache, allow_pickle=False)  # rewritten as a valid file


def test_cache_off(tmp_path):
    p = tmp_path / "proto.txt"
    p.write_text("S1 a bonafide\n")
    di.cached_table("off", [p], lambda: _table(p), version="1", use_cache=False)
    assert not list(di.index_root().glob("off-*.npz"))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"), max_size=12),
                          st.sampled_from(["nocodec", "low_mp3", "high_ogg", "ünïcödé"])), max_size=300))
def test_save_load_round_trip(tmp_path_factory, rows):
    table = di.Table({"text": [r[0] for r in rows], "codec": [r[1] for r in rows]}, list(range(1, len(rows) + 1)), "x")
    path = di.save_table(table, tmp_path_factory.mktemp("idx") / "t.npz")
    back = di.load_table(path)
    assert back.columns == table.columns and list(back.lines) == list(table.lines)


def test_keep_present_errors_or_counts(tmp_path, caplog):
    t = di.Table({"id": ["a", "b", "c"]}, [3, 5, 9], "proto.txt")
    present = {"a", "c"}
    with pytest.raises(DatasetError, match=r"proto.txt:5 lists b, which does not exist") as e:
        di.keep_present(t, t["id"], lambda i, n: n in present, dataset="t", allow_missing=False)
    assert "--allow-missing" in e.value.hint
    kept, missing = di.keep_present(t, t["id"], lambda i, n: n in present, dataset="t", allow_missing=True)
    assert kept == [0, 2] and missing == 1 and "skipped 1 missing" in caplog.text


def test_list_names(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.flac").write_bytes(b"")
    assert di.list_names(tmp_path / "d") == {"a.flac"}
    assert di.list_names(tmp_path / "absent") == set()
