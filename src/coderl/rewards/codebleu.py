"""CodeBLEU (Ren et al., 2020) as a corpus metric, equal to the ``codebleu`` package's.

``codebleu(hypotheses, references, lang)`` returns the same keys as that package's
``calc_codebleu``: BLEU on whitespace tokens, the keyword-weighted n-gram match, the syntax
match and the data-flow match (micro-averaged over the corpus), and their weighted sum.
One deliberate difference (docs/rewards.md, tests/rewards/test_codebleu_oracle.py): the
package replaces a data-flow score of 0 by 1 in the sum (``dataflow or 1``), so a candidate
that matches none of the reference's data flow scores as if it matched all of it; here the
sum uses 1 only when the references have no data flow at all (the score is undefined) and
0 when none of it was matched.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from importlib import resources

from coderl.rewards.bleu import corpus_bleu, corpus_weighted_ngram_match
from coderl.rewards.dataflow import dataflow_counts
from coderl.rewards.syntax import syntax_counts
from coderl.rewards.trees import canonical_language

CODEBLEU_KEYS = (
    "codebleu",
    "ngram_match_score",
    "weighted_ngram_match_score",
    "syntax_match_score",
    "dataflow_match_score",
)


@cache
def keywords(lang: str) -> frozenset[str]:
    """CodeBLEU's keyword list for ``lang`` (weight 1 in the weighted n-gram match)."""
    text = resources.files("coderl.rewards").joinpath(f"keywords/{lang}.txt").read_text("utf-8")
    return frozenset(line.strip() for line in text.splitlines())


def codebleu(
    hypotheses: Sequence[str],
    references: Sequence[str],
    lang: str,
    weights: tuple[float, float, float, float] = (0.25, 0.25, 0.25, 0.25),
) -> dict[str, float]:
    """Corpus CodeBLEU of ``hypotheses`` against one reference each, and its components."""
    if len(hypotheses) != len(references):
        raise ValueError(f"codebleu: {len(hypotheses)} hypotheses but {len(references)} references")
    if len(weights) != 4:
        raise ValueError(f"codebleu: weights must be 4 numbers, got {weights!r}")
    if not hypotheses:
        raise ValueError("codebleu: no hypotheses to score")
    lang = canonical_language(lang)
    hyps = [h.strip() for h in hypotheses]
    refs = [r.strip() for r in references]
    hyp_tokens = [h.split() for h in hyps]
    ref_tokens = [r.split() for r in refs]
    ngram = corpus_bleu(ref_tokens, hyp_tokens)
    weighted = corpus_weighted_ngram_match(ref_tokens, hyp_tokens, keywords(lang))
    syntax = _ratio([syntax_counts(r, h, lang) for r, h in zip(refs, hyps)])
    flows = [dataflow_counts(r, h, lang) for r, h in zip(refs, hyps)]
    dataflow = _ratio(flows)
    has_flow = sum(total for _, total in flows) > 0
    alpha, beta, gamma, theta = weights
    total = (
        alpha * ngram + beta * weighted + gamma * syntax + theta * (dataflow if has_flow else 1.0)
    )
    return {
        "codebleu": total,
        "ngram_match_score": ngram,
        "weighted_ngram_match_score": weighted,
        "syntax_match_score": syntax,
        "dataflow_match_score": dataflow,
    }


def _ratio(counts: Sequence[tuple[int, int]]) -> float:
    matched = sum(m for m, _ in counts)
    total = sum(t for _, t in counts)
    return matched / total if total else 0.0
