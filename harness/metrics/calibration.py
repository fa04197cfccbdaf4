"""Score calibration: from a detector's scores to log-likelihood ratios, and how well it worked.

What a calibrated score means. After :func:`fit_calibration`, a score becomes

    llr = scale * score + offset = log p(score | spoof) / p(score | bona fide),

the log-likelihood ratio of spoof versus bona fide (natural log; fakebench's direction:
higher = more likely fake). It does not depend on how often fakes occur: for a prior
``P(spoof) = prior`` the posterior is ``p(fake) = sigmoid(llr + logit(prior))``
(:func:`posterior`). The Bayes decision of the ASVspoof 5 DCF (Pspoof 0.05, Cmiss 1,
Cfa 10) calls a clip fake when ``llr > log(1.9)``: that is what ``act_dcf`` measures, and
``cllr`` scores the LLRs over all operating points.

How. Linear logistic regression (Brümmer's prior-weighted form, as in the BOSARIS
toolkit's ``train_linear_calibration``): ``scale`` and ``offset`` minimise the
cross-entropy weighted to an effective prior ``pi``

    pi / N_spoof * sum_spoof softplus(-(llr + logit pi)) + (1 - pi) / N_bona * sum_bona softplus(llr + logit pi)

on development scores, then apply to evaluation scores. The fit is deterministic
(Newton's method with a backtracking line search on the standardised scores, float64,
no random state, no scikit-learn) and always defined: a tiny ridge (``l2``, default
1e-6, on the slope of the standardised scores) keeps the slope finite when the dev
scores separate the classes perfectly.

Which prior. The ASVspoof 5 evaluation package gives no calibration recipe for track 1;
the organisers' track-2 fusion tool in the same repository (``Tool-score-fusion``,
``get_calibration_affine``) fits a logistic regression at the development set's own class
proportion. fakebench defaults to ``prior="asvspoof5"``: the effective spoof prior of the
ASVspoof 5 DCF, ``Cfa Pspoof / (Cfa Pspoof + Cmiss (1 - Pspoof)) = 0.5 / 1.45 = 0.3448``,
the operating point ``act_dcf`` evaluates (the standard choice for a DCF). ``prior=
"empirical"`` reproduces the organisers' tool's choice of prior, and any float in (0, 1)
is accepted (0.5 targets Cllr). The offset is reported as an LLR whatever the prior
(the prior's log-odds are removed).

Reliability. :func:`reliability_diagram` bins the predicted p(spoof) of calibrated
scores and compares each bin's mean prediction with the observed fraction of spoofs, with
counts (the data of a reliability diagram, and the expected calibration error).

In a run (``--calibrate dev``): ``cal = fit_calibration(val_scores, val_labels)``, then
``llr = cal(eval_scores)`` and the calibration-sensitive metrics (``cllr``, ``act_dcf``)
on ``llr``; threshold-free metrics (EER, min DCF, min Cllr) are unchanged by a calibration
with a positive scale.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ..errors import MetricError


def effective_prior(pspoof: float = 0.05, cmiss: float = 1.0, cfa: float = 10.0) -> float:
    """The effective P(spoof) of a DCF: ``Cfa Pspoof / (Cfa Pspoof + Cmiss (1 - Pspoof))``."""
    return cfa * pspoof / (cfa * pspoof + cmiss * (1 - pspoof))


#: The effective spoof prior of the ASVspoof 5 DCF (Pspoof 0.05, Cmiss 1, Cfa 10): 0.5 / 1.45.
ASVSPOOF5_PRIOR = effective_prior(0.05, 1.0, 10.0)


def _logit(p: float) -> float:
    return math.log(p) - math.log1p(-p)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0.0, -x))


def _arrays(scores: Any, labels: Any | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    if hasattr(scores, "detach"):
        scores = scores.detach().cpu().numpy()
    s = np.asarray(scores, dtype=np.float64).reshape(-1)
    if not np.isfinite(s).all():
        raise MetricError(f"calibration needs finite scores; {int((~np.isfinite(s)).sum())} are NaN or infinite")
    if labels is None:
        return s, None
    if hasattr(labels, "detach"):
        labels = labels.detach().cpu().numpy()
    y = np.asarray(labels).reshape(-1)
    if y.size != s.size:
        raise MetricError(f"{s.size} scores for {y.size} labels")
    if y.size and not np.isin(y, (0, 1)).all():
        raise MetricError("labels must be 0 (real/bona fide) or 1 (fake/spoof)")
    return s, y.astype(np.int64)


def _prior(prior: float | str, y: np.ndarray) -> float:
    if isinstance(prior, str):
        if prior == "asvspoof5":
            return ASVSPOOF5_PRIOR
        if prior == "empirical":
            return float(y.mean())
        raise MetricError(f"unknown calibration prior {prior!r}",
                          hint="use 'asvspoof5', 'empirical' or a P(spoof) in (0, 1)")
    p = float(prior)
    if not 0.0 < p < 1.0:
        raise MetricError(f"the calibration prior must be in (0, 1), got {p}")
    return p


@dataclass(frozen=True)
class Calibration:
    """An affine map from a detector's scores to LLRs of spoof versus bona fide.

    ``scale`` and ``offset`` give ``llr = scale * score + offset``; ``prior`` is the
    effective P(spoof) it was trained at; ``n_real``/``n_fake`` count the dev clips.
    Call it on scores (array-like or tensor) to get LLRs as a float64 array.
    """

    scale: float
    offset: float
    prior: float
    n_real: int = 0
    n_fake: int = 0

    def __call__(self, scores: Any) -> np.ndarray:
        s, _ = _arrays(scores)
        return self.scale * s + self.offset

    def posterior(self, scores: Any, prior: float | None = None) -> np.ndarray:
        """p(fake) of each score under ``prior`` (default: the training prior)."""
        return posterior(self(scores), self.prior if prior is None else prior)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Calibration:
        return cls(**{k: d[k] for k in ("scale", "offset", "prior", "n_real", "n_fake") if k in d})


def fit_calibration(scores: Any, labels: Any, prior: float | str = "asvspoof5", *, l2: float = 1e-6,
                    max_iter: int = 100) -> Calibration:
    """Fit ``llr = scale * score + offset`` on development ``scores``/``labels`` (1 = fake)
    by prior-weighted logistic regression at effective spoof prior ``prior``
    (``"asvspoof5"`` = 0.3448, ``"empirical"`` = the dev fraction of fakes, or a float).

    Deterministic; raises :class:`MetricError` when a class is missing or all scores are
    equal.
    """
    s, y = _arrays(scores, labels)
    n_fake = int(y.sum())
    n_real = int(y.size - n_fake)
    if n_fake == 0 or n_real == 0:
        raise MetricError("calibration needs development scores of both real and fake clips",
                          hint="fit it on a val split that holds both classes")
    pi = _prior(prior, y)
    mu, sd = float(s.mean()), float(s.std())
    if not sd > 0:
        raise MetricError("calibration needs development scores that vary (all are equal)")
    x = (s - mu) / sd
    sign = np.where(y == 1, 1.0, -1.0)          # llr + logit(pi) should be > 0 for fakes
    weight = np.where(y == 1, pi / n_fake, (1 - pi) / n_real)
    lp = _logit(pi)

    def objective(a: float, b: float) -> float:
        z = a * x + b + lp
        return float(np.dot(weight, np.logaddexp(0.0, -sign * z)) + 0.5 * l2 * a * a)

    a, b = 0.0, 0.0
    f = objective(a, b)
    for _ in range(max_iter):
        z = a * x + b + lp
        p = _sigmoid(-sign * z)                  # d softplus(-sign z) / d z = -sign p
        g = -sign * p * weight
        h = p * (1 - p) * weight
        grad = np.array([np.dot(g, x) + l2 * a, g.sum()])
        if float(np.max(np.abs(grad))) < 1e-12:
            break
        hess = np.array([[np.dot(h, x * x) + l2, np.dot(h, x)], [np.dot(h, x), h.sum()]])
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            step = grad
        t = 1.0
        while True:  # backtracking (Armijo) line search
            a_new, b_new = a - t * step[0], b - t * step[1]
            f_new = objective(a_new, b_new)
            if f_new <= f - 1e-4 * t * float(np.dot(grad, step)) or t < 1e-10:
                break
            t *= 0.5
        a, b, f = a_new, b_new, f_new
        if float(np.max(np.abs(t * step))) < 1e-13 * (1.0 + abs(a) + abs(b)):
            break
    scale = a / sd
    offset = b - a * mu / sd
    return Calibration(scale=float(scale), offset=float(offset), prior=pi, n_real=n_real, n_fake=n_fake)


def apply_calibration(calibration: Calibration, scores: Any) -> np.ndarray:
    """LLRs (spoof vs bona fide) of ``scores`` under a fitted calibration."""
    return calibration(scores)


def calibrate(dev_scores: Any, dev_labels: Any, eval_scores: Any, prior: float | str = "asvspoof5",
              **kwargs: Any) -> tuple[np.ndarray, Calibration]:
    """Fit on dev, apply to eval: ``(eval LLRs, the calibration)``."""
    cal = fit_calibration(dev_scores, dev_labels, prior, **kwargs)
    return cal(eval_scores), cal


def posterior(llrs: Any, prior: float) -> np.ndarray:
    """p(fake) = sigmoid(llr + logit(prior)) for LLRs of spoof versus bona fide."""
    s, _ = _arrays(llrs)
    if isinstance(prior, str) and prior != "asvspoof5":
        raise MetricError(f"posterior needs a prior probability, got {prior!r}")
    p = _prior(prior, np.zeros(1))
    return _sigmoid(s + _logit(p))


@dataclass(frozen=True)
class Reliability:
    """The data of a reliability diagram: per bin of predicted p(fake) (``edges``, equal
    width over [0, 1]), the number of clips (``count``) and of fakes (``n_fake``), the
    mean prediction and the observed fraction of fakes (``None`` for an empty bin);
    ``prior`` is the prior the predictions used, ``ece`` the expected calibration error
    (count-weighted mean of |observed - predicted|)."""

    edges: list[float]
    count: list[int]
    n_fake: list[int]
    mean_predicted: list[float | None]
    observed: list[float | None]
    prior: float
    ece: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def reliability_diagram(llrs: Any, labels: Any, bins: int = 10, prior: float | None = None) -> Reliability:
    """Reliability data of calibrated scores (LLRs of spoof vs bona fide) on ``labels``.

    Predictions are ``p(fake) = sigmoid(llr + logit(prior))`` with ``prior`` the observed
    fraction of fakes in ``labels`` by default (then a well-calibrated system's points lie
    on the diagonal). A prediction equal to a bin's upper edge falls in that bin only for
    the last bin ([0, 0.1), [0.1, 0.2), ..., [0.9, 1.0]).
    """
    s, y = _arrays(llrs, labels)
    if y.size == 0:
        raise MetricError("a reliability diagram needs at least one clip")
    if int(bins) < 1:
        raise MetricError(f"bins must be at least 1, got {bins}")
    bins = int(bins)
    if prior is None:
        frac = float(y.mean())
        if not 0.0 < frac < 1.0:
            raise MetricError("the default prior (the fraction of fakes) needs both classes; pass prior=")
        prior = frac
    p = posterior(s, prior)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, bins - 1)
    count = np.bincount(which, minlength=bins)
    n_fake = np.bincount(which, weights=y, minlength=bins).astype(np.int64)
    sum_p = np.bincount(which, weights=p, minlength=bins)
    mean_p: list[float | None] = []
    observed: list[float | None] = []
    ece = 0.0
    for k in range(bins):
        if count[k] == 0:
            mean_p.append(None)
            observed.append(None)
            continue
        mp, ob = float(sum_p[k] / count[k]), float(n_fake[k] / count[k])
        mean_p.append(mp)
        observed.append(ob)
        ece += count[k] / y.size * abs(ob - mp)
    return Reliability(edges=[float(e) for e in edges], count=[int(c) for c in count],
                       n_fake=[int(c) for c in n_fake], mean_predicted=mean_p, observed=observed,
                       prior=float(prior), ece=float(ece))
