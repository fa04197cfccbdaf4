"""Additive noise (SNR measured on the actual signals, noise colours, noise folders) and
reverberation (the decay of the simulated impulse responses, alignment, level)."""

from __future__ import annotations

import numpy as np
import pytest

from fakebench.conditions import apply_condition, condition_rng, parse_condition

from ._measure import measured_snr, schroeder_t20


@pytest.mark.parametrize("spec, target", [("noise:snr=10", 10.0), ("noise:snr=0:color=pink", 0.0),
                                          ("noise:snr=20:color=brown", 20.0), ("noise:5", 5.0)])
def test_noise_snr_is_measured_on_real_clips(spec, target, speech_clips):
    cond = parse_condition(spec).load()
    for seed in (0, 1):
        for name, x, sr in speech_clips:
            y = apply_condition(x, sr, cond, name, seed)
            snr = measured_snr(x, y)
            assert abs(snr - target) < 0.1, f"{spec} on {name}, seed {seed}: measured SNR {snr:.3f} dB"


def test_noise_keeps_the_snr_when_the_mix_would_clip(clip16):
    x, sr = clip16
    loud = (x / np.max(np.abs(x)) * 0.99).astype(np.float32)
    y = apply_condition(loud, sr, parse_condition("noise:snr=0"), "loud", 0)
    assert np.max(np.abs(y)) == 1.0  # scaled down as a whole, not clipped
    assert abs(measured_snr(loud, y) - 0.0) < 0.2


def spectral_slope(noise: np.ndarray, sr: int) -> float:
    """dB per octave of the Welch power spectrum between 100 Hz and 4 kHz."""
    from scipy.signal import welch

    f, p = welch(noise, fs=sr, nperseg=4096)
    keep = (f >= 100) & (f <= 4000)
    return float(np.polyfit(np.log2(f[keep]), 10 * np.log10(p[keep]), 1)[0])


@pytest.mark.parametrize("color, slope", [("white", 0.0), ("pink", -3.01), ("brown", -6.02)])
def test_noise_colours_have_their_spectral_slope(color, slope):
    cond = parse_condition(f"noise:color={color}")
    noise = cond.noise(16000 * 20, 16000, np.random.default_rng(0))
    assert abs(spectral_slope(noise, 16000) - slope) < 0.3


def test_noise_from_a_folder_picks_files_and_offsets_with_the_rng(shared, clip16):
    """Babble from real speech files: the SNR holds, the same seed picks the same segment,
    other seeds pick other files/offsets."""
    folder = shared / "data" / "speech" / "librispeech" / "real"
    x, sr = clip16
    cond = parse_condition(f"noise:snr=5:folder={folder}").load()
    outputs = [apply_condition(x, sr, cond, "clip", seed) for seed in range(4)]
    for y in outputs:
        assert abs(measured_snr(x, y) - 5.0) < 0.1
    assert np.array_equal(outputs[0], apply_condition(x, sr, cond, "clip", 0))
    assert len({y.tobytes() for y in outputs}) == 4
    segment = cond.noise(len(x), sr, condition_rng("clip", cond.spec(), 0))
    assert np.corrcoef(outputs[0] - x * np.dot(x, outputs[0]) / np.dot(x, x), segment)[0, 1] > 0.99


def test_noise_folder_errors_are_clear(tmp_path):
    from fakebench.errors import ConfigError

    with pytest.raises(ConfigError, match="neither a file nor a folder"):
        parse_condition(f"noise:folder={tmp_path / 'missing'}").load()
    with pytest.raises(ConfigError, match="no audio files"):
        parse_condition(f"noise:folder={tmp_path}").load()


def test_noise_leaves_a_silent_clip_alone():
    x = np.zeros(16000, dtype=np.float32)
    assert np.array_equal(apply_condition(x, 16000, parse_condition("noise:snr=10"), "s", 0), x)


# -- reverberation ---------------------------------------------------------------------------------


@pytest.mark.parametrize("rt60, room, placements", [(0.6, "6x5x3", 8), (0.3, "4x3x2.5", 3), (0.9, "10x8x4", 3)])
def test_simulated_rir_decays_at_the_asked_rt60(rt60, room, placements):
    """Each simulated RIR's T20 is within 15% of rt60, and their mean within 5%."""
    cond = parse_condition(f"reverb:rt60={rt60}:room={room}").load()
    t20 = [schroeder_t20(cond.impulse_response(16000, np.random.default_rng(seed)), 16000)
           for seed in range(placements)]
    assert all(abs(t - rt60) / rt60 < 0.15 for t in t20), t20
    assert abs(np.mean(t20) - rt60) / rt60 < 0.05, t20


def test_reverb_output_is_aligned_and_keeps_level_and_length(speech_clips):
    """The output is the clip convolved with the impulse response cut at its direct path:
    a click comes out at the same sample (nothing before it), a real clip keeps its length
    and whole-clip power. (A cross-correlation peak is no alignment test here: with a
    distant source, the reverberant tail can outweigh the direct sound.)"""
    from scipy.signal import fftconvolve

    cond = parse_condition("reverb:rt60=0.6").load()
    click = np.zeros(16000, dtype=np.float32)
    click[3000] = 0.5
    y = apply_condition(click, 16000, cond, "click", 0)
    assert int(np.argmax(np.abs(y))) == 3000 and np.max(np.abs(y[:3000])) < 1e-9  # FFT round-off only
    for name, x, sr in (speech_clips[0], speech_clips[3]):
        y = apply_condition(x, sr, cond, name, 0)
        h = cond.impulse_response(sr, condition_rng(name, cond.spec(), 0))
        assert h[0] == 1.0 and np.max(np.abs(h)) == 1.0
        expected = fftconvolve(x.astype(np.float64), h)[: len(x)]
        expected *= np.sqrt(np.mean(x.astype(np.float64) ** 2) / np.mean(expected ** 2))
        expected /= max(1.0, np.max(np.abs(expected)))
        assert y.shape == x.shape and np.allclose(y, expected, atol=1e-5)
        if np.max(np.abs(expected)) < 1.0:
            assert abs(10 * np.log10(np.mean(y.astype(float) ** 2) / np.mean(x.astype(float) ** 2))) < 0.01


def test_reverb_is_deterministic_and_varies_with_the_seed(clip16):
    x, sr = clip16
    cond = parse_condition("reverb:0.3:room=4x3x2.5").load()
    a = apply_condition(x, sr, cond, "c", 0)
    assert np.array_equal(a, apply_condition(x, sr, cond, "c", 0))
    assert not np.array_equal(a, apply_condition(x, sr, cond, "c", 1))


def test_reverb_with_measured_rirs_uses_the_files(tmp_path, clip16):
    import soundfile as sf
    from scipy.signal import fftconvolve

    x, sr = clip16
    h = np.zeros(4000)
    h[100], h[900], h[2500] = 0.8, 0.3, -0.1  # a pre-delay of 100 samples, then two echoes
    sf.write(tmp_path / "room.wav", h.astype(np.float32), sr)
    cond = parse_condition(f"reverb:rir={tmp_path}").load()
    y = apply_condition(x, sr, cond, "c", 0)
    expected = fftconvolve(x.astype(float), h[100:] / 0.8)[: len(x)]
    expected *= np.sqrt(np.mean(x.astype(float) ** 2) / np.mean(expected ** 2))
    assert np.allclose(y, expected, atol=1e-4)
