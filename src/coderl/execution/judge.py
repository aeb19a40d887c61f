"""The judge's entry point: `Judge.run(submissions)` and `Judge.stream(submissions)`.

Python submissions go to the warm pool; C, C++ and Java ones to
`coderl.execution.compiled.judge_compiled` (on threads). docs/judge.md has the design.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Any

from coderl.execution.compiled import COMPILED_LANGUAGES, judge_compiled
from coderl.execution.limits import JudgeConfig
from coderl.execution.pool import Pool
from coderl.execution.types import ErrorInfo, Judgement, Submission, Verdict
from coderl.execution.worker import Job, WorkerFault

_WAKE_S = 0.05


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
    )


class Judge:
    """Judges submissions in isolation; use as a context manager (starts and stops the pool).

    ``with Judge(JudgeConfig()) as judge: judgements = judge.run(submissions)``
    """

    def __init__(self, config: JudgeConfig | None = None) -> None:
        self.config = config or JudgeConfig()
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
        compiled: list[tuple[int, Submission]] = []
        for index, submission in enumerate(submissions):
            language = submission.problem.language
            if not submission.selected_tests():
                message = f"problem {submission.problem.id} has no {submission.tests} tests"
                yield index, infra_error(submission, "NoTests", message)
            elif language in COMPILED_LANGUAGES:
                compiled.append((index, submission))
            elif language == "python":
                jobs.append((index, to_job(submission)))
            else:
                message = f"no judge for language {language!r}"
                yield index, infra_error(submission, "UnsupportedLanguage", message)
        if not compiled:
            for item in self._pool.run(jobs):
                assert item is not None
                yield item[0], self._result(submissions[item[0]], item[1])
            return
        with ThreadPoolExecutor(max_workers=self.config.workers) as executor:
            futures = {
                index: executor.submit(self._judge_compiled, submission)
                for index, submission in compiled
            }
            for item in self._pool.run(jobs, wake_s=_WAKE_S):
                yield from _done(futures)
                if item is not None:
                    yield item[0], self._result(submissions[item[0]], item[1])
            for index, future in futures.items():
                yield index, future.result()

    def _result(self, submission: Submission, result: Judgement | WorkerFault) -> Judgement:
        if isinstance(result, WorkerFault):
            return infra_error(submission, "JudgeFault", result.message)
        return result

    def _judge_compiled(self, submission: Submission) -> Judgement:
        message = ""
        for _ in range(self.config.retries + 1):
            try:
                return judge_compiled(submission, self.config)
            except OSError as err:  # the machine's fault (fork, pipes, disk), not the program's
                message = f"{type(err).__name__}: {err}"
        return infra_error(submission, "JudgeFault", message)


def _done(futures: dict[int, Future[Any]]) -> Iterator[tuple[int, Judgement]]:
    for index in [i for i, f in futures.items() if f.done()]:
        yield index, futures.pop(index).result()
