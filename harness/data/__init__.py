"""Corpus data: clips and labels, split protocols, protocol tables and CSV manifests.

* :mod:`~fakebench.data.clips`: the :class:`Clip` record and the one label convention;
* :mod:`~fakebench.data.clip_list`: :class:`ClipList`, clips stored by column (large corpora);
* :mod:`~fakebench.data.splits`: split protocols for corpora without official splits;
* :mod:`~fakebench.data.protocol_tables`: streaming parsers and the cached index of
  protocol files (ASVspoof, In-the-Wild...);
* :mod:`~fakebench.data.manifest_csv`: CSV manifests (``path,label,...``);
* :mod:`~fakebench.data.files`: finding audio files in corpus folders.
"""

from .clips import FAKE, REAL, SPLITS, Clip, label_name, parse_label

__all__ = ["FAKE", "REAL", "SPLITS", "Clip", "label_name", "parse_label"]
