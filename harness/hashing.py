"""Hashing files: the one place fakebench reads a file to digest it.

:func:`file_digest` streams a file once in 1 MiB chunks (bounded memory) and returns the
hex digest of every algorithm asked for. Downloads check ``sha256`` (and the ``md5``
that Zenodo and the ASVspoof organisers publish); the embedding cache keys audio by
:func:`content_hash` (a sha256 prefix); weights are fingerprinted by sha256.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

CHUNK = 1 << 20
#: Length of a content key (hex characters of the sha256).
CONTENT_KEY_LENGTH = 32


def file_digests(path: str | Path, algorithms: tuple[str, ...] = ("sha256",)) -> dict[str, str]:
    """``{algorithm: hex digest}`` of the file at ``path``, computed in one pass."""
    hashes = {a: hashlib.new(a, usedforsecurity=False) if a == "md5" else hashlib.new(a) for a in algorithms}
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            for h in hashes.values():
                h.update(chunk)
    return {a: h.hexdigest() for a, h in hashes.items()}


def file_digest(path: str | Path, algorithm: str = "sha256") -> str:
    """The hex digest of one algorithm (``sha256``, ``md5``...) of the file at ``path``."""
    return file_digests(path, (algorithm,))[algorithm]


def content_hash(data: bytes) -> str:
    """The content key of bytes already in memory (equal to :func:`content_hash_file` of them)."""
    return hashlib.sha256(data).hexdigest()[:CONTENT_KEY_LENGTH]


def content_hash_file(path: str | Path) -> str:
    """The content key of a file: the first 32 hex characters of its sha256."""
    return file_digest(path)[:CONTENT_KEY_LENGTH]
