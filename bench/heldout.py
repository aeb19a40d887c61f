"""Held-out scores of one checkpoint, shared by the learning benchmarks: greedy pass@1 (one
program per problem) and sampled pass@1 and pass@5 (``sample.n`` programs per problem at the
quickstart's temperature and top-p; pass@5 only when ``sample.n`` >= 5)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def score_checkpoint(checkpoint: Path, judge: Any, problems: list, config: Any) -> dict[str, float]:
    from coderl.models import load_policy
    from coderl.training.online import pass_at_ks

    policy = load_policy(str(checkpoint))
    greedy = config.sample.sampling(greedy=True, seed=config.seed)
    sampled = config.sample.sampling(greedy=False, seed=config.seed)
    ks = (1, 5) if sampled.n >= 5 else (1,)
    scores = pass_at_ks(policy, judge, problems, sampled, config.prompt_style, ks)
    row = {
        "greedy": pass_at_ks(policy, judge, problems, greedy, config.prompt_style)[1],
        "sampled": scores[1],
    }
    if 5 in scores:
        row["pass@5"] = scores[5]
    return row


def describe(row: dict[str, float]) -> str:
    """One line of a row's scores in points."""
    text = f"greedy {100 * row['greedy']:.1f}  sampled {100 * row['sampled']:.1f}"
    if "pass@5" in row:
        text += f"  pass@5 {100 * row['pass@5']:.1f}"
    return text
