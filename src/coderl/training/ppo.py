"""PPO with a value head, a KL-controlled frozen reference and GAE: PPOCoder's learner
(Shojaee et al. 2023) done as PPO is meant to be, on the shared online loop.

The update of one rollout (Ziegler et al. 2019 for the KL-shaped rewards and controller,
Schulman et al. 2017 for PPO):

1. values ``V(s_t)`` of every generated token's state: the value head on the policy's last
   hidden states (one no-grad forward, ``time/value``);
2. the reference's log-probs (the starting policy, or the same model with LoRA adapters off;
   ``time/reference``) and the per-token KL of the sampled tokens;
3. per-token rewards ``-beta * KL_t``, plus the program's score at its last token (less
   ``truncation_penalty`` for programs cut at max_new_tokens);
4. GAE advantages and returns, advantages whitened over the batch's tokens;
5. ``ppo.epochs`` passes over shuffled minibatches, one optimizer step each (accumulated over
   micro-batches): loss = clipped surrogate + vf_coef * clipped value loss - entropy_coef *
   entropy, token mean over the minibatch; gradient clipping; an early stop once the
   approximate KL to the sampling policy passes ``ppo.target_kl``;
6. the KL controller's new beta from the batch's KL per sequence.

The ratio's denominator is the sampler's log-prob under the distribution actually sampled
(temperature, top-k, top-p), so the behaviour policy is the scored policy; padding never
enters a sum or a mean. Dropout in the policy stays off, as in the GRPO learner: the ratio
must compare the same function that sampled the programs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import torch

from coderl.models.policy import Policy
from coderl.models.value_head import ValueHead, hidden_size_of
from coderl.training.online import RLResult, run_online
from coderl.training.optim import build_optimizer, lr_multiplier, set_lr
from coderl.training.ppo_config import PPOConfig
from coderl.training.ppo_math import (
    adaptive_kl_beta,
    approx_kl,
    clipped_value_loss,
    explained_variance,
    gae,
    shuffled_minibatches,
    token_rewards,
    truncated_scores,
)
from coderl.training.reference import as_reference, reference_model
from coderl.training.rl_math import (
    clipped_policy_loss,
    kl_penalty,
    masked_mean,
    masked_sum,
    masked_whiten,
)
from coderl.training.rollout import (
    Processing,
    Rollout,
    completion_forward,
    token_logprobs,
)
from coderl.training.timers import Timers


@dataclass(frozen=True)
class Targets:
    """What the update fits, per token [N, T]: the rollout-time values, the GAE advantages
    (whitened when configured) and returns."""

    values: torch.Tensor
    advantages: torch.Tensor
    returns: torch.Tensor

    def select(self, indices: list[int]) -> Targets:
        return Targets(self.values[indices], self.advantages[indices], self.returns[indices])

    def to(self, device: torch.device) -> Targets:
        return Targets(self.values.to(device), self.advantages.to(device), self.returns.to(device))


class PPOLearner:
    """PPO for one policy (optionally LoRA) with a value head on its trunk."""

    def __init__(self, policy: Policy, config: PPOConfig) -> None:
        self.config = config
        self.policy = policy
        policy.model.eval()  # no dropout in the policy: see the module's docstring
        self.optimizer = build_optimizer(policy.model, config.optim)
        self.value_head = ValueHead(hidden_size_of(policy.model), config.value_head.dropout).to(
            policy.device
        )
        value_optim = replace(config.optim, lr=config.value_head.lr or config.optim.lr)
        self.value_optimizer = build_optimizer(self.value_head, value_optim)
        self.processing = Processing(
            config.rollout.temperature, config.rollout.top_k, config.rollout.top_p
        )
        self.reference = (
            reference_model(policy, config.model, config.lora.enabled)
            if config.kl.beta > 0
            else None
        )
        self.beta = config.kl.beta
        self.generator = torch.Generator().manual_seed(config.seed)

    # -- the update ---------------------------------------------------------------------------

    def update(self, rollout: Rollout, step: int, timers: Timers) -> dict[str, float]:
        config, ppo = self.config, self.config.ppo
        mask = rollout.completion_mask
        # 1. Values of the states each token was sampled from.
        self.value_head.eval()
        with timers("value"), torch.no_grad():
            values = torch.cat(
                [self._values(rollout.select(c)) for c in self._chunks(len(rollout))]
            )
        # 2. The reference's log-probs and the per-token KL of the sampled tokens.
        kl = torch.zeros_like(mask)
        if self.reference is not None:
            with timers("reference"), torch.no_grad():
                ref = torch.cat(
                    [
                        self._reference_logprobs(rollout.select(c))
                        for c in self._chunks(len(rollout))
                    ]
                )
            kl = kl_penalty(rollout.behaviour_logprobs, ref, config.kl.estimator) * mask
        # 3. Per-token rewards: -beta * KL_t, the score at the last token.
        scores = truncated_scores(rollout.rewards, rollout.finished, ppo.truncation_penalty)
        rewards = token_rewards(scores, kl, mask, self.beta)
        # 4. GAE; whitened advantages.
        advantages, returns = gae(rewards, values, mask, ppo.gamma, ppo.lam)
        if ppo.whiten_advantages:
            advantages = masked_whiten(advantages, mask)
        targets = Targets(values, advantages, returns)
        # 5. Epochs of shuffled minibatches, one optimizer step each; early stop on approx KL.
        self.value_head.train()
        self.generator.manual_seed(config.seed * 7919 + step)
        sums = dict.fromkeys(
            ("policy_loss", "value_loss", "clip_frac", "value_clip_frac", "entropy", "tokens"),
            0.0,
        )
        kls, norms, stopped = [], [], False
        for _ in range(ppo.epochs):
            for minibatch in shuffled_minibatches(len(rollout), ppo.minibatch_size, self.generator):
                kl_before, norm = self._minibatch_step(
                    rollout, targets, minibatch.tolist(), step, timers, sums
                )
                kls.append(kl_before)
                if norm is None:
                    stopped = True
                    break
                norms.append(norm)
            if stopped:
                break
        # 6. The KL controller.
        sequence_kl = float(kl.sum(-1).mean())
        beta = self.beta
        if ppo.kl_controller == "adaptive":
            self.beta = adaptive_kl_beta(
                self.beta, sequence_kl, ppo.kl_target, ppo.kl_horizon, len(rollout)
            )
        tokens = max(sums["tokens"], 1.0)
        return {
            "train/score": float(scores.mean()),
            "train/kl": sequence_kl,
            "train/kl_per_token": float(masked_mean(kl, mask)),
            "train/beta": beta,
            "train/policy_loss": sums["policy_loss"] / tokens,
            "train/value_loss": sums["value_loss"] / tokens,
            "train/clip_frac": sums["clip_frac"] / tokens,
            "train/value_clip_frac": sums["value_clip_frac"] / tokens,
            "train/entropy": sums["entropy"] / tokens,
            "train/explained_variance": explained_variance(values, returns, mask),
            "train/value_mean": float(masked_mean(values, mask)),
            "train/return_mean": float(masked_mean(returns, mask)),
            "train/approx_kl": kls[-1],
            "train/approx_kl_mean": sum(kls) / len(kls),
            "train/early_stopped": float(stopped),
            "train/minibatch_steps": float(len(norms)),
            "train/grad_norm": sum(norms) / len(norms) if norms else 0.0,
            "train/lr": self.optimizer.param_groups[0]["lr"],
        }

    def _minibatch_step(
        self,
        rollout: Rollout,
        targets: Targets,
        minibatch: list[int],
        step: int,
        timers: Timers,
        sums: dict[str, float],
    ) -> tuple[float, float | None]:
        """One optimizer step on ``minibatch``, accumulated over micro-batches. Returns the
        approximate KL of the policy before the step to the sampling one, and the gradient
        norm (None when that KL passed ``target_kl`` and the step was skipped)."""
        config, ppo = self.config, self.config.ppo
        device = self.policy.device
        total_tokens = max(int(rollout.completion_mask[minibatch].sum()), 1)
        kl_sum = 0.0
        parts = []
        minibatch = sorted(minibatch)  # a group's samples together: one prompt pass each
        for chunk in self._chunks(len(minibatch)):
            indices = [minibatch[i] for i in chunk]
            part = rollout.select(indices).to(device)
            target = targets.select(indices).to(device)
            m = part.completion_mask
            with timers("forward"):
                logprobs, entropy, values = self._forward(part)
                pg, clipped = clipped_policy_loss(
                    logprobs,
                    part.behaviour_logprobs,
                    target.advantages,
                    ppo.cliprange,
                    ppo.cliprange,
                )
                vf, vf_clipped = clipped_value_loss(
                    values, target.values, target.returns, ppo.cliprange_value
                )
                per_token = pg + ppo.vf_coef * vf - ppo.entropy_coef * entropy
                loss = masked_sum(per_token, m) / total_tokens
            with timers("backward"):
                loss.backward()
            detached = logprobs.detach()
            kl_sum += approx_kl(detached, part.behaviour_logprobs, m) * float(m.sum())
            parts.append(
                {
                    "policy_loss": float(masked_sum(pg.detach(), m)),
                    "value_loss": float(masked_sum(vf.detach(), m)),
                    "clip_frac": float(masked_sum(clipped, m)),
                    "value_clip_frac": float(masked_sum(vf_clipped, m)),
                    "entropy": float(masked_sum(entropy.detach(), m)),
                    "tokens": float(m.sum()),
                }
            )
        kl_before = kl_sum / total_tokens
        with timers("optimizer"):
            if ppo.target_kl is not None and kl_before > ppo.target_kl:
                self._zero_grad()
                return kl_before, None
            for part_sums in parts:
                for key, value in part_sums.items():
                    sums[key] += value
            parameters = [*self.policy.model.parameters(), *self.value_head.parameters()]
            norm = torch.nn.utils.clip_grad_norm_(
                [p for p in parameters if p.requires_grad], config.optim.max_grad_norm or math.inf
            )
            scale = lr_multiplier(
                step - 1, config.max_steps, config.optim.warmup_steps, config.optim.schedule
            )
            set_lr(self.optimizer, config.optim.lr * scale)
            set_lr(self.value_optimizer, (config.value_head.lr or config.optim.lr) * scale)
            self.optimizer.step()
            self.value_optimizer.step()
            self._zero_grad()
        return kl_before, float(norm)

    # -- forward passes -----------------------------------------------------------------------

    def _forward(self, part: Rollout) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Log-probs, entropy (with gradients when it is in the loss) and values [n, T]."""
        logits, hidden = completion_forward(
            self.policy.model, part, self.policy.is_encoder_decoder, hidden=True
        )
        entropy_grad = self.config.ppo.entropy_coef > 0
        logprobs, entropy = token_logprobs(
            logits, part, self.processing, with_entropy=True, entropy_grad=entropy_grad
        )
        assert entropy is not None and hidden is not None
        return logprobs, entropy, self.value_head(hidden) * part.completion_mask

    def _values(self, part: Rollout) -> torch.Tensor:
        part = part.to(self.policy.device)
        _, hidden = completion_forward(
            self.policy.model, part, self.policy.is_encoder_decoder, hidden=True
        )
        assert hidden is not None
        return (self.value_head(hidden) * part.completion_mask).cpu()

    def _reference_logprobs(self, part: Rollout) -> torch.Tensor:
        part = part.to(self.policy.device)
        with as_reference(self.policy, self.reference) as model:
            logits, _ = completion_forward(model, part, self.policy.is_encoder_decoder)
        return token_logprobs(logits, part, self.processing)[0].cpu()

    def _chunks(self, n: int) -> list[list[int]]:
        size = self.config.micro_batch_size
        return [list(range(i, min(i + size, n))) for i in range(0, n, size)]

    def _zero_grad(self) -> None:
        self.optimizer.zero_grad(set_to_none=True)
        self.value_optimizer.zero_grad(set_to_none=True)

    # -- what the checkpoint keeps --------------------------------------------------------------

    def extra_modules(self) -> dict[str, torch.nn.Module]:
        return {"value_head": self.value_head}

    def extra_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"value_head": self.value_optimizer}

    def state(self) -> dict[str, Any]:
        return {"beta": self.beta}

    def load_state(self, state: dict[str, Any]) -> None:
        self.beta = float(state.get("beta", self.config.kl.beta))


def train_ppo(config: PPOConfig, resume: bool = False, progress: bool = True) -> RLResult:
    """Run PPO online on ``config.problems`` (see `run_online`)."""
    return run_online(config, PPOLearner, resume=resume, progress=progress)
