"""Scoring throughput (clips per second) of the self-supervised detectors at full size.

Run with ``python -m pytest benchmarks/test_detector_throughput.py -s`` (pytest-benchmark;
not part of the default test run). For each detector, the network alone (front-end and
back-end, the detector's ``to_score`` included) on one batch of 16 clips of 64,600 samples
(4.04 s at 16 kHz, the length SSL-AASIST and SLS are evaluated at), random weights with
the full-size architecture of the released checkpoints (building a network does not need
them), eval mode, ``inference_mode``. ``FAKEBENCH_BENCH_WARMUP`` warm-up batches (default 0:
a full-size batch takes minutes on a CPU, so first-call costs do not matter), then the best
of ``FAKEBENCH_BENCH_ROUNDS`` (default 1) timed batches, in wall time and in process CPU
time (on a shared machine wall time includes waiting for the CPU). Device, precision and threads come
from ``FAKEBENCH_BENCH_DEVICE`` / ``FAKEBENCH_BENCH_PRECISION`` (see ``conftest.py``) and
``FAKEBENCH_BENCH_THREADS`` (default: torch's). The 1-2 billion-parameter front-ends
(XLS-R 1B/2B, MMS-1B, HuBERT-XL) are measured only with ``FAKEBENCH_BENCH_LARGE=1``
(4-8 GB of fp32 weights). Results: a table ``detector throughput`` at the end of the session.
"""

from __future__ import annotations

import os
import time

import pytest
import torch

BATCH, SAMPLES = 16, 64600
CASES = {
    # name: (detector, parameters)
    "ssl-aasist (XLS-R 300M + AASIST)": ("ssl-aasist", {}),
    "ssl-sls (XLS-R 300M + SLS)": ("ssl-sls", {}),
    "ssl (XLS-R 300M / MMS-300M + linear)": ("ssl", {"model": "xlsr-300m"}),
    "ssl (w2v-base + linear)": ("ssl", {"model": "w2v-base"}),
    "ssl (XLS-R 300M layer 12 + ASP, frozen)": ("ssl", {"model": "xlsr-300m", "layer": 12, "backend": "asp"}),
    "ssl (XLS-R 1B / MMS-1B + linear)": ("ssl", {"model": "xlsr-1b"}),
    "ssl (HuBERT-XL + linear)": ("ssl", {"model": "hubert-xl"}),
}
LARGE = {"ssl (XLS-R 1B / MMS-1B + linear)", "ssl (HuBERT-XL + linear)"}


@pytest.fixture(scope="module", autouse=True)
def threads():
    before = torch.get_num_threads()
    if os.environ.get("FAKEBENCH_BENCH_THREADS"):
        torch.set_num_threads(int(os.environ["FAKEBENCH_BENCH_THREADS"]))
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize("case", list(CASES))
def test_detector_throughput(benchmark, report, device, precision, case):
    from fakebench.registry import Registry

    if case in LARGE and not os.environ.get("FAKEBENCH_BENCH_LARGE"):
        pytest.skip("1B+ front-end: set FAKEBENCH_BENCH_LARGE=1")
    name, params = CASES[case]
    det = Registry().detector(name).from_params({"weights": "random", "device": device, "precision": precision,
                                                  **params})
    config = det._arch()
    net = det._net(config).to(device).eval()
    n_params = sum(p.numel() for p in net.parameters())
    g = torch.Generator().manual_seed(0)
    waves = (0.1 * torch.randn(BATCH, SAMPLES, generator=g)).to(device)
    times = []

    def run():
        t, c = time.perf_counter(), time.process_time()
        with torch.inference_mode():
            scores = det._forward_scores(net, waves)
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        times.append((time.perf_counter() - t, time.process_time() - c))
        assert scores.shape == (BATCH,) and torch.isfinite(scores).all()

    rounds = int(os.environ.get("FAKEBENCH_BENCH_ROUNDS", "1"))
    warmup = int(os.environ.get("FAKEBENCH_BENCH_WARMUP", "0"))
    benchmark.pedantic(run, rounds=rounds, iterations=1, warmup_rounds=warmup)
    wall, cpu = min(t[0] for t in times[warmup:]), min(t[1] for t in times[warmup:])
    clips_per_s = BATCH / wall
    benchmark.extra_info.update(clips_per_second=clips_per_s, cpu_seconds=cpu, params=n_params)
    report.table("detector throughput", ["detector", "params (M)", "device", "precision", "threads", "batch",
                                         "wall s / batch", "CPU s / batch", "clips / s (wall)",
                                         "clips / CPU s"],
                 note=f"batches of {BATCH} clips of {SAMPLES} samples (4.04 s), random full-size weights")
    report.row("detector throughput", detector=case, **{"params (M)": n_params / 1e6, "device": device,
               "precision": precision, "threads": torch.get_num_threads(), "batch": BATCH,
               "wall s / batch": wall, "CPU s / batch": cpu, "clips / s (wall)": clips_per_s,
               "clips / CPU s": BATCH / cpu})
