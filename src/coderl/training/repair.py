"""The repair model: SFT on (problem, failed program, judge's error) -> passing program pairs.

Pairs are mined from critic data (`coderl critic data`: sampled programs labelled by the hidden
tests, reference solutions as ``passed``): for each failing program of a problem, a passing
program of the same problem. Pairs never cross problems, and a fix is always a program that
passed (a sample whose verdict is ``passed``, or a reference solution). The error the model is
shown is the one critic sampling will show it at inference: the failing program is run on the
problem's example tests and the judge's error (or verdict and failed-test detail) is used;
a program that fails only the hidden tests keeps its recorded verdict. Training itself is
`train_sft` on these examples, in the repair prompt style of `coderl.generation.repair`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from coderl.errors import ConfigError, DataError
from coderl.generation.repair import RepairError, repair_prompt
from coderl.problems.types import Problem
from coderl.training.configs import CheckpointConfig, LoggingConfig, OptimConfig, SFTConfig

log = logging.getLogger(__name__)

PASSED = "passed"
NOT_A_LABEL = "infra_error"  # the judge's fault: the program is neither failing nor passing


def _help(text: str) -> dict[str, str]:
    return {"help": text}


@dataclass(frozen=True)
class ProgramRecord:
    """One judged program of a critic-data file."""

    problem_id: str
    completion: str
    verdict: str
    error: RepairError | None = None


@dataclass(frozen=True)
class RepairPair:
    """A failing program of a problem, the error shown for it, and a passing program of the
    same problem."""

    problem_id: str
    failed: str
    error: RepairError
    fixed: str


@dataclass(frozen=True)
class RepairConfig:
    """`coderl train repair`: mine repair pairs from critic data, then fine-tune on them."""

    model: str = field(metadata=_help("model to start from (usually the SFT checkpoint)"))
    problems: str = field(metadata=_help("problem spec the critic data was sampled from"))
    critic_data: str = field(metadata=_help("critic data JSONL (`coderl critic data`)"))
    output_dir: str = field(default="runs/repair", metadata=_help("run folder"))
    prompt_style: str | None = field(
        default=None, metadata=_help("the problems' prompt template inside the repair prompt")
    )
    fixes_per_failure: int = field(
        default=2, metadata=_help("passing programs paired with each failing one")
    )
    max_pairs_per_problem: int = field(
        default=32, metadata=_help("pairs kept per problem at most (the first ones mined)")
    )
    references: bool = field(
        default=True, metadata=_help("the problems' reference solutions count as passing")
    )
    cpu_time_s: float = field(
        default=1.0, metadata=_help("CPU seconds per example test when finding the errors")
    )
    batch_size: int = field(default=8, metadata=_help("examples per micro-batch"))
    max_steps: int | None = field(default=None, metadata=_help("optimizer steps (over epochs)"))
    epochs: int | None = field(default=1, metadata=_help("passes over the pairs"))
    max_seq_len: int = field(default=1024, metadata=_help("tokens per example (prompt cut first)"))
    seed: int = field(default=0, metadata=_help("seeds the data order"))
    device: str = field(default="auto", metadata=_help("auto, cpu, cuda:N"))
    dtype: Literal["auto", "float32", "bfloat16"] = field(
        default="auto", metadata=_help("compute dtype, as for sft")
    )
    optim: OptimConfig = field(default_factory=OptimConfig)
    checkpoint: CheckpointConfig = field(default_factory=CheckpointConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)

    def __post_init__(self) -> None:
        if not self.critic_data:
            raise ConfigError("critic_data is empty: set critic_data: PATH (coderl critic data)")
        for name in ("fixes_per_failure", "max_pairs_per_problem"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} = {getattr(self, name)}: use 1 or more")
        if self.cpu_time_s <= 0:
            raise ConfigError(f"cpu_time_s = {self.cpu_time_s}: use a positive time")
        self.sft_config()  # its checks name the field at fault

    def sft_config(self) -> SFTConfig:
        return SFTConfig(
            model=self.model,
            problems=self.problems,
            prompt_style=self.prompt_style,
            output_dir=self.output_dir,
            batch_size=self.batch_size,
            max_steps=self.max_steps,
            epochs=self.epochs,
            max_seq_len=self.max_seq_len,
            seed=self.seed,
            device=self.device,
            dtype=self.dtype,
            optim=self.optim,
            checkpoint=self.checkpoint,
            logging=self.logging,
        )


def read_program_records(path: str | Path) -> list[ProgramRecord]:
    """The programs of a critic-data file (``problem_id``, ``completion``, ``verdict`` and an
    optional ``error``); a bad line is an error naming the file and line."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"critic data not found: {path} (make it with `coderl critic data`)")
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            verdict = str(row["verdict"])
            error = row.get("error")
            records.append(
                ProgramRecord(
                    problem_id=str(row["problem_id"]),
                    completion=str(row["completion"]),
                    verdict=verdict,
                    error=RepairError.from_record(verdict, error) if error else None,
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as err:
            raise DataError(
                f"{path}:{number}: not a critic-data record (needs problem_id, completion, "
                f"verdict): {err!r}"
            ) from None
    return records


def mine_repair_pairs(
    records: Sequence[ProgramRecord],
    problems: Mapping[str, Problem],
    fixes_per_failure: int = 2,
    max_pairs_per_problem: int = 32,
    references: bool = True,
) -> list[RepairPair]:
    """For each failing program, up to ``fixes_per_failure`` distinct passing programs of the
    same problem (taken round-robin, so fixes spread over the passing programs); each problem
    gives at most ``max_pairs_per_problem`` pairs. Problems with no passing program give none.
    A record whose problem is not in ``problems`` is an error (the wrong problem spec)."""
    failing: dict[str, list[ProgramRecord]] = {}
    passing: dict[str, list[str]] = {}
    for record in records:
        if record.problem_id not in problems:
            raise DataError(
                f"critic data has problem {record.problem_id!r}, which the problem spec does "
                "not hold; give the spec the critic data was sampled from"
            )
        if record.verdict == PASSED:
            passing.setdefault(record.problem_id, []).append(record.completion)
        elif record.verdict != NOT_A_LABEL:
            failing.setdefault(record.problem_id, []).append(record)
    if references:
        from coderl.training.data import solution_target

        for pid in failing:
            problem = problems[pid]
            passing.setdefault(pid, []).extend(
                solution_target(problem, s) for s in problem.solutions
            )
    pairs: list[RepairPair] = []
    for pid, failures in failing.items():
        fixes = list(dict.fromkeys(passing.get(pid, ())))  # distinct, in order
        if not fixes:
            continue
        mined: list[RepairPair] = []
        for i, record in enumerate(failures):
            for j in range(min(fixes_per_failure, len(fixes))):
                error = record.error or RepairError(record.verdict)
                mined.append(RepairPair(pid, record.completion, error, fixes[(i + j) % len(fixes)]))
        pairs.extend(mined[:max_pairs_per_problem])
    return pairs


def with_example_errors(
    records: Sequence[ProgramRecord], problems: Mapping[str, Problem], cpu_time_s: float
) -> list[ProgramRecord]:
    """Failing records with the error their example tests give (what critic sampling shows the
    repair model); records passing the examples, or without example tests, keep their own."""
    from coderl.execution.judge import Judge
    from coderl.execution.limits import JudgeConfig, Limits
    from coderl.execution.types import Submission
    from coderl.generation.postprocess import program_from_completion

    todo = [
        i
        for i, r in enumerate(records)
        if r.verdict not in (PASSED, NOT_A_LABEL) and problems[r.problem_id].example_tests
    ]
    submissions = [
        Submission(
            problem=problems[records[i].problem_id],
            code=program_from_completion(problems[records[i].problem_id], records[i].completion),
            sample_index=i,
            tests="example",
        )
        for i in todo
    ]
    updated = list(records)
    if not submissions:
        return updated
    with Judge(JudgeConfig(limits=Limits(cpu_time_s=cpu_time_s))) as judge:
        for i, judgement in zip(todo, judge.run(submissions)):
            if not judgement.passed and judgement.verdict.value != NOT_A_LABEL:
                record = records[i]
                updated[i] = ProgramRecord(
                    record.problem_id,
                    record.completion,
                    record.verdict,
                    RepairError.from_judgement(judgement),
                )
    return updated


def repair_examples(
    pairs: Sequence[RepairPair], problems: Mapping[str, Problem], style: str | None
):
    """The SFT examples of the pairs: the repair prompt, and the fixed program as target."""
    from coderl.training.data import SFTData, SFTExample

    examples = tuple(
        SFTExample(
            p.problem_id, repair_prompt(problems[p.problem_id], p.failed, p.error, style), p.fixed
        )
        for p in pairs
    )
    return SFTData(examples, ())


def train_repair(config: RepairConfig, resume: bool = False, progress: bool = True):
    """Mine the pairs, then fine-tune ``config.model`` on them with `train_sft`."""
    from coderl.config import save_config
    from coderl.problems import load_problems
    from coderl.training.sft import train_sft

    problems = load_problems(config.problems).by_id()
    records = read_program_records(config.critic_data)
    records = with_example_errors(records, problems, config.cpu_time_s)
    pairs = mine_repair_pairs(
        records, problems, config.fixes_per_failure, config.max_pairs_per_problem, config.references
    )
    if not pairs:
        raise DataError(
            f"{config.critic_data}: no repair pair (no problem has both a failing and a passing "
            "program); sample more programs per problem, or keep references: true"
        )
    log.info(
        "repair data: %d pairs from %d problems", len(pairs), len({p.problem_id for p in pairs})
    )
    save_config(config, Path(config.output_dir) / "repair_config.yaml")
    examples = repair_examples(pairs, problems, config.prompt_style)
    return train_sft(config.sft_config(), resume=resume, progress=progress, examples=examples)
