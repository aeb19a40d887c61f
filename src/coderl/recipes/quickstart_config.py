"""`QuickstartConfig`: one section per stage of the quickstart, with the tuned defaults.

The defaults are the tuned laptop run (docs/quickstart.md has the tuning table). The sections
expose only the knobs the quickstart needs; the stages build the library's own configs
(`SFTConfig`, `SamplingConfig`, `JudgeConfig`) from them. A section is named like its stage,
so that changing a section re-runs that stage and the ones after it (`coderl.recipes.pipeline`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from coderl.config import load_config
from coderl.errors import ConfigError

if TYPE_CHECKING:
    from coderl.generation.config import SamplingConfig

FAST_PRESET = "quickstart_fast"
CODERL_ALGORITHMS = ("coderl", "coderl-offline")
"""RL algorithms that need the critic stage (critic data, then the trained critic)."""
# Each learner's rate when rl.lr is null: the critic-free family's chosen for GRPO on 600
# validation problems over three seeds (docs/quickstart.md); PPO's and CodeRL's are those
# their quickstart figures were measured with.
TUNED_RL_LR = {"ppo": 1.5e-4, "coderl": 3e-4, "coderl-offline": 3e-4}
CRITIC_FREE_LR = 1e-4


def _help(text: str) -> dict[str, str]:
    return {"help": text}


@dataclass(frozen=True)
class TestbedConfig:
    """Which problems to train and evaluate on (any problem specs work)."""

    __test__ = False  # not a pytest test class, despite its name

    train: str = field(
        default="synthetic:n=6000@train",
        metadata=_help("problem spec of the SFT problems (6000: 2000 seen 10 times are memorised)"),
    )
    rl: str | None = field(
        default=None,
        metadata=_help(
            "problem spec of the RL problems (null: the train problems); they need tests, "
            "not solutions"
        ),
    )
    validation: str = field(
        default="synthetic@validation[0:100]",
        metadata=_help("problem spec for tuning and for RL's held-out curve (never test)"),
    )
    test: str = field(
        default="synthetic@test[0:100]",
        metadata=_help("problem spec of the held-out problems the report scores"),
    )


@dataclass(frozen=True)
class TinyModelConfig:
    """The tokenizer (byte-level BPE on the train prompts and solutions) and the tiny Llama."""

    vocab_size: int = field(default=1024, metadata=_help("BPE vocabulary, incl. 256 bytes"))
    hidden: int = field(default=128, metadata=_help("hidden size (MLP: 4x)"))
    layers: int = field(default=2, metadata=_help("transformer layers"))
    heads: int = field(default=4, metadata=_help("attention heads (hidden must divide)"))
    max_positions: int = field(default=1024, metadata=_help("longest sequence the model takes"))

    def __post_init__(self) -> None:
        if self.hidden % self.heads:
            raise ConfigError(
                f"model.hidden = {self.hidden} is not divisible by model.heads = {self.heads}"
            )


@dataclass(frozen=True)
class TrainConfig:
    """Supervised fine-tuning from random init on the train problems' reference solutions."""

    steps: int = field(default=1200, metadata=_help("optimizer steps"))
    batch_size: int = field(default=16, metadata=_help("examples per step"))
    max_seq_len: int = field(default=320, metadata=_help("tokens per example (prompt cut first)"))
    lr: float = field(default=3e-3, metadata=_help("peak learning rate"))
    warmup_steps: int = field(default=50, metadata=_help("linear warmup steps"))
    schedule: Literal["constant", "linear", "cosine"] = field(
        default="cosine", metadata=_help("learning-rate decay after warmup")
    )
    log_every: int = field(default=10, metadata=_help("steps per metrics record (loss curve)"))
    checkpoint_every: int = field(
        default=250, metadata=_help("steps between checkpoints (an interrupted run resumes)")
    )

    def __post_init__(self) -> None:
        for name in ("steps", "batch_size", "log_every", "checkpoint_every"):
            if getattr(self, name) < 1:
                raise ConfigError(f"sft.{name} = {getattr(self, name)}: use 1 or more")


@dataclass(frozen=True)
class RLStageConfig:
    """Online RL from the judge's rewards, starting from the SFT checkpoint, on the train
    problems; ``eval/pass@1`` is measured on the validation problems."""

    enabled: bool = field(default=True, metadata=_help("run the RL stage (false: SFT only)"))
    algorithm: str = field(
        default="rloo",
        metadata=_help(
            "the learner: grpo, drgrpo, rloo, reinforce, ppo, coderl (online) or coderl-offline"
        ),
    )
    steps: int = field(default=60, metadata=_help("RL steps (rollout + update)"))
    prompts_per_step: int = field(default=96, metadata=_help("train problems per step"))
    group_size: int = field(default=4, metadata=_help("programs sampled per problem"))
    temperature: float = field(default=1.0, metadata=_help("sampling temperature"))
    max_new_tokens: int = field(default=96, metadata=_help("tokens per program at most"))
    lr: float | None = field(
        default=None,
        metadata=_help(
            "learning rate, constant (null: the learner's, tuned on validation: 1e-4 for "
            "grpo/drgrpo/rloo/reinforce, 1.5e-4 for ppo, 3e-4 for coderl)"
        ),
    )
    kl_beta: float = field(default=0.0, metadata=_help("KL penalty to the SFT policy"))
    reward: str = field(default="unit_test", metadata=_help("reward name (coderl.rewards)"))
    micro_batch_size: int = field(default=64, metadata=_help("sequences per forward/backward"))
    eval_every: int = field(default=20, metadata=_help("steps between validation evaluations"))
    checkpoint_every: int = field(default=20, metadata=_help("steps between checkpoints"))

    def __post_init__(self) -> None:
        from coderl.training.rl_configs import ALGORITHMS

        valid = (*ALGORITHMS, "ppo", *CODERL_ALGORITHMS)
        if self.algorithm not in valid:
            raise ConfigError(f"rl.algorithm = {self.algorithm!r}: valid: {', '.join(valid)}")
        for name in (
            "steps",
            "prompts_per_step",
            "micro_batch_size",
            "eval_every",
            "checkpoint_every",
            "max_new_tokens",
        ):
            if getattr(self, name) < 1:
                raise ConfigError(f"rl.{name} = {getattr(self, name)}: use 1 or more")
        if self.group_size < 2:
            raise ConfigError(f"rl.group_size = {self.group_size}: use 2 or more")
        if self.lr is not None and self.lr <= 0:
            raise ConfigError(f"rl.lr = {self.lr}: use a positive rate, or null")

    @property
    def learning_rate(self) -> float:
        """``lr``, or the algorithm's own rate when it is null."""
        if self.lr is not None:
            return self.lr
        return TUNED_RL_LR.get(self.algorithm, CRITIC_FREE_LR)


@dataclass(frozen=True)
class CriticStageConfig:
    """CodeRL's outcome critic (only with rl.algorithm coderl or coderl-offline): programs
    sampled from the SFT policy on train problems, judged, and a critic trained on them;
    its report is on programs of the validation problems."""

    problems: int = field(default=160, metadata=_help("train problems sampled for its data"))
    eval_problems: int = field(default=50, metadata=_help("validation problems for its report"))
    n: int = field(default=4, metadata=_help("programs sampled per problem"))
    steps: int = field(default=120, metadata=_help("critic optimizer steps"))
    batch_size: int = field(default=16, metadata=_help("programs per critic step"))
    lr: float = field(default=3e-4, metadata=_help("critic peak learning rate (cosine)"))
    num_classes: Literal[2, 4] = field(default=4, metadata=_help("4 outcomes, or 2"))
    ce_weight: float = field(
        default=1.0, metadata=_help("actor-critic: weight of the CE on reference solutions")
    )
    offline_lr: float = field(
        default=3e-5,
        metadata=_help(
            "coderl-offline's learning rate (rl.lr is online's; at 3e-4 offline training on "
            "stored SFT samples collapsed, docs/BENCHMARKS.md)"
        ),
    )

    def __post_init__(self) -> None:
        for name in ("problems", "eval_problems", "n", "steps", "batch_size"):
            if getattr(self, name) < 1:
                raise ConfigError(f"critic.{name} = {getattr(self, name)}: use 1 or more")


@dataclass(frozen=True)
class CriticSamplingStageConfig:
    """CodeRL's critic sampling on the test problems against plain sampling at the same budget
    of generated tokens (needs the critic: rl.algorithm coderl or coderl-offline)."""

    enabled: bool = field(default=False, metadata=_help("run the critic_sampling stage"))
    refine: bool = field(default=True, metadata=_help("refine example-passing programs"))
    repair: bool = field(
        default=False, metadata=_help("train a repair model on the critic data and repair")
    )
    repair_steps: int = field(default=150, metadata=_help("repair model optimizer steps"))
    repair_top_m: int = field(default=2, metadata=_help("failing programs repaired per problem"))
    repair_rounds: int = field(default=1, metadata=_help("rounds of repair"))

    def __post_init__(self) -> None:
        for name in ("repair_steps", "repair_top_m", "repair_rounds"):
            if getattr(self, name) < 1:
                raise ConfigError(f"critic_sampling.{name} = {getattr(self, name)}: use 1 or more")


@dataclass(frozen=True)
class SampleConfig:
    """Programs per test problem: one greedy (greedy pass@1) and ``n`` at ``temperature``."""

    n: int = field(default=10, metadata=_help("temperature samples per problem, for pass@k"))
    temperature: float = field(default=0.8, metadata=_help("temperature of the n samples"))
    top_p: float = field(default=0.95, metadata=_help("nucleus mass of the n samples"))
    max_new_tokens: int = field(default=96, metadata=_help("tokens per program at most"))
    batch_size: int = field(default=32, metadata=_help("sequences per forward pass"))

    def __post_init__(self) -> None:
        self.sampling(greedy=False)  # its checks name the field at fault

    def sampling(self, greedy: bool, seed: int = 0) -> SamplingConfig:
        """The sampler's config: greedy (one program) or the n temperature samples."""
        from coderl.generation.config import SamplingConfig  # imports torch: not at CLI start

        return SamplingConfig(
            n=1 if greedy else self.n,
            greedy=greedy,
            temperature=self.temperature,
            top_p=self.top_p,
            max_new_tokens=self.max_new_tokens,
            batch_size=self.batch_size,
            seed=seed,
        )


@dataclass(frozen=True)
class JudgeStageConfig:
    """The real judge on the hidden tests; tight limits since the reference runs take ms."""

    cpu_time_s: float = field(default=1.0, metadata=_help("CPU seconds per test"))
    workers: int | None = field(default=None, metadata=_help("judge processes (null: one per CPU)"))
    stop_at_first_failure: bool = field(
        default=True, metadata=_help("stop a program at its first failed test (pass/fail only)")
    )


@dataclass(frozen=True)
class ReportConfig:
    """What the report shows."""

    ks: tuple[int, ...] = field(
        default=(1, 5, 10), metadata=_help("pass@k of the temperature samples (k <= sample.n)")
    )


@dataclass(frozen=True)
class QuickstartConfig:
    """The whole pipeline: testbed, tokenizer+model, SFT, (critic,) RL, sampling, judging,
    report."""

    seed: int = field(default=0, metadata=_help("seeds model init, SFT data order, sampling"))
    prompt_style: str | None = field(
        default=None, metadata=_help("prompt template (null: each problem's own)")
    )
    testbed: TestbedConfig = field(default_factory=TestbedConfig)
    model: TinyModelConfig = field(default_factory=TinyModelConfig)
    sft: TrainConfig = field(default_factory=TrainConfig)
    rl: RLStageConfig = field(default_factory=RLStageConfig)
    critic: CriticStageConfig = field(default_factory=CriticStageConfig)
    sample: SampleConfig = field(default_factory=SampleConfig)
    judge: JudgeStageConfig = field(default_factory=JudgeStageConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    critic_sampling: CriticSamplingStageConfig = field(default_factory=CriticSamplingStageConfig)

    def __post_init__(self) -> None:
        from coderl.problems.prompts import check_style

        check_style(self.prompt_style)
        too_big = [k for k in self.report.ks if not 1 <= k <= self.sample.n]
        if too_big:
            raise ConfigError(
                f"report.ks = {list(self.report.ks)}: pass@{too_big[0]} needs 1 <= k <= "
                f"sample.n = {self.sample.n}; drop it or raise sample.n"
            )

    @property
    def policies(self) -> tuple[str, ...]:
        """The policies the report compares: ``sft``, then the RL algorithm's name."""
        return ("sft", self.rl.algorithm) if self.rl.enabled else ("sft",)

    @property
    def uses_critic(self) -> bool:
        return self.rl.enabled and self.rl.algorithm in CODERL_ALGORITHMS


def preset_path(name: str) -> Path:
    """The YAML of a preset shipped with coderl (``coderl/configs/NAME.yaml``)."""
    return Path(str(resources.files("coderl") / "configs" / f"{name}.yaml"))


def load_quickstart_config(
    config: str | None = None, overrides: list[str] = (), fast: bool = False
) -> QuickstartConfig:
    """Defaults, then ``config`` (a YAML path, or a preset name such as ``quickstart_fast``),
    then ``key=value`` overrides; ``fast`` is the ``quickstart_fast`` preset."""
    if fast and config is not None:
        raise ConfigError("--fast is the quickstart_fast preset; give it or --config, not both")
    name = FAST_PRESET if fast else config
    path = None
    if name is not None:
        path = Path(name)
        if not path.exists() and preset_path(name).is_file():
            path = preset_path(name)
    config = load_config(QuickstartConfig, path, overrides)
    check_critic_sampling(config)
    return config


def check_critic_sampling(config: QuickstartConfig) -> None:
    """Critic sampling needs the critic stage's critic. (Not in `__post_init__`: the CodeRL
    stage derives configs with other algorithms from the run's.)"""
    if config.critic_sampling.enabled and not config.uses_critic:
        raise ConfigError(
            "critic_sampling.enabled needs a trained critic: set rl.algorithm=coderl "
            "(or coderl-offline), with rl.enabled=true"
        )
