"""``min_adcf``: minimum normalised a-DCF of the CM under test in tandem with an ASV system.

Source: the architecture-agnostic detection cost function of H.-j. Shim, J.-w. Jung,
T. Kinnunen et al., "a-DCF: an architecture agnostic metric with application to
spoofing-robust speaker verification", Odyssey 2024, as the ASVspoof 5 evaluation
package computes it (https://github.com/asvspoof-challenge/asvspoof5,
``evaluation-package/a_dcf.py``; the track 2 ranking metric). Costs: the package's
challenge model, Ptar 0.95 x 0.99, Pnon 0.95 x 0.01, Pspoof 0.05, Cmiss 1, Cfa 10,
Cfa_spoof 10 (:data:`fakebench.metrics.ADCF_ASVSPOOF5`)::

    a-DCF(t) = (Cmiss Ptar Pmiss_tar(t) + Cfa Pnon Pfa_non(t) + Cfa_spoof Pspoof Pfa_spoof(t))
               / min(Cfa Pnon + Cfa_spoof Pspoof, Cmiss Ptar)

The a-DCF scores a spoofing-robust speaker verification (SASV) system. A fakebench run
evaluates a countermeasure, so the SASV system here is the cascade CM -> ASV with the CM
at the run's decision threshold (context ``threshold``; a clip is called fake when its
score is above it): a trial's SASV score is its ASV score when the CM accepts the clip as
bona fide and ``-inf`` (rejected) when it calls it fake
(:func:`fakebench.metrics.asvspoof5.tandem_sasv_scores`); the minimum is over the ASV
threshold.

Context it needs (``requires``), passed by the runner:

* ``sasv_trials``: the dataset's SASV trial list with ASV scores, a mapping of per-trial
  sequences ``clip_id`` (the probe clip), ``asv_key`` (``target`` / ``nontarget`` /
  ``spoof``) and ``asv_score`` (higher = the claimed speaker); ``speaker`` (the claimed
  target) may be there too. A clip may appear in several trials. Datasets provide it
  as ``sasv_trials(split)`` (``asvspoof5`` does when given ``asv_score_file``);
* ``clip_ids``: the ids of the scored eval clips, in the order of the scores.

Without them the metric is left out of default runs. Trials whose clip was not scored
are left out with a warning.
"""

from fakebench.api import SASV_EXAMPLE_CONTEXT, Metric, MetricError, hookimpl


class MinADCF(Metric):
    name = "min_adcf"
    description = "min a-DCF of the CM -> ASV cascade at the run's threshold (ASVspoof 5 track 2; needs SASV trials)"
    higher_is_better = False
    percent = False
    default = True
    requires = ("sasv_trials", "clip_ids")
    example_context = SASV_EXAMPLE_CONTEXT

    def compute(self, scores, labels, sasv_trials=None, clip_ids=None, threshold=None, **context):
        from fakebench.api import metrics

        if sasv_trials is None or clip_ids is None:
            raise MetricError("min_adcf needs the dataset's SASV trials with ASV scores, which this run does not have",
                              hint="use a dataset that provides sasv_trials (asvspoof5 with asv_score_file=FILE)")
        if threshold is None:
            raise MetricError("min_adcf needs the run's CM decision threshold")
        cm, asv, keys = metrics.trial_scores(scores, clip_ids, sasv_trials)
        sasv = metrics.asvspoof5.tandem_sasv_scores(cm, asv, float(threshold))
        return metrics.min_adcf(sasv, keys)


@hookimpl
def fakebench_register_metrics():
    return [MinADCF]
