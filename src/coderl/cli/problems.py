"""`coderl problems SPEC [--show ID]`: check that a benchmark loads, and what it holds."""

from __future__ import annotations

import argparse
from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from coderl.problems import Problem, ProblemSet

DESCRIPTION = """Load a benchmark and summarise it: problem count, difficulties, splits, tests
and example tests per problem, problems without tests, and skipped rows with their reasons.

SPEC is NAME[:PATH][@SPLIT][[START:END]], e.g.
  coderl problems humaneval
  coderl problems mbpp:data/mbpp.jsonl@test
  coderl problems 'apps:data/APPS/test[0:100]' --show apps/test/0003
"""

SHOWN_ROWS = 5  # skipped rows, problem ids and tests printed before "... and N more"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", metavar="SPEC", help="NAME[:PATH][@SPLIT][[START:END]]")
    parser.add_argument("--show", metavar="ID", help="print one problem and its prompt")
    parser.add_argument(
        "--prompt-style", metavar="STYLE", help="prompt style for --show (default: by source)"
    )


def run(args: argparse.Namespace) -> int:
    from coderl.errors import DataError
    from coderl.problems import load_problems

    problems = load_problems(args.spec)
    if args.show is None:
        print(summary(problems))
        return 0
    problem = problems.by_id().get(args.show)
    if problem is None:
        ids = ", ".join(p.id for p in problems.problems[:SHOWN_ROWS])
        raise DataError(f"no problem {args.show!r} in {args.spec}; ids look like: {ids}")
    print(show(problem, args.prompt_style))
    return 0


def summary(problems: ProblemSet) -> str:
    """The counts a user checks after loading a benchmark."""
    items = problems.problems
    untested = [p.id for p in items if not p.tests]
    lines = [
        f"{problems.spec}: {len(items)} problems",
        f"  by split: {_counts(p.split for p in items)}",
        f"  by difficulty: {_counts(p.difficulty for p in items)}",
        f"  tests per problem: {_spread([len(p.tests) for p in items])}",
        f"  example tests per problem: {_spread([len(p.example_tests) for p in items])}",
        f"  problems without tests: {len(untested)}{_first(untested)}",
        f"  skipped rows: {len(problems.skipped)}",
    ]
    lines += [f"    {row.where}: {row.reason}" for row in problems.skipped[:SHOWN_ROWS]]
    if len(problems.skipped) > SHOWN_ROWS:
        lines.append(f"    ... and {len(problems.skipped) - SHOWN_ROWS} more")
    return "\n".join(lines)


def show(problem: Problem, prompt_style: str | None) -> str:
    """One problem as a reader checks it: statement, code, tests, and the model's prompt."""
    parts = [
        f"id: {problem.id}  source: {problem.source}  split: {problem.split}  "
        f"difficulty: {problem.difficulty}",
        f"entry point: {problem.entry_point}",
        _section("statement", problem.statement),
    ]
    if problem.starter_code:
        parts.append(_section("starter code", problem.starter_code))
    if problem.test_setup_code:
        parts.append(_section("test setup code", problem.test_setup_code))
    for title, tests in (("tests", problem.tests), ("example tests", problem.example_tests)):
        shown = [_test_text(t.to_dict()) for t in tests[:SHOWN_ROWS]]
        if len(tests) > SHOWN_ROWS:
            shown.append(f"... and {len(tests) - SHOWN_ROWS} more")
        parts.append(_section(f"{title} ({len(tests)})", "\n".join(shown)))
    prompt = _prompt(problem, prompt_style)
    if prompt is not None:
        parts.append(_section("prompt", prompt))
    return "\n".join(parts)


def _prompt(problem: Problem, style: str | None) -> str | None:
    """The prompt (or why there is none), or None while `coderl.problems.prompts` has not
    landed."""
    try:
        from coderl.problems.prompts import build_prompt
    except ImportError:
        return None
    try:
        return build_prompt(problem, style)
    except ValueError as err:  # an unknown style, or one that does not fit this problem
        return f"(no prompt: {err})"


def _test_text(test: dict) -> str:
    if test["kind"] == "stdio":
        return f"stdin {test['stdin']!r} -> stdout {test['expected_stdout']!r}"
    if test["kind"] == "call":
        return f"call {tuple(test['args'])!r} -> {test['expected_return']!r}"
    return test["code"].strip()


def _section(title: str, body: str) -> str:
    return f"--- {title} ---\n{body.rstrip()}"


def _counts(values) -> str:
    counts = Counter("none" if v is None else str(v) for v in values)
    return ", ".join(f"{key} {n}" for key, n in sorted(counts.items())) or "-"


def _spread(sizes: list[int]) -> str:
    if not sizes:
        return "-"
    return f"min {min(sizes)}, mean {sum(sizes) / len(sizes):.1f}, max {max(sizes)}"


def _first(ids: list[str]) -> str:
    if not ids:
        return ""
    more = f", ... and {len(ids) - SHOWN_ROWS} more" if len(ids) > SHOWN_ROWS else ""
    return f" ({', '.join(ids[:SHOWN_ROWS])}{more})"
