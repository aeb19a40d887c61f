"""What is to be solved: benchmark loaders, tests and prompts. Imports nothing else of coderl."""

from coderl.problems.types import Problem, ProblemSet, SkippedRow, TestCase

__all__ = ["Problem", "ProblemSet", "SkippedRow", "TestCase"]
