"""How long the report page takes to build and to open, for a run with many samples.

Builds a run folder like the quickstart's (``problems/``, ``samples-*``, ``judgements-*``,
``report-*`` for two policies, an ``rl/metrics.jsonl``) from testbed problems and programs
judged by the real judge: per problem, the reference solution, a wrong answer, a runtime
error and a syntax error, in turn; one policy's samples carry critic token scores. Then
times `write_report` (collect + render, best of ``--rounds``), and headless Chromium opening
the page (navigation to the load event) and filtering the sample browser.

    python bench/report_page.py --problems 500 --n 10 --out runs/bench-report
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from coderl.evaluation.report import build_report
from coderl.execution.judge import Judge
from coderl.execution.limits import JudgeConfig
from coderl.execution.types import Submission
from coderl.problems import load_problems
from coderl.reports import write_report
from coderl.reports.browser import Browser, find_chromium
from coderl.training.configs import LoggingConfig
from coderl.training.metrics_log import MetricsLogger

POLICIES = ("sft", "grpo")


def programs(problem, n: int, solved: bool) -> list[str]:
    """``n`` programs cycling through right (wrong unless ``solved``), wrong, runtime error
    and syntax error."""
    right = problem.solutions[0]
    if problem.entry_point:
        head = right.splitlines()[0]
        wrong = f"{head}\n    return 12345\n"
        kinds = [wrong, f"{head}\n    return nope\n", f"{head}\n  (\n"]
    else:
        wrong = "print(12345)\n"
        kinds = [wrong, "print(nope)\n", "print(\n"]
    kinds = [right if solved else wrong, *kinds]
    return [kinds[i % len(kinds)] for i in range(n)]


def build_run(folder: Path, num_problems: int, n: int, workers: int) -> None:
    problems = load_problems(f"synthetic@train[0:{num_problems}]").problems
    (folder / "problems").mkdir(parents=True, exist_ok=True)
    (folder / "problems" / "test.jsonl").write_text(
        "".join(json.dumps(p.to_dict()) + "\n" for p in problems)
    )
    with Judge(JudgeConfig(workers=workers)) as judge:
        for which, policy in enumerate(POLICIES):
            rows, submissions = [], []
            for number, problem in enumerate(problems):
                solved = number % 3 != which  # each policy fails a third, not the same third
                for index, program in enumerate(programs(problem, n, solved)):
                    row = {"problem_id": problem.id, "sample_index": index, "completion": program}
                    if policy == "grpo":
                        tokens = [t + " " for t in program.split(" ")]
                        tokens[-1] = tokens[-1][:-1]
                        scores = [i / len(tokens) for i in range(len(tokens))]
                        row["token_scores"] = {"tokens": tokens, "scores": scores}
                    rows.append(row)
                    submissions.append(Submission(problem, program, sample_index=index))
            start = time.perf_counter()
            judgements = judge.run(submissions)
            seconds = time.perf_counter() - start
            print(f"judged {len(submissions)} {policy} programs in {seconds:.1f} s")
            (folder / f"samples-{policy}-sampled.jsonl").write_text(
                "".join(json.dumps(r) + "\n" for r in rows)
            )
            (folder / f"judgements-{policy}-sampled.jsonl").write_text(
                "".join(json.dumps(j.to_dict()) + "\n" for j in judgements)
            )
            build_report(problems, judgements, ks=(1, 5, 10)).write(
                folder / f"report-{policy}-sampled.json"
            )
    with MetricsLogger(folder / "rl", LoggingConfig(tensorboard=False)) as log:
        for step in range(1, 501):
            metrics = {"train/reward": step / 500, "train/kl": 0.001 * step, "time/sample": 1.0}
            log.log(step, metrics)


def time_open(page: Path, profile: Path) -> tuple[float, float]:
    """Seconds from navigation to the load event, and for one filter of the sample browser."""
    executable = find_chromium()
    if executable is None:
        raise SystemExit("chromium not found: apt-get install chromium")
    with Browser(executable, profile) as browser:
        start = time.perf_counter()
        browser.open(page.resolve().as_uri())
        loaded = time.perf_counter() - start
        filtered = browser.evaluate(
            "(() => { const t = performance.now(); const s = document.getElementById("
            "'filter-verdict'); s.value = 'runtime_error'; s.dispatchEvent(new Event('input'));"
            " return (performance.now() - t) / 1000; })()"
        )
        errors = browser.console_errors()
        if errors:
            raise SystemExit(f"the page logged errors: {errors}")
    return loaded, filtered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", type=int, default=500, help="testbed problems")
    parser.add_argument("--n", type=int, default=10, help="samples per problem and policy")
    parser.add_argument("--workers", type=int, default=2, help="judge workers")
    parser.add_argument("--rounds", type=int, default=3, help="timed repetitions")
    parser.add_argument("--out", type=Path, default=Path("runs/bench-report"))
    args = parser.parse_args()
    if not (args.out / "report-grpo-sampled.json").exists():
        build_run(args.out, args.problems, args.n, args.workers)
    builds, opens, filters = [], [], []
    for round_ in range(args.rounds):
        start = time.perf_counter()
        page = write_report(args.out)
        builds.append(time.perf_counter() - start)
        loaded, filtered = time_open(page, args.out / f".chromium-profile-{round_}")
        opens.append(loaded)
        filters.append(filtered)
    samples = 2 * args.problems * args.n
    print(f"{samples} samples, page {page.stat().st_size / 1e6:.1f} MB: {page}")
    print(f"build (collect + render), median of {args.rounds}: {statistics.median(builds):.2f} s")
    print(f"open in headless chromium (to the load event): {statistics.median(opens):.2f} s")
    print(f"filter the sample browser by verdict: {1000 * statistics.median(filters):.0f} ms")


if __name__ == "__main__":
    main()
