"""The DADA detector on real shared speech clips (real MiniLM text encoder, tiny
random-init wav2vec2, few epochs)."""

import numpy as np
import pytest
import torch

from fakebench.errors import ConfigError, DatasetError, WeightsError
from fakebench.inputs import Inputs
from fakebench.plugins.detectors.dada import DADA
from fakebench.testing import parametrize_with_checks

from . import _subset as S

pytestmark = pytest.mark.shared


@parametrize_with_checks(lambda: DADA(**S.small_params()), data=S.data)
def test_dada_conformance(factory, check):
    check(factory)


@pytest.fixture(scope="module")
def split_data():
    xtr, ytr = S.inputs("train")
    xv, yv = S.inputs("val")
    xe, ye = S.inputs("eval")
    return xtr, ytr, xv, yv, xe, ye


@pytest.fixture(scope="module")
def fitted(split_data):
    xtr, ytr, xv, yv, _, _ = split_data
    out = {}
    for fusion in ("mid", "late", "audio", "text"):
        out[fusion] = DADA(**S.small_params(fusion=fusion, alpha=0.5)).fit(xtr, ytr, xv, yv)
    return out


@pytest.mark.parametrize("fusion", ["mid", "late", "audio", "text"])
def test_every_fusion_scores_shape_n(fitted, split_data, fusion):
    xe, ye = split_data[4], split_data[5]
    s = fitted[fusion].decision_function(xe)
    assert s.shape == (len(ye),) and s.dtype == np.float64 and np.isfinite(s).all()
    assert fitted[fusion].threshold_ == 0.0
    assert np.array_equal(fitted[fusion].predict(xe), (s > 0).astype(int))


def test_late_fusion_follows_its_formula(fitted, split_data):
    """Recompute the weighted late score from the two heads by hand."""
    det, xe = fitted["late"], split_data[4]
    emb = det.embed(xe)
    with torch.no_grad():
        p_real = torch.sigmoid(det.audio_head_(torch.as_tensor(emb["audio"]))).reshape(-1).double()
        p_spk = torch.softmax(det.text_head_(torch.as_tensor(emb["text"])), dim=1).double()
    claimed = [det.speakers_.index(s) for s in xe.speaker]
    p_text = p_spk[torch.arange(len(claimed)), torch.tensor(claimed)]
    p_fake = 1 - (0.5 * p_real + 0.5 * p_text)
    expected = torch.log(p_fake / (1 - p_fake)).numpy()
    assert np.allclose(det.decision_function(xe), expected, atol=1e-6)
    # alpha = 1 is the audio head alone: the score is the negated real-logit
    det.alpha = 1.0
    try:
        assert np.allclose(det.decision_function(xe), -np.log(p_real / (1 - p_real)).numpy(), atol=1e-5)
    finally:
        det.alpha = 0.5


def test_marginal_late_rule_needs_no_claimed_speaker(fitted, split_data):
    det, xe = fitted["late"], split_data[4]
    det.late_rule = "marginal"
    try:
        anonymous = Inputs(clips=xe.clips, audio=xe.audio, transcript=xe.transcript, speaker=[None] * len(xe))
        s = det.decision_function(anonymous)
        assert s.shape == (len(xe),) and np.isfinite(s).all()
        assert np.allclose(s, det.decision_function(xe))  # the purported speaker is not used
        # p(spoof | speaker) was estimated on training data: VCTK has fakes, LibriSpeech none
        prior = dict(zip(det.speakers_, det.spoof_prior_.tolist()))
        assert prior["VCTK"] > prior["librispeech-1688"]
    finally:
        det.late_rule = "weighted"


def test_late_fusion_without_speakers_is_clear(fitted, split_data):
    xe = split_data[4]
    anonymous = Inputs(clips=xe.clips, audio=xe.audio, transcript=xe.transcript, speaker=[None] * len(xe))
    with pytest.raises(DatasetError, match="purported speaker"):
        fitted["late"].decision_function(anonymous)


def test_training_without_speakers_is_clear(split_data):
    xtr, ytr = split_data[0], split_data[1]
    anonymous = Inputs(clips=xtr.clips, audio=xtr.audio, transcript=xtr.transcript, speaker=None)
    for fusion in ("late", "mid"):
        with pytest.raises(DatasetError, match="speaker") as e:
            DADA(**S.small_params(fusion=fusion)).fit(anonymous, ytr)
        assert "fusion=audio" in e.value.hint
    # the audio-only baseline needs no speakers
    det = DADA(**S.small_params(fusion="audio", audio_stage_epochs=[1, 1, 1], head_epochs=2)).fit(anonymous, ytr)
    assert det.decision_function(anonymous).shape == (len(ytr),)


def test_adaptive_stage_moves_the_margin_and_stage_three_keeps_it(fitted):
    det = fitted["audio"]
    hist = det.history_
    ada = [h for h in hist if h["stage"] == "audio-adatriplet"]
    final = [h for h in hist if h["stage"] == "audio-final"]
    assert [h["stage"] for h in hist if h["stage"].startswith("audio-")][:2] == ["audio-fixed", "audio-fixed"]
    assert len(ada) == 2 and len(final) == 2
    assert ada[0]["margin_used"] == pytest.approx(0.2)  # audio_margin_adaptive
    assert ada[-1]["margin"] != pytest.approx(0.2)  # AutoMargin moved it
    m = det.audio_margins_
    assert m["stage2_final"] == pytest.approx(ada[-1]["margin"]) and m["stage3"] == m["stage2_final"]
    assert all(h["margin"] == pytest.approx(m["stage3"]) for h in final)
    assert m["stage2_beta_final"] == pytest.approx(ada[-1]["beta"])


def test_abx_of_both_spaces_is_recorded(fitted):
    det = fitted["mid"]
    assert set(det.abx_) == {"train", "val"}
    train = det.abx_["train"]
    assert set(train) == {"text_speaker", "audio_label", "audio_speaker"}
    assert all(0.0 <= v <= 1.0 for v in train.values())
    # the text space was trained to attribute real transcripts to speakers
    assert train["text_speaker"] > 0.6
    rows = [h for h in det.history_ if h["stage"] == "abx"]
    assert {r["split"] for r in rows} == {"train", "val"}


def test_text_pooling_is_mask_aware_over_the_last_three_layers():
    from fakebench.plugins.detectors._dada.text import load_text_encoder

    enc = load_text_encoder(S.minilm_dir(), n_layers=3, max_length=64).eval()
    assert enc.out_dim == 3 * 384
    with torch.no_grad():
        alone = enc(["Hello there."])
        padded = enc(["Hello there.", "A much longer sentence that forces padding of the first one in the batch."])
        tok = enc.tokenizer(["Hello there."], return_tensors="pt")
        hs = enc.model(**tok, output_hidden_states=True).hidden_states
    assert torch.allclose(alone[0], padded[0], atol=1e-5)
    assert torch.allclose(alone[0], torch.cat([h[0].mean(0) for h in hs[-3:]]), atol=1e-5)


def test_attentive_pooling_ignores_masked_frames_and_weights_layers():
    from fakebench.plugins.detectors._dada.audio import AttentiveLayerPooling

    torch.manual_seed(0)
    pool = AttentiveLayerPooling(n_layers=3, hidden=8, attn_dim=4)
    h = torch.randn(1, 3, 5, 8)
    padded = torch.cat([h, torch.randn(1, 3, 2, 8) * 100], dim=2)
    mask = torch.tensor([[True] * 5 + [False] * 2])
    assert torch.allclose(pool(h), pool(padded, mask), atol=1e-5)
    w = pool.time_weights(pool.norm(padded), mask)
    assert torch.allclose(w.sum(-1), torch.ones(1, 3)) and (w[..., 5:] == 0).all()
    assert torch.allclose(pool.layer_weights().sum(), torch.tensor(1.0))


def test_author_texts_add_training_speakers(tmp_path, split_data):
    xtr, ytr = split_data[0], split_data[1]
    csv = tmp_path / "quotes.csv"
    csv.write_text("speaker,text\nChurchill,We shall fight on the beaches.\n"
                   "Churchill,Never in the field of human conflict was so much owed by so many to so few.\n")
    det = DADA(**S.small_params(fusion="text", author_texts=str(csv), text_epochs=1, head_epochs=2)).fit(xtr, ytr)
    assert "Churchill" in det.speakers_
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"speaker": "A", "text": "fine"}\nnot json\n')
    with pytest.raises(DatasetError, match="bad.jsonl:2"):
        DADA(**S.small_params(fusion="text", author_texts=str(bad))).fit(xtr, ytr)


def test_unavailable_pretrained_wav2vec2_is_a_weights_error(split_data):
    xtr, ytr = split_data[0], split_data[1]
    with pytest.raises(WeightsError, match="facebook/wav2vec2-base") as e:
        DADA(**S.small_params(fusion="audio", audio_init="pretrained", audio_config=None)).fit(xtr, ytr)
    assert "audio_init=random" in e.value.hint


def test_bad_parameters_are_config_errors(split_data):
    xtr, ytr = split_data[0], split_data[1]
    with pytest.raises(ConfigError, match="fusion="):
        DADA(**S.small_params(fusion="early")).fit(xtr, ytr)
    with pytest.raises(ConfigError, match="alpha"):
        DADA(**S.small_params(alpha=1.5)).fit(xtr, ytr)
    with pytest.raises(ConfigError, match="Inputs"):
        DADA(**S.small_params()).fit(np.zeros((4, 3)), ytr[:4])
