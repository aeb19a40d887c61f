"""Execution metrics as pure functions: pass@k, n@k, their means, bootstrap intervals.

pass@k is the unbiased estimator of Chen et al. (2021); n@k is the filtered-submission metric
of AlphaCode and CodeRL, estimated without bias over all k-subsets of the samples drawn.
"""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Iterable, Mapping, Sequence

logger = logging.getLogger(__name__)


def pass_at_k(n: int, c: int, k: int) -> float:
    """P(at least one of k samples drawn from n, c of them correct, is correct).

    Equals 1 - C(n-c, k) / C(n, k), computed as 1 - prod_{i=n-c+1}^{n} (1 - k/i), which
    never forms the binomials (they overflow floats from n of about 1030 on).
    """
    if not 0 <= c <= n:
        raise ValueError(f"need 0 <= c <= n, got n={n}, c={c}")
    if k < 1 or k > n:
        raise ValueError(f"pass@{k} needs 1 <= k <= n samples, got n={n}")
    if n - c < k:
        return 1.0
    return 1.0 - math.prod(1.0 - k / i for i in range(n - c + 1, n + 1))


def n_at_k(n: int, k: int, passed_examples: Sequence[bool], passed_hidden: Sequence[bool]) -> float:
    """P(a random k-subset of the samples solves the problem with n submissions).

    Samples are given in generation order. From the k drawn, those passing the example tests
    are submitted first, in generation order, then (if fewer than n pass them) the rest, in
    generation order, up to n submissions; solved if any submission passes the hidden tests.
    That is: sort all samples by (fails examples, generation index); a k-subset submits its
    first m = min(n, k) samples in this order. It fails iff those m are all wrong; counting
    such subsets by the position p of their m-th sample (wrong, with m-1 wrong ones among the
    z_p wrong samples before p, and k-m chosen freely after p):
    failing = sum over wrong p of C(z_p, m-1) * C(N-p, k-m), and n@k = 1 - failing / C(N, k).
    With n >= k this is pass@k.
    """
    total = len(passed_hidden)
    if len(passed_examples) != total:
        raise ValueError(
            f"{len(passed_examples)} example results for {total} hidden results; "
            "give both for every sample"
        )
    if n < 1:
        raise ValueError(f"n@k needs n >= 1 submissions, got n={n}")
    if k < 1 or k > total:
        raise ValueError(f"{n}@{k} needs 1 <= k <= N samples, got N={total}")
    priority = [h for e, h in zip(passed_examples, passed_hidden) if e]
    priority += [h for e, h in zip(passed_examples, passed_hidden) if not e]
    m = min(n, k)
    failing = 0
    wrong_before = 0
    for position, correct in enumerate(priority, start=1):
        if not correct:
            failing += math.comb(wrong_before, m - 1) * math.comb(total - position, k - m)
            wrong_before += 1
    subsets = math.comb(total, k)
    return (subsets - failing) / subsets  # int / int: correctly rounded, even for huge ints


def split_ks(
    ks: Iterable[int], samples_per_problem: Mapping[str, int]
) -> tuple[tuple[int, ...], dict[int, str]]:
    """The ks every problem has enough samples for (sorted), and the others with the reason.

    A mean of pass@k is only reported where k <= n for every problem: averaging over the
    problems that happen to have enough samples would change the population per k.
    """
    kept: list[int] = []
    dropped: dict[int, str] = {}
    for k in sorted(set(ks)):
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        short = {pid: n for pid, n in samples_per_problem.items() if n < k}
        if not samples_per_problem:
            dropped[k] = "no problem has samples"
        elif short:
            pid, n = min(short.items(), key=lambda item: (item[1], item[0]))
            dropped[k] = (
                f"needs k <= n samples for every problem; {len(short)} problem(s) have fewer "
                f"than {k} (fewest: {pid!r} with {n})"
            )
        else:
            kept.append(k)
    return tuple(kept), dropped


def mean_pass_at_k(counts: Mapping[str, tuple[int, int]], ks: Iterable[int]) -> dict[int, float]:
    """Mean pass@k over problems, ``counts`` mapping problem id -> (n samples, c correct).

    A k larger than some problem's n is left out of the result, with a logged warning that
    names it and the problem short of samples.
    """
    if not counts:
        raise ValueError("mean_pass_at_k needs at least one problem")
    kept, dropped = split_ks(ks, {pid: n for pid, (n, _) in counts.items()})
    for k, reason in dropped.items():
        logger.warning("pass@%d not reported: %s", k, reason)
    return {
        k: math.fsum(pass_at_k(n, c, k) for n, c in counts.values()) / len(counts) for k in kept
    }


def bootstrap_ci(
    per_problem_values: Sequence[float],
    confidence: float = 0.95,
    n_resamples: int = 1000,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean over problems (resampling problems).

    Deterministic for a seed; the resampled indices depend only on the seed and the number of
    problems, so intervals of different metrics over the same problems are paired.
    """
    if not per_problem_values:
        raise ValueError("bootstrap_ci needs at least one value")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be >= 1, got {n_resamples}")
    rng = random.Random(seed)
    size = len(per_problem_values)
    means = sorted(
        math.fsum(rng.choices(per_problem_values, k=size)) / size for _ in range(n_resamples)
    )
    tail = (1.0 - confidence) / 2.0
    return _quantile(means, tail), _quantile(means, 1.0 - tail)


def _quantile(ordered: Sequence[float], q: float) -> float:
    """Linear interpolation between order statistics (numpy's default method)."""
    position = q * (len(ordered) - 1)
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)
