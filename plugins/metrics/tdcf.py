"""``min_tdcf_2019`` and ``min_tdcf_2021``: minimum normalised tandem DCF (CM + ASV).

Sources:

* 2019 legacy form: T. Kinnunen et al., "t-DCF: a detection cost function for the
  tandem assessment of spoofing countermeasures and automatic speaker verification",
  Odyssey 2018; ASVspoof 2019 evaluation plan; ``tDCF_python`` v1 of the ASVspoof
  2019 package (https://www.asvspoof.org/);
* 2021 revised form: T. Kinnunen et al., "Tandem assessment of spoofing
  countermeasures and automatic speaker verification: fundamentals", IEEE/ACM TASLP
  2020; ``tDCF_python`` v2 and the ASVspoof 2021 evaluation package
  (https://github.com/asvspoof-challenge/2021).

Cost model (both): Pspoof 0.05, Ptar 0.95 x 0.99, Pnon 0.95 x 0.01, cost 1 per miss and
10 per false alarm. The ASV error rates are taken at the ASV EER threshold, so both
need the organisers' ASV scores: datasets that have them provide
``asv_scores(split)``, which the runner passes on. Without them the metric is left out
(or, when asked for by name, recorded as undefined). Formulas: :func:`fakebench.metrics.min_tdcf`.
"""

from fakebench.api import Metric, hookimpl

#: ASV scores for the conformance checks: a good ASV system with a few errors.
_EXAMPLE_ASV = {"target": [2.0, 3.0, 4.0, 5.0, 1.0], "nontarget": [-2.0, -1.0, 0.0, 1.5, -3.0],
                "spoof": [1.0, 2.5, 3.5, 0.5, 2.0]}


class MinTDCF2019(Metric):
    name = "min_tdcf_2019"
    description = "minimum normalised t-DCF, ASVspoof 2019 legacy form (needs ASV scores)"
    higher_is_better = False
    percent = False
    requires = ("asv_scores",)
    example_context = {"asv_scores": _EXAMPLE_ASV}

    def compute(self, scores, labels, asv_scores=None, **context):
        from fakebench.api import min_tdcf  # torch: imported when computed, not when listed

        return min_tdcf(scores, labels, asv_scores, version="2019")


class MinTDCF2021(Metric):
    name = "min_tdcf_2021"
    description = "minimum normalised t-DCF, revised form of ASVspoof 2021 (needs ASV scores)"
    higher_is_better = False
    percent = False
    requires = ("asv_scores",)
    example_context = {"asv_scores": _EXAMPLE_ASV}

    def compute(self, scores, labels, asv_scores=None, **context):
        from fakebench.api import min_tdcf

        return min_tdcf(scores, labels, asv_scores, version="2021")


@hookimpl
def fakebench_register_metrics():
    return [MinTDCF2019, MinTDCF2021]
