import ast

from coderl.generation.postprocess import (
    body_indent,
    clean_completion,
    cut_at_stops,
    extract_code,
    program_from_completion,
    rewrites_function,
)
from coderl.problems.types import Problem

PREFIX = 'import math\n\n\ndef area(r: float) -> float:\n    """Area of a circle."""\n'
HUMANEVAL = Problem(
    id="he/0", source="humaneval", statement="", code_prefix=PREFIX, entry_point="area"
)
APPS = Problem(id="apps/0", source="apps", statement="print the sum")


def run(program: str, call: str):
    namespace: dict = {}
    exec(compile(program, "<program>", "exec"), namespace)
    return eval(call, namespace)


def test_extracts_the_first_python_block():
    answer = "Sure:\n```text\nnot code\n```\n```python\nprint(1)\n```\nand\n```py\nprint(2)\n```"
    assert extract_code(answer) == "print(1)\n"


def test_extracts_the_longest_untagged_block_and_an_unclosed_one():
    assert extract_code("```\na\n```\n```\nlonger\n```\n") == "longer\n"
    assert extract_code("Here:\n```python\nx = 1\ny = 2\n") == "x = 1\ny = 2\n"


def test_unfenced_answers_are_kept():
    body = "    return math.pi * r * r\n"
    assert extract_code(body) == body
    assert clean_completion(HUMANEVAL, body) == body
    assert program_from_completion(HUMANEVAL, body) == PREFIX + body


def test_cut_at_stops():
    assert cut_at_stops("a\nb\ndef c", ("\ndef", "\nclass")) == "a\nb"
    assert cut_at_stops("abc", ()) == "abc"


def test_a_rewritten_function_becomes_a_valid_continuation():
    answer = (
        "Here you go:\n```python\nimport math\n\n\ndef helper(r):\n    return r * r\n\n\n"
        "def area(r: float) -> float:\n    return math.pi * helper(r)\n```\nDone."
    )
    completion = clean_completion(HUMANEVAL, answer)
    program = PREFIX + completion
    assert program == program_from_completion(HUMANEVAL, completion)
    ast.parse(program)
    assert run(program, "area(2.0)") == run("import math\n", "math.pi * 4.0")
    assert clean_completion(HUMANEVAL, completion) == completion  # idempotent


def test_rewrite_detection():
    assert rewrites_function("def area(r):\n    return 1\n", "area")
    assert rewrites_function("from math import pi\ndef area(r):\n    return pi\n", "area")
    assert not rewrites_function("    return 1\ndef area(r):\n    pass\n", "area")
    assert not rewrites_function("def other(r):\n    return 1\n", "area")
    assert not rewrites_function("", "area")


def test_body_indent_follows_the_prefix():
    assert body_indent(PREFIX) == "    "
    assert body_indent("def f(x):\n") == "    "
    assert body_indent("class A:\n    def f(self):\n        '''doc'''\n") == "        "
    assert body_indent("def f(x):\n\t'''doc'''\n") == "\t"


def test_prefix_without_trailing_newline():
    problem = Problem(
        id="p", source="humaneval", statement="", code_prefix="def f(x):", entry_point="f"
    )
    program = program_from_completion(problem, "def f(x):\n    return x + 1\n")
    assert run(program, "f(1)") == 2


def test_whole_program_tasks_are_the_code_itself():
    answer = "```python\nprint(sum(map(int, input().split())))\n```"
    assert program_from_completion(APPS, answer) == "print(sum(map(int, input().split())))\n"
