"""How well real and fake clips separate linearly in two real-weight embeddings: ``speaker``
(resemblyzer) on ``../shared/data/speech`` and ``sfx`` (aiSFX) on ``../shared/data/foley``.

Run with ``python -m pytest benchmarks/test_linear_probe.py -s`` (not part of the default
test run). Embeddings go through :func:`fakebench.extract.extract` with each embedder's
default clip policy; the probe is a standardised logistic regression (scikit-learn,
C=1), scored by stratified 5-fold cross-validated accuracy and ROC AUC, against the
majority-class rate. Nothing is asserted beyond sanity: the sets are far too small to
rank anything, and on the speech set real and fake clips also differ by speaker and
recording source, which a speaker embedding captures directly.
"""

import csv
import os
from pathlib import Path

import numpy as np
import pytest
import torch

SHARED = Path(os.environ.get("FAKEBENCH_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))


def _clips(corpus):
    from fakebench.data import Clip

    manifest = SHARED / "data" / corpus / "manifest.csv"
    if not manifest.is_file():
        pytest.skip(f"shared clips not found under {SHARED}")
    rows = list(csv.DictReader(open(manifest)))
    return [Clip(id=r["path"], path=SHARED / "data" / corpus / r["path"], label=int(r["label"] == "fake"),
                 duration=float(r["duration"])) for r in rows]


@pytest.mark.parametrize("name, corpus", [("speaker", "speech"), ("sfx", "foley")])
def test_linear_probe(name, corpus, tmp_path):
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_validate
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from fakebench.cache import EmbeddingCache
    from fakebench.extract import extract
    from fakebench.registry import Registry

    if name == "sfx":
        pytest.importorskip("aisfx")
    torch.set_num_threads(int(os.environ.get("FAKEBENCH_BENCH_THREADS", "1")))
    clips = _clips(corpus)
    emb = Registry().embedder(name)().load(device="cpu")
    arrays, stats = extract(emb, clips, cache=EmbeddingCache(tmp_path / "cache"), batch_size=16, num_workers=0)
    x = np.stack(arrays)
    y = np.array([c.label for c in clips])
    probe = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=5000))
    cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    scores = cross_validate(probe, x, y, cv=cv, scoring=("accuracy", "roc_auc"))
    acc, auc = scores["test_accuracy"], scores["test_roc_auc"]
    majority = max(y.mean(), 1 - y.mean())
    print(f"\n{name} on {corpus}: {len(y)} clips ({int(y.sum())} fake), {x.shape[1]}-d, "
          f"embedding RTF {stats.rtf_model:.4f} (model) / {stats.rtf_end_to_end:.4f} (end to end); "
          f"5-fold logistic-regression accuracy {acc.mean():.3f} +- {acc.std():.3f} "
          f"(majority class {majority:.3f}), ROC AUC {auc.mean():.3f} +- {auc.std():.3f}")
    assert x.shape == (len(clips), emb.output_dim) and np.isfinite(x).all()
