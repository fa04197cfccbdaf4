"""``abx``: ABX accuracy of an embedding space, as a metric plugin.

Source: Schatz et al., Interspeech 2013 (the function is :func:`fakebench.metrics.abx`).
License of this implementation: MIT.

Why a metric plugin cannot compute it from scores: ABX needs an embedding space, and the
standard metric context holds only scores and labels (1-D scores grouped by label would
measure clustering, not direction, so reversed scores would score the same). So the
plugin (``--metric abx``, not a default metric) computes it when its context carries
``embeddings`` (n, D) and optionally ``groups`` (default: the labels); without them it
reports the metric as undefined with the reason. The ``dada`` detector reports the ABX
of its text space (by speaker) and its audio space (by label and by speaker) on its
train and validation data in ``abx_`` and in the run record (``training.history``,
entries with ``"stage": "abx"``).
"""

from __future__ import annotations

from fakebench.api import Metric, MetricError, hookimpl


class ABX(Metric):
    name = "abx"
    description = "ABX accuracy of an embedding space, d(X,A) < d(X,B); needs embeddings in the context"
    higher_is_better = True
    percent = True
    from_scores = False
    default = False

    def compute(self, scores, labels, embeddings=None, groups=None, **context):
        if embeddings is None:
            raise MetricError("abx needs an embedding space, which this run does not provide",
                              hint="call fakebench.metrics.abx(embeddings, groups); the dada detector "
                                   "records the ABX of its spaces in the run record's training history")
        if groups is None:
            groups = [int(v) for v in labels.tolist()]
        from fakebench.api import abx  # torch: imported when computed, not when listed

        return abx(embeddings, groups, distance=context.get("abx_distance", "cosine"))


@hookimpl
def fakebench_register_metrics():
    return [ABX]
