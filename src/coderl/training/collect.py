"""Collecting a rollout: sample programs for a batch of problems, judge them, reward them.

Sampling and judging overlap: prompts are sampled in chunks (one sampler batch each), and
each finished chunk goes to the judge on a background thread while the next chunk is
sampled; the judge's workers are separate processes, so the two really run side by side.
Every chunk is sampled from the same weights (the update comes after the whole rollout),
so the rollout stays on-policy.

Samples the judge could not decide (``infra_error``), or whose reward is ``None``, leave the
rollout and are counted in `CollectStats.dropped`; they are never scored as failures.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from coderl.execution.judge import Judge
from coderl.execution.types import Judgement, Submission, TestSelection
from coderl.generation.config import SamplingConfig
from coderl.generation.postprocess import program_from_completion
from coderl.generation.runner import build_prompts
from coderl.generation.sampler import Sample, Sampler
from coderl.models.policy import Policy
from coderl.problems.types import Problem
from coderl.rewards.base import Reward
from coderl.rewards.compiler import compile_judgements
from coderl.training.rollout import Rollout, RolloutSample, build_rollout
from coderl.training.timers import Timers


@dataclass(frozen=True)
class CollectStats:
    """What a collection produced, decided or not."""

    sampled: int
    dropped: int  # undecided samples (infra_error, or a reward of None), left out
    verdicts: dict[str, int]
    passed: int
    tokens: int  # generated tokens, all samples
    truncated: int  # samples that hit max_new_tokens


@dataclass(frozen=True)
class _Judged:
    problem: Problem
    sample: Sample
    program: str
    judgement: Judgement


class RolloutCollector:
    """Samples ``sampling.n`` programs per problem, judges and rewards them.

    With ``greedy_baseline`` each problem also gets one greedy program, judged and rewarded
    but not trained on: its reward is the baseline of the problem's samples (CodeRL).
    """

    def __init__(
        self,
        policy: Policy,
        judge: Judge,
        reward: Reward,
        sampling: SamplingConfig,
        *,
        prompt_style: str | None = None,
        tests: TestSelection = "hidden",
        stop_at_first_failure: bool = False,
        greedy_baseline: bool = False,
        sampler: Any = None,
    ) -> None:
        self.policy = policy
        self.judge = judge
        self.reward = reward
        self.sampler = sampler or Sampler(policy, sampling)  # or vLLM's: same records
        self.greedy = (
            Sampler(policy, replace(sampling, n=1, greedy=True)) if greedy_baseline else None
        )
        self.prompt_style = prompt_style
        self.tests = tests
        self.stop_at_first_failure = stop_at_first_failure
        self.chunk = max(1, sampling.batch_size // sampling.n)

    def collect(
        self, problems: Sequence[Problem], seed: int, timers: Timers
    ) -> tuple[Rollout | None, CollectStats]:
        """The rollout of ``problems`` (group id = position in ``problems``), drawn with
        ``seed``; None when no sample was decided."""
        problems = list(problems)
        prompts = build_prompts(self.policy, problems, self.prompt_style)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="judge") as pool:
            pending: list[tuple[int, Future[list[_Judged]]]] = []
            baselines: list[Future[list[_Judged]]] = []
            for start in range(0, len(problems), self.chunk):
                end = start + self.chunk
                with timers("sample"):
                    chunk = self.sampler.sample(prompts[start:end], seed=seed)
                    greedy = self.greedy.sample(prompts[start:end]) if self.greedy else None
                pending.append((start, pool.submit(self._judge, problems[start:end], chunk)))
                if greedy is not None:
                    baselines.append(pool.submit(self._judge, problems[start:end], greedy))
            with timers("judge"):
                judged = [(start, future.result()) for start, future in pending]
                greedy_judged = [item for future in baselines for item in future.result()]
        with timers("reward"):
            return self._assemble(judged, greedy_judged)

    def _judge(self, problems: Sequence[Problem], samples: list[list[Sample]]) -> list[_Judged]:
        items = [
            (problem, sample, program_from_completion(problem, sample.text))
            for problem, group in zip(problems, samples)
            for sample in group
        ]
        judged = self._judge_distinct([item for item in items if item[0].tests])
        # a problem without tests (a translation) is judged by whether its program compiles
        untested = [(p, s.sample_index, code) for p, s, code in items if not p.tests]
        compiled = iter(compile_judgements(untested) if untested else [])
        return [_Judged(*item, next(judged) if item[0].tests else next(compiled)) for item in items]

    def _judge_distinct(self, items: list[tuple[Problem, Sample, str]]) -> Iterator[Judgement]:
        """Judgements of ``items`` in order, each distinct (problem, program) run once.

        A confident policy repeats itself: about half the programs of a quickstart rollout
        are copies within their group, and the judge is the slowest stage of a step. A copy
        gets its first occurrence's judgement (with its own sample index); for a program whose
        verdict is random (it reads the clock or draws numbers) that is one draw shared by the
        copies, which a reward's expectation does not notice.
        """
        first: dict[tuple[str, str], int] = {}
        submissions: list[Submission] = []
        for problem, _, program in items:
            if (problem.id, program) not in first:
                first[problem.id, program] = len(submissions)
                submissions.append(
                    Submission(
                        problem=problem,
                        code=program,
                        tests=self.tests,
                        stop_at_first_failure=self.stop_at_first_failure,
                    )
                )
        judgements = self.judge.run(submissions) if submissions else []
        for problem, sample, program in items:
            judgement = judgements[first[(problem.id, program)]]
            yield replace(judgement, sample_index=sample.sample_index)

    def _assemble(
        self,
        judged: list[tuple[int, list[_Judged]]],
        greedy_judged: list[_Judged],
    ) -> tuple[Rollout | None, CollectStats]:
        baseline = {
            item.problem.id: self.reward(item.problem, item.program, item.judgement)
            for item in greedy_judged
        }
        verdicts: Counter[str] = Counter()
        decided: list[RolloutSample] = []
        sampled = dropped = tokens = truncated = 0
        for start, items in judged:
            for item in items:
                group = start + item.sample.prompt_index
                sample = item.sample
                sampled += 1
                tokens += len(sample.token_ids)
                truncated += not sample.finished
                verdicts[item.judgement.verdict.value] += 1
                reward = self.reward(item.problem, item.program, item.judgement)
                base = baseline.get(item.problem.id) if self.greedy else None
                if reward is None or (self.greedy is not None and base is None):
                    dropped += 1
                    continue
                decided.append(
                    RolloutSample.of(
                        sample,
                        reward=float(reward),
                        group_id=group,
                        verdict=item.judgement.verdict.value,
                        problem_id=item.problem.id,
                        baseline=base,
                    )
                )
        stats = CollectStats(
            sampled=sampled,
            dropped=dropped,
            verdicts=dict(verdicts),
            passed=verdicts.get("passed", 0),
            tokens=tokens,
            truncated=truncated,
        )
        if not decided:
            return None, stats
        tokenizer = self.policy.tokenizer
        rollout = build_rollout(
            decided, tokenizer.pad_token_id, left_pad_prompts=not self.policy.is_encoder_decoder
        )
        return rollout, stats
