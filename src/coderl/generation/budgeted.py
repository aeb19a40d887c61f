"""Plain sampling at a given token budget, and the `Candidate` record both strategies return.

`sample_to_budget` draws programs for each problem until its generated tokens equal its budget
exactly: round 0 draws ``first_n`` samples (with the seed critic sampling starts from, so both
strategies share their first programs), later rounds draw as many as the mean length so far
says the rest of the budget holds, each round with its own seed. The sample that crosses the
budget is cut to the tokens left (exactly the sample a smaller ``max_new_tokens`` would give,
see `coderl.generation.budget`); samples after it are dropped unseen.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from coderl.generation.budget import Budget, fit_to_budget, samples_for
from coderl.generation.config import SamplingConfig
from coderl.generation.postprocess import clean_completion, program_from_completion
from coderl.generation.sampler import Sample, Sampler, occurrence_counts
from coderl.generation.stops import decode
from coderl.models.policy import Policy
from coderl.problems.types import Problem

ORIGINS = ("sample", "refine", "repair")


@dataclass(frozen=True)
class Candidate:
    """One program of a strategy's pool.

    ``num_tokens`` counts the tokens generated for it (a refined program: its continuation
    only). ``passed_examples`` and ``critic_score`` (the critic's P(passed) of the whole
    program) are filled by critic sampling, which ranks on them; plain sampling leaves them
    None (`coderl evaluate` runs the example tests itself).
    """

    problem_id: str
    completion: str
    text: str
    num_tokens: int
    finished: bool
    origin: str = "sample"
    passed_examples: bool | None = None
    critic_score: float | None = None


def candidate_record(problem: Problem, candidate: Candidate, index: int) -> dict[str, Any]:
    """The samples-JSONL line of ``candidate`` as sample ``index`` (the samples format of
    `coderl generate`, plus origin, example result and critic score)."""
    record: dict[str, Any] = {
        "problem_id": problem.id,
        "sample_index": index,
        "completion": candidate.completion,
        "program": program_from_completion(problem, candidate.completion),
        "finished": candidate.finished,
        "num_tokens": candidate.num_tokens,
        "origin": candidate.origin,
    }
    if candidate.completion != candidate.text:
        record["text"] = candidate.text
    if candidate.passed_examples is not None:
        record["passed_examples"] = candidate.passed_examples
    if candidate.critic_score is not None:
        record["critic_score"] = round(candidate.critic_score, 6)
    return record


def truncate(sample: Sample, keep: int, tokenizer: Any) -> Sample:
    """``sample`` cut to its first ``keep`` tokens (unfinished when anything was cut)."""
    if keep >= len(sample.token_ids):
        return sample
    ids = sample.token_ids[:keep]
    return dataclasses.replace(
        sample,
        token_ids=ids,
        logprobs=sample.logprobs[:keep],
        text=decode(tokenizer, ids),
        finished=False,
    )


def to_candidate(
    problem: Problem, sample: Sample, stops: Sequence[str], origin: str = "sample", prefix: str = ""
) -> Candidate:
    """A sampled continuation as a program: ``prefix`` (a refined program's kept start) plus
    the sample's text, cleaned as every generated program is."""
    text = prefix + sample.text
    return Candidate(
        problem_id=problem.id,
        completion=clean_completion(problem, text, stops),
        text=text,
        num_tokens=len(sample.token_ids),
        finished=sample.finished,
        origin=origin,
    )


def sample_to_budget(
    policy: Policy,
    problems: Sequence[Problem],
    prompts: Sequence[str],
    config: SamplingConfig,
    budgets: Mapping[str, int],
    first_n: int,
) -> dict[str, list[Candidate]]:
    """Programs per problem id, in generation order, whose tokens add up to ``budgets[id]``."""
    pools: dict[str, list[Candidate]] = {p.id: [] for p in problems}
    remaining = {p.id: budgets[p.id] for p in problems}
    spent = {p.id: Budget() for p in problems}
    occurrence = dict(zip((p.id for p in problems), occurrence_counts(list(prompts))))
    prompt_of = dict(zip((p.id for p in problems), prompts))
    by_id = {p.id: p for p in problems}
    round_ = 0
    while any(left > 0 for left in remaining.values()):
        wanted: dict[int, list[str]] = {}
        for pid, left in remaining.items():
            if left <= 0:
                continue
            mean = spent[pid].tokens / spent[pid].programs if spent[pid].programs else 0.0
            n = first_n if round_ == 0 else samples_for(left, mean or config.max_new_tokens)
            wanted.setdefault(n, []).append(pid)
        for n, ids in wanted.items():
            sampler = Sampler(policy, dataclasses.replace(config, n=n))
            drawn = sampler.sample(
                [prompt_of[pid] for pid in ids],
                seed=config.seed + round_,
                occurrences=[occurrence[pid] for pid in ids],
            )
            for pid, samples in zip(ids, drawn):
                kept = fit_to_budget([len(s.token_ids) for s in samples], remaining[pid])
                for sample, keep in zip(samples, kept):
                    if keep == 0:
                        break
                    cut = truncate(sample, keep, policy.tokenizer)
                    pools[pid].append(to_candidate(by_id[pid], cut, config.stop))
                    spent[pid] += Budget(1, keep)
                    remaining[pid] -= keep
        round_ += 1
    return pools


def pool_budget(pool: Sequence[Candidate]) -> Budget:
    return Budget(len(pool), sum(c.num_tokens for c in pool))
