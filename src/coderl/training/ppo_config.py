"""`PPOConfig`: PPO with a value head, a KL-controlled reference and GAE (PPOCoder's learner).

It shares the online learners' sections (rollout, judge, reward, KL, evaluation, LoRA,
optimizer) with `GRPOConfig`; the ``ppo:`` section holds PPO's own knobs and ``value_head:``
the critic's. Defaults and help text live only here (``coderl train ppo --help``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from coderl.errors import ConfigError
from coderl.training.configs import CheckpointConfig, LoggingConfig, OptimConfig
from coderl.training.rl_configs import (
    EvalConfig,
    KLConfig,
    LoraConfig,
    RewardConfig,
    RLJudgeConfig,
    RolloutConfig,
)


def _help(text: str) -> dict[str, str]:
    return {"help": text}


@dataclass(frozen=True)
class PPOSection:
    """PPO's update: GAE, the clipped losses, epochs of minibatches, the KL controller."""

    epochs: int = field(default=2, metadata=_help("passes over each rollout (ppo_epochs)"))
    minibatch_size: int = field(
        default=128,
        metadata=_help("sequences per optimizer step (accumulated in micro_batch_size chunks)"),
    )
    cliprange: float = field(default=0.2, metadata=_help("policy ratio clipped to 1 +- this"))
    cliprange_value: float = field(
        default=0.2, metadata=_help("value may move at most this far from its rollout estimate")
    )
    vf_coef: float = field(default=0.1, metadata=_help("loss = pg + vf_coef * value loss"))
    entropy_coef: float = field(
        default=0.0, metadata=_help("entropy bonus: loss -= entropy_coef * entropy (0: off)")
    )
    gamma: float = field(default=1.0, metadata=_help("GAE discount"))
    lam: float = field(default=0.95, metadata=_help("GAE lambda"))
    whiten_advantages: bool = field(
        default=True, metadata=_help("zero mean, unit variance over the batch's tokens")
    )
    target_kl: float | None = field(
        default=None,
        metadata=_help("stop the step's remaining minibatches past this approx KL (null: off)"),
    )
    kl_controller: Literal["fixed", "adaptive"] = field(
        default="fixed", metadata=_help("fixed beta (kl.beta) or Ziegler et al.'s adaptive one")
    )
    kl_target: float = field(default=1.0, metadata=_help("adaptive: target KL per sequence (nats)"))
    kl_horizon: int = field(
        default=10000, metadata=_help("adaptive: sequences over which beta adapts")
    )
    truncation_penalty: float = field(
        default=0.0,
        metadata=_help("subtracted from the score of programs cut at max_new_tokens (0: as is)"),
    )

    def __post_init__(self) -> None:
        for name in ("epochs", "minibatch_size", "kl_horizon"):
            if getattr(self, name) < 1:
                raise ConfigError(f"ppo.{name} = {getattr(self, name)}: use 1 or more")
        for name in ("cliprange", "cliprange_value", "kl_target"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"ppo.{name} = {getattr(self, name)}: use a value > 0")
        for name in ("vf_coef", "entropy_coef"):
            if getattr(self, name) < 0:
                raise ConfigError(f"ppo.{name} = {getattr(self, name)}: use 0 or more")
        for name in ("gamma", "lam"):
            if not 0 <= getattr(self, name) <= 1:
                raise ConfigError(f"ppo.{name} = {getattr(self, name)}: use a value in [0, 1]")
        if self.target_kl is not None and self.target_kl <= 0:
            raise ConfigError(f"ppo.target_kl = {self.target_kl}: use a value > 0, or null")


@dataclass(frozen=True)
class ValueHeadConfig:
    """The critic: a linear layer on the policy's last hidden states."""

    dropout: float = field(default=0.0, metadata=_help("dropout on the hidden states"))
    lr: float | None = field(default=None, metadata=_help("its learning rate (null: optim.lr)"))

    def __post_init__(self) -> None:
        if not 0 <= self.dropout < 1:
            raise ConfigError(f"value_head.dropout = {self.dropout}: use a value in [0, 1)")
        if self.lr is not None and self.lr <= 0:
            raise ConfigError(f"value_head.lr = {self.lr}: use a value > 0, or null")


@dataclass(frozen=True)
class PPOConfig:
    """PPO from the judge's rewards: a value head, a frozen reference (KL per token, fixed or
    adaptive beta), GAE, clipped policy and value losses (PPOCoder's learner)."""

    model: str = field(
        metadata=_help("policy to start from (an SFT checkpoint folder, a built-in name, ...)")
    )
    problems: str = field(metadata=_help("problem spec of the training problems"))
    prompt_style: str | None = field(
        default=None, metadata=_help("prompt template (null: each problem's own)")
    )
    output_dir: str = field(default="runs/ppo", metadata=_help("run folder"))
    max_steps: int = field(default=100, metadata=_help("RL steps (rollout + update)"))
    seed: int = field(default=0, metadata=_help("seeds problem order, sampling and shuffling"))
    device: str = field(default="auto", metadata=_help("auto (cuda when present), cpu, cuda:N"))
    micro_batch_size: int = field(
        default=32, metadata=_help("sequences per forward/backward (memory, not maths)")
    )
    ppo: PPOSection = field(default_factory=PPOSection)
    value_head: ValueHeadConfig = field(default_factory=ValueHeadConfig)
    rollout: RolloutConfig = field(default_factory=RolloutConfig)
    judge: RLJudgeConfig = field(default_factory=RLJudgeConfig)
    reward: RewardConfig = field(default_factory=RewardConfig)
    kl: KLConfig = field(
        default_factory=lambda: KLConfig(beta=0.05, estimator="k1"),
        metadata=_help(
            "beta: the (starting) KL coefficient; 0 with a fixed controller: no reference"
        ),
    )
    eval: EvalConfig = field(default_factory=EvalConfig)
    lora: LoraConfig = field(default_factory=LoraConfig)
    optim: OptimConfig = field(
        default_factory=lambda: OptimConfig(lr=1e-5, schedule="constant", warmup_steps=0)
    )
    checkpoint: CheckpointConfig = field(
        default_factory=lambda: CheckpointConfig(every_steps=25, keep_last=2)
    )
    logging: LoggingConfig = field(default_factory=lambda: LoggingConfig(every_steps=1))

    # The online loop asks which advantage estimator runs (GAE samples no greedy baseline).
    advantage_estimator = "gae"

    def __post_init__(self) -> None:
        if not self.model:
            raise ConfigError("model is empty: set model: NAME_OR_PATH (an SFT checkpoint)")
        if not self.problems:
            raise ConfigError("problems is empty: set problems: SPEC, e.g. synthetic@train")
        from coderl.problems.prompts import check_style

        check_style(self.prompt_style, chat=True)
        for name in ("max_steps", "micro_batch_size"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} = {getattr(self, name)}: use 1 or more")
        if self.ppo.kl_controller == "adaptive" and self.kl.beta == 0:
            raise ConfigError(
                "ppo.kl_controller = adaptive with kl.beta = 0: the controller scales beta, "
                "so start it above 0 (e.g. kl.beta: 0.1)"
            )
        if self.optim.grad_accum_steps != 1:
            raise ConfigError(
                "optim.grad_accum_steps: PPO accumulates micro_batch_size chunks of each "
                "ppo.minibatch_size minibatch itself; leave it at 1"
            )
