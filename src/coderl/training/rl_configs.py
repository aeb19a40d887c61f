"""Typed configs of the online RL learners: the sections every learner shares (rollout,
judge, KL, evaluation, LoRA) and `GRPOConfig`, the critic-free policy-gradient family.

Defaults and help text live only here (``coderl train grpo --help`` prints them);
``__post_init__`` rejects values that cannot work and names the field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from coderl.errors import ConfigError
from coderl.training.configs import CheckpointConfig, LoggingConfig, OptimConfig


def _help(text: str) -> dict[str, str]:
    return {"help": text}


@dataclass(frozen=True)
class RolloutConfig:
    """What each step samples: ``prompts_per_step`` problems x ``group_size`` programs."""

    prompts_per_step: int = field(default=16, metadata=_help("problems sampled per step"))
    group_size: int = field(default=8, metadata=_help("programs sampled per problem (a group)"))
    temperature: float = field(default=1.0, metadata=_help("sampling temperature (> 0)"))
    top_p: float = field(default=1.0, metadata=_help("nucleus mass (1: off)"))
    top_k: int = field(default=0, metadata=_help("keep the k most likely tokens (0: off)"))
    max_new_tokens: int = field(default=256, metadata=_help("tokens per program at most"))
    stop: tuple[str, ...] = field(default=(), metadata=_help("stop strings"))
    batch_size: int = field(default=64, metadata=_help("sequences per sampler forward pass"))
    engine: Literal["builtin", "vllm"] = field(
        default="builtin",
        metadata=_help("sampler: builtin, or vllm (colocated, weights synced after each update)"),
    )
    vllm_memory: float = field(
        default=0.5, metadata=_help("engine vllm: share of GPU memory (CPU: RAM) it may take")
    )

    def __post_init__(self) -> None:
        if not 0 < self.vllm_memory <= 1:
            raise ConfigError(f"rollout.vllm_memory = {self.vllm_memory}: use a value in (0, 1]")
        for name in ("prompts_per_step", "max_new_tokens", "batch_size"):
            if getattr(self, name) < 1:
                raise ConfigError(f"rollout.{name} = {getattr(self, name)}: use 1 or more")
        if self.group_size < 2:
            raise ConfigError(
                f"rollout.group_size = {self.group_size}: group baselines need 2 or more "
                "programs per problem"
            )
        if self.temperature <= 0:
            raise ConfigError(f"rollout.temperature = {self.temperature}: use a value > 0")
        if not 0 < self.top_p <= 1:
            raise ConfigError(f"rollout.top_p = {self.top_p}: use a value in (0, 1]")
        if self.top_k < 0:
            raise ConfigError(f"rollout.top_k = {self.top_k}: use 0 (off) or more")


@dataclass(frozen=True)
class RLJudgeConfig:
    """The judge that rewards the programs (hidden tests of the training problems)."""

    cpu_time_s: float = field(default=2.0, metadata=_help("CPU seconds per test"))
    memory_mb: int = field(default=1024, metadata=_help("memory per program, MiB"))
    workers: int | None = field(default=None, metadata=_help("judge processes (null: per CPU)"))
    tests: Literal["hidden", "example", "all"] = field(
        default="hidden", metadata=_help("which tests reward a program")
    )
    stop_at_first_failure: bool = field(
        default=True,
        metadata=_help(
            "stop at a program's first failed test (true is right for pass/fail "
            "rewards; set false for pass_fraction)"
        ),
    )
    backend: Literal["local", "ray"] = field(
        default="local", metadata=_help("local: a warm pool here; ray: one per Ray node")
    )
    ray_address: str | None = field(
        default=None, metadata=_help("backend ray: the cluster (null: running or new local)")
    )
    ray_actors: int | None = field(
        default=None, metadata=_help("backend ray: judge actors (null: one per node)")
    )

    def __post_init__(self) -> None:
        if self.backend != "ray" and (self.ray_address or self.ray_actors):
            raise ConfigError("judge.ray_address and judge.ray_actors need judge.backend: ray")
        if self.ray_actors is not None and self.ray_actors < 1:
            raise ConfigError(f"judge.ray_actors = {self.ray_actors}: use 1 or more, or null")
        if self.cpu_time_s <= 0:
            raise ConfigError(f"judge.cpu_time_s = {self.cpu_time_s}: use a value > 0")
        if self.memory_mb < 1:
            raise ConfigError(f"judge.memory_mb = {self.memory_mb}: use 1 or more")
        if self.workers is not None and self.workers < 1:
            raise ConfigError(f"judge.workers = {self.workers}: use 1 or more, or null")


@dataclass(frozen=True)
class RewardConfig:
    """Which reward (a name from `coderl.rewards.reward_names()`) and its options."""

    name: str = field(default="unit_test", metadata=_help("unit_test, binary, pass_fraction, ..."))
    options: dict[str, Any] = field(
        default_factory=dict, metadata=_help("keyword options of the reward")
    )

    def __post_init__(self) -> None:
        from coderl.rewards import reward_names

        if self.name not in reward_names():
            raise ConfigError(f"reward.name = {self.name!r}: valid: {', '.join(reward_names())}")


@dataclass(frozen=True)
class KLConfig:
    """A KL penalty to the starting policy (the reference), added to the loss per token."""

    beta: float = field(default=0.0, metadata=_help("KL coefficient (0: no reference model)"))
    estimator: Literal["k1", "k2", "k3"] = field(
        default="k3", metadata=_help("per-token KL estimator (k3: unbiased, never negative)")
    )

    def __post_init__(self) -> None:
        if self.beta < 0:
            raise ConfigError(f"kl.beta = {self.beta}: use 0 (off) or more")


@dataclass(frozen=True)
class EvalConfig:
    """Greedy pass@1 on held-out problems during training (``eval/pass@1``)."""

    problems: str | None = field(
        default=None, metadata=_help("problem spec of the held-out problems (null: none)")
    )
    every_steps: int = field(default=25, metadata=_help("evaluate every N steps and at the end"))
    at_start: bool = field(default=True, metadata=_help("also evaluate before the first step"))
    max_new_tokens: int | None = field(
        default=None, metadata=_help("tokens per program (null: rollout.max_new_tokens)")
    )

    def __post_init__(self) -> None:
        if self.every_steps < 1:
            raise ConfigError(f"eval.every_steps = {self.every_steps}: use 1 or more")


@dataclass(frozen=True)
class LoraConfig:
    """Train LoRA adapters (peft) instead of all weights; the reference policy is then the
    same model with its adapters disabled."""

    enabled: bool = field(default=False, metadata=_help("train LoRA adapters only"))
    r: int = field(default=16, metadata=_help("adapter rank"))
    alpha: int = field(default=32, metadata=_help("adapter scaling numerator"))
    dropout: float = field(default=0.0, metadata=_help("dropout on the adapters' input"))
    target_modules: tuple[str, ...] | None = field(
        default=None, metadata=_help("module names to adapt (null: peft's default per model)")
    )

    def __post_init__(self) -> None:
        if self.r < 1:
            raise ConfigError(f"lora.r = {self.r}: use 1 or more")


Algorithm = Literal["grpo", "drgrpo", "rloo", "reinforce"]

# Each algorithm's advantage estimator and loss aggregation (rl_math registries).
ALGORITHMS: dict[str, tuple[str, str]] = {
    "grpo": ("grpo", "sequence_mean"),
    "drgrpo": ("drgrpo", "constant"),
    "rloo": ("rloo", "sequence_sum"),
    "reinforce": ("greedy_baseline", "sequence_sum"),
}


@dataclass(frozen=True)
class GRPOConfig:
    """Critic-free policy gradient from the judge's rewards: GRPO, Dr.GRPO, RLOO, or
    REINFORCE with CodeRL's greedy baseline (``algorithm``)."""

    model: str = field(
        metadata=_help("policy to start from (an SFT checkpoint folder, a built-in name, ...)")
    )
    problems: str = field(metadata=_help("problem spec of the training problems"))
    algorithm: Algorithm = field(
        default="grpo", metadata=_help("grpo, drgrpo, rloo or reinforce (greedy baseline)")
    )
    prompt_style: str | None = field(
        default=None, metadata=_help("prompt template (null: each problem's own)")
    )
    output_dir: str = field(default="runs/grpo", metadata=_help("run folder"))
    max_steps: int = field(default=100, metadata=_help("RL steps (rollout + update)"))
    seed: int = field(default=0, metadata=_help("seeds problem order, sampling and shuffling"))
    device: str = field(default="auto", metadata=_help("auto (cuda when present), cpu, cuda:N"))
    policy_loss: Literal["clipped", "plain"] = field(
        default="clipped", metadata=_help("clipped surrogate (PPO/GRPO) or plain ratio * A")
    )
    loss_aggregation: Literal["token_mean", "sequence_mean", "sequence_sum", "constant"] | None = (
        field(default=None, metadata=_help("how token losses add up (null: the algorithm's)"))
    )
    clip_low: float = field(default=0.2, metadata=_help("ratio clipped below at 1 - clip_low"))
    clip_high: float = field(default=0.2, metadata=_help("ratio clipped above at 1 + clip_high"))
    epochs_per_step: int = field(
        default=1, metadata=_help("passes over each rollout (>1 makes clipping matter)")
    )
    minibatches: int = field(default=1, metadata=_help("optimizer steps per pass"))
    micro_batch_size: int = field(
        default=32, metadata=_help("sequences per forward/backward (memory, not maths)")
    )
    rollout: RolloutConfig = field(default_factory=RolloutConfig)
    judge: RLJudgeConfig = field(default_factory=RLJudgeConfig)
    reward: RewardConfig = field(default_factory=RewardConfig)
    kl: KLConfig = field(default_factory=KLConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    lora: LoraConfig = field(default_factory=LoraConfig)
    optim: OptimConfig = field(
        default_factory=lambda: OptimConfig(lr=1e-5, schedule="constant", warmup_steps=0)
    )
    checkpoint: CheckpointConfig = field(
        default_factory=lambda: CheckpointConfig(every_steps=25, keep_last=2)
    )
    logging: LoggingConfig = field(default_factory=lambda: LoggingConfig(every_steps=1))

    def __post_init__(self) -> None:
        if not self.model:
            raise ConfigError("model is empty: set model: NAME_OR_PATH (an SFT checkpoint)")
        if not self.problems:
            raise ConfigError("problems is empty: set problems: SPEC, e.g. synthetic@train")
        from coderl.problems.prompts import check_style

        check_style(self.prompt_style, chat=True)
        if self.algorithm not in ALGORITHMS:
            raise ConfigError(f"algorithm = {self.algorithm!r}: valid: {', '.join(ALGORITHMS)}")
        for name in ("max_steps", "epochs_per_step", "minibatches", "micro_batch_size"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} = {getattr(self, name)}: use 1 or more")
        if not 0 <= self.clip_low < 1 or self.clip_high < 0:
            raise ConfigError(
                f"clip_low = {self.clip_low}, clip_high = {self.clip_high}: use 0 <= clip_low "
                "< 1 and clip_high >= 0"
            )
        if self.optim.grad_accum_steps != 1:
            raise ConfigError(
                "optim.grad_accum_steps: RL accumulates micro_batch_size chunks of each "
                "minibatch itself; leave it at 1"
            )

    @property
    def advantage_estimator(self) -> str:
        return ALGORITHMS[self.algorithm][0]

    @property
    def aggregation(self) -> str:
        return self.loss_aggregation or ALGORITHMS[self.algorithm][1]
