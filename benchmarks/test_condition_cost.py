"""What each robustness condition costs per 4-s clip, on one CPU thread.

Run with ``python -m pytest benchmarks/test_condition_cost.py --benchmark-only`` (not part
of the default test run). For every condition of the built-in presets (``codecs``,
``telephony``, ``noise``, ``reverb``, ``asvspoof21-like``) and the simple effects, on the
first 4 s of a real LibriSpeech clip (16 kHz FLAC) and of a real VCTK clip (22.05 kHz
WAV) from ``../shared``, pytest-benchmark times :func:`fakebench.conditions.apply_condition`
(5 rounds after a warm-up; random conditions redraw nothing between rounds, so the
cost is the same as for a new clip). The table at the end gives, per condition and
rate, the first call (``load()``, encoder checks, one-time delay or absorption
calibration), the mean wall time per clip, the process CPU time per clip (wall time on a
busy shared machine includes waiting for the CPU) and the real-time factor.
"""

from __future__ import annotations

import csv
import time

import numpy as np
import pytest

from benchmarks.conftest import SHARED

SECONDS = 4.0
EFFECTS = ["resample:8000", "bitdepth:8", "gain:-6", "clip:0.5", "loudness:-23", "packetloss:0.1",
           "noise:snr=5:folder={babble}"]


def _specs() -> list[str]:
    from fakebench.conditions import CONDITION_SETS

    specs: list[str] = []
    for name in ("codecs", "telephony", "noise", "reverb", "asvspoof21-like"):
        specs.extend(CONDITION_SETS[name])
    specs.extend(EFFECTS)
    return list(dict.fromkeys(specs))


SPECS = _specs()


@pytest.fixture(scope="module")
def clips() -> dict[int, np.ndarray]:
    import soundfile as sf

    manifest = SHARED / "data" / "speech" / "manifest.csv"
    if not manifest.is_file():
        pytest.skip(f"shared speech clips not found under {SHARED} (set FAKEBENCH_SHARED)")
    with open(manifest, newline="") as f:
        rows = [r for r in csv.DictReader(f) if float(r["duration"]) >= SECONDS and r["label"] == "real"]
    out = {}
    for rate in ("16000", "22050"):
        row = next(r for r in rows if r["sample_rate"] == rate)
        x, sr = sf.read(str(SHARED / "data" / "speech" / row["path"]), dtype="float32", always_2d=True)
        out[int(sr)] = np.ascontiguousarray(x.mean(axis=1)[: int(SECONDS * sr)])
    return out


@pytest.fixture(scope="module")
def registry():
    from fakebench.registry import Registry

    return Registry()


@pytest.mark.parametrize("rate", [16000, 22050])
@pytest.mark.parametrize("spec", SPECS)
def test_condition_cost(benchmark, report, clips, registry, spec, rate):
    from fakebench.conditions import apply_condition, parse_condition

    babble = SHARED / "data" / "speech" / "librispeech" / "real"
    x = clips[rate]
    t0 = time.perf_counter()
    cond = parse_condition(spec.format(babble=babble), registry).load()
    apply_condition(x, rate, cond, "warm-up", 0)
    first = time.perf_counter() - t0
    y = benchmark.pedantic(apply_condition, args=(x, rate, cond, "clip", 0), rounds=5, iterations=1)
    assert y.shape == x.shape and y.dtype == np.float32
    cpu = time.process_time()
    for i in range(3):
        apply_condition(x, rate, cond, f"cpu-{i}", 0)
    cpu = (time.process_time() - cpu) / 3
    mean = benchmark.stats.stats.mean
    report.table("condition cost per 4-s clip",
                 ["condition", "rate", "first call s", "wall s/clip", "cpu s/clip", "rtf"],
                 note="apply_condition on real speech, one thread; first call includes load and calibration")
    report.row("condition cost per 4-s clip", condition=cond.spec().replace(str(babble), "<babble>"), rate=rate,
               **{"first call s": first, "wall s/clip": mean, "cpu s/clip": cpu, "rtf": mean / SECONDS})
