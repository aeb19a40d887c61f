"""`coderl evaluate`: judge samples and report pass@k (and n@k where example tests exist)."""

from __future__ import annotations

import argparse
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from coderl.cli.generate import GenerationSettings, model_flags, model_inputs
from coderl.cli.judge import (
    JUDGE_FLAGS,
    TestSelection,
    check_tests,
    input_paths,
    judge_samples,
    judge_settings,
    samples_per_problem,
    select_samples,
)
from coderl.cli.options import (
    Flag,
    add_config_arguments,
    add_flags,
    add_overwrite_argument,
    add_progress_argument,
    load_command_config,
    load_problem_list,
    warn,
)
from coderl.cli.report import add_no_report_argument, write_run_report
from coderl.errors import CoderlError, ConfigError
from coderl.execution.limits import JudgeConfig
from coderl.generation.config import SamplingConfig

if TYPE_CHECKING:
    from coderl.evaluation.provenance import Provenance
    from coderl.evaluation.report import Report

DESCRIPTION = """Judge samples and report pass@k per difficulty, with bootstrap confidence
intervals, and n@k (submit n of k samples after filtering by the example tests).

The samples come from one of: --samples FILE (judged here), --model MODEL (generated first,
into OUT/samples.jsonl, resumed if interrupted: the code path of `coderl generate`), or
--judgements FILE (an earlier run's judgements: the report is rebuilt without judging).
--out is a folder: report.json, report.md, judgements.jsonl (and example-judgements.jsonl
for n@k). An existing report there is replaced only with --overwrite.

--task translation or completion scores the samples against reference programs instead
(compile rate, BLEU, CodeBLEU, exact match; completion: exact match, edit similarity,
compile rate of programs whose last --mask-tokens tokens were masked).

Samples with a budget file beside them (SAMPLES.budget.json, from `coderl generate --strategy
critic`, or plain at its --budget) are budgeted pools: pass@k and n@k at the budget's k score
each problem's whole pool (n@k submits its first n after the example filter, in the file's
order), and the report carries the budget (programs, generated tokens).
"""
TASKS = ("synthesis", "translation", "completion")

REPORT_JSON = "report.json"
REPORT_MD = "report.md"
JUDGEMENTS = "judgements.jsonl"
EXAMPLE_JUDGEMENTS = "example-judgements.jsonl"
SAMPLES = "samples.jsonl"


def _help(text: str) -> dict[str, str]:
    return {"help": text}


@dataclass(frozen=True)
class EvaluateCommandConfig:
    """What `coderl evaluate` scores, and how its samples are made and judged."""

    out: str = field(metadata=_help("report folder"))
    problems: str | None = field(
        default=None, metadata=_help("problem spec (with --judgements: the file's own)")
    )
    samples: str | None = field(default=None, metadata=_help("samples JSONL to judge"))
    model: str | None = field(default=None, metadata=_help("generate the samples with it"))
    judgements: str | None = field(default=None, metadata=_help("judgements JSONL to report"))
    example_judgements: str | None = field(
        default=None, metadata=_help("with --judgements: its example-test judgements (n@k)")
    )
    k: tuple[int, ...] = field(default=(1, 10, 100), metadata=_help("pass@k for these k"))
    n_at_k: tuple[str, ...] = field(default=("1@10",), metadata=_help("n@k metrics, e.g. 1@10"))
    tests: TestSelection = field(default="hidden", metadata=_help("which tests to run"))
    stop_at_first_failure: bool = field(
        default=False, metadata=_help("skip a program's remaining tests after a failure")
    )
    judge: JudgeConfig = field(default_factory=JudgeConfig)
    generation: GenerationSettings = field(default_factory=GenerationSettings)
    sampling: SamplingConfig = field(default_factory=SamplingConfig)
    task: str = field(
        default="synthesis", metadata=_help("synthesis (tests), translation or completion")
    )
    mask_tokens: int = field(
        default=25, metadata=_help("completion: the last N tokens of each reference masked")
    )

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise ConfigError(f"task = {self.task!r}; valid: {', '.join(TASKS)}")
        if self.mask_tokens < 1:
            raise ConfigError(f"mask_tokens = {self.mask_tokens}: give a whole number >= 1")
        if not self.k or min(self.k) < 1:
            raise ConfigError(f"k = {list(self.k)}: give whole numbers >= 1, e.g. [1, 10]")
        for item in self.n_at_k:
            parse_pair(item)
        sources = [s for s in ("samples", "model", "judgements") if getattr(self, s)]
        if len(sources) > 1:
            raise ConfigError(f"give one of --samples, --model, --judgements, not {sources}")
        if self.example_judgements and not self.judgements:
            raise ConfigError("--example-judgements goes with --judgements")

    @property
    def n_at_k_pairs(self) -> tuple[tuple[int, int], ...]:
        return tuple(parse_pair(item) for item in self.n_at_k)


def parse_pair(item: str) -> tuple[int, int]:
    n, sep, k = str(item).strip().partition("@")
    if not (sep and n.isdigit() and k.isdigit() and 0 < int(n) <= int(k)):
        raise ConfigError(f"n@k {item!r}: write n@k with 0 < n <= k, e.g. 1@10")
    return int(n), int(k)


def parse_ks(text: str) -> tuple[int, ...]:
    """--k: comma-separated whole numbers >= 1."""
    try:
        ks = tuple(int(k) for k in text.split(",") if k.strip())
    except ValueError:
        ks = ()
    if not ks or min(ks) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give whole numbers >= 1, e.g. 1,10")
    return ks


def parse_n_at_k(text: str) -> tuple[str, ...]:
    """--n-at-k: comma-separated n@k ('' for none)."""
    items = tuple(part.strip() for part in text.split(",") if part.strip())
    for item in items:
        try:
            parse_pair(item)
        except ConfigError as err:
            raise argparse.ArgumentTypeError(str(err)) from None
    return items


def command_flags() -> tuple[Flag, ...]:
    return (
        Flag("--problems", "problems", "problem spec, e.g. humaneval", metavar="SPEC"),
        Flag("--samples", "samples", "samples JSONL to judge", metavar="FILE"),
        Flag("--model", "model", "generate the samples with this model first", metavar="MODEL"),
        Flag("--judgements", "judgements", "rebuild the report from these", metavar="FILE"),
        Flag(
            "--example-judgements",
            "example_judgements",
            "with --judgements: the example-test judgements, for n@k",
            metavar="FILE",
        ),
        Flag("--out", "out", "report folder", metavar="DIR"),
        Flag("--k", "k", "comma-separated ks for pass@k", parse_ks, metavar="K,..."),
        Flag(
            "--n-at-k",
            "n_at_k",
            "comma-separated n@k metrics ('' for none); reported where k samples per problem "
            "exist and the problems have example tests",
            parse_n_at_k,
            metavar="N@K,...",
        ),
        Flag("--task", "task", "what the samples solve", choices=TASKS),
        Flag("--mask-tokens", "mask_tokens", "completion: tokens masked", int, metavar="N"),
        *JUDGE_FLAGS,
        *model_flags(),
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_flags(parser, command_flags(), EvaluateCommandConfig)
    add_overwrite_argument(parser, "an existing report in --out")
    add_progress_argument(parser)
    add_no_report_argument(parser)
    add_config_arguments(parser, EvaluateCommandConfig)


def run(args: argparse.Namespace) -> int:
    from coderl.files import check_output_dir

    config = load_command_config(EvaluateCommandConfig, args, command_flags())
    if not (config.samples or config.model or config.judgements):
        raise CoderlError("give one of --samples FILE, --model MODEL or --judgements FILE")
    inputs = {
        **input_paths(config.problems, config.samples),
        **model_inputs(None, config.model),
        "--judgements": config.judgements,
        "--example-judgements": config.example_judgements,
    }
    if config.task != "synthesis":
        from coderl.cli.evaluate_matching import run_matching

        return run_matching(config, inputs, overwrite=args.overwrite, progress=not args.no_progress)
    folder = check_output_dir(config.out, "--out", inputs)
    outputs = _check_outputs(folder, inputs, config, overwrite=args.overwrite)
    if config.judgements:
        report = _rebuild(config)
    else:
        report = _judge_and_report(config, outputs, progress=not args.no_progress)
    report.write(outputs[REPORT_JSON])
    print(report.to_markdown())
    print(f"wrote {outputs[REPORT_JSON]} and {outputs[REPORT_MD]}")
    write_run_report(folder, args)
    return 0


def _check_outputs(
    folder: Path, inputs: dict, config: EvaluateCommandConfig, overwrite: bool
) -> dict[str, Path]:
    """Every file evaluate will write, checked before any work (the samples of --model are
    resumed, so they may exist)."""
    from coderl.files import check_output_file

    names = [REPORT_JSON, REPORT_MD]
    if not config.judgements:
        names += [JUDGEMENTS, EXAMPLE_JUDGEMENTS]
    outputs = {
        name: check_output_file(folder / name, "--out", inputs, overwrite=overwrite)
        for name in names
    }
    if config.model:
        outputs[SAMPLES] = check_output_file(folder / SAMPLES, "--out", inputs)
    return outputs


def _judge_and_report(
    config: EvaluateCommandConfig, outputs: dict[str, Path], progress: bool
) -> Report:
    from coderl.evaluation.judging import read_samples, write_judgements
    from coderl.evaluation.provenance import Provenance

    if config.problems is None:
        raise CoderlError("give --problems SPEC (the benchmark the samples are for)")
    problems = load_problem_list(config.problems)
    samples_path = config.samples
    if config.model:
        from coderl.cli.generate import generate_into

        _check_metrics(
            config, {p.id: config.sampling.n for p in problems}, f"--n {config.sampling.n}"
        )
        samples_path = outputs[SAMPLES]
        generate_into(config, problems, samples_path, progress=progress)
    samples = select_samples(problems, read_samples(samples_path), samples_path)
    check_tests(problems, samples, config.tests)
    counts = samples_per_problem(samples)
    budget = _budget_beside(samples_path)
    pool_k = budget["k"] if budget else None
    pairs, dropped = _check_metrics(config, counts, f"--samples {samples_path}", pool_k)
    sampled = [p for p in problems if p.id in counts]
    if pairs and not any(p.example_tests for p in sampled):
        reason = "no problem with samples has example tests (n@k filters samples on them)"
        dropped.update({f"{n}@{k}": reason for n, k in pairs})
        pairs = ()
    provenance = Provenance(
        problems=config.problems,
        samples=str(samples_path),
        model=config.model,
        tests=config.tests,
        judge=judge_settings(config),
        sampling=dataclasses.asdict(config.sampling) if config.model else None,
    )
    examples = None
    if pairs:
        judgements, examples = judge_samples(
            problems, samples, config, progress=progress, examples=True
        )
        write_judgements(
            outputs[EXAMPLE_JUDGEMENTS], examples, dataclasses.replace(provenance, tests="example")
        )
    else:
        judgements = judge_samples(problems, samples, config, progress=progress)
    write_judgements(outputs[JUDGEMENTS], judgements, provenance)
    return _report(problems, judgements, config.k, examples, pairs, provenance, dropped, budget)


def _budget_beside(samples_path: str | Path) -> dict | None:
    """The budget block of a budgeted samples file (strategy, k, programs, tokens), or None."""
    import dataclasses

    from coderl.generation.budget import budget_path, read_budget

    path = budget_path(samples_path)
    if not path.exists():
        return None
    budget = read_budget(path)
    return {"strategy": budget.strategy, "k": budget.k, **dataclasses.asdict(budget.total)}


def _rebuild(config: EvaluateCommandConfig) -> Report:
    """The report of an earlier run's judgements, without judging again."""
    from coderl.evaluation.judging import read_judgements_file
    from coderl.evaluation.provenance import Provenance

    recorded = read_judgements_file(config.judgements)
    earlier = recorded.provenance or Provenance()
    spec = config.problems or earlier.problems
    if spec is None:
        raise CoderlError(
            f"--judgements {config.judgements}: has no header naming its problems; "
            "give --problems SPEC"
        )
    problems = load_problem_list(spec)
    counts = samples_per_problem(recorded.judgements)
    pairs, dropped = _check_metrics(config, counts, f"--judgements {config.judgements}")
    examples = None
    if config.example_judgements:
        examples = read_judgements_file(config.example_judgements).judgements
    elif pairs:
        reason = "needs the example-test judgements: give --example-judgements FILE"
        dropped.update({f"{n}@{k}": reason for n, k in pairs})
        pairs = ()
    provenance = dataclasses.replace(
        earlier, problems=spec, judgements=str(config.judgements), created=Provenance().created
    )
    return _report(problems, recorded.judgements, config.k, examples, pairs, provenance, dropped)


def _check_metrics(
    config: EvaluateCommandConfig,
    counts: dict[str, int],
    source: str,
    pool_k: int | None = None,
) -> tuple[tuple[tuple[int, int], ...], dict[str, str]]:
    """The n@k pairs that can be reported, and why the other metrics cannot: each needs k
    samples of every problem (but a budgeted pool is scored whole at its ``pool_k``). None
    reportable is an error (before any model or judge runs)."""
    fewest = min(counts.values()) if counts else 0
    short = {f"pass@{k}": k for k in config.k if k > fewest and k != pool_k}
    short.update({f"{n}@{k}": k for n, k in config.n_at_k_pairs if k > fewest and k != pool_k})
    pairs = tuple((n, k) for n, k in config.n_at_k_pairs if k <= fewest or k == pool_k)
    requested = len(config.k) + len(config.n_at_k_pairs)
    if len(short) == requested:
        raise CoderlError(
            f"--k {','.join(map(str, config.k))}: nothing to report; every metric needs k "
            f"samples per problem and {source} gives {fewest} for some problem "
            f"(lower --k and --n-at-k, or sample more)"
        )
    reason = f"needs k samples per problem; {source} gives {fewest} for some problem"
    if short:
        warn(f"not reported: {', '.join(short)} ({reason})")
    return pairs, {name: reason for name in short}


def _report(
    problems, judgements, ks, examples, pairs, provenance: Provenance, dropped, budget=None
) -> Report:
    from coderl.evaluation.report import build_report

    reportable = [k for k in ks if f"pass@{k}" not in dropped]
    report = build_report(
        problems,
        judgements,
        reportable,
        example_judgements=examples,
        n_at_k=pairs,
        provenance=provenance,
        budget=budget,
    )
    return dataclasses.replace(report, dropped={**report.dropped, **dropped})
