"""logmel / mfcc / lfcc: contract, agreement with torchaudio's transforms, parameters."""

import pytest
import torch

from fakebench.errors import ConfigError
from fakebench.testing import parametrize_with_checks

from ._models import factory, loaded


@pytest.mark.parametrize("name", ["logmel", "mfcc", "lfcc"])
def test_conformance(name):
    from fakebench.testing.checks import checks_for

    for check in checks_for("embedder"):
        check(factory(name))


@parametrize_with_checks(factory("logmel", stats="mean", sr=22050), kind="embedder")
def test_logmel_other_rate_conformance(factory, check):
    check(factory)


def _noise(n=2, seconds=2.0, sr=16000, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(n, int(seconds * sr), generator=g) - 0.5) * 0.8


def test_logmel_equals_torchaudio_melspectrogram():
    import torchaudio.transforms as T

    x = _noise()
    ref = T.MelSpectrogram(16000, n_fft=512, win_length=400, hop_length=160, n_mels=64, power=2.0, norm="slaney",
                           mel_scale="htk", center=True, pad_mode="reflect")(x)
    ref = torch.log(ref.clamp(min=1e-10))  # (n, 64, frames)
    with torch.inference_mode():
        ours = loaded("logmel").embed(x)
    assert torch.allclose(ours, torch.cat([ref.mean(2), ref.std(2, unbiased=False)], 1), atol=1e-3)


def test_mfcc_equals_torchaudio_mfcc():
    import torchaudio.transforms as T

    x = _noise()
    mfcc = T.MFCC(16000, n_mfcc=20, log_mels=True, melkwargs=dict(n_fft=512, win_length=400, hop_length=160,
                                                                  n_mels=40, norm="slaney", mel_scale="htk"))(x)
    with torch.inference_mode():
        frames = loaded("mfcc").frame_features(x)  # (n, frames, 60): mfcc, delta, delta-delta
    # torchaudio adds 1e-6 before the log; loud noise makes that negligible
    assert torch.allclose(frames[:, :, :20], mfcc.transpose(1, 2), atol=2e-3, rtol=1e-3)


def test_lfcc_is_the_asvspoof_front_end():
    import torchaudio.transforms as T

    emb = loaded("lfcc")
    assert (emb.win_length, emb.hop_length, emb.n_fft, emb.output_dim) == (320, 160, 512, 120)
    x = _noise()
    lfcc = T.LFCC(16000, n_filter=20, n_lfcc=20, log_lf=True,
                  speckwargs=dict(n_fft=512, win_length=320, hop_length=160))(x)
    with torch.inference_mode():
        frames = emb.frame_features(x)
    assert torch.allclose(frames[:, :, :20], lfcc.transpose(1, 2), atol=2e-3, rtol=1e-3)


def test_rate_stats_and_segments():
    from fakebench.plugins.embedders.logmel import LogMel

    assert LogMel.sample_rate == 16000 and LogMel(sr=44100).sample_rate == 44100
    wide = LogMel(sr=44100).load()
    assert (wide.win_length, wide.n_fft) == (1102, 2048)
    assert LogMel(stats="mean").output_dim == 64 and LogMel(deltas=True).output_dim == 384
    with pytest.raises(ConfigError, match="stats"):
        LogMel(stats="median").load()
    emb = loaded("logmel")
    x = _noise(1, 3.0)
    with torch.inference_mode():
        frames = emb.embed(x, frames=True)
        feats = emb.frame_features(x)
    assert frames.shape == (1, 5, 128)  # 301 frames, 1-s (100-frame) windows every 50 frames
    assert torch.allclose(frames[0, 1, :64], feats[0, 50:150].mean(0), atol=1e-5)
    assert emb.fingerprint() == emb.identify() == "none"
