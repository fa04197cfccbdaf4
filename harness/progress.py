"""Progress bars that suit where they are printed.

:func:`progress` is the one function the harness uses to create a bar. On a terminal it
is a tqdm bar (redrawn in place). When stderr is not a terminal (a CI log, ``nohup``, a
file, a pipe) a redrawn bar would leave hundreds of carriage-return fragments in the log,
so it prints plain lines instead: one when the work starts, one each time another
``step`` percent is done, and one at the end, e.g.::

    embedding (logmel): 0/175 clip
    embedding (logmel): 10% (18/175 clip, 0.4 s)
    ...
    embedding (logmel): 100% (175/175 clip, 3.1 s)

With an unknown total (a download without a Content-Length) it prints a line at most
every ``interval`` seconds and one at the end. Both kinds of bar have ``update(n)``,
``close()`` and work as context managers.
"""

from __future__ import annotations

import sys
import time
from typing import IO, Any

__all__ = ["progress", "LineProgress"]


def progress(total: int | None, desc: str, enabled: bool = True, *, unit: str = "it", unit_scale: bool = False,
             step: float = 10.0, interval: float = 30.0, stream: IO[str] | None = None) -> Any:
    """A progress bar for ``total`` items (``None``: unknown) labelled ``desc``.

    ``enabled=False`` gives a bar that prints nothing. On a terminal (``stream``, default
    ``sys.stderr``, is a TTY) this is ``tqdm.auto.tqdm``; otherwise a :class:`LineProgress`
    printing one line per ``step`` percent.
    """
    out = sys.stderr if stream is None else stream
    if enabled and _is_tty(out):
        from tqdm.auto import tqdm

        return tqdm(total=total, desc=desc, unit=unit, unit_scale=unit_scale, leave=False, file=out)
    return LineProgress(total, desc, enabled=enabled, unit=unit, unit_scale=unit_scale, step=step,
                        interval=interval, stream=out)


def _is_tty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


class LineProgress:
    """A progress report for logs: whole lines, one per ``step`` percent of ``total``."""

    def __init__(self, total: int | None, desc: str, *, enabled: bool = True, unit: str = "it",
                 unit_scale: bool = False, step: float = 10.0, interval: float = 30.0,
                 stream: IO[str] | None = None):
        if not step > 0:
            raise ValueError(f"step must be a positive percentage, got {step!r}")
        self.total = int(total) if total is not None else None
        self.desc = desc
        self.enabled = enabled
        self.unit = unit
        self.unit_scale = unit_scale
        self.step = float(step)
        self.interval = float(interval)
        self.stream = stream
        self.n = 0
        self.lines = 0
        self._start = time.monotonic()
        self._last_line = self._start
        self._next_pct = self.step
        self._closed = False
        self._emit(f"{self._count(0)}" + ("" if self.total is None else f"/{self._count(self.total)}") + f" {unit}")

    # -- the tqdm subset the harness uses -------------------------------------------------

    def update(self, n: int = 1) -> None:
        if self._closed:
            return
        self.n += n
        if self.total:
            pct = 100.0 * self.n / self.total
            if pct >= self._next_pct and self.n < self.total:
                self._line(pct)
                while self._next_pct <= pct:
                    self._next_pct += self.step
        elif time.monotonic() - self._last_line >= self.interval:
            self._line(None)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self.total is not None and self.n >= self.total:
            self._line(100.0)
        elif self.total:
            self._line(100.0 * self.n / self.total, end="stopped at ")
        else:
            self._line(None, end="done: ")

    def __enter__(self) -> "LineProgress":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- output ---------------------------------------------------------------------------

    def _count(self, n: float) -> str:
        if not self.unit_scale:
            return str(int(n))
        for prefix in ("", "k", "M", "G", "T"):
            if abs(n) < 1000:
                return f"{n:.3g}{prefix}"
            n /= 1000
        return f"{n:.3g}P"

    def _line(self, pct: float | None, end: str = "") -> None:
        elapsed = time.monotonic() - self._start
        self._last_line = time.monotonic()
        done = self._count(self.n) + ("" if self.total is None else f"/{self._count(self.total)}")
        head = "" if pct is None else f"{pct:.0f}% "
        self._emit(f"{end}{head}({done} {self.unit}, {elapsed:.1f} s)")

    def _emit(self, text: str) -> None:
        if not self.enabled:
            return
        out = sys.stderr if self.stream is None else self.stream
        try:
            out.write(f"{self.desc}: {text}\n")
            out.flush()
        except (OSError, ValueError):  # a closed or broken log stream must not stop the work
            self.enabled = False
            return
        self.lines += 1
