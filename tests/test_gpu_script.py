"""``benchmarks/gpu.sh`` (the GPU table of issue 20) runs every row end to end.

The script is meant for a lent H100/H200; here it runs with ``--smoke --device cpu``
(tiny sizes: a few real speech clips from the shared set, the official AASIST
checkpoint, full-size CLAP-2023 and PANNs with random weights, a tiny SSL encoder, 1k MLP
rows, 100k scores), through bash and the global ``timeout`` as a user runs it, and the
JSON it writes is checked: every row ran and holds a finite number (or, for a precision
that cannot run on this CPU, the reason and "not met"), the targets are not judged on a
CPU or at smoke sizes, and the mixed-precision rows compare real scores.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))
try:
    from gpu_table import ROW_KEYS
finally:
    sys.path.pop(0)

EXPECTED = {
    "clap_rtf_fp32", "clap_rtf_bf16", "panns_rtf_fp32", "panns_rtf_bf16", "mlp_100_epochs",
    "aasist_clips_per_s", "ssl_clips_per_s",
    "eer_cpu_s", "eer_device_s", "min_dcf_cpu_s", "min_dcf_device_s", "metrics_device_vs_cpu",
    "aasist_eer_fp32", "aasist_eer_delta_bf16", "aasist_eer_delta_fp16",
    "speaker_logreg_eer_fp32", "speaker_logreg_eer_delta_bf16", "speaker_logreg_eer_delta_fp16",
}
#: rows whose value may be missing when the precision itself cannot run on a CPU (oneDNN
#: has no fp16 LSTM): then the row must say so and fail its target
PRECISION_ROWS = {k for k in EXPECTED if "_eer_delta_" in k}


def test_gpu_script_smoke_on_cpu(tmp_path, shared):
    out = tmp_path / "gpu.json"
    env = dict(os.environ, PYTHON=sys.executable, FAKEBENCH_SHARED=str(shared))
    command = ["bash", str(REPO / "benchmarks" / "gpu.sh"), "--smoke", "--device", "cpu", "--json", str(out)]
    proc = subprocess.run(command, check=False, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    doc = json.loads(out.read_text())
    rows = {r["key"]: r for r in doc["rows"]}

    assert set(ROW_KEYS) == EXPECTED == set(rows)
    assert doc["complete"] and doc["ok"] and doc["header"]["device"] == "cpu" and doc["header"]["smoke"]
    for key, row in rows.items():
        assert row["ran"] and row["error"] is None, (key, row)
        if row["value"] is None:
            assert key in PRECISION_ROWS and row["status"] == "not met" and "cannot be used" in row["note"], row
            continue
        assert isinstance(row["value"], (int, float)) and math.isfinite(row["value"]), (key, row)
        # GPU targets are not judged on a CPU, and no target is judged at smoke sizes
        assert row["status"] in ("-", "n/a on CPU", "n/a (smoke)"), (key, row)
        assert row["measure"] in proc.stdout  # the printed table has every row

    # the table: one header line naming the device and torch, and the columns asked for
    assert "device: cpu" in proc.stdout and "torch " in proc.stdout
    assert "| measure" in proc.stdout and "| status" in proc.stdout and "| note" in proc.stdout

    # real work behind the numbers
    assert rows["clap_rtf_fp32"]["value"] > 0 and rows["panns_rtf_bf16"]["value"] > 0
    assert rows["aasist_clips_per_s"]["value"] > 0 and "official AASIST.pth" in rows["aasist_clips_per_s"]["note"]
    assert rows["metrics_device_vs_cpu"]["value"] == 0.0  # same tensors, same algorithm
    assert 0 <= rows["aasist_eer_fp32"]["value"] <= 100
    # AASIST fp32 vs bf16 on real shared speech: CPU autocast runs it, so it is a number
    bf16 = rows["aasist_eer_delta_bf16"]
    assert bf16["value"] is not None and 0 <= bf16["value"] <= 100 and "in fp32" in bf16["note"]


def test_a_failing_section_is_a_row_not_a_crash(tmp_path):
    """A section that fails prints its rows with the error and the others still run; the
    exit status is 1 because not every row ran."""
    out = tmp_path / "gpu.json"
    missing = tmp_path / "no-shared"
    command = [sys.executable, str(REPO / "benchmarks" / "gpu_table.py"), "--smoke", "--device", "cpu",
               "--shared", str(missing), "--only", "mp-aasist,metrics", "--json", str(out)]
    proc = subprocess.run(command, check=False, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stdout[-4000:] + proc.stderr[-4000:]
    rows = {r["key"]: r for r in json.loads(out.read_text())["rows"]}
    failed = rows["aasist_eer_delta_bf16"]
    assert failed["status"] == "error" and failed["value"] is None
    assert "FileNotFoundError" in failed["error"] and str(missing) in failed["error"]
    assert "\n" not in failed["error"] and failed["error"] in proc.stdout  # one line, in the table
    assert rows["eer_cpu_s"]["error"] is None and math.isfinite(rows["eer_cpu_s"]["value"])  # ran beside it
    assert rows["clap_rtf_fp32"]["status"] == "not run" and "--only" in rows["clap_rtf_fp32"]["error"]
