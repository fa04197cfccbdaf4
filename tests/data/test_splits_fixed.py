"""The ``fixed`` protocol: Ouajdi et al.'s one split, with scikit-learn's exact indices.

The authors' ``DataSplitLoader`` (github.com/mathieulagrange/audioFoleyDeepFake,
``deepfakeClassifiers/data_loader.py``) calls ``train_test_split(..., test_size=0.1,
random_state=42)`` (the test part is validation), then splits the rest with
``test_size=0.2/(0.7+0.2)`` and ``random_state=42`` (the test part is evaluation). The
reference here is scikit-learn itself, called the way the authors call it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fakebench.data import Clip
from fakebench.data.splits import apply_protocol, fixed_split, sklearn_shuffle_split

sklearn = pytest.importorskip("sklearn.model_selection")


def _clips(n: int) -> list[Clip]:
    return [Clip(id=f"c{i:05d}", path=Path(f"/x/c{i:05d}.wav"), label=int(i % 5 != 0), cls=f"k{i % 7}")
            for i in range(n)]


def _authors(ids: list[str]) -> dict[str, list[str]]:
    """Transcription of DataSplitLoader's two calls, on the clip ids."""
    train_size, valid_size, eval_size = 0.7, 0.1, 0.2
    id_temp, id_valid = sklearn.train_test_split(ids, test_size=valid_size, random_state=42)
    id_train, id_eval = sklearn.train_test_split(id_temp, test_size=eval_size / (train_size + eval_size),
                                                 random_state=42)
    return {"train": list(id_train), "val": list(id_valid), "eval": list(id_eval)}


@pytest.mark.parametrize("n", [10, 11, 29, 142, 1000, 6151, 30750])
def test_fixed_split_equals_scikit_learn_exactly(n):
    clips = _clips(n)
    got = fixed_split(clips)
    want = _authors([c.id for c in clips])
    for split in ("train", "val", "eval"):
        assert [c.id for c in got[split]] == want[split], split  # same clips, same order
        assert all(c.split == split for c in got[split])
    assert sum(len(v) for v in got.values()) == n


def test_paper_corpus_sizes():
    """30,750 clips (5,550 real + 25,200 fake): 3,075 val, 6,151 eval, 21,524 train. The
    authors' recorded eval confusion matrix (example_training.ipynb, [[885, 202], [773,
    4291]]) sums to 6,151: ceil(0.2/0.9 * 27,675) = 6,151, not 20% of 30,750."""
    got = fixed_split(_clips(30750))
    assert (len(got["train"]), len(got["val"]), len(got["eval"])) == (21524, 3075, 6151)
    assert 885 + 202 + 773 + 4291 == len(got["eval"])


@pytest.mark.parametrize("n,test_size,seed", [(100, 0.1, 42), (97, 0.2 / 0.9, 42), (31, 0.3, 7), (5, 0.5, 0)])
def test_shuffle_split_positions(n, test_size, seed):
    train, test = sklearn.train_test_split(list(range(n)), test_size=test_size, random_state=seed)
    assert sklearn_shuffle_split(n, test_size, seed) == (list(train), list(test))


def test_order_matters_and_seed_does_not():
    clips = _clips(200)
    a = apply_protocol(clips, "fixed", seed=0, dataset="t")
    b = apply_protocol(clips, "fixed", seed=9, dataset="t")
    assert {k: [c.id for c in v] for k, v in a.items()} == {k: [c.id for c in v] for k, v in b.items()}
    c = apply_protocol(list(reversed(clips)), "fixed", seed=0, dataset="t")
    assert [x.id for x in c["val"]] != [x.id for x in a["val"]]


def test_dcase23_fixed_uses_the_authors_order(tmp_path):
    """On a DCASE-layout copy of the real Foley clips: fakes first (track A before B,
    systems, class folders, files), then real dev and eval clips with the CamelCase dev
    folders ordered case-insensitively; the split is scikit-learn's on that list."""
    from fakebench.plugins.datasets.dcase23 import Dcase23, authors_order
    from plugins.datasets.layouts import dcase23

    lay = dcase23(tmp_path / "data", fakes_per_system=4, n_real=21)
    ds = Dcase23(root=tmp_path / "data", protocol="fixed", seed=3)
    clips = ds.clips()
    order = authors_order(clips)
    ids = [c.id for c in order]
    n_fake = sum(c.label == 1 for c in clips)
    assert all(i.startswith("fake/") for i in ids[:n_fake]) and all(i.startswith("real/") for i in ids[n_fake:])
    fake_keys = [tuple(i.split("/")[1:3]) for i in ids[:n_fake]]
    assert fake_keys == sorted(fake_keys)  # (track, system)
    reals = [i.split("/") for i in ids[n_fake:]]
    assert [r[1] for r in reals] == sorted(r[1] for r in reals)  # dev before eval
    dev_dirs = [Path(c.path).parent.name for c in order[n_fake:] if c.attribute("set") == "dev"]
    assert dev_dirs == sorted(dev_dirs, key=str.upper) and any(d != d.lower() for d in dev_dirs)
    splits = ds.load()
    want = _authors(ids)
    assert {k: [c.id for c in v] for k, v in splits.items()} == want
    assert len(lay.expected) == len(clips)
    other = Dcase23(root=tmp_path / "data", protocol="fixed", seed=4).load()
    assert [c.id for c in other["eval"]] == want["eval"]  # shared by every run


def test_manifest_and_foley_demo_offer_fixed(shared):
    from fakebench.plugins.datasets.foley_demo import FoleyDemo
    from fakebench.plugins.datasets.manifest import Manifest

    assert "fixed" in Manifest.protocols and "fixed" in FoleyDemo.protocols
    root = shared / "data" / "foley"
    splits = Manifest(root=root, protocol="fixed").load()
    from fakebench.data.manifest_csv import read_manifest

    listed = read_manifest(root / "manifest.csv", dataset="manifest")
    assert {k: [c.id for c in v] for k, v in splits.items()} == _authors([c.id for c in listed])
    demo = FoleyDemo(root=shared / "data", protocol="fixed").load()
    assert {k: [c.id for c in v] for k, v in demo.items()} == _authors([c.id for c in listed])
