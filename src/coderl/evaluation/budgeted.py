"""The report of a budgeted samples file (critic sampling, or plain sampling at its budget):
judged on the hidden and the example tests, scored whole at the budget's k, with the budget.

The library path of `coderl evaluate --samples OUT` for such a file, for callers that hold a
judge already (the quickstart's critic-sampling stage, bench/critic_sampling.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from pathlib import Path

from coderl.evaluation.judging import (
    build_submissions,
    judge_examples,
    judge_with_progress,
    read_samples,
)
from coderl.evaluation.provenance import Provenance
from coderl.evaluation.report import Report, build_report
from coderl.execution.judge import Judge
from coderl.generation.budget import budget_path, read_budget
from coderl.problems.types import Problem


def report_budgeted(
    problems: Sequence[Problem],
    samples_path: str | Path,
    judge: Judge,
    ns: Iterable[int] = (1, 5),
    ks: Iterable[int] = (1,),
    seed: int = 0,
    progress: bool = False,
) -> Report:
    """pass@k for ``ks`` and the budget's k, and n@k for each n in ``ns`` (n <= k)."""
    budget = read_budget(budget_path(samples_path))
    samples = read_samples(samples_path)
    submissions = build_submissions(problems, samples)
    hidden = judge_with_progress(judge, submissions, "judge hidden", progress)
    examples = judge_examples(judge, submissions, progress)
    block = {"strategy": budget.strategy, "k": budget.k, **dataclasses.asdict(budget.total)}
    return build_report(
        problems,
        hidden,
        sorted({*ks, budget.k}),
        example_judgements=examples,
        n_at_k=[(n, budget.k) for n in ns if n <= budget.k],
        seed=seed,
        provenance=Provenance(samples=str(samples_path), tests="hidden"),
        budget=block,
    )
