"""The critic's training set: programs sampled from a policy, labelled by the hidden tests.

For each problem: ``n`` sampled programs, the greedy program (also the offline actor-critic's
baseline), and the reference solutions, labelled ``passed`` without running them (CodeRL).
Records are JSONL, one per program. Programs the judge could not decide (``infra_error``) are
written too, so that a resumed run skips their problem, but they carry no label: training
leaves them out and the class balance counts them as dropped.

The critic reads ``completion``, the text the policy wrote (what it will score during RL);
``program`` is what was judged (the completion after the problem's post-processing).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Literal

import yaml

from coderl.errors import ConfigError, DataError
from coderl.execution.types import Submission, Verdict
from coderl.files import write_atomic
from coderl.rewards.outcomes import OUTCOME_CLASSES, outcome_class
from coderl.rewards.unit_test import CODERL_SCALE

Source = Literal["sample", "greedy", "reference"]


def _help(text: str) -> dict[str, str]:
    return {"help": text}


@dataclass(frozen=True)
class CriticRecord:
    """One labelled program of one problem."""

    problem_id: str
    source: Source
    prompt: str
    completion: str
    program: str
    verdict: str
    reward: float | None
    finished: bool = True

    def label(self, num_classes: int) -> int | None:
        return outcome_class(self.verdict, num_classes)


@dataclass(frozen=True)
class CriticDataConfig:
    """``coderl critic data``: what to sample and how to judge it."""

    policy: str = field(metadata=_help("policy to sample from (the SFT checkpoint)"))
    problems: str = field(metadata=_help("problem spec (training problems)"))
    out: str = field(metadata=_help("JSONL file to write (appended to when resuming)"))
    n: int = field(default=8, metadata=_help("sampled programs per problem"))
    temperature: float = field(default=1.0, metadata=_help("sampling temperature"))
    top_p: float = field(default=1.0, metadata=_help("nucleus mass"))
    max_new_tokens: int = field(default=256, metadata=_help("tokens per program at most"))
    batch_size: int = field(default=64, metadata=_help("sequences per forward pass"))
    problems_per_chunk: int = field(default=16, metadata=_help("problems sampled, then saved"))
    greedy: bool = field(default=True, metadata=_help("also the greedy program per problem"))
    references: bool = field(default=True, metadata=_help("add reference solutions as passed"))
    seed: int = field(default=0, metadata=_help("samples are a function of seed and prompt"))
    device: str = field(default="auto", metadata=_help("auto, cpu, cuda:N"))
    prompt_style: str | None = field(default=None, metadata=_help("prompt template"))
    cpu_time_s: float = field(default=2.0, metadata=_help("CPU seconds per test"))
    memory_mb: int = field(default=1024, metadata=_help("memory per program, MiB"))
    workers: int | None = field(default=None, metadata=_help("judge processes"))

    def __post_init__(self) -> None:
        for name in ("n", "max_new_tokens", "batch_size", "problems_per_chunk"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} = {getattr(self, name)}: use 1 or more")
        if self.temperature <= 0:
            raise ConfigError(f"temperature = {self.temperature}: use a value > 0")


@dataclass(frozen=True)
class CriticDataStats:
    """What a (possibly resumed) run holds: counts by 4-class outcome over the whole file."""

    out: Path
    problems: int
    resumed: int  # problems already in the file, skipped
    counts: dict[str, int]
    dropped: int  # infra_error programs, unlabelled

    def summary(self) -> str:
        total = sum(self.counts.values())
        balance = ", ".join(
            f"{name} {count} ({100 * count / max(total, 1):.1f}%)"
            for name, count in self.counts.items()
        )
        return (
            f"critic data: {self.out}: {total} labelled programs of {self.problems} problems "
            f"({self.resumed} already there); {balance}; infra_error dropped: {self.dropped}"
        )


def load_records(path: str | Path) -> list[CriticRecord]:
    """Read a critic data file; a bad line is an error naming the file and line."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such critic data file (make one with `coderl critic data`)")
    records = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append(CriticRecord(**json.loads(line)))
        except (json.JSONDecodeError, TypeError) as err:
            raise DataError(f"{path}:{number}: not a critic record: {err}") from None
    return records


def class_counts(records: Iterable[CriticRecord]) -> tuple[dict[str, int], int]:
    """(labelled programs per 4-way class, infra_error programs)."""
    names = OUTCOME_CLASSES[4]
    counts: Counter[str] = Counter()
    dropped = 0
    for record in records:
        label = record.label(4)
        if label is None:
            dropped += 1
        else:
            counts[names[label]] += 1
    return {name: counts[name] for name in names}, dropped


def collect_critic_data(config: CriticDataConfig, progress: bool = True) -> CriticDataStats:
    """Sample, judge and label every problem of ``config.problems`` not yet in ``config.out``."""
    from coderl.execution.judge import Judge
    from coderl.execution.limits import JudgeConfig, Limits
    from coderl.generation.config import SamplingConfig
    from coderl.generation.runner import build_prompts
    from coderl.generation.sampler import Sampler
    from coderl.models.loading import load_policy
    from coderl.problems import load_problems
    from coderl.progress import progress_bar

    out = Path(config.out)
    problems = [p for p in load_problems(config.problems).problems if p.tests]
    if not problems:
        raise DataError(f"{config.problems}: no problem with hidden tests to label programs by")
    _check_resume(out, config)
    done = _done_problems(out)
    policy = load_policy(config.policy, device=config.device)
    sampling = SamplingConfig(
        n=config.n,
        temperature=config.temperature,
        top_p=config.top_p,
        max_new_tokens=config.max_new_tokens,
        batch_size=config.batch_size,
        seed=config.seed,
    )
    sampler = Sampler(policy, sampling)
    greedy = Sampler(policy, replace(sampling, n=1, greedy=True)) if config.greedy else None
    workers = {} if config.workers is None else {"workers": config.workers}
    judge_config = JudgeConfig(
        limits=Limits(cpu_time_s=config.cpu_time_s, memory_mb=config.memory_mb), **workers
    )
    todo = [p for p in problems if p.id not in done]
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(settings_path(out), yaml.safe_dump(_label_settings(config), sort_keys=False))
    with (
        Judge(judge_config) as judge,
        out.open("a") as sink,
        progress_bar(total=len(todo), disable=not progress, desc="critic data") as bar,
    ):
        for start in range(0, len(todo), config.problems_per_chunk):
            chunk = todo[start : start + config.problems_per_chunk]
            prompts = build_prompts(policy, chunk, config.prompt_style)
            candidates = [
                (problem, prompt, "sample", sample)
                for problem, prompt, group in zip(chunk, prompts, sampler.sample(prompts))
                for sample in group
            ]
            if greedy is not None:
                candidates += [
                    (problem, prompt, "greedy", group[0])
                    for problem, prompt, group in zip(chunk, prompts, greedy.sample(prompts))
                ]
            records = _judged(judge, candidates)
            if config.references:
                records += _references(chunk, prompts)
            order = {problem.id: i for i, problem in enumerate(chunk)}
            records.sort(key=lambda r: order[r.problem_id])  # a problem's records together
            sink.write("".join(json.dumps(asdict(r)) + "\n" for r in records))
            sink.flush()
            bar.update(len(chunk))
    counts, dropped = class_counts(load_records(out))
    return CriticDataStats(out, len(problems), len(done), counts, dropped)


def _judged(judge, candidates) -> list[CriticRecord]:
    from coderl.generation.postprocess import program_from_completion

    programs = [program_from_completion(problem, s.text) for problem, _, _, s in candidates]
    submissions = [
        Submission(problem, program, sample_index=s.sample_index, stop_at_first_failure=True)
        for (problem, _, _, s), program in zip(candidates, programs)
    ]
    records = []
    for (problem, prompt, source, sample), program, judgement in zip(
        candidates, programs, judge.run(submissions)
    ):
        verdict = judgement.verdict
        records.append(
            CriticRecord(
                problem_id=problem.id,
                source=source,
                prompt=prompt,
                completion=sample.text,
                program=program,
                verdict=verdict.value,
                reward=None if verdict is Verdict.INFRA_ERROR else CODERL_SCALE[verdict],
                finished=sample.finished,
            )
        )
    return records


def _references(problems, prompts) -> list[CriticRecord]:
    from coderl.training.data import solution_target

    return [
        CriticRecord(
            problem_id=problem.id,
            source="reference",
            prompt=prompt,
            completion=solution_target(problem, solution),
            program=solution,
            verdict=Verdict.PASSED.value,
            reward=CODERL_SCALE[Verdict.PASSED],
        )
        for problem, prompt in zip(problems, prompts)
        for solution in problem.solutions
    ]


# What decides a record's program and label: a file resumed under other values would mix two
# distributions (the problems may grow; batch sizes, device and workers change nothing).
LABEL_SETTINGS = (
    "policy",
    "n",
    "temperature",
    "top_p",
    "max_new_tokens",
    "greedy",
    "references",
    "seed",
    "prompt_style",
    "cpu_time_s",
    "memory_mb",
)


def settings_path(out: Path) -> Path:
    """The settings a critic data file was written with, beside it (``OUT.config.yaml``)."""
    return out.with_name(out.name + ".config.yaml")


def _label_settings(config: CriticDataConfig) -> dict[str, object]:
    return {name: getattr(config, name) for name in LABEL_SETTINGS}


def _check_resume(out: Path, config: CriticDataConfig) -> None:
    """Refuse, before any work, to append to a file written with other label settings."""
    saved_path = settings_path(out)
    if not (out.is_file() and saved_path.is_file()):
        return
    saved = yaml.safe_load(saved_path.read_text()) or {}
    for name, value in _label_settings(config).items():
        if saved.get(name) != value:
            raise ConfigError(
                f"{out} was written with {name} = {saved.get(name)!r}, not {value!r} "
                f"(see {saved_path}); use the same settings to resume, or another --out"
            )


def _done_problems(out: Path) -> set[str]:
    """Problems already in ``out``; a last line cut off by a crash is removed first."""
    if not out.is_file():
        return set()
    text = out.read_text()
    if text and not text.endswith("\n"):
        text = text[: text.rfind("\n") + 1]
        out.write_text(text)
    return {json.loads(line)["problem_id"] for line in text.splitlines() if line.strip()}
