"""Critic-free policy gradient from the judge: GRPO, Dr.GRPO, RLOO and REINFORCE with
CodeRL's greedy baseline, as one learner over the `rl_math` registries.

The update of one rollout (GRPO, Shao et al. 2024, with the variants' choices from
`GRPOConfig.algorithm`):

1. advantages per program from its group's rewards (estimator registry), broadcast to its
   tokens;
2. reference log-probs, when a KL penalty is on (the starting policy, or the same model with
   its LoRA adapters disabled);
3. ``epochs_per_step`` passes over shuffled minibatches; each minibatch is one optimizer
   step, accumulated over micro-batches: token loss = clipped surrogate (policy-loss
   registry) + beta * KL, reduced by the algorithm's aggregation over the whole minibatch;
   then gradient clipping and the optimizer step.

Programs whose advantage is 0 (a group where every program got the same reward) add
exactly nothing to the policy-gradient term, so without a KL term they skip the forward and
backward pass; the normalisers still count them, so the loss is the same. Dropout stays off
(the model stays in eval mode while its gradients flow): the ratio must compare the same
function that sampled the programs.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import torch

from coderl.models.policy import Policy
from coderl.training.online import RLResult, run_online
from coderl.training.optim import build_optimizer, lr_multiplier, set_lr
from coderl.training.reference import as_reference, reference_model
from coderl.training.rl_configs import GRPOConfig
from coderl.training.rl_math import (
    ADVANTAGE_ESTIMATORS,
    POLICY_LOSSES,
    aggregate_loss,
    kl_penalty,
    masked_sum,
)
from coderl.training.rollout import Processing, Rollout, completion_logprobs
from coderl.training.timers import Timers


class PolicyGradientLearner:
    """The update rule of `GRPOConfig.algorithm` for one policy (optionally with LoRA)."""

    def __init__(self, policy: Policy, config: GRPOConfig) -> None:
        self.config = config
        self.policy = policy
        policy.model.eval()  # no dropout: see the module's docstring
        self.optimizer = build_optimizer(policy.model, config.optim)
        self.processing = Processing(
            config.rollout.temperature, config.rollout.top_k, config.rollout.top_p
        )
        self.reference = (
            reference_model(policy, config.model, config.lora.enabled)
            if config.kl.beta > 0
            else None
        )
        self.generator = torch.Generator().manual_seed(config.seed)

    def update(self, rollout: Rollout, step: int, timers: Timers) -> dict[str, float]:
        config = self.config
        # 1. Advantages from each group's rewards.
        estimator = ADVANTAGE_ESTIMATORS[config.advantage_estimator]
        advantages = estimator(rollout.rewards, rollout.group_ids, rollout.baselines)
        # 2. Reference log-probs for the KL term.
        if self.reference is not None:
            with (
                timers("forward"),
                torch.no_grad(),
                as_reference(self.policy, self.reference) as reference,
            ):
                ref = torch.cat(
                    [
                        self._logprobs(reference, rollout.select(chunk))[0]
                        for chunk in self._chunks(range(len(rollout)))
                    ]
                )
            rollout = _with_ref(rollout, ref)
        # 3. Passes over shuffled minibatches, one optimizer step each.
        self.generator.manual_seed(config.seed * 7919 + step)
        sums: dict[str, float] = {"loss": 0.0, "kl": 0.0, "clipped": 0.0, "entropy": 0.0}
        tokens_seen = 0
        grad_norms = []
        for _ in range(config.epochs_per_step):
            order = torch.randperm(len(rollout), generator=self.generator)
            for minibatch in order.chunk(config.minibatches):
                norm, seen = self._minibatch_step(
                    rollout, advantages, minibatch, step, timers, sums
                )
                grad_norms.append(norm)
                tokens_seen += seen
        passes = config.epochs_per_step * config.minibatches
        return {
            "train/loss": sums["loss"] / passes,
            "train/kl": sums["kl"] / max(tokens_seen, 1),
            "train/clip_frac": sums["clipped"] / max(tokens_seen, 1),
            "train/entropy": sums["entropy"] / max(tokens_seen, 1),
            "train/advantage_abs": float(advantages.abs().mean()),
            "train/zero_advantage": float((advantages == 0).float().mean()),
            "train/grad_norm": sum(grad_norms) / len(grad_norms),
            "train/lr": self.optimizer.param_groups[0]["lr"],
            "train/beta": config.kl.beta,
        }

    def _minibatch_step(
        self,
        rollout: Rollout,
        advantages: torch.Tensor,
        minibatch: torch.Tensor,
        step: int,
        timers: Timers,
        sums: dict[str, float],
    ) -> tuple[float, int]:
        config = self.config
        device = self.policy.device
        mask = rollout.completion_mask[minibatch]
        totals = {
            "total_sequences": len(minibatch),
            "total_tokens": int(mask.sum()),
            "max_tokens": config.rollout.max_new_tokens,
        }
        # Programs with advantage 0 add nothing but KL: skip them when there is no KL.
        active = minibatch if self.reference else minibatch[advantages[minibatch] != 0]
        # In rollout order, a group's samples share micro-batches, and so their prompt's pass.
        active = active.sort().values
        policy_loss = POLICY_LOSSES[config.policy_loss]
        seen = 0
        for chunk in self._chunks(active.tolist()):
            part = rollout.select(chunk).to(device)
            with timers("forward"):
                logprobs, entropy = self._logprobs(self.policy.model, part, with_entropy=True)
                adv = advantages[chunk].to(device).unsqueeze(-1)
                per_token, clipped = policy_loss(
                    logprobs, part.behaviour_logprobs, adv, config.clip_low, config.clip_high
                )
                kl = torch.zeros_like(per_token)
                if part.ref_logprobs is not None:
                    kl = kl_penalty(logprobs, part.ref_logprobs, config.kl.estimator)
                    per_token = per_token + config.kl.beta * kl
                loss = aggregate_loss(per_token, part.completion_mask, config.aggregation, **totals)
            with timers("backward"):
                loss.backward()
            m = part.completion_mask
            sums["loss"] += float(loss.detach())
            sums["kl"] += float(masked_sum(kl.detach(), m))
            sums["clipped"] += float(masked_sum(clipped, m))
            sums["entropy"] += float(masked_sum(entropy, m))
            seen += int(m.sum())
        with timers("optimizer"):
            max_norm = config.optim.max_grad_norm or math.inf
            norm = torch.nn.utils.clip_grad_norm_(self.policy.model.parameters(), max_norm)
            lr = config.optim.lr * lr_multiplier(
                step - 1, config.max_steps, config.optim.warmup_steps, config.optim.schedule
            )
            set_lr(self.optimizer, lr)
            if active.numel():
                self.optimizer.step()
            self.optimizer.zero_grad(set_to_none=True)
        return float(norm), seen

    def _logprobs(
        self, model: Any, rollout: Rollout, with_entropy: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        return completion_logprobs(
            model,
            rollout.to(self.policy.device),
            self.policy.is_encoder_decoder,
            self.processing,
            with_entropy=with_entropy,
        )

    def _chunks(self, indices) -> list[list[int]]:
        indices = list(indices)
        size = self.config.micro_batch_size
        return [indices[i : i + size] for i in range(0, len(indices), size)]

    def extra_modules(self) -> dict[str, torch.nn.Module]:
        return {}

    def extra_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {}

    def state(self) -> dict[str, Any]:
        return {}

    def load_state(self, state: dict[str, Any]) -> None:
        pass


def _with_ref(rollout: Rollout, ref: torch.Tensor) -> Rollout:
    return replace(rollout, ref_logprobs=ref.cpu())


def train_grpo(config: GRPOConfig, resume: bool = False, progress: bool = True) -> RLResult:
    """Run `GRPOConfig.algorithm` online on ``config.problems`` (see `run_online`)."""
    return run_online(config, PolicyGradientLearner, resume=resume, progress=progress)
