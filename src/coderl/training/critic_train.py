"""`coderl train critic`: fit an `OutcomeCritic` to labelled programs, then report how well it
predicts the outcome of programs of held-out problems.

The loop: 1. the step's batch (shuffled epochs, or drawn class-balanced), 2. forward and the
(optionally class-weighted) cross-entropy of the pooled logits, 3. clip and step, 4. log,
5. checkpoint (a step folder is also a critic folder: `OutcomeCritic.from_pretrained` loads
it). At the end the held-out report goes to ``output_dir/critic-report.json``.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import torch

from coderl.config import save_config
from coderl.errors import DataError
from coderl.evaluation.critic_metrics import classifier_report
from coderl.models.critic import OutcomeCritic, critic_batch
from coderl.models.loading import resolve_device
from coderl.progress import progress_bar
from coderl.training.checkpoint import (
    TrainState,
    load_train_state,
    save_checkpoint,
    starting_checkpoint,
)
from coderl.training.critic_config import RESUME_INVARIANTS, CriticConfig
from coderl.training.critic_data import CriticRecord, load_records
from coderl.training.data import micro_batch_indices
from coderl.training.metrics_log import MetricsLogger
from coderl.training.optim import build_optimizer, lr_multiplier, set_lr

REPORT_FILE = "critic-report.json"


@dataclass(frozen=True)
class LabelledProgram:
    """One training or evaluation example: the critic reads prompt and completion."""

    problem_id: str
    prompt: str
    completion: str
    label: int


@dataclass(frozen=True)
class CriticResult:
    checkpoint: Path
    steps: int
    report: dict

    def summary(self) -> str:
        r = self.report
        auc = "n/a" if r["roc_auc"] is None else f"{r['roc_auc']:.3f}"
        return (
            f"critic: {self.steps} steps; checkpoint {self.checkpoint}\n"
            f"held-out ({r['examples']} programs): accuracy {r['accuracy']:.3f}, macro-F1 "
            f"{r['macro_f1']:.3f}, ROC-AUC(passed) {auc}, ECE {r['calibration_error']:.3f}"
        )


def labelled(
    records: list[CriticRecord], num_classes: int, sources: tuple[str, ...]
) -> list[LabelledProgram]:
    """Records with a label (infra_error left out) from the chosen sources."""
    return [
        LabelledProgram(r.problem_id, r.prompt, r.completion, label)
        for r in records
        if r.source in sources and (label := r.label(num_classes)) is not None
    ]


def held_out(problem_id: str, fraction: float) -> bool:
    """A stable split by problem (never by program: a problem's programs stay together)."""
    digest = hashlib.sha256(problem_id.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < fraction


def split_data(config: CriticConfig) -> tuple[list[LabelledProgram], list[LabelledProgram]]:
    records = load_records(config.data)
    if config.eval_data:
        train = labelled(records, config.num_classes, config.sources)
        # held-out programs are the policy's own (not references: those all pass)
        evaluation = labelled(load_records(config.eval_data), config.num_classes, ("sample",))
    else:
        every = labelled(records, config.num_classes, config.sources)
        train = [e for e in every if not held_out(e.problem_id, config.eval_fraction)]
        evaluation = [
            LabelledProgram(r.problem_id, r.prompt, r.completion, label)
            for r in records
            if r.source == "sample"
            and held_out(r.problem_id, config.eval_fraction)
            and (label := r.label(config.num_classes)) is not None
        ]
    if not train:
        raise DataError(f"{config.data}: no labelled program to train the critic on")
    if not evaluation:
        raise DataError(f"{config.eval_data or config.data}: no held-out labelled program")
    return train, evaluation


def class_weights(labels: list[int], num_classes: int) -> torch.Tensor:
    """Inverse-frequency weights ``N / (C * n_c)`` (1 for a class with no example)."""
    counts = Counter(labels)
    return torch.tensor(
        [len(labels) / (num_classes * counts[c]) if counts[c] else 1.0 for c in range(num_classes)]
    )


def step_indices(labels: list[int], config: CriticConfig, step: int) -> list[int]:
    """The examples of optimizer step ``step`` (0-based), a function of (seed, step) only."""
    if config.balance != "sampler":
        return micro_batch_indices(len(labels), config.batch_size, config.seed, step)[1]
    weights = class_weights(labels, config.num_classes)[torch.tensor(labels)]
    generator = torch.Generator().manual_seed(config.seed * 100_003 + step)
    return torch.multinomial(weights, config.batch_size, True, generator=generator).tolist()


def train_critic(config: CriticConfig, resume: bool = False, progress: bool = True) -> CriticResult:
    output_dir = Path(config.output_dir)
    start = starting_checkpoint(config, resume, RESUME_INVARIANTS)
    random.seed(config.seed)
    torch.manual_seed(config.seed)
    device = str(resolve_device(config.device))
    train, evaluation = split_data(config)
    if start:
        critic = OutcomeCritic.from_pretrained(start, device=device, for_training=True)
    else:
        critic = OutcomeCritic.from_backbone(
            config.backbone, config.num_classes, dtype="float32", device=device
        )
    optimizer = build_optimizer(critic, config.optim)
    state = load_train_state(start, optimizer) if start else TrainState()
    save_config(config, output_dir / "config.yaml")
    labels = [e.label for e in train]
    weights = class_weights(labels, config.num_classes).to(device)
    weight = weights if config.balance == "class_weights" else None
    checkpoint = start
    with (
        MetricsLogger(output_dir, config.logging, resume_step=state.step) as logger,
        progress_bar(total=config.max_steps, initial=state.step, disable=not progress) as bar,
    ):
        while state.step < config.max_steps:
            step = state.step + 1
            # 1. The step's batch.
            batch = [train[i] for i in step_indices(labels, config, step - 1)]
            # 2. Pooled logits and the cross-entropy of the true outcomes.
            target = torch.tensor([e.label for e in batch], device=device)
            logits = critic(_encode(critic, batch, config)).logits
            loss = torch.nn.functional.cross_entropy(logits, target, weight=weight)
            loss.backward()
            # 3. Clip and step.
            max_norm = config.optim.max_grad_norm or math.inf
            norm = torch.nn.utils.clip_grad_norm_(critic.parameters(), max_norm)
            multiplier = lr_multiplier(
                step - 1, config.max_steps, config.optim.warmup_steps, config.optim.schedule
            )
            set_lr(optimizer, config.optim.lr * multiplier)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            state = TrainState(step=step, loss_history=(*state.loss_history, float(loss.detach())))
            # 4. Log.
            if step % config.logging.every_steps == 0 or step == config.max_steps:
                accuracy = float((logits.argmax(-1) == target).float().mean())
                logger.log(
                    step,
                    {
                        "train/loss": float(loss.detach()),
                        "train/accuracy": accuracy,
                        "train/grad_norm": float(norm),
                        "train/lr": config.optim.lr * multiplier,
                    },
                )
            bar.update(1)
            # 5. Checkpoint.
            if step % config.checkpoint.every_steps == 0 or step == config.max_steps:
                checkpoint = save_critic_checkpoint(critic, optimizer, state, config)
    assert checkpoint is not None
    report = evaluate_critic(critic, evaluation, config)
    (output_dir / REPORT_FILE).write_text(json.dumps(report, indent=2) + "\n")
    return CriticResult(checkpoint, state.step, report)


def save_critic_checkpoint(
    critic: OutcomeCritic, optimizer: torch.optim.Optimizer, state: TrainState, config
) -> Path:
    """A resumable step folder that is also a critic folder (backbone, tokenizer, head)."""
    folder = save_checkpoint(
        config.output_dir,
        state,
        critic.backbone,
        critic.tokenizer,
        optimizer,
        config,
        keep_last=config.checkpoint.keep_last,
    )
    critic.save_head(folder)
    return folder


def evaluate_critic(
    critic: OutcomeCritic, examples: list[LabelledProgram], config: CriticConfig
) -> dict:
    """`classifier_report` of the critic's pooled predictions on ``examples``."""
    was_training = critic.training
    critic.eval()
    probs: list[list[float]] = []
    with torch.no_grad():
        for start in range(0, len(examples), config.batch_size):
            chunk = examples[start : start + config.batch_size]
            logits = critic(_encode(critic, chunk, config)).logits
            probs.extend(torch.softmax(logits, -1).tolist())
    critic.train(was_training)
    return classifier_report([e.label for e in examples], probs, critic.class_names)


def _encode(critic: OutcomeCritic, examples: list[LabelledProgram], config: CriticConfig):
    return critic_batch(
        critic.tokenizer,
        [e.prompt for e in examples],
        [e.completion for e in examples],
        critic.is_encoder_decoder,
        critic.device,
        max_prompt_tokens=config.max_prompt_tokens,
        max_program_tokens=config.max_program_tokens,
    )
