"""Typed configs of the learners: shared sub-configs and `SFTConfig`.

Defaults and help text live only here (``--help`` prints them with `describe_config`);
``__post_init__`` rejects values that cannot work and says what to write instead. Later
learners (critic, CodeRL, PPO, GRPO) reuse `OptimConfig`, `CheckpointConfig` and
`LoggingConfig` as sections of their own config.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from coderl.errors import ConfigError


def _help(text: str) -> dict[str, str]:
    return {"help": text}


@dataclass(frozen=True)
class OptimConfig:
    """AdamW with warmup and a decay schedule; one optimizer step per ``grad_accum_steps``
    micro-batches."""

    lr: float = field(default=5e-5, metadata=_help("peak learning rate (after warmup)"))
    weight_decay: float = field(
        default=0.0, metadata=_help("AdamW decoupled weight decay (not applied to biases/norms)")
    )
    betas: tuple[float, float] = field(default=(0.9, 0.999), metadata=_help("AdamW betas"))
    eps: float = field(default=1e-8, metadata=_help("AdamW epsilon"))
    warmup_steps: int = field(
        default=0, metadata=_help("optimizer steps of linear warmup from 0 to lr")
    )
    schedule: Literal["constant", "linear", "cosine"] = field(
        default="cosine", metadata=_help("learning-rate decay after warmup, to 0 at the last step")
    )
    max_grad_norm: float | None = field(
        default=1.0, metadata=_help("clip the global gradient norm to this (null: no clipping)")
    )
    grad_accum_steps: int = field(
        default=1, metadata=_help("micro-batches accumulated into one optimizer step")
    )

    def __post_init__(self) -> None:
        if self.lr <= 0:
            raise ConfigError(f"optim.lr = {self.lr}: use a positive learning rate, e.g. 5e-5")
        if self.weight_decay < 0:
            raise ConfigError(f"optim.weight_decay = {self.weight_decay}: use 0 or more")
        if len(self.betas) != 2 or not all(0 <= b < 1 for b in self.betas):
            raise ConfigError(f"optim.betas = {self.betas}: use two values in [0, 1)")
        if self.warmup_steps < 0:
            raise ConfigError(f"optim.warmup_steps = {self.warmup_steps}: use 0 or more")
        if self.max_grad_norm is not None and self.max_grad_norm <= 0:
            raise ConfigError(
                f"optim.max_grad_norm = {self.max_grad_norm}: use a positive norm, "
                "or null to turn clipping off"
            )
        if self.grad_accum_steps < 1:
            raise ConfigError(f"optim.grad_accum_steps = {self.grad_accum_steps}: use 1 or more")


@dataclass(frozen=True)
class CheckpointConfig:
    """When to write ``step_N/`` folders under the run's output_dir, and how many to keep."""

    every_steps: int = field(
        default=500, metadata=_help("save every N optimizer steps (the last step is always saved)")
    )
    keep_last: int | None = field(
        default=3, metadata=_help("keep only the newest N checkpoints (null: keep all)")
    )

    def __post_init__(self) -> None:
        if self.every_steps < 1:
            raise ConfigError(f"checkpoint.every_steps = {self.every_steps}: use 1 or more")
        if self.keep_last is not None and self.keep_last < 1:
            raise ConfigError(
                f"checkpoint.keep_last = {self.keep_last}: use 1 or more, or null to keep all"
            )


@dataclass(frozen=True)
class LoggingConfig:
    """Where metrics go: ``metrics.jsonl`` and a TensorBoard folder under output_dir."""

    every_steps: int = field(
        default=10, metadata=_help("log the mean of the last N optimizer steps' metrics")
    )
    tensorboard: bool = field(
        default=True, metadata=_help("write TensorBoard events to output_dir/tensorboard")
    )
    jsonl: bool = field(default=True, metadata=_help("append records to output_dir/metrics.jsonl"))

    def __post_init__(self) -> None:
        if self.every_steps < 1:
            raise ConfigError(f"logging.every_steps = {self.every_steps}: use 1 or more")


@dataclass(frozen=True)
class SFTConfig:
    """Supervised fine-tuning on reference solutions: the warm start of CodeRL and PPOCoder."""

    model: str = field(
        metadata=_help("policy to start from: a built-in name, local folder, .gguf or hub id")
    )
    problems: str = field(
        metadata=_help("problem spec with reference solutions, e.g. mbpp:data/mbpp.jsonl@train")
    )
    prompt_style: str | None = field(
        default=None, metadata=_help("prompt template for build_prompt (null: the source's own)")
    )
    output_dir: str = field(
        default="runs/sft", metadata=_help("run folder: config.yaml, step_N/ checkpoints, logs")
    )
    batch_size: int = field(default=8, metadata=_help("examples per micro-batch"))
    max_steps: int | None = field(
        default=None, metadata=_help("optimizer steps to train; overrides epochs when set")
    )
    epochs: int | None = field(
        default=1, metadata=_help("passes over the data (used when max_steps is null)")
    )
    max_seq_len: int = field(
        default=1024,
        metadata=_help("tokens per example; the prompt is cut from the left, the solution kept"),
    )
    seed: int = field(default=0, metadata=_help("seeds the data order, dropout and init"))
    device: str = field(default="auto", metadata=_help("auto (cuda when present), cpu, cuda:N"))
    dtype: Literal["auto", "float32", "bfloat16"] = field(
        default="auto",
        metadata=_help(
            "compute dtype; weights stay float32, bfloat16 runs under autocast "
            "(auto: bfloat16 on cuda, float32 on cpu)"
        ),
    )
    optim: OptimConfig = field(default_factory=OptimConfig)
    checkpoint: CheckpointConfig = field(default_factory=CheckpointConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)

    def __post_init__(self) -> None:
        if not self.model:
            raise ConfigError("model is empty: set model: NAME_OR_PATH in the config")
        if not self.problems:
            raise ConfigError("problems is empty: set problems: SPEC, e.g. mbpp:PATH@train")
        from coderl.problems.prompts import check_style

        check_style(self.prompt_style)
        if self.batch_size < 1:
            raise ConfigError(f"batch_size = {self.batch_size}: use 1 or more")
        if self.max_steps is None and self.epochs is None:
            raise ConfigError("set max_steps or epochs: neither says when to stop")
        if self.max_steps is not None and self.max_steps < 1:
            raise ConfigError(f"max_steps = {self.max_steps}: use 1 or more, or null")
        if self.epochs is not None and self.epochs < 1:
            raise ConfigError(f"epochs = {self.epochs}: use 1 or more, or null")
        if self.max_seq_len < 8:
            raise ConfigError(f"max_seq_len = {self.max_seq_len}: use at least 8 tokens")
