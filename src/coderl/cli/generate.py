"""`coderl generate`: sample programs from a model for a benchmark, into a samples JSONL."""

from __future__ import annotations

import argparse
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from coderl.cli.options import (
    DTYPES,
    Flag,
    add_config_arguments,
    add_flags,
    add_progress_argument,
    load_command_config,
    load_problem_list,
    nonnegative_int,
    positive_float,
    positive_int,
)
from coderl.errors import CoderlError, ConfigError
from coderl.execution.limits import JudgeConfig
from coderl.generation.config import SamplingConfig
from coderl.generation.critic_config import CriticSamplingConfig

DESCRIPTION = """Sample programs from a model for a benchmark.

Appends one JSON line per sample to --out: {"problem_id", "sample_index", "completion",
"program", "finished", "num_tokens", "text"?}. Run it again to resume: problems with all
their samples in the file are skipped. The settings are saved next to the file
(OUT.config.yaml); resuming with other sampling settings is refused.

--strategy critic (CodeRL's critic sampling, docs/critic_sampling.md) samples N = --n programs
per problem, refines the ones passing the example tests from their best prefix by the --critic,
optionally repairs failing ones with a --repair model, and writes each problem's programs in
submission order, with the budget spent (programs, generated tokens) in OUT.budget.json.
--strategy plain --budget CRITIC_OUT.budget.json samples each problem to exactly the same
number of generated tokens, for a comparison at equal cost. Neither of these resumes.
"""

# Settings that change what a sample index holds; resuming must not mix them.
RESUME_KEYS = (
    "model",
    "prompt_style",
    "temperature",
    "top_p",
    "top_k",
    "max_new_tokens",
    "stop",
    "greedy",
    "seed",
)

Dtype = Literal["auto", "float32", "bfloat16", "float16"]  # = options.DTYPES (tested)
Strategy = Literal["plain", "critic"]
STRATEGIES = ("plain", "critic")


def _help(text: str) -> dict[str, str]:
    return {"help": text}


@dataclass(frozen=True)
class GenerationSettings:
    """How the model is run: prompt format, device, dtype."""

    prompt_style: str | None = field(
        default=None,
        metadata=_help("prompt format (null: each benchmark's own; chat: the chat template)"),
    )
    device: str = field(default="cpu", metadata=_help("cpu, cuda, cuda:N or auto"))
    dtype: Dtype = field(default="auto", metadata=_help("weights' dtype (auto: by device)"))

    def __post_init__(self) -> None:
        from coderl.problems.prompts import check_style

        check_style(self.prompt_style, "generation.prompt_style", chat=True)


@dataclass(frozen=True)
class GenerateCommandConfig:
    """What `coderl generate` samples, from which model, into which file."""

    model: str = field(metadata=_help("built-in name, folder, .gguf or hub id"))
    problems: str = field(metadata=_help("problem spec, e.g. humaneval[0:20]"))
    out: str = field(metadata=_help("samples JSONL to append to (resumed)"))
    generation: GenerationSettings = field(default_factory=GenerationSettings)
    sampling: SamplingConfig = field(default_factory=SamplingConfig)
    strategy: Strategy = field(
        default="plain", metadata=_help("plain sampling, or critic sampling (--critic)")
    )
    critic: str | None = field(default=None, metadata=_help("critic checkpoint (critic)"))
    repair: str | None = field(default=None, metadata=_help("repair model checkpoint (critic)"))
    budget: str | None = field(
        default=None, metadata=_help("plain: sample to the token budget of this budget file")
    )
    critic_sampling: CriticSamplingConfig = field(default_factory=CriticSamplingConfig)
    judge: JudgeConfig = field(default_factory=JudgeConfig)

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGIES:
            raise ConfigError(f"--strategy {self.strategy!r}: use one of {', '.join(STRATEGIES)}")
        if self.strategy == "critic":
            if not self.critic:
                raise ConfigError("--strategy critic needs --critic CKPT (`coderl train critic`)")
            if self.budget:
                raise ConfigError("--budget goes with --strategy plain (critic sets the budget)")
        else:
            for name in ("critic", "repair"):
                if getattr(self, name):
                    raise ConfigError(f"--{name} goes with --strategy critic")


SAMPLING_TYPES = {
    "n": positive_int,
    "temperature": positive_float,
    "top_p": positive_float,
    "top_k": nonnegative_int,
    "max_new_tokens": positive_int,
    "batch_size": positive_int,
    "seed": int,
}


def model_flags() -> tuple[Flag, ...]:
    """Prompt, device, dtype and one option per SamplingConfig field (shared with
    `coderl evaluate --model`)."""
    from coderl.problems.prompts import PROMPT_STYLES

    flags = [
        Flag(
            "--prompt-style",
            "generation.prompt_style",
            "prompt format (chat: the model's chat template)",
            choices=(*PROMPT_STYLES, "chat"),
            default_text="each benchmark's own",
        ),
        Flag("--device", "generation.device", "cpu, cuda, cuda:N or auto"),
        Flag("--dtype", "generation.dtype", "weights' dtype (auto: by device)", choices=DTYPES),
    ]
    for f in dataclasses.fields(SamplingConfig):
        option, key, text = (
            "--" + f.name.replace("_", "-"),
            f"sampling.{f.name}",
            f.metadata["help"],
        )
        if f.name == "stop":
            flags.append(
                Flag(
                    option,
                    key,
                    f"{text} (repeatable)",
                    action="append",
                    default_text="Codex's stops for humaneval-style prompts, none otherwise",
                )
            )
        elif f.type in ("bool", bool):
            flags.append(Flag(option, key, text, action="store_true"))
        else:
            flags.append(Flag(option, key, text, SAMPLING_TYPES[f.name]))
    return tuple(flags)


def command_flags() -> tuple[Flag, ...]:
    return (
        Flag("--model", "model", "built-in name, folder, .gguf or hub id", metavar="MODEL"),
        Flag("--problems", "problems", "problem spec, e.g. humaneval[0:20]", metavar="SPEC"),
        Flag("--out", "out", "samples JSONL to append to (resumed)", metavar="FILE"),
        *model_flags(),
        Flag("--strategy", "strategy", "plain or critic sampling", choices=STRATEGIES),
        Flag("--critic", "critic", "critic checkpoint (--strategy critic)", metavar="CKPT"),
        Flag("--repair", "repair", "repair model checkpoint (--strategy critic)", metavar="CKPT"),
        Flag(
            "--budget",
            "budget",
            "budget file of a critic run: plain sampling spends the same tokens per problem",
            metavar="FILE",
        ),
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_flags(parser, command_flags(), GenerateCommandConfig)
    add_progress_argument(parser)
    add_config_arguments(parser, GenerateCommandConfig)


def run(args: argparse.Namespace) -> int:
    from coderl.files import check_output_file

    config = load_command_config(GenerateCommandConfig, args, command_flags())
    inputs = {
        **model_inputs(config.problems, config.model),
        "--critic": config.critic,
        "--repair": config.repair,
        "--budget": config.budget,
    }
    out = check_output_file(config.out, "--out", inputs)
    problems = load_problem_list(config.problems)
    if config.strategy == "critic" or config.budget:
        generate_strategy(config, problems, out, progress=not args.no_progress)
    else:
        generate_into(config, problems, out, progress=not args.no_progress)
    return 0


def generate_strategy(
    config: GenerateCommandConfig, problems: list, out: Path, progress: bool
) -> None:
    """Critic sampling, or plain sampling at a critic run's budget (see
    `coderl.generation.strategies`)."""
    from coderl.generation.budget import read_budget
    from coderl.generation.strategies import generate_critic, generate_plain
    from coderl.models import load_policy

    gen = config.generation
    sampling = sampling_config(config, problems)
    budget = read_budget(config.budget) if config.budget else None  # bad file: before loading
    policy = load_policy(config.model, device=gen.device, dtype=gen.dtype)
    if budget is not None:
        spent = generate_plain(policy, problems, out, sampling, budget, gen.prompt_style)
    else:
        from coderl.models.critic import OutcomeCritic

        critic = OutcomeCritic.from_pretrained(config.critic, dtype=gen.dtype, device=gen.device)
        repair = None
        if config.repair:
            repair = load_policy(config.repair, device=gen.device, dtype=gen.dtype)
        spent = generate_critic(
            policy,
            critic,
            problems,
            out,
            sampling,
            config.critic_sampling,
            repair,
            gen.prompt_style,
            config.judge,
            progress=progress,
        )
    total = spent.total
    print(
        f"{out}: {config.strategy} sampling, {total.programs} programs and {total.tokens} "
        f"generated tokens for {len(problems)} problems (budget: {out.name}.budget.json)"
    )


def model_inputs(problems_spec: str | None, model: str | None) -> dict[str, str | None]:
    """The input paths of a generating run, by the option that names them."""
    from coderl.problems.spec import parse_spec

    spec_path = parse_spec(problems_spec).path if problems_spec else None
    model_path = model if model and Path(model).exists() else None
    return {"--problems": spec_path, "--model": model_path}


def sampling_config(config: Any, problems: list) -> SamplingConfig:
    """The sampling settings, with the benchmark's default stops when none were given."""
    from coderl.generation.runner import default_stops

    if config.sampling.stop:
        return config.sampling
    stops = default_stops(problems, config.generation.prompt_style)
    return dataclasses.replace(config.sampling, stop=tuple(stops))


def generate_into(config: Any, problems: list, out: Path, *, progress: bool) -> None:
    """Sample ``problems`` into ``out`` as ``config`` says (resuming a partial file); shared
    by `generate` and `evaluate --model`."""
    from coderl.generation.runner import generate_samples
    from coderl.models import load_policy

    sampling = sampling_config(config, problems)
    gen = config.generation
    settings = {
        "model": config.model,
        "problems": config.problems,
        **dataclasses.asdict(gen),
        **dataclasses.asdict(sampling),
    }
    _check_resume(out, settings)
    policy = load_policy(config.model, device=gen.device, dtype=gen.dtype)
    _save_settings(out, settings)
    summary = generate_samples(
        policy, problems, out, sampling, prompt_style=gen.prompt_style, progress=progress
    )
    print(
        f"{summary.path}: wrote {summary.written} samples for {summary.problems} problems "
        f"({summary.skipped} already complete)"
    )


def _settings_path(out: Path) -> Path:
    return out.with_name(out.name + ".config.yaml")


def _check_resume(out: Path, settings: dict[str, Any]) -> None:
    import yaml

    saved_path = _settings_path(out)
    if not (out.exists() and saved_path.exists()):
        return
    saved = yaml.safe_load(saved_path.read_text()) or {}
    for key in RESUME_KEYS:
        new = list(settings[key]) if key == "stop" else settings[key]
        if saved.get(key) != new:
            raise CoderlError(
                f"{out} was written with {key} = {saved.get(key)!r}, not {new!r} "
                f"(see {saved_path}); use the same settings to resume, or another --out"
            )


def _save_settings(out: Path, settings: dict[str, Any]) -> None:
    import yaml

    from coderl.files import write_atomic

    plain = {k: list(v) if isinstance(v, tuple) else v for k, v in settings.items()}
    write_atomic(_settings_path(out), yaml.safe_dump(plain, sort_keys=False))
