"""Embedding extraction: decode -> resample -> batch -> model -> cache.

Decoding and resampling run in DataLoader workers, overlapped with the model. Each batch
is written to the cache as soon as it is computed, so an interrupted run resumes where it
stopped (at most one batch is recomputed). A clip whose content is already in the cache
is never decoded again.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
import torch

from .audio import LengthPolicy, load_audio
from .cache import EmbeddingCache, Namespace
from .hashing import CONTENT_KEY_LENGTH, file_digest
from .data import Clip
from .data.clip_list import clip_path_strings
from .feature_rows import RowViews
from .contracts.embedder import Embedder
from .errors import AudioError, FakebenchError
from .timing import Stopwatch

log = logging.getLogger("fakebench")


@dataclass
class ExtractStats:
    """What an extraction did; ``rtf_*`` are processing seconds per audio second."""

    n: int = 0
    cached: int = 0
    computed: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    audio_seconds: float = 0.0
    model_seconds: float = 0.0
    total_seconds: float = 0.0
    shard_reads: int = 0
    namespace: str = ""
    silent: int = 0
    padded: int = 0

    @property
    def rtf_model(self) -> float | None:
        return self.model_seconds / self.audio_seconds if self.audio_seconds else None

    @property
    def rtf_end_to_end(self) -> float | None:
        return self.total_seconds / self.audio_seconds if self.audio_seconds and self.computed else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": self.n, "cached": self.cached, "computed": self.computed,
            "skipped": len(self.skipped), "audio_seconds": round(self.audio_seconds, 3),
            "model_seconds": round(self.model_seconds, 4), "total_seconds": round(self.total_seconds, 4),
            "silent": self.silent, "padded": self.padded,
            "rtf_model": self.rtf_model, "rtf_end_to_end": self.rtf_end_to_end,
            "namespace": self.namespace,
        }


class ClipAudio(torch.utils.data.Dataset):
    """Reads, hashes and decodes one clip; errors come back as values, not exceptions."""

    def __init__(self, clips: Sequence[Clip], sample_rate: int, length: LengthPolicy, resampler: str,
                 min_seconds: float, condition: Any = None):
        self.clips = clips
        self.sample_rate = sample_rate
        self.length = length
        self.resampler = resampler
        self.min_seconds = min_seconds
        self.condition = condition

    def __len__(self) -> int:
        return len(self.clips)

    def __getitem__(self, i: int):
        clip = self.clips[i]
        try:
            try:
                st = os.stat(clip.path)
                sha = file_digest(clip.path)
            except FileNotFoundError:
                raise AudioError(f"audio file {str(clip.path)!r} does not exist",
                                 hint="check the dataset folder, or pass --allow-missing/--skip-bad") from None
            except OSError as e:
                raise AudioError(f"cannot read audio file {str(clip.path)!r}: {e.strerror or e}") from None
            transform = self.condition.for_clip(sha[:CONTENT_KEY_LENGTH]) if self.condition is not None else None
            wave = load_audio(clip.path, self.sample_rate, self.length, resampler=self.resampler, transform=transform)
            flags = []
            if not bool(wave.abs().amax() > 0):
                flags.append("silent")
            need = int(math.ceil(self.min_seconds * self.sample_rate))
            if wave.shape[-1] < need:
                wave = torch.nn.functional.pad(wave, (0, need - wave.shape[-1]))
                flags.append("padded")
            return i, sha, (st.st_size, st.st_mtime_ns), wave, None, flags
        except FakebenchError as e:
            return i, None, None, None, (e.message, e.hint), []


def _collate(items):
    return items


@contextlib.contextmanager
def intra_op_threads(n: int):
    """Run the block with ``n`` torch intra-op threads, then restore the previous count.

    The harness's own tensor work (decoding, resampling, padding, stacking a batch) is on
    arrays of a few hundred thousand samples: spread over several threads it gains
    nothing, and on a busy machine every parallel region waits for a preempted thread
    (measured: pad + abs + amax of a 4-s clip, 0.035 ms on one thread and 0.078 ms on
    two on an idle 2-core machine; 0.16 ms and 9 ms on the same machine under load).
    Only the model gets the full thread count.
    """
    before = torch.get_num_threads()
    if n == before:
        yield
        return
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def usable_cpus() -> int:
    """CPU cores this process may run on (its affinity mask, where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def default_workers(n_items: int, batch_size: int, device: str = "cpu") -> int:
    """DataLoader workers for decoding: none for tiny jobs; none either for a model on
    the CPU of a machine with two cores or fewer (the model uses every core, decoding
    with cached resampling kernels costs a few percent of it, so a worker only takes a
    core away: see docs/PERFORMANCE.md); otherwise up to 4, one core kept for the main
    process."""
    if n_items <= 2 * batch_size:
        return 0
    cpus = usable_cpus()
    if device == "cpu" and cpus <= 2:
        return 0
    return max(0, min(4, cpus - 1))


def autocast(device: torch.device, precision: str):
    if precision in ("fp32", "float32", None):
        return contextlib.nullcontext()
    dtype = {"fp16": torch.float16, "float16": torch.float16, "bf16": torch.bfloat16,
             "bfloat16": torch.bfloat16}.get(precision)
    if dtype is None:
        raise FakebenchError(f"unknown precision {precision!r}", hint="use fp32, fp16 or bf16")
    return torch.autocast(device_type=device.type, dtype=dtype)


def extract(
    embedder: Embedder,
    clips: Sequence[Clip],
    *,
    cache: EmbeddingCache | None,
    length: str | LengthPolicy | None = None,
    batch_size: int = 16,
    num_workers: int | None = None,
    frames: bool = False,
    skip_bad: bool = False,
    precision: str = "fp32",
    progress: bool = False,
    loader: Callable[[], Any] | None = None,
    condition: Any = None,
) -> tuple[list[np.ndarray | None], ExtractStats]:
    """Embeddings of ``clips`` (in order), from the cache or computed and cached.

    Returns one array per clip, (D,) or (frames, D), and None for a clip skipped as bad
    (only with ``skip_bad``; otherwise a bad clip raises :class:`AudioError` naming it,
    after everything already computed has been saved). ``loader`` is called before the
    first clip is computed, so a model need not be loaded when everything is cached.
    ``condition`` (a :class:`fakebench.conditions.ConditionTransform`) degrades each clip
    after decoding; its embeddings are cached in a namespace of their own.
    """
    policy = LengthPolicy.parse(length if length is not None else embedder.default_length)
    stats = ExtractStats(n=len(clips))
    wall = time.perf_counter()
    ns: Namespace | None = None
    keys: list[str | None] = [None] * len(clips)
    out: list[np.ndarray | None] = [None] * len(clips)
    if cache is not None:
        nskey = embedder.cache_key(str(policy)) + ("-frames" if frames else "") + namespace_suffix(condition)
        ns = cache.namespace(nskey, scan=False)  # indexed only if the split snapshot falls short
        stats.namespace = nskey
        found = cache.lookup(ns, clip_path_strings(clips))
        keys, out, stats.shard_reads = found.keys, found.arrays, found.reads
    todo = [] if isinstance(out, RowViews) else [i for i, a in enumerate(out) if a is None]
    stats.cached = len(clips) - len(todo)
    if todo:
        if loader is not None:
            loader()
        if ns is not None:
            ns.write_meta({**embedder.describe(), "length": str(policy), "frames": frames})
        _compute(embedder, clips, todo, out, keys, ns, cache, policy, batch_size, num_workers, frames, condition,
                 skip_bad, precision, progress, stats)
        if ns is not None:
            ns.compact()
            found.computed.update(todo)
    if ns is not None:
        cache.save_snapshot(ns, found)
    stats.total_seconds = time.perf_counter() - wall
    return out, stats


def _compute(embedder, clips, todo, out, keys, ns, cache, policy, batch_size, num_workers, frames, condition, skip_bad,
             precision, progress, stats):
    from .progress import progress as progress_bar

    device = torch.device(embedder.device)
    todo_clips = [clips[i] for i in todo]
    if policy.mode == "full" and all(c.duration for c in todo_clips):
        order = sorted(range(len(todo)), key=lambda j: todo_clips[j].duration)  # equal lengths batch together
        todo = [todo[j] for j in order]
        todo_clips = [todo_clips[j] for j in order]
    ds = ClipAudio(todo_clips, embedder.sample_rate, policy, embedder.resampler, embedder.min_seconds, condition)
    workers = default_workers(len(ds), batch_size, device.type) if num_workers is None else num_workers
    # Not the loader's pin_memory: it would pin every clip, and the batch stacked from
    # them is a new tensor; the stacked batch is pinned once below instead.
    loader = torch.utils.data.DataLoader(
        ds, batch_size=batch_size, shuffle=False, num_workers=workers, collate_fn=_collate,
        prefetch_factor=4 if workers else None, persistent_workers=False,
    )
    bar = progress_bar(len(ds), f"embedding ({embedder.name})", progress, unit="clip")
    first_error: tuple[str, str | None] | None = None
    since_compact = 0
    model_threads = torch.get_num_threads()
    try:
        # the harness's own tensor work runs on one thread, the model on all (intra_op_threads)
        with intra_op_threads(1):
            for items in loader:
                memo = []
                ready: list[tuple[int, str, torch.Tensor]] = []
                for j, sha, st, wave, err, flags in items:
                    i = todo[j]
                    stats.silent += "silent" in flags
                    stats.padded += "padded" in flags
                    if err is not None:
                        stats.skipped.append((clips[i].id, err[0]))
                        if not skip_bad and first_error is None:
                            first_error = err
                        continue
                    key = keys[i] = sha[:CONTENT_KEY_LENGTH]
                    memo.append((clips[i].path, {"sha256": sha}, st))
                    if ns is not None and key in ns:  # same content cached under another path
                        out[i] = ns.get_many([key])[0][0]
                        stats.cached += 1
                        continue
                    ready.append((i, key, wave))
                if first_error is not None:
                    break
                if cache is not None and memo:
                    cache.hasher.remember(memo)
                # equal-length groups go through the model together
                groups: dict[int, list[tuple[int, str, torch.Tensor]]] = {}
                for item in ready:
                    groups.setdefault(item[2].shape[-1], []).append(item)
                new_keys, new_arrays = [], []
                for group in groups.values():
                    batch = torch.stack([w for _, _, w in group])
                    if device.type == "cuda":
                        batch = batch.pin_memory().to(device, non_blocking=True)
                    with intra_op_threads(model_threads), Stopwatch(device) as sw, torch.inference_mode(), \
                            autocast(device, precision):
                        emb = embedder.embed(batch, frames=frames)
                    stats.model_seconds += sw.seconds
                    emb = emb.float().cpu().numpy()
                    check_output(embedder, emb, group, clips, frames)
                    for (i, key, w), e in zip(group, emb):
                        out[i] = e
                        stats.audio_seconds += w.shape[-1] / embedder.sample_rate
                        new_keys.append(key)
                        new_arrays.append(e)
                stats.computed += len(new_keys)
                if ns is not None and new_keys:
                    ns.put_many(new_keys, new_arrays)
                    since_compact += 1
                    if since_compact >= 128:  # keep the file count small on long runs
                        ns.compact(min_shards=64, max_rows=4096)
                        since_compact = 0
                bar.update(len(items))
    finally:
        bar.close()
    if first_error is not None:
        message, hint = first_error
        raise AudioError(f"{message} [{stats.computed} embeddings computed before it are saved]",
                         hint=hint or "fix or remove the file, or pass --skip-bad to skip unreadable files")


def namespace_suffix(condition: Any) -> str:
    """The cache-namespace suffix of a condition (empty for clean audio)."""
    if condition is None:
        return ""
    import hashlib

    return "-cond-" + hashlib.sha256(condition.key.encode()).hexdigest()[:12]


def check_output(embedder: Embedder, emb: np.ndarray, group, clips, frames: bool) -> None:
    expected_ndim = 3 if frames else 2
    if emb.ndim != expected_ndim or emb.shape[0] != len(group) or emb.shape[-1] != embedder.output_dim:
        raise FakebenchError(
            f"embedder {embedder.name!r} returned shape {tuple(emb.shape)} for a batch of {len(group)}, "
            f"expected (n, {'frames, ' if frames else ''}{embedder.output_dim})",
            hint="this is a bug in the embedder plugin",
        )
    if not np.isfinite(emb).all():
        bad = [clips[i].id for (i, _, _), e in zip(group, emb) if not np.isfinite(e).all()]
        raise FakebenchError(
            f"embedder {embedder.name!r} produced NaN/inf for {len(bad)} clip(s), e.g. {bad[0]!r}",
            hint="check the clip (silence? too short?) or run on --device cpu / --precision fp32",
        )


def stack_scene(arrays: Sequence[np.ndarray | None]) -> np.ndarray:
    """(n, D) from per-clip (D,) arrays; every array must be present."""
    if not arrays:
        return np.zeros((0, 0), dtype=np.float32)
    if isinstance(arrays, RowViews):  # served by the cache as one block
        return arrays.matrix.astype(np.float32, copy=False)
    return np.stack([a for a in arrays]).astype(np.float32, copy=False)
