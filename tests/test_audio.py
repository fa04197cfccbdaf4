"""Decoding, resampling, length policies and bad audio."""

import numpy as np
import pytest
import soundfile as sf
import torch

from fakebench.audio import LengthPolicy, load_audio, read_audio
from fakebench.errors import AudioError, ConfigError

from conftest import write_wav


@pytest.mark.parametrize("sr", [8000, 22050, 44100, 48000])
def test_resampled_length(tmp_path, sr):
    p = write_wav(tmp_path / "a.wav", seconds=1.0, sr=sr)
    out = load_audio(p, 16000)
    assert out.dtype == torch.float32 and out.ndim == 1
    assert abs(out.shape[0] - 16000) <= 1


def test_resampling_keeps_a_tone(tmp_path):
    p = write_wav(tmp_path / "a.wav", seconds=1.0, sr=44100, freq=1000.0)
    out = load_audio(p, 16000).numpy()
    spectrum = np.abs(np.fft.rfft(out))
    assert abs(np.argmax(spectrum) * 16000 / out.size - 1000) < 5


def test_stereo_is_averaged(tmp_path):
    x = np.stack([np.full(800, 0.5), np.full(800, -0.1)], axis=1).astype(np.float32)
    sf.write(tmp_path / "s.wav", x, 8000)
    out = load_audio(tmp_path / "s.wav", 8000)
    assert torch.allclose(out, torch.full((800,), 0.2), atol=1e-4)


@pytest.mark.parametrize("subtype", ["PCM_U8", "PCM_24", "FLOAT"])
def test_bit_depths(tmp_path, subtype):
    p = write_wav(tmp_path / "a.wav", seconds=0.5, sr=16000, subtype=subtype)
    out = load_audio(p, 16000)
    assert out.abs().max() <= 1.0 and out.abs().max() > 0.1


@pytest.mark.parametrize("text,n", [("crop:0.5", 8000), ("pad:3", 48000), ("repeat:3", 48000), ("center:0.5", 8000)])
def test_length_policies(tmp_path, text, n):
    p = write_wav(tmp_path / "a.wav", seconds=1.0, sr=16000)
    assert load_audio(p, 16000, text).shape[0] == n


def test_full_keeps_everything(tmp_path):
    p = write_wav(tmp_path / "a.wav", seconds=1.25, sr=16000)
    assert load_audio(p, 16000, "full").shape[0] == 20000


def test_repeat_tiles_short_clips():
    w = torch.arange(3, dtype=torch.float32)
    out = LengthPolicy.parse("repeat:0.0008").apply(w, 10000)  # 8 samples
    assert out.tolist() == [0, 1, 2, 0, 1, 2, 0, 1]


def test_crop_before_resample_matches_resample_then_crop(tmp_path):
    p = write_wav(tmp_path / "a.wav", seconds=5.0, sr=44100)
    a = load_audio(p, 16000, "crop:2")
    full = load_audio(p, 16000, "full")[:32000]
    assert torch.allclose(a, full, atol=1e-4)


@pytest.mark.parametrize("bad", ["", "crop", "crop:x", "crop:-1", "trim:3", "pad:0"])
def test_invalid_policy(bad):
    if bad == "":
        assert str(LengthPolicy.parse(bad)) == "full"
        return
    with pytest.raises(ConfigError, match="clip length"):
        LengthPolicy.parse(bad)


def test_missing_file(tmp_path):
    with pytest.raises(AudioError, match="does not exist"):
        read_audio(tmp_path / "nope.wav")


def test_empty_file(tmp_path):
    (tmp_path / "e.wav").write_bytes(b"")
    with pytest.raises(AudioError, match=r"e\.wav.*empty"):
        read_audio(tmp_path / "e.wav")


def test_not_audio(tmp_path):
    (tmp_path / "t.wav").write_bytes(b"this is not audio at all" * 10)
    with pytest.raises(AudioError, match=r"cannot decode audio file .*t\.wav"):
        read_audio(tmp_path / "t.wav")


def test_nan_samples(tmp_path):
    x = np.zeros(100, dtype=np.float32)
    x[10] = np.nan
    sf.write(tmp_path / "n.wav", x, 8000, subtype="FLOAT")
    with pytest.raises(AudioError, match="NaN"):
        read_audio(tmp_path / "n.wav")


def test_real_flac_and_wav(shared):
    flac = next((shared / "data" / "speech" / "librispeech" / "real").glob("*.flac"))
    wav = next((shared / "data" / "foley").rglob("*.wav"))
    assert load_audio(flac, 16000).shape[0] > 16000
    assert abs(load_audio(wav, 16000).shape[0] - 64000) <= 1
