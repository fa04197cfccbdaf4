"""``eer``: equal error rate, exactly as the ASVspoof evaluation packages compute it.

Source: the ASVspoof 2019/2021 evaluation packages (``compute_det_curve`` and
``compute_eer``), re-implemented on tensors in :func:`fakebench.metrics.eer`; see that
function for the algorithm and for how fakebench's score direction is converted.
Citation: Todisco et al., "ASVspoof 2019: Future Horizons in Spoofed and Fake Audio
Detection", Interspeech 2019.
"""

from fakebench.api import Metric, hookimpl


class EER(Metric):
    name = "eer"
    description = "equal error rate (ASVspoof-exact; bona fide as target)"
    higher_is_better = False
    percent = True

    def compute(self, scores, labels, **context):
        from fakebench.api import eer  # torch: imported when computed, not when listed

        return eer(scores, labels)


@hookimpl
def fakebench_register_metrics():
    return [EER]
