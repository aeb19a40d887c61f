"""`coderl evaluate`: judge samples and report pass@k (and n@k where example tests exist)."""

from __future__ import annotations

import argparse

DESCRIPTION = """Judge samples and report pass@k per difficulty, with bootstrap confidence
intervals, and n@k (submit n of k samples after filtering by the example tests).

Either judge an existing --samples file, or give --model to generate them first (written to
REPORT.samples.jsonl and resumed if interrupted: the same code path as `coderl generate`).
Writes the judgements next to the report (REPORT.judgements.jsonl), the report as JSON and as a
markdown table (REPORT.md), and prints the table.
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from coderl.cli.generate import add_model_arguments
    from coderl.cli.judge import add_judge_arguments

    parser.add_argument("--problems", required=True, help="problem spec, e.g. humaneval")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--samples", help="samples JSONL (problem_id, completion) to judge")
    source.add_argument("--model", help="generate samples with this model first")
    parser.add_argument("--k", default="1,10,100", help="comma-separated ks for pass@k")
    parser.add_argument(
        "--n-at-k",
        default="1@10",
        help="comma-separated n@k metrics, e.g. 1@10,5@100 ('' for none); reported only "
        "where k samples per problem exist",
    )
    parser.add_argument(
        "--out", default="report.json", help="report JSON path (default: %(default)s)"
    )
    add_judge_arguments(parser)
    add_model_arguments(parser.add_argument_group("generation (with --model)"))


def parse_ks(text: str) -> tuple[int, ...]:
    from coderl.errors import CoderlError

    try:
        ks = tuple(int(k) for k in text.split(",") if k.strip())
    except ValueError:
        raise CoderlError(f"--k {text!r}: give comma-separated whole numbers, e.g. 1,10") from None
    if not ks or min(ks) < 1:
        raise CoderlError(f"--k {text!r}: give positive whole numbers, e.g. 1,10")
    return ks


def parse_n_at_k(text: str) -> tuple[tuple[int, int], ...]:
    from coderl.errors import CoderlError

    pairs = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        n, sep, k = item.partition("@")
        if not (sep and n.isdigit() and k.isdigit() and 0 < int(n) <= int(k)):
            raise CoderlError(f"--n-at-k {item!r}: write n@k with 0 < n <= k, e.g. 1@10")
        pairs.append((int(n), int(k)))
    return tuple(pairs)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from coderl.cli.judge import judge_config, load_samples_for
    from coderl.evaluation.judging import (
        build_submissions,
        judge_examples,
        judge_with_progress,
        write_judgements,
    )
    from coderl.evaluation.report import build_report
    from coderl.execution.judge import Judge
    from coderl.problems import load_problems

    ks = parse_ks(args.k)
    n_at_k = parse_n_at_k(args.n_at_k)
    problems = list(load_problems(args.problems))
    out = Path(args.out)
    samples_path = args.samples
    if args.model:
        from coderl.cli.generate import generate_from_args

        samples_path = out.with_suffix(".samples.jsonl")
        generate_from_args(args, problems, samples_path)
    samples = load_samples_for(problems, samples_path)
    submissions = build_submissions(problems, samples, args.tests, args.stop_at_first_failure)
    progress = not args.no_progress
    with Judge(judge_config(args)) as judge:
        judgements = judge_with_progress(judge, submissions, progress=progress)
        examples = judge_examples(judge, submissions, progress=progress) if n_at_k else None
    write_judgements(out.with_suffix(".judgements.jsonl"), judgements)
    report = build_report(problems, judgements, ks, example_judgements=examples, n_at_k=n_at_k)
    json_path, md_path = report.write(out)
    print(report.to_markdown())
    print(f"wrote {json_path} and {md_path}")
    return 0
