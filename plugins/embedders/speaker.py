"""``speaker``: the Resemblyzer GE2E speaker encoder, 256-d (real weights ship in the wheel).

Source: the ``resemblyzer`` package (https://github.com/resemble-ai/Resemblyzer, Apache-2.0),
whose ``pretrained.pt`` (sha256 39373b86...) is the weights file. Model: L. Wan, Q. Wang,
A. Papir, I. L. Moreno, "Generalized End-to-End Loss for Speaker Verification", ICASSP 2018
— a 3-layer LSTM (40 -> 256) and a 256 -> 256 linear layer with ReLU, L2-normalised.

Preprocessing follows ``resemblyzer.preprocess_wav`` and ``VoiceEncoder.embed_utterance``:
16 kHz mono (resampled with a Kaiser-windowed sinc, close to librosa's soxr resampler);
volume raised (never lowered) to -30 dBFS (``normalize_volume``); long silences removed
with WebRTC VAD (30 ms windows, mode 3, 8-window moving average, 6-window dilation —
resemblyzer's own ``trim_long_silences`` is called; ``trim_silence=False`` skips it); mel
spectrogram as in resemblyzer (librosa's 40 Slaney mel bands, n_fft 400, hop 160, power 2,
not log); partial utterances of 160 frames (1.6 s) at ``rate`` 1.3 per second, the last
one kept if at least ``min_coverage`` 75% of it is audio (zero-padded). Each partial
goes through the network; the utterance embedding is the L2-normalised mean of the
partial embeddings. Silence is left at its level (resemblyzer's volume normalisation
divides by zero there and returns NaN) and gives the network's response to an all-zero
spectrogram.

Input: (n, samples) mono audio in [-1, 1] at 16 kHz. Output: (n, 256), non-negative and
of unit norm. With ``frames=True``: (n, partials, 256), the partial
embeddings at 1.3 per second; after silence trimming clips in one batch can have
different numbers of partials, and shorter sequences are tiled cyclically to the
longest (a clip embedded alone gets exactly its own partials).

Weights: the packaged ``resemblyzer/pretrained.pt`` (checked against its sha256), or
``--weights FILE`` in the same layout (``{"model_state": state_dict}`` or a bare
state_dict), loaded with ``weights_only=True``; ``--weights random`` gives seeded random
weights.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import importlib.util
from pathlib import Path

import numpy as np

from fakebench.api import Embedder, WeightsError, hookimpl
from fakebench.api import weights_digests as file_digests, is_random, load_checkpoint, load_into, seeded
from fakebench.api import Bool, Float

if TYPE_CHECKING:  # annotations only: the module imports torch where it runs it
    import torch

SR = 16000
N_FFT, HOP, N_MELS = 400, 160, 40
PARTIAL = 160
TARGET_DBFS = -30.0
INT16_MAX = 2 ** 15 - 1
PACKAGED_SHA256 = "39373b86598fa3da9fcddee6142382efe09777e8d37dc9c0561f41f0070f134e"


def partial_starts(n_samples: int, rate: float = 1.3, min_coverage: float = 0.75) -> list[int]:
    """Start frames of the partial utterances (resemblyzer's ``compute_partial_slices``)."""
    n_frames = int(np.ceil((n_samples + 1) / HOP))
    step = int(np.round((SR / rate) / HOP))
    if not 0 < step <= PARTIAL:
        raise WeightsError(f"speaker: rate={rate} is out of range", hint="use a rate between 0.625 and 100")
    starts = list(range(0, max(1, n_frames - PARTIAL + step + 1), step))
    last = starts[-1] * HOP
    coverage = (n_samples - last) / (PARTIAL * HOP)
    if coverage < min_coverage and len(starts) > 1:
        starts = starts[:-1]
    return starts


class Speaker(Embedder):
    """Resemblyzer GE2E speaker embedding, 16 kHz input, 256-d."""

    name = "speaker"
    description = "Resemblyzer GE2E speaker encoder (packaged weights), 16 kHz, 256-d"
    sample_rate = SR
    dim = 256
    frame_rate = 1.3
    resampler = "kaiser"
    license = "Apache-2.0"
    citation = "Wan et al., Generalized End-to-End Loss for Speaker Verification, ICASSP 2018"
    default_batch_size = 32

    param_specs = {"trim_silence": Bool(), "normalize_volume": Bool(), "rate": Float(0.625, 100),
                   "min_coverage": Float(0, 1)}

    def __init__(self, trim_silence=True, normalize_volume=True, rate=1.3, min_coverage=0.75):
        self.trim_silence = trim_silence
        self.normalize_volume = normalize_volume
        self.rate = rate
        self.min_coverage = min_coverage

    def identify(self, weights=None):
        if is_random(weights):
            return "random"
        try:
            return file_digests(self._path(weights)[0])[0][:16]
        except (WeightsError, OSError):
            return None

    def requirements(self, weights=None):
        """librosa, and the weights: resemblyzer's packaged ``pretrained.pt`` (sha256-checked;
        resemblyzer also brings the VAD used by ``trim_silence``) or ``--weights FILE``."""
        from fakebench.api import Requirement, package_requirement

        out = [package_requirement("librosa", "librosa", what="the librosa package")]
        if is_random(weights):
            return out
        what = "GE2E speaker encoder weights (pretrained.pt)"
        try:
            path, packaged = self._path(weights)
        except WeightsError as e:
            return out + [Requirement(what, where="" if weights in (None, "") else str(weights), present=False,
                                      problem=e.message, fix=e.hint or "")]
        ok = not packaged or file_digests(path)[0] == PACKAGED_SHA256
        return out + [Requirement(what, where=str(path), source="wheel" if packaged else "explicit", present=ok,
                                  detail="resemblyzer" if packaged else "",
                                  problem="" if ok else f"resemblyzer's packaged weights {str(path)!r} are not the "
                                  "released file", fix="reinstall: pip install --force-reinstall resemblyzer==0.1.4")]

    def load(self, weights=None, device="cpu"):
        import torch
        from ._speaker_net import SpeakerEncoder

        import librosa

        self.device = torch.device(device)
        with seeded():
            net = SpeakerEncoder()
        if is_random(weights):
            self.weights_fingerprint = "random"
        else:
            path, packaged = self._path(weights)
            sha = file_digests(path)[0]
            if packaged and sha != PACKAGED_SHA256:
                raise WeightsError(f"resemblyzer's packaged weights {str(path)!r} have sha256 {sha[:12]}..., "
                                   f"not the released {PACKAGED_SHA256[:12]}...",
                                   hint="reinstall: pip install --force-reinstall resemblyzer==0.1.4")
            ckpt = load_checkpoint(path, what="speaker encoder weights")
            state = ckpt.get("model_state", ckpt) if isinstance(ckpt, dict) else None
            if not isinstance(state, dict):
                raise WeightsError(f"speaker encoder weights {str(path)!r} hold no state_dict")
            state = {k: v for k, v in state.items() if not k.startswith("similarity_")}  # GE2E loss terms
            load_into(net, state, what="speaker encoder weights", path=path)
            self.weights_fingerprint = sha[:16]
        self.net = net.to(self.device).eval()
        mel = librosa.filters.mel(sr=SR, n_fft=N_FFT, n_mels=N_MELS)  # Slaney scale and norm
        self.mel = torch.from_numpy(mel).float().to(self.device)  # (40, 201)
        self.window = torch.hann_window(N_FFT, periodic=True, device=self.device)
        return self

    @staticmethod
    def _path(weights) -> tuple[Path, bool]:
        if weights not in (None, ""):
            path = Path(weights).expanduser()
            if not path.is_file():
                raise WeightsError(f"speaker encoder weights {str(path)!r} do not exist")
            return path, False
        spec = importlib.util.find_spec("resemblyzer")
        if spec is None or spec.origin is None:
            raise WeightsError("the speaker embedder needs the resemblyzer package (its weights ship in the wheel)",
                               hint="pip install resemblyzer==0.1.4")
        path = Path(spec.origin).parent / "pretrained.pt"
        if not path.is_file():
            raise WeightsError(f"resemblyzer's packaged weights {str(path)!r} are missing",
                               hint="reinstall: pip install --force-reinstall resemblyzer==0.1.4")
        return path, True

    # -- preprocessing ---------------------------------------------------------------------

    def preprocess(self, wave: np.ndarray) -> np.ndarray:
        """resemblyzer's ``preprocess_wav`` after resampling: volume up to -30 dBFS, VAD trim."""
        wave = wave.astype(np.float32, copy=False)
        if self.normalize_volume:
            rms = float(np.sqrt(np.mean((wave.astype(np.float64) * INT16_MAX) ** 2)))
            if rms > 0:
                change = TARGET_DBFS - 20 * np.log10(rms / INT16_MAX)
                if change > 0:  # increase only
                    wave = (wave * 10 ** (change / 20)).astype(np.float32)
        if self.trim_silence and wave.size:
            import warnings

            with warnings.catch_warnings():  # webrtcvad imports the deprecated pkg_resources
                warnings.simplefilter("ignore")
                from resemblyzer.audio import trim_long_silences

            wave = trim_long_silences(wave)
        return wave

    def melspec(self, wave: torch.Tensor) -> torch.Tensor:
        """(samples,) -> (frames, 40) power mel spectrogram (librosa's centred, zero-padded STFT)."""
        import torch

        spec = torch.stft(wave, N_FFT, HOP, N_FFT, self.window, center=True, pad_mode="constant",
                          return_complex=True)
        return (self.mel @ spec.abs().square()).t()

    # -- embedding -------------------------------------------------------------------------

    def embed(self, batch: torch.Tensor, frames: bool = False) -> torch.Tensor:
        import torch
        import torch.nn.functional as F

        from ._common import fp32_frontend

        host = batch.detach().float().cpu().numpy()
        mels, counts = [], []
        with fp32_frontend(batch.device):
            for wave in host:
                wave = self.preprocess(wave)
                starts = partial_starts(len(wave), self.rate, self.min_coverage)
                need = (starts[-1] + PARTIAL) * HOP
                if need >= len(wave):
                    wave = np.pad(wave, (0, need - len(wave)))
                mel = self.melspec(torch.from_numpy(np.ascontiguousarray(wave)).to(self.device))
                mels += [mel[s:s + PARTIAL] for s in starts]
                counts.append(len(starts))
        partial = self.net(torch.stack(mels)).float()  # (total partials, 256)
        per_clip = torch.split(partial, counts)
        if frames:
            longest = max(counts)
            return torch.stack([p.repeat(-(-longest // len(p)), 1)[:longest] for p in per_clip])
        return torch.stack([F.normalize(p.mean(dim=0), dim=0, eps=1e-12) for p in per_clip])


def __getattr__(name: str):
    """The network classes, from ``_speaker_net`` (torch), on first use: importing this module
    (``fakebench list``) does not import torch."""
    if name in ("SpeakerEncoder",):
        from . import _speaker_net

        return getattr(_speaker_net, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@hookimpl
def fakebench_register_embedders():
    return [Speaker]
