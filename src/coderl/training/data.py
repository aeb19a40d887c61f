"""SFT data: (prompt, solution) pairs from any problem loader, tokenized so that only the
solution is learned.

- One example per (problem, reference solution). The prompt is `build_prompt(problem)`, the
  same builder generation uses, so training and inference see the same text. Where a problem
  has a ``code_prefix`` (HumanEval), the prompt already ends with it, and the target is the
  solution with that prefix removed.
- Prompt and target are tokenized separately and concatenated, as at generation time (the
  model sees the prompt's tokens and continues them). The target ends with EOS so that the
  model learns to stop.
- Causal: ``input_ids = prompt + target + eos``; labels are -100 on the prompt and padding.
  Seq2seq: the encoder reads the prompt, the labels are ``target + eos``.
- An example longer than ``max_seq_len`` loses prompt tokens from the left (the statement's
  start; the end of the prompt, next to the solution, is kept). One whose solution alone does
  not fit is left out and counted, as are problems without solutions: nothing is dropped
  silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import torch

from coderl.errors import ConfigError
from coderl.problems import Problem
from coderl.problems.prompts import build_prompt

IGNORE_INDEX = -100


@dataclass(frozen=True)
class SFTExample:
    """One (prompt, target) pair; ``target`` is what the model must write after ``prompt``."""

    problem_id: str
    prompt: str
    target: str


@dataclass(frozen=True)
class SFTData:
    """The examples built from a problem set, and the ids of problems that had no solution."""

    examples: tuple[SFTExample, ...]
    without_solutions: tuple[str, ...]


@dataclass(frozen=True)
class TokenizedExample:
    """Token ids of one example. Causal: ``input_ids`` and ``labels`` have the same length T.
    Seq2seq: ``input_ids`` is the encoder input, ``labels`` the decoder targets."""

    input_ids: tuple[int, ...]
    labels: tuple[int, ...]

    @property
    def num_target_tokens(self) -> int:
        return sum(1 for t in self.labels if t != IGNORE_INDEX)


@dataclass(frozen=True)
class SFTBatch:
    """A padded micro-batch (right padding).

    input_ids, attention_mask: [B, T] (T: longest input in the batch).
    labels: [B, T] for causal models (aligned with input_ids, not shifted); [B, L] for seq2seq
    (the decoder's targets). -100 marks positions without loss.
    """

    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    labels: torch.Tensor

    @property
    def num_target_tokens(self) -> int:
        return int((self.labels != IGNORE_INDEX).sum())

    def to(self, device: torch.device | str) -> SFTBatch:
        return SFTBatch(
            self.input_ids.to(device), self.attention_mask.to(device), self.labels.to(device)
        )


def build_examples(problems: Iterable[Problem], prompt_style: str | None = None) -> SFTData:
    """One example per (problem, reference solution), in the loader's order."""
    examples: list[SFTExample] = []
    without: list[str] = []
    for problem in problems:
        if not problem.solutions:
            without.append(problem.id)
            continue
        prompt = build_prompt(problem, style=prompt_style)
        for solution in problem.solutions:
            examples.append(SFTExample(problem.id, prompt, solution_target(problem, solution)))
    return SFTData(tuple(examples), tuple(without))


def solution_target(problem: Problem, solution: str) -> str:
    """What the model writes after the prompt: the solution, minus a ``code_prefix`` that the
    prompt already holds (HumanEval's canonical solutions are bodies, and are kept whole)."""
    if problem.code_prefix and solution.startswith(problem.code_prefix):
        return solution[len(problem.code_prefix) :]
    return solution


def tokenize_example(
    example: SFTExample, tokenizer, max_seq_len: int, is_encoder_decoder: bool
) -> TokenizedExample | None:
    """Token ids with loss on the target only; None when the target alone exceeds max_seq_len."""
    if tokenizer.eos_token_id is None:
        raise ConfigError(
            f"tokenizer of {tokenizer.name_or_path!r} has no eos token to end targets; "
            "use a model whose tokenizer defines eos_token"
        )
    prompt_ids = tokenizer(example.prompt, add_special_tokens=True)["input_ids"]
    target_ids = [*tokenizer(example.target, add_special_tokens=False)["input_ids"]]
    target_ids.append(tokenizer.eos_token_id)
    if len(target_ids) > max_seq_len:
        return None
    if is_encoder_decoder:
        encoder_ids = prompt_ids[-max_seq_len:]
        return TokenizedExample(tuple(encoder_ids), tuple(target_ids))
    room = max_seq_len - len(target_ids)
    kept_prompt = prompt_ids[len(prompt_ids) - room :] if room > 0 else []
    return TokenizedExample(
        tuple(kept_prompt + target_ids),
        (IGNORE_INDEX,) * len(kept_prompt) + tuple(target_ids),
    )


def tokenize_examples(
    examples: Sequence[SFTExample], tokenizer, max_seq_len: int, is_encoder_decoder: bool
) -> tuple[list[TokenizedExample], list[str]]:
    """Tokenize all examples; returns (kept, problem ids of examples too long to keep)."""
    kept: list[TokenizedExample] = []
    too_long: list[str] = []
    for example in examples:
        tokenized = tokenize_example(example, tokenizer, max_seq_len, is_encoder_decoder)
        if tokenized is None:
            too_long.append(example.problem_id)
        else:
            kept.append(tokenized)
    return kept, too_long


def collate(examples: Sequence[TokenizedExample], pad_token_id: int) -> SFTBatch:
    """Right-pad a micro-batch; labels are padded with -100 to their own longest length."""
    width = max(len(e.input_ids) for e in examples)
    label_width = max(len(e.labels) for e in examples)
    input_ids = torch.full((len(examples), width), pad_token_id, dtype=torch.long)
    attention_mask = torch.zeros((len(examples), width), dtype=torch.long)
    labels = torch.full((len(examples), label_width), IGNORE_INDEX, dtype=torch.long)
    for row, example in enumerate(examples):
        input_ids[row, : len(example.input_ids)] = torch.tensor(example.input_ids)
        attention_mask[row, : len(example.input_ids)] = 1
        labels[row, : len(example.labels)] = torch.tensor(example.labels)
    return SFTBatch(input_ids, attention_mask, labels)


def epoch_order(num_examples: int, seed: int, epoch: int) -> list[int]:
    """The example order of one epoch: a permutation seeded by (seed, epoch) alone, so that a
    resumed run can rebuild it and continue mid-epoch."""
    generator = torch.Generator().manual_seed(seed * 100_003 + epoch)
    return torch.randperm(num_examples, generator=generator).tolist()


def micro_batch_indices(
    num_examples: int, batch_size: int, seed: int, micro_step: int
) -> tuple[int, list[int]]:
    """(epoch, example indices) of the ``micro_step``-th micro-batch of the run.

    Every epoch has ceil(num_examples / batch_size) micro-batches; the last may be smaller.
    """
    per_epoch = -(-num_examples // batch_size)
    epoch, position = divmod(micro_step, per_epoch)
    order = epoch_order(num_examples, seed, epoch)
    return epoch, order[position * batch_size : (position + 1) * batch_size]
