"""``sfx``: the aiSFX sound-effects CNN (X-Sequential-CE), 512-d embeddings.

Source: the ``aisfx`` wheel on PyPI (model and weights packaged),
https://github.com/alisonbma/aisfx. License: CC-BY-4.0 (the package's LICENSE file).
Citation: A. B. Ma and A. Lerch, "Representation Learning for the Automatic Indexing of
Sound Effects Libraries", ISMIR 2022, pp. 866-875.

Input: (n, samples) mono audio in [-1, 1] at 44.1 kHz. Output: (n, 512), the mean over
~2.3 s blocks (hop ~1.16 s) of the block embeddings; with ``frames=True``,
(n, blocks, 512) at ~0.86 blocks per second. Clips shorter than one block (2.32 s) are
zero-padded to one block.

Preprocessing follows the package: peak normalisation per clip, a 96-band HTK mel
spectrogram with unit-area (L1) filters (n_fft 2048, hop 1024, power 2, fmin 0,
fmax 22.05 kHz), ``log10(1 + 10^4 · mel)``, divided by the package's global maximum
9.4578; blocks of 100 frames with 50% hop, a trailing partial block dropped. The
package's librosa helper returns the spectrogram transposed (mel bins as time) before
blocking; fakebench blocks along time, as the model expects. Its resampler is resampy's
Kaiser window, approximated here by torchaudio's Kaiser-windowed sinc.

Weights: the packaged ``aisfx/models/checkpoint.pth`` (sha256 499ea759...). That one
file is a pickled ``(state_dict, dataset_dict)`` tuple that ``weights_only=True`` cannot
read; fakebench loads it with ``weights_only=False`` only after its sha256 matches the
released file. Any other file given with ``--weights`` must be a plain state_dict and is
loaded with ``weights_only=True``.

Install: ``pip install --no-deps aisfx==0.1.2`` (its pins conflict with msclap's).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pathlib import Path

from fakebench.api import Embedder, WeightsError, hookimpl
from fakebench.api import file_digest

if TYPE_CHECKING:  # annotations only: the module imports torch where it runs it
    import torch

PACKAGED_SHA256 = "499ea75909c932a2f94c35fa722fa4fabc5bcb7e84917209cc5f7402627b7eb5"
SR = 44100
N_FFT, HOP, N_MELS = 2048, 1024, 96
BLOCK, BLOCK_HOP = 100, 50
SPEC_MAX = 9.457798957824707


class SfxEmbedder(Embedder):
    name = "sfx"
    description = "aiSFX sound-effects CNN, 512-d (real weights packaged in the aisfx wheel)"
    sample_rate = SR
    dim = 512
    frame_rate = SR / (HOP * BLOCK_HOP)
    min_seconds = (BLOCK - 1) * HOP / SR
    resampler = "kaiser"
    license = "CC-BY-4.0"
    citation = "Ma and Lerch, Representation Learning for the Automatic Indexing of Sound Effects Libraries, ISMIR 2022"
    default_batch_size = 16

    def __init__(self):
        pass

    def identify(self, weights=None):
        if weights is None:
            path = self._packaged_path()
            return file_digest(path)[:16] if path.is_file() else None
        return file_digest(weights)[:16] if Path(weights).is_file() else None

    def requirements(self, weights=None):
        """The aisfx and librosa packages, and the weights: the wheel's packaged
        checkpoint (sha256-checked) or ``--weights FILE``."""
        from fakebench.api import Requirement, package_requirement

        out = [package_requirement("aisfx", "librosa && pip install --no-deps aisfx==0.1.2",
                                   what="the aisfx package (aiSFX model and weights)"),
               package_requirement("librosa", "librosa", what="the librosa package")]
        what = "aiSFX weights (checkpoint.pth)"
        if weights is not None:
            path = Path(weights).expanduser()
            out.append(Requirement(what, where=str(path), source="explicit", present=path.is_file(),
                                   problem="" if path.is_file() else f"sfx weights {str(path)!r} do not exist",
                                   fix="pass the path of a state_dict file with --weights"))
        elif out[0].present:
            path = self._packaged_path()
            ok = path.is_file() and file_digest(path) == PACKAGED_SHA256
            out.append(Requirement(what, where=str(path), source="wheel", present=ok, detail="aisfx==0.1.2",
                                   problem="" if ok else f"aisfx's packaged weights {str(path)!r} are missing or "
                                   "not the released file",
                                   fix="reinstall: pip install --force-reinstall --no-deps aisfx==0.1.2"))
        return out

    @staticmethod
    def _packaged_path() -> Path:
        import importlib.util

        spec = importlib.util.find_spec("aisfx")
        if spec is None or spec.origin is None:
            raise WeightsError("the sfx embedder needs the aisfx package",
                               hint="pip install librosa && pip install --no-deps aisfx==0.1.2")
        return Path(spec.origin).parent / "models" / "checkpoint.pth"

    def load(self, weights=None, device="cpu"):
        import torch

        try:
            import librosa
            from aisfx.models.cnn2d import EmbeddingNet
        except ImportError as e:
            raise WeightsError(f"the sfx embedder needs the aisfx and librosa packages ({e.name} is missing)",
                               hint="pip install librosa && pip install --no-deps aisfx==0.1.2") from None
        state = self._read_state(weights)
        net = EmbeddingNet("max", 3, 1, 64)
        net.load_state_dict(state, strict=True)
        self.net = net.to(device).eval()
        mel = librosa.filters.mel(sr=SR, n_fft=N_FFT, n_mels=N_MELS, fmin=0.0, fmax=SR / 2, htk=True, norm=1.0)
        self.mel = torch.from_numpy(mel).float().to(device)  # (96, 1025)
        self.window = torch.hann_window(N_FFT, periodic=True, device=device)
        self.device = torch.device(device)
        return self

    def _read_state(self, weights) -> dict:
        import torch

        if weights is None:
            path = self._packaged_path()
            if not path.is_file():
                raise WeightsError(f"aisfx's packaged weights {str(path)!r} are missing",
                                   hint="reinstall: pip install --force-reinstall --no-deps aisfx==0.1.2")
            digest = file_digest(path)
            if digest != PACKAGED_SHA256:
                raise WeightsError(f"aisfx's packaged weights {str(path)!r} have sha256 {digest[:12]}..., "
                                   f"not the released {PACKAGED_SHA256[:12]}...; refusing to unpickle them",
                                   hint="reinstall: pip install --force-reinstall --no-deps aisfx==0.1.2")
            # Documented exception: this exact, hash-checked file needs the full unpickler.
            full, _datasets = torch.load(path, map_location="cpu", weights_only=False)
            self.weights_fingerprint = digest[:16]
            prefix = "embedding_net."
            return {k[len(prefix):]: v for k, v in full.items() if k.startswith(prefix)}
        path = Path(weights)
        if not path.is_file():
            raise WeightsError(f"sfx weights {str(path)!r} do not exist")
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as e:
            raise WeightsError(f"cannot load sfx weights {str(path)!r} safely: {str(e).splitlines()[0]}",
                               hint="save a plain state_dict of aisfx's EmbeddingNet (torch.save(net.state_dict()))") from None
        self.weights_fingerprint = file_digest(path)[:16]
        if any(k.startswith("embedding_net.") for k in state):
            state = {k[len("embedding_net."):]: v for k, v in state.items() if k.startswith("embedding_net.")}
        return state

    def spectrogram(self, batch: torch.Tensor) -> torch.Tensor:
        """(n, samples) -> (n, frames, 96) normalised log-mel, as the model was trained on."""
        import torch

        peak = batch.abs().amax(dim=1, keepdim=True)
        batch = batch / torch.where(peak > 0, peak, torch.ones_like(peak))
        spec = torch.stft(batch, N_FFT, HOP, N_FFT, self.window, center=True, pad_mode="constant",
                          return_complex=True)
        power = spec.real.square() + spec.imag.square()  # (n, 1025, frames)
        mel = torch.matmul(self.mel, power)  # (n, 96, frames)
        logmel = torch.log10(mel * 10000.0 + 1.0) / SPEC_MAX
        return logmel.transpose(1, 2)

    def embed(self, batch: torch.Tensor, frames: bool = False) -> torch.Tensor:
        import torch

        spec = self.spectrogram(batch.float())
        n, t, f = spec.shape
        if t < BLOCK:
            spec = torch.nn.functional.pad(spec, (0, 0, 0, BLOCK - t))
            t = BLOCK
        n_blocks = max(1, (t - BLOCK) // BLOCK_HOP + 1)  # trailing partial block dropped
        blocks = spec.unfold(1, BLOCK, BLOCK_HOP)[:, :n_blocks]  # (n, blocks, 96, 100)
        blocks = blocks.transpose(2, 3).reshape(n * n_blocks, BLOCK, f)
        emb = self.net(blocks).reshape(n, n_blocks, -1)
        return emb if frames else emb.mean(dim=1)


@hookimpl
def fakebench_register_embedders():
    return [SfxEmbedder]
