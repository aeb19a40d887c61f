"""A small real run folder (testbed problems, programs judged by the real judge, metrics
written by the real logger) and a headless Chromium driven over the DevTools protocol."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from coderl.evaluation.report import build_report
from coderl.execution.judge import Judge
from coderl.execution.limits import JudgeConfig
from coderl.execution.types import Submission
from coderl.problems import load_problems
from coderl.training.configs import LoggingConfig
from coderl.training.metrics_log import MetricsLogger

PROBLEMS = "synthetic@test[0:8]"
TIMEOUT_S = 30


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


# the browser --------------------------------------------------------------------------------


class Browser:
    """Headless Chromium over ``--remote-debugging-pipe`` (JSON messages ending in NUL on
    fds 3 and 4): no websocket library and no browser download."""

    def __init__(self, executable: str, profile: Path):
        to_child, self._commands = os.pipe()
        self._events, from_child = os.pipe()
        args = [
            "--headless",
            "--no-sandbox",  # CI runs as root, where Chromium's own sandbox refuses to start
            "--disable-gpu",
            "--remote-debugging-pipe",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            "--window-size=1280,2000",
            "about:blank",
        ]
        self.process = subprocess.Popen(  # bash: dash takes single-digit fds only
            ["/bin/bash", "-c", f'exec "$0" "$@" 3<&{to_child} 4>&{from_child}', executable, *args],
            pass_fds=(to_child, from_child),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_child)
        os.close(from_child)
        self._next_id = 0
        self._buffer = b""
        self.events: list[dict[str, Any]] = []
        self.session = ""

    def send(self, method: str, params: dict | None = None, session: bool = True) -> dict:
        """Send one command and wait for its answer (events that come first are kept)."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]
            self.events.append(reply)

    def wait_for(self, method: str) -> dict:
        while True:
            for event in self.events:
                if event.get("method") == method:
                    self.events.remove(event)
                    return event
            self.events.append(self._read())

    def open(self, url: str) -> None:
        """Attach to the first page, listen to its console, and load ``url``."""
        pages = [t for t in self.send("Target.getTargets")["targetInfos"] if t["type"] == "page"]
        attached = self.send(
            "Target.attachToTarget", {"targetId": pages[0]["targetId"], "flatten": True}
        )
        self.session = attached["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable")
        self.send("Page.navigate", {"url": url})
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: Path) -> Path:
        data = self.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
        path.write_bytes(base64.b64decode(data["data"]))
        return path

    def console_errors(self) -> list[str]:
        """Errors the page logged or threw so far."""
        errors = []
        for event in self.events:
            params = event.get("params", {})
            if event.get("method") == "Runtime.exceptionThrown":
                errors.append(json.dumps(params["exceptionDetails"]))
            elif event.get("method") == "Runtime.consoleAPICalled" and params["type"] == "error":
                errors.append(json.dumps(params["args"]))
            elif event.get("method") == "Log.entryAdded" and params["entry"]["level"] == "error":
                errors.append(params["entry"]["text"])
        return errors

    def _read(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            if not select.select([self._events], [], [], TIMEOUT_S)[0]:
                raise RuntimeError(f"chromium sent nothing for {TIMEOUT_S} s")
            chunk = os.read(self._events, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(message)

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, OSError):  # already gone
            self.send("Browser.close", session=False)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._commands)
        os.close(self._events)


@pytest.fixture
def browser(tmp_path):
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.skip("chromium not installed (apt-get install chromium; .ci/run installs it)")
    the_browser = Browser(executable, tmp_path / "profile")
    try:
        yield the_browser
    finally:
        the_browser.close()
