"""A warm re-run of a whole CLI run against the imports it needs.

Run with ``python -m pytest benchmarks/test_warm_cli.py -s`` (not part of the default test
run). ``fakebench run -d sfx-mlp -D foley-demo`` on the 142 shared Foley clips, each run a
fresh process with its own ``FAKEBENCH_HOME``: the cold run (empty cache), then the same
command again. The floor is a fresh process importing what a run needs
(``fakebench.cli``, ``fakebench.runner`` with torch, the registry and the plugins). The
target: the warm run costs no more than that floor plus a small constant (reported:
warm / floor, and warm - floor in seconds).

The fit cache is keyed by the git commit and is off in a checkout with uncommitted
changes, so run it on a clean checkout (or an installed release); otherwise the warm run
trains again and the table says so.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

SHARED = Path(os.environ.get("FAKEBENCH_SHARED", Path(__file__).resolve().parents[2] / "shared"))

FLOOR = ("import fakebench.cli, fakebench.launch, fakebench.runner\n"
         "from fakebench.registry import Registry\n"
         "r = Registry(); r.pipeline('sfx-mlp', None); r.dataset('foley-demo')\n")


def _timed(cmd: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess]:
    t = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    return time.perf_counter() - t, out


def test_warm_cli_run_against_its_imports(benchmark, tmp_path, report):
    if not (SHARED / "data" / "foley" / "manifest.csv").is_file():
        pytest.skip(f"shared Foley clips not found under {SHARED}")
    env = {**os.environ, "FAKEBENCH_HOME": str(tmp_path / "home")}
    cmd = [sys.executable, "-m", "fakebench", "run", "-d", "sfx-mlp", "-D", "foley-demo", "--data-root",
           str(SHARED / "data")]
    cold, out = _timed(cmd, env)
    assert out.returncode == 0, out.stderr[-2000:]
    results = {}

    def warm_and_floor():
        results["warm"], w = _timed(cmd, env)
        assert w.returncode == 0, w.stderr[-2000:]
        results["reused"] = "reused the fitted" in w.stderr
        results["floor"], f = _timed([sys.executable, "-c", FLOOR], env)
        assert f.returncode == 0, f.stderr[-2000:]

    benchmark.pedantic(warm_and_floor, rounds=1, iterations=1)
    warm, floor = results["warm"], results["floor"]
    name = "warm CLI re-run (sfx-mlp on foley-demo, fresh processes)"
    report.table(name, ["cold s", "warm s", "import floor s", "warm / floor", "warm - floor s", "warm / cold",
                        "fit reused"])
    report.row(name, **{"cold s": cold, "warm s": warm, "import floor s": floor, "warm / floor": warm / floor,
                        "warm - floor s": warm - floor, "warm / cold": warm / cold,
                        "fit reused": "yes" if results["reused"] else "no (uncommitted changes: fit cache off)"})
    benchmark.extra_info.update(cold=cold, warm=warm, floor=floor)
