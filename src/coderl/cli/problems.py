"""`coderl problems SPEC [--show ID]`: check that a benchmark loads, and what it holds;
with ``--out``, write it (or its shortest problems) as coderl JSONL."""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from coderl.problems import Problem, ProblemSet

DESCRIPTION = """Load a benchmark and summarise it: problem count, difficulties, splits, tests
and example tests per problem, problems without tests, and skipped rows with their reasons.

SPEC is NAME[:PATH][@SPLIT][[START:END]], e.g.
  coderl problems humaneval
  coderl problems mbpp:data/mbpp.jsonl@test
  coderl problems 'apps:data/APPS/test[0:100]' --show apps/test/0003

--out FILE writes the problems as coderl JSONL (load them back with jsonl:FILE). Counting
tokens of prompt + first reference solution with --tokenizer MODEL, --shortest N keeps the N
problems with the fewest and --max-tokens T those with at most T, shortest first:
  coderl problems xlcost:DATA/Java-C++@test --tokenizer models/smollm2-135m --shortest 30 --out F
"""

SHOWN_ROWS = 5  # skipped rows, problem ids and tests printed before "... and N more"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("spec", metavar="SPEC", help="NAME[:PATH][@SPLIT][[START:END]]")
    parser.add_argument("--show", metavar="ID", help="print one problem and its prompt")
    parser.add_argument(
        "--prompt-style",
        metavar="STYLE",
        help="prompt style for --show and for counting tokens (default: by source)",
    )
    parser.add_argument("--out", metavar="FILE", help="write the problems as coderl JSONL")
    parser.add_argument(
        "--shortest", type=int, metavar="N", help="with --out: the N shortest problems only"
    )
    parser.add_argument(
        "--max-tokens",
        type=int,
        metavar="T",
        help="with --out: only problems whose prompt + first reference take at most T tokens",
    )
    parser.add_argument(
        "--tokenizer", metavar="MODEL", help="the model whose tokenizer counts the tokens"
    )


def run(args: argparse.Namespace) -> int:
    from coderl.errors import DataError
    from coderl.problems import load_problems

    _check_subset_args(args)
    problems = load_problems(args.spec)
    if args.out is not None:
        print(write_problems(problems, args))
        return 0
    if args.show is None:
        print(summary(problems))
        return 0
    problem = problems.by_id().get(args.show)
    if problem is None:
        ids = ", ".join(p.id for p in problems.problems[:SHOWN_ROWS])
        raise DataError(f"no problem {args.show!r} in {args.spec}; ids look like: {ids}")
    print(show(problem, args.prompt_style))
    return 0


def _check_subset_args(args: argparse.Namespace) -> None:
    """Bad flag combinations fail before anything loads."""
    from coderl.errors import ConfigError

    sized = args.shortest is not None or args.max_tokens is not None
    if (sized or args.tokenizer is not None) and args.out is None:
        raise ConfigError(
            "--shortest, --max-tokens and --tokenizer select what --out writes; add --out FILE"
        )
    if sized and args.tokenizer is None:
        raise ConfigError("--shortest and --max-tokens count tokens: add --tokenizer MODEL")
    if args.out is not None and args.show is not None:
        raise ConfigError("--show and --out: use one of them")
    for flag, value in (("--shortest", args.shortest), ("--max-tokens", args.max_tokens)):
        if value is not None and value < 1:
            raise ConfigError(f"{flag} {value}: use 1 or more")


def write_problems(problems: ProblemSet, args: argparse.Namespace) -> str:
    """Write the problems (the shortest ones, when asked) to ``args.out``; what was left out."""
    chosen = problems.problems
    note = ""
    if args.tokenizer is not None:
        from coderl.models.loading import load_tokenizer
        from coderl.problems.subset import shortest_problems

        tokenizer = load_tokenizer(args.tokenizer)
        subset = shortest_problems(
            chosen,
            lambda text: len(tokenizer(text, add_special_tokens=False).input_ids),
            args.prompt_style,
            count=args.shortest,
            max_tokens=args.max_tokens,
        )
        chosen = subset.problems
        note = (
            f"; left out: {len(subset.without_solutions)} without solutions, "
            f"{len(subset.too_long)} over --max-tokens, {len(subset.beyond_count)} beyond "
            "--shortest"
        )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(p.to_dict()) + "\n" for p in chosen), encoding="utf-8")
    return f"wrote {len(chosen)} of {len(problems.problems)} problems to {out}{note}"


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
