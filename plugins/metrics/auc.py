"""``roc_auc``: area under the ROC curve, fake as the positive class.

Threshold-free: the probability that a random fake scores above a random real clip,
ties counting one half. Computed on tensors in :func:`fakebench.metrics.roc_auc`;
equal to scikit-learn's ``roc_auc_score``.
"""

from fakebench.api import Metric, hookimpl


class ROCAUC(Metric):
    name = "roc_auc"
    description = "area under the ROC curve (fake = positive)"
    higher_is_better = True
    percent = True

    def compute(self, scores, labels, **context):
        from fakebench.api import roc_auc  # torch: imported when computed, not when listed

        return roc_auc(scores, labels)


@hookimpl
def fakebench_register_metrics():
    return [ROCAUC]
