"""MS-CLAP audio embedders: ``clap-2023`` (alias ``clap``, HTSAT) and ``clap-2022`` (Cnn14);
1024-d projected audio embeddings.

Source: B. Elizalde, S. Deshmukh, M. Al Ismail, H. Wang, "CLAP: Learning Audio Concepts
from Natural Language Supervision", ICASSP 2023 (``clap-2022``); B. Elizalde, S. Deshmukh,
H. Wang, "Natural Language Supervision for General-Purpose Audio Representations",
ICASSP 2024 (``clap-2023``). Code: https://github.com/microsoft/CLAP (``msclap`` on PyPI,
MIT). Weights: https://huggingface.co/microsoft/msclap (``CLAP_weights_2023.pth``,
``CLAP_weights_2022.pth``; also on https://zenodo.org/record/8378278), MIT.

Model: msclap's audio encoder — the base network (``clap-2023``: msclap's HTSAT class,
768-d latent; ``clap-2022``: Cnn14, 2048-d) followed by the learned projection
(``linear1``, GELU, ``linear2``, residual, LayerNorm) into the 1024-d joint audio-text
space. The text encoder is never built. ``projection=False`` returns the base network's
embedding instead (768-d or 2048-d).

Preprocessing, from msclap's ``configs/config_20XX.yml`` and ``CLAPWrapper``: 44.1 kHz
mono, resampled with torchaudio's default windowed sinc (what msclap uses); each clip is
made exactly ``duration`` seconds long (7 s for 2023, 5 s for 2022): shorter clips are
tiled (repeated) and cut, as msclap does. msclap crops longer clips at a *random* offset;
fakebench never does: the default clip policy is ``repeat:7`` / ``repeat:5`` (the first
7/5 s, shorter clips tiled). With ``--length full``, a longer clip is cut into consecutive
``duration``-second windows (the last one ending at the clip's end), and the scene
embedding is the mean of the window embeddings. Front end (run in float32): 2022 uses
n_fft 1024 (``window_size``), hop 320, 64 mel bands 50 Hz-14 kHz at 44.1 kHz; msclap's
HTSAT builds its own front end from its ``config.py`` (hop 320, 64 mel bands, 50 Hz-14 kHz
computed for 32 kHz) and ignores the yml values — fakebench uses msclap's class, so it
behaves identically, and loads the mel filters stored in the checkpoint when present.

``windows``: how a clip becomes ``duration``-second windows. ``"tile"`` (default) is the
rule above. ``"fadtk"`` is the rule of fadtk's ``CLAPModel`` in the fork
github.com/modantailleur/fadtk used by Ouajdi et al. (EUSIPCO 2024): one window starting
at every whole second of the clip (``ceil(samples / 44100)`` windows), each the audio from
its start for ``duration`` seconds, zero-padded at the end to ``duration`` seconds (a 4-s
clip gives 4 windows: 0-4 s, 1-4 s, 2-4 s and 3-4 s of audio followed by zeros). Use it
with ``--length pad:4`` (fadtk's ``audio_len=4``) or ``full``, not with the default
``repeat:7``, which would tile the clip first. ``frames=True`` then gives one embedding
per second.

``resampler``: ``"sinc"`` (default; torchaudio's windowed sinc, as msclap resamples) or
``"kaiser"`` (the Kaiser-windowed sinc fadtk resamples with). ``frame_precision``:
``"float32"`` (default) or ``"float16"`` (each window embedding rounded to float16 before
the mean, as fadtk stores embeddings). The authors' CLAP features are
``windows="fadtk", resampler="kaiser", frame_precision="float16"`` with ``--length
pad:4``; tested against the fork's code in
``tests/plugins/embedders/test_fadtk_features.py``.

Input: (n, samples) mono audio in [-1, 1] at 44.1 kHz. Output: (n, 1024); with
``frames=True``, (n, windows, 1024), one embedding per ``duration``-second window.

Weights: ``--weights`` (the .pth file, or a folder holding it), the Hugging Face cache
(``microsoft/msclap``), ``$FAKEBENCH_WEIGHTS``, else a download from the hub (checked
against the hub's LFS sha256). ``--weights random``: seeded random weights. The checkpoint
layout is msclap's ``{"model": state_dict}`` with ``audio_encoder.base.*`` and
``audio_encoder.projection.*`` keys; fakebench loads only those, with ``weights_only=True``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fakebench.api import Embedder, WeightsError, hookimpl
from fakebench.api import WeightsFile
from fakebench.api import Bool

from ._common import build_and_load, checkpoint_model, fp32_frontend, frame_signal, identify_file
from fakebench.api import Choice

if TYPE_CHECKING:  # annotations only: the module imports torch where it runs it
    from torch import nn
    import torch

SR = 44100
D_PROJ = 1024
WINDOWS = ("tile", "fadtk")
RESAMPLERS = ("sinc", "kaiser")
FRAME_PRECISIONS = ("float32", "float16")


def _extract_audio_encoder(ckpt) -> dict:
    state = checkpoint_model(ckpt)
    audio = {k[len("audio_encoder."):]: v for k, v in state.items() if k.startswith("audio_encoder.")}
    return audio or state  # a bare audio-encoder state_dict is accepted too


class _Clap(Embedder):
    sample_rate = SR
    dim = D_PROJ
    resampler = "sinc"
    license = "MIT"
    default_batch_size = 8
    duration: int = 7
    base_dim: int = 768
    weights_file: WeightsFile

    param_specs = {"projection": Bool(), "windows": Choice(*WINDOWS), "resampler": Choice(*RESAMPLERS),
                   "frame_precision": Choice(*FRAME_PRECISIONS)}

    def __init__(self, projection=True, windows="tile", resampler="sinc", frame_precision="float32"):
        self.projection = projection
        self.windows = windows
        self.resampler = resampler
        self.frame_precision = frame_precision

    @property
    def output_dim(self) -> int:
        return self.dim if self.projection else self.base_dim

    def _base(self) -> nn.Module:
        raise NotImplementedError

    def _front_end_keys(self) -> tuple[str, ...]:
        raise NotImplementedError

    def identify(self, weights=None):
        return identify_file(self.weights_file, weights)

    def weights_files(self) -> list[WeightsFile]:
        """The files ``load`` needs."""
        return [self.weights_file]

    def requirements(self, weights=None):
        """The msclap checkpoint (``--weights``, the Hugging Face cache, $FAKEBENCH_WEIGHTS or a
        download from microsoft/msclap), and msclap itself for the 2023 model's HTSAT."""
        from fakebench.api import package_requirement, weights_requirement

        out = [weights_requirement(self.weights_file, weights)]
        if self.name == "clap-2023":
            out.insert(0, package_requirement("msclap", "'fakebench[clap]'", what="the msclap package (HTSAT)"))
        return out

    def _check(self) -> None:
        from fakebench.api import ConfigError

        for key, allowed in (("windows", WINDOWS), ("resampler", RESAMPLERS), ("frame_precision", FRAME_PRECISIONS)):
            if getattr(self, key) not in allowed:
                raise ConfigError(f"{self.name}: {key}={getattr(self, key)!r} is not one of {', '.join(allowed)}")

    def load(self, weights=None, device="cpu"):
        import torch
        from ._clap_net import ClapAudioEncoder

        self._check()
        self.device = torch.device(device)
        build = lambda: ClapAudioEncoder(self._base(), self.base_dim)  # noqa: E731
        self.model = build_and_load(self, self.weights_file, weights, build, extract=_extract_audio_encoder,
                                    optional=self._front_end_keys(), device=self.device)
        return self

    def _encode(self, windows: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def _windows(self, batch: torch.Tensor) -> torch.Tensor:
        """(n, samples) -> (n, w, duration * SR), by the ``windows`` rule."""
        import torch
        import torch.nn.functional as F

        length = self.duration * SR
        if self.windows != "fadtk":
            return frame_signal(batch, length, length)
        t = batch.shape[1]
        # fadtk: a window at every whole second, [start, start + duration), zeros past the end
        return torch.stack([F.pad(batch[:, s:s + length], (0, length - min(length, t - s)))
                            for s in range(0, max(1, t), SR)], dim=1)

    def embed(self, batch: torch.Tensor, frames: bool = False) -> torch.Tensor:
        n = batch.shape[0]
        length = self.duration * SR
        windows = self._windows(batch.float())  # (n, w, length)
        w = windows.shape[1]
        latent = self._encode(windows.reshape(n * w, length))
        out = self.model.projection(latent) if self.projection else latent
        out = out.reshape(n, w, -1)
        if self.frame_precision == "float16":  # fadtk stores each window embedding as float16
            out = out.half().float()
        return out if frames else out.mean(dim=1)


class Clap2023(_Clap):
    """MS-CLAP 2023 audio encoder (HTSAT + projection), 44.1 kHz, 7-s windows, 1024-d."""

    name = "clap-2023"
    aliases = ("clap",)
    description = "MS-CLAP 2023 audio encoder (HTSAT), projected, 44.1 kHz, 7 s, 1024-d"
    duration = 7
    base_dim = 768
    default_length = "repeat:7"
    frame_rate = 1 / 7
    citation = "Elizalde, Deshmukh, Wang, Natural Language Supervision for General-Purpose Audio Representations, ICASSP 2024"
    weights_file = WeightsFile("CLAP_weights_2023.pth", hf_repo="microsoft/msclap",
                               what="MS-CLAP 2023 checkpoint", size="~690 MB", license="MIT")

    def _base(self):
        try:
            from msclap.models.htsat import HTSATWrapper
        except ImportError as e:
            raise WeightsError(f"clap-2023 needs the msclap package ({e.name} is missing)",
                               hint="pip install 'fakebench[clap]'") from None
        # msclap's HTSATWrapper ignores its arguments and reads msclap/models/config.py
        return HTSATWrapper(SR, 1024, 320, 64, 50, 8000, 527, self.base_dim)

    def _front_end_keys(self):
        return ("base.htsat.spectrogram_extractor.", "base.htsat.logmel_extractor.")

    def _encode(self, windows: torch.Tensor) -> torch.Tensor:
        h = self.model.base.htsat
        with fp32_frontend(windows.device):
            x = h.logmel_extractor(h.spectrogram_extractor(windows.float()))  # (b, 1, t, 64)
            x = h.bn0(x.transpose(1, 3)).transpose(1, 3)
        # the eval path of msclap's HTSAT for inputs of at most spec_size * freq_ratio frames
        # (7 s at 44.1 kHz is 965 frames, below 1024): stretch to 1024 x 64, fold to 256 x 256
        x = h.reshape_wav2img(x)
        return h.forward_features(x)["latent_output"]


class Clap2022(_Clap):
    """MS-CLAP 2022 audio encoder (Cnn14 + projection), 44.1 kHz, 5-s windows, 1024-d."""

    name = "clap-2022"
    description = "MS-CLAP 2022 audio encoder (Cnn14), projected, 44.1 kHz, 5 s, 1024-d"
    duration = 5
    base_dim = 2048
    default_length = "repeat:5"
    frame_rate = 1 / 5
    citation = "Elizalde, Deshmukh, Al Ismail, Wang, CLAP: Learning Audio Concepts from Natural Language Supervision, ICASSP 2023"
    weights_file = WeightsFile("CLAP_weights_2022.pth", hf_repo="microsoft/msclap",
                               what="MS-CLAP 2022 checkpoint", size="~690 MB", license="MIT")

    def _base(self):
        from ._panns_models import Cnn14

        # config_2022.yml: sampling_rate 44100, window_size 1024, hop_size 320, mel_bins 64,
        # fmin 50, fmax 14000, num_classes 527, out_emb 2048 (its n_fft 1028 is unused)
        return Cnn14(SR, 1024, 320, 64, 50, 14000, 527, self.base_dim)

    def _front_end_keys(self):
        return ("base.spectrogram_extractor.", "base.logmel_extractor.")

    def _encode(self, windows: torch.Tensor) -> torch.Tensor:
        base = self.model.base
        return base.embedding(base.feature_map(windows))


def __getattr__(name: str):
    """The network classes, from ``_clap_net`` (torch), on first use: importing this module
    (``fakebench list``) does not import torch."""
    if name in ("Projection", "ClapAudioEncoder"):
        from . import _clap_net

        return getattr(_clap_net, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@hookimpl
def fakebench_register_embedders():
    return [Clap2023, Clap2022]
