"""THE key map: fairseq wav2vec 2.0 / HuBERT state_dict names -> ``transformers`` names.

Every released checkpoint fakebench reads whose front-end is a fairseq model (SSL-AASIST's
``LA_model.pth`` / ``DF_model.pth``, SLS's checkpoint, AntiDeepfake's ``*.ckpt``) goes
through :func:`fairseq_to_hf`, so fairseq is never imported. The names are facts of the two
code bases (fairseq ``models/wav2vec/wav2vec2.py`` and ``models/hubert/hubert.py`` at the
commit the authors vendor, a54021305d6b; transformers ``Wav2Vec2Model`` / ``HubertModel``,
the ``facebook/wav2vec2-xls-r-300m`` layout). ``{i}`` is any transformer layer index and
``{c}`` any convolution index, so the map is independent of the layer count (XLS-R 300M:
24 layers, XLS-R 1B/2B, MMS-1B, HuBERT-XL: 48; the tests use 2 and 3).

============================================================  ===============================================================
fairseq (``Wav2Vec2Model`` / ``HubertModel``)                 transformers (``Wav2Vec2Model`` / ``HubertModel``)
============================================================  ===============================================================
``feature_extractor.conv_layers.{c}.0.{weight,bias}``         ``feature_extractor.conv_layers.{c}.conv.{weight,bias}``
``feature_extractor.conv_layers.{c}.2.1.{weight,bias}``       ``feature_extractor.conv_layers.{c}.layer_norm.{weight,bias}`` (``extractor_mode=layer_norm``: XLS-R, MMS, w2v-large, HuBERT-L/XL)
``feature_extractor.conv_layers.0.2.{weight,bias}``           ``feature_extractor.conv_layers.0.layer_norm.{weight,bias}`` (``extractor_mode=default``: the GroupNorm of w2v-base)
``layer_norm.{weight,bias}``                                  ``feature_projection.layer_norm.{weight,bias}``
``post_extract_proj.{weight,bias}``                           ``feature_projection.projection.{weight,bias}``
``mask_emb``                                                  ``masked_spec_embed``
``encoder.pos_conv.0.bias``                                   ``encoder.pos_conv_embed.conv.bias``
``encoder.pos_conv.0.weight_g`` / ``weight_v``                ``encoder.pos_conv_embed.conv.parametrizations.weight.original0`` / ``original1`` (or ``weight_g`` / ``weight_v``, whichever the installed transformers uses)
``encoder.layer_norm.{weight,bias}``                          ``encoder.layer_norm.{weight,bias}``
``encoder.layers.{i}.self_attn.{q,k,v,out}_proj.*``           ``encoder.layers.{i}.attention.{q,k,v,out}_proj.*``
``encoder.layers.{i}.self_attn_layer_norm.*``                 ``encoder.layers.{i}.layer_norm.*``
``encoder.layers.{i}.fc1.*``                                  ``encoder.layers.{i}.feed_forward.intermediate_dense.*``
``encoder.layers.{i}.fc2.*``                                  ``encoder.layers.{i}.feed_forward.output_dense.*``
``encoder.layers.{i}.final_layer_norm.*``                     ``encoder.layers.{i}.final_layer_norm.*``
============================================================  ===============================================================

Dropped on purpose (:data:`PRETRAINING_ONLY`), because the ``features_only=True`` path the
countermeasures use never reads them: ``quantizer.*``, ``project_q.*``, ``final_proj.*``,
``project_inp.*``, ``target_glu.*`` (wav2vec 2.0's contrastive-loss head) and
``label_embs_concat`` (HuBERT's cluster embeddings). Any other name is an error, and so is
any transformers parameter left without a value: loading is strict in both directions.

Not covered: WavLM checkpoints in the unilm/fairseq format (relative-position attention with
gated biases has other names) and fairseq models whose convolution width equals the
transformer width (they have no ``post_extract_proj``); load those from a transformers folder.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from .._checkpoints import strip_data_parallel  # noqa: F401  (here too: the checkpoints of the SSL detectors)

#: (fairseq pattern, transformers replacement), tried in order; the first match wins.
FAIRSEQ_TO_HF: tuple[tuple[str, str], ...] = (
    (r"feature_extractor\.conv_layers\.(\d+)\.0\.(weight|bias)", r"feature_extractor.conv_layers.\1.conv.\2"),
    (r"feature_extractor\.conv_layers\.(\d+)\.2\.1\.(weight|bias)", r"feature_extractor.conv_layers.\1.layer_norm.\2"),
    (r"feature_extractor\.conv_layers\.0\.2\.(weight|bias)", r"feature_extractor.conv_layers.0.layer_norm.\1"),
    (r"layer_norm\.(weight|bias)", r"feature_projection.layer_norm.\1"),
    (r"post_extract_proj\.(weight|bias)", r"feature_projection.projection.\1"),
    (r"mask_emb", r"masked_spec_embed"),
    (r"encoder\.pos_conv\.0\.bias", r"encoder.pos_conv_embed.conv.bias"),
    (r"encoder\.pos_conv\.0\.weight_g", r"encoder.pos_conv_embed.conv.weight_g"),
    (r"encoder\.pos_conv\.0\.weight_v", r"encoder.pos_conv_embed.conv.weight_v"),
    (r"encoder\.layer_norm\.(weight|bias)", r"encoder.layer_norm.\1"),
    (r"encoder\.layers\.(\d+)\.self_attn\.(q|k|v|out)_proj\.(weight|bias)", r"encoder.layers.\1.attention.\2_proj.\3"),
    (r"encoder\.layers\.(\d+)\.self_attn_layer_norm\.(weight|bias)", r"encoder.layers.\1.layer_norm.\2"),
    (r"encoder\.layers\.(\d+)\.fc1\.(weight|bias)", r"encoder.layers.\1.feed_forward.intermediate_dense.\2"),
    (r"encoder\.layers\.(\d+)\.fc2\.(weight|bias)", r"encoder.layers.\1.feed_forward.output_dense.\2"),
    (r"encoder\.layers\.(\d+)\.final_layer_norm\.(weight|bias)", r"encoder.layers.\1.final_layer_norm.\2"),
)
_COMPILED = tuple((re.compile(p), r) for p, r in FAIRSEQ_TO_HF)

#: fairseq names that belong to the self-supervised training objective only.
PRETRAINING_ONLY: tuple[str, ...] = (r"quantizer\.", r"project_q\.", r"final_proj\.", r"project_inp\.",
                                     r"target_glu\.", r"label_embs_concat$")
_DROP = re.compile("^(?:" + "|".join(PRETRAINING_ONLY) + ")")

_WEIGHT_NORM = ((".weight_g", ".parametrizations.weight.original0"),
                (".weight_v", ".parametrizations.weight.original1"))


class KeyMapError(ValueError):
    """A fairseq state_dict that does not fit the map or the target model."""


def hf_name(fairseq_name: str) -> str | None:
    """The transformers name of one fairseq front-end parameter; None for a
    :data:`PRETRAINING_ONLY` name. Raises :class:`KeyMapError` for a name the map does not know."""
    if _DROP.match(fairseq_name):
        return None
    for pattern, repl in _COMPILED:
        if pattern.fullmatch(fairseq_name):
            return pattern.sub(repl, fairseq_name)
    raise KeyMapError(f"no transformers name for the fairseq parameter {fairseq_name!r}")


def fairseq_to_hf(state: Mapping[str, Any], target_keys: Iterable[str] | None = None) -> dict[str, Any]:
    """Rename a fairseq wav2vec 2.0 / HuBERT state_dict (prefix already removed) to
    transformers names. With ``target_keys`` (the model's own ``state_dict()`` keys) the
    weight-norm names follow the model, and the result must cover exactly those keys."""
    out: dict[str, Any] = {}
    unknown = []
    for key, value in state.items():
        try:
            name = hf_name(key)
        except KeyMapError:
            unknown.append(key)
            continue
        if name is not None:
            out[name] = value
    if unknown:
        raise KeyMapError(f"{len(unknown)} fairseq parameter(s) the key map does not know, e.g. {unknown[:3]}")
    if target_keys is None:
        return out
    target = set(target_keys)
    for key in list(out):
        for old, new in _WEIGHT_NORM:
            if key.endswith(old) and key not in target and key[: -len(old)] + new in target:
                out[key[: -len(old)] + new] = out.pop(key)
    missing = sorted(target - set(out))
    extra = sorted(set(out) - target)
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"{len(missing)} transformers parameter(s) without a value, e.g. {missing[:3]}")
        if extra:
            parts.append(f"{len(extra)} mapped name(s) the model does not have, e.g. {extra[:3]}")
        raise KeyMapError("; ".join(parts))
    return out


def strip_prefix(state: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """The entries under ``prefix`` with it removed."""
    return {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}


def split_checkpoint(state: Mapping[str, Any], frontend_prefix: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(front-end entries with ``frontend_prefix`` removed, everything else)."""
    front = {k[len(frontend_prefix):]: v for k, v in state.items() if k.startswith(frontend_prefix)}
    back = {k: v for k, v in state.items() if not k.startswith(frontend_prefix)}
    return front, back
