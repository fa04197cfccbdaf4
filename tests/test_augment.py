"""RawBoost (fakebench.augment, re-exported as fakebench.api.make_augment): the contract,
each noise's statistical signature, and equality with the authors' code."""

from __future__ import annotations

import importlib.util
import io
import os
import shutil
import subprocess
import sys
import tarfile
import types
from pathlib import Path

import numpy as np
import pytest

from fakebench.augment import (ALGORITHMS, DEFAULTS, isd_additive, lnl_convolutive, make_augment, parse_spec,
                               peak_normalise, rawboost, ssi_additive, with_params)
from fakebench.errors import ConfigError

SR = 16000
ALGOS = list(range(1, 9))


def _speechlike(n: int = SR, amp: float = 0.3, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n) / SR
    return (amp * np.sin(2 * np.pi * 440 * t) + amp / 30 * rng.standard_normal(n)).astype(np.float32)


def _band_share(y: np.ndarray, f: float) -> float:
    """Share of the energy within 20 Hz of ``f``."""
    spec = np.abs(np.fft.rfft(y * np.hanning(len(y)))) ** 2
    freqs = np.fft.rfftfreq(len(y), 1 / SR)
    return float(spec[(freqs > f - 20) & (freqs < f + 20)].sum() / spec.sum())


# -- the contract --------------------------------------------------------------------------


def test_api_reexports_it():
    from fakebench import api

    assert api.make_augment is make_augment


@pytest.mark.parametrize("spec, algo", [("none", 0), (None, 0), ("", 0), ("rawboost:0", 0), ("rawboost:3", 3),
                                        (" RawBoost:8 ", 8)])
def test_spec_parsing(spec, algo):
    assert parse_spec(spec) == algo


@pytest.mark.parametrize("spec, match", [("rawboost", "unknown augmentation"), ("rawboost:9", "algorithms 1 to 8"),
                                         ("rawboost:x", "not an algorithm number"), ("specaugment:1", "unknown"),
                                         (3, "must be text")])
def test_bad_spec_is_one_clear_config_error(spec, match):
    with pytest.raises(ConfigError, match=match) as err:
        make_augment(spec, SR)
    assert "rawboost:N" in str(err.value)  # the hint says what is valid


def test_bad_sample_rate_is_a_config_error():
    with pytest.raises(ConfigError, match="sample_rate"):
        make_augment("rawboost:1", 0)


def test_none_is_the_identity():
    x = _speechlike()
    for spec in ("none", "rawboost:0"):
        y = make_augment(spec, SR)(x, np.random.default_rng(0))
        assert np.array_equal(y, x) and y.dtype == x.dtype


@pytest.mark.parametrize("algo", ALGOS)
def test_contract_length_dtype_finite_changed_and_seeded(algo):
    augment = make_augment(f"rawboost:{algo}", SR)
    x = _speechlike(8000)
    a = augment(x, np.random.default_rng(1))
    b = augment(x, np.random.default_rng(1))
    c = augment(x, np.random.default_rng(2))
    assert a.shape == x.shape and a.dtype == np.float32
    assert np.isfinite(a).all()
    assert np.array_equal(a, b), "the same generator state must give the same output"
    assert not np.array_equal(a, c), "another seed must give another output"
    assert not np.allclose(a, x, atol=1e-4), "the augmentation must change the signal"
    assert np.array_equal(x, _speechlike(8000)), "the input must not be modified"
    wide = augment(x.astype(np.float64), np.random.default_rng(1))
    assert wide.dtype == np.float64 and wide.shape == x.shape


@pytest.mark.parametrize("algo", ALGOS)
def test_silence_and_tiny_inputs_stay_finite(algo):
    augment = make_augment(f"rawboost:{algo}", SR)
    for x in (np.zeros(4000, np.float32), np.full(1, 0.5, np.float32), np.zeros(0, np.float32)):
        y = augment(x, np.random.default_rng(0))
        assert y.shape == x.shape and np.isfinite(y).all()


def test_the_generator_is_the_only_randomness():
    x = _speechlike(4000)
    np.random.seed(0)
    a = make_augment("rawboost:4", SR)(x, np.random.default_rng(5))
    np.random.seed(1)  # the global state must not matter
    b = make_augment("rawboost:4", SR)(x, np.random.default_rng(5))
    assert np.array_equal(a, b)


# -- each noise's signature ----------------------------------------------------------------


def test_ssi_noise_lies_in_the_configured_snr_range():
    x = _speechlike()
    augment = make_augment("rawboost:3", SR)
    snr = []
    for seed in range(30):
        y = augment(x, np.random.default_rng(seed)).astype(np.float64)
        snr.append(10 * np.log10(np.sum(x.astype(np.float64) ** 2) / np.sum((y - x) ** 2)))
    assert DEFAULTS.SNRmin <= min(snr) and max(snr) <= DEFAULTS.SNRmax, (min(snr), max(snr))
    assert max(snr) - min(snr) > 15, "the SNR is drawn across the range"
    narrow = ssi_additive(x.astype(np.float64), np.random.default_rng(0), SR, with_params(SNRmin=5, SNRmax=6))
    measured = 10 * np.log10(np.sum(x.astype(np.float64) ** 2) / np.sum((narrow - x) ** 2))
    assert 5 <= measured <= 6


def test_ssi_noise_is_coloured_by_the_notch_filters():
    # added to silence-free white-ish input, the noise spectrum has deep notches
    x = _speechlike()
    noise = ssi_additive(x.astype(np.float64), np.random.default_rng(3), SR, with_params(SNRmin=0, SNRmax=0)) - x
    spec = np.abs(np.fft.rfft(noise)) ** 2
    bands = spec[: len(spec) // 100 * 100].reshape(100, -1).mean(axis=1)
    assert bands.min() < 0.05 * np.median(bands)


def test_isd_noise_touches_at_most_p_percent_of_samples():
    x = _speechlike(amp=0.05)  # small enough that no peak normalisation happens
    augment = make_augment("rawboost:2", SR)
    shares = []
    for seed in range(30):
        y = augment(x, np.random.default_rng(seed))
        changed = y != x
        shares.append(changed.mean())
        # the impulse at a sample is g_sd * x * u1 * u2, |u1 u2| <= 1
        assert np.all(np.abs(y - x)[changed] <= DEFAULTS.g_sd * np.abs(x)[changed] + 1e-7)
    assert max(shares) <= DEFAULTS.P / 100 and max(shares) > 0.05 and min(shares) < 0.05


def test_isd_renormalises_only_above_full_scale():
    loud = _speechlike(amp=0.9)
    y = isd_additive(loud.astype(np.float64), np.random.default_rng(0))
    assert np.isclose(np.abs(y).max(), 1.0) or np.abs(y).max() < 1.0


def test_lnl_adds_harmonics_and_is_zero_mean():
    t = np.arange(SR) / SR
    tone = (0.5 * np.sin(2 * np.pi * 500 * t)).astype(np.float32)
    assert _band_share(tone, 1000) < 1e-12
    augment = make_augment("rawboost:1", SR)
    for seed in range(8):
        y = augment(tone, np.random.default_rng(seed)).astype(np.float64)
        assert abs(y.mean()) < 1e-6 and np.abs(y).max() <= 1.0
        assert _band_share(y, 1000) + _band_share(y, 1500) > 1e-3, "x^2, x^3 ... branches add harmonics"


def test_lnl_with_one_branch_is_a_linear_filter():
    x = _speechlike(amp=0.1).astype(np.float64)
    p = with_params(N_f=1)
    a = lnl_convolutive(x, np.random.default_rng(4), SR, p)
    b = lnl_convolutive(2 * x, np.random.default_rng(4), SR, p)
    np.testing.assert_allclose(b, 2 * a, atol=1e-12)
    default = lnl_convolutive(2 * x, np.random.default_rng(4), SR)
    assert not np.allclose(default, 2 * lnl_convolutive(x, np.random.default_rng(4), SR), atol=1e-6)


@pytest.mark.parametrize("algo, chain", [
    (4, lambda x, r: ssi_additive(isd_additive(lnl_convolutive(x, r, SR), r), r, SR)),
    (5, lambda x, r: isd_additive(lnl_convolutive(x, r, SR), r)),
    (6, lambda x, r: ssi_additive(lnl_convolutive(x, r, SR), r, SR)),
    (7, lambda x, r: ssi_additive(isd_additive(x, r), r, SR)),
    (8, lambda x, r: peak_normalise(lnl_convolutive(x, r, SR) + isd_additive(x, r), always=False)),
])
def test_combinations_are_series_and_parallel_chains(algo, chain):
    x = _speechlike(4000).astype(np.float64)
    np.testing.assert_array_equal(rawboost(x, algo, np.random.default_rng(9), SR), chain(x, np.random.default_rng(9)))


def test_every_algorithm_number_is_documented():
    assert sorted(ALGORITHMS) == list(range(9))


# -- the authors' code ---------------------------------------------------------------------

#: RawBoost of the authors (TakHemlata/RawBoost-antispoofing at commit 4f161a8,
#: ``data_utils_rawboost.process_Rawboost_feature`` with the ``main.py`` defaults), run
#: once on ``_speechlike()`` after ``np.random.seed(7)``: samples 100, 1000, 5000, 12345 and
#: the L2 norm of the output, per algorithm.
RECORDED = {
    1: (-0.0531608401, -0.0061211661, 0.000192899933, 0.00326450223, 5.49010268),
    2: (-0.294973165, 0.0118390191, -0.00179974257, 0.0285199396, 26.8933334),
    3: (-0.284251848, -0.0131665934, -0.00190368355, 0.0362533905, 27.1772616),
    4: (-0.0516904734, -0.0029121566, -0.001017206, 0.00275478722, 5.52276259),
    5: (-0.0531608401, -0.0061211661, 0.000192899933, 0.00326450223, 5.51363235),
    6: (-0.0625366291, -0.00609071495, 0.00419517322, 0.017570035, 5.60616148),
    7: (-0.308072005, 0.0308021669, -0.0207060247, 0.0347933886, 28.0287635),
    8: (-0.348134005, 0.00571785304, -0.00160684264, 0.0317844419, 32.2841219),
}


@pytest.mark.parametrize("algo", ALGOS)
def test_equals_values_recorded_from_the_authors_code(algo):
    # a legacy RandomState draws exactly what the authors' np.random calls drew
    y = rawboost(_speechlike(), algo, np.random.RandomState(7), SR)
    got = (*(y[k] for k in (100, 1000, 5000, 12345)), np.linalg.norm(y))
    np.testing.assert_allclose(got, RECORDED[algo], rtol=1e-6, atol=1e-7)


UPSTREAM = Path(os.environ.get("FAKEBENCH_REFERENCE_CODE", Path(__file__).resolve().parents[2] / ".mirror")).expanduser()


@pytest.fixture(scope="module")
def authors_rawboost(tmp_path_factory):
    """``data_utils_rawboost`` (with ``RawBoost.py``) of TakHemlata/RawBoost-antispoofing
    (MIT), copied from a local snapshot to a temporary folder and imported from there."""
    pytest.importorskip("librosa")  # data_utils_rawboost imports it (and torch)
    base = UPSTREAM / "TakHemlata+RawBoost-antispoofing"
    files = ["RawBoost.py", "data_utils_rawboost.py"]
    dest = tmp_path_factory.mktemp("rawboost-upstream")
    git = next((g for g in (base / "repo", base) if (g / "HEAD").is_file() and (g / "objects").is_dir()), None)
    if git is not None and shutil.which("git"):
        out = subprocess.run(["git", "--git-dir", str(git), "archive", "--format=tar", "HEAD", *files],
                             capture_output=True, check=True)
        with tarfile.open(fileobj=io.BytesIO(out.stdout)) as tar:
            tar.extractall(dest, filter="data")
    elif (base / "RawBoost.py").is_file():
        for f in files:
            shutil.copy2(base / f, dest / f)
    else:
        pytest.skip(f"no local snapshot of TakHemlata/RawBoost-antispoofing under {UPSTREAM}")
    sys.path.insert(0, str(dest))
    try:
        for name in ("RawBoost", "data_utils_rawboost"):
            sys.modules.pop(name, None)
        spec = importlib.util.spec_from_file_location("data_utils_rawboost", dest / "data_utils_rawboost.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path.remove(str(dest))
        sys.modules.pop("RawBoost", None)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the authors' int(array) calls
@pytest.mark.parametrize("algo", ALGOS)
def test_equals_the_authors_code_on_fixed_seeds(authors_rawboost, algo):
    args = types.SimpleNamespace(**{k: getattr(DEFAULTS, k) for k in DEFAULTS.__dataclass_fields__})
    for k in ("nBands", "minCoeff", "maxCoeff", "N_f"):
        setattr(args, k, int(getattr(args, k)))
    x = _speechlike()
    for seed in (0, 1, 2):
        np.random.seed(seed)
        theirs = authors_rawboost.process_Rawboost_feature(x.copy(), SR, args, algo)
        ours = make_augment(f"rawboost:{algo}", SR)(x, np.random.RandomState(seed))
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, atol=1e-6)
