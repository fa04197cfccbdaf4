"""MS-CLAP embedders (seeded random weights): same outputs as msclap's own audio encoder,
deterministic windowing, msclap checkpoint layout through the HF cache."""

import pytest
import torch

from fakebench.errors import WeightsError

from ._models import loaded

pytest.importorskip("msclap")
SR = 44100


def _msclap_encoder(emb):
    """msclap's own AudioEncoder, with the same (random) weights as ``emb``."""
    from msclap.models.clap import AudioEncoder

    if emb.name == "clap-2023":
        ref = AudioEncoder("HTSAT", 768, 1024, SR, 1024, 320, 64, 50, 8000, 527)
    else:
        ref = AudioEncoder("Cnn14", 2048, 1024, SR, 1024, 320, 64, 50, 14000, 527)
    ref.load_state_dict(emb.model.state_dict(), strict=True)
    return ref.eval()


def test_clap_2023_matches_msclap_and_tiles_short_clips():
    """One short batch through HTSAT: a 1.5-s clip and silence, tiled to 7 s as msclap does."""
    emb = loaded("clap-2023")
    g = torch.Generator().manual_seed(0)
    x = torch.stack([(torch.rand(int(1.5 * SR), generator=g) - 0.5) * 0.5, torch.zeros(int(1.5 * SR))])
    tiled = x.repeat(1, 5)[:, :7 * SR]  # msclap: repeat(ceil(7 s / length)), then cut to 7 s
    with torch.inference_mode():
        ours = emb.embed(x)
        theirs, _ = _msclap_encoder(emb)(tiled)
    assert ours.shape == (2, 1024) and torch.isfinite(ours).all()
    assert torch.allclose(ours, theirs, atol=1e-4), float((ours - theirs).abs().max())


def test_clap_2022_matches_msclap_batch_and_windows():
    emb = loaded("clap-2022")
    g = torch.Generator().manual_seed(1)
    x = (torch.rand(2, 5 * SR, generator=g) - 0.5) * 0.5
    with torch.inference_mode():
        ours = emb.embed(x)
        theirs, _ = _msclap_encoder(emb)(x)
        # a 10.5-s clip: windows [0, 5), [5, 10) and the last 5 s; no random crop
        long = torch.cat([x[0], x[1], x[0, :SR // 2]])[None]
        frames = emb.embed(long, frames=True)
        scene = emb.embed(long)
    assert torch.allclose(ours, theirs, atol=1e-4), float((ours - theirs).abs().max())
    assert frames.shape == (1, 3, 1024)  # windows of another batch: batched == one at a time
    assert torch.allclose(frames[0, 0], ours[0], atol=1e-4) and torch.allclose(frames[0, 1], ours[1], atol=1e-4)
    assert torch.allclose(scene[0], frames[0].mean(0), atol=1e-5)


def test_defaults_and_alias():
    from fakebench.plugins.embedders.clap import Clap2022, Clap2023
    from fakebench.registry import Registry

    assert Registry().embedder("clap") is Clap2023
    assert (Clap2023.default_length, Clap2022.default_length) == ("repeat:7", "repeat:5")
    assert Clap2023(projection=False).output_dim == 768 and Clap2022(projection=False).output_dim == 2048


def test_msclap_checkpoint_from_the_hf_cache(tmp_path, monkeypatch):
    """msclap's {"model": {audio_encoder.*, caption_encoder.*, logit_scale}} file, found in the
    Hugging Face cache: only the audio encoder is loaded, with the same weights."""
    from fakebench.plugins.embedders.clap import Clap2023
    from fakebench.weights import hf_hub_cache

    emb = loaded("clap-2023")
    state = {f"audio_encoder.{k}": v for k, v in emb.model.state_dict().items()}
    state.update({"caption_encoder.projection.linear1.weight": torch.zeros(1024, 768), "logit_scale": torch.ones(())})
    blob = tmp_path / "CLAP_weights_2023.pth"
    torch.save({"model": state}, blob)
    repo = hf_hub_cache() / "models--microsoft--msclap"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text("c" * 40)
    (repo / "snapshots" / ("c" * 40)).mkdir(parents=True)
    (repo / "snapshots" / ("c" * 40) / blob.name).symlink_to(blob)
    back = Clap2023().load()
    assert back.weights_source == "hf-cache" and back.fingerprint() == back.identify() == Clap2023().identify(blob)
    for key, value in emb.model.state_dict().items():
        assert torch.equal(back.model.state_dict()[key], value), key
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    (repo / "snapshots" / ("c" * 40) / blob.name).unlink()
    with pytest.raises(WeightsError, match="CLAP_weights_2023.pth") as e:
        Clap2023().load()
    assert "huggingface.co/microsoft/msclap" in e.value.hint
