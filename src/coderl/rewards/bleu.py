"""CodeBLEU's two n-gram components: corpus BLEU and the keyword-weighted n-gram match.

Implemented here rather than taken from ``sacrebleu`` because CodeBLEU's BLEU is NLTK's
``corpus_bleu`` with its quirks, which sacrebleu does not reproduce exactly:

- each pair adds ``max(1, count)`` to the order-n denominator, so a hypothesis shorter than
  n tokens still adds 1 (sacrebleu adds 0);
- a corpus with no matching unigram scores 0 outright, and any other order with no match gets
  0.1 added to its numerator (Chen & Cherry's method 1; sacrebleu's ``floor`` replaces the
  precision instead and only when smoothing is asked for).

On corpora without either case both give the same number (``tests/rewards/test_bleu.py``
checks it); CodeBLEU must agree everywhere, so this is the exact algorithm. The weighted match
is a *recall* over the reference's n-grams in which the reference's keyword unigrams weigh 1
and every other unigram 0.2; higher orders are unweighted. Its brevity penalty is, in effect,
none: CodeBLEU measures each reference's length as that of its (tokens, weights) pair, 2, so
the penalty applies only to a corpus averaging at most 2 tokens a hypothesis. This is kept, so
that scores stay comparable with every published CodeBLEU figure; a recall already penalises a
short hypothesis (tests/rewards/test_codebleu.py shows the effect).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

MAX_ORDER = 4
WEIGHTED_REF_LENGTH = 2  # CodeBLEU's length of a reference in the weighted match (see above)
SMOOTHING_EPSILON = 0.1  # method 1: added to a zero numerator
KEYWORD_WEIGHT = 1.0
OTHER_WEIGHT = 0.2


def ngram_counts(tokens: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def corpus_bleu(references: Sequence[Sequence[str]], hypotheses: Sequence[Sequence[str]]) -> float:
    """BLEU-4 of token lists (one reference each), with CodeBLEU's (NLTK's) conventions."""
    numerators = [0.0] * MAX_ORDER
    denominators = [0.0] * MAX_ORDER
    for reference, hypothesis in zip(references, hypotheses, strict=True):
        for n in range(1, MAX_ORDER + 1):
            hyp = ngram_counts(hypothesis, n)
            ref = ngram_counts(reference, n)
            numerators[n - 1] += sum(min(c, ref[g]) for g, c in hyp.items())
            denominators[n - 1] += max(1, sum(hyp.values()))
    hyp_len = sum(len(h) for h in hypotheses)
    ref_len = sum(len(r) for r in references)
    return _combine(numerators, denominators, ref_len, hyp_len)


def corpus_weighted_ngram_match(
    references: Sequence[Sequence[str]],
    hypotheses: Sequence[Sequence[str]],
    keywords: frozenset[str],
) -> float:
    """CodeBLEU's weighted n-gram match: clipped recall of the reference's n-grams, unigrams
    weighted by whether they are the language's keywords."""
    numerators = [0.0] * MAX_ORDER
    denominators = [0.0] * MAX_ORDER
    for reference, hypothesis in zip(references, hypotheses, strict=True):
        for n in range(1, MAX_ORDER + 1):
            hyp = ngram_counts(hypothesis, n)
            ref = ngram_counts(reference, n)
            if n == 1:
                weight = {g: KEYWORD_WEIGHT if g[0] in keywords else OTHER_WEIGHT for g in ref}
            else:
                weight = dict.fromkeys(ref, 1.0)
            numerators[n - 1] += sum(min(c, hyp[g]) * weight[g] for g, c in ref.items())
            denominators[n - 1] += max(1, sum(c * weight[g] for g, c in ref.items()))
    hyp_len = sum(len(h) for h in hypotheses)
    ref_len = WEIGHTED_REF_LENGTH * len(references)
    return _combine(numerators, denominators, ref_len, hyp_len)


def _combine(
    numerators: list[float], denominators: list[float], ref_len: int, hyp_len: int
) -> float:
    """The geometric mean of the smoothed precisions times the brevity penalty."""
    if numerators[0] == 0:
        return 0.0
    if hyp_len > ref_len:
        penalty = 1.0
    elif hyp_len == 0:
        penalty = 0.0
    else:
        penalty = math.exp(1 - ref_len / hyp_len)
    logs = (
        math.log((num if num != 0 else SMOOTHING_EPSILON) / den) / MAX_ORDER
        for num, den in zip(numerators, denominators)
    )
    return penalty * math.exp(math.fsum(logs))
