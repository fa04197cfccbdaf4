"""Shared set-up of the performance suite (``python -m pytest benchmarks --benchmark-only``).

* Every benchmark runs with its own ``FAKEBENCH_HOME`` (so nothing touches the user's
  cache or results) and with model hubs offline.
* ``FAKEBENCH_BENCH_DEVICE`` picks the device (``cpu`` or ``cuda``; default: ``cuda``
  when torch sees a GPU, else ``cpu``) and ``FAKEBENCH_BENCH_PRECISION`` the inference
  precision (``fp32``, ``bf16``, ``fp16``; default ``fp32``).
* Benchmarks add rows to named tables through the ``report`` fixture; at the end of the
  session every table is printed after pytest-benchmark's own, with the machine (CPU
  model, cores, memory, torch version) and the load average at the start and the end of
  the session, because other processes on a shared machine slow every number down.
  ``FAKEBENCH_BENCH_JSON=path`` also writes them as JSON.
"""

from __future__ import annotations

import csv
import json
import os
import platform
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FAKEBENCH_SHARED", REPO.parent / "shared")).expanduser()

_TABLES: dict[str, dict] = {}
_LOAD: dict[str, tuple[float, float, float]] = {}


def pytest_configure(config):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    _LOAD["start"] = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    monkeypatch.setenv("FAKEBENCH_HOME", str(tmp_path / "fakebench-home"))
    for var in ("FAKEBENCH_CACHE", "FAKEBENCH_RESULTS", "FAKEBENCH_DATA"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="session")
def device() -> str:
    import torch

    dev = os.environ.get("FAKEBENCH_BENCH_DEVICE") or ("cuda" if torch.cuda.is_available() else "cpu")
    if dev.startswith("cuda") and not torch.cuda.is_available():
        pytest.skip("FAKEBENCH_BENCH_DEVICE asks for cuda, but torch sees no GPU")
    return dev


@pytest.fixture(scope="session")
def precision() -> str:
    return os.environ.get("FAKEBENCH_BENCH_PRECISION", "fp32")


@pytest.fixture(scope="session")
def foley_rows() -> list[dict]:
    """The 142 shared Foley clips (4 s, 22.05 kHz mono WAV) as manifest rows with absolute paths."""
    manifest = SHARED / "data" / "foley" / "manifest.csv"
    if not manifest.is_file():
        pytest.skip(f"shared Foley clips not found under {SHARED} (set FAKEBENCH_SHARED)")
    with open(manifest, newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        r["abspath"] = str(SHARED / "data" / "foley" / r["path"])
    return rows


@pytest.fixture(scope="session")
def foley_clips(foley_rows):
    """``foley_clips(n)``: n Clips over the shared Foley files, cycling through them when n > 142."""
    from fakebench.data import Clip

    def make(n: int):
        rows = [foley_rows[i % len(foley_rows)] for i in range(n)]
        return [Clip(id=f"c{i}", path=Path(r["abspath"]), label=int(r["label"] == "fake"), duration=float(r["duration"]))
                for i, r in enumerate(rows)]

    return make


class Report:
    """Rows of named result tables, printed at the end of the session."""

    def table(self, name: str, columns: list[str], note: str = "") -> "Report":
        _TABLES.setdefault(name, {"columns": columns, "rows": [], "note": note})
        return self

    def row(self, name: str, **values) -> None:
        _TABLES[name]["rows"].append(values)


@pytest.fixture(scope="session")
def report() -> Report:
    return Report()


def machine() -> dict:
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = None
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count()
    info = {"cpu": cpu, "cores": cores, "memory_gib": mem, "torch": torch.__version__,
            "torch_threads": torch.get_num_threads(), "python": platform.python_version()}
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
    return info


def _fmt(v) -> str:
    if isinstance(v, float):
        a = abs(v)
        if a == 0 or 0.01 <= a < 100:
            return f"{v:.3f}"
        if 100 <= a < 10000:
            return f"{v:.1f}"
        return f"{v:.0f}" if a >= 10000 else f"{v:.3g}"
    return "-" if v is None else str(v)


def pytest_terminal_summary(terminalreporter):
    if not _TABLES:
        return
    end = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    info = machine()
    w = terminalreporter.write_line
    terminalreporter.section("fakebench performance tables")
    w(f"machine: {info['cpu']}, {info['cores']} cores, {info['memory_gib']} GiB, torch {info['torch']} "
      f"({info['torch_threads']} intra-op threads), python {info['python']}" + (f", GPU {info['gpu']}" if "gpu" in info else ""))
    w("load average (1/5/15 min): start " + " ".join(f"{x:.2f}" for x in _LOAD.get("start", (0, 0, 0)))
      + ", end " + " ".join(f"{x:.2f}" for x in end))
    for name, t in _TABLES.items():
        w("")
        w(f"{name}" + (f" ({t['note']})" if t["note"] else ""))
        w("| " + " | ".join(t["columns"]) + " |")
        w("|" + "---|" * len(t["columns"]))
        for r in t["rows"]:
            w("| " + " | ".join(_fmt(r.get(c)) for c in t["columns"]) + " |")
    out = os.environ.get("FAKEBENCH_BENCH_JSON")
    if out:
        Path(out).write_text(json.dumps({"machine": info, "load_start": _LOAD.get("start"), "load_end": end,
                                         "created": time.strftime("%Y-%m-%dT%H:%M:%S"), "tables": _TABLES},
                                        indent=2, default=str))
        w(f"tables written to {out}")
