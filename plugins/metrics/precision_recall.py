"""``precision`` and ``recall`` of the fake class at the decision threshold.

Fake/spoof is the positive class; a clip is called fake when its score exceeds the
threshold (the detector's, or the dev-set EER threshold with ``--threshold dev-eer``).
Both are 0 where undefined, as scikit-learn's ``zero_division=0``.
"""

from fakebench.api import Metric, hookimpl


class Precision(Metric):
    name = "precision"
    description = "precision of the fake class at the decision threshold"
    higher_is_better = True
    percent = True

    def compute(self, scores, labels, threshold=0.0, **context):
        from fakebench.api import precision  # torch: imported when computed, not when listed

        return precision(scores, labels, threshold)


class Recall(Metric):
    name = "recall"
    description = "recall of the fake class (detection rate) at the decision threshold"
    higher_is_better = True
    percent = True

    def compute(self, scores, labels, threshold=0.0, **context):
        from fakebench.api import recall  # torch: imported when computed, not when listed

        return recall(scores, labels, threshold)


@hookimpl
def fakebench_register_metrics():
    return [Precision, Recall]
