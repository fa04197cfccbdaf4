"""The sfx embedder with its real packaged weights, on real clips."""

import functools

import numpy as np
import pytest
import torch

from fakebench.audio import load_audio
from fakebench.testing import parametrize_with_checks

pytestmark = pytest.mark.weights
aisfx = pytest.importorskip("aisfx")


@functools.lru_cache(maxsize=1)
def loaded():
    from fakebench.plugins.embedders.sfx import SfxEmbedder

    return SfxEmbedder().load(device="cpu")


@parametrize_with_checks(loaded, kind="embedder")
def test_sfx_conformance(factory, check):
    check(factory)


def test_spectrogram_matches_librosa_reference(shared):
    import librosa

    emb = loaded()
    wav = next((shared / "data" / "foley").rglob("*.wav"))
    y = load_audio(wav, 44100, resampler="kaiser").numpy()
    y = y / np.abs(y).max()
    ref = librosa.feature.melspectrogram(y=y, sr=44100, n_mels=96, norm=1.0, fmin=0.0, fmax=22050.0, htk=True,
                                         power=2.0, hop_length=1024, win_length=2048)
    ref = (np.log10(ref * 10000.0 + 1) / 9.457798957824707).T
    ours = emb.spectrogram(torch.from_numpy(y)[None])[0].numpy()
    assert ours.shape == ref.shape
    np.testing.assert_allclose(ours, ref, atol=2e-4)


def test_four_second_clip_gives_two_blocks(shared):
    emb = loaded()
    wav = next((shared / "data" / "foley").rglob("*.wav"))
    x = load_audio(wav, 44100)[None]
    with torch.inference_mode():
        frames = emb.embed(x, frames=True)
        scene = emb.embed(x)
    assert frames.shape == (1, 2, 512)
    assert torch.allclose(scene, frames.mean(1), atol=1e-6)


def test_short_clip_is_padded_to_one_block():
    emb = loaded()
    with torch.inference_mode():
        out = emb.embed(torch.rand(1, 22050) - 0.5, frames=True)
    assert out.shape == (1, 1, 512)


def test_tampered_weights_are_refused(tmp_path, monkeypatch):
    from fakebench.errors import WeightsError
    from fakebench.plugins.embedders import sfx

    monkeypatch.setattr(sfx, "PACKAGED_SHA256", "0" * 64)
    with pytest.raises(WeightsError, match="refusing to unpickle"):
        sfx.SfxEmbedder().load()


def test_user_weights_load_with_weights_only(tmp_path):
    from fakebench.plugins.embedders.sfx import SfxEmbedder

    emb = loaded()
    path = tmp_path / "sfx.pt"
    torch.save(emb.net.state_dict(), path)
    other = SfxEmbedder().load(weights=path)
    x = torch.rand(1, 44100 * 3) - 0.5
    with torch.inference_mode():
        assert torch.allclose(other.embed(x), emb.embed(x))
    assert other.fingerprint() != emb.fingerprint()


def test_pickled_user_weights_are_refused(tmp_path):
    from fakebench.errors import WeightsError
    from fakebench.plugins.embedders.sfx import SfxEmbedder

    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    path = tmp_path / "evil.pt"
    torch.save({"x": Evil()}, path)
    with pytest.raises(WeightsError, match="safely"):
        SfxEmbedder().load(weights=path)
