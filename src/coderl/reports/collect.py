"""Reading a run folder into the report's records (`RunData`).

A run folder is what `coderl quickstart`, `coderl train ...` or `coderl evaluate` wrote; the
report shows whatever of these it holds:

- ``config.yaml`` (and ``*/config.yaml``): the resolved config;
- ``metrics.jsonl`` (and ``*/metrics.jsonl``, e.g. ``sft/``, ``rl/``): curves over steps;
- ``stages.json``: seconds per pipeline stage;
- ``report.json`` or ``report-POLICY-MODE.json``: an evaluation, with its
  ``judgements[-POLICY-MODE].jsonl``, ``example-judgements...`` and ``samples...`` beside it
  (or the samples file its provenance names), and the problems from ``problems/*.jsonl`` or
  the spec in its provenance.

Score rows are rebuilt with `build_report` where the judgements and problems are at hand, so
that each difficulty gets its own bootstrap interval; otherwise they come from the JSON.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from coderl.errors import CoderlError, DataError
from coderl.execution.types import Judgement, Verdict
from coderl.problems.types import Problem
from coderl.reports.programs import sample_views
from coderl.reports.records import (
    Comparison,
    Evaluation,
    OutcomeChange,
    RunData,
    SampleView,
    ScoreRow,
    Series,
    StageTime,
)

METRICS_FILE = "metrics.jsonl"
CONFIG_FILE = "config.yaml"
STAGES_FILE = "stages.json"
PROBLEMS_DIR = "problems"
BASELINE_POLICIES = ("sft", "plain")  # listed first; the others are compared against them
DEFAULT_POLICY = "eval"  # the label of a plain report.json


def collect_run(run_dir: str | Path, compare: Sequence[str | Path] = ()) -> RunData:
    """The records of ``run_dir``; each of ``compare`` adds its curves and evaluations
    (labelled ``NAME:...``) and is compared as the baseline of the same-named evaluations."""
    root = _run_folder(run_dir, "RUN_DIR")
    configs, stages, series, evaluations = _collect_one(root, prefix="")
    if not (configs or stages or series or evaluations):
        raise CoderlError(
            f"RUN_DIR {root}: holds no config.yaml, metrics.jsonl, stages.json or report*.json "
            "(give the folder a coderl run wrote)"
        )
    others = [_run_folder(other, "--compare") for other in compare]
    comparisons = list(_within(evaluations))
    for other in others:
        _, _, other_series, other_evaluations = _collect_one(other, prefix=f"{other.name}:")
        series += other_series
        by_label = {e.label.partition(":")[2]: e for e in other_evaluations}
        comparisons += [_compare(by_label[e.label], e) for e in evaluations if e.label in by_label]
        evaluations += other_evaluations
    return RunData(
        name=root.name,
        path=str(root),
        configs=configs,
        stages=stages,
        series=series,
        evaluations=evaluations,
        comparisons=tuple(comparisons),
        compared_runs=tuple(o.name for o in others),
    )


def _run_folder(path: str | Path, option: str) -> Path:
    folder = Path(path)
    if not folder.is_dir():
        raise CoderlError(f"{option} {folder}: not a folder (give a run folder)")
    return folder.resolve()


def _collect_one(
    root: Path, prefix: str
) -> tuple[
    tuple[tuple[str, str], ...], tuple[StageTime, ...], tuple[Series, ...], tuple[Evaluation, ...]
]:
    configs = tuple(
        (str(path.relative_to(root)), path.read_text(encoding="utf-8"))
        for path in [root / CONFIG_FILE, *sorted(root.glob(f"*/{CONFIG_FILE}"))]
        if path.is_file()
    )
    stages = _stages(root / STAGES_FILE)
    order = [stage.name for stage in stages]
    logs = sorted(
        root.glob(f"*/{METRICS_FILE}"),
        key=lambda p: (order.index(p.parent.name) if p.parent.name in order else len(order), p),
    )
    series = tuple(
        s
        for path in [root / METRICS_FILE, *logs]
        if path.is_file()
        for s in read_series(path, run=root.name, source=str(path.parent.relative_to(root)))
    )
    problems = _ProblemIndex(root)
    reports = sorted(root.glob("report*.json"), key=_report_rank)
    evaluations = tuple(_evaluation(path, problems, prefix) for path in reports)
    return configs, stages, series, evaluations


# curves -------------------------------------------------------------------------------------


def read_series(path: Path, run: str, source: str) -> tuple[Series, ...]:
    """Each numeric key of a metrics log as a series over its ``step``s, in file order."""
    points: dict[str, tuple[list[int], list[float | None]]] = {}
    for where, record in _jsonl(path):
        step = record.get("step")
        if not isinstance(step, int):
            raise DataError(f"{where}: a metrics record needs a whole-number 'step'")
        for key, value in record.items():
            if key == "step" or isinstance(value, bool):
                continue
            if value is not None and not isinstance(value, (int, float)):
                continue  # a text field (e.g. a note); not a curve
            steps, values = points.setdefault(key, ([], []))
            steps.append(step)
            values.append(None if value is None or not math.isfinite(value) else float(value))
    return tuple(
        Series(run, "" if source == "." else source, key, tuple(steps), tuple(values))
        for key, (steps, values) in points.items()
        if any(v is not None for v in values)
    )


def _stages(path: Path) -> tuple[StageTime, ...]:
    if not path.is_file():
        return ()
    data = _json(path)
    if not isinstance(data, dict):
        raise DataError(f"{path}: expected an object of stage -> {{'seconds': ...}}")
    return tuple(
        StageTime(name, float(entry["seconds"]))
        for name, entry in data.items()
        if isinstance(entry, dict) and isinstance(entry.get("seconds"), (int, float))
    )


# evaluations --------------------------------------------------------------------------------


def _report_rank(path: Path) -> tuple[int, str, str]:
    policy, mode = _policy_mode(_suffix(path))
    rank = (
        BASELINE_POLICIES.index(policy) if policy in BASELINE_POLICIES else len(BASELINE_POLICIES)
    )
    return rank, policy, mode


def _suffix(report_path: Path) -> str:
    """``report-grpo-sampled.json`` -> ``-grpo-sampled``; ``report.json`` -> ``''``."""
    return report_path.stem[len("report") :]


def _policy_mode(suffix: str) -> tuple[str, str]:
    policy, _, mode = suffix.lstrip("-").partition("-")
    return policy or DEFAULT_POLICY, mode


def _evaluation(path: Path, problems: _ProblemIndex, prefix: str) -> Evaluation:
    data = _json(path)
    if not isinstance(data, dict) or "by_difficulty" not in data:
        raise DataError(f"{path}: not a coderl evaluation report (no 'by_difficulty')")
    suffix = _suffix(path)
    policy, mode = _policy_mode(suffix)
    label = prefix + (f"{policy}-{mode}" if mode else policy)
    provenance = data.get("provenance") or {}
    notes: list[str] = []
    judgements_path = _beside(path, f"judgements{suffix}.jsonl", provenance.get("judgements"))
    if judgements_path is None:
        notes.append(f"no judgements{suffix}.jsonl: no samples or per-problem outcomes to show")
        return replace(_from_json(data, label, policy, mode), notes=tuple(notes))
    judgements = _judgements(judgements_path)
    known = problems.lookup(provenance.get("problems"), notes)
    examples_path = _beside(path, f"example-judgements{suffix}.jsonl", None)
    examples = _judgements(examples_path) if examples_path else None
    evaluation = _from_json(data, label, policy, mode)
    rows = evaluation.rows
    if not all(j.problem_id in known for j in judgements):
        notes.append("the problems of these judgements were not found: intervals over all only")
    elif examples is None and any(not m.startswith("pass@") for m in evaluation.metrics):
        notes.append("no example-test judgements beside the report: intervals over all only")
    else:
        rows = _with_intervals(rows, known, judgements, examples, evaluation.confidence)
    difficulties = {j.problem_id: _difficulty(known.get(j.problem_id)) for j in judgements}
    statements = {pid: known[pid].statement for pid in difficulties if pid in known}
    outcomes: dict[str, tuple[int, int]] = {}
    for j in judgements:
        if j.verdict is not Verdict.INFRA_ERROR:
            passed, judged = outcomes.get(j.problem_id, (0, 0))
            outcomes[j.problem_id] = (passed + j.passed, judged + 1)
    return replace(
        evaluation,
        rows=rows,
        outcomes=outcomes,
        difficulties=difficulties,
        statements=statements,
        samples=_samples(path, suffix, provenance, judgements, known, label, notes),
        notes=tuple(notes),
    )


def _from_json(data: dict[str, Any], label: str, policy: str, mode: str) -> Evaluation:
    metrics = tuple(data.get("metrics", ()))
    intervals = {m: tuple(v) for m, v in (data.get("confidence_intervals") or {}).items()}
    rows = tuple(
        ScoreRow(
            group=group,
            problems=int(row.get("problems", 0)),
            samples=int(row.get("samples", 0)),
            scores={m: float(row[m]) for m in metrics if m in row},
            intervals=intervals if group == "all" else {},
        )
        for group, row in data["by_difficulty"].items()
    )
    return Evaluation(
        label=label,
        policy=policy,
        mode=mode,
        metrics=metrics,
        rows=rows,
        confidence=float(data.get("confidence", 0.95)),
        verdicts={str(k): int(v) for k, v in (data.get("verdicts") or {}).items()},
        dropped=dict(data.get("dropped_metrics") or {}),
        outcomes={},
        difficulties={},
        statements={},
        samples=(),
    )


def _with_intervals(
    rows: Sequence[ScoreRow],
    known: dict[str, Problem],
    judgements: Sequence[Judgement],
    examples: Sequence[Judgement] | None,
    confidence: float,
) -> tuple[ScoreRow, ...]:
    """The report's rows with a bootstrap interval per difficulty (the JSON has one over all
    problems only), from `build_report` over each difficulty's problems."""
    from coderl.evaluation.report import ALL, build_report

    metrics = [m for row in rows for m in row.scores]
    ks = sorted({int(m.partition("@")[2]) for m in metrics if m.startswith("pass@")})
    pairs = sorted(
        {(int(n), int(k)) for n, _, k in (m.partition("@") for m in metrics) if n.isdigit()}
    )
    judged = {j.problem_id for j in judgements}
    problems = [p for p in known.values() if p.id in judged]
    with_intervals = []
    for row in rows:
        if row.group != ALL:
            ids = {p.id for p in problems if _difficulty(p) == row.group}
            report = build_report(
                [p for p in problems if p.id in ids],
                [j for j in judgements if j.problem_id in ids],
                ks,
                None if examples is None else [j for j in examples if j.problem_id in ids],
                pairs,
                confidence=confidence,
            )
            row = replace(row, intervals=report.intervals)
        with_intervals.append(row)
    return tuple(with_intervals)


def _difficulty(problem: Problem | None) -> str:
    from coderl.evaluation.report import UNKNOWN_DIFFICULTY

    return (problem.difficulty if problem else None) or UNKNOWN_DIFFICULTY


# comparisons --------------------------------------------------------------------------------


def _within(evaluations: Sequence[Evaluation]) -> Iterable[Comparison]:
    """Each evaluation against the first one of the same mode (the baseline policy)."""
    first: dict[str, Evaluation] = {}
    for evaluation in evaluations:
        if not evaluation.outcomes:
            continue
        baseline = first.setdefault(evaluation.mode, evaluation)
        if baseline is not evaluation:
            yield _compare(baseline, evaluation)


def _compare(baseline: Evaluation, candidate: Evaluation) -> Comparison:
    common = [pid for pid in candidate.outcomes if pid in baseline.outcomes]
    changes = tuple(
        OutcomeChange(
            pid,
            candidate.difficulties.get(pid) or baseline.difficulties.get(pid, ""),
            baseline.outcomes[pid],
            candidate.outcomes[pid],
        )
        for pid in common
        if (baseline.outcomes[pid][0] > 0) != (candidate.outcomes[pid][0] > 0)
    )
    return Comparison(baseline.label, candidate.label, len(common), changes)


# files --------------------------------------------------------------------------------------


class _ProblemIndex:
    """The problems a run's judgements refer to, loaded once: the run's ``problems/*.jsonl``
    (the quickstart keeps its splits there), else the spec an evaluation's provenance names."""

    def __init__(self, root: Path):
        self.root = root
        self._by_spec: dict[str | None, dict[str, Problem]] = {}

    def lookup(self, spec: str | None, notes: list[str]) -> dict[str, Problem]:
        key = None if (self.root / PROBLEMS_DIR).is_dir() else spec
        if key not in self._by_spec:
            self._by_spec[key] = self._load(key, notes)
        return self._by_spec[key]

    def _load(self, spec: str | None, notes: list[str]) -> dict[str, Problem]:
        from coderl.problems import load_problems

        specs = (
            [f"jsonl:{p}" for p in sorted((self.root / PROBLEMS_DIR).glob("*.jsonl"))]
            if spec is None
            else [spec]
        )
        found: dict[str, Problem] = {}
        for one in specs:
            try:
                found.update(load_problems(one).by_id())
            except CoderlError as err:  # the report still shows verdicts and programs
                notes.append(f"problems {one} not loaded ({err}): tests not shown")
        return found


def _samples(
    report_path: Path,
    suffix: str,
    provenance: dict[str, Any],
    judgements: Sequence[Judgement],
    known: dict[str, Problem],
    label: str,
    notes: list[str],
) -> tuple[SampleView, ...]:
    path = _beside(report_path, f"samples{suffix}.jsonl", provenance.get("samples"))
    if path is None:
        notes.append(f"no samples{suffix}.jsonl: verdicts without programs")
    return sample_views(path, judgements, known, provenance.get("tests") or "hidden", label)


def _beside(report: Path, name: str, recorded: str | None) -> Path | None:
    """The file ``name`` next to the report, else the one its provenance records (a report
    rebuilt with ``evaluate --judgements`` names the judgements it read)."""
    for candidate in (report.with_name(name), Path(recorded) if recorded else None):
        if candidate is not None and candidate.is_file():
            return candidate
    return None


def _jsonl(path: Path) -> Iterable[tuple[str, dict[str, Any]]]:
    from coderl.problems.loaders.rows import read_jsonl

    for where, row in read_jsonl(path):
        if not isinstance(row, dict):
            raise DataError(f"{where}: expected a JSON object")
        yield where, row


def _json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise DataError(f"{path}: not JSON ({err})") from None


def _judgements(path: Path) -> tuple[Judgement, ...]:
    from coderl.evaluation.judging import read_judgements_file

    return read_judgements_file(path).judgements
