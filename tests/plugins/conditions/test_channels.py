"""Telephone band limits and packet loss, measured on real speech."""

from __future__ import annotations

import numpy as np
import pytest

from fakebench.conditions import apply_condition, condition_rng, parse_condition

from ._measure import band_energy, db


@pytest.mark.parametrize("spec, floor", [("telephone", 40.0), ("telephone:alaw", 40.0), ("amr-nb:12.2k", 30.0),
                                         ("gsm", 30.0), ("g711", 30.0)])
def test_telephone_channels_remove_energy_above_4khz(spec, floor, speech_clips):
    """The telephone channel (G.712 band-pass at 8 kHz) leaves what was above 4 kHz more
    than 40 dB down; the bare 8 kHz codecs, whose coding noise reaches up to 4 kHz, more
    than 30 dB (the STFT's main lobe spreads a little of 3.9 kHz into the first bins
    above 4 kHz)."""
    cond = parse_condition(spec).load()
    for name, x, sr in (speech_clips[0], speech_clips[1], speech_clips[3]):
        y = apply_condition(x, sr, cond, name, 0)
        top = sr / 2
        down = db(band_energy(x, sr, 4000, top), band_energy(y, sr, 4000, top))
        assert down > floor, f"{spec} on {name}: energy above 4 kHz only {down:.1f} dB down"
        # the telephone band itself is kept
        kept = db(band_energy(x, sr, 300, 3400), band_energy(y, sr, 300, 3400))
        assert abs(kept) < 3.0, f"{spec} on {name}: 300-3400 Hz changed by {kept:.1f} dB"


def test_telephone_band_pass_removes_low_frequencies(clip16):
    """The G.712 band starts at 300 Hz: below 200 Hz the telephone condition attenuates
    more than 15 dB; G.711 alone does not band-pass."""
    x, sr = clip16
    tel = parse_condition("telephone").apply(x, sr, None)
    g711 = parse_condition("g711").apply(x, sr, None)
    assert db(band_energy(x, sr, 50, 200), band_energy(tel, sr, 50, 200)) > 15.0
    assert abs(db(band_energy(x, sr, 50, 200), band_energy(g711, sr, 50, 200))) < 1.0


def test_g722_keeps_the_wideband(clip22):
    """G.722 is a 16 kHz codec: 4-7 kHz survives (unlike the narrowband channels), 8 kHz and
    up does not."""
    x, sr = clip22
    y = parse_condition("g722").apply(x, sr, None)
    assert abs(db(band_energy(x, sr, 4000, 7000), band_energy(y, sr, 4000, 7000))) < 3.0
    assert db(band_energy(x, sr, 8500, sr / 2), band_energy(y, sr, 8500, sr / 2)) > 30.0


# -- packet loss ----------------------------------------------------------------------------------


@pytest.mark.parametrize("rate, frame_ms", [(0.1, 20.0), (0.3, 20.0), (0.05, 10.0), (0.5, 30.0)])
def test_packet_loss_drops_the_stated_fraction_of_frames(rate, frame_ms, speech_clips):
    cond = parse_condition(f"packetloss:rate={rate}:frame_ms={frame_ms}").load()
    for name, x, sr in speech_clips:
        y = apply_condition(x, sr, cond, name, seed=1)
        size = int(round(frame_ms * sr / 1000))
        frames = -(-len(x) // size)
        zeroed = sum(1 for i in range(frames) if not np.any(y[i * size:(i + 1) * size]) and np.any(x[i * size:(i + 1) * size]))
        assert zeroed == round(rate * frames), f"{name}: {zeroed} of {frames} frames lost, expected {rate:.0%}"
        kept = [i for i in range(frames) if np.any(y[i * size:(i + 1) * size])]
        for i in kept:  # the frames not lost are untouched
            assert np.array_equal(y[i * size:(i + 1) * size], x[i * size:(i + 1) * size])


def test_packet_loss_is_deterministic_per_clip_and_seed(clip16):
    x, sr = clip16
    cond = parse_condition("packetloss:0.2")
    a = apply_condition(x, sr, cond, "clip-1", 0)
    assert np.array_equal(a, apply_condition(x, sr, cond, "clip-1", 0))
    assert not np.array_equal(a, apply_condition(x, sr, cond, "clip-1", 1))
    assert not np.array_equal(a, apply_condition(x, sr, cond, "clip-2", 0))
    lost = cond.lost_frames(len(x), sr, condition_rng("clip-1", cond.spec(), 0))
    size = cond.frame_length(sr)
    assert all(not np.any(a[i * size:(i + 1) * size]) for i in lost)


def test_packet_loss_repeat_concealment_plays_the_last_frame_again(clip16):
    x, sr = clip16
    cond = parse_condition("packetloss:rate=0.2:concealment=repeat")
    y = apply_condition(x, sr, cond, "c", 0)
    size = cond.frame_length(sr)
    lost = set(cond.lost_frames(len(x), sr, condition_rng("c", cond.spec(), 0)).tolist())
    assert lost
    for i in sorted(lost):
        j = i - 1
        while j in lost:
            j -= 1
        expected = x[j * size:(j + 1) * size] if j >= 0 else np.zeros(size, dtype=np.float32)
        assert np.array_equal(y[i * size:(i + 1) * size], expected[: len(y[i * size:(i + 1) * size])])
