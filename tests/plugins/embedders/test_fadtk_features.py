"""fakebench's VGGish and MS-CLAP 2023 features equal those of the fadtk fork that
Ouajdi et al. (EUSIPCO 2024) computed their features with.

The fork: github.com/modantailleur/fadtk (MIT, Copyright (c) 2023 Microsoft Corporation),
commit 558ad1dd1f1448fd436da6769f828ce00e7a68ac (the submodule commit that
github.com/mathieulagrange/dcaseFadEmbedding pinned on 2025-06-26 in f3be020, identical
in ``model_loader.py`` to the one of the paper's time but for the PANNs sample rate), file
``fadtk/model_loader.py``: ``VGGishModel(use_pca=False, use_activation=False)`` on
torchvggish (github.com/harritaylor/torchvggish, Apache-2.0, commit f3f9096), and
``CLAPModel('2023')`` on msclap; ``ModelLoader.get_embedding`` stores float16.

Two ways to compare, both with the same deterministic random weights (drawn with numpy's
legacy generator per parameter name, so they do not depend on torch's RNG):

* always: against ``fadtk_reference.json`` beside this file, the fork's outputs computed
  once by :func:`test_live_against_the_fork` (its provenance is in the file);
* when ``FAKEBENCH_FADTK_SRC`` (a fadtk fork checkout) and ``FAKEBENCH_TORCHVGGISH_SRC``
  (a torchvggish checkout) are set: the fork's own classes, executed from a temporary
  copy of ``model_loader.py`` (its licenses allow it), against fakebench directly. Set
  ``FAKEBENCH_WRITE_FADTK_REFERENCE=1`` as well to rewrite the reference file.

The input of both sides is a real clip of ../shared decoded and resampled as fadtk's
``FrechetAudioDistance.load_audio`` does (mono mean, torchaudio's Kaiser-windowed sinc with
fadtk's parameters) and cut or zero-padded to 4 s (``audio_len=4``); fadtk's 16-bit
rewrite of the resampled file is left out (it depends on torchaudio's I/O backend).
"""

from __future__ import annotations

import ast
import base64
import datetime as _dt
import hashlib
import json
import os
import re
import shutil
import types
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch

from conftest import SHARED

REFERENCE = Path(__file__).with_name("fadtk_reference.json")
CLIPS = ("foley/mambafoley/real/cond_dogbark.wav", "foley/mambafoley/fake/attn_count_Footstep_001.wav")
FORK = {"repo": "modantailleur/fadtk", "commit": "558ad1dd1f1448fd436da6769f828ce00e7a68ac",
        "file": "fadtk/model_loader.py", "license": "MIT (Copyright (c) 2023 Microsoft Corporation)"}
TORCHVGGISH = {"repo": "harritaylor/torchvggish", "commit": "f3f9096", "license": "Apache-2.0"}
KAISER = dict(lowpass_filter_width=64, rolloff=0.9475937167399596, resampling_method="sinc_interp_kaiser",
              beta=14.769656459379492)  # fadtk's fad.py, TORCHAUDIO_RESAMPLING
CLAP_FRONT_END = ("spectrogram_extractor", "logmel_extractor")
ATOL = 1e-5


# -- shared helpers ------------------------------------------------------------------------


def numpy_weights(module: torch.nn.Module, seed: int, skip=()) -> dict[str, torch.Tensor]:
    """Deterministic weights for every parameter of ``module`` (but ``skip``), drawn from
    ``numpy.random.RandomState(seed ^ crc32(name))`` (uniform draws, the cheapest of the
    frozen legacy stream): matrices and kernels with variance 1/fan_in (outputs stay near
    1), norm weights 1 + small noise, biases small noise."""
    out = {}
    for name, p in module.named_parameters():
        if any(k in name for k in skip):
            continue
        rng = np.random.RandomState((seed ^ zlib.crc32(name.encode())) % (2**32))
        shape = tuple(p.shape)
        u = rng.random_sample(shape).astype(np.float32) * 2 - 1  # uniform in [-1, 1), variance 1/3
        if len(shape) >= 2:
            v = u * np.float32(np.sqrt(3.0 / int(np.prod(shape[1:]))))
        elif name.endswith("weight"):
            v = 1 + 0.1 * u
        else:
            v = 0.05 * u
        out[name] = torch.from_numpy(np.ascontiguousarray(v, dtype=np.float32))
    return out


def fadtk_input(rel: str, sample_rate: int, seconds: float | None = 4.0) -> torch.Tensor:
    """(samples,) float32: the clip as fadtk feeds its models (see the module docs)."""
    import soundfile as sf
    import torchaudio

    wave, sr = sf.read(str(SHARED / "data" / rel), dtype="float32", always_2d=True)
    x = torch.from_numpy(wave.T.copy()).mean(0, keepdim=True)
    y = torchaudio.transforms.Resample(sr, sample_rate, **KAISER)(x)[0]
    if seconds is not None:
        n = int(sample_rate * seconds)
        y = y[:n] if y.shape[0] >= n else torch.nn.functional.pad(y, (0, n - y.shape[0]))
    return y


def _b64(a: np.ndarray) -> dict:
    a = np.ascontiguousarray(a, dtype="<f4")
    return {"shape": list(a.shape), "float32_b64": base64.b64encode(a.tobytes()).decode()}


def _unb64(d: dict) -> np.ndarray:
    return np.frombuffer(base64.b64decode(d["float32_b64"]), dtype="<f4").reshape(d["shape"])


def fp16_mean(frames: torch.Tensor) -> torch.Tensor:
    """What the authors' classifier read: fadtk's float16 frames, averaged in float32."""
    return frames.half().float().mean(dim=-2)


def fakebench_vggish():
    from fakebench.plugins.embedders.vggish import VGGish

    emb = VGGish(postprocess="none", final_relu=False).load(weights="random")
    emb.net.load_state_dict(numpy_weights(emb.net, 1), strict=True)
    return emb


def fakebench_clap(fresh: bool = False):
    """A ``clap-2023`` embedder with the fork's options and the test weights. Unless
    ``fresh``, it shares the network of the folder's cached ``clap-2023`` (building HTSAT
    takes seconds); :func:`restored` puts that network's own weights back."""
    from fakebench.plugins.embedders.clap import Clap2023

    pytest.importorskip("msclap")
    emb = Clap2023(windows="fadtk", resampler="kaiser")
    if fresh:
        emb.load(weights="random")
    else:
        from ._models import loaded

        shared_emb = loaded("clap-2023")
        emb.model, emb.device = shared_emb.model, shared_emb.device
    state = emb.model.state_dict()
    state.update(numpy_weights(emb.model, 2, skip=CLAP_FRONT_END))
    emb.model.load_state_dict(state, strict=True)
    return emb


class restored:
    """Context: the module's state is put back on exit."""

    def __init__(self, module: torch.nn.Module):
        self.module = module
        self.state = {k: v.clone() for k, v in module.state_dict().items()}

    def __enter__(self):
        return self.module

    def __exit__(self, *exc):
        self.module.load_state_dict(self.state, strict=True)
        return False


@pytest.fixture(scope="module")
def reference() -> dict:
    if not REFERENCE.is_file():
        pytest.fail(f"{REFERENCE} is missing: run the live test with FAKEBENCH_WRITE_FADTK_REFERENCE=1")
    return json.loads(REFERENCE.read_text())


def _check_clips(reference):
    if not (SHARED / "data").is_dir():
        pytest.skip(f"shared test material not found at {SHARED}")
    for clip in reference["clips"]:
        digest = hashlib.sha256((SHARED / "data" / clip["path"]).read_bytes()).hexdigest()
        assert digest == clip["sha256"], f"{clip['path']} changed since the reference was computed"


# -- against the stored reference ----------------------------------------------------------


def test_vggish_equals_the_fork_reference(reference):
    """``postprocess=none, final_relu=false``: the fork's raw 128-d example embeddings
    (no PCA, no 8-bit quantisation, no last ReLU); with ``frame_precision=float16`` the
    clip embedding is the authors' mean of fadtk's float16 frames."""
    _check_clips(reference)
    emb = fakebench_vggish()
    for clip, want in zip(reference["clips"], reference["vggish"]["frames"]):
        x = fadtk_input(clip["path"], 16000)[None]
        ref = torch.from_numpy(_unb64(want).copy())
        with torch.inference_mode():
            frames = emb.embed(x, frames=True)[0]
            emb.frame_precision = "float16"
            scene16 = emb.embed(x)[0]
            emb.frame_precision = "float32"
        assert frames.shape == ref.shape == (4, 128)
        assert float(ref.abs().max()) > 0.1  # outputs of a useful scale, not all ~0
        torch.testing.assert_close(frames, ref, atol=ATOL, rtol=0)
        # float16 rounding can differ by one float16 step where a value sits on a boundary
        step = fp16_mean(ref).abs().clamp_min(2**-14) * 2**-10
        assert bool(((scene16 - fp16_mean(ref)).abs() <= step + ATOL).all())
        assert torch.equal(scene16, fp16_mean(frames))
    # the defaults are fakebench's (quantised PCA, final ReLU), not the fork's
    from fakebench.plugins.embedders.vggish import VGGish

    assert VGGish().get_params() == {"postprocess": "quantize", "final_relu": True, "frame_precision": "float32"}


@pytest.mark.slow
def test_clap_windows_equal_the_fork_reference(reference):
    """``windows=fadtk``: 7-s windows every second, zero-padded; ``audio_encoder(chunk)[0]``
    per window (a 4-s clip gives 4), equal to the fork's per-window embeddings."""
    _check_clips(reference)
    from ._models import loaded

    pytest.importorskip("msclap")
    with restored(loaded("clap-2023").model):
        emb = fakebench_clap()
        clip, want = reference["clips"][0], reference["clap-2023"]["frames"][0]
        x = fadtk_input(clip["path"], 44100)[None]
        ref = torch.from_numpy(_unb64(want).copy())
        with torch.inference_mode():
            frames = emb.embed(x, frames=True)[0]
            emb.frame_precision = "float16"
            scene16 = emb.embed(x)[0]
    assert frames.shape == ref.shape == (4, 1024)
    torch.testing.assert_close(frames, ref, atol=ATOL, rtol=0)
    assert torch.equal(scene16, fp16_mean(frames))


def test_fadtk_window_rule_on_real_audio(shared):
    """The windows themselves, for a 4-s clip, a 2.5-s cut and an 8.3-s clip (two clips
    joined): one window at each whole second, the audio from there for 7 s, then zeros."""
    from fakebench.plugins.embedders.clap import Clap2023

    emb = Clap2023(windows="fadtk")
    a = fadtk_input(CLIPS[0], 44100, None)
    b = fadtk_input(CLIPS[1], 44100, None)
    for x in (a, a[: int(2.5 * 44100)], torch.cat([a, b, a[: int(0.3 * 44100)]])):
        w = emb._windows(x[None])[0]
        starts = list(range(0, x.shape[0], 44100))
        assert w.shape == (len(starts), 7 * 44100)
        for k, s in enumerate(starts):
            part = x[s:s + 7 * 44100]
            assert torch.equal(w[k, : part.shape[0]], part)
            assert not w[k, part.shape[0]:].any()
    assert emb._windows(a[None]).shape[1] == 4
    # the default rule is unchanged: one 7-s window, the clip tiled
    tiled = Clap2023()._windows(a[None])[0]
    assert tiled.shape == (1, 7 * 44100) and torch.equal(tiled[0, 44100 * 4: 44100 * 7], a[: 44100 * 3])


def test_bad_options_are_config_errors():
    from fakebench.errors import ConfigError
    from fakebench.plugins.embedders.clap import Clap2023
    from fakebench.plugins.embedders.vggish import VGGish

    with pytest.raises(ConfigError, match="frame_precision"):
        VGGish(frame_precision="bf16").load(weights="random")
    with pytest.raises(ConfigError, match="windows"):
        Clap2023(windows="fadtk2").load(weights="random")


# -- live, against the fork's own code (when its sources are given) ---------------------------


def _fork_namespace(src: Path, tmp: Path) -> dict:
    """The fork's ``ModelLoader``, ``VGGishModel`` and ``CLAPModel`` classes, executed
    from a temporary copy of its ``model_loader.py``. The module-level imports it needs
    for these three classes are provided; its download helper (hypy_utils) is not."""
    import logging
    from abc import ABC, abstractmethod
    from typing import Literal

    copy = tmp / "fadtk_model_loader.py"
    shutil.copyfile(src / "fadtk" / "model_loader.py", copy)
    tree = ast.parse(copy.read_text())
    keep = [n for n in tree.body if isinstance(n, ast.ClassDef)
            and n.name in ("ModelLoader", "VGGishModel", "CLAPModel")]
    ns = {"ABC": ABC, "abstractmethod": abstractmethod, "Literal": Literal, "np": np, "torch": torch,
          "nn": torch.nn, "Path": Path, "log": logging.getLogger("fadtk"), "__name__": "fadtk_fork"}
    exec(compile(ast.Module(body=keep, type_ignores=[]), str(copy), "exec"), ns)
    return ns


def _fork_vggish(ns, torchvggish_src: Path, tmp: Path, monkeypatch):
    """The fork's VGGishModel, its ``load_model`` run as written; ``torch.hub.load`` of
    harritaylor/torchvggish reads a temporary copy of that repository (no download, no
    pretrained weights) instead of GitHub."""
    local = tmp / "torchvggish"
    shutil.copytree(torchvggish_src, local, ignore=shutil.ignore_patterns(".git"))
    real_load = torch.hub.load

    def hub_load(repo, model, *args, **kwargs):
        assert repo == "harritaylor/torchvggish" and model == "vggish"
        return real_load(str(local), model, *args, source="local", pretrained=False, **kwargs)

    monkeypatch.setattr(torch.hub, "load", hub_load)
    pytest.importorskip("resampy")  # torchvggish's vggish_input imports it (unused at 16 kHz)
    fork = ns["VGGishModel"](use_pca=False, use_activation=False, audio_len=4)
    fork.device = torch.device("cpu")
    fork.load_model()
    fork.model.load_state_dict({**fork.model.state_dict(), **numpy_weights(fork.model, 1, skip=("pproc",))})
    return fork


def _fork_clap(ns):
    """The fork's CLAPModel without its constructor's download: ``ModelLoader.__init__``,
    then msclap's AudioEncoder (same weights) as ``model.clap.audio_encoder`` and msclap's
    own ``default_collate`` bound to a bare CLAPWrapper."""
    pytest.importorskip("msclap")
    from msclap.CLAPWrapper import CLAPWrapper
    from msclap.models.clap import AudioEncoder

    enc = AudioEncoder("HTSAT", 768, 1024, 44100, 1024, 320, 64, 50, 8000, 527).eval()
    enc.load_state_dict({**enc.state_dict(), **numpy_weights(enc, 2, skip=CLAP_FRONT_END)})
    wrapper = object.__new__(CLAPWrapper)
    wrapper.np_str_obj_array_pattern = re.compile(r"[SaUO]")
    wrapper.default_collate_err_msg_format = "default_collate: batch must contain tensors, numpy arrays; found {}"
    wrapper.clap = types.SimpleNamespace(audio_encoder=enc)
    fork = object.__new__(ns["CLAPModel"])
    ns["ModelLoader"].__init__(fork, "clap-2023", 1024, 44100, 4)
    fork.type, fork.device, fork.model = "2023", torch.device("cpu"), wrapper
    return fork


@pytest.mark.slow
def test_live_against_the_fork(tmp_path, monkeypatch, shared):
    fadtk_src = os.environ.get("FAKEBENCH_FADTK_SRC")
    tv_src = os.environ.get("FAKEBENCH_TORCHVGGISH_SRC")
    if not fadtk_src or not tv_src:
        pytest.skip("set FAKEBENCH_FADTK_SRC and FAKEBENCH_TORCHVGGISH_SRC to run the fork's code")
    ns = _fork_namespace(Path(fadtk_src), tmp_path)
    fork_v = _fork_vggish(ns, Path(tv_src), tmp_path, monkeypatch)
    fork_c = _fork_clap(ns)
    ours_v, ours_c = fakebench_vggish(), fakebench_clap(fresh=True)
    assert set(fork_v.model.state_dict()) - {"pproc.pca_eigen_vectors", "pproc.pca_means"} == set(
        ours_v.net.state_dict())
    out = {"vggish": {"weights_seed": 1, "frames": []}, "clap-2023": {"weights_seed": 2, "frames": []}}
    for i, rel in enumerate(CLIPS):
        x16, x44 = fadtk_input(rel, 16000), fadtk_input(rel, 44100)
        with torch.inference_mode():
            ref_v = fork_v._get_embedding(x16.double().numpy()).detach().float()
            got_v = ours_v.embed(x16[None], frames=True)[0]
        torch.testing.assert_close(got_v, ref_v, atol=ATOL, rtol=0)
        stored = ns["ModelLoader"].get_embedding(fork_v, x16.double().numpy())  # fadtk's float16 file
        assert stored.dtype == np.float16 and np.array_equal(stored, ref_v.numpy().astype(np.float16))
        out["vggish"]["frames"].append(_b64(ref_v.numpy()))
        if i == 0:
            with torch.inference_mode():
                ref_c = fork_c._get_embedding(x44.double().numpy()).detach().float()
                got_c = ours_c.embed(x44[None], frames=True)[0]
            torch.testing.assert_close(got_c, ref_c, atol=ATOL, rtol=0)
            out["clap-2023"]["frames"].append(_b64(ref_c.numpy()))
            short = x44[: int(2.5 * 44100)]  # a clip shorter than 4 s: 3 windows
            with torch.inference_mode():
                ref_s = fork_c._get_embedding(short.double().numpy()).detach().float()
                got_s = ours_c.embed(short[None], frames=True)[0]
            assert ref_s.shape == got_s.shape == (3, 1024)
            torch.testing.assert_close(got_s, ref_s, atol=ATOL, rtol=0)
    if os.environ.get("FAKEBENCH_WRITE_FADTK_REFERENCE"):
        import torchaudio

        from importlib.metadata import version

        doc = {
            "about": "fadtk fork outputs (float32, before its float16 storage) for fakebench's "
                     "tests/plugins/embedders/test_fadtk_features.py",
            "provenance": {
                "fork": FORK, "torchvggish": TORCHVGGISH,
                "vggish": "VGGishModel(use_pca=False, use_activation=False, audio_len=4).load_model() "
                          "then _get_embedding(audio at 16 kHz)",
                "clap-2023": "CLAPModel('2023', audio_len=4)._get_embedding(audio at 44.1 kHz), msclap "
                             f"{version('msclap')} AudioEncoder('HTSAT', ...) as model.clap.audio_encoder",
                "weights": "numpy_weights(module, seed) of this test: RandomState(seed ^ crc32(name)).random_sample "
                           "per parameter; CLAP's spectrogram/log-mel front-end filters left as built",
                "input": "fadtk_input(): soundfile decode, mono mean, torchaudio Resample with fadtk's "
                         "Kaiser parameters, cut/zero-padded to 4 s",
                "versions": {"torch": torch.__version__, "torchaudio": torchaudio.__version__,
                             "numpy": np.__version__, "msclap": version("msclap")},
                "created": _dt.date.today().isoformat(),
            },
            "clips": [{"path": rel, "sha256": hashlib.sha256((SHARED / "data" / rel).read_bytes()).hexdigest()}
                      for rel in CLIPS],
            **out,
        }
        REFERENCE.write_text(json.dumps(doc, indent=1) + "\n")
