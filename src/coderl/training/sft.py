"""Supervised fine-tuning on reference solutions: the warm start of CodeRL and PPOCoder.

Minimise the token-level cross-entropy of each problem's reference solutions given its
prompt (loss on solution tokens only). One optimizer step averages the loss over every
target token of its ``grad_accum_steps`` micro-batches, so accumulation matches one large
batch exactly. Data order is a per-epoch permutation seeded by (seed, epoch); with the
optimizer and RNG states in each checkpoint, ``resume=True`` continues the run exactly where
its last checkpoint left it.
"""

from __future__ import annotations

import logging
import math
import random
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

import torch

from coderl.config import save_config
from coderl.errors import DataError
from coderl.models import load_policy
from coderl.models.loading import resolve_device
from coderl.problems import load_problems
from coderl.progress import progress_bar as tqdm
from coderl.training import distributed
from coderl.training.checkpoint import (
    TrainState,
    load_train_state,
    save_checkpoint,
    starting_checkpoint,
)
from coderl.training.configs import SFTConfig
from coderl.training.data import (
    SFTBatch,
    SFTData,
    TokenizedExample,
    build_examples,
    collate,
    micro_batch_indices,
    tokenize_examples,
)
from coderl.training.losses import token_nll
from coderl.training.optim import build_optimizer, lr_multiplier, set_lr
from coderl.training.timers import Timers

log = logging.getLogger(__name__)

# Fields that fix the data stream and the update rule; a resumed run must keep them.
_RESUME_INVARIANTS = ("problems", "prompt_style", "batch_size", "max_seq_len", "seed", "optim")


@dataclass(frozen=True)
class SFTResult:
    """What a run produced. ``loss_history[i]``: mean token loss of optimizer step i+1."""

    checkpoint: Path
    steps: int
    final_loss: float
    loss_history: tuple[float, ...]
    num_examples: int
    without_solutions: tuple[str, ...]
    too_long: tuple[str, ...]

    def summary(self) -> str:
        return (
            f"sft: {self.steps} steps on {self.num_examples} examples, final loss "
            f"{self.final_loss:.4f}; checkpoint {self.checkpoint}\n"
            f"left out: {len(self.without_solutions)} problems without solutions, "
            f"{len(self.too_long)} examples longer than max_seq_len"
        )


def train_sft(
    config: SFTConfig,
    resume: bool = False,
    progress: bool = True,
    examples: SFTData | None = None,
) -> SFTResult:
    """Fine-tune ``config.model`` on the reference solutions of ``config.problems``, or on
    ``examples`` when given (other (prompt, target) pairs: the repair model's)."""
    output_dir = Path(config.output_dir)
    start = starting_checkpoint(config, resume, _RESUME_INVARIANTS)
    random.seed(config.seed)
    torch.manual_seed(config.seed)
    ranks = distributed.ranks(config.device)  # under a launcher: see coderl.training.distributed
    accelerator = distributed.accelerator(config.device)
    device = accelerator.device if accelerator else resolve_device(config.device)
    autocast = _autocast(config.dtype, device)

    policy = load_policy(
        str(start) if start else config.model,
        device=str(device),
        dtype="float32",
        for_training=True,
    )
    model, tokenizer = policy.model, policy.tokenizer
    causal = not policy.is_encoder_decoder
    data, without_solutions, too_long = _prepare_data(
        config, tokenizer, policy.is_encoder_decoder, examples
    )
    pad_id = tokenizer.pad_token_id  # load_policy falls back to eos
    total_steps = total_optimizer_steps(config, len(data))
    optimizer = build_optimizer(model, config.optim)
    state = load_train_state(start, optimizer) if start else TrainState()
    trained = model  # what the forward passes run through: DDP's wrapper under a launcher
    if accelerator is not None:
        trained, optimizer = accelerator.prepare(model, optimizer)
    if ranks.main:
        save_config(config, output_dir / "config.yaml")

    accum = config.optim.grad_accum_steps
    max_norm = config.optim.max_grad_norm or math.inf
    timers = Timers()
    window = _Window()
    checkpoint = start
    model.train()
    with (
        distributed.main_logger(ranks, output_dir, config.logging, state.step) as logger,
        tqdm(
            total=total_steps,
            initial=state.step,
            disable=not (progress and ranks.main),
            desc="sft",
        ) as bar,
    ):
        while state.step < total_steps:
            # 1. Batch: the next grad_accum_steps micro-batches of the seeded data stream
            # (this rank's share of each), and the target tokens of the whole step.
            with timers("data"):
                epoch, batches, step_targets = _next_batches(
                    data, config, state.micro_step, pad_id, device, ranks
                )
            with timers("update"):
                step_loss = 0.0
                for index, (batch, weight) in enumerate(batches):
                    # 2. Forward (bf16 autocast on request), 3. loss on solution tokens only,
                    # averaged over the targets of the whole step (DDP averages over ranks,
                    # hence the world factor), 4. backward (accumulates; synced at the last).
                    last_micro = index == len(batches) - 1
                    with _no_sync(accelerator, trained, last_micro):
                        with autocast:
                            logits = _forward(trained, batch, causal)
                        nll, _ = token_nll(logits, batch.labels, causal)
                        loss = nll * (weight * ranks.world / step_targets)
                        if accelerator is None:
                            loss.backward()
                        else:
                            accelerator.backward(loss)
                    step_loss += weight * nll.item() / step_targets
                step_loss = distributed.sum_over_ranks(step_loss)
                # 5. Clip the global gradient norm.
                clip = (
                    accelerator.clip_grad_norm_ if accelerator else torch.nn.utils.clip_grad_norm_
                )
                grad_norm = clip(trained.parameters(), max_norm)
                # 6. Schedule, then step: the lr is a pure function of the step.
                lr = config.optim.lr * lr_multiplier(
                    state.step, total_steps, config.optim.warmup_steps, config.optim.schedule
                )
                set_lr(optimizer, lr)
                optimizer.step()
                optimizer.zero_grad(set_to_none=True)
            state = TrainState(
                step=state.step + 1,
                micro_step=state.micro_step + accum,
                epoch=epoch,
                loss_history=(*state.loss_history, step_loss),
            )
            window.add(step_loss, float(grad_norm), lr, sum(_tokens(b, causal) for b, _ in batches))
            bar.update(1)
            bar.set_postfix(loss=f"{step_loss:.4f}", lr=f"{lr:.2e}")
            last = state.step == total_steps

            # 7. Log the mean of the steps since the last log.
            if state.step % config.logging.every_steps == 0 or last:
                epochs_done = state.micro_step / -(-len(data) // config.batch_size)
                logger.log(state.step, window.pop(timers.pop()) | {"train/epoch": epochs_done})

            # 8. Checkpoint (always after the last step).
            if state.step % config.checkpoint.every_steps == 0 or last:
                with timers("checkpoint"):
                    keep = config.checkpoint.keep_last
                    checkpoint = save_checkpoint(
                        output_dir, state, model, tokenizer, optimizer, config, keep_last=keep
                    )

    assert checkpoint is not None  # a fresh run saves at its last step; a resumed one has start
    return SFTResult(
        checkpoint=checkpoint,
        steps=state.step,
        final_loss=state.loss_history[-1],
        loss_history=state.loss_history,
        num_examples=len(data),
        without_solutions=without_solutions,
        too_long=too_long,
    )


def total_optimizer_steps(config: SFTConfig, num_examples: int) -> int:
    """``max_steps`` when set, else ``epochs`` passes over the data; a step that straddles an
    epoch boundary (grad_accum_steps not dividing an epoch) counts once."""
    if config.max_steps is not None:
        return config.max_steps
    micro_per_epoch = -(-num_examples // config.batch_size)
    return -(-config.epochs * micro_per_epoch // config.optim.grad_accum_steps)


def _autocast(dtype: str, device: torch.device):
    """bf16 autocast over float32 weights (``auto``: on cuda only), else no autocast."""
    if dtype == "bfloat16" or (dtype == "auto" and device.type == "cuda"):
        return torch.autocast(device_type=device.type, dtype=torch.bfloat16)
    return nullcontext()


def _next_batches(
    data: list[TokenizedExample],
    config: SFTConfig,
    micro_step: int,
    pad_id: int,
    device,
    ranks: distributed.Ranks,
) -> tuple[int, list[tuple[SFTBatch, float]], int]:
    """(epoch, this rank's (micro-batch, weight) pairs, target tokens of the whole step) of
    the optimizer step that starts at ``micro_step``. A rank whose share of a micro-batch is
    empty still runs one example, with weight 0, so that every rank joins the gradient sync."""
    batches, epoch, targets = [], 0, 0
    for micro in range(micro_step, micro_step + config.optim.grad_accum_steps):
        epoch, indices = micro_batch_indices(len(data), config.batch_size, config.seed, micro)
        targets += sum(data[i].num_target_tokens for i in indices)
        mine = indices[ranks.rank :: ranks.world]
        batch = collate([data[i] for i in mine or indices[:1]], pad_id).to(device)
        batches.append((batch, 1.0 if mine else 0.0))
    return epoch, batches, targets


def _no_sync(accelerator, model: torch.nn.Module, sync: bool):
    """Skip DDP's gradient all-reduce on all but a step's last micro-batch."""
    if accelerator is None or sync:
        return nullcontext()
    return accelerator.no_sync(model)


def _forward(model: torch.nn.Module, batch: SFTBatch, causal: bool) -> torch.Tensor:
    """Logits [B, T, V] (causal: over the inputs; seq2seq: over the decoder targets)."""
    if causal:
        return model(input_ids=batch.input_ids, attention_mask=batch.attention_mask).logits
    unwrapped = getattr(model, "module", model)  # DDP's wrapper has no HF methods
    decoder_input_ids = unwrapped.prepare_decoder_input_ids_from_labels(labels=batch.labels)
    return model(
        input_ids=batch.input_ids,
        attention_mask=batch.attention_mask,
        decoder_input_ids=decoder_input_ids,
    ).logits


def _tokens(batch: SFTBatch, causal: bool) -> int:
    """Tokens the model processed: inputs, plus the decoder's targets for seq2seq."""
    read = int(batch.attention_mask.sum())
    return read if causal else read + batch.num_target_tokens


def _prepare_data(
    config: SFTConfig, tokenizer, is_encoder_decoder: bool, built: SFTData | None = None
) -> tuple[list[TokenizedExample], tuple[str, ...], tuple[str, ...]]:
    """Tokenized examples, ids of problems without solutions, ids of too-long examples."""
    problems = load_problems(config.problems)
    built = build_examples(problems, config.prompt_style) if built is None else built
    data, too_long = tokenize_examples(
        built.examples, tokenizer, config.max_seq_len, is_encoder_decoder
    )
    log.info(
        "sft data: %d examples from %d problems; %d problems without solutions, "
        "%d examples longer than max_seq_len=%d left out, %d rows skipped by the loader",
        len(data),
        len(problems),
        len(built.without_solutions),
        len(too_long),
        config.max_seq_len,
        len(problems.skipped),
    )
    if not data:
        raise DataError(
            f"{config.problems}: no training examples ({len(problems)} problems, "
            f"{len(built.without_solutions)} without solutions, {len(too_long)} examples "
            f"longer than max_seq_len={config.max_seq_len}); use problems with solutions"
        )
    return data, built.without_solutions, tuple(too_long)


class _Window:
    """Per-step values since the last log, reduced to one record."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self.losses: list[float] = []
        self.grad_norms: list[float] = []
        self.lr = 0.0
        self.tokens = 0

    def add(self, loss: float, grad_norm: float, lr: float, tokens: int) -> None:
        self.losses.append(loss)
        self.grad_norms.append(grad_norm)
        self.lr = lr
        self.tokens += tokens

    def pop(self, seconds: dict[str, float]) -> dict[str, float]:
        steps = len(self.losses)
        busy = seconds.get("time/data", 0.0) + seconds.get("time/update", 0.0)
        record = {
            "train/loss": sum(self.losses) / steps,
            "train/grad_norm": sum(self.grad_norms) / steps,
            "train/lr": self.lr,
            "train/tokens_per_s": self.tokens / busy if busy > 0 else 0.0,
        } | {key: value / steps for key, value in seconds.items()}
        self._reset()
        return record
