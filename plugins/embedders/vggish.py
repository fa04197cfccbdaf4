"""``vggish``: Google's VGGish AudioSet embedding, 128-d per 0.96 s example.

Source: S. Hershey et al., "CNN Architectures for Large-Scale Audio Classification",
ICASSP 2017; https://github.com/tensorflow/models/tree/master/research/audioset/vggish
(Apache-2.0). PyTorch weights: the torchvggish port, https://github.com/harritaylor/torchvggish
(Apache-2.0), release v0.1: ``vggish-10086976.pth`` (network) and
``vggish_pca_params-970ea276.pth`` (PCA post-processing); the 8 hex digits in each name are
the start of the file's sha256, which fakebench checks.

Preprocessing (``vggish_params.py`` / ``mel_features.py``): 16 kHz mono (resampled with a
Kaiser-windowed sinc, close to the resampy ``kaiser_best`` the reference uses); frames of
25 ms (400 samples) every 10 ms (160), no padding; periodic Hann window; magnitude of a
512-point FFT; 64 mel bands from 125 to 7500 Hz (HTK mel scale, triangles built on the mel
axis, DC bin zeroed); ``log(mel + 0.01)``; non-overlapping examples of 96 frames (0.96 s).
A trailing partial example is dropped; clips shorter than one example (0.975 s) are
zero-padded to it.

Network (torchvggish key layout): ``features.{0,3,6,8,11,13}`` (3x3 convs 64-128-256-256-
512-512 with max pooling) and ``embeddings.{0,2,4}`` (12288-4096-4096-128), with the
conv output flattened in TensorFlow's (height, width, channel) order. Like torchvggish
(ported from the original release), a ReLU follows the last layer; today's TensorFlow
reference has none (``final_relu=False``).

Post-processing (``postprocess``): ``"quantize"`` (default, torchvggish's default and the
AudioSet release format): PCA whitening, clip to [-2, 2], 8-bit quantisation to 0..255
(as floats); ``"pca"``: PCA whitening only; ``"none"``: the raw 128-d layer output.

``frame_precision``: ``"float32"`` (default) or ``"float16"``, which rounds each example
embedding to float16 before the mean, as fadtk stores embeddings (its
``ModelLoader.get_embedding`` casts float32 outputs to float16; the mean is then taken in
float32 by whoever reads them).

The features of Ouajdi et al. (EUSIPCO 2024) come from fadtk's ``VGGishModel(use_pca=False,
use_activation=False)`` in the fork github.com/modantailleur/fadtk (torchvggish without
the post-processor and without the last ReLU), i.e. ``postprocess="none",
final_relu=False, frame_precision="float16"`` with clips cut or zero-padded to 4 s
(``--length pad:4``, fadtk's ``audio_len=4``); tested against the fork's code in
``tests/plugins/embedders/test_fadtk_features.py``.

Input: (n, samples) mono audio in [-1, 1] at 16 kHz. Output: (n, 128), the mean of the
example embeddings; with ``frames=True``, (n, examples, 128) at 1/0.96 examples per second.

Weights: ``--weights`` (the network file, or a folder holding both files), the torch hub
cache (``$TORCH_HOME/hub/checkpoints``, where ``torch.hub.load('harritaylor/torchvggish',
'vggish')`` puts them), ``$FAKEBENCH_WEIGHTS``, else a download from the GitHub release.
``--weights random``: seeded random network and PCA.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pathlib import Path

import numpy as np

from fakebench.api import ConfigError, Embedder, WeightsError, hookimpl
from fakebench.api import WeightsFile, is_random, load_checkpoint, load_into, resolve_weights as resolve, seeded
from fakebench.api import Bool
from fakebench.api import Choice

if TYPE_CHECKING:  # annotations only: the module imports torch where it runs it
    import torch

SR = 16000
WIN, HOP, N_FFT = 400, 160, 512
N_MELS, FMIN, FMAX = 64, 125.0, 7500.0
LOG_OFFSET = 0.01
EXAMPLE = 96
EMB = 128
QMIN, QMAX = -2.0, 2.0
RELEASE = "https://github.com/harritaylor/torchvggish/releases/download/v0.1/"

NETWORK = WeightsFile("vggish-10086976.pth", url=RELEASE + "vggish-10086976.pth", sha256="10086976",
                      folders=("torch_hub",), what="VGGish network (torchvggish)", size="~275 MB",
                      license="Apache-2.0")
PCA = WeightsFile("vggish_pca_params-970ea276.pth", url=RELEASE + "vggish_pca_params-970ea276.pth",
                  sha256="970ea276", folders=("torch_hub",), what="VGGish PCA parameters (torchvggish)",
                  size="~70 kB", license="Apache-2.0")
POSTPROCESS = ("quantize", "pca", "none")
FRAME_PRECISIONS = ("float32", "float16")


def hz_to_mel(hz):
    """HTK mel scale, as in VGGish's ``mel_features``: 1127 ln(1 + f / 700)."""
    return 1127.0 * np.log1p(np.asarray(hz, dtype=np.float64) / 700.0)


def mel_matrix(n_bins: int = N_FFT // 2 + 1, n_mels: int = N_MELS, sr: int = SR, fmin: float = FMIN,
               fmax: float = FMAX) -> np.ndarray:
    """(n_bins, n_mels) VGGish mel weights: triangles on the mel axis, evaluated at the
    FFT bin centres, peak 1, no area normalisation, DC bin zero."""
    bins_mel = hz_to_mel(np.linspace(0.0, sr / 2.0, n_bins))
    edges = np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2)
    lower, center, upper = edges[:-2], edges[1:-1], edges[2:]
    rising = (bins_mel[:, None] - lower) / (center - lower)
    falling = (upper - bins_mel[:, None]) / (upper - center)
    weights = np.maximum(0.0, np.minimum(rising, falling))
    weights[0, :] = 0.0
    return weights


class VGGish(Embedder):
    """VGGish (torchvggish weights), 16 kHz input, 128-d per 0.96 s example."""

    name = "vggish"
    description = "VGGish (AudioSet, torchvggish port), 16 kHz, 0.96 s examples, 128-d"
    sample_rate = SR
    dim = EMB
    frame_rate = SR / (HOP * EXAMPLE)
    min_seconds = (WIN + (EXAMPLE - 1) * HOP) / SR
    resampler = "kaiser"
    license = "Apache-2.0"
    citation = "Hershey et al., CNN Architectures for Large-Scale Audio Classification, ICASSP 2017"
    default_batch_size = 16

    param_specs = {"postprocess": Choice(*POSTPROCESS), "final_relu": Bool(),
                   "frame_precision": Choice(*FRAME_PRECISIONS)}

    def __init__(self, postprocess="quantize", final_relu=True, frame_precision="float32"):
        self.postprocess = postprocess
        self.final_relu = final_relu
        self.frame_precision = frame_precision

    # -- loading ---------------------------------------------------------------------------

    def load(self, weights=None, device="cpu"):
        import torch
        from ._vggish_net import VGG

        if self.postprocess not in POSTPROCESS:
            raise ConfigError(f"vggish: postprocess={self.postprocess!r} is not one of {', '.join(POSTPROCESS)}")
        if self.frame_precision not in FRAME_PRECISIONS:
            raise ConfigError(f"vggish: frame_precision={self.frame_precision!r} is not one of "
                              f"{', '.join(FRAME_PRECISIONS)}")
        self.device = torch.device(device)
        with seeded():
            net = VGG(bool(self.final_relu))
            q, _ = torch.linalg.qr(torch.randn(EMB, EMB))
            pca_vectors, pca_means = q, torch.zeros(EMB, 1)
        if is_random(weights):
            self.weights_fingerprint = "random"
            self.weights_source = "random"
        else:
            state, pca, fingerprint, source = self._read(weights)
            load_into(net, state, what=NETWORK.label)
            if pca is not None:
                pca_vectors, pca_means = pca
            self.weights_fingerprint = fingerprint
            self.weights_source = source
        self.net = net.to(self.device).eval()
        self.pca_vectors = pca_vectors.float().to(self.device)
        self.pca_means = pca_means.float().reshape(EMB, 1).to(self.device)
        self.mel = torch.from_numpy(mel_matrix()).float().to(self.device)
        self.window = torch.hann_window(WIN, periodic=True, device=self.device)
        return self

    def identify(self, weights=None):
        if is_random(weights):
            return "random"
        try:
            found = resolve(NETWORK, weights, download=False)
            if self.postprocess == "none":
                return found.fingerprint
            if not found.verified:  # a user's file may carry its own PCA (pproc.*) keys
                return None
            return found.fingerprint[:8] + resolve(PCA, self._pca_folder(weights), download=False).fingerprint[:8]
        except WeightsError:
            return None

    def weights_files(self) -> list[WeightsFile]:
        """The files ``load`` needs with these parameters (the PCA file only when
        post-processing uses it)."""
        return [NETWORK] if self.postprocess == "none" else [NETWORK, PCA]

    def requirements(self, weights=None):
        """The network file and, with post-processing, the PCA file (beside ``--weights``
        or in the caches), as ``load`` looks for them; none for random weights."""
        from fakebench.api import weights_requirement

        if is_random(weights):
            return []
        out = [weights_requirement(NETWORK, weights)]
        if self.postprocess != "none":
            pca = weights_requirement(PCA, self._pca_folder(weights))
            # a user's own network file may carry its PCA (pproc.*): then a missing PCA file is no error
            own_file = weights not in (None, "") and Path(weights).expanduser().is_file()
            if not (pca.missing and own_file):
                out.append(pca)
        return out

    @staticmethod
    def _pca_folder(weights) -> Path | None:
        given = Path(weights).expanduser() if weights not in (None, "") else None
        if given is not None and given.is_dir():
            return given
        if given is not None and (given.parent / PCA.filename).is_file():
            return given.parent
        return None

    def _read(self, weights):
        import torch

        found = resolve(NETWORK, weights)
        pfound = pca_error = None
        if self.postprocess != "none":  # fail before reading the big file...
            try:
                pfound = resolve(PCA, self._pca_folder(weights))
            except WeightsError as e:
                if found.verified:  # ...unless a user's file may hold its own PCA (pproc.*)
                    raise
                pca_error = e
        raw = load_checkpoint(found.path, what=NETWORK.label)
        if not isinstance(raw, dict):
            raise WeightsError(f"{NETWORK.label} {str(found.path)!r} is not a state_dict")
        state = {k: v for k, v in raw.items() if not k.startswith("pproc.")}
        fingerprint = found.fingerprint
        pca = None
        if "pproc.pca_eigen_vectors" in raw:  # a whole torchvggish model's state_dict
            pca = (torch.as_tensor(raw["pproc.pca_eigen_vectors"]), torch.as_tensor(raw["pproc.pca_means"]))
        elif self.postprocess != "none":
            if pca_error is not None:
                raise pca_error
            params = load_checkpoint(pfound.path, what=PCA.label)
            try:
                pca = (torch.as_tensor(np.asarray(params["pca_eigen_vectors"]), dtype=torch.float32),
                       torch.as_tensor(np.asarray(params["pca_means"]), dtype=torch.float32))
            except (KeyError, TypeError):
                raise WeightsError(f"{PCA.label} {str(pfound.path)!r} lacks pca_eigen_vectors/pca_means",
                                   hint=f"use {PCA.filename} from {PCA.url}") from None
            fingerprint = fingerprint[:8] + pfound.fingerprint[:8]
        return state, pca, fingerprint, found.source

    # -- computing -------------------------------------------------------------------------

    def examples(self, batch: torch.Tensor) -> torch.Tensor:
        """(n, samples) -> (n, examples, 96, 64) log-mel examples, float32."""
        import torch

        from ._common import fp32_frontend

        with fp32_frontend(batch.device):
            x = batch.float()
            need = WIN + (EXAMPLE - 1) * HOP
            if x.shape[1] < need:
                x = torch.nn.functional.pad(x, (0, need - x.shape[1]))
            frames = x.unfold(1, WIN, HOP) * self.window  # (n, t, 400), no padding
            mag = torch.fft.rfft(frames, n=N_FFT).abs()  # (n, t, 257)
            logmel = torch.log(mag @ self.mel + LOG_OFFSET)  # (n, t, 64)
            n_ex = (logmel.shape[1] - EXAMPLE) // EXAMPLE + 1
            return logmel[:, :n_ex * EXAMPLE].reshape(x.shape[0], n_ex, EXAMPLE, N_MELS)

    def embed(self, batch: torch.Tensor, frames: bool = False) -> torch.Tensor:
        import torch

        ex = self.examples(batch)
        n, e = ex.shape[:2]
        emb = self.net(ex.reshape(n * e, 1, EXAMPLE, N_MELS)).float()
        if self.postprocess != "none":
            emb = (self.pca_vectors @ (emb.t() - self.pca_means)).t()
            if self.postprocess == "quantize":
                emb = torch.round((emb.clamp(QMIN, QMAX) - QMIN) * (255.0 / (QMAX - QMIN)))
        emb = emb.reshape(n, e, EMB)
        if self.frame_precision == "float16":  # fadtk stores each example embedding as float16
            emb = emb.half().float()
        return emb if frames else emb.mean(dim=1)


def __getattr__(name: str):
    """The network classes, from ``_vggish_net`` (torch), on first use: importing this module
    (``fakebench list``) does not import torch."""
    if name in ("VGG",):
        from . import _vggish_net

        return getattr(_vggish_net, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@hookimpl
def fakebench_register_embedders():
    return [VGGish]
