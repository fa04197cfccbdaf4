"""``f1``: F1 score of the fake class at the detector's threshold.

Fake/spoof is the positive class; F1 is 0 when there are no true positives (as
scikit-learn's ``zero_division=0``).
"""

from fakebench.api import Metric, hookimpl


class F1(Metric):
    name = "f1"
    description = "F1 of the fake class at the detector's decision threshold"
    higher_is_better = True
    percent = True

    def compute(self, scores, labels, threshold=0.0, **context):
        from fakebench.api import f1  # torch: imported when computed, not when listed

        return f1(scores, labels, threshold)


@hookimpl
def fakebench_register_metrics():
    return [F1]
