"""``whisper``: the Whisper encoder's hidden states via transformers, any model size.

Source: A. Radford, J. W. Kim, T. Xu, G. Brockman, C. McLeavey, I. Sutskever, "Robust
Speech Recognition via Large-Scale Weak Supervision", ICML 2023;
https://github.com/openai/whisper (MIT). Weights: Hugging Face hub ``openai/whisper-*``
(MIT): tiny 384-d / 4 layers, base 512 / 6 (default), small 768 / 12, medium 1024 / 24,
large(-v2/-v3) 1280 / 32. Model code: ``transformers.WhisperEncoder``; the decoder is
never built or read.

Preprocessing (``WhisperFeatureExtractor``): 16 kHz mono, resampled with a windowed sinc;
the clip is cut into 30-s chunks, each zero-padded to 30 s (480,000 samples); log-mel of
each chunk: 400-point STFT (Hann, hop 160, centred, reflect padding, last frame dropped),
80 mel bands (128 for large-v3, from the config's ``num_mel_bins``; Slaney scale and
norm, 0-8 kHz), ``log10(max(mel, 1e-10))``, floored at the chunk's maximum minus 8, then
``(x + 4) / 4``. The encoder sees 3,000 frames per chunk and gives 1,500 (50 per second).
Only the encoder frames that cover the clip's audio are kept (``ceil(samples / 320)`` per
chunk), so the 30-s padding does not dilute short clips.

Parameters: ``model`` (hub id; also the config used for random weights), ``layer``
(index into the hidden states: 0 is the input to the first layer, -1 the last, after the
final LayerNorm; ``"all"`` concatenates all of them) and ``config`` (config fields to
override, e.g. a tiny random model for tests; a smaller ``max_source_positions`` shortens
the chunk to ``max_source_positions`` x 320 samples). Layers after the selected one are
not run.

Input: (n, samples) mono audio in [-1, 1] at 16 kHz. Output: (n, D) mean over the kept
frames; with ``frames=True``, (n, frames, D) at 50 frames per second.

Weights: ``--weights`` (a model folder with config.json and model.safetensors or
pytorch_model.bin), else the HF cache snapshot of ``model``, else (online) a download.
Only ``model.encoder.*`` tensors are read (safetensors, or ``weights_only=True``).
``--weights random``: seeded random weights (the config from the HF cache, else built in
for the official sizes).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fakebench.api import Embedder, hookimpl
from fakebench.api import Text

from ._common import fp32_frontend
from ._hf import identify_hf, load_encoder, pick_layer, select, truncate
from fakebench.api import Settings
from ._params import LayerParam

if TYPE_CHECKING:  # annotations only: the module imports torch where it runs it
    import torch

SR = 16000
N_FFT, HOP = 400, 160
#: d_model, layers, heads, mel bins of the official sizes (config.json of openai/whisper-*)
SIZES = {"tiny": (384, 4, 6, 80), "base": (512, 6, 8, 80), "small": (768, 12, 12, 80),
         "medium": (1024, 24, 16, 80), "large": (1280, 32, 20, 80), "large-v3": (1280, 32, 20, 128)}


def size_of(model_id: str) -> tuple[int, int, int, int]:
    mid = model_id.lower().rsplit("/", 1)[-1].removeprefix("whisper-").removesuffix(".en")
    if mid.startswith("large-v3"):
        return SIZES["large-v3"]
    for name in ("tiny", "base", "small", "medium", "large"):
        if mid.startswith(name):
            return SIZES[name]
    return SIZES["base"]


def builtin_config(model_id: str):
    from transformers import WhisperConfig

    d, layers, heads, mels = size_of(model_id)
    return WhisperConfig(d_model=d, encoder_layers=layers, encoder_attention_heads=heads, encoder_ffn_dim=4 * d,
                         decoder_layers=layers, decoder_attention_heads=heads, decoder_ffn_dim=4 * d,
                         num_mel_bins=mels)


class Whisper(Embedder):
    """Whisper encoder hidden states (transformers), 16 kHz input, 384-1280-d."""

    name = "whisper"
    description = "Whisper encoder hidden states (transformers, any size), 16 kHz, 30-s chunks, 384-1280-d"
    sample_rate = SR
    dim = 512
    frame_rate = SR / 320
    resampler = "sinc"
    license = "MIT"
    citation = "Radford et al., Robust Speech Recognition via Large-Scale Weak Supervision, ICML 2023"
    default_batch_size = 8

    param_specs = {"model": Text(), "layer": LayerParam(), "config": Settings()}

    def __init__(self, model="openai/whisper-base", layer=-1, config=None):
        self.model = model
        self.layer = layer
        self.config = config

    @property
    def output_dim(self) -> int:
        cfg = getattr(self, "_config", None)
        if cfg is not None:
            d, layers = cfg.d_model, cfg.encoder_layers
        else:
            d, layers, _, _ = size_of(self.model)
            d = (self.config or {}).get("d_model", d)
            layers = (self.config or {}).get("encoder_layers", layers)
        k = pick_layer(self.layer, layers, self.name)
        return d * (layers + 1) if k is None else d

    def identify(self, weights=None):
        return identify_hf(self, weights)

    def requirements(self, weights=None):
        """transformers, and the model folder (``--weights``, the Hugging Face cache, or a
        download of ``model``); ``--weights random`` needs no file."""
        from fakebench.api import hf_requirement, package_requirement

        return [package_requirement("transformers", "'transformers<5'", what="the transformers package"),
                hf_requirement(str(self.model), weights, what=f"Whisper model {self.model!r}")]

    def load(self, weights=None, device="cpu"):
        import torch

        from transformers import WhisperConfig
        from transformers.audio_utils import mel_filter_bank
        from transformers.models.whisper.modeling_whisper import WhisperEncoder

        self.device = torch.device(device)
        net, config = load_encoder(self, weights=weights, config_cls=WhisperConfig, builtin=builtin_config,
                                   build=WhisperEncoder, prefixes=("model.encoder.", "encoder.", ""),
                                   optional=("embed_positions.",), what="Whisper model")
        self._config = config
        self._k = pick_layer(self.layer, config.encoder_layers, self.name)
        net.layers = truncate(net.layers, self._k)
        self.net = net.to(self.device)
        filters = mel_filter_bank(num_frequency_bins=N_FFT // 2 + 1, num_mel_filters=config.num_mel_bins,
                                  min_frequency=0.0, max_frequency=8000.0, sampling_rate=SR, norm="slaney",
                                  mel_scale="slaney")
        self.mel = torch.from_numpy(filters).float().t().contiguous().to(self.device)  # (mels, 201)
        self.window = torch.hann_window(N_FFT, device=self.device)
        self.chunk = config.max_source_positions * 2 * HOP  # 480,000 samples for the official models
        return self

    def log_mel(self, chunks: torch.Tensor) -> torch.Tensor:
        """(b, chunk samples) -> (b, mels, frames): Whisper's normalised log-mel, float32."""
        import torch

        with fp32_frontend(chunks.device):
            spec = torch.stft(chunks.float(), N_FFT, HOP, window=self.window, return_complex=True)
            power = spec[..., :-1].abs() ** 2
            logmel = torch.clamp(self.mel @ power, min=1e-10).log10()
            peak = logmel.amax(dim=(1, 2), keepdim=True)
            return (torch.maximum(logmel, peak - 8.0) + 4.0) / 4.0

    def embed(self, batch: torch.Tensor, frames: bool = False) -> torch.Tensor:
        import torch

        n, t = batch.shape
        n_chunks = max(1, -(-t // self.chunk))
        padded = torch.nn.functional.pad(batch.float(), (0, n_chunks * self.chunk - t))
        chunks = padded.reshape(n * n_chunks, self.chunk)
        feats = self.log_mel(chunks)
        out = self.net(feats, output_hidden_states=True)
        h = select(out.hidden_states, self._k).float()  # (n * chunks, chunk frames, d)
        per_chunk = h.shape[1]
        h = h.reshape(n, n_chunks * per_chunk, -1)
        keep = max(1, -(-t // (2 * HOP)))  # encoder frames that cover audio (stride 2 over hop 160)
        h = h[:, :keep]
        return h if frames else h.mean(dim=1)


@hookimpl
def fakebench_register_embedders():
    return [Whisper]
