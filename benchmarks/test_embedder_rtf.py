"""Real-time factor (processing seconds per audio second) of every embedder, on CPU.

Run with ``python -m pytest benchmarks/test_embedder_rtf.py -s`` (pytest-benchmark; not
part of the default test run). For each embedder, four measurements on 4-s clips (the
DCASE 2023 Task 7 clip length):

* ``model-1`` / ``model-8``: ``embed()`` alone on a batch of 1 / 8 clips already at the
  model's rate (what ``extract`` reports as ``rtf_model``);
* ``e2e-1`` / ``e2e-8``: :func:`fakebench.extract.extract` on 8 real Foley clips from
  ``../shared`` (22.05 kHz WAV: decoding, resampling to the model's rate, batching, model;
  no cache, no loader workers) with batch size 1 / 8 (``rtf_end_to_end``).

Hub models use ``--weights random`` (same architecture and cost as the real ones, at their
full-size default configs); ``speaker`` and ``sfx`` use their packaged real weights. Torch
runs on ``FAKEBENCH_BENCH_THREADS`` threads (default 1), and the RTF is given both in
wall time and in process CPU time, since on a shared machine wall time includes waiting
for the CPU. A table of all results is printed at the end of the session.
"""

import os
import time
from pathlib import Path

import pytest
import torch

SHARED = Path(os.environ.get("FAKEBENCH_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))
NAMES = ["logmel", "mfcc", "lfcc", "vggish", "panns-cnn14-16k", "panns-cnn14-32k", "panns-wavegram-logmel",
         "clap-2022", "clap-2023", "wav2vec2", "whisper", "speaker", "sfx"]
REAL = {"speaker", "sfx"}
SECONDS = 4.0
RESULTS: dict[tuple[str, str], tuple[float, float]] = {}


@pytest.fixture(scope="module", autouse=True)
def threads():
    before = torch.get_num_threads()
    used = int(os.environ.get("FAKEBENCH_BENCH_THREADS", "1"))
    torch.set_num_threads(used)
    yield
    torch.set_num_threads(before)
    if RESULTS:
        _print_table(used)


_LOADED: dict[str, object] = {}


def _embedder(name):
    if name not in _LOADED:
        from fakebench.registry import Registry

        if name == "sfx":
            pytest.importorskip("aisfx")
        emb = Registry().embedder(name)()
        _LOADED[name] = emb.load(weights=None if name in REAL else "random", device="cpu")
    return _LOADED[name]


def _clips():
    import csv

    from fakebench.data import Clip

    manifest = SHARED / "data" / "foley" / "manifest.csv"
    if not manifest.is_file():
        pytest.skip(f"shared Foley clips not found under {SHARED}")
    rows = list(csv.DictReader(open(manifest)))[:8]
    return [Clip(id=r["path"], path=SHARED / "data" / "foley" / r["path"], label=int(r["label"] == "fake"),
                 duration=float(r["duration"])) for r in rows]


def _timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


@pytest.mark.parametrize("batch", [1, 8])
@pytest.mark.parametrize("name", NAMES)
def test_model_rtf(benchmark, name, batch):
    emb = _embedder(name)
    g = torch.Generator().manual_seed(0)
    x = (torch.rand(batch, int(SECONDS * emb.sample_rate), generator=g) - 0.5) * 0.5

    times = []

    def run():
        with torch.inference_mode():
            times.append(_timed(lambda: emb.embed(x)))

    benchmark.pedantic(run, rounds=2, iterations=1, warmup_rounds=1)
    times = times[1:]  # the warm-up call is not counted
    wall = min(t[0] for t in times) / (batch * SECONDS)
    cpu = min(t[1] for t in times) / (batch * SECONDS)
    RESULTS[(name, f"model-{batch}")] = (wall, cpu)
    benchmark.extra_info.update(rtf_wall=wall, rtf_cpu=cpu)


@pytest.mark.parametrize("batch", [1, 8])
@pytest.mark.parametrize("name", NAMES)
def test_end_to_end_rtf(benchmark, name, batch):
    from fakebench.extract import extract

    emb = _embedder(name)
    clips = _clips()
    out = {}

    def run():
        out["t"] = _timed(lambda: out.update(s=extract(emb, clips, cache=None, length="full", batch_size=batch,
                                                       num_workers=0)[1]))

    benchmark.pedantic(run, rounds=1, iterations=1)
    wall, cpu = out["t"]
    audio = out["s"].audio_seconds or len(clips) * SECONDS
    RESULTS[(name, f"e2e-{batch}")] = (wall / audio, cpu / audio)
    benchmark.extra_info.update(rtf_wall=wall / audio, rtf_cpu=cpu / audio)


def _print_table(threads: int):
    cols = ["model-1", "model-8", "e2e-1", "e2e-8"]
    lines = ["", f"RTF on CPU, {threads} torch thread(s), wall / CPU seconds per audio second",
             "| embedder | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
    for name in NAMES:
        cells = []
        for c in cols:
            v = RESULTS.get((name, c))
            cells.append(f"{v[0]:.4f} / {v[1]:.4f}" if v else "-")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    print("\n".join(lines))
