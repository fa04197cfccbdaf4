"""Codec and telephone-codec conditions, measured on real speech: the encoded stream's
bitrate, time alignment (cross-correlation), the libsndfile fallback, clear errors."""

from __future__ import annotations

import io

import numpy as np
import pytest

from fakebench.conditions import apply_condition, parse_condition
from fakebench.errors import ConfigError
from fakebench.plugins.conditions import _codec as C
from fakebench.testing.condition_checks import hidden_modules

from ._measure import lag_of, snr, stream_bitrate


# -- bitrate as asked ----------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["clip16", "clip22"])
def test_mp3_32k_stream_has_the_bitrate_asked_and_decodes(which, request):
    x, sr = request.getfixturevalue(which)
    cond = parse_condition("mp3:32k").load()
    data = cond.encode(x, sr)
    measured, declared, rate, codec = stream_bitrate(data)
    assert codec.startswith("mp3")
    assert declared == 32000
    assert rate == sr  # 16 and 22.05 kHz are MPEG-2 rates with a 32k bitrate
    assert abs(measured - 32000) / 32000 < 0.03, measured
    assert len(data) * 8 / (len(x) / sr) == pytest.approx(32000, rel=0.05)  # the file size agrees
    y = cond.apply(x, sr, None)
    assert y.shape == x.shape and np.corrcoef(x, y)[0, 1] > 0.9


def test_mp3_high_bitrate_moves_to_an_mpeg1_rate(clip16):
    x, sr = clip16
    cond = parse_condition("mp3:256k").load()
    measured, declared, rate, _ = stream_bitrate(cond.encode(x, sr))
    assert rate == 32000 and declared == 256000  # MPEG-2 (16 kHz) stops at 160k
    assert abs(measured - 256000) / 256000 < 0.03


@pytest.mark.parametrize("spec, target, tolerance", [("aac:32k", 32000, 0.15), ("opus:16k", 16000, 0.25),
                                                     ("vorbis:48k", 48000, 0.10), ("amr-nb:12.2k", 12200, 0.10)])
def test_codec_bitrate_is_near_the_target(spec, target, tolerance, clip16):
    x, sr = clip16
    cond = parse_condition(spec).load()
    if spec.startswith("amr"):
        import av

        data = cond.codec(sr).encode(C.resample(x, sr, 8000))
        with av.open(io.BytesIO(data)) as f:
            assert f.streams.audio[0].codec_context.name.startswith("amr")
    else:
        data = cond.encode(x, sr)
    measured = stream_bitrate(data)[0]
    assert abs(measured - target) / target < tolerance, f"{spec}: {measured:.0f} bit/s"


def test_vorbis_steps_the_rate_down_for_a_low_bitrate(clip16):
    x16, _ = clip16
    x44 = C.resample(x16, 16000, 44100).astype(np.float32)
    cond = parse_condition("vorbis:32k").load()
    codec = cond.plan(x44, 44100)
    assert codec.rate < 44100  # libvorbis cannot spend only 32 kbit/s on 44.1 kHz mono
    measured = stream_bitrate(cond.encode(x44, 44100))[0]
    assert abs(measured - 32000) / 32000 < 0.10, measured


# -- time alignment ------------------------------------------------------------------------------

ALIGNED = ["mp3:32k", "mp3:256k", "aac:32k", "opus:16k", "opus:16k:application=voip", "vorbis:48k", "g711",
           "g711:alaw", "g722", "amr-nb:12.2k", "amr-nb:4.75k", "gsm", "telephone", "resample:8000"]


@pytest.mark.parametrize("spec", ALIGNED)
def test_output_is_time_aligned_with_the_input(spec, speech_clips):
    """The cross-correlation peak between input and output is at lag 0 (within 2 samples:
    parametric speech coders do not keep the waveform's fine phase)."""
    cond = parse_condition(spec).load()
    tolerance = 2 if spec.startswith(("amr", "opus", "gsm")) else 1
    for name, x, sr in (speech_clips[0], speech_clips[3], speech_clips[4]):
        y = apply_condition(x, sr, cond, name, 0)
        lag, rho = lag_of(x, y)
        assert abs(lag) <= tolerance, f"{spec} on {name}: output lags the input by {lag} samples"
        assert rho > 0.3, f"{spec} on {name}: correlation {rho:.2f}"


def test_aac_without_compensation_would_be_late(clip16):
    """The raw decode of AAC is delayed by its 1024-sample priming; the condition removes it."""
    x, sr = clip16
    cond = parse_condition("aac:32k").load()
    raw = C.roundtrip(x.astype(np.float64), sr, cond.codec(sr))
    assert lag_of(x, raw)[0] == 1024 == C.codec_delay(cond.codec(sr), sr)
    assert lag_of(x, cond.apply(x, sr, None))[0] == 0


# -- the libsndfile fallback ------------------------------------------------------------------------


@pytest.mark.parametrize("spec", ["mp3:32k", "opus:16k", "g711", "gsm", "telephone:alaw"])
def test_soundfile_fallback_without_pyav(spec, clip22):
    x, sr = clip22
    with hidden_modules(("av",)):
        cond = parse_condition(spec).load()
        codec = cond.codec(sr)
        assert codec is not None and codec.library == "soundfile"
        y = apply_condition(x, sr, cond, "c", 0)
        if spec == "mp3:32k":
            size_rate = len(cond.encode(x, sr)) * 8 / (len(x) / sr)
    assert y.shape == x.shape and abs(lag_of(x, y)[0]) <= 1
    if spec == "mp3:32k":
        assert abs(size_rate - 32000) / 32000 < 0.05, size_rate  # libsndfile's level found by bisection


def test_g711_through_ffmpeg_and_libsndfile_is_g711(clip16):
    """Both implementations give G.711's textbook ~38 dB SQNR on speech against the 8 kHz
    band-limited clip, and agree closely. They are not bit-identical: FFmpeg rounds 16-bit
    samples to the nearest decision level, libsndfile truncates to 14/13 bits first, so
    about 3% of the codes differ by one step."""
    x, sr = clip16
    reference = parse_condition("resample:8000").apply(x, sr, None)
    outputs = {}
    for law in ("mu", "alaw"):
        ffmpeg = parse_condition(f"g711:{law}").load().apply(x, sr, None)
        with hidden_modules(("av",)):
            sndfile = parse_condition(f"g711:{law}").load().apply(x, sr, None)
        for out in (ffmpeg, sndfile):
            assert 34.0 < snr(reference, out) < 42.0
        assert snr(ffmpeg, sndfile) > 38.0
        outputs[law] = ffmpeg
    assert not np.array_equal(outputs["mu"], outputs["alaw"])


# -- errors ---------------------------------------------------------------------------------------


def test_missing_encoder_error_names_it():
    with hidden_modules(("soundfile",)):
        assert not C.has_encoder("libgsm_ms")  # this PyAV's FFmpeg has no GSM encoder
        with pytest.raises(ConfigError, match="libgsm_ms") as e:
            parse_condition("gsm").load()
    assert "amr-nb" in str(e.value)  # it points at the alternative that exists


def test_missing_pyav_error_names_the_extra():
    with hidden_modules(("av",)), pytest.raises(ConfigError, match=r"pip install 'fakebench\[conditions\]'"):
        parse_condition("aac:32k").load()


@pytest.mark.parametrize("spec, words", [("mp3:33k", "Layer III"), ("mp3:256k:rate=16000", "MPEG-2"),
                                         ("opus:100", "minimum"), ("amr-nb:12k", "AMR-NB mode"),
                                         ("opus:16k:application=music", "application"), ("aac:32k:rate=1234", "AAC")])
def test_bad_codec_parameters_are_config_errors(spec, words):
    with pytest.raises(ConfigError, match=words):
        parse_condition(spec)
