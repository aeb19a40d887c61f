"""Judging C, C++ and Java with the real compilers (gcc, g++, javac) and the real sandbox."""

from __future__ import annotations

import glob
import os
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from coderl.execution import isolation
from coderl.execution.compiled import compiles, judge_compiled
from coderl.execution.judge import Judge
from coderl.execution.limits import JudgeConfig, Limits
from coderl.execution.types import Submission, Verdict
from coderl.problems.loaders.xlcost import detokenize_xlcost
from coderl.problems.types import Problem, TestCase

CONFIG = JudgeConfig(limits=Limits(cpu_time_s=2.0, memory_mb=256), workers=1)
SUM_TESTS = (TestCase.stdio("1 2\n", "3\n"), TestCase.stdio("-5 10\n", "5\n"))

C_SUM = """#include <stdio.h>
int main(void) { long a, b; scanf("%ld %ld", &a, &b); printf("%ld\\n", a + b); return 0; }
"""
CPP_SUM = """#include <iostream>
using namespace std;
int main() { long long a, b; cin >> a >> b; cout << a + b << endl; }
"""
JAVA_SUM = """import java.util.Scanner;
public class Solution {
    public static void main(String[] args) {
        Scanner in = new Scanner(System.in);
        System.out.println(in.nextLong() + in.nextLong());
    }
}
"""
JAVA_SUM_NOT_PUBLIC = """import java.util.*;
class Helper { static long add(long a, long b) { return a + b; } }
class GFG {
    static class Pair { }
    public static void main(String[] args) {
        Scanner in = new Scanner(System.in);
        System.out.println(Helper.add(in.nextLong(), in.nextLong()));
    }
}
"""


_JUDGES: dict[JudgeConfig, Judge] = {}


@pytest.fixture(scope="module", autouse=True)
def _close_judges() -> Iterator[None]:
    yield
    for running in _JUDGES.values():
        running.__exit__(None, None, None)
    _JUDGES.clear()


def judge(
    code: str,
    language: str,
    tests: tuple[TestCase, ...] = SUM_TESTS,
    config: JudgeConfig = CONFIG,
    stop: bool = False,
    all_outcomes: bool = True,
):
    """Judge on a warm judge per config (the way `Judge` runs compiled programs)."""
    problem = Problem(id="p1", source="test", statement="", tests=tests, language=language)
    submission = Submission(
        problem=problem, code=code, stop_at_first_failure=stop, all_outcomes=all_outcomes
    )
    if config not in _JUDGES:
        _JUDGES[config] = Judge(config).__enter__()
    return _JUDGES[config].run([submission])[0]


def test_judge_compiled_judges_one_submission_on_its_own() -> None:
    problem = Problem(id="p1", source="test", statement="", tests=SUM_TESTS, language="c")
    assert judge_compiled(Submission(problem, C_SUM), CONFIG).verdict is Verdict.PASSED


@pytest.mark.parametrize(
    ("code", "language"),
    [(C_SUM, "c"), (CPP_SUM, "cpp"), (JAVA_SUM, "java"), (JAVA_SUM_NOT_PUBLIC, "java")],
)
def test_correct_programs_pass(code: str, language: str) -> None:
    judgement = judge(code, language)
    assert judgement.verdict is Verdict.PASSED, judgement
    assert [t.verdict for t in judgement.tests] == [Verdict.PASSED] * 2
    assert judgement.error is None


def test_a_wrong_program_gets_wrong_answer_on_the_test_it_fails() -> None:
    code = C_SUM.replace("a + b", "a > 0 ? a + b : a - b")
    judgement = judge(code, "c")
    assert judgement.verdict is Verdict.WRONG_ANSWER
    assert [t.verdict for t in judgement.tests] == [Verdict.PASSED, Verdict.WRONG_ANSWER]


def test_stop_at_first_failure_runs_no_further_test() -> None:
    tests = (TestCase.stdio("1 1\n", "3\n"), *SUM_TESTS)
    assert len(judge(C_SUM, "c", tests, stop=True).tests) == 1
    assert len(judge(C_SUM, "c", tests, stop=False).tests) == 3


def test_the_checker_decides_what_matches() -> None:
    code = '#include <stdio.h>\nint main(void) { printf("%.9f  \\r\\n\\n", 1.0 / 3); }\n'
    tests = (TestCase.stdio("", "0.333333333\n"),)
    assert judge(code, "c", tests).verdict is Verdict.PASSED
    exact = JudgeConfig(limits=CONFIG.limits, workers=1, abs_tol=0.0, rel_tol=0.0)
    assert judge(code, "c", (TestCase.stdio("", "0.3333333\n"),), exact).verdict is (
        Verdict.WRONG_ANSWER
    )


@pytest.mark.parametrize(
    ("code", "language", "line", "words"),
    [
        ("#include <stdio.h>\nint main(void) {\n  int x = ;\n  return x;\n}\n", "c", 3, "expected"),
        ("int main() {\n  undefined_name();\n}\n", "cpp", 2, "undefined_name"),
        (
            "public class A {\n  public static void main(String[] a) {\n    int x = ;\n  }\n}\n",
            "java",
            3,
            "illegal start",
        ),
    ],
)
def test_a_compile_error_names_the_first_error_and_its_line(
    code: str, language: str, line: int, words: str
) -> None:
    judgement = judge(code, language)
    assert judgement.verdict is Verdict.COMPILE_ERROR
    assert judgement.tests == ()
    assert judgement.error is not None
    assert judgement.error.type == "CompileError"
    assert judgement.error.line == line
    assert words in judgement.error.message
    assert "/" not in judgement.error.message.split(":")[0]  # no temp path


def test_a_link_error_is_a_compile_error_without_a_line() -> None:
    result = compiles("int f(void);\nint main(void) { return f(); }\n", "c")
    assert not result.ok
    assert result.line is None
    assert "undefined reference" in result.message or "ld" in result.message


@pytest.mark.parametrize(
    ("code", "language"),
    [
        ('#include <stdio.h>\n#warning "only a warning"\nint main(void) { return 0; }\n', "c"),
        ("int *f() { int x = 1; return &x; }\nint main() { return 0; }\n", "cpp"),
        (
            "import java.util.*;\npublic class W { public static void main(String[] a) {\n"
            "List l = new ArrayList(); l.add(1); new Integer(3); } }\n",
            "java",
        ),
    ],
)
def test_warnings_are_not_failures(code: str, language: str) -> None:
    result = compiles(code, language)
    assert result.ok, result
    assert result.seconds > 0
    assert judge(code, language, (TestCase.stdio("", ""),)).verdict is Verdict.PASSED


def test_c_programs_link_the_math_library() -> None:
    code = '#include <math.h>\n#include <stdio.h>\nint main(void) { double x; scanf("%lf", &x);'
    code += ' printf("%.3f\\n", sqrt(x)); }\n'
    assert judge(code, "c", (TestCase.stdio("2", "1.414"),)).verdict is Verdict.PASSED


def test_python_byte_compiles_without_running() -> None:
    assert compiles("import os\nos._exit(3)\n", "python").ok
    result = compiles("def f(:\n    pass\n", "python")
    assert not result.ok
    assert result.line == 1
    assert result.message.startswith("SyntaxError")
    assert not compiles("x = 1\x00\n", "python").ok


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="rust"):
        compiles("fn main() {}", "rust")


def test_an_infinite_loop_times_out() -> None:
    config = JudgeConfig(limits=Limits(cpu_time_s=0.5, memory_mb=256), workers=1)
    code = "int main(void) { volatile unsigned long i = 0; for (;;) i++; }\n"
    judgement = judge(code, "c", SUM_TESTS[:1], config)
    assert judgement.verdict is Verdict.TIMEOUT
    assert judgement.error is not None
    assert judgement.error.type == "Timeout"


@pytest.mark.parametrize(
    ("code", "error_type"),
    [
        ("int main(void) { volatile int *p = 0; *p = 1; return 0; }\n", "SIGSEGV"),
        ("#include <stdlib.h>\nint main(void) { abort(); }\n", "SIGABRT"),
        ("int main(void) { return 3; }\n", "NonZeroExit"),
        ('#include <stdio.h>\nint main(void) { for (;;) puts("y"); }\n', "OutputLimitExceeded"),
    ],
)
def test_crashes_are_runtime_errors(code: str, error_type: str) -> None:
    judgement = judge(code, "c")
    assert judgement.verdict is Verdict.RUNTIME_ERROR
    assert judgement.error is not None
    assert judgement.error.type == error_type


def test_an_uncaught_cpp_exception_is_a_runtime_error_with_its_message() -> None:
    code = '#include <stdexcept>\nint main() { throw std::out_of_range("index 7"); }\n'
    judgement = judge(code, "cpp")
    assert judgement.verdict is Verdict.RUNTIME_ERROR
    assert judgement.error is not None
    assert "out_of_range" in judgement.error.message


JAVA_MODES = """import java.util.*;
public class Modes {
  static int depth(int n) { return n == 0 ? 0 : 1 + depth(n - 1); }
  public static void main(String[] args) {
    String mode = new Scanner(System.in).next();
    if (mode.equals("recurse")) System.out.println(depth(200000));
    int zero = 0;
    if (mode.equals("divide")) System.out.println(1 / zero);
    List<long[]> hoard = new ArrayList<>();
    while (mode.equals("hoard")) hoard.add(new long[1 << 20]);
  }
}
"""


def test_java_recursion_exceptions_and_heap_exhaustion() -> None:
    tests = (
        TestCase.stdio("recurse", "200000"),  # deep recursion fits in the -Xss64m stack
        TestCase.stdio("divide", ""),
        TestCase.stdio("hoard", ""),  # more heap than -Xmx<memory_mb>m
    )
    judgement = judge(JAVA_MODES, "java", tests)
    assert [t.verdict for t in judgement.tests] == [
        Verdict.PASSED,
        Verdict.RUNTIME_ERROR,
        Verdict.MEMORY_LIMIT,
    ]
    assert judgement.verdict is Verdict.RUNTIME_ERROR
    assert judgement.error is not None  # the first error: the exception's class, message, line
    assert judgement.error.type == "java.lang.ArithmeticException"
    assert judgement.error.message == "/ by zero"
    assert judgement.error.line == 8


def test_no_class_with_main_is_a_compile_error() -> None:
    judgement = judge("class A { }\n", "java")
    assert judgement.verdict is Verdict.COMPILE_ERROR
    assert judgement.error is not None
    assert "main" in judgement.error.message


def test_a_call_test_is_the_judges_fault_not_the_programs() -> None:
    judgement = judge(C_SUM, "c", (TestCase.call([1], 1),))
    assert judgement.verdict is Verdict.INFRA_ERROR
    assert judgement.error is not None
    assert "p1" in judgement.error.message


def test_no_test_run_sees_files_left_by_another() -> None:
    code = """#include <stdio.h>
int main(void) {
    FILE *seen = fopen("state.txt", "r");
    fclose(fopen("state.txt", "w"));
    puts(seen ? "again" : "fresh");
}
"""
    assert judge(code, "c", (TestCase.stdio("", "fresh"),) * 3).verdict is Verdict.PASSED


@pytest.mark.skipif(not isolation.PRIVILEGED, reason="needs root: sandbox uids own nothing")
def test_no_test_run_can_remove_the_program_the_next_one_runs() -> None:
    code = """#include <stdio.h>
int main(int argc, char **argv) { puts(remove(argv[0]) == 0 ? "removed" : "intact"); }
"""
    assert judge(code, "c", (TestCase.stdio("", "intact"),) * 2).verdict is Verdict.PASSED


def _zygote_scratch(running: Judge) -> tuple[list[str], list[str]]:
    """The scratch roots of the judge's zygotes and what is in them (seen from outside
    their views, through /proc/<zygote>/root)."""
    roots = []
    for worker in running._pool._workers:
        pid = worker.process.pid
        for zygote in isolation.read_proc(f"/proc/{pid}/task/{pid}/children").split():
            roots += glob.glob(f"/proc/{int(zygote)}/root/tmp/coderl-sandbox-*")
    entries = [os.path.join(root, entry) for root in roots for entry in os.listdir(root)]
    # the zygote keeps one empty working directory ready for the next run
    return roots, [
        e for e in entries if not (os.path.basename(e).startswith("run-") and not os.listdir(e))
    ]


@pytest.mark.skipif(not isolation.PRIVILEGED, reason="the view needs root")
def test_artefacts_are_removed() -> None:
    code = '#include <stdio.h>\nint main(void) { fopen("left.txt", "w"); puts("3"); }\n'
    assert judge(code, "c", SUM_TESTS[:1]).verdict is Verdict.PASSED
    assert judge("int main( {", "c").verdict is Verdict.COMPILE_ERROR
    assert compiles(C_SUM, "c").ok
    roots, left = _zygote_scratch(_JUDGES[CONFIG])
    assert roots and left == []
    assert not glob.glob("/tmp/coderl-build-*")


# XLCoST's tokenized programs


def test_detokenize_restores_lines_and_literals() -> None:
    tokens = (
        "#include <bits/stdc++.h> NEW_LINE using namespace std ; #define N  3 NEW_LINE "
        'int main ( ) { cout << " The ▁ sum : ▁ " << \' ▁ \' << " \\ \\" << N ; }'
    )
    assert detokenize_xlcost(tokens) == (
        "#include <bits/stdc++.h>\nusing namespace std ;\n#define N  3\n"
        'int main ( ) { cout << "The sum: " << \' \' << "\\\\" << N ; }'
    )


@pytest.mark.slow
@pytest.mark.parametrize(("language", "suffix", "sample"), [("cpp", "cpp", 5), ("java", "java", 3)])
def test_xlcost_programs_compile(
    shared_data: Path, language: str, suffix: str, sample: int
) -> None:
    path = shared_data / "xlcost" / "Java-C++" / f"test-Java-C++-tok.{suffix}.txt"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    programs = path.read_text(encoding="utf-8").splitlines()
    chosen = random.Random(0).sample(programs, sample)
    results = [compiles(detokenize_xlcost(p), language) for p in chosen]
    failures = [r.message for r in results if not r.ok]
    assert len(failures) <= len(results) // 4, failures
