"""The judge end to end on small programs: verdicts, test selection, order, errors."""

from __future__ import annotations

import os
import signal
import threading

from coderl.execution import Submission, Verdict
from coderl.execution.judge import Judge
from coderl.execution.limits import JudgeConfig
from coderl.problems.types import Problem, TestCase

from .conftest import FAST_LIMITS

ADD_STDIO = Problem(
    id="add-stdio",
    source="test",
    statement="",
    tests=(TestCase.stdio("1 2\n", "3\n"), TestCase.stdio("5 5\n", "10\n")),
    example_tests=(TestCase.stdio("0 0\n", "0\n"),),
)
ADD_CALL = Problem(
    id="add-call",
    source="test",
    statement="",
    entry_point="add",
    tests=(TestCase.call([1, 2], 3), TestCase.call([0.1, 0.2], 0.3)),
)
ADD_ASSERT = Problem(
    id="add-assert",
    source="test",
    statement="",
    entry_point="add",
    tests=(
        TestCase.assertion("assert add(1, 2) == 3"),
        TestCase.assertion("assert add(2, 2) == 4"),
    ),
)
GOOD_STDIO = "a, b = map(int, input().split())\nprint(a + b)\n"


def verdicts(judge, *submissions):
    return [j.verdict for j in judge.run(list(submissions))]


def test_stdio_program_variants(judge):
    main_guard = "import sys\ndef main():\n a, b = map(int, sys.stdin.read().split())\n"
    main_guard += " sys.stdout.write(str(a + b) + '\\n')\nif __name__ == '__main__':\n main()\n"
    assert verdicts(
        judge,
        Submission(ADD_STDIO, GOOD_STDIO),
        Submission(ADD_STDIO, main_guard),
        Submission(ADD_STDIO, "import sys\nprint(sum(map(int, sys.stdin.buffer.read().split())))"),
        Submission(ADD_STDIO, "print(3)"),
        Submission(ADD_STDIO, GOOD_STDIO + "import sys\nsys.exit(0)\n"),
    ) == [Verdict.PASSED] * 3 + [Verdict.WRONG_ANSWER, Verdict.PASSED]


def test_compile_error_reports_line(judge):
    (result,) = judge.run([Submission(ADD_STDIO, "x = 1\ndef f(:\n  pass\n")])
    assert result.verdict is Verdict.COMPILE_ERROR
    assert result.error.type == "SyntaxError" and result.error.line == 2


def test_runtime_error_reports_type_and_line_in_the_program(judge):
    (result,) = judge.run([Submission(ADD_CALL, "def add(a, b):\n    x = 1\n    return a + c\n")])
    assert result.verdict is Verdict.RUNTIME_ERROR
    assert (result.error.type, result.error.line) == ("NameError", 3)


def test_call_tests_compare_plain_values_with_float_tolerance(judge):
    assert verdicts(
        judge,
        Submission(ADD_CALL, "def add(a, b): return a + b"),
        Submission(ADD_CALL, "class Solution:\n    def add(self, a, b): return a + b"),
        Submission(ADD_CALL, "def add(a, b): return a - b"),
        Submission(ADD_CALL, "def mul(a, b): return a * b"),
    ) == [Verdict.PASSED, Verdict.PASSED, Verdict.WRONG_ANSWER, Verdict.RUNTIME_ERROR]


def test_apps_single_element_list_is_accepted_for_apps_only(judge):
    wrapped = Problem(
        id="apps-1", source="apps", statement="", entry_point="f", tests=(TestCase.call([2], [4]),)
    )
    elsewhere = Problem(
        id="x-1", source="test", statement="", entry_point="f", tests=(TestCase.call([2], [4]),)
    )
    code = "def f(x): return x * 2"
    assert verdicts(judge, Submission(wrapped, code), Submission(elsewhere, code)) == [
        Verdict.PASSED,
        Verdict.WRONG_ANSWER,
    ]


def test_assert_tests_keep_tuples_apart_from_lists(judge):
    problem = Problem(
        id="tuple",
        source="test",
        statement="",
        entry_point="pair",
        tests=(TestCase.assertion("assert pair(1) == (1, 1)"),),
    )
    assert verdicts(
        judge,
        Submission(problem, "def pair(x): return (x, x)"),
        Submission(problem, "def pair(x): return [x, x]"),
    ) == [Verdict.PASSED, Verdict.WRONG_ANSWER]


def test_humaneval_style_check_and_prompt_helpers(judge):
    prompt = "def double(x):\n    return 2 * x\n\ndef quad(x):\n    '''Four times x.'''\n"
    test = "def check(candidate):\n    assert candidate(3) == double(6)\n"
    problem = Problem(
        id="he",
        source="humaneval",
        statement="",
        entry_point="quad",
        code_prefix=prompt,
        tests=(TestCase.assertion(test),),
    )
    assert verdicts(
        judge,
        Submission(problem, prompt + "    return 4 * x\n"),
        Submission(problem, prompt + "    return None\n"),
    ) == [Verdict.PASSED, Verdict.WRONG_ANSWER]


def test_all_tests_run_unless_stopping_at_first_failure(judge):
    code = "def add(a, b):\n    assert a != 1\n    return a + b"
    full, stopped = judge.run(
        [Submission(ADD_ASSERT, code), Submission(ADD_ASSERT, code, stop_at_first_failure=True)]
    )
    assert [t.verdict for t in full.tests] == [Verdict.RUNTIME_ERROR, Verdict.PASSED]
    assert [t.verdict for t in stopped.tests] == [Verdict.RUNTIME_ERROR]
    assert full.error.type == "AssertionError"


def test_test_selection_and_no_tests(judge):
    example, both, none = judge.run(
        [
            Submission(ADD_STDIO, GOOD_STDIO, tests="example"),
            Submission(ADD_STDIO, GOOD_STDIO, tests="all"),
            Submission(ADD_CALL, "def add(a, b): return a + b", tests="example"),
        ]
    )
    assert len(example.tests) == 1 and len(both.tests) == 3 and example.passed and both.passed
    assert none.verdict is Verdict.INFRA_ERROR and none.error.type == "NoTests"


def test_run_keeps_input_order_and_stream_carries_ids(judge):
    submissions = [
        Submission(ADD_CALL, "def add(a, b): return a + b" if i % 2 else "x", sample_index=i)
        for i in range(10)
    ]
    ordered = judge.run(submissions)
    assert [j.sample_index for j in ordered] == list(range(10))
    streamed = {j.sample_index: j.verdict for j in judge.stream(submissions)}
    assert streamed == {j.sample_index: j.verdict for j in ordered}


def test_unknown_language_is_infra_error(judge):
    problem = Problem(id="r", source="t", statement="", language="rust", tests=ADD_STDIO.tests)
    (result,) = judge.run([Submission(problem, "fn main() {}")])
    assert result.verdict is Verdict.INFRA_ERROR and result.error.type == "UnsupportedLanguage"


def test_a_dead_worker_is_infra_error_and_replaced():
    slow = Submission(ADD_CALL, "import time\ndef add(a, b):\n    time.sleep(2)\n")
    with Judge(JudgeConfig(limits=FAST_LIMITS, workers=1, retries=0)) as judge:
        worker = judge._pool._workers[0].process
        threading.Timer(0.5, os.kill, (worker.pid, signal.SIGKILL)).start()
        (result,) = judge.run([slow])
        assert result.verdict is Verdict.INFRA_ERROR and result.error.type == "JudgeFault"
        assert judge.run([Submission(ADD_CALL, "def add(a, b): return a + b")])[0].passed


def test_two_judges_in_one_process_never_share_a_sandbox():
    """Each worker holds a sandbox slot of its own (uid, cgroups), even across judges: two
    judges sharing one would count each other's processes, CPU and memory."""
    config = JudgeConfig(limits=FAST_LIMITS, workers=2)
    with Judge(config) as first, Judge(config) as second:
        slots = [w.slot for judge in (first, second) for w in judge._pool._workers]
        assert len(set(slots)) == 4
        problem = Problem(id="p", source="test", statement="", tests=(TestCase.stdio("", "1"),))
        both = [j.run([Submission(problem, "print(1)")])[0] for j in (first, second)]
        assert all(result.passed for result in both)
