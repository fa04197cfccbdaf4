"""PANNs embedders: ``panns-cnn14-32k`` (alias ``panns``), ``panns-cnn14-16k`` and
``panns-wavegram-logmel``; 2048-d AudioSet embeddings.

Source: Q. Kong, Y. Cao, T. Iqbal, Y. Wang, W. Wang, M. D. Plumbley, "PANNs: Large-Scale
Pretrained Audio Neural Networks for Audio Pattern Recognition", IEEE/ACM TASLP 28,
pp. 2880-2894, 2020. Code: https://github.com/qiuqiangkong/audioset_tagging_cnn (MIT).
Weights: https://zenodo.org/record/3987831 (CC-BY-4.0):

=========================  ======================================  ======  =================
embedder                   checkpoint                              rate    front end
=========================  ======================================  ======  =================
``panns-cnn14-32k``        ``Cnn14_mAP=0.431.pth`` (md5 5411...)   32 kHz  n_fft 1024, hop 320
``panns-cnn14-16k``        ``Cnn14_16k_mAP=0.438.pth``             16 kHz  n_fft 512, hop 160
``panns-wavegram-logmel``  ``Wavegram_Logmel_Cnn14_mAP=0.439.pth``  32 kHz  n_fft 1024, hop 320
=========================  ======================================  ======  =================

All use a Hann window, 64 mel bands from 50 Hz to 14 kHz (8 kHz at 16 kHz), power
spectrogram, ``10*log10(max(mel, 1e-10))`` and no top-dB clipping — torchlibrosa's
front end, as in the paper's code. The models are fakebench's own inference modules with
the checkpoints' key names (``_panns_models.py``); ``panns_inference`` is not imported (its
top-level import downloads a label file, and its ``AudioTagging`` re-downloads checkpoints
smaller than 300 MB).

Input: (n, samples) mono audio in [-1, 1] at the rate above; clips shorter than 0.5 s are
zero-padded to 0.5 s. Resampling: Kaiser-windowed sinc (the models were trained on audio
resampled with librosa/resampy's ``kaiser_best``). Output: (n, 2048), the model's own
clip embedding ``ReLU(fc1(max_t + mean_t))`` — what ``panns_inference`` returns and what
the paper used; with ``frames=True``, (n, frames, 2048) per-frame embeddings at
sample_rate / hop / 32 frames per second (3.125 Hz), from the frame-level head of PANNs'
decision-level models (3-frame max + mean smoothing, then ``ReLU(fc1)``). The scene
embedding is therefore not the mean of the frames.

Weights are looked up by file name in ``--weights`` (file or folder), ``~/panns_data``,
``$TORCH_HOME/hub/checkpoints`` and ``$FAKEBENCH_WEIGHTS``, else downloaded from Zenodo and
checked against Zenodo's md5; ``--weights random`` gives seeded random weights. The
checkpoint is ``{"model": state_dict, ...}`` (a bare state_dict is accepted too) and is
read with ``weights_only=True`` (numpy arrays allowed for the sampler state).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fakebench.api import Embedder, hookimpl
from fakebench.api import WeightsFile

from ._common import build_and_load, checkpoint_model, identify_file

if TYPE_CHECKING:  # annotations only: the module imports torch where it runs it
    import torch

ZENODO = "https://zenodo.org/record/3987831/files/"
CITATION = ("Kong et al., PANNs: Large-Scale Pretrained Audio Neural Networks for Audio Pattern Recognition, "
            "IEEE/ACM TASLP 28, 2020")


def _spec(filename: str, md5: str | None, what: str, size: str) -> WeightsFile:
    return WeightsFile(filename=filename, url=ZENODO + filename.replace("=", "%3D") + "?download=1", md5=md5,
                       folders=("panns_data", "torch_hub"), what=what, size=size, license="CC-BY-4.0")


class _Panns(Embedder):
    dim = 2048
    min_seconds = 0.5
    resampler = "kaiser"
    license = "MIT (code), CC-BY-4.0 (weights)"
    citation = CITATION
    default_batch_size = 16
    #: (window_size, hop_size, mel_bins, fmin, fmax); sample_rate is the class's.
    frontend = (1024, 320, 64, 50, 14000)
    weights_file: WeightsFile

    def __init__(self):
        pass

    def _build(self):
        from ._panns_models import Cnn14

        return Cnn14(self.sample_rate, *self.frontend)

    def identify(self, weights=None):
        return identify_file(self.weights_file, weights)

    def requirements(self, weights=None):
        """The Zenodo checkpoint (``--weights``, ~/panns_data, torch hub, $FAKEBENCH_WEIGHTS, or a download)."""
        from fakebench.api import weights_requirement

        return [weights_requirement(self.weights_file, weights)]

    def load(self, weights=None, device="cpu"):
        import torch

        from ._panns_models import Cnn14

        self.device = torch.device(device)
        self.model = build_and_load(self, self.weights_file, weights, self._build, extract=checkpoint_model,
                                    optional=Cnn14.front_end, device=self.device)
        return self

    def embed(self, batch: torch.Tensor, frames: bool = False) -> torch.Tensor:
        fmap = self.model.feature_map(batch)
        return self.model.frame_embeddings(fmap) if frames else self.model.embedding(fmap)


class PannsCnn14(_Panns):
    """PANNs Cnn14, 32 kHz input, 2048-d (Zenodo ``Cnn14_mAP=0.431.pth``)."""

    name = "panns-cnn14-32k"
    aliases = ("panns",)
    description = "PANNs Cnn14 (AudioSet, mAP 0.431), 32 kHz, 2048-d"
    sample_rate = 32000
    frame_rate = 32000 / 320 / 32
    weights_file = _spec("Cnn14_mAP=0.431.pth", "541141fa2ee191a88f24a3219fff024e",
                         "PANNs Cnn14 (32 kHz) checkpoint", "~330 MB")


class PannsCnn14At16k(_Panns):
    """PANNs Cnn14 trained on 16 kHz audio, 2048-d (Zenodo ``Cnn14_16k_mAP=0.438.pth``)."""

    name = "panns-cnn14-16k"
    description = "PANNs Cnn14 16k (AudioSet, mAP 0.438), 16 kHz, 2048-d"
    sample_rate = 16000
    frame_rate = 16000 / 160 / 32
    frontend = (512, 160, 64, 50, 8000)
    # no published checksum for this file was found; its sha256 is recorded as the fingerprint
    weights_file = _spec("Cnn14_16k_mAP=0.438.pth", None, "PANNs Cnn14 (16 kHz) checkpoint", "~330 MB")


class PannsWavegramLogmel(_Panns):
    """PANNs Wavegram-Logmel-Cnn14, 32 kHz, 2048-d (Zenodo ``Wavegram_Logmel_Cnn14_mAP=0.439.pth``)."""

    name = "panns-wavegram-logmel"
    description = "PANNs Wavegram-Logmel-Cnn14 (AudioSet, mAP 0.439), 32 kHz, 2048-d"
    sample_rate = 32000
    frame_rate = 32000 / 320 / 32
    weights_file = _spec("Wavegram_Logmel_Cnn14_mAP=0.439.pth", "17fa9ab65af3c0eb5ffbc5f65552c4e1",
                         "PANNs Wavegram-Logmel-Cnn14 checkpoint", "~330 MB")

    def _build(self):
        from ._panns_models import WavegramLogmelCnn14

        return WavegramLogmelCnn14(self.sample_rate, *self.frontend)


@hookimpl
def fakebench_register_embedders():
    return [PannsCnn14, PannsCnn14At16k, PannsWavegramLogmel]
