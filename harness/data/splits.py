"""Split protocols: how a corpus without official splits becomes train / val / eval.

* :func:`random_split`: seeded, stratified by label and class (the 70/10/20 of Ouajdi et al.);
* :func:`unseen_systems_split`: whole generators held out of training;
* :func:`group_split`: each group (a speaker) in exactly one split;
* :func:`fixed_split`: one unstratified split shared by every seed, with scikit-learn's
  exact ``train_test_split`` indices (Ouajdi et al.'s ``DataSplitLoader``, seed 42);
* :func:`apply_protocol`: the protocol named by a manifest-style dataset (``given``,
  ``random``, ``unseen-systems``, ``fixed``);
* :func:`check_disjoint`: which files sit in two splits (same normalised path, same
  file through a link, optionally same bytes);
* :func:`check_split`: a split is not empty (and holds both labels where a detector trains);
* :func:`unique_clips`: clips without repeats of the same audio file.

Every function is deterministic for a given seed and clip list, and returns
``{"train": [...], "val": [...], "eval": [...]}`` with each clip's ``split`` set.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ..errors import DatasetError
from .clips import FAKE, REAL, SPLITS, Clip


def random_split(
    clips: Sequence[Clip],
    fractions: Sequence[float] = (0.7, 0.1, 0.2),
    *,
    seed: int = 0,
    stratify: Callable[[Clip], Any] | None = lambda c: (c.label, c.cls),
) -> dict[str, list[Clip]]:
    """Random train/val/eval split, stratified by ``stratify(clip)`` (label and class).

    Deterministic for a given seed and clip order. The paper's protocol is 70/10/20.
    """
    if len(fractions) != 3 or abs(sum(fractions) - 1) > 1e-6 or min(fractions) < 0:
        raise DatasetError(f"split fractions {tuple(fractions)} must be three numbers summing to 1")
    groups: dict[Any, list[Clip]] = defaultdict(list)
    for c in sorted(clips, key=lambda c: c.id):
        groups[stratify(c) if stratify else None].append(c)
    rng = random.Random(seed)
    out: dict[str, list[Clip]] = {s: [] for s in SPLITS}
    # Cumulative rounding: the split sizes are exact over the whole set, and each stratum
    # gets as close to the fractions as whole clips allow.
    total, done = 0, [0, 0, 0]
    for key in sorted(groups, key=repr):
        members = groups[key]
        rng.shuffle(members)
        total += len(members)
        val_t, eval_t = round(total * fractions[1]), round(total * fractions[2])
        target = [total - val_t - eval_t, val_t, eval_t]
        counts = [t - d for t, d in zip(target, done)]
        while min(counts) < 0:  # rounding can owe a clip; take it from the largest share
            counts[counts.index(min(counts))] += 1
            counts[counts.index(max(counts))] -= 1
        done = [d + c for d, c in zip(done, counts)]
        a, b = counts[0], counts[0] + counts[1]
        for split, part in zip(SPLITS, (members[:a], members[a:b], members[b:])):
            out[split].extend(part)
    return {s: [with_split(c, s) for c in out[s]] for s in SPLITS}


def unseen_systems_split(
    clips: Sequence[Clip],
    *,
    seed: int = 0,
    held_out: Iterable[str] | None = None,
    eval_fraction: float = 0.3,
    val_fraction: float = 0.1,
) -> dict[str, list[Clip]]:
    """Hold whole generators out of training: their fakes appear only in eval.

    ``held_out`` names the systems to hold out; by default a seeded random ~30% of them.
    Real clips are split at random (70/10/20, stratified by class); every fake of a
    held-out system is in eval, and train/val hold only the other systems.
    """
    systems = sorted({c.system for c in clips if c.label == FAKE and c.system})
    if len(systems) < 2:
        raise DatasetError(
            "the unseen-systems protocol needs fakes from at least two systems",
            hint="use the random protocol for this dataset",
        )
    if held_out is None:
        rng = random.Random(seed)
        k = max(1, round(len(systems) * eval_fraction))
        k = min(k, len(systems) - 1)
        held = set(rng.sample(systems, k))
    else:
        held = set(held_out)
        unknown = held - set(systems)
        if unknown:
            raise DatasetError(
                f"held-out system(s) {sorted(unknown)} are not in the dataset",
                hint=f"systems present: {', '.join(systems)}",
            )
    real = [c for c in clips if c.label == REAL]
    seen = [c for c in clips if c.label == FAKE and c.system not in held]
    unseen = [c for c in clips if c.label == FAKE and c.system in held]
    r = random_split(real, (0.7, 0.1, 0.2), seed=seed)
    frac_train = 1 - val_fraction
    s = random_split(seen, (frac_train, val_fraction, 0.0), seed=seed)
    out = {
        "train": r["train"] + s["train"] + s["eval"],
        "val": r["val"] + s["val"],
        "eval": r["eval"] + [with_split(c, "eval") for c in unseen],
    }
    return {k: [with_split(c, k) for c in v] for k, v in out.items()}


def with_split(c: Clip, split: str) -> Clip:
    """``c`` with its ``split`` set (a copy; clips are shared between protocols)."""
    if c.split == split:
        return c
    return Clip(c.id, c.path, c.label, split, c.cls, c.system, c.speaker, c.transcript,
                c.duration, dict(c.attrs))


def summarize(splits: dict[str, list[Clip]], attrs: Sequence[str] = ("class", "system")) -> dict:
    """Counts per split and label, and per attribute value; total duration when known."""
    from .clip_list import clip_column, clip_labels

    out: dict[str, Any] = {}
    for split, clips in splits.items():  # by column: a ClipList builds no Clip object here
        fake = int((clip_labels(clips) == FAKE).sum())
        entry: dict[str, Any] = {"n": len(clips), "real": len(clips) - fake, "fake": fake}
        durations = [d for d in clip_column(clips, "duration") if d is not None]
        if durations and len(durations) == len(clips):
            entry["hours"] = round(sum(durations) / 3600, 4)
        for a in attrs:
            values = Counter(str(v) for v in clip_column(clips, a) if v is not None)
            if values:
                entry[a] = dict(sorted(values.items()))
        out[split] = entry
    return out


def group_split(clips: Sequence[Clip], group: Callable[[Clip], Any], *, seed: int = 0,
                fractions: Sequence[float] = (0.7, 0.1, 0.2)) -> dict[str, list[Clip]]:
    """Split so that each group (e.g. a speaker) falls in exactly one split.

    Groups are shuffled with ``seed`` and dealt to train until it holds ``fractions[0]``
    of the clips, then to val until train+val hold ``fractions[0] + fractions[1]``, then
    to eval. Each split gets at least one group.
    """
    groups: dict[Any, list[Clip]] = defaultdict(list)
    for c in sorted(clips, key=lambda c: c.id):
        groups[group(c)].append(c)
    if len(groups) < 3:
        raise DatasetError(f"a group-disjoint split needs at least 3 groups, found {len(groups)}",
                           hint="use the random protocol")
    keys = sorted(groups, key=repr)
    random.Random(seed).shuffle(keys)
    total = len(clips)
    assigned: dict[str, list[Any]] = {s: [] for s in SPLITS}
    done = 0
    for key in keys:
        if done < fractions[0] * total:
            split = "train"
        elif done < (fractions[0] + fractions[1]) * total:
            split = "val"
        else:
            split = "eval"
        assigned[split].append(key)
        done += len(groups[key])
    for split in ("eval", "val"):  # a split left empty takes the last group of the largest one
        if not assigned[split]:
            donor = max(SPLITS, key=lambda s: len(assigned[s]))
            assigned[split].append(assigned[donor].pop())
    return {s: [with_split(c, s) for key in assigned[s] for c in groups[key]] for s in SPLITS}


def apply_protocol(clips: Sequence[Clip], protocol: str, seed: int, dataset: str,
                   held_out: str | Iterable[str] | None = None) -> dict[str, list[Clip]]:
    """Apply a manifest-style protocol: ``given`` (the clips' own ``split``), ``random``,
    ``unseen-systems``, ``fixed`` (:func:`fixed_split` of the clips in their listed order,
    the same for every seed) or ``auto`` (``given`` when every clip has a split, else
    ``random``)."""
    has_split = any(c.split for c in clips)
    if protocol == "auto":
        protocol = "given" if has_split else "random"
    if protocol == "given":
        if not has_split:
            raise DatasetError(f"{dataset}: protocol 'given' needs a split column in the manifest",
                               hint="use --protocol random")
        missing = [c.id for c in clips if not c.split]
        if missing:
            raise DatasetError(f"{dataset}: {len(missing)} clip(s) have no split, e.g. {missing[0]!r}")
        out = {"train": [], "val": [], "eval": []}
        for c in clips:
            out[c.split].append(c)
        return out
    if protocol == "random":
        return random_split(clips, seed=seed)
    if protocol == "fixed":
        return fixed_split(clips)
    if protocol == "unseen-systems":
        if isinstance(held_out, str):
            held_out = [h.strip() for h in held_out.split(",") if h.strip()]
        return unseen_systems_split(clips, seed=seed, held_out=held_out)
    raise DatasetError(f"{dataset}: unknown protocol {protocol!r}")


# -- the fixed split of Ouajdi et al. ------------------------------------------------------


def sklearn_shuffle_split(n: int, test_size: float, random_state: int) -> tuple[list[int], list[int]]:
    """The (train, test) positions scikit-learn's ``train_test_split(range(n),
    test_size=test_size, random_state=random_state)`` returns (``shuffle=True``, no
    stratification), without importing scikit-learn.

    Its rule: ``n_test = ceil(test_size * n)``, ``n_train = n - n_test``; one permutation
    of ``range(n)`` from ``numpy.random.RandomState(random_state)`` (the legacy generator,
    whose stream numpy keeps frozen); test = its first ``n_test`` entries, train = the
    next ``n_train``, both in permutation order.
    """
    import math

    import numpy as np

    if not 0.0 < float(test_size) < 1.0:
        raise DatasetError(f"test_size {test_size!r} must be a fraction between 0 and 1")
    n_test = math.ceil(float(test_size) * n)
    n_train = n - n_test
    if n_train <= 0 or n_test <= 0:
        raise DatasetError(f"a {test_size:g} split of {n} clip(s) leaves a part empty",
                           hint="the fixed protocol needs more clips")
    perm = np.random.RandomState(int(random_state)).permutation(n)
    return [int(i) for i in perm[n_test:n_test + n_train]], [int(i) for i in perm[:n_test]]


def fixed_split(
    clips: Sequence[Clip],
    *,
    train_size: float = 0.7,
    val_size: float = 0.1,
    eval_size: float = 0.2,
    random_state: int = 42,
) -> dict[str, list[Clip]]:
    """Ouajdi et al.'s split (``deepfakeClassifiers/data_loader.py``, ``DataSplitLoader``):
    one unstratified split, the same for every run, reproducing scikit-learn's indices.

    1. ``train_test_split(clips, test_size=val_size, random_state=42)``: the test part is
       ``val``, the rest goes on;
    2. ``train_test_split(rest, test_size=eval_size / (train_size + eval_size),
       random_state=random_state)``: the test part is ``eval``, the train part ``train``.

    Each split keeps scikit-learn's order (the permutation order), which matters where
    batches are formed in order (the authors' per-batch validation accuracy). The result
    depends on the order of ``clips``: the authors' order is the dataset's to give (see
    ``dcase23``'s ``fixed`` protocol); the seed is not used.
    """
    clips = list(clips)
    rest_pos, val_pos = sklearn_shuffle_split(len(clips), val_size, 42)
    rest = [clips[i] for i in rest_pos]
    # the authors' expression, evaluated in the same floating-point order
    adjusted = eval_size / (train_size + eval_size)
    train_pos, eval_pos = sklearn_shuffle_split(len(rest), adjusted, random_state)
    parts = {"train": [rest[i] for i in train_pos], "val": [clips[i] for i in val_pos],
             "eval": [rest[i] for i in eval_pos]}
    return {s: [with_split(c, s) for c in parts[s]] for s in SPLITS}


# -- leakage between splits ---------------------------------------------------------------


def check_disjoint(splits: dict[str, Sequence[Clip]], *, identity: bool = True, content: bool = False,
                   limit: int = 20) -> list[str]:
    """Problems with ``splits`` sharing audio: one line per clip whose file is already
    in another split. For the runner, before fitting (a shared file inflates every
    score); the datasets' readers already normalise paths, so this catches what they
    cannot see.

    A file is the same when its path is the same after lexical normalisation
    (``os.path.normpath``: ``./x.wav``, ``sub/../x.wav``); with ``identity`` (default)
    also when two paths reach one file (same device and inode: a symlink, a hard link,
    a path through a symlinked folder; one ``stat`` per clip); with ``content`` also when
    two files hold the same bytes (SHA-256, read only for files whose sizes collide
    across splits). Files that cannot be read are left to the decoder. Returns at most
    ``limit`` lines, the last one saying how many more there are; empty when the splits
    are disjoint.
    """
    import hashlib
    import os

    from .clip_list import clip_path_strings

    problems: list[str] = []
    total = 0

    def report(kind: str, first: tuple[str, Clip], second: tuple[str, Clip]) -> None:
        nonlocal total
        total += 1
        if len(problems) < limit:
            (s1, c1), (s2, c2) = first, second
            where = "" if str(c1.path) == str(c2.path) else f": {c1.path} and {c2.path}"
            problems.append(f"{kind}: clip {c1.id!r} ({s1}) and clip {c2.id!r} ({s2}) are one file{where}")

    sizes: dict[tuple, int] = {}
    owner: dict[tuple, tuple[str, Sequence[Clip], int]] = {}  # the first (split, clips, index) of each file
    paths_of: dict[tuple, str] = {}
    for split, clips in splits.items():
        # the path strings as a column: a ClipList builds no Clip object here
        for i, path in enumerate(clip_path_strings(clips)):
            path = os.path.normpath(path)
            key: tuple = ("path", path)
            if identity or content:
                try:
                    st = os.stat(path)
                except OSError:
                    st = None
                if st is not None:
                    if identity:
                        key = ("file", st.st_dev, st.st_ino)
                    sizes[key] = st.st_size
            if key in owner:
                first_split, first_clips, j = owner[key]
                if first_split != split:
                    same_path = paths_of[key] == path
                    report("same path" if same_path else "same file", (first_split, first_clips[j]),
                           (split, clips[i]))
            else:
                owner[key] = (split, clips, i)
                paths_of[key] = path
    if content:
        by_size: dict[int, list[tuple]] = {}
        for key, size in sizes.items():
            by_size.setdefault(size, []).append(key)
        by_digest: dict[tuple, tuple[str, Clip]] = {}
        for size, keys in by_size.items():
            if len({owner[k][0] for k in keys}) < 2:
                continue  # no two splits hold a file of this size
            for k in keys:
                split, seq, i = owner[k]
                c = seq[i]
                h = hashlib.sha256()
                try:
                    with open(c.path, "rb") as f:
                        for block in iter(lambda: f.read(1 << 20), b""):
                            h.update(block)
                except OSError:
                    continue
                d = (size, h.hexdigest())
                if d in by_digest and by_digest[d][0] != split:
                    report("same content", by_digest[d], (split, c))
                by_digest.setdefault(d, (split, c))
    if total > len(problems):
        problems.append(f"... and {total - len(problems)} more")
    return problems


def check_split(dataset: str, split: str, clips: list[Clip], both_classes: bool) -> None:
    """Refuse an empty split, or (``both_classes``) a split without both labels."""
    if not clips:
        raise DatasetError(f"dataset {dataset!r} has an empty {split} split",
                           hint="check the data folder and protocol (`fakebench info " + dataset + "`)")
    if both_classes:
        from .clip_list import clip_labels

        labels = set(clip_labels(clips).tolist())
        if labels != {REAL, FAKE}:
            only = "fake" if labels == {FAKE} else "real"
            raise DatasetError(f"the {split} split of {dataset!r} holds only {only} clips; a detector needs both",
                               hint="check the labels in the protocol or manifest")


def unique_clips(clips: list[Clip]) -> list[Clip]:
    """``clips`` without repeats of the same audio file (first occurrence kept)."""
    from .clip_list import ClipList, clip_path_strings, take_clips

    paths = clip_path_strings(clips)
    if isinstance(clips, ClipList) and len(set(paths)) == len(paths):
        return clips  # no repeat: the columns as they are, no clip object built
    seen, keep = set(), []
    for i, key in enumerate(paths):
        if key not in seen:
            seen.add(key)
            keep.append(i)
    return take_clips(clips, keep)
