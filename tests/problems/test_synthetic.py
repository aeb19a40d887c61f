"""The synthetic testbed: deterministic, correct, graded, and disjoint between splits.

Reference solutions are our own generated code, so the tests run them in-process (the judge
never does this with model programs).
"""

from __future__ import annotations

import builtins
import contextlib
import copy
import functools
import hashlib
import io
import json
import keyword
import os
import subprocess
import sys
from types import CodeType
from typing import Any

import pytest

from coderl.problems.synthetic import DEFAULT_SIZES, SyntheticConfig, generate, split_of
from coderl.problems.synthetic.families import FAMILIES
from coderl.problems.types import Problem, TestCase

DIFFICULTIES = {"easy", "medium", "hard"}
STEP_LINE = ("n = ", "xs = ", "s = ")  # one step of a chain, or one update in a repeat loop
# SHA-256 of the default test splits (seeds 0 and 1) as generated before the validation split
# existed: adding a split must not change a single test problem.
TEST_SPLIT_DIGESTS = {
    0: "5491f0b7ed83dc979ad75cad02d1063c696f390bdd45b2432ffc8e95b9fae25e",
    1: "8c2ecb79464a359da44b8a8618e67a536a42941b97f51475419b142068553bc6",
}


@pytest.fixture(scope="module")
def splits() -> dict[str, tuple[Problem, ...]]:
    return {split: generate(split) for split in DEFAULT_SIZES}


@functools.cache
def _compiled(solution: str) -> CodeType:
    return compile(solution, "<reference>", "exec")


def passes(solution: str, problem: Problem, test: TestCase) -> bool:
    """Whether ``solution`` passes ``test``; any exception is a failure."""
    try:
        if test.kind == "call":
            namespace: dict[str, Any] = {}
            exec(_compiled(solution), namespace)
            got = namespace[problem.entry_point](*copy.deepcopy(test.args))
            return got == test.expected_return
        out = io.StringIO()
        stdin, sys.stdin = sys.stdin, io.StringIO(test.stdin)
        try:
            with contextlib.redirect_stdout(out):
                exec(_compiled(solution), {})
        finally:
            sys.stdin = stdin
        return out.getvalue() == test.expected_stdout
    except Exception:
        return False


def body(problem: Problem) -> str:
    """The solution's computation, modulo function name and I/O form (call-form lines)."""
    lines = problem.solutions[0].splitlines()
    if problem.entry_point:
        return "\n".join(line[4:] for line in lines[1:])
    n_args = sum("input()" in line for line in lines)
    *computation, output = lines[n_args:]
    result = output.removeprefix("print(").removesuffix(")").removeprefix("*")
    return "\n".join([*computation, f"return {result}"])


def digest(problems: tuple[Problem, ...]) -> str:
    return hashlib.sha256(json.dumps([p.to_dict() for p in problems]).encode()).hexdigest()


def test_same_seed_gives_identical_problems_and_other_seeds_differ():
    first = [p.to_dict() for p in generate("train", SyntheticConfig(n=100))]
    again = [p.to_dict() for p in generate("train", SyntheticConfig(n=100))]
    other = [p.to_dict() for p in generate("train", SyntheticConfig(seed=1, n=100))]
    assert first == again
    assert sum(a != b for a, b in zip(first, other)) > 90


def test_generation_does_not_depend_on_the_hash_seed():
    code = (
        "import hashlib, json; from coderl.problems.synthetic import generate, SyntheticConfig; "
        "ps = generate('test', SyntheticConfig(n=60)); "
        "print(hashlib.sha256(json.dumps([p.to_dict() for p in ps]).encode()).hexdigest())"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == digest(generate("test", SyntheticConfig(n=60)))


def test_a_smaller_n_is_a_prefix(splits):
    assert generate("train", SyntheticConfig(n=50)) == splits["train"][:50]


def test_default_sizes_ids_and_fields(splits):
    for split, problems in splits.items():
        assert len(problems) == DEFAULT_SIZES[split]
        assert [p.id for p in problems] == [
            f"synthetic/{split}/{i:04d}" for i in range(len(problems))
        ]
        for p in problems:
            assert p.split == split and p.source == "synthetic"
            assert p.difficulty in DIFFICULTIES and len(p.solutions) == 1
            assert len(p.example_tests) == 2 and 5 <= len(p.tests) <= 8
            assert not {json.dumps(t.to_dict()) for t in p.tests} & {
                json.dumps(t.to_dict()) for t in p.example_tests
            }


def test_every_family_and_level_appears_in_both_splits_in_both_forms(splits):
    for problems in splits.values():
        cells = {(p.metadata["family"], p.difficulty) for p in problems}
        assert cells == {(family, d) for family in FAMILIES for d in DIFFICULTIES}
        assert {p.metadata["io"] for p in problems} == {"call", "stdio"}
        stdio = sum(p.metadata["io"] == "stdio" for p in problems) / len(problems)
        assert 0.15 < stdio < 0.35


def test_call_and_stdio_problems_are_shaped_for_their_judge_path(splits):
    for p in splits["test"]:
        kinds = {t.kind for t in (*p.tests, *p.example_tests)}
        if p.metadata["io"] == "call":
            assert kinds == {"call"} and p.is_call_based
            assert p.starter_code.startswith(f"def {p.entry_point}(")
            assert p.starter_code == p.solutions[0].splitlines()[0]
        else:
            assert kinds == {"stdio"} and p.entry_point is None and p.starter_code == ""


def test_reference_solutions_pass_their_own_tests(splits):
    for problems in splits.values():
        for p in problems:
            for test in (*p.example_tests, *p.tests):
                assert passes(p.solutions[0], p, test), (p.id, test)


def test_examples_are_shown_in_the_statement(splits):
    for p in splits["test"]:
        for t in p.example_tests:
            if t.kind == "call":
                args = ", ".join(json.dumps(a) for a in t.args)
                assert f"{p.entry_point}({args}) == {json.dumps(t.expected_return)}" in p.statement
            else:
                assert f"Input:\n{t.stdin}Output:\n{t.expected_stdout.rstrip()}" in p.statement


def test_no_constant_answer_passes(splits):
    for p in splits["test"]:
        tests = (*p.example_tests, *p.tests)
        answers = {json.dumps(t.expected_return) + t.expected_stdout for t in tests}
        assert len(answers) >= 3, p.id


def test_every_step_of_a_solution_matters(splits):
    """Dropping any one step line from a reference solution fails some test."""
    for p in splits["test"]:
        lines = p.solutions[0].splitlines()
        steps = [i for i, line in enumerate(lines) if line.lstrip().startswith(STEP_LINE)]
        for i in steps:
            if "input()" in lines[i]:
                continue
            mutant = "\n".join(lines[:i] + lines[i + 1 :]) + "\n"
            assert not all(passes(mutant, p, t) for t in (*p.example_tests, *p.tests)), (p.id, i)


@pytest.mark.parametrize("seed", [0, 1])
def test_combinations_of_the_three_splits_are_disjoint(seed, splits):
    by_split = (
        splits
        if seed == 0
        else {split: generate(split, SyntheticConfig(seed=seed)) for split in DEFAULT_SIZES}
    )
    bodies = {split: {body(p) for p in problems} for split, problems in by_split.items()}
    assert len(bodies["test"]) > 150 and len(bodies["validation"]) > 150
    assert not bodies["train"] & bodies["test"]
    assert not bodies["train"] & bodies["validation"]
    assert not bodies["validation"] & bodies["test"]
    for split, problems in by_split.items():
        assert {split_of(body(p)) for p in problems} == {split}


def test_the_partition_does_not_depend_on_the_seed(splits):
    held_out = {body(p) for split in ("validation", "test") for p in splits[split]}
    other_train = {body(p) for p in generate("train", SyntheticConfig(seed=7, n=500))}
    assert not other_train & held_out


@pytest.mark.parametrize("seed", [0, 1])
def test_the_test_split_is_the_one_from_before_validation_existed(seed, splits):
    problems = splits["test"] if seed == 0 else generate("test", SyntheticConfig(seed=seed))
    assert digest(problems) == TEST_SPLIT_DIGESTS[seed]


def test_validation_is_deterministic_and_seeded(splits):
    again = generate("validation", SyntheticConfig(n=80))
    assert again == splits["validation"][:80]
    other = generate("validation", SyntheticConfig(seed=1, n=80))
    assert sum(a.to_dict() != b.to_dict() for a, b in zip(again, other)) > 70


def test_body_normalisation_agrees_between_call_and_stdio(splits):
    """The disjointness check above compares like with like across I/O forms."""
    by_body: dict[str, set[str]] = {}
    for p in splits["train"]:
        by_body.setdefault(body(p), set()).add(p.metadata["io"])
    assert any(forms == {"call", "stdio"} for forms in by_body.values())


def test_json_round_trip(splits):
    for p in (*splits["test"], *splits["train"][:300]):
        assert Problem.from_dict(json.loads(json.dumps(p.to_dict()))) == p


def test_function_names_are_safe_identifiers(splits):
    for p in splits["train"]:
        if p.entry_point:
            name = p.entry_point
            assert name.isidentifier() and not keyword.iskeyword(name)
            assert not hasattr(builtins, name)


def test_harder_levels_have_longer_solutions(splits):
    mean = {
        d: sum(len(p.solutions[0]) for p in splits["train"] if p.difficulty == d)
        / sum(p.difficulty == d for p in splits["train"])
        for d in DIFFICULTIES
    }
    assert mean["easy"] < mean["medium"] < mean["hard"]
    assert max(len(p.solutions[0]) for p in splits["train"]) < 200
