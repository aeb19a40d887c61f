"""The online RL loop that every learner runs (GRPO/RLOO here; CodeRL's actor-critic and PPO
plug in the same way): a learner is the algorithm's update, not a copy of the loop.

Each step: 1. take the step's problems, 2. sample and judge them (overlapped) and reward the
programs, 3. the learner's update (advantages, losses, optimizer), 4. log, 5. evaluate on
held-out problems, 6. checkpoint. Everything a step draws depends only on (seed, step) and
the weights, so a run resumed from a checkpoint continues exactly as an uninterrupted one.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import torch

from coderl.config import save_config
from coderl.errors import ConfigError, DataError
from coderl.execution.judge import Judge
from coderl.execution.limits import JudgeConfig, Limits
from coderl.generation.config import SamplingConfig
from coderl.models import load_policy
from coderl.models.loading import resolve_device
from coderl.models.policy import Policy
from coderl.problems import Problem, load_problems
from coderl.progress import progress_bar as tqdm
from coderl.rewards import build_reward
from coderl.training import distributed
from coderl.training.checkpoint import load_train_state, save_checkpoint, starting_checkpoint
from coderl.training.collect import CollectStats, RolloutCollector
from coderl.training.data import micro_batch_indices
from coderl.training.rl_configs import RESUME_INVARIANTS, RolloutConfig
from coderl.training.rollout import Rollout
from coderl.training.timers import Timers

log = logging.getLogger(__name__)

MERGED_DIR = "merged"  # a LoRA run's final policy, adapters folded in


class Learner(Protocol):
    """The algorithm: what it trains and how one rollout updates it."""

    policy: Policy
    optimizer: torch.optim.Optimizer

    def update(self, rollout: Rollout, step: int, timers: Timers) -> dict[str, float]:
        """Advantages, losses and optimizer steps on ``rollout``; returns ``train/...``
        metrics."""
        ...

    def extra_modules(self) -> dict[str, torch.nn.Module]:
        """Modules other than the policy to checkpoint (a value head)."""
        ...

    def extra_optimizers(self) -> dict[str, torch.optim.Optimizer]: ...

    def state(self) -> dict[str, Any]:
        """The learner's own state for resume (e.g. an adaptive KL coefficient)."""
        ...

    def load_state(self, state: dict[str, Any]) -> None: ...


@dataclass(frozen=True)
class RLState:
    """Where a run stands: ``step`` updates done, the learner's own state, and the mean
    reward of each step so far."""

    step: int = 0
    learner: dict[str, Any] = field(default_factory=dict)
    reward_history: tuple[float, ...] = ()


@dataclass(frozen=True)
class RLResult:
    checkpoint: Path
    steps: int
    reward_history: tuple[float, ...]
    eval_history: tuple[tuple[int, float], ...]  # (step, held-out greedy pass@1)

    def summary(self) -> str:
        evals = ", ".join(f"step {s}: {100 * p:.1f}%" for s, p in self.eval_history)
        return (
            f"rl: {self.steps} steps; checkpoint {self.checkpoint}\n"
            f"held-out greedy pass@1: {evals or 'not evaluated (set eval.problems)'}"
        )


def run_online(
    config: Any,
    make_learner: Callable[[Policy, Any], Learner],
    resume: bool = False,
    progress: bool = True,
) -> RLResult:
    """Train ``make_learner(policy, config)`` online from the judge's rewards."""
    output_dir = Path(config.output_dir)
    ranks = distributed.ranks(config.device)  # under a launcher: see coderl.training.distributed
    start = starting_checkpoint(config, resume, RESUME_INVARIANTS)
    random.seed(config.seed)
    torch.manual_seed(config.seed)
    device = distributed.local_device(resolve_device(config.device))
    policy = load_start_policy(config, start, device)
    reward = build_reward(config.reward.name, **config.reward.options)
    problems = list(load_problems(config.problems).problems)
    if getattr(reward, "needs_tests", True):  # PPOCoder's rewards need no tests
        problems = _with_tests(problems, config.problems)
    eval_problems = (
        _with_tests(load_problems(config.eval.problems).problems, config.eval.problems)
        if config.eval.problems
        else []
    )
    learner = make_learner(policy, config)
    state = RLState()
    if start:
        state = load_train_state(
            start,
            learner.optimizer,
            RLState,
            modules=learner.extra_modules(),
            optimizers=learner.extra_optimizers(),
        )
        learner.load_state(state.learner)
    if ranks.main:
        save_config(config, output_dir / "config.yaml")

    timers = Timers()
    eval_history: list[tuple[int, float]] = []
    checkpoint = start
    engine = _vllm_engine(config, policy, start)
    with (
        Judge(judge_config(config)) as judge,
        distributed.main_logger(ranks, output_dir, config.logging, state.step) as logger,
        tqdm(
            total=config.max_steps,
            initial=state.step,
            disable=not (progress and ranks.main),
            desc="rl",
        ) as bar,
    ):
        collector = RolloutCollector(
            policy,
            judge,
            reward,
            rollout_sampling(config.rollout, config.seed),
            prompt_style=config.prompt_style,
            tests=config.judge.tests,
            stop_at_first_failure=config.judge.stop_at_first_failure,
            greedy_baseline=config.advantage_estimator == "greedy_baseline",
            sampler=engine,
        )
        if eval_problems and config.eval.at_start and state.step == 0 and ranks.main:
            pass_rate = evaluate_greedy(policy, judge, eval_problems, config)
            eval_history.append((0, pass_rate))
            logger.log(0, {"eval/pass@1": pass_rate})
        while state.step < config.max_steps:
            step = state.step + 1
            # 1. The step's problems: a seeded permutation, epoch after epoch.
            _, indices = micro_batch_indices(
                len(problems), config.rollout.prompts_per_step, config.seed, step - 1
            )
            batch = [problems[i] for i in indices]
            # 2. Sample (fresh streams each step), judge and reward (each rank its share).
            offset, batch = ranks.share(batch)
            rollout, stats = collector.collect(
                batch, seed=config.seed * 1_000_003 + step, timers=timers
            )
            if ranks.world > 1:  # every rank gets the whole rollout: whole groups
                with timers("gather"):
                    rollout = distributed.gather_rollout(
                        rollout,
                        offset,
                        policy.tokenizer.pad_token_id,
                        left_pad_prompts=not policy.is_encoder_decoder,
                    )
                    stats = distributed.gather_stats(stats)
            # 3. The algorithm's update.
            metrics = learner.update(rollout, step, timers) if rollout is not None else {}
            if engine is not None and rollout is not None:
                with timers("sync"):
                    engine.sync_weights()
            mean_reward = float(rollout.rewards.mean()) if rollout is not None else float("nan")
            state = RLState(
                step=step,
                learner=learner.state(),
                reward_history=(*state.reward_history, mean_reward),
            )
            # 4. Log.
            seconds = timers.pop()
            record = _rollout_metrics(stats, rollout, seconds) | metrics | seconds
            last = step == config.max_steps
            # 5. Evaluate on held-out problems.
            if eval_problems and (step % config.eval.every_steps == 0 or last) and ranks.main:
                with timers("eval"):
                    pass_rate = evaluate_greedy(policy, judge, eval_problems, config)
                eval_history.append((step, pass_rate))
                record |= {"eval/pass@1": pass_rate} | timers.pop()
            if step % config.logging.every_steps == 0 or last:
                logger.log(step, record)
            bar.update(1)
            bar.set_postfix(reward=f"{mean_reward:.3f}", passed=f"{stats.passed}/{stats.sampled}")
            # 6. Checkpoint (always after the last step).
            if step % config.checkpoint.every_steps == 0 or last:
                checkpoint = save_checkpoint(
                    output_dir,
                    state,
                    policy.model,
                    policy.tokenizer,
                    learner.optimizer,
                    config,
                    keep_last=config.checkpoint.keep_last,
                    modules=learner.extra_modules(),
                    optimizers=learner.extra_optimizers(),
                )
    assert checkpoint is not None
    if config.lora.enabled and ranks.main:  # a plain folder too, loadable without peft
        from coderl.models.lora import merge_lora

        merge_lora(policy, output_dir / MERGED_DIR)
    return RLResult(checkpoint, state.step, state.reward_history, tuple(eval_history))


def load_start_policy(config: Any, start: Path | None, device: torch.device) -> Policy:
    """The policy to train: from the run's last checkpoint when resuming, else from
    ``config.model``; with LoRA, the base model plus the checkpoint's (or fresh) adapters."""
    lora = config.lora
    if not lora.enabled:
        source = str(start) if start else config.model
        return load_policy(source, device=str(device), dtype="float32", for_training=True)
    from coderl.models.lora import apply_lora, load_lora

    base = load_policy(config.model, device=str(device), dtype="float32", for_training=True)
    if start:
        return load_lora(base, start)
    return apply_lora(base, lora.r, lora.alpha, lora.dropout, lora.target_modules)


def _vllm_engine(config: Any, policy: Policy, start: Path | None) -> Any:
    """vLLM's sampler for the rollouts (``rollout.engine: vllm``), from the run's weights;
    None for the built-in one. Evaluation and greedy baselines stay on the built-in one."""
    if config.rollout.engine != "vllm":
        return None
    if config.lora.enabled:
        raise ConfigError("rollout.engine: vllm syncs full weights; set lora.enabled: false")
    from coderl.generation.vllm_backend import VllmSampler

    options = {"gpu_memory_utilization": config.rollout.vllm_memory}
    source = str(start or config.model)
    return VllmSampler(
        policy, rollout_sampling(config.rollout, config.seed), source, engine_options=options
    )


def evaluate_greedy(policy: Policy, judge: Judge, problems: list[Problem], config: Any) -> float:
    """Share of ``problems`` whose greedy program passes every hidden test."""
    sampling = replace(
        rollout_sampling(config.rollout, config.seed),
        n=1,
        greedy=True,
        max_new_tokens=config.eval.max_new_tokens or config.rollout.max_new_tokens,
    )
    return pass_rate(policy, judge, problems, sampling, config.prompt_style)


def pass_rate(
    policy: Policy,
    judge: Judge,
    problems: list[Problem],
    sampling: SamplingConfig,
    prompt_style: str | None = None,
) -> float:
    """pass@1 estimated from ``sampling.n`` programs per problem (see `pass_at_ks`)."""
    return pass_at_ks(policy, judge, problems, sampling, prompt_style)[1]


def pass_at_ks(
    policy: Policy,
    judge: Judge,
    problems: list[Problem],
    sampling: SamplingConfig,
    prompt_style: str | None = None,
    ks: tuple[int, ...] = (1,),
) -> dict[int, float]:
    """Unbiased pass@k for each k in ``ks`` from ``sampling.n`` programs per problem: the mean
    over problems of `pass_at_k` of their judged programs. Undecided programs leave their
    problem's count; a problem with fewer than k decided programs leaves pass@k's mean."""
    if max(ks) > sampling.n:
        raise ValueError(
            f"pass@{max(ks)} needs at least {max(ks)} samples, sampling.n = {sampling.n}"
        )
    outcomes = judged_outcomes(policy, judge, problems, sampling, prompt_style)
    return mean_pass_at_ks(outcomes, ks)


def judged_outcomes(
    policy: Policy,
    judge: Judge,
    problems: list[Problem],
    sampling: SamplingConfig,
    prompt_style: str | None = None,
) -> dict[str, list[bool]]:
    """Whether each of ``sampling.n`` programs per problem passed its hidden tests, by problem
    id (ids must be distinct); undecided (infra_error) programs are left out."""
    from coderl.execution.types import Submission, Verdict
    from coderl.generation.postprocess import program_from_completion
    from coderl.generation.runner import build_prompts
    from coderl.generation.sampler import Sampler

    groups = Sampler(policy, sampling).sample(build_prompts(policy, problems, prompt_style))
    submissions = [
        Submission(
            problem,
            program_from_completion(problem, sample.text),
            sample_index=sample.sample_index,
            stop_at_first_failure=True,
        )
        for problem, group in zip(problems, groups)
        for sample in group
    ]
    outcomes: dict[str, list[bool]] = {}
    for judgement in judge.run(submissions):
        if judgement.verdict is not Verdict.INFRA_ERROR:
            outcomes.setdefault(judgement.problem_id, []).append(judgement.passed)
    return outcomes


def mean_pass_at_ks(outcomes: dict[str, list[bool]], ks: tuple[int, ...]) -> dict[int, float]:
    """The mean over problems of unbiased pass@k, from each problem's judged outcomes; a
    problem with fewer than k outcomes leaves pass@k's mean (0.0 when none is left)."""
    from coderl.evaluation.metrics import pass_at_k

    scores = {}
    for k in ks:
        rates = [pass_at_k(len(p), sum(p), k) for p in outcomes.values() if len(p) >= k]
        scores[k] = sum(rates) / max(len(rates), 1)
    return scores


def rollout_sampling(r: RolloutConfig, seed: int) -> SamplingConfig:
    """The sampler's config for a step's rollouts: ``group_size`` programs per problem."""
    return SamplingConfig(
        n=r.group_size,
        temperature=r.temperature,
        top_p=r.top_p,
        top_k=r.top_k,
        max_new_tokens=r.max_new_tokens,
        stop=r.stop,
        batch_size=r.batch_size,
        seed=seed,
    )


def judge_config(config: Any) -> JudgeConfig:
    j = config.judge
    workers = {} if j.workers is None else {"workers": j.workers}
    return JudgeConfig(
        limits=Limits(cpu_time_s=j.cpu_time_s, memory_mb=j.memory_mb),
        backend=j.backend,
        ray_address=j.ray_address,
        ray_actors=j.ray_actors,
        **workers,
    )


def _with_tests(problems: tuple[Problem, ...] | list[Problem], spec: str) -> list[Problem]:
    usable = [p for p in problems if p.tests]
    if not usable:
        raise DataError(f"{spec}: no problem with hidden tests; RL needs tests to reward")
    if len(usable) < len(problems):
        log.warning(
            "%s: %d problems without hidden tests left out", spec, len(problems) - len(usable)
        )
    return usable


def _rollout_metrics(
    stats: CollectStats, rollout: Rollout | None, seconds: dict[str, float]
) -> dict[str, float]:
    decided = stats.sampled - stats.dropped
    record: dict[str, float] = {
        "train/reward": float(rollout.rewards.mean()) if rollout is not None else float("nan"),
        "train/pass_rate": stats.passed / max(decided, 1),
        "train/response_length": stats.tokens / max(stats.sampled, 1),
        "train/truncated": stats.truncated / max(stats.sampled, 1),
        "judge/dropped": float(stats.dropped),
    }
    for verdict, count in stats.verdicts.items():
        record[f"judge/{verdict}"] = count / max(stats.sampled, 1)
    busy = sum(seconds.values())
    record["train/tokens_per_s"] = stats.tokens / busy if busy > 0 else 0.0
    return record
