"""``cllr`` and ``min_cllr``: the log-likelihood-ratio cost of ASVspoof 5 track 1, in bits.

Source: ASVspoof 5 evaluation package, https://github.com/asvspoof-challenge/asvspoof5
(``evaluation-package/calculate_modules.py``, ``calculate_CLLR``), where Cllr is a
secondary track 1 metric beside min DCF, EER and act DCF. Definition: N. Brümmer and
J. du Preez, "Application-independent evaluation of speaker detection", Computer Speech
& Language 20, 2006::

    Cllr = (mean over bona fide of log2(1 + exp(-llr)) + mean over spoof of log2(1 + exp(llr))) / 2

with ``llr`` the bona fide log-likelihood ratio, i.e. minus fakebench's score (the
functions negate once, :mod:`fakebench.metrics.asvspoof5`). ``cllr`` reads the scores as
calibrated LLRs, so it is computed only for detectors whose scores are logits
(``scores_are_logits``; a calibrated run counts too); 1 bit is a system that always
says LLR 0. ``min_cllr`` is the Cllr after the best monotone calibration (pool adjacent
violators, ties pooled as in the BOSARIS toolkit and PYLLR); the package has no min Cllr.
It depends only on the order of the scores, so it is computed for every detector;
``cllr - min_cllr`` is the calibration loss. Citation for the challenge: Wang et al.,
"ASVspoof 5: Crowdsourced speech data, deepfakes, and adversarial attacks at scale",
ASVspoof Workshop 2024.
"""

from fakebench.api import Metric, MetricError, hookimpl


class Cllr(Metric):
    name = "cllr"
    description = "Cllr of calibrated logit scores (bits; ASVspoof 5 track 1)"
    higher_is_better = False
    percent = False
    default = True
    requires = ("scores_are_logits",)
    example_context = {"scores_are_logits": True}  # noqa: RUF012  (read only)

    def compute(self, scores, labels, scores_are_logits=None, **context):
        from fakebench.api import metrics

        if scores_are_logits is False:
            raise MetricError("cllr needs calibrated log-likelihood-ratio scores; this detector's are not logits",
                              hint="use min_cllr, which does not depend on calibration")
        return metrics.cllr(scores, labels)


class MinCllr(Metric):
    name = "min_cllr"
    description = "Cllr after the optimal monotone (PAV) calibration (bits)"
    higher_is_better = False
    percent = False
    default = True

    def compute(self, scores, labels, **context):
        from fakebench.api import metrics

        return metrics.min_cllr(scores, labels)


@hookimpl
def fakebench_register_metrics():
    return [Cllr, MinCllr]
