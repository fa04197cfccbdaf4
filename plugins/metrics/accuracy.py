"""``accuracy``: fraction of clips classified correctly at the detector's threshold.

A clip is called fake when its score exceeds the detector's threshold (0.5 probability
for the MLP, i.e. logit 0). As reported by Ouajdi et al., EUSIPCO 2024.
"""

from fakebench.api import Metric, hookimpl


class Accuracy(Metric):
    name = "accuracy"
    description = "accuracy at the detector's decision threshold"
    higher_is_better = True
    percent = True

    def compute(self, scores, labels, threshold=0.0, **context):
        from fakebench.api import accuracy  # torch: imported when computed, not when listed

        return accuracy(scores, labels, threshold)


@hookimpl
def fakebench_register_metrics():
    return [Accuracy]
