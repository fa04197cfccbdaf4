"""``rtf``, ``rtf_embedding`` and ``rtf_detector``: real-time factors, in % of real time.

A real-time factor is processing seconds per second of audio; the paper (Ouajdi et al.,
EUSIPCO 2024, Table II) reports inference time as a percentage of real time, so these
metrics are flagged ``percent`` (0.5 % = 5 ms per second of audio).

* ``rtf_embedding``: model time of the embedder (``Stopwatch``: CUDA events on GPU, a
  monotonic clock on CPU) over the audio it embedded in this run;
* ``rtf_detector``: the detector's ``decision_function`` on the eval set over the eval
  audio duration;
* ``rtf``: end to end, decoding + resampling + embedding (wall time of the extraction)
  plus the detector.

Timings differ from run to run, so these metrics are not computed by default (a
record's metrics stay reproducible): ask for them, e.g. ``fakebench run ... --metric eer
--metric rtf --metric rtf_embedding --metric rtf_detector``. Embeddings read from the
cache were not timed: with a warm cache the embedding and
end-to-end factors are undefined (``fakebench run --no-cache`` measures them). These
metrics read the run's timings, not the scores (``from_scores = False``).
"""

from fakebench.api import Metric, MetricError, hookimpl


def _embedding_rtf(extract, key):
    if not extract:
        raise MetricError("this pipeline has no embedder, so there is no embedding time")
    timed = [v for v in extract.values() if v.get("computed") and v.get("audio_seconds")]
    if not timed:
        raise MetricError("all embeddings came from the cache, so none were timed",
                          hint="run with --no-cache to measure the embedding real-time factor")
    return sum(v[key] / v["audio_seconds"] for v in timed)


def _detector_rtf(timings, audio_seconds):
    if not audio_seconds:
        raise MetricError("the eval clips' durations are unknown, so no real-time factor",
                          hint="give the dataset a duration column (or use one that reads durations)")
    if "score" not in (timings or {}):
        raise MetricError("the run recorded no scoring time")
    return timings["score"] / audio_seconds


class RTF(Metric):
    name = "rtf"
    description = "end-to-end real-time factor (decode + embed + detect), % of real time"
    higher_is_better = False
    percent = True
    from_scores = False
    default = False
    requires = ("timings", "audio_seconds")

    def compute(self, scores, labels, timings=None, audio_seconds=None, extract=None, **context):
        detector = _detector_rtf(timings, audio_seconds)
        return detector + (_embedding_rtf(extract, "total_seconds") if extract else 0.0)


class EmbeddingRTF(Metric):
    name = "rtf_embedding"
    description = "embedding model real-time factor, % of real time"
    higher_is_better = False
    percent = True
    from_scores = False
    default = False
    requires = ("extract",)

    def compute(self, scores, labels, extract=None, **context):
        return _embedding_rtf(extract, "model_seconds")


class DetectorRTF(Metric):
    name = "rtf_detector"
    description = "detector (decision_function) real-time factor on the eval set, % of real time"
    higher_is_better = False
    percent = True
    from_scores = False
    default = False
    requires = ("timings", "audio_seconds")

    def compute(self, scores, labels, timings=None, audio_seconds=None, **context):
        return _detector_rtf(timings, audio_seconds)


@hookimpl
def fakebench_register_metrics():
    return [RTF, EmbeddingRTF, DetectorRTF]
