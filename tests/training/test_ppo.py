"""PPO end to end on a tiny model (CPU, seconds): metrics, the value head in the checkpoint,
the frozen reference, the adaptive controller, exact resume, and config errors."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from coderl.errors import ConfigError
from coderl.rewards import register_reward
from coderl.training.checkpoint import STATE_DIR
from coderl.training.configs import CheckpointConfig
from coderl.training.metrics_log import read_metrics
from coderl.training.ppo import train_ppo
from coderl.training.ppo_config import PPOConfig, PPOSection, ValueHeadConfig
from coderl.training.rl_configs import EvalConfig, KLConfig, RewardConfig, RolloutConfig


@register_reward("test_ppo_program_length")
def _length_reward():
    """Differs between the programs of a random model: shorter is better."""
    return lambda problem, program, judgement: -len(program) / 100


def make_config(model_dir: Path, output_dir: Path, **changes) -> PPOConfig:
    config = PPOConfig(
        model=str(model_dir),
        problems="synthetic@train[0:12]",
        output_dir=str(output_dir),
        max_steps=3,
        device="cpu",
        micro_batch_size=3,
        ppo=PPOSection(epochs=2, minibatch_size=5),
        rollout=RolloutConfig(prompts_per_step=3, group_size=4, max_new_tokens=12, batch_size=8),
        reward=RewardConfig(name="test_ppo_program_length"),
        kl=KLConfig(beta=0.1, estimator="k1"),
        checkpoint=CheckpointConfig(every_steps=1, keep_last=None),
    )
    config = replace(config, optim=replace(config.optim, lr=1e-3))
    return replace(config, **changes)


def test_ppo_trains_logs_and_saves_the_value_head(tiny_causal_dir, tmp_path):
    config = make_config(
        tiny_causal_dir,
        tmp_path / "ppo",
        max_steps=2,
        eval=EvalConfig(problems="synthetic@test[0:3]", every_steps=1),
    )
    result = train_ppo(config, progress=False)
    assert result.steps == 2 and [s for s, _ in result.eval_history] == [0, 1, 2]
    records = read_metrics(tmp_path / "ppo" / "metrics.jsonl")
    first, second = records[1], records[2]
    for key in (
        "train/score",
        "train/kl",
        "train/beta",
        "train/policy_loss",
        "train/value_loss",
        "train/clip_frac",
        "train/value_clip_frac",
        "train/explained_variance",
        "train/entropy",
        "train/approx_kl",
        "train/response_length",
        "train/tokens_per_s",
        "time/value",
        "time/reference",
        "time/forward",
        "time/backward",
        "eval/pass@1",
    ):
        assert key in first, key
    # 12 samples in minibatches of 5, two epochs: 3 optimizer steps each
    assert first["train/minibatch_steps"] == 6 and first["train/early_stopped"] == 0
    assert first["train/kl"] == pytest.approx(0.0, abs=1e-5)  # policy == reference at first
    assert second["train/kl"] != pytest.approx(0.0, abs=1e-5)
    assert first["train/value_mean"] == 0.0  # the head starts at 0 ...
    assert second["train/value_mean"] != 0.0  # ... and learns
    assert first["train/approx_kl"] > 0  # the last minibatch of epoch 2 saw a moved policy
    state = tmp_path / "ppo" / "step_2" / STATE_DIR
    head = torch.load(state / "module-value_head.pt", weights_only=True)
    assert head["linear.weight"].abs().sum() > 0
    assert (state / "optimizer-value_head.pt").is_file()


def test_adaptive_controller_moves_beta_and_resume_is_exact(tiny_causal_dir, tmp_path):
    ppo = PPOSection(
        epochs=2, minibatch_size=5, kl_controller="adaptive", kl_target=1e-6, kl_horizon=10
    )
    straight = train_ppo(make_config(tiny_causal_dir, tmp_path / "a", ppo=ppo), progress=False)
    train_ppo(make_config(tiny_causal_dir, tmp_path / "b", ppo=ppo, max_steps=2), progress=False)
    resumed = train_ppo(
        make_config(tiny_causal_dir, tmp_path / "b", ppo=ppo), resume=True, progress=False
    )
    assert resumed.reward_history == straight.reward_history
    a = load_file(Path(straight.checkpoint) / "model.safetensors")
    b = load_file(Path(resumed.checkpoint) / "model.safetensors")
    assert all(torch.equal(a[k], b[k]) for k in a)
    head_a = torch.load(Path(straight.checkpoint) / STATE_DIR / "module-value_head.pt")
    head_b = torch.load(Path(resumed.checkpoint) / STATE_DIR / "module-value_head.pt")
    assert all(torch.equal(head_a[k], head_b[k]) for k in head_a)
    betas = [r["train/beta"] for r in read_metrics(tmp_path / "a" / "metrics.jsonl")]
    resumed_betas = [r["train/beta"] for r in read_metrics(tmp_path / "b" / "metrics.jsonl")]
    assert betas == resumed_betas
    # step 1's KL is 0 < target: beta falls by the clipped 20% x 12 samples / horizon 10
    assert betas[0] == 0.1 and betas[1] == pytest.approx(0.1 * (1 - 0.2 * 12 / 10))
    assert betas[2] != betas[1]


def test_without_kl_there_is_no_reference_pass(tiny_causal_dir, tmp_path):
    config = make_config(tiny_causal_dir, tmp_path / "nokl", max_steps=1, kl=KLConfig(beta=0.0))
    train_ppo(config, progress=False)
    record = read_metrics(tmp_path / "nokl" / "metrics.jsonl")[0]
    assert "time/reference" not in record and record["train/kl"] == 0.0


def test_config_errors_name_the_field():
    with pytest.raises(ConfigError, match=r"ppo\.epochs"):
        PPOSection(epochs=0)
    with pytest.raises(ConfigError, match=r"ppo\.lam"):
        PPOSection(lam=1.5)
    with pytest.raises(ConfigError, match=r"value_head\.dropout"):
        ValueHeadConfig(dropout=1.0)
    with pytest.raises(ConfigError, match=r"kl\.beta"):
        PPOConfig(
            model="m", problems="p", kl=KLConfig(beta=0.0), ppo=PPOSection(kl_controller="adaptive")
        )


def test_cli_help_shows_the_ppo_section_and_a_bad_field_is_named(tiny_causal_dir, tmp_path, capsys):
    from coderl.cli.main import main

    assert main(["train", "ppo", "--help"]) == 0
    out = capsys.readouterr().out
    assert "ppo.cliprange_value = 0.2" in out and "value_head.dropout" in out
    path = tmp_path / "ppo.yaml"
    path.write_text(
        f"model: {tiny_causal_dir}\nproblems: synthetic@train[0:6]\ndevice: cpu\n"
        f"output_dir: {tmp_path / 'run'}\nppo:\n  epochs: 0\n"
    )
    assert main(["train", "ppo", "--config", str(path), "--no-progress"]) == 2
    assert "ppo.epochs = 0" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()  # nothing ran


def test_example_config_loads():
    from coderl.config import load_config

    path = Path(__file__).resolve().parents[2] / "configs" / "ppo_testbed.yaml"
    config = load_config(PPOConfig, path, ["ppo.kl_controller=fixed"])
    assert config.ppo.kl_controller == "fixed" and config.kl.beta > 0
    assert "validation" in config.eval.problems
