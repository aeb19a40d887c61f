"""Judgements matched back to their problems by (problem_id, sample_index), never by position.

A sample whose verdict is ``infra_error`` was not judged (the judge failed, not the program):
it is kept for the verdict counts but counts neither as correct nor as a sample.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from coderl.errors import DataError
from coderl.execution.types import Judgement, Verdict
from coderl.problems.types import Problem

SampleKey = tuple[str, int]

MAX_NAMED = 5  # keys named in an error message before "..."


@dataclass(frozen=True)
class ProblemSamples:
    """One problem's judgements in generation (``sample_index``) order.

    ``examples[i]``, when example judgements were given, is the example-test judgement of the
    same sample as ``hidden[i]``.
    """

    problem: Problem
    hidden: tuple[Judgement, ...]
    examples: tuple[Judgement, ...] | None = None

    @property
    def judged(self) -> tuple[Judgement, ...]:
        """The samples the judge decided on (all but ``infra_error``)."""
        return tuple(j for j in self.hidden if j.verdict is not Verdict.INFRA_ERROR)

    @property
    def n(self) -> int:
        return len(self.judged)

    @property
    def c(self) -> int:
        return sum(j.passed for j in self.judged)

    def filter_results(self) -> tuple[tuple[bool, bool], ...]:
        """(passed examples, passed hidden tests) per sample judged on both, in order."""
        if self.examples is None:
            raise ValueError(f"problem {self.problem.id!r} has no example judgements")
        return tuple(
            (e.passed, h.passed)
            for e, h in zip(self.examples, self.hidden)
            if Verdict.INFRA_ERROR not in (e.verdict, h.verdict)
        )


def match_samples(
    problems: Sequence[Problem],
    judgements: Iterable[Judgement],
    example_judgements: Iterable[Judgement] | None = None,
) -> tuple[ProblemSamples, ...]:
    """Each problem (in the given order) with its judgements; mismatches are errors.

    Errors: a problem id given twice, two judgements of one (problem_id, sample_index), a
    judgement of a problem not in ``problems``, and example judgements whose samples differ
    from the hidden-test judgements' samples.
    """
    ids = [p.id for p in problems]
    twice = sorted(pid for pid, count in Counter(ids).items() if count > 1)
    if twice:
        raise DataError(f"problem ids given more than once: {_name(twice)}")
    hidden = _index(judgements, set(ids), "judgements")
    examples = None
    if example_judgements is not None:
        examples = _index(example_judgements, set(ids), "example judgements")
        missing, extra = sorted(hidden.keys() - examples), sorted(examples.keys() - hidden)
        if missing or extra:
            raise DataError(
                "example judgements must cover the same samples as the judgements: "
                f"{len(missing)} sample(s) lack one ({_name(missing)}), {len(extra)} have no "
                f"hidden-test judgement ({_name(extra)}); judge every sample on both test sets"
            )
    by_problem: dict[str, list[SampleKey]] = {pid: [] for pid in ids}
    for key in sorted(hidden):
        by_problem[key[0]].append(key)
    return tuple(
        ProblemSamples(
            problem=p,
            hidden=tuple(hidden[key] for key in by_problem[p.id]),
            examples=None if examples is None else tuple(examples[k] for k in by_problem[p.id]),
        )
        for p in problems
    )


def _index(judgements: Iterable[Judgement], ids: set[str], what: str) -> dict[SampleKey, Judgement]:
    indexed: dict[SampleKey, Judgement] = {}
    for j in judgements:
        key = (j.problem_id, j.sample_index)
        if j.problem_id not in ids:
            raise DataError(
                f"{what}: problem {j.problem_id!r} (sample {j.sample_index}) is not among the "
                "problems given; evaluate against the problem set the samples were judged on"
            )
        if key in indexed:
            raise DataError(
                f"{what}: problem {j.problem_id!r} sample {j.sample_index} is judged twice; "
                "keep one judgement per (problem_id, sample_index)"
            )
        indexed[key] = j
    return indexed


def _name(items: Sequence[object]) -> str:
    shown = ", ".join(repr(item) for item in items[:MAX_NAMED])
    return shown + (", ..." if len(items) > MAX_NAMED else "")
