"""Properties shared by every built-in embedder: registration, resampling from common file
rates, reduced precision, weights-free listing."""

import math

import numpy as np
import pytest
import torch

from fakebench.audio import load_audio

from ._models import loaded

NAMES = ["vggish", "clap-2023", "clap-2022", "panns-cnn14-32k", "panns-cnn14-16k", "panns-wavegram-logmel",
         "wav2vec2", "whisper", "speaker", "logmel", "mfcc", "lfcc"]


def test_rates_and_resamplers_of_the_models_left_out_below():
    from fakebench.registry import Registry

    reg = Registry()
    assert {(reg.embedder(n).sample_rate, reg.embedder(n).resampler) for n in ("clap-2023", "clap-2022")} == \
        {(44100, "sinc")}
    assert {(reg.embedder(n).sample_rate, reg.embedder(n).resampler)
            for n in ("panns-cnn14-32k", "panns-wavegram-logmel")} == {(32000, "kaiser")}


def test_all_registered_with_docstrings():
    import inspect

    from fakebench.registry import Registry

    reg = Registry()
    for name in NAMES:
        cls = reg.embedder(name)
        doc = inspect.getmodule(cls).__doc__
        assert "Input:" in doc and "Output:" in doc and ("kHz" in doc or "Hz" in doc), name
        assert cls.license and cls.sample_rate > 0 and cls.dim > 0, name
    assert reg.embedder("clap").name == "clap-2023" and reg.embedder("panns").name == "panns-cnn14-32k"


def _tone_file(path, sr, seconds=1.0):
    import soundfile as sf

    t = np.arange(int(sr * seconds)) / sr
    x = 0.25 * np.sin(2 * np.pi * 440 * t) + 0.15 * np.sin(2 * np.pi * 1000 * t + 1.0)
    sf.write(path, x.astype(np.float32), sr, subtype="FLOAT")
    return path


# The resampling path depends only on an embedder's sample_rate and resampler: the CLAP
# and 32-kHz PANNs models (44.1/32 kHz, sinc/kaiser) are represented by logmel at those
# rates and by panns-cnn14-16k, which keeps this test fast.
RESAMPLED = [("vggish", {}), ("panns-cnn14-16k", {}), ("wav2vec2", {}), ("whisper", {}), ("speaker", {}),
             ("logmel", {}), ("logmel", {"sr": 44100}), ("logmel", {"sr": 32000})]


@pytest.mark.parametrize("name, params", RESAMPLED, ids=[f"{n}-{p.get('sr', '')}" for n, p in RESAMPLED])
def test_resampling_from_common_file_rates(name, params, tmp_path):
    """The same two-tone signal stored at 8, 22.05, 44.1 and 48 kHz gives the same length at
    the model's rate and (nearly) the same embedding: the rate is honoured, not ignored."""
    emb = loaded(name, **params)
    waves = []
    for sr in (8000, 22050, 44100, 48000):
        wav = load_audio(_tone_file(tmp_path / f"tone{sr}.wav", sr), emb.sample_rate, resampler=emb.resampler,
                         min_seconds=emb.min_seconds)
        waves.append(wav)
    assert {len(w) for w in waves} == {max(emb.sample_rate, math.ceil(emb.min_seconds * emb.sample_rate))}
    with torch.inference_mode():
        out = emb.embed(torch.stack(waves)).float()
        wrong = emb.embed(waves[0][None, ::2].repeat(1, 2)).float()  # an octave up: what a skipped resample gives
    assert out.shape == (4, emb.output_dim) and torch.isfinite(out).all()
    cos = torch.nn.functional.cosine_similarity(out[:, None], out[None], dim=-1)
    off = torch.nn.functional.cosine_similarity(out[0], wrong[0], dim=0)
    assert float(cos.min()) > 0.98, cos
    assert float(off) < float(cos.min()), (float(off), cos)


@pytest.mark.parametrize("name", ["panns-cnn14-16k", "vggish", "whisper", "wav2vec2", "logmel"])
def test_bfloat16_autocast_keeps_front_ends_in_float32(name):
    """Under autocast the spectrogram front ends stay in float32 (float16/bfloat16 power
    spectra overflow, log(1e-10) underflows); outputs stay finite and close."""
    emb = loaded(name)
    g = torch.Generator().manual_seed(0)
    x = (torch.rand(2, 16000 * 2, generator=g) - 0.5) * 0.5
    x[1] = 0.0  # silence too
    if emb.sample_rate != 16000:
        x = torch.nn.functional.interpolate(x[:, None], scale_factor=emb.sample_rate / 16000)[:, 0]
    with torch.inference_mode():
        ref = emb.embed(x).float()
        with torch.autocast("cpu", dtype=torch.bfloat16):
            low = emb.embed(x).float()
    assert torch.isfinite(low).all()
    cos = torch.nn.functional.cosine_similarity(ref, low, dim=1)
    assert float(cos.min()) > 0.95, cos
