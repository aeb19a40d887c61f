"""A submission's stdio tests run as one batch of the zygote (`Zygote.start_batch`): each test
still gets its own verdict, limits and clean sandbox, and what one test does reaches no other.
"""

from __future__ import annotations

import dataclasses

import pytest

from coderl.execution import Judge, JudgeConfig, Submission, Verdict, isolation
from coderl.problems.types import Problem, TestCase

from .conftest import FAST_LIMITS, leftover_processes

# the second of three tests misbehaves (its stdin is "2"); the others print their stdin back
THREE = Problem(
    id="three",
    source="test",
    statement="",
    tests=tuple(TestCase.stdio(f"{n}\n", f"{n}\n") for n in (1, 2, 3)),
)
ECHO = "import sys\nx = sys.stdin.read()\n"
SPIN = ECHO + "if x == '2\\n':\n    while True: pass\nprint(x, end='')\n"
CRASH = ECHO + "import os\nif x == '2\\n':\n    os.kill(os.getpid(), 11)\nprint(x, end='')\n"


def verdicts(judgement) -> list[Verdict]:
    return [test.verdict for test in judgement.tests]


def test_a_timeout_in_the_middle_is_that_test_s_alone(judge):
    (all_of_them,) = judge.run([Submission(THREE, SPIN, all_outcomes=True)])
    assert verdicts(all_of_them) == [Verdict.PASSED, Verdict.TIMEOUT, Verdict.PASSED]
    assert all_of_them.verdict is Verdict.TIMEOUT
    spun = all_of_them.tests[1]
    assert spun.cpu_time_s >= 0.9 and spun.wall_time_s < FAST_LIMITS.wall_s + 1
    (default,) = judge.run([Submission(THREE, SPIN)])
    assert verdicts(default) == [Verdict.PASSED, Verdict.TIMEOUT]  # nothing after a timeout


def test_a_crash_in_the_middle_is_that_test_s_alone(judge):
    (all_of_them,) = judge.run([Submission(THREE, CRASH)])
    assert verdicts(all_of_them) == [Verdict.PASSED, Verdict.RUNTIME_ERROR, Verdict.PASSED]
    assert "signal 11" in all_of_them.tests[1].detail
    (first,) = judge.run([Submission(THREE, CRASH, stop_at_first_failure=True)])
    assert verdicts(first) == [Verdict.PASSED, Verdict.RUNTIME_ERROR]


def test_the_submission_s_cpu_budget_spans_the_batch():
    limits = dataclasses.replace(FAST_LIMITS, total_cpu_time_s=1.5)
    burn = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.6: pass\n"
    problem = dataclasses.replace(THREE, tests=(*THREE.tests, TestCase.stdio("4\n", "4\n")))
    with Judge(JudgeConfig(limits=limits, workers=1)) as judge:
        (result,) = judge.run([Submission(problem, burn + ECHO + "print(x, end='')\n")])
    assert verdicts(result) == [Verdict.PASSED, Verdict.PASSED, Verdict.TIMEOUT]
    assert 0.2 < result.tests[2].cpu_time_s < 0.6  # what was left of the 1.5 s, not 1 s
    assert result.cpu_time_s < 1.5 + 0.3


GARBAGE = (
    ECHO + "import os\nif x == '2\\n':\n"
    "    for fd in range(3, 64):\n"  # the reports, the program's own file, anything open
    "        for data in (b'\\xff' * 70000, b'\\0\\0\\0\\5{\"ev', b'\\0\\0\\0\\2[]'):\n"
    "            try:\n                os.write(fd, data)\n            except OSError:\n"
    "                pass\n"
    "    try:\n        os.pwrite(os.open('/proc/self/fd/3', os.O_RDWR), b'garbage', 0)\n"
    "    except OSError:\n        pass\n"
    "print(x, end='')\n"
)


def test_garbage_on_any_fd_fails_only_the_test_that_wrote_it(judge):
    (result,) = judge.run([Submission(THREE, GARBAGE)])
    assert verdicts(result) == [Verdict.PASSED, Verdict.RUNTIME_ERROR, Verdict.PASSED]
    assert result.error is not None and result.error.type == "ProtocolViolation"
    assert judge.run([Submission(THREE, ECHO + "print(x, end='')\n")])[0].passed


@pytest.mark.skipif(not isolation.PRIVILEGED, reason="own uid and view need root")
def test_a_test_finds_nothing_an_earlier_one_left(judge):
    """Each test starts with an empty working and scratch dir and no process of an earlier
    test alive: test 1 leaves files and a daemon that would write more later."""
    code = ECHO + (
        "import os, time\n"
        "mine = [p for p in os.listdir('/proc') if p.isdigit()\n"
        "        and os.stat('/proc/' + p).st_uid == os.getuid() and int(p) != os.getpid()]\n"
        "seen = sorted(os.listdir('.')) + sorted(os.listdir('/tmp')) + mine\n"
        "open('left', 'w').write(x)\nos.mkdir('/tmp/left', 0)\n"
        "if os.fork() == 0:\n    os.setsid()\n    time.sleep(0.3)\n"
        "    open('/tmp/late', 'w').write(x)\n    time.sleep(100)\n"
        "print(x if len(seen) <= 1 else seen, end='')\n"  # /tmp holds the zygote's root only
    )
    (result,) = judge.run([Submission(THREE, code)])
    assert result.passed, result
    assert leftover_processes() == []
