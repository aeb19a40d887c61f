"""`SamplingConfig`: how programs are sampled; a section of every learner's config."""

from __future__ import annotations

from dataclasses import dataclass, field

from coderl.errors import ConfigError


def _help(text: str) -> dict[str, str]:
    return {"help": text}


@dataclass(frozen=True)
class SamplingConfig:
    """Sampling parameters; processing order is temperature, then top-k, then top-p."""

    n: int = field(default=1, metadata=_help("samples per prompt"))
    temperature: float = field(
        default=1.0, metadata=_help("divide logits by this before top-k/top-p (> 0)")
    )
    top_p: float = field(
        default=1.0, metadata=_help("nucleus: keep the smallest set of tokens with this mass")
    )
    top_k: int = field(default=0, metadata=_help("keep the k most likely tokens (0: all)"))
    max_new_tokens: int = field(default=256, metadata=_help("tokens generated per sample at most"))
    stop: tuple[str, ...] = field(
        default=(), metadata=_help("stop when the generated text contains one of these")
    )
    greedy: bool = field(
        default=False, metadata=_help("argmax decoding (ignores temperature/top-k/top-p)")
    )
    seed: int = field(default=0, metadata=_help("samples are a function of seed and prompt"))
    batch_size: int = field(default=16, metadata=_help("sequences per forward pass"))

    def __post_init__(self) -> None:
        if self.n < 1:
            raise ConfigError(f"sampling.n = {self.n}: use 1 or more samples per prompt")
        if self.temperature <= 0 and not self.greedy:
            raise ConfigError(
                f"sampling.temperature = {self.temperature}: use a positive temperature, "
                "or greedy: true for argmax decoding"
            )
        if not 0 < self.top_p <= 1:
            raise ConfigError(f"sampling.top_p = {self.top_p}: use a value in (0, 1]")
        if self.top_k < 0:
            raise ConfigError(f"sampling.top_k = {self.top_k}: use 0 (off) or a positive k")
        if self.max_new_tokens < 1:
            raise ConfigError(f"sampling.max_new_tokens = {self.max_new_tokens}: use 1 or more")
        if self.batch_size < 1:
            raise ConfigError(f"sampling.batch_size = {self.batch_size}: use 1 or more")
        if any(not s for s in self.stop):
            raise ConfigError("sampling.stop: empty stop strings would stop at once; remove them")
