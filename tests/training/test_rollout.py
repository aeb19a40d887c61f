"""Rollouts: the gradient path scores tokens exactly as the sampler did; records select and
pad as documented; the collector drops undecided samples and keeps groups distinct."""

from __future__ import annotations

import pytest
import torch

from coderl.execution import Judge, JudgeConfig
from coderl.generation import Sampler, SamplingConfig
from coderl.generation.sampler import Sample
from coderl.models import build_tiny_causal, load_policy
from coderl.problems.types import Problem, TestCase
from coderl.rewards import UnitTestReward
from coderl.training.collect import RolloutCollector
from coderl.training.rollout import (
    Processing,
    RolloutSample,
    build_rollout,
    completion_forward,
    completion_logprobs,
    distinct_prompts,
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


def _forward_and_grads(model, rollout):
    """Masked logits and last hidden states of ``rollout``, and the gradient of a loss on
    both, per parameter."""
    model.zero_grad(set_to_none=True)
    logits, states = completion_forward(model, rollout, False, hidden=True)
    mask = rollout.completion_mask.unsqueeze(-1)
    loss = (logits.logsumexp(-1, keepdim=True) * mask).sum() + (states * mask).square().sum()
    loss.backward()
    grads = {n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None}
    return logits * mask, states * mask, grads


@pytest.mark.parametrize("new_tokens", [12, 1])
def test_a_shared_prompt_pass_equals_one_pass_per_sample(tiny_causal_dir, new_tokens):
    """Samples of one prompt share its forward pass (a group of 3 here); the logits, hidden
    states and gradients are those of scoring every sample on its own, down to rounding."""
    policy = load_policy(str(tiny_causal_dir), device="cpu")
    model = policy.model
    rollout = _rollout_from_sampler(
        policy, SamplingConfig(n=3, max_new_tokens=new_tokens, batch_size=4)
    )
    assert len(distinct_prompts(rollout)[0]) == len(PROMPTS) < len(rollout)
    if new_tokens == 1:  # only the prompt's pass predicts a token
        assert rollout.completion_ids.shape[1] == 1
    shared_logits, shared_states, shared_grads = _forward_and_grads(model, rollout)
    alone = [_forward_and_grads(model, rollout.select([i])) for i in range(len(rollout))]
    assert torch.allclose(shared_logits, torch.cat([a[0] for a in alone]), atol=1e-5)
    assert torch.allclose(shared_states, torch.cat([a[1] for a in alone]), atol=1e-5)
    assert shared_grads.keys() == alone[0][2].keys()
    for name, grad in shared_grads.items():
        summed = sum(a[2][name] for a in alone)
        # float32 sums of a few hundred terms in another order: the rounding is about 1e-4 of
        # the gradient's scale (an embedding row is summed over every position that uses it)
        assert torch.allclose(grad, summed, atol=1e-3 * float(summed.abs().max())), name


def test_a_model_that_keeps_no_cache_is_scored_one_pass_per_sample(tiny_causal_dir):
    """Activation checkpointing in training mode turns transformers' cache off; the shared
    prompt pass then falls back to one pass per sample instead of failing."""
    tokenizer = load_policy(str(tiny_causal_dir), device="cpu").tokenizer
    policy = build_tiny_causal(tokenizer=tokenizer, hidden=32)  # no dropout in training mode
    model = policy.model
    rollout = _rollout_from_sampler(policy, SamplingConfig(n=2, max_new_tokens=8))
    expected, _ = completion_forward(model, rollout, False, share_prompts=False)
    model.gradient_checkpointing_enable()
    model.train()
    logits, _ = completion_forward(model, rollout, False)
    mask = rollout.completion_mask.unsqueeze(-1)
    assert torch.allclose(logits * mask, expected * mask, atol=1e-5)


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


class _RepeatingSampler:
    """Draws the same four programs for every prompt, two of them copies of the first: a
    group as a confident policy samples it."""

    texts = ("print(42)", "print(41)", "print(42)", "print(42)")

    def sample(self, prompts, seed=None):
        return [
            [
                Sample(text, (5, 6), (-0.5, -0.1), True, i, j, prompt_token_ids=(1, 2))
                for j, text in enumerate(self.texts)
            ]
            for i in range(len(prompts))
        ]


class _CountingJudge:
    def __init__(self, judge):
        self.judge, self.submitted = judge, []

    def run(self, submissions):
        self.submitted.extend(submissions)
        return self.judge.run(submissions)


def test_collector_judges_each_distinct_program_of_a_group_once(tiny_causal_dir):
    """Copies within a group are run once and share the first copy's verdict; every sample
    keeps its own place in the rollout."""
    policy = load_policy(str(tiny_causal_dir), device="cpu")
    problems = [_problem("a"), _problem("b")]
    sampling = SamplingConfig(n=4, max_new_tokens=10, batch_size=8)
    with Judge(JudgeConfig(workers=1)) as real:
        judge = _CountingJudge(real)
        collector = RolloutCollector(
            policy, judge, UnitTestReward(), sampling, sampler=_RepeatingSampler()
        )
        rollout, stats = collector.collect(problems, seed=1, timers=Timers())
    assert sorted((s.problem.id, s.code) for s in judge.submitted) == [
        ("a", "print(41)"),
        ("a", "print(42)"),
        ("b", "print(41)"),
        ("b", "print(42)"),
    ]
    assert stats.sampled == 8 and stats.verdicts == {"passed": 6, "wrong_answer": 2}
    assert rollout is not None
    assert rollout.verdicts == ("passed", "wrong_answer", "passed", "passed") * 2
    assert torch.allclose(rollout.rewards, torch.tensor([1.0, -0.3, 1.0, 1.0] * 2))
