"""How long the ASVspoof 2021 DF index takes: cold parse of 611,829 metadata lines vs the cached load.

Run with ``python -m pytest benchmarks/test_dataset_index.py`` (not part of the default
test run). The metadata is synthetic but in the official 13-field format, with the
official subset and label proportions (eval 533,928 / progress 59,325 / hidden 18,576;
22,617 bona fide). No audio: ``check_files=False`` skips the one directory listing that
checks existence.
"""

import random

import pytest

from fakebench.data.protocol_tables import index_root
from fakebench.plugins.datasets.asvspoof21 import Asvspoof21DF

N = 611_829
CODECS = ["nocodec", "low_mp3", "high_mp3", "low_m4a", "high_m4a", "low_ogg", "high_ogg", "mp3m4a", "oggm4a"]
VOCODERS = ["traditional_vocoder", "neural_vocoder_autoregressive", "neural_vocoder_nonautoregressive",
            "waveform_concatenation", "unknown"]


@pytest.fixture(scope="module")
def df_root(tmp_path_factory):
    rng = random.Random(0)
    root = tmp_path_factory.mktemp("df")
    meta = root / "keys" / "DF" / "CM" / "trial_metadata.txt"
    meta.parent.mkdir(parents=True)
    with open(meta, "w") as f:
        for i in range(N):
            r = rng.random()
            subset = "eval" if r < 533_928 / N else ("progress" if r < (533_928 + 59_325) / N else "hidden")
            bona = rng.random() < 22_617 / N
            source = rng.choice(["asvspoof", "vcc2018", "vcc2020"])
            vcc = source != "asvspoof" and not bona
            attack = "-" if bona else (f"Task{rng.randint(1, 2)}-team{rng.randint(1, 33):02d}" if vcc
                                       else f"A{rng.randint(7, 19):02d}")
            extra = f"Task1 team{rng.randint(1, 33):02d} FF E" if vcc else "- - - -"
            f.write(f"LA_{rng.randint(1, 9999):04d} DF_E_{2000000 + i} {rng.choice(CODECS)} {source} {attack} "
                    f"{'bonafide' if bona else 'spoof'} {'trim' if subset == 'hidden' else 'notrim'} {subset} "
                    f"{'bonafide' if bona else rng.choice(VOCODERS)} {extra}\n")
    return root


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("FAKEBENCH_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def _load(root, cache):
    return Asvspoof21DF(root=str(root), subset="all", check_files=False, cache=cache).eval_clips()


def test_cold_parse_611k(benchmark, df_root, home):
    clips = benchmark.pedantic(_load, args=(df_root, False), rounds=3, iterations=1)
    assert len(clips) == N


def test_cached_load_611k(benchmark, df_root, home):
    _load(df_root, True)  # build the cache once
    (cache,) = index_root().glob("asvspoof21-df-*.npz")
    benchmark.extra_info["cache_mb"] = round(cache.stat().st_size / 1e6, 1)
    clips = benchmark.pedantic(_load, args=(df_root, True), rounds=3, iterations=1)
    assert len(clips) == N and clips[-1].id == f"DF_E_{2000000 + N - 1}"


def test_cached_table_only_611k(benchmark, df_root, home):
    """The index itself, without building 611k Clip objects."""
    ds = Asvspoof21DF(root=str(df_root), check_files=False)
    ds.table()
    table = benchmark.pedantic(ds.table, rounds=5, iterations=1)
    assert len(table) == N
