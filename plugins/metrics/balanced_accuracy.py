"""``balanced_accuracy``: mean of the real-clip and fake-clip recalls at the threshold.

Unlike accuracy it does not reward always answering the majority class, which matters
on the skewed demo sets (21 real vs 121 fake Foley clips). The threshold is the
detector's, or the dev-set EER threshold with ``fakebench run --threshold dev-eer``.
Same definition as scikit-learn's ``balanced_accuracy_score`` (binary case).
"""

from fakebench.api import Metric, hookimpl


class BalancedAccuracy(Metric):
    name = "balanced_accuracy"
    description = "mean of real and fake recall at the decision threshold"
    higher_is_better = True
    percent = True

    def compute(self, scores, labels, threshold=0.0, **context):
        from fakebench.api import balanced_accuracy  # torch: imported when computed, not when listed

        return balanced_accuracy(scores, labels, threshold)


@hookimpl
def fakebench_register_metrics():
    return [BalancedAccuracy]
