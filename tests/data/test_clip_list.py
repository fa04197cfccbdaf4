"""ClipList: clips stored by column behave as the list of Clip objects they stand for."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from fakebench.data import Clip
from fakebench.data.clip_list import (ClipList, PathColumn, clip_column, clip_ids, clip_labels, clip_path_strings,
                                      clip_paths, take_clips)
from fakebench.data.clips import EMPTY_ATTRS, AttrsPool
from fakebench.data.splits import unique_clips


def _columns(tmp_path: Path, n: int = 7):
    pool = AttrsPool()
    attr_sets = [pool(codec="mp3"), pool(codec="aac", subset="eval"), EMPTY_ATTRS]
    ids = [f"T_{i:03d}" for i in range(n)]
    folders = [tmp_path / "a", tmp_path / "b"]
    codes = np.array([i % 2 for i in range(n)], dtype=np.int32)
    labels = np.array([i % 3 == 0 for i in range(n)], dtype=np.int64)
    systems = [None, "A07", "A19"]
    system_codes = np.array([0 if labels[i] == 0 else 1 + i % 2 for i in range(n)])
    speakers = [f"spk{i % 4}" for i in range(n)]
    attr_codes = np.array([i % 3 for i in range(n)])
    clips = ClipList(ids, PathColumn(folders, ids, codes, suffix=".flac"), labels, split="eval",
                     system=(system_codes, systems), speaker=speakers, attrs=(attr_codes, attr_sets),
                     duration=[float(i) for i in range(n)])
    expected = [Clip(ids[i], folders[codes[i]] / f"{ids[i]}.flac", int(labels[i]), "eval", None,
                     systems[system_codes[i]], speakers[i], None, float(i), attr_sets[attr_codes[i]])
                for i in range(n)]
    return clips, expected


def test_a_cliplist_equals_the_clips_it_stands_for(tmp_path):
    clips, expected = _columns(tmp_path)
    assert len(clips) == len(expected)
    assert list(clips) == expected
    assert clips == expected and expected == list(clips)
    assert [clips[i] for i in range(len(clips))] == expected
    assert clips[-1] == expected[-1]
    with pytest.raises(IndexError):
        clips[len(expected)]
    assert clips[2:5] == expected[2:5] and isinstance(clips[2:5], ClipList)
    assert clips[::-2] == expected[::-2]
    assert clips.take(clips.labels == 1) == [c for c in expected if c.label == 1]


def test_each_clip_is_built_once_and_kept(tmp_path):
    clips, _ = _columns(tmp_path)
    first = clips[3]
    assert clips[3] is first
    every = clips.materialise()
    assert every[3] is first  # the bulk build keeps the clip already handed out
    assert next(iter(clips)) is every[0]


def test_column_helpers_agree_on_lists_and_cliplists(tmp_path):
    clips, expected = _columns(tmp_path)
    assert clip_ids(clips) == clip_ids(expected) == [c.id for c in expected]
    assert np.array_equal(clip_labels(clips), clip_labels(expected))
    assert clip_path_strings(clips) == clip_path_strings(expected) == [str(c.path) for c in expected]
    assert clip_paths(clips) == [c.path for c in expected]
    for name in ("system", "speaker", "codec", "subset", "class", "split", "duration", "label", "id", "nothing"):
        assert clip_column(clips, name) == [c.attribute(name) for c in expected], name
    assert take_clips(clips, [4, 0]) == [expected[4], expected[0]]
    assert take_clips(expected, [4, 0]) == [expected[4], expected[0]]


@pytest.mark.parametrize("folder, names", [
    ("/", ["x.wav", "y.wav"]),
    ("/data/corpus", ["x.wav", "sub/y.wav"]),
    ("/data/corpus", ["sub/../x.wav", "./y.wav"]),
    ("relative/dir", ["x.wav"]),
])
def test_path_strings_equal_the_paths(folder, names):
    col = PathColumn([folder], names)
    assert col.strings() == [str(p) for p in col.paths()]
    assert col.paths() == [col.at(i) for i in range(len(names))]


def test_unique_clips_keeps_the_columns(tmp_path):
    clips, expected = _columns(tmp_path)
    assert unique_clips(clips) is clips  # no repeat: nothing built
    doubled = clips.take([0, 1, 0, 2, 1])
    assert isinstance(unique_clips(doubled), ClipList)
    assert unique_clips(doubled) == [expected[0], expected[1], expected[2]]


def test_a_cliplist_pickles_and_refuses_bad_columns(tmp_path):
    clips, expected = _columns(tmp_path)
    assert pickle.loads(pickle.dumps(clips)) == expected
    with pytest.raises(ValueError, match="differ in length"):
        ClipList(["a", "b"], PathColumn([tmp_path], ["a"]), np.zeros(2))
    with pytest.raises(ValueError, match="outside"):
        ClipList(["a"], PathColumn([tmp_path], ["a"]), np.zeros(1), system=(np.array([3]), ["x"]))
    with pytest.raises(TypeError, match="read-only"):
        clips[1].attrs["codec"] = "x"  # shared between clips


def test_adding_gives_a_list(tmp_path):
    clips, expected = _columns(tmp_path)
    assert clips + expected[:1] == expected + expected[:1]
    assert expected[:1] + clips == expected[:1] + expected
