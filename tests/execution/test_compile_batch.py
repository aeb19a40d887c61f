"""`compile_batch` with the real sandbox and compilers: every program gets the verdict it gets
compiled alone (`compiles`), also when another program of the batch crashes the compiler or
runs past the limit."""

from __future__ import annotations

import pytest

from coderl.execution.compile_batch import compile_batch
from coderl.execution.compiled import compiles, cpp_precompiled_dir

JAVA = {
    "ok": "class Main { public static void main(String[] a) { System.out.println(1); } }",
    "syntax": "class Main { public static void main(String[] a) { int x = ; } }",
    "types": 'class Main { public static void main(String[] a) { int x = "s"; } }',
    "no_main": "class Helper { static int f() { return 1; } }",
    "public": "import java.util.*;\npublic class Hello {\n  public static void main(String[] a) {\n"
    "    List<Integer> l = new ArrayList<>(); l.add(2); System.out.println(l);\n  }\n}\n",
    "own_package": "package app; class Main { public static void main(String[] a) {} }",
    # the same class names as "ok": each program has a package of its own in the batch
    "ok_again": "class Main { public static void main(String[] a) { int y = 2; } }",
    "second_line": "class Main {\n  public static void main(String[] a) {\n"
    "    undefined();\n  }\n}",
}
# 3000 nested parentheses: javac dies of a StackOverflowError (exit 3), naming no file
JAVA_CRASH = (
    "class Main { public static void main(String[] a) { int x = "
    + "(" * 3000
    + "1"
    + ")" * 3000
    + "; } }"
)
PYTHON = ["x = 1\n", "def f(:\n    pass\n", "x = 1\x00\n", "a = " + "(" * 300 + ")" * 300]
PYTHON_SLOW = "0"
for _ in range(15):  # nested or-patterns: about 5 s for compile() to finish this 1 MB source
    PYTHON_SLOW = f"([{PYTHON_SLOW}, 1] | [{PYTHON_SLOW}, 2])"
PYTHON_SLOW = f"match x:\n    case {PYTHON_SLOW}:\n        pass\n"


def _verdicts(results: list) -> list[tuple[bool, int | None]]:
    return [(r.ok, r.line) for r in results]


def test_a_java_batch_gives_each_program_its_own_verdict() -> None:
    codes = list(JAVA.values())
    batch = compile_batch(codes, "java", 20.0)
    assert [r.ok for r in batch] == [True, False, False, False, True, False, True, False]
    alone = [compiles(code, "java", 20.0) for code in codes]
    assert _verdicts(batch) == _verdicts(alone)
    assert batch[2].message == alone[2].message  # the error named in its own file
    assert batch[7].line == 3


def test_a_program_that_crashes_javac_changes_no_other_verdict() -> None:
    codes = [JAVA["ok"], JAVA_CRASH, JAVA["syntax"], JAVA["public"]]
    assert [r.ok for r in compile_batch(codes, "java", 20.0)] == [True, False, False, True]


def test_python_batch_matches_compiling_alone() -> None:
    batch = compile_batch(PYTHON, "python", 10.0)
    assert _verdicts(batch) == _verdicts([compiles(code, "python") for code in PYTHON])
    assert [r.ok for r in batch] == [True, False, False, False]


def test_a_python_program_past_the_limit_fails_alone_and_the_rest_are_decided() -> None:
    codes = ["x = 1\n", PYTHON_SLOW, "y = (\n", "z = 3\n"]
    results = compile_batch(codes, "python", 0.5)
    assert [r.ok for r in results] == [True, False, False, True]
    assert "longer than 0.5 s" in results[1].message


@pytest.mark.parametrize("language", ["c", "cpp"])
def test_c_family_batches_compile_each_program_alone(language: str) -> None:
    codes = [
        '#include <stdio.h>\nint main(void) { printf("%d\\n", 1); return 0; }\n',
        "int main(void) { return 0 }\n",
        "int f(void);\nint main(void) { return f(); }\n",  # compiles, does not link
        '#warning "careful"\nint main(void) { return 0; }\n',
    ]
    assert [r.ok for r in compile_batch(codes, language, 20.0)] == [True, False, False, True]


def test_an_unknown_language_is_refused_before_any_work() -> None:
    with pytest.raises(ValueError, match="cannot compile 'rust'"):
        compile_batch(["fn main() {}"], "rust", 1.0)
    assert compile_batch([], "java", 1.0) == []


@pytest.mark.slow  # builds the precompiled headers on first use (about 20 s, then cached)
def test_cpp_reads_bits_stdcpp_precompiled_inside_the_sandbox() -> None:
    # parsing <bits/stdc++.h> alone takes g++ about 1.6 CPU seconds: within a 1 s limit
    # this compiles only when the sandbox reads the precompiled copy
    assert cpp_precompiled_dir(wait=True) is not None
    code = "#include <bits/stdc++.h>\nusing namespace std;\n"
    code += "int main() { vector<int> v{3, 1, 2}; sort(v.begin(), v.end()); cout << v[0]; }\n"
    assert [r.ok for r in compile_batch([code, code + "int x = ;\n"], "cpp", 1.0)] == [
        True,
        False,
    ]
    assert compiles(code, "cpp", 1.0).ok
