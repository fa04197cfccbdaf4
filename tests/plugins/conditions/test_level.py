"""Gain, clipping, loudness, bit depth and resampling, measured on real speech."""

from __future__ import annotations

import numpy as np
import pytest

from fakebench.conditions import apply_condition, parse_condition

from ._measure import band_energy, db


def test_gain_scales_by_the_decibels_asked(clip16):
    x, sr = clip16
    y = apply_condition(x, sr, parse_condition("gain:-6"), "c", 0)
    assert np.allclose(y, x * 10 ** (-6 / 20), atol=1e-7)
    loud = apply_condition(x, sr, parse_condition("gain:db=20"), "c", 0)
    assert np.max(np.abs(loud)) == 1.0 and np.mean(np.abs(loud) == 1.0) > 0.001  # overload is clipped


@pytest.mark.parametrize("spec, level", [("clip:threshold=0.1", 0.1), ("clip:0.05", 0.05), ("clip:db=-20", 0.1)])
def test_clip_limits_the_peaks(spec, level, clip16):
    x, sr = clip16
    y = apply_condition(x, sr, parse_condition(spec), "c", 0)
    assert np.max(np.abs(y)) == pytest.approx(level, rel=1e-6)
    inside = np.abs(x) < level
    assert np.array_equal(y[inside], x[inside])
    assert np.all(np.abs(y[~inside]) == pytest.approx(level, rel=1e-6))


def test_clip_refuses_both_threshold_and_db():
    from fakebench.errors import ConfigError

    with pytest.raises(ConfigError, match="not both"):
        parse_condition("clip:threshold=0.3:db=-6")


@pytest.mark.parametrize("lufs", [-23.0, -30.0])
def test_loudness_reaches_the_target_measured_by_bs1770(lufs, speech_clips):
    import pyloudnorm

    cond = parse_condition(f"loudness:lufs={lufs}").load()
    checked = 0
    for name, x, sr in speech_clips:
        y = apply_condition(x, sr, cond, name, 0)
        if np.max(np.abs(y)) < 1.0:  # not limited by the peak
            measured = pyloudnorm.Meter(sr).integrated_loudness(y.astype(np.float64))
            assert abs(measured - lufs) < 0.1, f"{name}: {measured:.2f} LUFS"
            checked += 1
    assert checked >= 4


def test_loudness_never_clips(clip16):
    x, sr = clip16
    y = apply_condition(x, sr, parse_condition("loudness:lufs=-5"), "c", 0)
    assert np.max(np.abs(y)) == pytest.approx(1.0)
    assert np.corrcoef(x, y)[0, 1] > 0.9999  # a gain, not a distortion


@pytest.mark.parametrize("bits", [4, 8, 12])
def test_bitdepth_leaves_that_many_levels(bits, clip16):
    x, sr = clip16
    y = apply_condition(x, sr, parse_condition(f"bitdepth:{bits}"), "c", 0)
    codes = y.astype(np.float64) * 2 ** (bits - 1)
    assert np.allclose(codes, np.round(codes))  # on the grid
    assert np.max(np.abs(y - x)) <= 2.0 ** -bits + 1e-7  # within half a step
    assert len(np.unique(y)) <= 2 ** bits


def test_resample_removes_content_above_half_the_rate(clip22):
    x, sr = clip22
    y = apply_condition(x, sr, parse_condition("resample:8k"), "c", 0)
    assert db(band_energy(x, sr, 4000, sr / 2), band_energy(y, sr, 4000, sr / 2)) > 40.0
    assert abs(db(band_energy(x, sr, 100, 3500), band_energy(y, sr, 100, 3500))) < 0.2
    assert np.array_equal(apply_condition(x, sr, parse_condition("resample:44100"), "c", 0), x)
