"""The evaluation report: pass@k and n@k per difficulty, with counts, as JSON and markdown.

Policy (docs/evaluation.md): a problem's n counts its samples minus those with an
``infra_error`` verdict (the judge's fault, not the program's); problems left with no judged
sample are listed, not averaged; a metric is reported only where every averaged problem has
enough samples for it.

A budgeted pool (critic sampling, or plain sampling at its token budget; docs/critic_sampling.md)
is scored whole at its ``k``: pass@k is whether any program of the pool passes, and n@k submits
the pool's first n programs after the example-test filter, in sample_index order (the critic's
rank): no subsets are drawn, since the pool is what the budget bought.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from coderl.evaluation import metrics
from coderl.evaluation.provenance import Provenance
from coderl.evaluation.samples import ProblemSamples, match_samples
from coderl.execution.types import Judgement, Verdict
from coderl.files import write_atomic
from coderl.problems.types import Problem

FORMAT_VERSION = 2  # 2: the provenance block
ALL = "all"
UNKNOWN_DIFFICULTY = "unknown"
DIFFICULTY_ORDER = ("introductory", "interview", "competition", "easy", "medium", "hard")
MAX_LISTED = 20  # problem ids listed in the markdown before "and N more"

Metric = Callable[[ProblemSamples], float]


@dataclass(frozen=True)
class Row:
    """One line of the table: a difficulty (or ``all``) and its means over problems."""

    group: str
    problems: int  # problems with at least one judged sample
    samples: int  # their judged samples (infra_error excluded)
    scores: dict[str, float]  # metric name ("pass@5", "1@10") -> mean over the problems


@dataclass(frozen=True)
class Report:
    """Everything an evaluation run reports; ``to_dict`` is the stable JSON form."""

    metrics: tuple[str, ...]
    rows: tuple[Row, ...]  # difficulties, then "all"
    intervals: dict[str, tuple[float, float]]  # bootstrap interval of each metric over "all"
    confidence: float
    verdicts: dict[str, int]  # every sample, infra_error included
    num_problems: int
    num_samples: int
    infra_error_samples: int
    problems_without_samples: tuple[str, ...]
    problems_only_infra_error: tuple[str, ...]
    dropped: dict[str, str]  # metric name -> why it is not reported
    provenance: Provenance = field(default_factory=Provenance)
    budget: dict[str, Any] | None = None  # a budgeted pool's strategy, k, programs, tokens

    def to_dict(self) -> dict[str, Any]:
        overall = self.rows[-1]
        return {
            "format_version": FORMAT_VERSION,
            "provenance": self.provenance.to_dict(),
            "problems": self.num_problems,
            "scored_problems": overall.problems,
            "samples": self.num_samples,
            "scored_samples": overall.samples,
            "infra_error_samples": self.infra_error_samples,
            "verdicts": dict(self.verdicts),
            "metrics": list(self.metrics),
            "by_difficulty": {
                row.group: {"problems": row.problems, "samples": row.samples, **row.scores}
                for row in self.rows
            },
            "confidence": self.confidence,
            "confidence_intervals": {name: list(ci) for name, ci in self.intervals.items()},
            "dropped_metrics": dict(self.dropped),
            "problems_without_samples": list(self.problems_without_samples),
            "problems_only_infra_error": list(self.problems_only_infra_error),
            **({"budget": dict(self.budget)} if self.budget is not None else {}),
        }

    def to_markdown(self) -> str:
        header = ["difficulty", "problems", *self.metrics]
        title = self.provenance.problems or "problems"
        lines = [
            f"# Evaluation: {title}",
            "",
            "| " + " | ".join(header) + " |",
            "|---|" + "---:|" * (len(header) - 1),
        ]
        for row in self.rows:
            cells = [row.group, str(row.problems), *(_percent(row.scores[m]) for m in self.metrics)]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
        lines.append("Scores in percent, averaged over problems with at least one judged sample.")
        if self.intervals:
            intervals = ", ".join(
                f"{name} [{_percent(low)}, {_percent(high)}]"
                for name, (low, high) in self.intervals.items()
            )
            lines.append(f"{100 * self.confidence:g}% bootstrap intervals ({ALL}): {intervals}.")
        counts = ", ".join(f"{verdict} {count}" for verdict, count in self.verdicts.items())
        lines.append(f"Judged samples: {self.num_samples} ({counts}).")
        if self.infra_error_samples:
            lines.append(
                f"The {self.infra_error_samples} infra_error samples (a fault of the judge, not "
                f"of the program) are left out of the scores: {self.rows[-1].samples} samples "
                "are scored."
            )
        if self.budget is not None:
            b = self.budget
            lines.append(
                f"Budget ({b['strategy']} sampling, k = {b['k']}): {b['programs']} programs, "
                f"{b['tokens']} generated tokens; metrics at k = {b['k']} score each problem's "
                "whole pool."
            )
        for name, reason in self.dropped.items():
            lines.append(f"Not reported: {name}: {reason}.")
        for what, ids in (
            ("Problems without samples", self.problems_without_samples),
            ("Problems whose samples all hit infra_error", self.problems_only_infra_error),
        ):
            if ids:
                lines.append(f"{what} ({len(ids)}): {_listing(ids)}.")
        lines += ["", "## Provenance", "", self.provenance.markdown()]
        return "\n".join(lines) + "\n"

    def write(self, path: str | Path) -> tuple[Path, Path]:
        """Write the JSON to ``path`` and the markdown beside it (same name, ``.md``)."""
        json_path = Path(path)
        if json_path.suffix == ".md":
            raise ValueError(f"{json_path} is where the markdown goes; give the JSON path")
        markdown_path = json_path.with_suffix(".md")
        write_atomic(json_path, json.dumps(self.to_dict(), indent=2) + "\n")
        write_atomic(markdown_path, self.to_markdown())
        return json_path, markdown_path


def build_report(
    problems: Sequence[Problem],
    judgements: Iterable[Judgement],
    ks: Iterable[int],
    example_judgements: Iterable[Judgement] | None = None,
    n_at_k: Sequence[tuple[int, int]] = (),
    *,
    confidence: float = 0.95,
    n_resamples: int = 1000,
    seed: int = 0,
    provenance: Provenance | None = None,
    budget: dict[str, Any] | None = None,
) -> Report:
    """pass@k for each k (and n@k for each (n, k) pair, given example-test judgements);
    ``provenance`` records where the judgements came from (default: coderl version, date).
    ``budget`` (``strategy``, ``k``, ``programs``, ``tokens``) marks the samples as budgeted
    pools: metrics at its k score each pool whole."""
    if n_at_k and example_judgements is None:
        raise ValueError("n@k needs example_judgements (each sample judged on the example tests)")
    matched = match_samples(problems, judgements, example_judgements)
    scored = [s for s in matched if s.n > 0]
    chosen, dropped = _choose_metrics(scored, ks, n_at_k, budget["k"] if budget else None)
    values = {name: [metric(s) for s in scored] for name, metric in chosen.items()}
    groups: dict[str, list[int]] = {}
    for position, s in enumerate(scored):
        groups.setdefault(s.problem.difficulty or UNKNOWN_DIFFICULTY, []).append(position)
    groups = {name: groups[name] for name in sorted(groups, key=_difficulty_rank)}
    groups[ALL] = list(range(len(scored)))
    rows = tuple(
        Row(
            group=name,
            problems=len(members),
            samples=sum(scored[i].n for i in members),
            scores={m: math.fsum(values[m][i] for i in members) / len(members) for m in chosen},
        )
        for name, members in groups.items()
    )
    every_sample = [j for s in matched for j in s.hidden]
    return Report(
        metrics=tuple(chosen),
        rows=rows,
        intervals={
            name: metrics.bootstrap_ci(v, confidence, n_resamples, seed)
            for name, v in values.items()
        },
        confidence=confidence,
        verdicts={v.value: sum(j.verdict is v for j in every_sample) for v in Verdict},
        num_problems=len(matched),
        num_samples=len(every_sample),
        infra_error_samples=sum(j.verdict is Verdict.INFRA_ERROR for j in every_sample),
        problems_without_samples=tuple(s.problem.id for s in matched if not s.hidden),
        problems_only_infra_error=tuple(s.problem.id for s in matched if s.hidden and s.n == 0),
        dropped=dropped,
        provenance=provenance or Provenance(),
        budget=budget,
    )


def _choose_metrics(
    scored: Sequence[ProblemSamples],
    ks: Iterable[int],
    n_at_k: Sequence[tuple[int, int]],
    pool_k: int | None = None,
) -> tuple[dict[str, Metric], dict[str, str]]:
    """The metrics every scored problem has enough samples for, and the others with why;
    metrics at ``pool_k`` score whole pools, whatever their size."""
    chosen: dict[str, Metric] = {}
    dropped: dict[str, str] = {}
    if pool_k is not None:
        if pool_k in set(ks):
            chosen[f"pass@{pool_k}"] = _pool_pass
        for n, k in sorted(set(n_at_k)):
            if k == pool_k:
                chosen[f"{n}@{k}"] = partial(_pool_n_at_k, n=n)
        ks = [k for k in ks if k != pool_k]
        n_at_k = [(n, k) for n, k in n_at_k if k != pool_k]
    kept, short = metrics.split_ks(ks, {s.problem.id: s.n for s in scored})
    for k in kept:
        chosen[f"pass@{k}"] = partial(_pass_at_k, k=k)
    dropped.update({f"pass@{k}": reason for k, reason in short.items()})
    both_judged = {s.problem.id: len(s.filter_results()) for s in scored} if n_at_k else {}
    for n, k in sorted(set(n_at_k)):
        if n < 1:
            raise ValueError(f"n@k needs n >= 1 submissions, got {n}@{k}")
        kept, short = metrics.split_ks([k], both_judged)
        if kept:
            chosen[f"{n}@{k}"] = partial(_n_at_k, n=n, k=k)
        else:
            dropped[f"{n}@{k}"] = f"counting samples judged on both test sets, {short[k]}"
    return dict(sorted(chosen.items(), key=lambda item: _metric_order(item[0]))), dropped


def _metric_order(name: str) -> tuple[int, int, int]:
    """pass@k by k, then n@k by (k, n)."""
    if name.startswith("pass@"):
        return (0, int(name[5:]), 0)
    n, _, k = name.partition("@")
    return (1, int(k), int(n))


def _pass_at_k(samples: ProblemSamples, k: int) -> float:
    return metrics.pass_at_k(samples.n, samples.c, k)


def _pool_pass(samples: ProblemSamples) -> float:
    return float(samples.c > 0)


def _pool_n_at_k(samples: ProblemSamples, n: int) -> float:
    results = samples.filter_results()
    if not results:
        return 0.0
    return metrics.n_at_k(n, len(results), [e for e, _ in results], [h for _, h in results])


def _n_at_k(samples: ProblemSamples, n: int, k: int) -> float:
    results = samples.filter_results()
    return metrics.n_at_k(n, k, [e for e, _ in results], [h for _, h in results])


def _difficulty_rank(name: str) -> tuple[int, str]:
    known = name in DIFFICULTY_ORDER
    return (DIFFICULTY_ORDER.index(name) if known else len(DIFFICULTY_ORDER), name)


def _percent(value: float) -> str:
    return f"{100 * value:.2f}"


def _listing(ids: Sequence[str]) -> str:
    shown = ", ".join(ids[:MAX_LISTED])
    return shown + (f" and {len(ids) - MAX_LISTED} more" if len(ids) > MAX_LISTED else "")
