#!/usr/bin/env bash
# The GPU table of issue 20 in one command: CLAP-2023 / PANNs batched RTF, the paper MLP
# (100 epochs on 31k x 1024), AASIST and SSL-AASIST throughput, metrics on 10M scores on
# the device vs the CPU, and the EER change of bf16 / fp16 on the shared speech set.
#
#   bash benchmarks/gpu.sh                     # the full table (under 8 minutes on one H100/H200)
#   bash benchmarks/gpu.sh --json gpu.json     # also write the rows as JSON
#   bash benchmarks/gpu.sh --smoke --device cpu   # every row at tiny sizes (what the test runs)
#
# Run it with the project's environment active (or PYTHON=/path/to/python). Options go
# to benchmarks/gpu_table.py (--help). FAKEBENCH_GPU_TIMEOUT (default 470 s) is the hard
# limit of the whole run; the driver plans its sections to end 20 s before it
# (FAKEBENCH_GPU_BUDGET) and prints the table whatever happened. FAKEBENCH_SHARED (or
# --shared) says where the shared clips and AASIST checkpoints are (default ../shared).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."

py="${PYTHON:-python}"
if ! command -v "$py" >/dev/null 2>&1; then
    py=python3
fi

if command -v nvidia-smi >/dev/null 2>&1; then
    echo "nvidia-smi: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -n 1)"
else
    echo "nvidia-smi: not found (no NVIDIA driver on this machine)"
fi

limit="${FAKEBENCH_GPU_TIMEOUT:-470}"
export FAKEBENCH_GPU_BUDGET="${FAKEBENCH_GPU_BUDGET:-$((limit > 40 ? limit - 20 : limit / 2))}"
exec timeout --signal=TERM --kill-after=15 "$limit" "$py" benchmarks/gpu_table.py "$@"
