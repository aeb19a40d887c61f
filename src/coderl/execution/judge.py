"""The judge's entry point: `Judge.run(submissions)` and `Judge.stream(submissions)`.

Every submission (Python, C, C++, Java) goes to the warm pool, whose workers run it through
their zygotes: one path, one set of isolation layers, no fork from a judge thread.
docs/judge.md has the design.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from types import TracebackType
from typing import TYPE_CHECKING

from coderl.execution.compiled import COMPILED_LANGUAGES
from coderl.execution.limits import JudgeConfig
from coderl.execution.pool import Pool
from coderl.execution.types import ErrorInfo, Judgement, Submission, Verdict
from coderl.execution.worker import Job, WorkerFault

if TYPE_CHECKING:
    from coderl.execution.ray_backend import RayPool

LANGUAGES = ("python", *COMPILED_LANGUAGES)


def infra_error(submission: Submission, kind: str, message: str) -> Judgement:
    """A judgement the judge could not make; it never counts against the program."""
    return Judgement(
        problem_id=submission.problem.id,
        sample_index=submission.sample_index,
        verdict=Verdict.INFRA_ERROR,
        error=ErrorInfo(kind, message),
    )


def to_job(submission: Submission) -> Job:
    problem = submission.problem
    return Job(
        problem_id=problem.id,
        sample_index=submission.sample_index,
        code=submission.code,
        tests=submission.selected_tests(),
        entry_point=problem.entry_point,
        code_prefix=problem.code_prefix,
        test_setup_code=problem.test_setup_code,
        apps_values=problem.source == "apps",
        stop_at_first_failure=submission.stop_at_first_failure,
        all_outcomes=submission.all_outcomes,
        language=problem.language,
        prelude=any(test.kind == "call" for test in submission.selected_tests()),
    )


class Judge:
    """Judges submissions in isolation; use as a context manager (starts and stops the pool).

    ``with Judge(JudgeConfig()) as judge: judgements = judge.run(submissions)``
    """

    def __init__(self, config: JudgeConfig | None = None) -> None:
        self.config = config or JudgeConfig()
        self._pool: Pool | RayPool
        if self.config.backend == "ray":
            from coderl.execution.ray_backend import RayPool

            self._pool = RayPool(self.config)
        else:
            self._pool = Pool(self.config)

    def __enter__(self) -> Judge:
        self._pool.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType
    ) -> None:
        self._pool.close()

    @property
    def isolation(self) -> dict[str, bool]:
        """Which optional isolation layers are on (network, mounts); see docs/judge.md."""
        return self._pool.features

    def run(self, submissions: Sequence[Submission]) -> list[Judgement]:
        """Judgements in input order."""
        results: dict[int, Judgement] = {}
        for index, judgement in self._stream(submissions):
            results[index] = judgement
        return [results[i] for i in range(len(submissions))]

    def stream(self, submissions: Sequence[Submission]) -> Iterator[Judgement]:
        """Judgements as they finish; match them back by (problem_id, sample_index)."""
        for _, judgement in self._stream(submissions):
            yield judgement

    def _stream(self, submissions: Sequence[Submission]) -> Iterator[tuple[int, Judgement]]:
        jobs: list[tuple[int, Job]] = []
        for index, submission in enumerate(submissions):
            language = submission.problem.language
            if not submission.selected_tests():
                message = f"problem {submission.problem.id} has no {submission.tests} tests"
                yield index, infra_error(submission, "NoTests", message)
            elif language in LANGUAGES:
                jobs.append((index, to_job(submission)))
            else:
                message = f"no judge for language {language!r}"
                yield index, infra_error(submission, "UnsupportedLanguage", message)
        for item in self._pool.run(jobs):
            assert item is not None
            yield item[0], self._result(submissions[item[0]], item[1])

    def _result(self, submission: Submission, result: Judgement | WorkerFault) -> Judgement:
        if isinstance(result, WorkerFault):
            return infra_error(submission, "JudgeFault", result.message)
        return result
