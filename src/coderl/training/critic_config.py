"""The typed config of outcome-critic training (`coderl train critic`), torch-free so that
the CLI can describe it without importing torch."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from coderl.errors import ConfigError
from coderl.rewards.outcomes import OUTCOME_CLASSES
from coderl.training.configs import CheckpointConfig, LoggingConfig, OptimConfig

RESUME_INVARIANTS = ("backbone", "data", "eval_data", "eval_fraction", "num_classes", "seed")
RESUME_INVARIANTS += ("balance", "sources", "batch_size", "optim")


def _help(text: str) -> dict[str, str]:
    return {"help": text}


@dataclass(frozen=True)
class CriticConfig:
    """Train an outcome critic on `coderl critic data` files."""

    backbone: str = field(metadata=_help("model to start from (usually the SFT checkpoint)"))
    data: str = field(metadata=_help("critic data JSONL of the training problems"))
    eval_data: str | None = field(
        default=None,
        metadata=_help("critic data JSONL of held-out problems (null: hold out eval_fraction)"),
    )
    eval_fraction: float = field(
        default=0.1, metadata=_help("share of data's problems held out when eval_data is null")
    )
    num_classes: Literal[2, 4] = field(
        default=4, metadata=_help("4 outcome classes, or 2 (passed or not)")
    )
    sources: tuple[str, ...] = field(
        default=("sample", "greedy", "reference"),
        metadata=_help("record sources to train on (sample, greedy, reference)"),
    )
    balance: Literal["none", "class_weights", "sampler"] = field(
        default="class_weights",
        metadata=_help("none, inverse-frequency class weights in the loss, or balanced batches"),
    )
    output_dir: str = field(default="runs/critic", metadata=_help("run folder"))
    max_steps: int = field(default=300, metadata=_help("optimizer steps"))
    batch_size: int = field(default=16, metadata=_help("programs per step"))
    max_prompt_tokens: int = field(default=256, metadata=_help("prompt tokens kept (the last)"))
    max_program_tokens: int = field(default=256, metadata=_help("program tokens kept (first)"))
    seed: int = field(default=0, metadata=_help("seeds the head's init and the data order"))
    device: str = field(default="auto", metadata=_help("auto (cuda when present), cpu, cuda:N"))
    optim: OptimConfig = field(
        default_factory=lambda: OptimConfig(lr=1e-4, warmup_steps=10, schedule="cosine")
    )
    checkpoint: CheckpointConfig = field(
        default_factory=lambda: CheckpointConfig(every_steps=100, keep_last=1)
    )
    logging: LoggingConfig = field(default_factory=lambda: LoggingConfig(every_steps=10))

    def __post_init__(self) -> None:
        if not self.backbone or not self.data:
            raise ConfigError("backbone and data are required (an SFT checkpoint, a JSONL)")
        if self.num_classes not in OUTCOME_CLASSES:
            raise ConfigError(f"num_classes = {self.num_classes}: use 2 or 4")
        if not 0 < self.eval_fraction < 1:
            raise ConfigError(f"eval_fraction = {self.eval_fraction}: use a value in (0, 1)")
        unknown = set(self.sources) - {"sample", "greedy", "reference"}
        if unknown or not self.sources:
            raise ConfigError(f"sources = {list(self.sources)}: use sample, greedy, reference")
        for name in ("max_steps", "batch_size", "max_prompt_tokens", "max_program_tokens"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} = {getattr(self, name)}: use 1 or more")
