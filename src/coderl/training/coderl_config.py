"""`CodeRLConfig`: CodeRL's actor-critic fine-tuning, online or offline (see `actor_critic`).

It shares the online learners' sections (rollout, judge, reward, eval, LoRA) from
`rl_configs`; its own fields are the critic, the offline data, and the cross-entropy mix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from coderl.errors import ConfigError
from coderl.training.configs import CheckpointConfig, LoggingConfig, OptimConfig
from coderl.training.rl_configs import RESUME_INVARIANTS as ONLINE_INVARIANTS
from coderl.training.rl_configs import (
    EvalConfig,
    LoraConfig,
    RewardConfig,
    RLJudgeConfig,
    RolloutConfig,
)

RESUME_INVARIANTS = (*ONLINE_INVARIANTS, "mode", "critic", "offline_data", "ce_weight")


def _help(text: str) -> dict[str, str]:
    return {"help": text}


@dataclass(frozen=True)
class CodeRLConfig:
    """CodeRL: ``-(r(W_s) - r(W_b)) * sum_t q_t log p(w_t)`` + ce_weight * CE(references)."""

    model: str = field(metadata=_help("policy to start from (the SFT checkpoint)"))
    problems: str = field(
        metadata=_help("training problems (online: sampled; both: reference solutions for CE)")
    )
    critic: str | None = field(
        default=None,
        metadata=_help("trained critic folder (coderl train critic); null: q_t = 1 (ablation)"),
    )
    mode: Literal["online", "offline"] = field(
        default="online", metadata=_help("online: fresh samples each step; offline: from file")
    )
    offline_data: str | None = field(
        default=None, metadata=_help("offline: a critic data JSONL (samples + greedy baselines)")
    )
    samples_per_step: int = field(default=128, metadata=_help("offline: programs per step"))
    ce_weight: float = field(
        default=1.0, metadata=_help("weight of the cross-entropy on reference solutions")
    )
    ce_batch_size: int = field(default=16, metadata=_help("reference solutions per step"))
    max_seq_len: int = field(default=512, metadata=_help("tokens per reference example"))
    algorithm: Literal["coderl"] = field(default="coderl", metadata=_help("always coderl"))
    prompt_style: str | None = field(default=None, metadata=_help("prompt template"))
    output_dir: str = field(default="runs/coderl", metadata=_help("run folder"))
    max_steps: int = field(default=60, metadata=_help("updates"))
    seed: int = field(default=0, metadata=_help("seeds problem order, sampling, batches"))
    device: str = field(default="auto", metadata=_help("auto (cuda when present), cpu, cuda:N"))
    micro_batch_size: int = field(default=32, metadata=_help("sequences per forward/backward"))
    rollout: RolloutConfig = field(default_factory=RolloutConfig)
    judge: RLJudgeConfig = field(default_factory=RLJudgeConfig)
    reward: RewardConfig = field(default_factory=RewardConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    lora: LoraConfig = field(default_factory=LoraConfig)
    optim: OptimConfig = field(
        default_factory=lambda: OptimConfig(lr=2e-5, schedule="constant", warmup_steps=0)
    )
    checkpoint: CheckpointConfig = field(
        default_factory=lambda: CheckpointConfig(every_steps=20, keep_last=2)
    )
    logging: LoggingConfig = field(default_factory=lambda: LoggingConfig(every_steps=1))

    def __post_init__(self) -> None:
        if not self.model or not self.problems:
            raise ConfigError("model and problems are required (an SFT checkpoint, a spec)")
        from coderl.problems.prompts import check_style

        check_style(self.prompt_style, chat=True)
        if self.mode == "offline" and not self.offline_data:
            raise ConfigError("mode = offline needs offline_data: a `coderl critic data` JSONL")
        if self.reward.name != "unit_test":
            raise ConfigError(
                f"reward.name = {self.reward.name!r}: CodeRL's critic classes are the "
                "unit_test scale's outcomes; use unit_test"
            )
        if self.ce_weight < 0:
            raise ConfigError(f"ce_weight = {self.ce_weight}: use 0 (off) or more")
        for name in ("max_steps", "samples_per_step", "ce_batch_size", "micro_batch_size"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} = {getattr(self, name)}: use 1 or more")
        if self.optim.grad_accum_steps != 1:
            raise ConfigError("optim.grad_accum_steps: leave it at 1 (micro_batch_size splits)")

    @property
    def advantage_estimator(self) -> str:
        """`run_online` samples the greedy baseline for this estimator."""
        return "greedy_baseline"
