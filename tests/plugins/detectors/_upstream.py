"""The authors' reference code, copied at test time from a local snapshot of their
public repository, and random state_dicts with a checkpoint's exact keys and shapes.

Only code whose license allows it (MIT, BSD-3-Clause) is run, from a temporary copy
made for the test; nothing of it is stored in this repository. A snapshot is looked for
in ``$FAKEBENCH_REFERENCE_CODE`` (default: ``.mirror`` beside the checkout; the variable the
SSL tests use too), as a git directory ``<owner>+<name>/repo`` or ``<owner>+<name>/``, or a
plain checkout ``<owner>+<name>/``. Without
one the tests that run the authors' code are skipped; the tests against values
computed once from it (with the commit recorded) still run.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tarfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[3]
UPSTREAM = Path(os.environ.get("FAKEBENCH_REFERENCE_CODE", REPO.parent / ".mirror")).expanduser()

#: Commits the recorded reference values were computed at.
COMMITS = {
    "asvspoof-challenge/2021": "9b33f5e",
    "nii-yamagishilab/project-NN-Pytorch-scripts": "112ec0f",
    "TakHemlata/RawBoost-antispoofing": "4f161a8",
    "clovaai/aasist": "a04c986",
}


def _snapshot(repo: str) -> tuple[str, Path] | None:
    base = UPSTREAM / repo.replace("/", "+")
    for git in (base / "repo", base):
        if (git / "HEAD").is_file() and (git / "objects").is_dir():
            return "git", git
    if (base / ".git").exists():
        return "checkout", base
    return None


def upstream_copy(repo: str, paths: list[str], dest: Path) -> Path:
    """Copy ``paths`` (files or folders) of ``repo`` ("owner/name") into ``dest``, keeping
    their relative layout; skip the test when no snapshot is available."""
    found = _snapshot(repo)
    if found is None:
        pytest.skip(f"no local snapshot of {repo} under {UPSTREAM} (set FAKEBENCH_REFERENCE_CODE)")
    kind, where = found
    dest.mkdir(parents=True, exist_ok=True)
    if kind == "checkout":
        for p in paths:
            src = where / p
            (dest / p).parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(src, dest / p, dirs_exist_ok=True)
            else:
                shutil.copy2(src, dest / p)
        return dest
    if shutil.which("git") is None:
        pytest.skip("git is needed to read the upstream snapshot")
    out = subprocess.run(["git", "--git-dir", str(where), "archive", "--format=tar", "HEAD", *paths],
                         capture_output=True, check=False)
    if out.returncode != 0:
        pytest.skip(f"{repo} snapshot lacks {paths}: {out.stderr.decode(errors='replace').strip()[:200]}")
    with tarfile.open(fileobj=io.BytesIO(out.stdout)) as tar:
        tar.extractall(dest, filter="data")
    return dest


@contextmanager
def importable(folder: Path, *prefixes: str):
    """Put ``folder`` first on ``sys.path`` and forget modules named ``prefixes`` before and
    after, so two copies of the authors' code never mix."""
    def forget():
        for name in list(sys.modules):
            if any(name == p or name.startswith(p + ".") for p in prefixes):
                del sys.modules[name]

    forget()
    sys.path.insert(0, str(folder))
    try:
        yield
    finally:
        sys.path.remove(str(folder))
        forget()


def random_state_dict(shapes: dict[str, tuple], seed: int = 0, positive: tuple[str, ...] = ()) -> dict:
    """A state_dict with these keys and shapes and seeded random values: weights
    N(0, 1/fan_in), biases and running means N(0, 0.1^2), BN scales and running variances
    U(0.5, 1.5), ``num_batches_tracked`` an int64 scalar; keys ending in one of
    ``positive`` get U(0, 1). Drawn with NumPy, so the values are the same everywhere."""
    import torch

    rng = np.random.default_rng(seed)
    out = {}
    for key in sorted(shapes):
        shape = tuple(shapes[key])
        leaf = key.rsplit(".", 1)[-1]
        if leaf == "num_batches_tracked":
            out[key] = torch.tensor(int(rng.integers(1, 1000)), dtype=torch.int64)
            continue
        if any(key.endswith(p) for p in positive):
            v = rng.uniform(0.0, 1.0, shape)
        elif leaf == "running_var" or (leaf == "weight" and len(shape) == 1):
            v = rng.uniform(0.5, 1.5, shape)
        elif leaf in ("running_mean",) or leaf.startswith("bias") or len(shape) <= 1:
            v = rng.normal(0.0, 0.1, shape)
        else:
            fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 1
            v = rng.normal(0.0, 1.0 / np.sqrt(fan_in), shape)
        out[key] = torch.as_tensor(v, dtype=torch.float32)
    return out


def probe_signal(n: int, seed: int = 0, batch: int = 2) -> np.ndarray:
    """``batch`` waveforms of ``n`` samples: two tones and a little noise, in [-1, 1]."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / 16000.0
    rows = [0.3 * np.sin(2 * np.pi * (200 + 300 * i) * t) + 0.2 * np.sin(2 * np.pi * 3100 * t + i)
            + 0.05 * rng.standard_normal(n) for i in range(batch)]
    return np.stack(rows).astype(np.float32)
