from __future__ import annotations

import itertools
import logging
import math
import random
from fractions import Fraction

import pytest

from coderl.evaluation.metrics import (
    bootstrap_ci,
    mean_pass_at_k,
    n_at_k,
    pass_at_k,
    split_ks,
)


def exact_pass_at_k(n: int, c: int, k: int) -> Fraction:
    return 1 - Fraction(math.comb(n - c, k), math.comb(n, k))


@pytest.mark.parametrize(
    ("n", "c", "k"),
    [
        (1, 0, 1),
        (1, 1, 1),
        (5, 1, 1),
        (5, 2, 3),
        (10, 3, 5),
        (20, 1, 10),
        (200, 7, 1),
        (200, 7, 100),
        (1000, 1, 1),
        (1000, 3, 10),
        (1000, 500, 100),
        (1000, 20, 1000 - 20),
        (2000, 13, 1000),
        (2000, 1, 1999),
    ],
)
def test_pass_at_k_matches_exact_binomials(n: int, c: int, k: int) -> None:
    assert pass_at_k(n, c, k) == pytest.approx(float(exact_pass_at_k(n, c, k)), rel=1e-12)


def test_pass_at_k_on_a_grid_of_small_cases() -> None:
    for n in range(1, 16):
        for c in range(n + 1):
            for k in range(1, n + 1):
                expected = float(exact_pass_at_k(n, c, k))
                assert pass_at_k(n, c, k) == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_pass_at_k_where_naive_binomial_ratios_overflow() -> None:
    with pytest.raises(OverflowError):
        float(math.comb(2000, 1000))
    assert pass_at_k(2000, 10, 1000) == pytest.approx(
        float(exact_pass_at_k(2000, 10, 1000)), rel=1e-12
    )


def test_pass_at_k_edges() -> None:
    assert pass_at_k(10, 0, 10) == 0.0
    assert pass_at_k(10, 10, 1) == 1.0
    assert pass_at_k(10, 2, 9) == 1.0  # n - c < k: every 9-subset holds a correct one
    assert pass_at_k(10, 3, 1) == pytest.approx(0.3)


@pytest.mark.parametrize(("n", "c", "k"), [(5, 1, 6), (5, 1, 0), (5, 6, 1), (5, -1, 1)])
def test_pass_at_k_rejects_impossible_arguments(n: int, c: int, k: int) -> None:
    with pytest.raises(ValueError):
        pass_at_k(n, c, k)


def brute_force_n_at_k(n: int, k: int, examples: list[bool], hidden: list[bool]) -> Fraction:
    """The rule itself, over every k-subset of the samples in generation order."""
    solved = 0
    subsets = list(itertools.combinations(range(len(hidden)), k))
    for subset in subsets:
        passing = [i for i in subset if examples[i]]
        failing = [i for i in subset if not examples[i]]
        submitted = (passing + failing)[:n]
        solved += any(hidden[i] for i in submitted)
    return Fraction(solved, len(subsets))


CASES = [
    # (passed examples, passed hidden), in generation order
    ([True, False, True, False], [False, False, True, True]),
    ([False, False, False, False, False], [False, True, False, False, True]),
    ([True, True, True, False, False, False], [False, False, True, True, True, False]),
    ([True, False, True, True, False, True, False], [True, False, False, True, True, False, True]),
    ([True] * 5, [False, False, False, False, True]),
    ([False, True, False, True], [False, False, False, False]),
]


@pytest.mark.parametrize(("examples", "hidden"), CASES)
def test_n_at_k_equals_enumeration_of_all_k_subsets(examples, hidden) -> None:
    for k in range(1, len(hidden) + 1):
        for n in range(1, k + 2):
            assert n_at_k(n, k, examples, hidden) == float(
                brute_force_n_at_k(n, k, examples, hidden)
            ), (n, k)


def test_n_at_k_on_random_cases() -> None:
    rng = random.Random(7)
    for _ in range(40):
        size = rng.randint(1, 9)
        examples = [rng.random() < 0.5 for _ in range(size)]
        hidden = [rng.random() < 0.3 for _ in range(size)]
        k = rng.randint(1, size)
        n = rng.randint(1, k)
        assert n_at_k(n, k, examples, hidden) == float(brute_force_n_at_k(n, k, examples, hidden))


def test_n_at_k_prefers_samples_that_pass_the_examples() -> None:
    # The only correct sample passes the examples; the wrong ones do not: 1@k finds it
    # whenever it is drawn, so 1@k = pass@k.
    examples = [False, False, True, False]
    hidden = [False, False, True, False]
    assert n_at_k(1, 2, examples, hidden) == pytest.approx(pass_at_k(4, 1, 2))
    # A correct sample that fails the examples is submitted only to fill up the n submissions.
    examples, hidden = [True, False], [False, True]
    assert n_at_k(1, 1, examples, hidden) == 0.5  # drawn alone, it is submitted
    assert n_at_k(1, 2, examples, hidden) == 0.0  # drawn with sample 0, it is not
    assert n_at_k(2, 2, examples, hidden) == 1.0


def test_n_at_k_with_n_at_least_k_is_pass_at_k() -> None:
    examples = [True, False, False, True, False, True]
    hidden = [False, True, False, False, True, False]
    for k in range(1, 7):
        assert n_at_k(k, k, examples, hidden) == pytest.approx(pass_at_k(6, 2, k), rel=1e-12)


def test_n_at_k_with_many_samples() -> None:
    rng = random.Random(0)
    examples = [rng.random() < 0.2 for _ in range(1000)]
    hidden = [rng.random() < 0.05 for _ in range(1000)]
    correct = sum(hidden)
    assert n_at_k(500, 500, examples, hidden) == pytest.approx(
        pass_at_k(1000, correct, 500), rel=1e-12
    )
    assert 0.0 < n_at_k(10, 500, examples, hidden) < pass_at_k(1000, correct, 500)


@pytest.mark.parametrize(("n", "k", "size"), [(0, 1, 3), (1, 0, 3), (1, 4, 3)])
def test_n_at_k_rejects_impossible_arguments(n: int, k: int, size: int) -> None:
    with pytest.raises(ValueError):
        n_at_k(n, k, [True] * size, [True] * size)


def test_n_at_k_needs_both_results_for_every_sample() -> None:
    with pytest.raises(ValueError, match="2 example results for 3"):
        n_at_k(1, 1, [True, True], [True, True, False])


def test_split_ks_keeps_only_ks_every_problem_reaches() -> None:
    kept, dropped = split_ks([10, 1, 5, 1], {"a": 10, "b": 5, "c": 7})
    assert kept == (1, 5)
    assert list(dropped) == [10]
    assert "2 problem(s)" in dropped[10] and "'b' with 5" in dropped[10]
    assert split_ks([1], {}) == ((), {1: "no problem has samples"})
    with pytest.raises(ValueError):
        split_ks([0], {"a": 1})


def test_mean_pass_at_k_averages_and_says_what_it_dropped(caplog) -> None:
    counts = {"a": (10, 1), "b": (10, 0), "c": (5, 5)}
    with caplog.at_level(logging.WARNING):
        means = mean_pass_at_k(counts, [1, 10])
    assert means == {1: pytest.approx((0.1 + 0.0 + 1.0) / 3)}
    assert "pass@10 not reported" in caplog.text and "'c' with 5" in caplog.text
    with pytest.raises(ValueError):
        mean_pass_at_k({}, [1])


def test_bootstrap_ci_is_deterministic_and_brackets_the_mean() -> None:
    values = [1.0] * 30 + [0.0] * 70
    low, high = bootstrap_ci(values, seed=3)
    assert (low, high) == bootstrap_ci(values, seed=3)
    assert (low, high) != bootstrap_ci(values, seed=4)
    assert low < 0.3 < high
    # the normal approximation: 0.3 +- 1.96 * sqrt(0.3 * 0.7 / 100) = 0.3 +- 0.09
    assert low == pytest.approx(0.21, abs=0.03) and high == pytest.approx(0.39, abs=0.03)
    narrow_low, narrow_high = bootstrap_ci(values, confidence=0.5, seed=3)
    assert low < narrow_low < narrow_high < high


def test_bootstrap_ci_edges() -> None:
    assert bootstrap_ci([0.25]) == (0.25, 0.25)
    assert bootstrap_ci([0.5, 0.5, 0.5]) == (0.5, 0.5)
    for bad in ({"per_problem_values": []}, {"per_problem_values": [1.0], "confidence": 1.0}):
        with pytest.raises(ValueError):
            bootstrap_ci(**bad)
    with pytest.raises(ValueError):
        bootstrap_ci([1.0], n_resamples=0)
