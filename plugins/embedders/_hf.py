"""Shared code for the transformers-based embedders (wav2vec2, whisper). Private."""

from __future__ import annotations

from typing import TYPE_CHECKING

from typing import Any, Callable, Iterable

from fakebench.api import ConfigError, WeightsError
from fakebench.api import hf_hub_cache, hf_model_dir, is_random, load_hf_state, load_into, rename_weight_norm, seeded

if TYPE_CHECKING:  # annotations only: the module imports torch where it runs it
    import torch


def cached_config(config_cls, model_id: str):
    """The model's config from the HF cache (no network), or None."""
    try:
        return config_cls.from_pretrained(model_id, local_files_only=True, cache_dir=str(hf_hub_cache()))
    except Exception:
        return None


def apply_overrides(config, overrides: dict | None, name: str):
    for key, value in (overrides or {}).items():
        if not hasattr(config, key):
            raise ConfigError(f"{name}: config has no field {key!r}",
                              hint=f"see the {type(config).__name__} documentation for the field names")
        setattr(config, key, value)
    return config


def load_encoder(emb, *, weights, config_cls, builtin: Callable[[str], Any], build: Callable[[Any], torch.nn.Module],
                 prefixes: Iterable[str], optional: Iterable[str] = (), what: str):
    """Build the encoder from its config and load its weights (or seeded random weights).

    Returns ``(model, config)``; sets ``emb.weights_fingerprint``, ``emb.weights_source`` and
    ``emb.weights_path`` (the model folder; None for random weights).
    Random weights use the config from the HF cache when it is there, else the built-in
    table (``builtin(model_id)``), then ``emb.config`` overrides.
    """
    if not isinstance(emb.config, (dict, type(None))):
        raise ConfigError(f"{emb.name}: config must be a mapping of config fields, got {emb.config!r}")
    if is_random(weights):
        config = cached_config(config_cls, emb.model) or builtin(emb.model)
        config = apply_overrides(config, emb.config, emb.name)
        with seeded():
            model = build(config)
        emb.weights_fingerprint = "random"
        emb.weights_source = "random"
        emb.weights_path = None
        return model.eval(), config
    found = hf_model_dir(emb.model, weights)
    try:
        config = config_cls.from_pretrained(str(found.path), local_files_only=True)
    except Exception as e:
        raise WeightsError(f"cannot read the config of {str(found.path)!r}: {str(e).splitlines()[0] if str(e) else e}",
                           hint=f"the folder must hold a {config_cls.__name__} config.json") from None
    config = apply_overrides(config, emb.config, emb.name)
    with seeded():
        model = build(config)
    state = load_hf_state(found.path, prefixes)
    state = rename_weight_norm(state, model.state_dict())
    load_into(model, state, what=f"{what} {emb.model!r}", path=found.path, optional=optional)
    emb.weights_fingerprint = found.fingerprint
    emb.weights_source = found.source
    emb.weights_path = found.path
    return model.eval(), config


def identify_hf(emb, weights) -> str | None:
    """The fingerprint ``load_encoder`` would set, without loading or downloading."""
    if is_random(weights):
        return "random"
    try:
        return hf_model_dir(emb.model, weights, download=False).fingerprint
    except WeightsError:
        return None


def pick_layer(layer, n_layers: int, name: str) -> int | None:
    """``layer`` (int, negative from the end, or ``"all"``) -> an index into the
    ``n_layers + 1`` hidden states, or None for all of them."""
    if isinstance(layer, str) and layer.strip().lower() == "all":
        return None
    try:
        k = int(layer)
    except (TypeError, ValueError):
        raise ConfigError(f"{name}: layer={layer!r} is not an integer or 'all'",
                          hint=f"use 0..{n_layers} (0 = input to the first transformer layer), -1 for the last, "
                               "or 'all'") from None
    if not -(n_layers + 1) <= k <= n_layers:
        raise ConfigError(f"{name}: layer={layer} is out of range for a model with {n_layers} layers",
                          hint=f"use 0..{n_layers}, negative values count from the end, or 'all'")
    return k % (n_layers + 1)


def truncate(layers: torch.nn.ModuleList, k: int | None) -> torch.nn.ModuleList:
    """Drop the transformer layers after the one whose output is hidden state ``k``.

    ``k + 1`` layers are kept (not ``k``): the encoder applies its final LayerNorm to the
    output of its *last* layer only, so keeping one more leaves hidden state ``k`` exactly
    as in the full model."""
    import torch

    if k is None or k + 1 >= len(layers):
        return layers
    return torch.nn.ModuleList(list(layers)[: k + 1])


def select(hidden: tuple[torch.Tensor, ...], k: int | None) -> torch.Tensor:
    """(n, t, d) hidden state ``k``, or all of them concatenated on the feature axis."""
    import torch

    if k is None:
        return torch.cat(hidden, dim=-1)
    return hidden[k]
