"""``bce``: mean binary cross-entropy (nats) of logit scores.

Only meaningful for detectors whose scores are logits of p(fake)
(``Detector.scores_are_logits``, e.g. the MLP); left out for the others. Per-system
BCE (``record["breakdowns"]["system"][...]["bce"]``) is what Ouajdi et al. (EUSIPCO
2024) correlate with the DCASE FAD ranking; see ``fakebench leaderboard correlate``.
"""

from fakebench.api import Metric, MetricError, hookimpl


class BCE(Metric):
    name = "bce"
    description = "mean binary cross-entropy of logit scores (nats)"
    higher_is_better = False
    percent = False
    requires = ("scores_are_logits",)

    def compute(self, scores, labels, scores_are_logits=None, **context):
        if scores_are_logits is False:
            raise MetricError("bce needs logit scores; this detector's scores are not logits")
        from fakebench.api import bce  # torch: imported when computed, not when listed

        return bce(scores, labels)


@hookimpl
def fakebench_register_metrics():
    return [BCE]
