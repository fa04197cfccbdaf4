"""``min_dcf`` and ``act_dcf``: the normalised detection cost function of ASVspoof 5.

Source: ASVspoof 5 evaluation plan (Wang et al., 2024) and its evaluation package,
https://github.com/asvspoof-challenge/asvspoof5 (``evaluation-package``), whose cost
model is Pspoof = 0.05, Cmiss = 1, Cfa = 10::

    DCF(t) = (Cmiss (1 - Pspoof) Pmiss(t) + Cfa Pspoof Pfa(t)) / min(Cmiss (1 - Pspoof), Cfa Pspoof)

``min_dcf`` is the minimum over thresholds; ``act_dcf`` is the DCF at the Bayes
threshold ``-log(beta)`` on calibrated bona fide log-likelihood ratios, so it is only
computed for detectors whose scores are logits (fakebench negates them once, in
:func:`fakebench.metrics.act_dcf`). Citation: Wang et al., "ASVspoof 5: Crowdsourced
speech data, deepfakes, and adversarial attacks at scale", ASVspoof Workshop 2024.
"""

from fakebench.api import Metric, MetricError, hookimpl


class MinDCF(Metric):
    name = "min_dcf"
    description = "minimum normalised DCF (ASVspoof 5: Pspoof 0.05, Cmiss 1, Cfa 10)"
    higher_is_better = False
    percent = False

    def compute(self, scores, labels, **context):
        from fakebench.api import ASVSPOOF5_DCF, min_dcf  # torch: imported when computed, not when listed

        return min_dcf(scores, labels, **ASVSPOOF5_DCF)


class ActDCF(Metric):
    name = "act_dcf"
    description = "actual normalised DCF at the Bayes threshold of calibrated logits (ASVspoof 5)"
    higher_is_better = False
    percent = False
    requires = ("scores_are_logits",)

    def compute(self, scores, labels, scores_are_logits=None, **context):
        if scores_are_logits is False:
            raise MetricError("act_dcf needs calibrated log-likelihood-ratio scores; this detector's are not logits",
                              hint="use min_dcf, which does not depend on calibration")
        from fakebench.api import ASVSPOOF5_DCF, act_dcf  # torch: imported when computed, not when listed

        return act_dcf(scores, labels, **ASVSPOOF5_DCF)


@hookimpl
def fakebench_register_metrics():
    return [MinDCF, ActDCF]
