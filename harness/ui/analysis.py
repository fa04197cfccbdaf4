"""Scoring for the page: one clip with every model, its score over time, batches, figures.

:func:`analyze` checks the clip (:func:`~fakebench.ui.limits.check_clip`: size, then the
duration from the header, before any decoding), scores the whole clip with each model
exactly as ``fakebench score`` does, and, for a clip longer than twice a model's window,
scores sliding windows of the model's own clip length (its length policy's seconds, or
``window`` seconds for a ``full``-length model) with a hop of half a window (longer when
the clip would need more than :data:`MAX_WINDOWS`), so that a partly fake file shows where.

Figures are drawn with matplotlib's object API (``Figure``, rendered by Agg), never
pyplot, so concurrent requests share no global state.
"""

from __future__ import annotations

import csv
import math
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..errors import FakebenchError
from .limits import ClipInfo, ClipRefused, Limits, check_clip
from .models import ModelEntry

#: most windows scored for one model's score over time
MAX_WINDOWS = 60
#: window for models that score whole clips (length policy ``full``)
DEFAULT_WINDOW = 4.0

#: the scorers are not thread-safe; requests score one at a time
SCORING_LOCK = threading.Lock()


@dataclass
class Timeline:
    starts: np.ndarray
    scores: np.ndarray
    window: float
    hop: float

    @property
    def centers(self) -> np.ndarray:
        return self.starts + self.window / 2


@dataclass
class ModelResult:
    entry: ModelEntry
    score: float | None = None
    fake: bool | None = None
    p_fake: float | None = None
    p_how: str = ""
    timeline: Timeline | None = None
    error: str | None = None


@dataclass
class ClipReport:
    info: ClipInfo
    results: list[ModelResult]
    wave: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0, dtype=np.float32))
    sample_rate: int = 0
    seconds_taken: float = 0.0


def _first_line(e: BaseException) -> str:
    text = e.message if isinstance(e, FakebenchError) else str(e)
    return (text.splitlines()[0] if text else type(e).__name__)


def analyze(path: str | Path, models: Sequence[ModelEntry], limits: Limits, *, name: str | None = None,
            window: float = DEFAULT_WINDOW, hop: float | None = None, tmp_root: str | Path | None = None,
            timelines: bool = True) -> ClipReport:
    """Check, decode (bounded) and score one clip with every model; see the module doc."""
    import time

    from ..audio import read_audio, to_mono

    t0 = time.perf_counter()
    info = check_clip(path, limits, name)  # raises ClipRefused before anything is decoded
    try:
        wave, sr = read_audio(info.path, max_seconds=limits.max_seconds + 1.0)
    except FakebenchError as e:
        reason = _first_line(e).replace(str(info.path), info.name)
        raise ClipRefused(f"{info.name}: cannot be decoded ({reason})") from None
    mono = to_mono(wave).astype(np.float32, copy=False)
    results = []
    with SCORING_LOCK:
        for entry in models:
            res = ModelResult(entry)
            try:
                v = entry.scorer.score([info.path])[0]
            except Exception as e:  # one model failing must not hide the others' verdicts
                res.error = _first_line(e).replace(str(info.path), info.name)
                results.append(res)
                continue
            res.score, res.fake = float(v.score), bool(v.fake)
            res.p_fake, res.p_how = entry.p_fake(res.score)
            if timelines:
                try:
                    res.timeline = score_over_time(entry, mono, sr, window=window, hop=hop, tmp_root=tmp_root)
                except Exception as e:
                    res.error = f"score over time unavailable: {_first_line(e)}"
            results.append(res)
    return ClipReport(info=info, results=results, wave=mono, sample_rate=sr, seconds_taken=time.perf_counter() - t0)


def window_plan(entry: ModelEntry, seconds: float, *, window: float = DEFAULT_WINDOW,
                hop: float | None = None) -> tuple[float, float, list[float]] | None:
    """(window, hop, window starts) for a clip of ``seconds``, or None when the clip is
    not long enough (under two windows) for a score over time."""
    win = entry.window_seconds or window
    if seconds < 2 * win:
        return None
    step = hop or win / 2
    n = int(math.floor((seconds - win) / step)) + 1
    if n > MAX_WINDOWS:
        step = (seconds - win) / (MAX_WINDOWS - 1)
        n = MAX_WINDOWS
    starts = [i * step for i in range(n)]
    return win, step, starts


def score_over_time(entry: ModelEntry, mono: np.ndarray, sr: int, *, window: float = DEFAULT_WINDOW,
                    hop: float | None = None, tmp_root: str | Path | None = None) -> Timeline | None:
    """Scores of sliding windows of ``mono`` (see :func:`window_plan`), each window scored
    as a clip of its own by the model (written to a private temporary folder, deleted)."""
    import soundfile as sf

    plan = window_plan(entry, len(mono) / sr, window=window, hop=hop)
    if plan is None:
        return None
    win, step, starts = plan
    tmp = Path(tempfile.mkdtemp(prefix="windows-", dir=tmp_root))
    try:
        files = []
        n = int(round(win * sr))
        for i, s in enumerate(starts):
            a = int(round(s * sr))
            f = tmp / f"w{i:03d}.wav"
            sf.write(str(f), mono[a:a + n], sr, subtype="FLOAT")
            files.append(f)
        scores = np.array([v.score for v in entry.scorer.score(files)], dtype=np.float64)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return Timeline(starts=np.asarray(starts, dtype=np.float64), scores=scores, window=win, hop=step)


# -- batches --------------------------------------------------------------------------------


def batch_columns(models: Sequence[ModelEntry]) -> list[str]:
    cols = ["file", "seconds"]
    for m in models:
        cols += [f"{m.key} verdict", f"{m.key} score", f"{m.key} p_fake"]
    return cols + ["error"]


def score_batch(items: Sequence[tuple[str, Path]], models: Sequence[ModelEntry],
                limits: Limits) -> list[dict[str, Any]]:
    """One row per item (name, path): duration, then per model verdict/score/p(fake), or
    the reason the clip was refused. Clips are checked (size, header duration) first."""
    rows: list[dict[str, Any]] = []
    ok: list[tuple[dict[str, Any], ClipInfo]] = []
    for name, path in items:
        row: dict[str, Any] = {"file": name, "seconds": "", "error": ""}
        try:
            info = check_clip(path, limits, name)
        except ClipRefused as e:
            row["error"] = e.message
        else:
            row["seconds"] = f"{info.seconds:.2f}"
            ok.append((row, info))
        rows.append(row)
    if not ok:
        return rows
    with SCORING_LOCK:
        for m in models:
            paths = [info.path for _, info in ok]
            try:
                verdicts = m.scorer.score(paths)
            except Exception:  # find the clip at fault: score one by one
                verdicts = []
                for (row, info) in ok:
                    try:
                        verdicts.append(m.scorer.score([info.path])[0])
                    except Exception as e:
                        verdicts.append(None)
                        msg = _first_line(e).replace(str(info.path), info.name)
                        row["error"] = (row["error"] + "; " if row["error"] else "") + f"{m.key}: {msg}"
            for (row, _), v in zip(ok, verdicts):
                if v is None:
                    continue
                p, _how = m.p_fake(float(v.score))
                row[f"{m.key} verdict"] = "fake" if v.fake else "real"
                row[f"{m.key} score"] = f"{v.score:+.4f}"
                row[f"{m.key} p_fake"] = "" if p is None else f"{p:.4f}"
    return rows


def write_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str], path: str | Path) -> Path:
    path = Path(path)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(columns), extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({c: r.get(c, "") for c in columns})
    return path


# -- figures --------------------------------------------------------------------------------


def _envelope(x: np.ndarray, n: int = 2000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(positions, min, max) of ``x`` in ``n`` buckets: a waveform drawn at screen resolution."""
    if len(x) <= n:
        idx = np.arange(len(x))
        return idx.astype(np.float64), x, x
    edges = np.linspace(0, len(x), n + 1).astype(np.int64)
    lo = np.minimum.reduceat(x, edges[:-1])
    hi = np.maximum.reduceat(x, edges[:-1])
    return edges[:-1].astype(np.float64), lo, hi


def clip_figure(mono: np.ndarray, sr: int, title: str = "") -> Any:
    """Waveform (top) and log-power spectrogram (bottom) of a clip, time in seconds."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 4.4), dpi=100, layout="constrained")
    ax_w, ax_s = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [1, 1.6]})
    pos, lo, hi = _envelope(mono)
    t = pos / sr
    ax_w.fill_between(t, lo, hi, color="#3b6ea8", linewidth=0.6)
    ax_w.set_ylabel("amplitude")
    ax_w.set_ylim(-1.02, 1.02)
    ax_w.set_title(title or "waveform and spectrogram", fontsize=10)
    nfft = 512 if sr <= 24000 else 1024
    x = mono if len(mono) >= nfft else np.pad(mono, (0, nfft - len(mono)))
    hop = max(nfft // 4, len(x) // 4000)  # at most ~4000 columns whatever the length
    frames = 1 + (len(x) - nfft) // hop
    idx = np.arange(nfft)[None, :] + hop * np.arange(frames)[:, None]
    spec = np.abs(np.fft.rfft(x[idx] * np.hanning(nfft)[None, :], axis=1)) ** 2
    db = 10 * np.log10(spec.T + 1e-10)
    vmax = float(db.max())
    ax_s.imshow(db, origin="lower", aspect="auto", cmap="magma", vmin=vmax - 80, vmax=vmax,
                extent=(0, len(x) / sr, 0, sr / 2000), interpolation="nearest")
    ax_s.set_ylabel("frequency (kHz)")
    ax_s.set_xlabel("time (s)")
    ax_s.set_xlim(0, len(mono) / sr)
    return fig


def timeline_figure(results: Sequence[ModelResult]) -> Any | None:
    """Score over time of every model that has one, one panel each, with its threshold;
    windows above the threshold (fake) shaded red. None when no model has one."""
    from matplotlib.figure import Figure

    rows = [r for r in results if r.timeline is not None]
    if not rows:
        return None
    fig = Figure(figsize=(10, 1.0 + 1.9 * len(rows)), dpi=100, layout="constrained")
    axes = fig.subplots(len(rows), 1, squeeze=False)[:, 0]
    for ax, r in zip(axes, rows):
        tl, thr = r.timeline, r.entry.threshold
        ax.plot(tl.centers, tl.scores, marker="o", markersize=3, color="#222", linewidth=1.2, label="window score")
        ax.axhline(thr, color="#b00020", linestyle="--", linewidth=1, label=f"threshold {thr:.4g}")
        for s, sc in zip(tl.starts, tl.scores):
            if sc > thr:
                ax.axvspan(s, s + tl.window, color="#b00020", alpha=0.08, linewidth=0)
        ax.set_title(f"{r.entry.key}: score over time ({tl.window:g} s windows, hop {tl.hop:.3g} s; "
                     "above the line = fake)", fontsize=9)
        ax.set_ylabel("score")
        ax.legend(loc="upper right", fontsize=7)
    axes[-1].set_xlabel("time (s), window centres")
    return fig


def figure_png(fig: Any) -> bytes:
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
