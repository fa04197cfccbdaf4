"""Statistics over results: seeds, pipelines and systems.

* :func:`mean_std`: mean ± sample standard deviation (n - 1) of multi-seed results;
* :func:`mann_whitney`: the two-sided Mann-Whitney U test between two pipelines' per-seed
  values on one dataset (``scipy.stats.mannwhitneyu``), as in Ouajdi et al. (EUSIPCO
  2024). With 5 seeds against 5 the smallest possible p is 2/252 = 0.0079; with 3
  against 3 it is 0.1, so no difference can be significant at 0.05;
* :func:`bootstrap_eer`: percentile bootstrap confidence interval of the EER, seeded and
  vectorised (replicates are EERs of resampled score sets, each the ASVspoof-exact EER);
* :func:`per_system_bce` and :func:`correlate`: mean BCE per generator, correlated
  (Spearman and Pearson) with a per-system quality measure such as FAD.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
import torch

from .errors import MetricError
from .contracts.metric import as_tensors
from .metrics import need_both_classes, official_classes, sorted_positions, eer


def mean_std(values: Sequence[float]) -> tuple[float, float | None]:
    """Mean and sample standard deviation (``None`` for a single value)."""
    values = [float(v) for v in values]
    if not values:
        raise ValueError("mean_std of no values")
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else None)


@dataclass(frozen=True)
class UTest:
    """Result of a two-sided Mann-Whitney U test of ``a`` against ``b``."""

    u: float
    p: float
    n_a: int
    n_b: int


def mann_whitney(a: Sequence[float], b: Sequence[float]) -> UTest:
    """Two-sided Mann-Whitney U test (scipy's ``mannwhitneyu``; exact p for small
    samples without ties, the normal approximation with tie correction otherwise).
    ``u`` is the statistic of ``a``."""
    from scipy.stats import mannwhitneyu

    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.size == 0 or b.size == 0:
        raise ValueError("the U test needs at least one value on each side")
    if np.ptp(np.concatenate([a, b])) == 0:  # all equal: no evidence of a difference
        return UTest(u=a.size * b.size / 2, p=1.0, n_a=int(a.size), n_b=int(b.size))
    res = mannwhitneyu(a, b, alternative="two-sided")
    return UTest(u=float(res.statistic), p=float(res.pvalue), n_a=int(a.size), n_b=int(b.size))


# -- bootstrap ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BootstrapCI:
    """A percentile bootstrap interval: ``low`` and ``high`` bound the central
    ``1 - alpha`` of the replicates; ``value`` is the statistic on the full data."""

    value: float
    low: float
    high: float
    alpha: float
    n_boot: int
    replicates: np.ndarray

    def __str__(self) -> str:
        return f"{self.value:.4f} [{self.low:.4f}, {self.high:.4f}] ({100 * (1 - self.alpha):g}% CI)"


def bootstrap_indices(n_real: int, n_fake: int, n_boot: int, seed: int = 0, stratified: bool = True
                      ) -> tuple[torch.Tensor, torch.Tensor] | torch.Tensor:
    """The resampling plan of :func:`bootstrap_eer`, for checking it.

    Stratified (default): (real indices (n_boot, n_real), fake indices (n_boot, n_fake)),
    each drawn with replacement within its class. Otherwise one (n_boot, n) tensor of
    indices into all clips, real first then fake.
    """
    g = torch.Generator().manual_seed(int(seed))
    if stratified:
        return (torch.randint(n_real, (n_boot, n_real), generator=g),
                torch.randint(n_fake, (n_boot, n_fake), generator=g))
    return torch.randint(n_real + n_fake, (n_boot, n_real + n_fake), generator=g)


def _batched_eer(is_target_sorted: torch.Tensor, n_tar: torch.Tensor, n_non: torch.Tensor) -> torch.Tensor:
    """EER of each row of merged-order labels (1 = target), the official way."""
    rows, n = is_target_sorted.shape
    tar = torch.cumsum(is_target_sorted, 1)
    k = torch.arange(1, n + 1, device=tar.device)
    non = n_non[:, None] - (k[None, :] - tar)
    frr = torch.cat([torch.zeros(rows, 1, dtype=torch.float64), tar.double() / n_tar[:, None]], 1)
    far = torch.cat([torch.ones(rows, 1, dtype=torch.float64), non.double() / n_non[:, None]], 1)
    i = torch.argmin(torch.abs(frr - far), dim=1, keepdim=True)  # first minimum, as np.argmin
    return ((frr.gather(1, i) + far.gather(1, i)) / 2).squeeze(1)


def bootstrap_eer(scores: Any, labels: Any, n_boot: int = 1000, alpha: float = 0.05, seed: int = 0,
                  stratified: bool = True, chunk_elems: int = 4_000_000) -> BootstrapCI:
    """Percentile bootstrap confidence interval of the EER.

    Each replicate resamples the clips with replacement (within each class when
    ``stratified``, so every replicate keeps the real/fake counts and the EER is always
    defined) and computes the ASVspoof-exact EER. Vectorised: all clips are put in the
    official merged order once; a replicate is then a sorted vector of positions, and
    all replicates of a chunk share one sort and one cumulative sum.

    The interval is the ``alpha/2`` and ``1 - alpha/2`` percentiles of the replicates
    (linear interpolation, as ``numpy.percentile`` and scipy's ``percentile`` method).
    """
    s, y = as_tensors(scores, labels, device="cpu")
    n_real, n_fake = need_both_classes(y, "the EER bootstrap")
    if n_boot < 1:
        raise ValueError("n_boot must be at least 1")
    bona, spoof = official_classes(s, y)  # real clips first, then fakes: the plan's index order
    value = eer(s, y, warn=False)
    # merged position of every clip: real k -> position of its value among sorted targets
    t_sorted, n_sorted, pos_t = sorted_positions(bona, spoof)
    n = n_real + n_fake
    is_target = torch.zeros(n, dtype=torch.int64)
    is_target[pos_t] = 1
    pos_n = torch.searchsorted(t_sorted, n_sorted, right=True) + torch.arange(n_fake)
    # rank of each original clip inside its sorted class, to map clips to positions
    real_pos = pos_t[_rank(bona)]
    fake_pos = pos_n[_rank(spoof)]
    clip_pos = torch.cat([real_pos, fake_pos])
    plan = bootstrap_indices(n_real, n_fake, n_boot, seed, stratified)
    reps = torch.empty(n_boot, dtype=torch.float64)
    step = max(1, chunk_elems // n)
    for lo in range(0, n_boot, step):
        hi = min(n_boot, lo + step)
        if stratified:
            idx = torch.cat([plan[0][lo:hi], plan[1][lo:hi] + n_real], 1)
        else:
            idx = plan[lo:hi]
        pos = torch.sort(clip_pos[idx], dim=1).values
        lab = is_target[pos]
        n_tar = lab.sum(1)
        n_non = n - n_tar
        if not stratified and bool(((n_tar == 0) | (n_non == 0)).any()):
            raise MetricError("a bootstrap replicate drew only one class",
                              hint="use stratified=True (the default) on small or unbalanced sets")
        reps[lo:hi] = _batched_eer(lab, n_tar, n_non)
    r = reps.numpy()
    low, high = np.percentile(r, [100 * alpha / 2, 100 * (1 - alpha / 2)])
    return BootstrapCI(value=value, low=float(low), high=float(high), alpha=alpha, n_boot=n_boot, replicates=r)


def _rank(x: torch.Tensor) -> torch.Tensor:
    """Rank of each element of ``x`` in ascending order (ties: any consistent order;
    tied clips of one class share a value, so their merged positions are interchangeable)."""
    order = torch.argsort(x, stable=True)
    rank = torch.empty_like(order)
    rank[order] = torch.arange(order.numel())
    return rank


# -- per-system quality correlation --------------------------------------------------------


def per_system_bce(scores: Any, labels: Any, systems: Sequence[str | None]) -> dict[str, dict[str, float]]:
    """Mean binary cross-entropy (nats) of logit scores for each system/generator.

    Every clip counts with its own label (fakes: softplus(-s), real clips: softplus(s));
    clips without a system are left out. Returns ``{system: {"bce": mean, "n": count}}``.
    """
    s, y = as_tensors(scores, labels, device="cpu")
    if len(systems) != s.numel():
        raise ValueError(f"{len(systems)} systems for {s.numel()} scores")
    losses = torch.nn.functional.binary_cross_entropy_with_logits(s, y.double(), reduction="none").numpy()
    out: dict[str, list[float]] = {}
    for loss, system in zip(losses, systems):
        if system:
            out.setdefault(str(system), []).append(float(loss))
    return {k: {"bce": float(np.mean(v)), "n": len(v)} for k, v in sorted(out.items())}


@dataclass(frozen=True)
class Correlation:
    n: int
    spearman: float
    spearman_p: float
    pearson: float
    pearson_p: float


def correlate(x: Sequence[float], y: Sequence[float]) -> Correlation:
    """Spearman and Pearson correlation of two paired sequences (scipy), with p-values."""
    from scipy.stats import pearsonr, spearmanr

    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError("correlate needs two 1-D sequences of equal length")
    if x.size < 3:
        raise MetricError(f"a correlation needs at least 3 paired values, got {x.size}",
                          hint="check that the table's system names match the run's systems")
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        raise MetricError("a correlation is undefined when one side is constant")
    sp = spearmanr(x, y)
    pe = pearsonr(x, y)
    return Correlation(n=int(x.size), spearman=float(sp.statistic), spearman_p=float(sp.pvalue),
                       pearson=float(pe.statistic), pearson_p=float(pe.pvalue))


def significance_marker(p: float | None, alpha: float) -> bool:
    """True when ``p`` is below ``alpha`` (``None`` and NaN are never significant)."""
    return p is not None and not math.isnan(p) and p < alpha


def systems_table(path: str, where: str = "") -> Mapping[str, float]:
    """Read a per-system CSV (``system,value``; a header row is optional)."""
    import csv
    from pathlib import Path

    from .errors import ConfigError

    p = Path(path).expanduser()
    if not p.is_file():
        raise ConfigError(f"per-system table {str(p)!r} does not exist",
                          hint="pass a CSV with two columns: system,value (e.g. FAD per generator)")
    from .textfiles import open_text

    out: dict[str, float] = {}
    try:
        lines = open_text(p, error=ConfigError, expected="UTF-8 text", prefix="per-system table ")
    except OSError as e:
        raise ConfigError(f"cannot read per-system table {str(p)!r}: {e.strerror or e}") from None
    with lines as f:
        for lineno, row in enumerate(csv.reader(f), 1):
            if not row or not "".join(row).strip() or row[0].lstrip().startswith("#"):
                continue
            if len(row) < 2:
                raise ConfigError(f"{p}:{lineno}: expected two columns system,value, got {row!r}")
            try:
                out[row[0].strip()] = float(row[1])
            except ValueError:
                if lineno == 1 or not out:  # a header
                    continue
                raise ConfigError(f"{p}:{lineno}: {row[1]!r} is not a number",
                                  hint="the second column holds the per-system value") from None
    if not out:
        raise ConfigError(f"per-system table {str(p)!r} holds no rows", hint="columns: system,value")
    return out


def correlate_runs(store: Any, runs: Sequence[str], table_path: str, split: str = "eval") -> dict[str, Any]:
    """Per-system mean BCE of the stored scores of ``runs`` (run ids, unique run-id
    prefixes or a group key; several runs are averaged per system), joined with the
    per-system values of ``table_path`` (CSV system,value) and correlated."""
    from .errors import FakebenchError

    quality = systems_table(table_path)
    records = store.records()
    chosen: list[dict[str, Any]] = []
    for spec in runs:
        hits = [r for r in records if r["run_id"] == spec or r.get("group_key") == spec]
        if not hits:
            hits = [r for r in records if r["run_id"].startswith(spec)]
            if len(hits) > 1:
                raise FakebenchError(f"run {spec!r} is ambiguous: {len(hits)} runs start with it",
                                     hint="give more of the run id (`fakebench results list`)")
        if not hits:
            raise FakebenchError(f"no stored run {spec!r} in {store.root}", hint="see `fakebench results list`")
        chosen.extend(h for h in hits if h not in chosen)
    per_run = []
    for rec in chosen:
        if rec.get("scores_are_logits") is False:
            raise FakebenchError(f"run {rec['run_id']} has scores that are not logits, so no BCE",
                                 hint="per-system BCE needs a detector whose scores are logits (e.g. mlp)")
        rows = [r for r in store.scores(rec) if r.get("split", split) == split]
        if not rows:
            raise FakebenchError(f"run {rec['run_id']} has no stored {split} scores")
        per_run.append(per_system_bce([float(r["score"]) for r in rows], [int(r["label"]) for r in rows],
                                      [r.get("system") or None for r in rows]))
    systems = sorted(set().union(*per_run))
    bce = {s: float(sum(p[s]["bce"] for p in per_run if s in p) / sum(1 for p in per_run if s in p)) for s in systems}
    common = [s for s in systems if s in quality]
    result: dict[str, Any] = {
        "runs": [r["run_id"] for r in chosen],
        "systems": [{"system": s, "bce": bce[s], "value": quality[s]} for s in common],
        "only_in_runs": [s for s in systems if s not in quality],
        "only_in_table": sorted(s for s in quality if s not in bce),
    }
    c = correlate([bce[s] for s in common], [quality[s] for s in common])
    result.update(n=c.n, spearman=c.spearman, spearman_p=c.spearman_p, pearson=c.pearson, pearson_p=c.pearson_p)
    return result
