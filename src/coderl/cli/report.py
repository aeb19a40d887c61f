"""`coderl report RUN_DIR [--compare OTHER_RUN_DIR ...] [--out FILE]`."""

from __future__ import annotations

import argparse
from pathlib import Path

DESCRIPTION = """Write a run folder's report page: one self-contained HTML file (no network
when it opens) with the run's config, its curves over steps (from every metrics.jsonl), pass@k
and n@k per difficulty with intervals, verdict counts, the problems whose outcome changed
between policies, and a browser of the judged programs with their failing tests.

RUN_DIR is what `coderl quickstart`, `coderl train ...` or `coderl evaluate` wrote. The page
goes to RUN_DIR/report.html unless --out says otherwise. See docs/report.md.

  coderl report runs/quickstart-20261202-101500
  coderl report runs/grpo --compare runs/sft --out /tmp/grpo-vs-sft.html
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", metavar="RUN_DIR", help="the run folder to report on")
    parser.add_argument(
        "--compare",
        action="append",
        default=[],
        metavar="OTHER_RUN_DIR",
        help="a run to compare with (its curves on the same axes, its evaluations as the "
        "baseline of the same-named ones); repeat for more",
    )
    parser.add_argument(
        "--out", metavar="FILE", help="where to write (default: RUN_DIR/report.html)"
    )


def run(args: argparse.Namespace) -> int:
    from coderl.errors import CoderlError
    from coderl.files import check_output_file
    from coderl.reports import write_report

    if args.out is not None:  # before any reading
        if not args.out.endswith((".html", ".htm")):  # never one of the run's own files
            raise CoderlError(f"--out {args.out}: give a path ending in .html")
        inputs = {"RUN_DIR": args.run_dir, **{f"--compare {c}": c for c in args.compare}}
        check_output_file(args.out, "--out", inputs)
    path = write_report(args.run_dir, args.compare, args.out)
    print(f"report: {path}")
    return 0


def add_no_report_argument(parser: argparse.ArgumentParser) -> None:
    """``--no-report``, for the commands that write a report page when they finish."""
    parser.add_argument(
        "--no-report",
        action="store_true",
        help="do not write the run's report.html at the end (`coderl report` writes it later)",
    )


def write_run_report(run_dir: str | Path, args: argparse.Namespace) -> None:
    """The report page of a finished run, and its path on the terminal. A page that cannot be
    built is a warning, not a failure: the run itself is done and saved."""
    from coderl.cli.options import warn
    from coderl.errors import CoderlError
    from coderl.reports import write_report

    if args.no_report:
        return
    try:
        path = write_report(run_dir)
    except CoderlError as err:
        warn(f"report page not written: {err} (fix it, then run: coderl report {run_dir})")
        return
    print(f"report: {path}")
