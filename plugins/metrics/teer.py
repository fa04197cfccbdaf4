"""``t_eer``: the concurrent tandem equal error rate of the CM under test with an ASV system.

Source: T. H. Kinnunen, K. A. Lee, H. Tak, N. Evans and A. Nautsch, "t-EER:
Parameter-free tandem evaluation of countermeasures and biometric comparators", IEEE
TPAMI 2023, as the ASVspoof 5 evaluation package computes it
(https://github.com/asvspoof-challenge/asvspoof5, ``evaluation-package/
calculate_modules.py``, ``compute_teer_accelerated``; a secondary track 2 metric). One
value, no cost parameters: the error rate at the pair of CM and ASV thresholds where the
tandem miss rate of targets equals the tandem false acceptance of nontargets and spoofs
and both kinds of false acceptance are equal (rho = 0.5). Shown in percent; the function
:func:`fakebench.metrics.t_eer` returns a fraction (the package returns percent). Like
the package, the threshold search is exhaustive below 2,999 trials and coarse-to-fine
above.

Context it needs (``requires``), passed by the runner:

* ``sasv_trials``: the dataset's SASV trial list with ASV scores: per-trial sequences
  ``clip_id`` (the probe clip), ``asv_key`` (``target`` / ``nontarget`` / ``spoof``) and
  ``asv_score`` (higher = the claimed speaker). A clip may appear in several trials; the
  CM score of a trial is that of its clip (fakebench's direction, converted once inside
  :func:`fakebench.metrics.t_eer`). Datasets provide it as ``sasv_trials(split)``
  (``asvspoof5`` does when given ``asv_score_file``);
* ``clip_ids``: the ids of the scored eval clips, in the order of the scores.

The CM classes of the trials come from the ASV keys (target and nontarget trials are bona
fide), as in the package, not from the clip labels. Without this context the metric is
left out of default runs; trials whose clip was not scored are left out with a warning.
"""

from fakebench.api import SASV_EXAMPLE_CONTEXT, Metric, MetricError, hookimpl


class TEER(Metric):
    name = "t_eer"
    description = "concurrent tandem EER of the CM with an ASV system (ASVspoof 5 track 2; needs SASV trials)"
    higher_is_better = False
    percent = True
    default = True
    requires = ("sasv_trials", "clip_ids")
    example_context = SASV_EXAMPLE_CONTEXT

    def compute(self, scores, labels, sasv_trials=None, clip_ids=None, **context):
        from fakebench.api import metrics

        if sasv_trials is None or clip_ids is None:
            raise MetricError("t_eer needs the dataset's SASV trials with ASV scores, which this run does not have",
                              hint="use a dataset that provides sasv_trials (asvspoof5 with asv_score_file=FILE)")
        cm, asv, keys = metrics.trial_scores(scores, clip_ids, sasv_trials)
        return metrics.t_eer(cm, asv, keys)


@hookimpl
def fakebench_register_metrics():
    return [TEER]
