"""CodeRL's critic sampling: example tests and the outcome critic turned into better programs.

Per problem (Le et al., 2022, section 3.3; docs/critic_sampling.md):

1. sample   N programs from the policy; run them on the problem's example tests.
2. refine   for each program P passing the example tests, score its prefixes with the critic
            (q_t = P(passed | program up to token t)), cut after the best token, and sample
            N / |passing| new continuations of that prefix (the best-scored program takes the
            remainder); judge them on the example tests.
3. repair   (with a repair model; by default only where no program passes the example tests)
            the M failing programs the critic likes best are shown to the repair model with
            the judge's error; its fixes are judged, and failing fixes are repaired again for
            ``repair_rounds`` rounds.
4. select   rank the pool by example-test result, then critic score: n@k submits the first n.

Every program generated is kept in the pool and counted in its budget (programs, tokens).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from coderl.errors import ConfigError
from coderl.generation.budget import split_evenly
from coderl.generation.budgeted import Candidate, to_candidate
from coderl.generation.config import SamplingConfig
from coderl.generation.critic_config import CriticSamplingConfig
from coderl.generation.repair import RepairError, repair_prompt
from coderl.generation.sampler import Sample, Sampler

if TYPE_CHECKING:
    from coderl.execution.judge import Judge
    from coderl.execution.types import Judgement
    from coderl.models.critic import OutcomeCritic
    from coderl.models.policy import Policy
    from coderl.problems.types import Problem


def cut_point(scores: Sequence[float]) -> int:
    """How many program tokens refine keeps: up to and including the token with the highest
    score (the earliest of equal ones). ``scores`` are q_t for the program's own tokens (the
    closing eos left out)."""
    if not scores:
        raise ValueError("cut_point needs the score of at least one program token")
    best = max(range(len(scores)), key=lambda t: (scores[t], -t))
    return best + 1


def rank(candidates: Sequence[Candidate]) -> list[Candidate]:
    """Candidates in submission order: those passing the example tests first, then by critic
    score (highest first); ties keep generation order. A candidate not run on the examples or
    not scored ranks as failing / lowest."""
    order = sorted(
        range(len(candidates)),
        key=lambda i: (
            candidates[i].passed_examples is not True,
            -(candidates[i].critic_score if candidates[i].critic_score is not None else -1.0),
            i,
        ),
    )
    return [candidates[i] for i in order]


def select(candidates: Sequence[Candidate], n: int) -> list[Candidate]:
    """The n programs submitted (n of k): the first n in `rank` order."""
    if n < 1:
        raise ValueError(f"submit n >= 1 programs, not {n}")
    return rank(candidates)[:n]


@dataclass(frozen=True)
class _Judged:
    """A candidate with what the later stages need: its example-test judgement, and the
    critic's q_t on each of its program tokens (the critic's tokenization, eos left out)."""

    candidate: Candidate
    judgement: Judgement
    token_scores: tuple[float, ...]
    token_ids: tuple[int, ...]


class CriticSampler:
    """Critic sampling over a policy, a trained outcome critic, the judge's example tests and,
    optionally, a repair model (see the module docstring for the steps)."""

    def __init__(
        self,
        policy: Policy,
        critic: OutcomeCritic,
        judge: Judge,
        sampling: SamplingConfig,
        config: CriticSamplingConfig,
        repair_policy: Policy | None = None,
        prompt_style: str | None = None,
    ) -> None:
        if config.refine and policy.is_encoder_decoder:
            raise ConfigError(
                "critic_sampling.refine continues a prefix after the prompt, which needs a "
                "causal policy; set critic_sampling.refine: false for an encoder-decoder"
            )
        self.policy = policy
        self.critic = critic
        self.judge = judge
        self.sampling = sampling
        self.config = config
        self.repair_policy = repair_policy
        self.prompt_style = prompt_style

    def run(
        self, problems: Sequence[Problem], progress: bool = False
    ) -> dict[str, list[Candidate]]:
        """Each problem's pool, ranked for submission (`rank`)."""
        from coderl.generation.runner import build_prompts
        from coderl.progress import progress_bar

        prompts = build_prompts(self.policy, list(problems), self.prompt_style)
        prompt_of = {p.id: prompt for p, prompt in zip(problems, prompts)}
        by_id = {p.id: p for p in problems}
        pools: dict[str, list[_Judged]] = {}
        with progress_bar(total=3, desc="critic sampling", unit="stage", enabled=progress) as bar:
            # 1. Sample N programs per problem; judge them on the example tests; score them.
            bar.set_postfix(stage="sample")
            first = self._sample(self.policy, prompts, self.sampling.n)
            new = [
                to_candidate(p, s, self.sampling.stop)
                for p, row in zip(problems, first)
                for s in row
            ]
            for judged in self._judge_and_score(by_id, prompt_of, new):
                pools.setdefault(judged.candidate.problem_id, []).append(judged)
            bar.update(1)
            # 2. Refine from the best prefix of every example-passing program.
            bar.set_postfix(stage="refine")
            if self.config.refine:
                refined = self._refine(by_id, prompt_of, pools)
                for judged in self._judge_and_score(by_id, prompt_of, refined):
                    pools[judged.candidate.problem_id].append(judged)
            bar.update(1)
            # 3. Repair the failing programs the critic likes best, round after round.
            bar.set_postfix(stage="repair")
            if self.repair_policy is not None:
                self._repair(by_id, prompt_of, pools)
            bar.update(1)
        # 4. Rank for submission.
        return {pid: rank([j.candidate for j in pool]) for pid, pool in pools.items()}

    def _sample(self, policy: Policy, prompts: list[str], n: int) -> list[list[Sample]]:
        sampler = Sampler(policy, dataclasses.replace(self.sampling, n=n))
        return sampler.sample(prompts)

    def _refine(
        self,
        by_id: dict[str, Problem],
        prompt_of: dict[str, str],
        pools: dict[str, list[_Judged]],
    ) -> list[Candidate]:
        """Continuations of the best prefix of each example-passing program: N / |passing|
        per program, the best-scored ones taking the remainder."""
        tokenizer = self.critic.tokenizer
        seeds: list[tuple[str, str, int]] = []  # (problem id, prefix text, continuations)
        for pid, pool in pools.items():
            passing = [j for j in pool if j.candidate.passed_examples]
            if not passing:
                continue
            passing.sort(key=lambda j: -(j.candidate.critic_score or 0.0))
            for judged, count in zip(passing, split_evenly(self.sampling.n, len(passing))):
                if count == 0:
                    continue
                keep = cut_point(judged.token_scores) if judged.token_scores else 0
                prefix = tokenizer.decode(
                    list(judged.token_ids[:keep]),
                    skip_special_tokens=True,
                    clean_up_tokenization_spaces=False,
                )
                seeds.append((pid, prefix, count))
        prompts = [prompt_of[pid] + prefix for pid, prefix, count in seeds for _ in range(count)]
        owners = [(pid, prefix) for pid, prefix, count in seeds for _ in range(count)]
        if not prompts:
            return []
        drawn = self._sample(self.policy, prompts, 1)
        return [
            to_candidate(by_id[pid], row[0], self.sampling.stop, origin="refine", prefix=prefix)
            for (pid, prefix), row in zip(owners, drawn)
        ]

    def _repair(
        self,
        by_id: dict[str, Problem],
        prompt_of: dict[str, str],
        pools: dict[str, list[_Judged]],
    ) -> None:
        """Repair rounds: the top-M failing programs of each problem (first round: of its
        pool; later rounds: of the previous round's fixes) go to the repair model."""
        assert self.repair_policy is not None
        config = self.config
        targets = {
            pid: pool
            for pid, pool in pools.items()
            if config.repair_when == "always" or not any(j.candidate.passed_examples for j in pool)
        }
        for _ in range(config.repair_rounds):
            chosen = [
                judged
                for pool in targets.values()
                for judged in sorted(
                    (j for j in pool if not j.candidate.passed_examples),
                    key=lambda j: -(j.candidate.critic_score or 0.0),
                )[: config.repair_top_m]
            ]
            if not chosen:
                return
            prompts = [
                repair_prompt(
                    by_id[j.candidate.problem_id],
                    j.candidate.completion,
                    RepairError.from_judgement(j.judgement),
                    self.prompt_style,
                )
                for j in chosen
            ]
            drawn = self._sample(self.repair_policy, prompts, config.repair_samples)
            fixes = [
                to_candidate(by_id[j.candidate.problem_id], s, self.sampling.stop, "repair")
                for j, row in zip(chosen, drawn)
                for s in row
            ]
            targets = {}
            for judged in self._judge_and_score(by_id, prompt_of, fixes):
                pools[judged.candidate.problem_id].append(judged)
                targets.setdefault(judged.candidate.problem_id, []).append(judged)

    def _judge_and_score(
        self, by_id: dict[str, Problem], prompt_of: dict[str, str], candidates: list[Candidate]
    ) -> list[_Judged]:
        """Run each candidate on its problem's example tests (none: passes vacuously) and
        score it with the critic."""
        judgements = example_judgements(self.judge, by_id, candidates)
        scored = critic_scores(
            self.critic,
            [prompt_of[c.problem_id] for c in candidates],
            [c.completion for c in candidates],
            self.config.critic_batch_size,
        )
        return [
            _Judged(
                dataclasses.replace(c, passed_examples=j.passed, critic_score=score),
                j,
                tuple(q),
                tuple(ids),
            )
            for c, j, (score, q, ids) in zip(candidates, judgements, scored)
        ]


def example_judgements(
    judge: Judge, by_id: dict[str, Problem], candidates: Sequence[Candidate]
) -> list[Judgement]:
    """Each candidate judged on its problem's example tests, in order; a problem without
    example tests filters nothing, so its programs pass them without running."""
    from coderl.execution.types import Judgement, Submission, Verdict
    from coderl.generation.postprocess import program_from_completion

    submissions = {
        i: Submission(
            problem=by_id[c.problem_id],
            code=program_from_completion(by_id[c.problem_id], c.completion),
            sample_index=i,
            tests="example",
        )
        for i, c in enumerate(candidates)
        if by_id[c.problem_id].example_tests
    }
    judged = dict(zip(submissions, judge.run(list(submissions.values())))) if submissions else {}
    return [
        judged.get(i) or Judgement(problem_id=c.problem_id, sample_index=i, verdict=Verdict.PASSED)
        for i, c in enumerate(candidates)
    ]


def critic_scores(
    critic: OutcomeCritic, prompts: Sequence[str], programs: Sequence[str], batch_size: int
) -> list[tuple[float, list[float], list[int]]]:
    """Per program: the critic's P(passed) of the whole program (softmax of its pooled
    logits), q_t = P(passed | program up to t) for each program token, and those tokens' ids
    (the closing eos left out of both)."""
    import torch

    from coderl.models.critic import critic_batch, passed_class

    passed = passed_class(critic.num_classes)
    results: list[tuple[float, list[float], list[int]]] = []
    was_training = critic.training
    critic.eval()
    try:
        with torch.inference_mode():
            for start in range(0, len(prompts), batch_size):
                batch = critic_batch(
                    critic.tokenizer,
                    list(prompts[start : start + batch_size]),
                    list(programs[start : start + batch_size]),
                    critic.is_encoder_decoder,
                    critic.device,
                )
                out = critic(batch)
                sequence = out.logits.float().softmax(-1)[:, passed].tolist()
                tokens = out.token_logits.float().softmax(-1)[..., passed]
                lengths = (batch.program_mask.sum(-1) - 1).tolist()  # without the eos
                for row, length in enumerate(lengths):
                    results.append(
                        (
                            sequence[row],
                            tokens[row, :length].tolist(),
                            batch.program_ids[row, :length].tolist(),
                        )
                    )
    finally:
        critic.train(was_training)
    return results
