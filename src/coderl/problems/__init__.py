"""What is to be solved: benchmark loaders, tests and prompts. Imports nothing of coderl but
its errors."""

from coderl.problems.loaders import LOADERS, load_problems
from coderl.problems.spec import ProblemSpec, parse_spec
from coderl.problems.types import Problem, ProblemSet, SkippedRow, TestCase

__all__ = [
    "LOADERS",
    "Problem",
    "ProblemSet",
    "ProblemSpec",
    "SkippedRow",
    "TestCase",
    "load_problems",
    "parse_spec",
]
