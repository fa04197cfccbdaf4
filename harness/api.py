"""Everything a plugin needs, in one import: ``from fakebench.api import ...``.

Built-in plugins import fakebench only through this module, so a third-party plugin can
do everything a built-in one does. Importing it is cheap: each name is resolved on first
use (PEP 562), and nothing here imports torch until a name that needs it is used, so
``fakebench list`` and ``fakebench leaderboard`` stay fast.

What is here, by job:

* **contracts** (the base class of each plugin kind): :class:`Dataset`,
  :class:`ManifestDataset`, :class:`Embedder`, :class:`Detector`, :class:`Metric`,
  :class:`Condition`; :data:`hookimpl` marks hook implementations; parameter types and
  ranges for ``param_specs``: :class:`Param`, :func:`Int`, :func:`Float`, :func:`OneOf`,
  :func:`ListOf`, :func:`Bool`, :func:`Text`, :func:`Choice`, :func:`FilePath`,
  :func:`Names`, :func:`Settings`, :func:`Seed`, :func:`Device`;
* **clips and splits**: :class:`Clip`, :data:`FAKE`, :data:`REAL`, :data:`SPLITS`,
  :class:`ClipList` and :class:`PathColumn` (clips stored by column, for large corpora),
  :func:`clip_ids`, :func:`clip_labels`, :func:`clip_path_strings`, :func:`clip_paths`,
  :func:`clip_column`, :func:`parse_label`, :func:`random_split`, :func:`unseen_systems_split`,
  :func:`group_split`, :func:`fixed_split`, :func:`with_split`, :func:`apply_protocol`;
* **protocol files** (streamed, cached as an index): :class:`Table`, :func:`iter_lines`,
  :func:`iter_csv`, :func:`build_table` (with a :class:`Layout`: split by NumPy), :func:`cached_table`, :func:`keep_present`,
  :func:`list_names`, :func:`child_paths`, :func:`read_manifest`, :data:`SPLIT_NAMES`,
  :func:`audio_files`, :func:`subdirs`, :data:`AUDIO_SUFFIXES`;
* **user files**: :func:`open_text` / :func:`decode_text` (UTF-8 or BOM-marked UTF-16/32,
  else one error naming file and byte), :func:`check_header` (an audio file's header
  against its size), :func:`audio_suffixes`, :func:`check_disjoint` (no file in two
  splits), :func:`degenerate_scores`;
* **downloads**: :func:`download`, :func:`extract_archive`, :func:`fetch_file`,
  :func:`fetch_and_extract`, :func:`fetch_zenodo`, :func:`is_done`, :func:`mark_done`,
  :func:`file_digest`;
* **weights**: :class:`WeightsFile`, :func:`resolve_weights`, :func:`load_checkpoint`,
  :func:`load_into`, :func:`is_random`, :func:`seeded`, :func:`weights_fingerprint`, :func:`weights_digests`,
  :func:`hf_model_dir`, :func:`load_hf_state`, :func:`hf_hub_cache`,
  :func:`rename_weight_norm`, :func:`weights_cache_candidates`, :func:`offline`;
* **preflight** (what a plugin needs, declared without loading it: ``requirements()``):
  :class:`Requirement`, :func:`weights_requirement`, :func:`hf_requirement`,
  :func:`package_requirement`, :func:`asr_requirement`, :func:`probe_url`; and
  :func:`progress` (a progress bar that suits a terminal or a log);
* **audio**: :func:`read_audio`, :func:`load_audio`, :func:`resample`, :func:`to_mono`,
  :class:`LengthPolicy`; detector inputs :class:`Inputs` and :class:`AudioSource`;
* **training**: :class:`EmbeddingHead`, :func:`train_binary`, :func:`train_batches`,
  :func:`predict_logits`, :func:`make_augment` (RawBoost...), :func:`finetune`,
  :class:`FinetuneConfig`, :func:`average_states` (fine-tuning audio detectors),
  :func:`transcripts_for`,
  :data:`ASR_DEFAULTS`;
* **metric functions** (tensors in, float out): :mod:`metrics` and each of
  :func:`eer`, :func:`accuracy`, :func:`balanced_accuracy`, :func:`precision`,
  :func:`recall`, :func:`f1`, :func:`roc_auc`, :func:`bce`, :func:`min_tdcf`,
  :func:`min_dcf`, :func:`act_dcf`, :func:`abx`;
* **paths**: :func:`data_root`, :func:`weights_root`;
* **errors**: :class:`FakebenchError` and its kinds.
"""

from __future__ import annotations

import importlib
from typing import Any

#: public name -> (module, attribute); the module is imported on first use.
_EXPORTS: dict[str, tuple[str, str]] = {
    # contracts
    "hookimpl": ("fakebench.hookspecs", "hookimpl"),
    "Dataset": ("fakebench.contracts.dataset", "Dataset"),
    "ManifestDataset": ("fakebench.contracts.dataset", "ManifestDataset"),
    "Embedder": ("fakebench.contracts.embedder", "Embedder"),
    "Detector": ("fakebench.contracts.detector", "Detector"),
    "threshold_at_val_eer": ("fakebench.contracts.detector", "threshold_at_val_eer"),
    "Metric": ("fakebench.contracts.metric", "Metric"),
    "SASV_EXAMPLE_CONTEXT": ("fakebench.contracts.metric", "SASV_EXAMPLE_CONTEXT"),
    "Condition": ("fakebench.contracts.condition", "Condition"),
    "Param": ("fakebench.params", "Param"),
    "Int": ("fakebench.params", "Int"),
    "Float": ("fakebench.params", "Float"),
    "OneOf": ("fakebench.params", "OneOf"),
    "ListOf": ("fakebench.params", "ListOf"),
    "Bool": ("fakebench.params", "Bool"),
    "Text": ("fakebench.params", "Text"),
    "Choice": ("fakebench.params", "Choice"),
    "FilePath": ("fakebench.params", "FilePath"),
    "Names": ("fakebench.params", "Names"),
    "Settings": ("fakebench.params", "Settings"),
    "Seed": ("fakebench.params", "Seed"),
    "Device": ("fakebench.params", "Device"),
    "Inputs": ("fakebench.inputs", "Inputs"),
    "AudioSource": ("fakebench.inputs", "AudioSource"),
    # clips and splits
    "Clip": ("fakebench.data.clips", "Clip"),
    "FAKE": ("fakebench.data.clips", "FAKE"),
    "REAL": ("fakebench.data.clips", "REAL"),
    "SPLITS": ("fakebench.data.clips", "SPLITS"),
    "parse_label": ("fakebench.data.clips", "parse_label"),
    "label_name": ("fakebench.data.clips", "label_name"),
    "ClipList": ("fakebench.data.clip_list", "ClipList"),
    "PathColumn": ("fakebench.data.clip_list", "PathColumn"),
    "clip_ids": ("fakebench.data.clip_list", "clip_ids"),
    "clip_labels": ("fakebench.data.clip_list", "clip_labels"),
    "clip_path_strings": ("fakebench.data.clip_list", "clip_path_strings"),
    "clip_paths": ("fakebench.data.clip_list", "clip_paths"),
    "clip_column": ("fakebench.data.clip_list", "clip_column"),
    "random_split": ("fakebench.data.splits", "random_split"),
    "unseen_systems_split": ("fakebench.data.splits", "unseen_systems_split"),
    "group_split": ("fakebench.data.splits", "group_split"),
    "fixed_split": ("fakebench.data.splits", "fixed_split"),
    "with_split": ("fakebench.data.splits", "with_split"),
    "apply_protocol": ("fakebench.data.splits", "apply_protocol"),
    # protocol files, manifests, folders
    "Table": ("fakebench.data.protocol_tables", "Table"),
    "iter_lines": ("fakebench.data.protocol_tables", "iter_lines"),
    "iter_csv": ("fakebench.data.protocol_tables", "iter_csv"),
    "build_table": ("fakebench.data.protocol_tables", "build_table"),
    "cached_table": ("fakebench.data.protocol_tables", "cached_table"),
    "keep_present": ("fakebench.data.protocol_tables", "keep_present"),
    "list_names": ("fakebench.data.protocol_tables", "list_names"),
    "child_paths": ("fakebench.data.protocol_tables", "child_paths"),
    "Layout": ("fakebench.data.token_columns", "Layout"),
    "index_root": ("fakebench.data.protocol_tables", "index_root"),
    "read_manifest": ("fakebench.data.manifest_csv", "read_manifest"),
    "SPLIT_NAMES": ("fakebench.data.manifest_csv", "SPLIT_NAMES"),
    "audio_files": ("fakebench.data.files", "audio_files"),
    "subdirs": ("fakebench.data.files", "subdirs"),
    "AUDIO_SUFFIXES": ("fakebench.data.files", "AUDIO_SUFFIXES"),
    # downloads and hashing
    "download": ("fakebench.downloads", "download"),
    "extract_archive": ("fakebench.downloads", "extract_archive"),
    "fetch_file": ("fakebench.downloads", "fetch_file"),
    "fetch_and_extract": ("fakebench.downloads", "fetch_and_extract"),
    "fetch_zenodo": ("fakebench.downloads", "fetch_zenodo"),
    "zenodo_files": ("fakebench.downloads", "zenodo_files"),
    "is_done": ("fakebench.downloads", "is_done"),
    "mark_done": ("fakebench.downloads", "mark_done"),
    "file_digest": ("fakebench.hashing", "file_digest"),
    "open_text": ("fakebench.textfiles", "open_text"),
    "decode_text": ("fakebench.textfiles", "decode_text"),
    "check_disjoint": ("fakebench.data.splits", "check_disjoint"),
    "degenerate_scores": ("fakebench.training", "degenerate_scores"),
    "audio_suffixes": ("fakebench.data.files", "audio_suffixes"),
    "check_header": ("fakebench.audio", "check_header"),
    # weights
    "WeightsFile": ("fakebench.weights", "WeightsFile"),
    "resolve_weights": ("fakebench.weights", "resolve"),
    "load_checkpoint": ("fakebench.weights", "load_checkpoint"),
    "load_into": ("fakebench.weights", "load_into"),
    "is_random": ("fakebench.weights", "is_random"),
    "seeded": ("fakebench.weights", "seeded"),
    "weights_fingerprint": ("fakebench.weights", "fingerprint"),
    "weights_digests": ("fakebench.weights", "file_digests"),
    "hf_model_dir": ("fakebench.weights", "hf_model_dir"),
    "load_hf_state": ("fakebench.weights", "load_hf_state"),
    "hf_hub_cache": ("fakebench.weights", "hf_hub_cache"),
    "rename_weight_norm": ("fakebench.weights", "rename_weight_norm"),
    "weights_cache_candidates": ("fakebench.weights", "cache_candidates"),
    "offline": ("fakebench.weights", "offline"),
    # preflight: what a plugin needs, declared without loading anything
    "Requirement": ("fakebench.requirements", "Requirement"),
    "weights_requirement": ("fakebench.requirements", "weights_requirement"),
    "hf_requirement": ("fakebench.requirements", "hf_requirement"),
    "package_requirement": ("fakebench.requirements", "package_requirement"),
    "asr_requirement": ("fakebench.requirements", "asr_requirement"),
    "probe_url": ("fakebench.requirements", "probe_url"),
    "progress": ("fakebench.progress", "progress"),
    # audio
    "read_audio": ("fakebench.audio", "read_audio"),
    "load_audio": ("fakebench.audio", "load_audio"),
    "resample": ("fakebench.audio", "resample"),
    "to_mono": ("fakebench.audio", "to_mono"),
    "LengthPolicy": ("fakebench.audio", "LengthPolicy"),
    # training
    "EmbeddingHead": ("fakebench.heads", "EmbeddingHead"),
    "train_binary": ("fakebench.training", "train_binary"),
    "train_batches": ("fakebench.training", "train_batches"),
    "predict_logits": ("fakebench.training", "predict_logits"),
    "make_augment": ("fakebench.augment", "make_augment"),
    "finetune": ("fakebench.finetune", "finetune"),
    "FinetuneConfig": ("fakebench.finetune", "FinetuneConfig"),
    "average_states": ("fakebench.finetune", "average_states"),
    "transcripts_for": ("fakebench.transcripts", "transcripts_for"),
    "ASR_DEFAULTS": ("fakebench.transcripts", "DEFAULTS"),
    # metric functions
    "eer": ("fakebench.metrics", "eer"),
    "accuracy": ("fakebench.metrics", "accuracy"),
    "balanced_accuracy": ("fakebench.metrics", "balanced_accuracy"),
    "precision": ("fakebench.metrics", "precision"),
    "recall": ("fakebench.metrics", "recall"),
    "f1": ("fakebench.metrics", "f1"),
    "roc_auc": ("fakebench.metrics", "roc_auc"),
    "bce": ("fakebench.metrics", "bce"),
    "min_tdcf": ("fakebench.metrics", "min_tdcf"),
    "min_dcf": ("fakebench.metrics", "min_dcf"),
    "act_dcf": ("fakebench.metrics", "act_dcf"),
    "ASVSPOOF5_DCF": ("fakebench.metrics", "ASVSPOOF5_DCF"),
    "abx": ("fakebench.metrics", "abx"),
    # paths
    "data_root": ("fakebench.paths", "data_root"),
    "weights_root": ("fakebench.paths", "weights_root"),
    # errors
    "FakebenchError": ("fakebench.errors", "FakebenchError"),
    "DatasetError": ("fakebench.errors", "DatasetError"),
    "AudioError": ("fakebench.errors", "AudioError"),
    "ConfigError": ("fakebench.errors", "ConfigError"),
    "MetricError": ("fakebench.errors", "MetricError"),
    "WeightsError": ("fakebench.errors", "WeightsError"),
}
#: submodules reachable as ``fakebench.api.<name>``
_MODULES = {"metrics": "fakebench.metrics"}

__all__ = sorted([*_EXPORTS, *_MODULES])


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        value: Any = importlib.import_module(_MODULES[name])
    elif name in _EXPORTS:
        module, attr = _EXPORTS[name]
        value = getattr(importlib.import_module(module), attr)
    else:
        raise AttributeError(f"module 'fakebench.api' has no attribute {name!r}")
    globals()[name] = value  # resolve once
    return value


def __dir__() -> list[str]:
    return __all__

