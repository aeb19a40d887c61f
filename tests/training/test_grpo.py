"""The online loop with the critic-free learners, end to end on a tiny model (CPU, seconds):
metrics, evaluation, checkpoints that transformers loads, and exact resume."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from coderl.errors import ConfigError
from coderl.rewards import register_reward
from coderl.training.checkpoint import list_checkpoints
from coderl.training.configs import CheckpointConfig
from coderl.training.grpo import train_grpo
from coderl.training.metrics_log import read_metrics
from coderl.training.rl_configs import (
    EvalConfig,
    GRPOConfig,
    KLConfig,
    RewardConfig,
    RolloutConfig,
)


@register_reward("test_program_length")
def _length_reward():
    """A reward that differs between the programs of a random model (so every group has a
    learning signal), from the program's text: shorter is better."""
    return lambda problem, program, judgement: -len(program) / 100


def make_config(model_dir: Path, output_dir: Path, **changes) -> GRPOConfig:
    config = GRPOConfig(
        model=str(model_dir),
        problems="synthetic@train[0:12]",
        output_dir=str(output_dir),
        max_steps=3,
        device="cpu",
        micro_batch_size=5,
        rollout=RolloutConfig(prompts_per_step=3, group_size=4, max_new_tokens=12, batch_size=8),
        reward=RewardConfig(name="test_program_length"),
        checkpoint=CheckpointConfig(every_steps=1, keep_last=None),
    )
    return replace(config, **changes)


@pytest.mark.parametrize("algorithm", ["grpo", "drgrpo", "rloo", "reinforce"])
def test_each_algorithm_trains_logs_and_saves(tiny_causal_dir, tmp_path, algorithm):
    config = make_config(
        tiny_causal_dir,
        tmp_path / algorithm,
        algorithm=algorithm,
        max_steps=2,
        eval=EvalConfig(problems="synthetic@test[0:3]", every_steps=1),
    )
    result = train_grpo(config, progress=False)
    assert result.steps == 2 and len(result.reward_history) == 2
    assert [step for step, _ in result.eval_history] == [0, 1, 2]
    records = read_metrics(tmp_path / algorithm / "metrics.jsonl")
    assert [r["step"] for r in records] == [0, 1, 2]
    step = records[1]
    for key in (
        "train/reward",
        "train/pass_rate",
        "train/loss",
        "train/entropy",
        "train/clip_frac",
        "train/kl",
        "train/response_length",
        "train/tokens_per_s",
        "time/sample",
        "time/judge",
        "time/forward",
        "time/backward",
        "time/optimizer",
        "eval/pass@1",
    ):
        assert key in step, key
    # the policy moved, and its checkpoint is a plain transformers folder
    from transformers import AutoModelForCausalLM

    start = load_file(tiny_causal_dir / "model.safetensors")
    trained = AutoModelForCausalLM.from_pretrained(result.checkpoint).state_dict()
    assert any(not torch.equal(start[k], trained[k]) for k in start if k in trained)


def test_kl_penalty_uses_a_frozen_reference(tiny_causal_dir, tmp_path):
    config = make_config(tiny_causal_dir, tmp_path / "kl", max_steps=2)
    config = replace(config, kl=replace(config.kl, beta=0.1))
    train_grpo(config, progress=False)
    records = read_metrics(tmp_path / "kl" / "metrics.jsonl")
    assert records[0]["train/kl"] == pytest.approx(0.0, abs=1e-6)  # policy == reference
    assert records[1]["train/kl"] > 0  # after one update they differ


@pytest.mark.parametrize("beta", [0.0, 0.1], ids=["no-kl", "kl"])
def test_resumed_run_equals_an_uninterrupted_one_bit_for_bit(tiny_causal_dir, tmp_path, beta):
    # with KL the resumed run must keep the starting policy as its reference, not its checkpoint
    kl = KLConfig(beta=beta)
    straight = train_grpo(make_config(tiny_causal_dir, tmp_path / "a", kl=kl), progress=False)
    # the same run stopped after step 2 (as if killed after that checkpoint), then resumed
    train_grpo(make_config(tiny_causal_dir, tmp_path / "b", max_steps=2, kl=kl), progress=False)
    resumed = train_grpo(
        make_config(tiny_causal_dir, tmp_path / "b", kl=kl), resume=True, progress=False
    )
    assert resumed.reward_history == straight.reward_history
    a = load_file(Path(straight.checkpoint) / "model.safetensors")
    b = load_file(Path(resumed.checkpoint) / "model.safetensors")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert [p.name for p in list_checkpoints(tmp_path / "b")] == ["step_1", "step_2", "step_3"]
    first = load_file(tmp_path / "a" / "step_1" / "model.safetensors")
    assert any(not torch.equal(first[k], a[k]) for k in a)  # it did learn between steps


def test_fresh_run_refuses_a_folder_with_checkpoints(tiny_causal_dir, tmp_path):
    train_grpo(make_config(tiny_causal_dir, tmp_path / "c", max_steps=1), progress=False)
    with pytest.raises(ConfigError, match="--resume"):
        train_grpo(make_config(tiny_causal_dir, tmp_path / "c", max_steps=1), progress=False)


def test_config_errors_name_the_field():
    with pytest.raises(ConfigError, match=r"rollout\.group_size"):
        RolloutConfig(group_size=1)
    with pytest.raises(ConfigError, match="algorithm"):
        GRPOConfig(model="m", problems="p", algorithm="ppo")
    with pytest.raises(ConfigError, match=r"reward\.name"):
        RewardConfig(name="nope")


def test_lora_trains_adapters_only_with_the_base_as_reference(tiny_causal_dir, tmp_path):
    from transformers import AutoModelForCausalLM

    from coderl.models import load_policy
    from coderl.models.lora import load_lora
    from coderl.training.rl_configs import LoraConfig

    config = make_config(
        tiny_causal_dir,
        tmp_path / "lora",
        max_steps=2,
        lora=LoraConfig(enabled=True, r=4, alpha=8, target_modules=("q_proj", "v_proj")),
        kl=KLConfig(beta=0.1),
    )
    config = replace(config, optim=replace(config.optim, lr=1e-2))
    result = train_grpo(config, progress=False)
    checkpoint = Path(result.checkpoint)
    assert (checkpoint / "adapter_config.json").is_file()
    assert not (checkpoint / "model.safetensors").exists()  # adapters only, no second copy
    records = read_metrics(tmp_path / "lora" / "metrics.jsonl")
    assert records[0]["train/kl"] == pytest.approx(0.0, abs=1e-6)  # adapters start at zero
    assert records[1]["train/kl"] > 0
    # the merged folder is a plain model equal to base + adapters
    base = load_policy(str(tiny_causal_dir))
    adapted = load_lora(base, checkpoint, trainable=False).model.eval()
    merged = AutoModelForCausalLM.from_pretrained(tmp_path / "lora" / "merged").eval()
    ids = torch.tensor([[1, 5, 9, 13, 17]])
    with torch.no_grad():
        assert torch.allclose(adapted(ids).logits, merged(ids).logits, atol=1e-5)
        plain = load_policy(str(tiny_causal_dir)).model(ids).logits
    assert not torch.allclose(plain, merged(ids).logits, atol=1e-5)
    # a LoRA run resumes from its adapters
    resumed = train_grpo(replace(config, max_steps=3), resume=True, progress=False)
    assert resumed.steps == 3
