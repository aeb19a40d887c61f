"""Metrics of tasks judged against a reference program rather than by tests: code
translation (compile rate, BLEU, CodeBLEU, exact match) and code completion (exact match,
edit similarity, compile rate), as PPOCoder reports them.

BLEU is sacrebleu's corpus BLEU with its ``13a`` tokenizer, which splits punctuation off, so
that ``main()`` and XLCoST's space-separated ``main ( )`` are the same tokens; in [0, 1] like
every other metric here. CodeBLEU's own n-gram parts split on whitespace only (its
definition), so a model that formats code differently from the references loses there.
Exact match compares code tokens (identifiers, numbers, single punctuation characters), so
layout does not count. Edit similarity is ``1 - Levenshtein(a, b) / max(len(a), len(b))``
on the whitespace-normalised strings. A compile failure that the sandbox caused
(infra_error) leaves the compile rate's denominator and is counted in ``compile_undecided``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from coderl.problems.completion import code_tokens
from coderl.problems.types import Problem
from coderl.rewards.compiler import COMPILABLE_LANGUAGES, CompilerReward


@dataclass(frozen=True)
class Scored:
    """One problem's program (what the judge would run) and its reference."""

    problem: Problem
    program: str
    reference: str


def exact_match(prediction: str, reference: str) -> bool:
    return code_tokens(prediction) == code_tokens(reference)


def edit_similarity(prediction: str, reference: str) -> float:
    a, b = " ".join(prediction.split()), " ".join(reference.split())
    if not a and not b:
        return 1.0
    return 1.0 - levenshtein(a, b) / max(len(a), len(b))


def levenshtein(a: str, b: str) -> int:
    """Insertions, deletions and substitutions turning ``a`` into ``b`` (two-row DP)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def compile_rate(items: Sequence[Scored], compiler: CompilerReward) -> dict[str, float]:
    """The share of programs that compile, over those the sandbox could decide."""
    by_language: dict[str, list[int]] = {}
    for i, item in enumerate(items):
        by_language.setdefault(item.problem.language, []).append(i)
    scores: list[float | None] = [None] * len(items)
    for language, indices in by_language.items():
        if language not in COMPILABLE_LANGUAGES:
            raise ValueError(f"compile rate: cannot compile {language!r} programs")
        found = compiler.score_many([items[i].program for i in indices], language)
        for i, score in zip(indices, found):
            scores[i] = score
    decided = [s for s in scores if s is not None]
    rate = sum(s > 0 for s in decided) / len(decided) if decided else 0.0
    return {"compile_rate": rate, "compile_undecided": float(len(items) - len(decided))}


def translation_metrics(
    items: Sequence[Scored], compiler: CompilerReward | None = None
) -> dict[str, float]:
    """Compile rate, BLEU, CodeBLEU (and its parts) and exact match of translations."""
    import sacrebleu

    from coderl.rewards.codebleu import codebleu

    if not items:
        raise ValueError("translation metrics: no programs to score")
    languages = {item.problem.language for item in items}
    if len(languages) != 1:
        raise ValueError(f"translation metrics: one target language at a time, got {languages}")
    programs = [item.program for item in items]
    references = [item.reference for item in items]
    bleu = sacrebleu.corpus_bleu(programs, [references], tokenize="13a")
    metrics = {
        "problems": float(len(items)),
        **compile_rate(items, compiler or CompilerReward()),
        "bleu": bleu.score / 100,
        **codebleu(programs, references, languages.pop()),
        "exact_match": _mean(exact_match(p, r) for p, r in zip(programs, references)),
    }
    return metrics


def completion_metrics(
    items: Sequence[Scored], completions: Sequence[str], compiler: CompilerReward | None = None
) -> dict[str, float]:
    """Exact match and edit similarity of each completion against the masked tokens, and
    the compile rate of prefix + completion."""
    if not items:
        raise ValueError("completion metrics: no programs to score")
    pairs = list(zip(completions, (item.reference for item in items), strict=True))
    return {
        "problems": float(len(items)),
        "exact_match": _mean(exact_match(c, r) for c, r in pairs),
        "edit_similarity": _mean(edit_similarity(c, r) for c, r in pairs),
        **compile_rate(items, compiler or CompilerReward()),
    }


def _mean(values) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 0.0
