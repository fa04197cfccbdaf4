"""Labels, clips and the split protocols."""

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from fakebench.data import FAKE, REAL, Clip, parse_label
from fakebench.data.splits import random_split, unseen_systems_split
from fakebench.errors import DatasetError


@pytest.mark.parametrize("word,label", [("bonafide", 0), ("bona-fide", 0), ("REAL", 0), ("0", 0),
                                         ("spoof", 1), ("fake", 1), ("1", 1), (" Spoof ", 1)])
def test_parse_label(word, label):
    assert parse_label(word) == label


def test_unknown_label_names_where():
    with pytest.raises(DatasetError, match=r"unknown label 'maybe' in x.csv:3"):
        parse_label("maybe", where="x.csv:3")


def _clips(n_real=30, n_fake=90, systems=("a", "b", "c", "d"), classes=("dog", "rain", "keys")):
    out = []
    for i in range(n_real):
        out.append(Clip(f"r{i}", Path(f"r{i}.wav"), REAL, cls=classes[i % len(classes)]))
    for i in range(n_fake):
        out.append(Clip(f"f{i}", Path(f"f{i}.wav"), FAKE, cls=classes[i % len(classes)],
                        system=systems[i % len(systems)]))
    return out


def test_random_split_fractions_are_exact_overall():
    s = random_split(_clips(1000, 3000), seed=1)
    assert [len(s[k]) for k in ("train", "val", "eval")] == [2800, 400, 800]


def test_random_split_is_stratified_by_label():
    s = random_split(_clips(21, 121), seed=0)
    real = {k: sum(c.label == REAL for c in v) for k, v in s.items()}
    assert real == {"train": 15, "val": 2, "eval": 4}


def test_random_split_seeded_and_disjoint():
    clips = _clips()
    a, b, c = random_split(clips, seed=3), random_split(clips, seed=3), random_split(clips, seed=4)
    ids = lambda s: {k: [x.id for x in v] for k, v in s.items()}
    assert ids(a) == ids(b)
    assert ids(a) != ids(c)
    all_ids = [x.id for v in a.values() for x in v]
    assert sorted(all_ids) == sorted(x.id for x in clips)
    assert all(x.split == k for k, v in a.items() for x in v)


@settings(max_examples=60, deadline=None)
@given(n_real=st.integers(1, 40), n_fake=st.integers(1, 80), seed=st.integers(0, 10**6))
def test_random_split_partitions_property(n_real, n_fake, seed):
    clips = _clips(n_real, n_fake)
    s = random_split(clips, seed=seed)
    got = Counter(x.id for v in s.values() for x in v)
    assert got == Counter(x.id for x in clips)
    n = n_real + n_fake
    assert abs(len(s["eval"]) - 0.2 * n) <= 1 and abs(len(s["val"]) - 0.1 * n) <= 1


def test_unseen_systems_keeps_held_out_systems_out_of_train_and_val():
    clips = _clips()
    s = unseen_systems_split(clips, seed=0, held_out=["b", "d"])
    for split in ("train", "val"):
        assert not {c.system for c in s[split] if c.label == FAKE} & {"b", "d"}
    assert {c.system for c in s["eval"] if c.label == FAKE} >= {"b", "d"}
    assert all(c.system in ("b", "d") for c in s["eval"] if c.label == FAKE)
    assert sum(len(v) for v in s.values()) == len(clips)


def test_unseen_systems_random_choice_is_seeded():
    clips = _clips()
    held = lambda seed: {c.system for c in unseen_systems_split(clips, seed=seed)["eval"] if c.label == FAKE}
    assert held(5) == held(5)
    assert 1 <= len(held(5)) < 4


def test_unseen_systems_unknown_system_is_clear():
    with pytest.raises(DatasetError, match="not in the dataset"):
        unseen_systems_split(_clips(), held_out=["zzz"])
