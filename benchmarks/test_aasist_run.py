"""A whole ``fakebench run -d aasist`` against the authors' one-clip evaluation loop.

Run with ``python -m pytest benchmarks/test_aasist_run.py -s`` (not part of the default
test run; needs the released ``AASIST.pth`` in ``$FAKEBENCH_SHARED/weights/aasist``).

Both sides score the same real speech clips of the shared set with the released AASIST
checkpoint, each in a fresh process:

* **fakebench**: ``fakebench run -d aasist -D manifest`` on a manifest holding 4 train, 8
  val and ``FAKEBENCH_BENCH_AASIST_CLIPS`` (default 24) eval clips, ``--no-cache`` (so
  every clip is decoded and scored), default eval batch (chosen by the memory budget) and
  allocator settings;
* **reference**: the loop of the authors' evaluation script: for each clip, read it, repeat
  it to 64,600 samples, one forward of batch 1 under ``no_grad``; glibc's allocator as it
  comes. The network is fakebench's ``_aasist_net`` (the review found it equal to the
  authors' model within 8e-6 and 0.98x its speed).

Reported: seconds per scored clip on each side (fakebench scores val and eval, each once),
their ratio (target >= 1.0: fakebench at least as fast per clip), the fixed start-up cost
of the run (imports, registry, protocol), and peak RSS of each process (target:
fakebench within 1.5x of the loop).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SHARED = Path(os.environ.get("FAKEBENCH_SHARED", Path(__file__).resolve().parents[2] / "shared"))
WEIGHTS = SHARED / "weights" / "aasist" / "AASIST.pth"
N_EVAL = int(os.environ.get("FAKEBENCH_BENCH_AASIST_CLIPS", "24"))

REFERENCE = r"""
import json, resource, sys, time
import numpy as np, soundfile as sf, torch
from fakebench.plugins.detectors._aasist_net import AASISTNet, CONFIGS
paths, weights = json.loads(sys.argv[1]), sys.argv[2]
t0 = time.perf_counter()
net = AASISTNet(**CONFIGS["AASIST"])
net.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
net.eval()
loaded = time.perf_counter()
scores = []
with torch.no_grad():
    for p in paths:
        x, sr = sf.read(p, dtype="float32")
        reps = 64600 // len(x) + 1
        x = np.tile(x, reps)[:64600]
        out = net(torch.from_numpy(x)[None])
        scores.append(float(out[0, 1] - out[0, 0]))
end = time.perf_counter()
print(json.dumps({"seconds": end - loaded, "load_seconds": loaded - t0, "n": len(paths),
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

FAKEBENCH = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from fakebench.cli import main
try:
    main(sys.argv[1:], standalone_mode=False)
finally:
    print(json.dumps({"wall": time.perf_counter() - t0,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


@pytest.fixture(scope="module")
def speech_manifest(tmp_path_factory):
    if not WEIGHTS.is_file():
        pytest.skip(f"{WEIGHTS} not found")
    with open(SHARED / "data" / "speech" / "manifest.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    real = [r for r in rows if r["label"] == "real"]
    fake = [r for r in rows if r["label"] == "fake"]
    mixed = [r for pair in zip(real, fake) for r in pair]
    picked = mixed[: 12 + N_EVAL]
    for i, r in enumerate(picked):
        r["split"] = "train" if i < 4 else "val" if i < 12 else "eval"
        r["path"] = str(SHARED / "data" / "speech" / r["path"])
    path = tmp_path_factory.mktemp("aasist") / "manifest.csv"
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["path", "label", "split", "speaker", "system"], extrasaction="ignore")
        w.writeheader()
        w.writerows(picked)
    return path, [r["path"] for r in picked if r["split"] in ("val", "eval")]


def _last_json(out: str) -> dict:
    return json.loads(out.strip().splitlines()[-1])


def test_aasist_run_against_the_authors_loop(benchmark, speech_manifest, tmp_path, report):
    manifest, scored_paths = speech_manifest
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "2")}
    results = {}

    def both():
        ref = subprocess.run([sys.executable, "-c", REFERENCE, json.dumps(scored_paths), str(WEIGHTS)],
                             capture_output=True, text=True, env=env, check=True)
        fb = subprocess.run([sys.executable, "-c", FAKEBENCH, "run", "-d", "aasist", "-D", "manifest",
                             "--data-root", str(manifest), "--weights", str(WEIGHTS), "--no-cache", "--device", "cpu",
                             "--results", str(tmp_path / "res"), "--json"],
                            capture_output=True, text=True, env=env)
        assert fb.returncode == 0, fb.stderr[-2000:]
        results["ref"], results["fb"] = _last_json(ref.stdout), _last_json(fb.stdout)
        results["records"] = json.loads(fb.stdout[: fb.stdout.rstrip().rfind("\n{")])

    benchmark.pedantic(both, rounds=1, iterations=1)
    ref, fb, rec = results["ref"], results["fb"], results["records"][0]
    n = len(scored_paths)
    t = rec["timings"]
    model_s = t.get("score", 0.0) + t.get("fit", 0.0)  # fit of a released model = scoring val once
    per_clip_fb = model_s / n
    per_clip_ref = ref["seconds"] / n
    fixed = fb["wall"] - model_s
    speed = per_clip_ref / per_clip_fb
    memory = fb["peak_rss_mb"] / ref["peak_rss_mb"]
    name = f"AASIST run vs the authors' one-clip loop ({n} clips scored, CPU)"
    report.table(name, ["side", "s / clip", "peak RSS MB", "fixed s", "ratio", "target"])
    report.row(name, side="authors' loop", **{"s / clip": per_clip_ref, "peak RSS MB": ref["peak_rss_mb"],
                                              "fixed s": ref["load_seconds"], "ratio": "", "target": ""})
    report.row(name, side="fakebench run", **{"s / clip": per_clip_fb, "peak RSS MB": fb["peak_rss_mb"],
                                              "fixed s": fixed, "ratio": "", "target": ""})
    report.row(name, side="speed (loop s / fakebench s)", **{"s / clip": "", "peak RSS MB": "", "fixed s": "",
                                                            "ratio": speed, "target": ">= 1.0"})
    report.row(name, side="memory (fakebench / loop)", **{"s / clip": "", "peak RSS MB": "", "fixed s": "",
                                                         "ratio": memory, "target": "<= 1.5"})
    benchmark.extra_info.update(speed_ratio=speed, memory_ratio=memory, per_clip_fb=per_clip_fb,
                                per_clip_ref=per_clip_ref, peak_fb=fb["peak_rss_mb"], peak_ref=ref["peak_rss_mb"],
                                record_peak=rec["resources"]["peak_rss_mb"])
