"""Memory: what the process holds and how large object piles are built.

* :func:`bulk_objects`: the cyclic garbage collector paused while many small objects are
  built (clips, protocol rows, parsed result records);
* :func:`tune_allocator`: glibc's allocator kept from returning large blocks at once (CPU
  forwards of AASIST-sized networks);
* :func:`current_rss_mb` and :func:`peak_resources`: the resident memory now, and the
  peaks every result record reports.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

#: Objects built inside :func:`bulk_objects` above which they are frozen on exit.
FREEZE_AT = 100_000


@contextmanager
def bulk_objects() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while building many small objects, and
    keep it from walking them afterwards.

    Building 611k clips (each a ``Clip``, a ``Path`` and its parts list) triggered 15-16
    full collections, each walking every object built so far: quadratic in the corpus.
    None of these objects form reference cycles, so nothing is lost by not collecting
    during the build (reference counting frees them as usual). On exit, when more than
    :data:`FREEZE_AT` objects were built, every live object is moved to the collector's
    permanent generation (``gc.freeze()``), so the first collection afterwards does not
    walk the millions of new objects either; they are still freed by reference counting
    when dropped (only a reference *cycle* among frozen objects would stay until
    ``gc.unfreeze()``). Re-entrant; the collector's previous state is restored.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            if gc.get_count()[0] > FREEZE_AT:
                gc.freeze()
            gc.enable()


def current_rss_mb() -> float:
    """The process's resident memory now (MiB); 0 where it cannot be read."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError, AttributeError):
        return 0.0


_ALLOCATOR_TUNED = False


def tune_allocator() -> bool:
    """On glibc, keep large freed blocks in the process instead of returning them to the
    system at once (``mallopt``: ``M_MMAP_MAX`` 0, ``M_TRIM_THRESHOLD`` and
    ``M_TOP_PAD``), once per process; returns whether it was applied.

    A CPU forward of AASIST allocates ~300 MB of activations per clip in blocks above
    glibc's mmap threshold; each is mapped, faulted in page by page and unmapped again,
    so 30-55% of the CPU time went to the kernel (page faults). With these settings the
    same blocks are reused from the heap: peak memory unchanged, about 2x faster
    (docs/PERFORMANCE.md). ``FAKEBENCH_MALLOC=default`` (or any glibc ``MALLOC_*_``
    variable set by the user) leaves the allocator alone.
    """
    global _ALLOCATOR_TUNED
    if _ALLOCATOR_TUNED:
        return True
    if os.environ.get("FAKEBENCH_MALLOC", "").lower() in ("default", "off", "0", "no") or \
            any(k.startswith("MALLOC_") and k.endswith("_") for k in os.environ):
        return False
    import platform
    import sys

    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        return False
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_top_pad, m_mmap_max = -1, -2, -4
        ok = libc.mallopt(m_mmap_max, 0) and libc.mallopt(m_trim_threshold, 1 << 30) and \
            libc.mallopt(m_top_pad, 64 << 20)
    except (OSError, AttributeError):
        return False
    _ALLOCATOR_TUNED = bool(ok)
    return _ALLOCATOR_TUNED


def peak_resources(device: str = "cpu") -> dict[str, Any]:
    """The process's peak memory so far: resident set (``ru_maxrss``, MiB), the largest of
    its finished child processes (loader workers), and on CUDA the peak tensor memory
    (``torch.cuda.max_memory_allocated``) and peak reserved by torch's allocator (MiB)."""
    import sys

    out: dict[str, Any] = {"peak_rss_mb": None, "peak_rss_children_mb": None}
    try:
        import resource

        scale = 1 / (1024 * 1024) if sys.platform == "darwin" else 1 / 1024  # bytes on macOS, KiB elsewhere
        out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale, 1)
        out["peak_rss_children_mb"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * scale, 1)
    except (ImportError, OSError, ValueError):
        pass
    torch = sys.modules.get("torch")
    if str(device).startswith("cuda") and torch is not None:
        try:
            if torch.cuda.is_initialized():
                dev = torch.device(device)
                out["peak_vram_mb"] = round(torch.cuda.max_memory_allocated(dev) / 2**20, 1)
                out["peak_vram_reserved_mb"] = round(torch.cuda.max_memory_reserved(dev) / 2**20, 1)
        except Exception:  # a CUDA error here must not lose the record
            pass
    return out
