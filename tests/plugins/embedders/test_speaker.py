"""The speaker embedder with resemblyzer's real packaged weights, on real speech clips."""


import numpy as np
import pytest
import torch

from fakebench.audio import load_audio
from fakebench.errors import WeightsError
from fakebench.testing import parametrize_with_checks

from ._models import factory, loaded

pytestmark = pytest.mark.weights
resemblyzer = pytest.importorskip("resemblyzer")


@parametrize_with_checks(factory("speaker"), kind="embedder")
def test_speaker_conformance(factory, check):
    check(factory)


def _wav(shared, row, seconds=None):
    length = f"crop:{seconds}" if seconds else None
    return load_audio(shared / "data" / "speech" / row["path"], 16000, length, resampler="kaiser")


def test_matches_resemblyzer_on_real_clips(shared, speech_rows):
    """Same embedding as resemblyzer's own preprocess_wav + VoiceEncoder.embed_utterance."""
    from resemblyzer import VoiceEncoder, preprocess_wav

    encoder = VoiceEncoder(device="cpu", verbose=False)
    picks = [next(r for r in speech_rows if r["path"].endswith(".flac")),  # LibriSpeech, 16 kHz
             next(r for r in speech_rows if r["label"] == "fake")]  # synthetic, 22.05 kHz
    emb = loaded("speaker")
    for row in picks:
        wave = _wav(shared, row, 6)
        with torch.inference_mode():
            ours = emb.embed(wave[None])[0].numpy()
        ref = encoder.embed_utterance(preprocess_wav(wave.numpy()))
        np.testing.assert_allclose(ours, ref, atol=1e-5)
        assert abs(np.linalg.norm(ours) - 1) < 1e-5 and ours.min() >= 0


def test_same_speaker_is_closer_than_other_speakers(shared, speech_rows):
    """GE2E's purpose, on real LibriSpeech utterances of three speakers (3 each, 4-s crops)."""
    libri = [r for r in speech_rows if r["path"].endswith(".flac")]
    speakers = sorted({r["speaker"] for r in libri})[:3]
    rows = [r for s in speakers for r in [x for x in libri if x["speaker"] == s][:3]]
    waves = torch.stack([_wav(shared, r, 4) for r in rows if len(_wav(shared, r, 4)) == 64000])
    who = [r["speaker"] for r in rows if len(_wav(shared, r, 4)) == 64000]
    with torch.inference_mode():
        e = loaded("speaker").embed(waves).numpy()
    sim = e @ e.T
    same = [sim[i, j] for i in range(len(who)) for j in range(i + 1, len(who)) if who[i] == who[j]]
    other = [sim[i, j] for i in range(len(who)) for j in range(i + 1, len(who)) if who[i] != who[j]]
    assert len(same) >= 3 and np.mean(same) > np.mean(other) + 0.05


def test_partials_frames_and_silence():
    from resemblyzer import VoiceEncoder

    from fakebench.plugins.embedders.speaker import partial_starts

    for n in (100, 16000, 25600, 30000, 48000, 160000):
        _, mel_slices = VoiceEncoder.compute_partial_slices(n, 1.3, 0.75)
        assert partial_starts(n) == [s.start for s in mel_slices], n
    assert partial_starts(16000 * 3) == [0, 77, 154]  # 1.6-s partials every 77 frames
    emb = loaded("speaker", trim_silence=False)
    g = torch.Generator().manual_seed(0)
    x = (torch.rand(2, 16000 * 3, generator=g) - 0.5) * 0.3
    with torch.inference_mode():
        frames = emb.embed(x, frames=True)
        scene = emb.embed(x)
        silence = emb.embed(torch.zeros(1, 16000))
    assert frames.shape == (2, 3, 256)
    assert torch.allclose(scene, torch.nn.functional.normalize(frames.mean(1), dim=1), atol=1e-6)
    assert torch.isfinite(silence).all() and abs(float(silence.norm()) - 1) < 1e-5  # resemblyzer: NaN


def test_weights_file_round_trip_and_tampering(tmp_path, monkeypatch):
    from fakebench.plugins.embedders import speaker

    emb = loaded("speaker")
    path = tmp_path / "encoder.pt"
    torch.save({"model_state": {k: v + 0.001 for k, v in emb.net.state_dict().items()}, "step": 1}, path)
    other = speaker.Speaker().load(weights=path)
    assert other.fingerprint() != emb.fingerprint() and other.identify(path) == other.fingerprint()
    assert emb.fingerprint() == speaker.PACKAGED_SHA256[:16] == speaker.Speaker().identify()
    x = torch.rand(1, 32000) - 0.5
    with torch.inference_mode():
        assert not torch.allclose(other.embed(x), emb.embed(x), atol=1e-4)
    monkeypatch.setattr(speaker, "PACKAGED_SHA256", "0" * 64)
    with pytest.raises(WeightsError, match="not the released"):
        speaker.Speaker().load()
