"""A small real run folder (testbed problems, programs judged by the real judge, metrics
written by the real logger) and a headless Chromium driven over the DevTools protocol."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from coderl.evaluation.report import build_report
from coderl.execution.judge import Judge
from coderl.execution.limits import JudgeConfig
from coderl.execution.types import Submission
from coderl.problems import load_problems
from coderl.reports.browser import Browser, find_chromium
from coderl.training.configs import LoggingConfig
from coderl.training.metrics_log import MetricsLogger

PROBLEMS = "synthetic@test[0:8]"


def _programs(problem, solved: bool) -> list[str]:
    """Four programs: the reference solution (or, unless ``solved``, a wrong answer), a wrong
    answer, a runtime error on line 2 and a syntax error."""
    if problem.entry_point:
        head = problem.solutions[0].splitlines()[0]
        wrong = f"{head}\n    return 12345\n"
        failing = [f"{head}\n    return undefined_name\n", f"{head}\n    return (\n"]
    else:
        wrong = "print(12345)\n"
        failing = ["n = 1\nprint(undefined_name)\n", "print(\n"]
    return [problem.solutions[0] if solved else wrong, wrong, *failing]


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory) -> Path:
    """``sft-sampled`` and ``grpo-sampled`` evaluations like the quickstart's (sft solves the
    even-numbered problems, grpo the odd ones), an ``sft/`` and an ``rl/`` metrics log,
    stages.json and config.yaml; grpo's samples carry token scores."""
    root = tmp_path_factory.mktemp("run") / "tiny-run"
    (root / "problems").mkdir(parents=True)
    problems = load_problems(PROBLEMS).problems
    (root / "problems" / "test.jsonl").write_text(
        "".join(json.dumps(p.to_dict()) + "\n" for p in problems)
    )
    with Judge(JudgeConfig(workers=1)) as judge:
        for policy in ("sft", "grpo"):
            rows, submissions = [], []
            for problem in problems:
                solved = int(problem.id[-1]) % 2 == (policy == "grpo")
                for index, program in enumerate(_programs(problem, solved)):
                    row = {"problem_id": problem.id, "sample_index": index, "completion": program}
                    if policy == "grpo":
                        tokens = program.split(" ")
                        tokens = [t + " " for t in tokens[:-1]] + tokens[-1:]
                        scores = [i / len(tokens) for i in range(len(tokens))]
                        row["token_scores"] = {"tokens": tokens, "scores": scores}
                    rows.append(row)
                    submissions.append(Submission(problem, program, sample_index=index))
            judgements = judge.run(submissions)
            name = f"{policy}-sampled"
            (root / f"samples-{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
            (root / f"judgements-{name}.jsonl").write_text(
                "".join(json.dumps(j.to_dict()) + "\n" for j in judgements)
            )
            build_report(problems, judgements, ks=(1, 2), n_resamples=200).write(
                root / f"report-{name}.json"
            )
    logging = LoggingConfig(tensorboard=False)
    with MetricsLogger(root / "sft", logging) as log:
        for step in range(1, 21):
            log.log(step, {"train/loss": 3.0 / step, "train/lr": 1e-3, "time/update": 0.1})
    with MetricsLogger(root / "rl", logging) as log:
        log.log(0, {"eval/pass@1": 0.25})
        for step in range(1, 11):
            log.log(
                step,
                {
                    "train/reward": step / 10,
                    "train/kl": 0.01 * step,
                    "train/entropy": 1.0 - 0.05 * step,
                    "train/response_length": 20.0 + step,
                    "time/sample": 1.5,
                    "time/judge": 0.2,
                },
            )
        log.log(10, {"eval/pass@1": 0.5})
    stages = {"sft": {"seconds": 12.0}, "rl": {"seconds": 30.5}, "judge": {"seconds": 1.2}}
    (root / "stages.json").write_text(json.dumps(stages))
    (root / "config.yaml").write_text("seed: 0\nsft:\n  steps: 20\nrl:\n  steps: 10\n")
    return root


@pytest.fixture
def browser(tmp_path):
    """A headless Chromium, or skip where none is installed (CI installs it: .ci/run)."""
    executable = find_chromium()
    if executable is None:
        pytest.skip("chromium not installed (apt-get install chromium; .ci/run installs it)")
    the_browser = Browser(executable, tmp_path / "profile")
    try:
        yield the_browser
    finally:
        the_browser.close()
