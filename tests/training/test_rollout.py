"""Rollouts: the gradient path scores tokens exactly as the sampler did; records select and
pad as documented; the collector drops undecided samples and keeps groups distinct."""

from __future__ import annotations

import pytest
import torch

from coderl.execution import Judge, JudgeConfig
from coderl.generation import Sampler, SamplingConfig
from coderl.models import load_policy
from coderl.problems.types import Problem, TestCase
from coderl.rewards import UnitTestReward
from coderl.training.collect import RolloutCollector
from coderl.training.rollout import (
    Processing,
    RolloutSample,
    build_rollout,
    completion_logprobs,
)
from coderl.training.timers import Timers

PROMPTS = ["def add(a, b):\n", "Write a function double.", "x"]


def _rollout_from_sampler(policy, config: SamplingConfig):
    sampler = Sampler(policy, config)
    samples = [
        RolloutSample.of(s, reward=0.0, group_id=i, verdict="passed", problem_id=str(i))
        for i, group in enumerate(sampler.sample(PROMPTS, seed=3))
        for s in group
    ]
    return build_rollout(
        samples, policy.tokenizer.pad_token_id, left_pad_prompts=not policy.is_encoder_decoder
    )


@pytest.mark.parametrize("model_dir", ["tiny_causal_dir", "tiny_seq2seq_dir"])
@pytest.mark.parametrize(
    "processing", [Processing(), Processing(temperature=0.7, top_k=20, top_p=0.9)]
)
def test_recomputed_logprobs_equal_the_samplers(model_dir, processing, request):
    policy = load_policy(str(request.getfixturevalue(model_dir)), device="cpu")
    config = SamplingConfig(
        n=3,
        max_new_tokens=12,
        temperature=processing.temperature,
        top_k=processing.top_k,
        top_p=processing.top_p,
        batch_size=4,
    )
    rollout = _rollout_from_sampler(policy, config)
    assert len(rollout) == 9
    with torch.no_grad():
        logprobs, entropy = completion_logprobs(
            policy.model, rollout, policy.is_encoder_decoder, processing, with_entropy=True
        )
    mask = rollout.completion_mask
    assert torch.allclose(logprobs * mask, rollout.behaviour_logprobs * mask, atol=1e-4)
    assert (logprobs[mask == 0] == 0).all()
    assert (entropy[mask > 0] > 0).all() and (entropy[mask == 0] == 0).all()


def test_select_keeps_rows_aligned(tiny_causal_dir):
    policy = load_policy(str(tiny_causal_dir), device="cpu")
    rollout = _rollout_from_sampler(policy, SamplingConfig(n=2, max_new_tokens=6))
    part = rollout.select([4, 1])
    assert part.problem_ids == (rollout.problem_ids[4], rollout.problem_ids[1])
    assert torch.equal(part.completion_ids[0], rollout.completion_ids[4])
    assert torch.equal(part.group_ids, rollout.group_ids[[4, 1]])
    # causal prompts are left-padded: every prompt ends at the last column
    assert (rollout.prompt_mask[:, -1] == 1).all()


def _problem(pid: str, language: str = "python") -> Problem:
    return Problem(
        id=pid,
        source="test",
        statement=f"Problem {pid}",
        tests=(TestCase(kind="stdio", stdin="", expected_stdout="42\n"),),
        language=language,
    )


def test_collector_drops_undecided_samples_and_groups_differ(tiny_causal_dir):
    """A problem in a language the judge has no runner for is an infra_error: its samples
    leave the rollout and are counted, never scored."""
    policy = load_policy(str(tiny_causal_dir), device="cpu")
    problems = [_problem("a"), _problem("b", language="cobol"), _problem("c")]
    sampling = SamplingConfig(n=4, max_new_tokens=10, batch_size=8)
    with Judge(JudgeConfig(workers=1)) as judge:
        collector = RolloutCollector(policy, judge, UnitTestReward(), sampling)
        rollout, stats = collector.collect(problems, seed=1, timers=Timers())
    assert stats.sampled == 12 and stats.dropped == 4
    assert stats.verdicts["infra_error"] == 4
    assert rollout is not None and len(rollout) == 8
    assert set(rollout.problem_ids) == {"a", "c"}
    assert rollout.group_ids.tolist() == [0] * 4 + [2] * 4
    # every program is wrong here (a random model): a negative CodeRL reward, none None
    assert (rollout.rewards < 0).all()
    for group in (0, 2):
        rows = rollout.completion_ids[rollout.group_ids == group]
        assert len({tuple(r.tolist()) for r in rows}) == 4  # distinct samples in a group
