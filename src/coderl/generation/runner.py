"""`generate_samples`: problems -> prompts -> Sampler -> samples JSONL, resumable.

Resuming: problems whose ``n`` sample indices are all in the file are skipped. A problem
with some indices missing (a run stopped while writing it) is sampled again whole and only
its missing indices are written; since a sample depends only on (model, prompt, seed,
index, occurrence), these are the samples an uninterrupted run would have written. (Problems
with the same prompt are numbered over the whole problem list, so they get different samples
however the problems are grouped or resumed.)
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from coderl.generation.config import SamplingConfig
from coderl.generation.sampler import Sampler, occurrence_counts
from coderl.generation.samples_file import done_indices, sample_record
from coderl.models.policy import Policy
from coderl.problems.types import Problem

# Codex's stop strings for completion-style prompts: a new top-level statement ends the body.
DEFAULT_STOPS: dict[str, tuple[str, ...]] = {
    "humaneval": ("\ndef ", "\nclass ", "\nif ", "\nprint(", "\n#"),
    "translation": ("```",),  # the prompt opened a code block: its end ends the program
}


@dataclass(frozen=True)
class GenerateSummary:
    path: Path
    problems: int  # problems asked for
    skipped: int  # already complete in the file
    written: int  # sample lines appended


def default_stops(problems: list[Problem], style: str | None) -> tuple[str, ...]:
    """The stop strings of ``style``, or of the problems' common benchmark style."""
    from coderl.problems.prompts import default_style

    styles = {style} if style is not None else {default_style(p) for p in problems}
    return DEFAULT_STOPS.get(styles.pop(), ()) if len(styles) == 1 else ()


def build_prompts(policy: Policy, problems: list[Problem], style: str | None) -> list[str]:
    """One prompt per problem; ``chat`` renders the default base prompt with the model's
    chat template, ``None`` picks each problem's benchmark style."""
    from coderl.problems.prompts import build_chat_prompt, build_prompt

    if style == "chat":
        return [build_chat_prompt(p, policy.tokenizer) for p in problems]
    return [build_prompt(p, style) for p in problems]


def generate_samples(
    policy: Policy,
    problems: Iterable[Problem],
    path: str | Path,
    config: SamplingConfig,
    *,
    prompt_style: str | None = None,
    progress: bool = True,
) -> GenerateSummary:
    """Append ``config.n`` samples per problem to the JSONL at ``path``."""
    from coderl.progress import progress_bar as tqdm

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    problems = list(problems)
    done = done_indices(path)
    wanted = set(range(config.n))
    prompts = build_prompts(policy, problems, prompt_style)
    occurrence = dict(zip((p.id for p in problems), occurrence_counts(prompts)))
    prompt_of = dict(zip((p.id for p in problems), prompts))
    todo = [p for p in problems if not wanted <= done.get(p.id, set())]
    sampler = Sampler(policy, config)
    per_call = max(1, config.batch_size // (1 if config.greedy else config.n))
    written = 0
    with (
        path.open("a", encoding="utf-8") as out,
        tqdm(total=len(todo), desc="generate", unit="problem", disable=not progress) as bar,
    ):
        for start in range(0, len(todo), per_call):
            group = todo[start : start + per_call]
            samples = sampler.sample(
                [prompt_of[p.id] for p in group], occurrences=[occurrence[p.id] for p in group]
            )
            for problem, problem_samples in zip(group, samples):
                for sample in problem_samples:
                    if sample.sample_index in done.get(problem.id, ()):
                        continue
                    record = sample_record(problem, sample, config.stop)
                    out.write(json.dumps(record) + "\n")
                    written += 1
            out.flush()
            bar.update(len(group))
    return GenerateSummary(
        path=path, problems=len(problems), skipped=len(problems) - len(todo), written=written
    )
