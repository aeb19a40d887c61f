"""The online loop on translation problems (no tests) with PPOCoder's reward: samples are
judged by compiling them, and rewarded by compile + syntax + data-flow match."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

pytest.importorskip("tree_sitter")

from coderl.training.grpo import train_grpo
from coderl.training.metrics_log import read_metrics
from coderl.training.rl_configs import GRPOConfig, RewardConfig, RolloutConfig

JAVA = "class A { public static void main ( String [ ] a ) { int x = 1 ; } }"
CPP = "int main ( ) { int x = 1 ; return x - 1 ; }"


def _pairs(tmp_path: Path) -> Path:
    folder = tmp_path / "Java-C++"
    folder.mkdir()
    (folder / "val-Java-C++-tok.java.txt").write_text(f"{JAVA}\n{JAVA}\n")
    (folder / "val-Java-C++-tok.cpp.txt").write_text(f"{CPP}\n{CPP}\n")
    (folder / "val-Java-map.jsonl").write_text("1\n2\n")
    return folder


def test_grpo_trains_on_translation_pairs_with_the_ppocoder_reward(
    tiny_causal_dir: Path, tmp_path: Path
) -> None:
    folder = _pairs(tmp_path)
    config = GRPOConfig(
        model=str(tiny_causal_dir),
        problems=f"xlcost:{folder}@val",
        output_dir=str(tmp_path / "run"),
        max_steps=1,
        device="cpu",
        micro_batch_size=4,
        rollout=RolloutConfig(prompts_per_step=2, group_size=2, max_new_tokens=8, batch_size=4),
        reward=RewardConfig(name="composite"),
    )
    result = train_grpo(config, progress=False)
    assert result.steps == 1
    (reward,) = result.reward_history
    assert -1.0 <= reward <= 3.0
    step = read_metrics(tmp_path / "run" / "metrics.jsonl")[-1]
    # a random tiny model writes no C++ that compiles: every sample is a compile error
    assert step["judge/compile_error"] == 1.0


def _translation_ppo(model: Path, tmp_path: Path, name: str, **overrides):
    """PPO with PPOCoder's composite reward on the tiny XLCoST pairs, 2 x 2 programs a step."""
    from coderl.training.ppo_config import PPOConfig, PPOSection

    return PPOConfig(
        model=str(model),
        problems=f"xlcost:{_pairs(tmp_path)}@val",
        output_dir=str(tmp_path / name),
        device="cpu",
        ppo=PPOSection(epochs=1, minibatch_size=4, kl_controller="adaptive"),
        rollout=RolloutConfig(prompts_per_step=2, group_size=2, max_new_tokens=8, batch_size=4),
        reward=RewardConfig(name="composite"),
        **overrides,
    )


def test_ppo_trains_on_translation_pairs_with_the_ppocoder_reward(
    tiny_causal_dir: Path, tmp_path: Path
) -> None:
    from coderl.training.ppo import train_ppo

    config = _translation_ppo(tiny_causal_dir, tmp_path, "ppo", max_steps=1, micro_batch_size=4)
    result = train_ppo(config, progress=False)
    assert result.steps == 1 and -1.0 <= result.reward_history[0] <= 3.0


def test_ppo_with_lora_trains_the_adapters_and_the_value_head_on_translation_pairs(
    tiny_causal_dir: Path, tmp_path: Path
) -> None:
    """The CPU-budget PPOCoder config's shape: LoRA adapters on the SFT policy (the reference
    is the same model with adapters off), a value head on the adapted trunk, a merged folder at
    the end."""
    import torch
    from transformers import AutoModelForCausalLM

    from coderl.training.ppo import train_ppo
    from coderl.training.ppo_config import ValueHeadConfig
    from coderl.training.rl_configs import KLConfig, LoraConfig

    config = _translation_ppo(
        tiny_causal_dir,
        tmp_path,
        "ppo-lora",
        max_steps=2,
        micro_batch_size=2,
        value_head=ValueHeadConfig(lr=1e-2),
        kl=KLConfig(beta=0.1, estimator="k1"),
        lora=LoraConfig(enabled=True, r=4, alpha=8, target_modules=("q_proj", "v_proj")),
    )
    config = replace(config, optim=replace(config.optim, lr=1e-2))
    result = train_ppo(config, progress=False)
    checkpoint = Path(result.checkpoint)
    assert (checkpoint / "adapter_config.json").is_file()
    assert not (checkpoint / "model.safetensors").exists()
    records = read_metrics(tmp_path / "ppo-lora" / "metrics.jsonl")
    assert records[0]["train/kl"] == pytest.approx(0.0, abs=1e-6)  # adapters start at zero
    assert records[1]["train/kl"] != pytest.approx(0.0, abs=1e-6)  # they moved the policy
    assert records[1]["train/value_mean"] != 0.0  # the zero-initialised value head learned
    merged = AutoModelForCausalLM.from_pretrained(tmp_path / "ppo-lora" / "merged").eval()
    base = AutoModelForCausalLM.from_pretrained(tiny_causal_dir).eval()
    ids = torch.tensor([[1, 5, 9, 13, 17]])
    with torch.no_grad():
        assert not torch.allclose(base(ids).logits, merged(ids).logits, atol=1e-5)


def test_the_cpu_budget_configs_chain_sft_into_ppo_on_the_same_pairs() -> None:
    """configs/*_cpu.yaml: PPO starts from the SFT run's last checkpoint, trains on the same
    subset with LoRA and PPOCoder's composite reward."""
    from coderl.config import load_config
    from coderl.training.configs import SFTConfig
    from coderl.training.ppo_config import PPOConfig

    configs = Path(__file__).resolve().parents[2] / "configs"
    sft = load_config(SFTConfig, configs / "sft_xlcost_java_cpp_smollm2_cpu.yaml")
    ppo = load_config(PPOConfig, configs / "ppocoder_xlcost_java_cpp_cpu.yaml")
    assert ppo.model == f"{sft.output_dir}/step_{sft.max_steps}"
    assert sft.max_steps is not None and sft.max_steps % sft.checkpoint.every_steps == 0
    assert ppo.problems == sft.problems and ppo.prompt_style == sft.prompt_style == "translation"
    assert ppo.lora.enabled and ppo.reward.name == "composite" and ppo.rollout.stop == ("```",)
