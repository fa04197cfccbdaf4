"""Helpers shared by the built-in embedders (private: not a plugin)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from typing import Any, Callable, Iterable

from fakebench.api import WeightsError
from fakebench.api import WeightsFile, is_random, load_checkpoint, load_into, resolve_weights as resolve, seeded

if TYPE_CHECKING:  # annotations only: the module imports torch where it runs it
    import torch


def build_and_load(emb, spec: WeightsFile, weights, build: Callable[[], torch.nn.Module], *,
                   extract: Callable[[Any], dict] | None = None, optional: Iterable[str] = (),
                   device="cpu") -> torch.nn.Module:
    """Build a model (seeded, so random init is reproducible), then load ``spec``'s
    weights into it unless ``weights`` is ``"random"``. Sets ``emb.weights_fingerprint``
    and ``emb.weights_source``; returns the model in eval mode on ``device``."""
    if is_random(weights):
        with seeded():
            model = build()
        emb.weights_fingerprint = "random"
        emb.weights_source = "random"
    else:
        found = resolve(spec, weights)  # fail before the (slow) model build
        ckpt = load_checkpoint(found.path, what=spec.label)
        state = extract(ckpt) if extract else ckpt
        if not isinstance(state, dict) or not state:
            raise WeightsError(f"{spec.label} {str(found.path)!r} holds no state_dict",
                               hint=f"expected the file {spec.filename} from {spec.source_url}")
        with seeded():
            model = build()
        load_into(model, state, what=spec.label, path=found.path, optional=optional)
        emb.weights_fingerprint = found.fingerprint
        emb.weights_source = found.source
    return model.to(device).eval()


def checkpoint_model(ckpt: Any) -> dict:
    """``{"model": state_dict, ...}`` (PANNs, msclap) or a bare state_dict -> state_dict,
    with a DataParallel ``module.`` prefix removed."""
    state = ckpt.get("model", ckpt) if isinstance(ckpt, dict) else ckpt
    if isinstance(state, dict) and state and all(k.startswith("module.") for k in state):
        state = {k[len("module."):]: v for k, v in state.items()}
    return state


def fp32_frontend(device: torch.device):
    """Context with autocast off, for spectrogram front ends (fp16 overflows/underflows)."""
    import torch

    return torch.autocast(device_type=torch.device(device).type, enabled=False)


def frame_signal(wave: torch.Tensor, length: int, hop: int) -> torch.Tensor:
    """(n, samples) -> (n, windows, length): windows of ``length`` every ``hop`` samples,
    covering the whole clip. A clip shorter than ``length`` is tiled to it (msclap's rule);
    when the last window would run past the end, it is the last ``length`` samples."""
    import torch

    n, t = wave.shape
    if t <= length:
        reps = -(-length // max(1, t))
        return wave.repeat(1, reps)[:, None, :length]
    starts = list(range(0, t - length + 1, hop))
    if starts[-1] + length < t:
        starts.append(t - length)
    return torch.stack([wave[:, s:s + length] for s in starts], dim=1)


def identify_file(spec: WeightsFile, weights) -> str | None:
    """What ``build_and_load`` would set as the fingerprint, without building the model or
    downloading anything; None when the file is not at hand."""
    if is_random(weights):
        return "random"
    try:
        return resolve(spec, weights, download=False).fingerprint
    except WeightsError:
        return None
