"""Statistics over results: seeds, pipelines and systems.

* :func:`mean_std`: mean ± sample standard deviation (n - 1) of multi-seed results;
* :func:`mann_whitney`: the two-sided Mann-Whitney U test between two pipelines' per-seed
  values on one dataset, as in Ouajdi et al. (EUSIPCO 2024), in NumPy with the same
  p-values as ``scipy.stats.mannwhitneyu`` (its exact null distribution for small samples
  without ties, its normal approximation otherwise; tested against scipy). With 5 seeds
  against 5 the smallest possible p is 2/252 = 0.0079; with 3 against 3 it is 0.1, so no
  difference can be significant at 0.05;
* :func:`bootstrap_eer`: percentile bootstrap confidence interval of the EER, seeded and
  vectorised (replicates are EERs of resampled score sets, each the ASVspoof-exact EER);
* :func:`per_system_bce` and :func:`correlate`: mean BCE per generator, correlated
  (Spearman and Pearson) with a per-system quality measure such as FAD.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from .errors import MetricError

if TYPE_CHECKING:  # numpy, torch and the metric functions are imported where used:
    import numpy as np  # `fakebench leaderboard` renders mean, std and U tests without them
    import torch


def mean_std(values: Sequence[float]) -> tuple[float, float | None]:
    """Mean and sample standard deviation (``None`` for a single value)."""
    values = [float(v) for v in values]
    n = len(values)
    if not n:
        raise ValueError("mean_std of no values")
    mean = math.fsum(values) / n
    if n == 1:
        return mean, None
    if not all(map(math.isfinite, values)):  # inf/nan: as the statistics module has it
        return statistics.fmean(values), statistics.stdev(values)
    # two-pass, compensated sums: equal to statistics.stdev within an ulp or two, ~20x faster
    # (statistics works in exact fractions: 0.3 s of a 5,000-record leaderboard)
    dev = [v - mean for v in values]
    var = (math.fsum([d * d for d in dev]) - math.fsum(dev) ** 2 / n) / (n - 1)
    return mean, math.sqrt(max(var, 0.0))


@dataclass(frozen=True)
class UTest:
    """Result of a two-sided Mann-Whitney U test of ``a`` against ``b``."""

    u: float
    p: float
    n_a: int
    n_b: int


def mann_whitney(a: Sequence[float], b: Sequence[float]) -> UTest:
    """Two-sided Mann-Whitney U test, with the p-value ``scipy.stats.mannwhitneyu(a, b)``
    gives (``method="auto"``): the exact null distribution when one sample has at most 8
    values and there are no ties, else the normal approximation with tie correction and
    continuity correction. ``u`` is the statistic of ``a``. Plain Python (no scipy, no
    NumPy: a leaderboard of 5,000 records runs ~2,000 of these on a few seeds each)."""
    a, b = _floats(a), _floats(b)
    n1, n2 = len(a), len(b)
    if n1 == 0 or n2 == 0:
        raise ValueError("the U test needs at least one value on each side")
    both = a + b
    if any(math.isnan(v) for v in both):  # as scipy (nan_policy="propagate"): no p-value
        return UTest(u=math.nan, p=math.nan, n_a=n1, n_b=n2)
    if min(both) == max(both):  # all equal: no evidence of a difference
        return UTest(u=n1 * n2 / 2, p=1.0, n_a=n1, n_b=n2)
    # average ranks (1-based) of tied values; tie group sizes for the variance
    order = sorted(range(n1 + n2), key=both.__getitem__)
    ranks = [0.0] * (n1 + n2)
    groups: list[int] = []
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and both[order[j + 1]] == both[order[i]]:
            j += 1
        avg = (i + j) / 2 + 1
        for k in range(i, j + 1):
            ranks[order[k]] = avg
        groups.append(j - i + 1)
        i = j + 1
    u1 = math.fsum(ranks[:n1]) - n1 * (n1 + 1) / 2
    u = max(u1, n1 * n2 - u1)
    ties = any(g > 1 for g in groups)
    if (n1 <= 8 or n2 <= 8) and not ties:
        p = 2.0 * _u_upper_tail(min(n1, n2), max(n1, n2), int(round(u)))
    else:
        n = n1 + n2
        tie_term = float(sum(g ** 3 - g for g in groups))
        sd = math.sqrt(n1 * n2 / 12.0 * ((n + 1) - tie_term / (n * (n - 1))))
        z = (u - n1 * n2 / 2.0 - 0.5) / sd
        p = math.erfc(z / math.sqrt(2.0))  # 2 x the normal upper tail at z
    return UTest(u=u1, p=float(min(max(p, 0.0), 1.0)), n_a=n1, n_b=n2)


def _floats(x: Any) -> list[float]:
    if hasattr(x, "__array__") or hasattr(x, "shape"):  # an array or tensor: flattened, as np.asarray(x).ravel()
        import numpy as np

        return [float(v) for v in np.asarray(x, dtype=np.float64).ravel()]
    return [float(v) for v in x]


@lru_cache(maxsize=256)
def _u_counts(m: int, n: int) -> tuple[int, ...]:
    """How many of the C(m+n, m) orderings of two samples of sizes m and n give each U
    from 0 to m*n: the coefficients of the Gaussian binomial [m+n choose m] in q, built as
    the product over k = 1..m of (1 - q^(n+k)) / (1 - q^k), in exact integers."""
    c = [1]
    for k in range(1, m + 1):
        shift = n + k
        grown = c + [0] * shift
        for i in range(len(grown) - 1, shift - 1, -1):  # times (1 - q^shift)
            grown[i] -= grown[i - shift]
        for i in range(k, len(grown)):  # divided by (1 - q^k): a running sum with stride k
            grown[i] += grown[i - k]
        c = grown[: k * n + 1]
    return tuple(c)


def _u_upper_tail(m: int, n: int, u: int) -> float:
    """P(U >= u) under the null hypothesis (no ties), exactly, for samples of sizes m, n."""
    counts = _u_counts(m, n)
    if u <= 0:
        return 1.0
    if u > m * n:
        return 0.0
    total = math.comb(m + n, m)
    return sum(counts[u:]) / total


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
    import torch

    g = torch.Generator().manual_seed(int(seed))
    if stratified:
        return (torch.randint(n_real, (n_boot, n_real), generator=g),
                torch.randint(n_fake, (n_boot, n_fake), generator=g))
    return torch.randint(n_real + n_fake, (n_boot, n_real + n_fake), generator=g)


def _batched_eer(is_target_sorted: torch.Tensor, n_tar: torch.Tensor, n_non: torch.Tensor) -> torch.Tensor:
    """EER of each row of merged-order labels (1 = target), the official way."""
    import torch

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
    import numpy as np
    import torch

    from .contracts.metric import as_tensors
    from .metrics import eer, need_both_classes, official_classes, sorted_positions

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
    import torch

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
    import numpy as np
    import torch

    from .contracts.metric import as_tensors

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
    import numpy as np
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
