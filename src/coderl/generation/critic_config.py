"""`CriticSamplingConfig`: how critic sampling spends its samples (no torch at import, so the
CLI's ``--help`` and config loading stay fast)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from coderl.errors import ConfigError


def _help(text: str) -> dict[str, str]:
    return {"help": text}


@dataclass(frozen=True)
class CriticSamplingConfig:
    """How critic sampling spends its samples; the sampling parameters themselves (N = ``n``,
    temperature, top-p, max_new_tokens, seed) are the run's `SamplingConfig`."""

    refine: bool = field(
        default=True, metadata=_help("resample from the best prefix of example-passing programs")
    )
    repair_top_m: int = field(
        default=2, metadata=_help("failing programs repaired per problem and round")
    )
    repair_rounds: int = field(default=1, metadata=_help("rounds of repair"))
    repair_samples: int = field(default=1, metadata=_help("fixes sampled per repaired program"))
    repair_when: Literal["no_pass", "always"] = field(
        default="no_pass",
        metadata=_help("repair only problems where nothing passes the examples, or always"),
    )
    critic_batch_size: int = field(default=32, metadata=_help("programs per critic forward"))

    def __post_init__(self) -> None:
        for name in ("repair_top_m", "repair_rounds", "repair_samples", "critic_batch_size"):
            if getattr(self, name) < 1:
                raise ConfigError(f"critic_sampling.{name} = {getattr(self, name)}: use 1 or more")
        if self.repair_when not in ("no_pass", "always"):
            raise ConfigError(
                f"critic_sampling.repair_when = {self.repair_when!r}: use no_pass or always"
            )
