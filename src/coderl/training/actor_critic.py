"""CodeRL's actor-critic fine-tuning (Le et al., 2022): policy gradient with the greedy
program's reward as baseline, each token's log-prob weighted by the frozen critic's belief
in the program's actual outcome, plus cross-entropy on the reference solutions.

The update of one rollout:

1. q_t: the critic's token scores for each program's judged outcome (1 without a critic:
   the no-critic ablation);
2. the RL term ``-(r(W_s) - r(W_b)) * sum_t q_t log p(w_t)``, averaged over the programs;
3. the cross-entropy of a batch of reference solutions, times ``ce_weight``;
4. clip and one optimizer step.

Two sources of rollouts feed the same update: **online** (`run_online`: fresh samples each
step, the greedy baseline sampled alongside) and **offline** as in the paper (`run_offline`:
batches of programs sampled once from the SFT policy, e.g. the critic data file with its
greedy records as the baselines).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch

from coderl.config import save_config
from coderl.errors import ConfigError, DataError
from coderl.execution.judge import Judge
from coderl.generation.sampler import Sample
from coderl.models.critic import CriticBatch, OutcomeCritic
from coderl.models.policy import Policy
from coderl.problems import load_problems
from coderl.progress import progress_bar
from coderl.rewards.outcomes import OUTCOME_CLASSES, outcome_class
from coderl.training.checkpoint import load_train_state, save_checkpoint, starting_checkpoint
from coderl.training.coderl_config import RESUME_INVARIANTS, CodeRLConfig
from coderl.training.critic_data import load_records
from coderl.training.data import (
    build_examples,
    collate,
    micro_batch_indices,
    tokenize_examples,
)
from coderl.training.losses import token_nll
from coderl.training.metrics_log import MetricsLogger
from coderl.training.online import (
    RLResult,
    RLState,
    evaluate_greedy,
    judge_config,
    load_start_policy,
    run_online,
)
from coderl.training.optim import build_optimizer, lr_multiplier, set_lr
from coderl.training.rollout import (
    Processing,
    Rollout,
    RolloutSample,
    build_rollout,
    completion_logprobs,
)
from coderl.training.timers import Timers


def critic_weighted_loss(
    logprobs: torch.Tensor,
    token_scores: torch.Tensor,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    num_sequences: int | None = None,
) -> torch.Tensor:
    """CodeRL's RL loss ``-1/N sum_i A_i sum_t q_it log p_it`` over the masked tokens.

    logprobs, token_scores, mask: [N, T]; advantages: [N] (``r(W_s) - r(W_b)``). The
    scores are constants (no gradient reaches the critic). ``num_sequences``: the N to divide
    by when this is one micro-batch of a larger rollout (default: this batch's N).
    """
    n = logprobs.shape[0] if num_sequences is None else num_sequences
    weighted = advantages.unsqueeze(-1) * token_scores.detach() * logprobs * mask
    return -weighted.sum() / max(n, 1)


class CodeRLLearner:
    """The actor-critic update of `CodeRLConfig` for one policy (see the module)."""

    def __init__(self, policy: Policy, config: CodeRLConfig) -> None:
        self.config = config
        self.policy = policy
        policy.model.eval()  # no dropout: the log-probs are those of the sampling policy
        self.optimizer = build_optimizer(policy.model, config.optim)
        self.processing = Processing(
            config.rollout.temperature, config.rollout.top_k, config.rollout.top_p
        )
        self.critic = _frozen_critic(config, policy) if config.critic else None
        self.references = _reference_examples(config, policy)

    def update(self, rollout: Rollout, step: int, timers: Timers) -> dict[str, float]:
        config = self.config
        device = self.policy.device
        if rollout.baselines is None:
            raise DataError("the CodeRL update needs the greedy program's reward per problem")
        advantages = rollout.rewards - rollout.baselines
        # Programs rewarded like their greedy program add nothing: no critic, no forward.
        active = [i for i in range(len(rollout)) if advantages[i] != 0]
        # 1. q_t for each active program's judged outcome (1 everywhere without a critic).
        with timers("critic"), torch.no_grad():
            scores = torch.zeros_like(rollout.completion_mask)
            if active:
                scores[active] = self._token_scores(rollout.select(active))
        # 2. The RL term, accumulated over micro-batches of the active programs.
        rl_total = 0.0
        for start in range(0, len(active), config.micro_batch_size):
            chunk = active[start : start + config.micro_batch_size]
            part = rollout.select(chunk).to(device)
            with timers("forward"):
                logprobs, _ = completion_logprobs(
                    self.policy.model, part, self.policy.is_encoder_decoder, self.processing
                )
                loss = critic_weighted_loss(
                    logprobs,
                    scores[chunk].to(device),
                    advantages[chunk].to(device),
                    part.completion_mask,
                    num_sequences=len(rollout),
                )
            with timers("backward"):
                loss.backward()
            rl_total += float(loss.detach())
        # 3. Cross-entropy on reference solutions.
        ce = self._reference_loss(step, timers) if config.ce_weight > 0 else 0.0
        # 4. Clip and step.
        with timers("optimizer"):
            max_norm = config.optim.max_grad_norm or math.inf
            norm = torch.nn.utils.clip_grad_norm_(self.policy.model.parameters(), max_norm)
            lr = config.optim.lr * lr_multiplier(
                step - 1, config.max_steps, config.optim.warmup_steps, config.optim.schedule
            )
            set_lr(self.optimizer, lr)
            self.optimizer.step()
            self.optimizer.zero_grad(set_to_none=True)
        return {
            "train/loss_rl": rl_total,
            "train/loss_ce": ce,
            "train/loss": rl_total + config.ce_weight * ce,
            "train/advantage_abs": float(advantages.abs().mean()),
            "train/zero_advantage": float((advantages == 0).float().mean()),
            "train/baseline": float(rollout.baselines.mean()),
            "train/grad_norm": float(norm),
            "train/lr": lr,
        } | outcome_metrics(rollout, scores, active)

    def _token_scores(self, rollout: Rollout) -> torch.Tensor:
        if self.critic is None:
            return rollout.completion_mask.clone()
        outcomes = torch.tensor(
            [outcome_class(v, self.critic.num_classes) for v in rollout.verdicts]
        )
        parts = []
        for start in range(0, len(rollout), self.config.micro_batch_size):
            index = list(range(start, min(start + self.config.micro_batch_size, len(rollout))))
            part = rollout.select(index)
            batch = CriticBatch(
                part.prompt_ids,
                part.prompt_mask.long(),
                part.completion_ids,
                part.completion_mask.long(),
            ).to(self.critic.device)
            parts.append(self.critic.token_scores(batch, outcomes[index]).cpu())
        return torch.cat(parts)

    def _reference_loss(self, step: int, timers: Timers) -> float:
        """ce_weight * the mean token NLL of this step's batch of reference solutions;
        backpropagated here, returned unweighted."""
        _, indices = micro_batch_indices(
            len(self.references), self.config.ce_batch_size, self.config.seed, step - 1
        )
        pad = self.policy.tokenizer.pad_token_id
        batch = collate([self.references[i] for i in indices], pad).to(self.policy.device)
        model = self.policy.model
        causal = not self.policy.is_encoder_decoder
        with timers("forward"):
            if causal:
                logits = model(input_ids=batch.input_ids, attention_mask=batch.attention_mask)
            else:
                logits = model(
                    input_ids=batch.input_ids,
                    attention_mask=batch.attention_mask,
                    decoder_input_ids=model.prepare_decoder_input_ids_from_labels(
                        labels=batch.labels
                    ),
                )
            nll, count = token_nll(logits.logits, batch.labels, causal)
            loss = nll / count.clamp(min=1)
        with timers("backward"):
            (self.config.ce_weight * loss).backward()
        return float(loss.detach())

    def extra_modules(self) -> dict[str, torch.nn.Module]:
        return {}

    def extra_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {}

    def state(self) -> dict[str, Any]:
        return {}

    def load_state(self, state: dict[str, Any]) -> None:
        pass


def outcome_metrics(rollout: Rollout, scores: torch.Tensor, scored: list[int]) -> dict[str, float]:
    """Per 4-way outcome class: its share of the programs (``train/share_...``), their mean
    advantage, and the mean token score q_t of its ``scored`` programs (those with a non-zero
    advantage: how much of the reward reaches their tokens)."""
    names = OUTCOME_CLASSES[4]
    classes = [outcome_class(v, 4) for v in rollout.verdicts]
    advantages = rollout.rewards - rollout.baselines
    metrics: dict[str, float] = {}
    for c, name in enumerate(names):
        rows = [i for i, k in enumerate(classes) if k == c]
        metrics[f"train/share_{name}"] = len(rows) / max(len(rollout), 1)
        if rows:
            metrics[f"train/advantage_{name}"] = float(advantages[rows].mean())
        rows = [i for i in rows if i in set(scored)]
        if rows:
            mask = rollout.completion_mask[rows]
            metrics[f"train/q_{name}"] = float((scores[rows] * mask).sum() / mask.sum().clamp(1))
    return metrics


def _frozen_critic(config: CodeRLConfig, policy: Policy) -> OutcomeCritic:
    """The trained critic, frozen, on the policy's device; it must share the policy's
    tokenizer, since it scores the policy's own tokens."""
    assert config.critic is not None
    critic = OutcomeCritic.from_pretrained(config.critic, device=str(policy.device))
    if critic.tokenizer.get_vocab() != policy.tokenizer.get_vocab():
        raise ConfigError(
            f"critic = {config.critic}: its tokenizer differs from the policy's; train the "
            "critic from the policy's own checkpoint (coderl train critic, backbone: ...)"
        )
    critic.requires_grad_(False)
    return critic.eval()


def _reference_examples(config: CodeRLConfig, policy: Policy) -> list:
    if config.ce_weight == 0:
        return []
    problems = load_problems(config.problems).problems
    data = build_examples(problems, config.prompt_style)
    kept, _ = tokenize_examples(
        data.examples, policy.tokenizer, config.max_seq_len, policy.is_encoder_decoder
    )
    if not kept:
        raise DataError(
            f"{config.problems}: no reference solution fits max_seq_len = {config.max_seq_len} "
            "for the cross-entropy term; raise it or set ce_weight: 0"
        )
    return kept


# -- offline: programs sampled once ------------------------------------------------------------


@dataclass(frozen=True)
class OfflineSamples:
    """The offline training set: decided samples with their greedy baseline."""

    samples: tuple[RolloutSample, ...]
    skipped: int  # samples left out: undecided, or their problem's greedy program undecided


def offline_samples(path: str, policy: Policy) -> OfflineSamples:
    """The ``sample`` records of a critic data file as rollout samples (re-tokenised with
    the policy's tokenizer), with the reward of their problem's ``greedy`` record as
    baseline."""
    records = load_records(path)
    baselines = {r.problem_id: r.reward for r in records if r.source == "greedy"}
    if not baselines:
        raise DataError(
            f"{path}: no greedy records to serve as baselines (make the file with "
            "`coderl critic data`, which samples the greedy program too)"
        )
    tokenizer = policy.tokenizer
    groups: dict[str, int] = {}
    samples, skipped = [], 0
    for r in records:
        if r.source != "sample":
            continue
        base = baselines.get(r.problem_id)
        if r.reward is None or base is None:
            skipped += 1
            continue
        prompt = tuple(tokenizer(r.prompt, add_special_tokens=True)["input_ids"])
        tokens = [*tokenizer(r.completion, add_special_tokens=False)["input_ids"]]
        if r.finished:
            tokens.append(tokenizer.eos_token_id)
        sample = Sample(
            r.completion,
            tuple(tokens),
            (0.0,) * len(tokens),  # behaviour log-probs: unused by the CodeRL loss
            r.finished,
            prompt_index=0,
            prompt_token_ids=prompt,
        )
        samples.append(
            RolloutSample.of(
                sample,
                reward=r.reward,
                group_id=groups.setdefault(r.problem_id, len(groups)),
                verdict=r.verdict,
                problem_id=r.problem_id,
                baseline=base,
            )
        )
    if not samples:
        raise DataError(f"{path}: no decided sample to train on")
    return OfflineSamples(tuple(samples), skipped)


def run_offline(config: CodeRLConfig, resume: bool = False, progress: bool = True) -> RLResult:
    """The paper's offline loop: 1. the step's batch of stored programs, 2. the CodeRL
    update, 3. log, 4. evaluate on held-out problems, 5. checkpoint."""
    from coderl.models.loading import resolve_device

    assert config.offline_data is not None
    output_dir = Path(config.output_dir)
    start = starting_checkpoint(config, resume, RESUME_INVARIANTS)
    random.seed(config.seed)
    torch.manual_seed(config.seed)
    policy = load_start_policy(config, start, resolve_device(config.device))
    data = offline_samples(config.offline_data, policy)
    eval_problems = load_problems(config.eval.problems).problems if config.eval.problems else ()
    learner = CodeRLLearner(policy, config)
    state = load_train_state(start, learner.optimizer, RLState) if start else RLState()
    save_config(config, output_dir / "config.yaml")
    timers = Timers()
    evals: list[tuple[int, float]] = []
    checkpoint = start
    left_pad = not policy.is_encoder_decoder
    with (
        Judge(judge_config(config)) as judge,
        MetricsLogger(output_dir, config.logging, resume_step=state.step) as logger,
        progress_bar(total=config.max_steps, initial=state.step, disable=not progress) as bar,
    ):
        if eval_problems and config.eval.at_start and state.step == 0:
            evals.append((0, evaluate_greedy(policy, judge, list(eval_problems), config)))
            logger.log(0, {"eval/pass@1": evals[-1][1]})
        while state.step < config.max_steps:
            step = state.step + 1
            # 1. The step's programs: a seeded permutation of the stored ones, epoch after epoch.
            _, indices = micro_batch_indices(
                len(data.samples), config.samples_per_step, config.seed, step - 1
            )
            batch = _regrouped([data.samples[i] for i in indices])
            rollout = build_rollout(batch, policy.tokenizer.pad_token_id, left_pad)
            # 2. The update.
            metrics = learner.update(rollout, step, timers)
            reward = float(rollout.rewards.mean())
            state = RLState(step=step, reward_history=(*state.reward_history, reward))
            # 3. Log; 4. evaluate.
            record = {"train/reward": reward} | metrics | timers.pop()
            last = step == config.max_steps
            if eval_problems and (step % config.eval.every_steps == 0 or last):
                with timers("eval"):
                    passed = evaluate_greedy(policy, judge, list(eval_problems), config)
                evals.append((step, passed))
                record |= {"eval/pass@1": evals[-1][1]} | timers.pop()
            if step % config.logging.every_steps == 0 or last:
                logger.log(step, record)
            bar.update(1)
            # 5. Checkpoint.
            if step % config.checkpoint.every_steps == 0 or last:
                checkpoint = save_checkpoint(
                    output_dir,
                    state,
                    policy.model,
                    policy.tokenizer,
                    learner.optimizer,
                    config,
                    keep_last=config.checkpoint.keep_last,
                )
    assert checkpoint is not None
    return RLResult(checkpoint, state.step, state.reward_history, tuple(evals))


def _regrouped(samples: Sequence[RolloutSample]) -> list[RolloutSample]:
    """Group ids numbered within the batch (one per problem)."""
    ids: dict[str, int] = {}
    return [replace(s, group_id=ids.setdefault(s.problem_id, len(ids))) for s in samples]


def train_coderl(config: CodeRLConfig, resume: bool = False, progress: bool = True) -> RLResult:
    """CodeRL fine-tuning, online (`run_online`) or offline (`run_offline`) by ``config.mode``."""
    if config.mode == "offline":
        return run_offline(config, resume=resume, progress=progress)
    return run_online(config, CodeRLLearner, resume=resume, progress=progress)
