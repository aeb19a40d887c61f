"""The quickstart's critic_sampling stage: CodeRL's critic sampling of the test problems with
the RL policy and the critic stage's critic, against plain sampling of each problem at exactly
the tokens critic sampling spent on it.

Writes ``samples-critic-sampled.jsonl`` and ``samples-plain-sampled.jsonl`` (each with its
``.budget.json``) and their reports ``report-critic-sampled.json`` / ``report-plain-sampled.json``
(the evaluation report format: pass@1 and pass@N, n@k as ``1@N`` and ``5@N`` for
N = ``sample.n``, and ``budget`` with ``programs`` and ``tokens``). It runs before the report
stage and reads only its own section, ``sample`` and ``judge``. With
``critic_sampling.repair`` it first trains a repair model (``repair/``) on the critic data.
"""

from __future__ import annotations

from coderl.recipes.quickstart import (
    CRITIC_DIR,
    CRITIC_TRAIN_DATA,
    RL_PROBLEMS,
    TEST_PROBLEMS,
    Context,
    final_checkpoint,
    output_name,
    read_problems,
)
from coderl.recipes.quickstart_config import check_critic_sampling

REPAIR_DIR = "repair"


def run_critic_sampling(ctx: Context) -> None:
    from coderl.evaluation.budgeted import report_budgeted
    from coderl.execution.judge import Judge
    from coderl.execution.limits import JudgeConfig, Limits
    from coderl.generation.budget import budget_path, read_budget
    from coderl.generation.critic_config import CriticSamplingConfig
    from coderl.generation.strategies import generate_critic, generate_plain
    from coderl.models import load_policy
    from coderl.models.critic import OutcomeCritic
    from coderl.training.checkpoint import latest_checkpoint

    check_critic_sampling(ctx.config)
    config, cfg = ctx.config, ctx.config.critic_sampling
    problems = list(read_problems(ctx, TEST_PROBLEMS))
    policy = load_policy(str(final_checkpoint(ctx, config.rl.algorithm)), device="auto")
    critic = OutcomeCritic.from_pretrained(
        latest_checkpoint(ctx.folder / CRITIC_DIR / "model"), device=str(policy.model.device)
    )
    repair = None
    if cfg.repair:
        repair = load_policy(str(_train_repair(ctx)), device="auto")
    sampling = config.sample.sampling(greedy=False, seed=config.seed)
    workers = {} if config.judge.workers is None else {"workers": config.judge.workers}
    judge_config = JudgeConfig(limits=Limits(cpu_time_s=config.judge.cpu_time_s), **workers)
    critic_config = CriticSamplingConfig(
        refine=cfg.refine, repair_top_m=cfg.repair_top_m, repair_rounds=cfg.repair_rounds
    )
    paths = {s: ctx.folder / output_name("samples", s, "sampled") for s in ("critic", "plain")}
    generate_critic(
        policy,
        critic,
        problems,
        paths["critic"],
        sampling,
        critic_config,
        repair,
        config.prompt_style,
        judge_config,
        progress=ctx.progress,
    )
    budget = read_budget(budget_path(paths["critic"]))
    generate_plain(policy, problems, paths["plain"], sampling, budget, config.prompt_style)
    with Judge(judge_config) as judge:
        for strategy, path in paths.items():
            report = report_budgeted(problems, path, judge, ns=(1, 5), ks=(1,), seed=config.seed)
            report.write(ctx.folder / output_name("report", strategy, "sampled", ".json"))


def _train_repair(ctx: Context):
    """A repair model from the SFT checkpoint, on pairs mined from the critic stage's data."""
    from coderl.training.checkpoint import latest_checkpoint
    from coderl.training.configs import CheckpointConfig, LoggingConfig, OptimConfig
    from coderl.training.repair import RepairConfig, train_repair

    config = ctx.config
    folder = ctx.folder / REPAIR_DIR
    repair = RepairConfig(
        model=str(final_checkpoint(ctx, "sft").resolve()),
        problems=f"jsonl:{(ctx.folder / RL_PROBLEMS).resolve()}",
        critic_data=str((ctx.folder / CRITIC_TRAIN_DATA).resolve()),
        output_dir=str(folder.resolve()),
        prompt_style=config.prompt_style,
        max_pairs_per_problem=16,
        batch_size=16,
        max_steps=config.critic_sampling.repair_steps,
        epochs=None,
        max_seq_len=config.sft.max_seq_len + config.sample.max_new_tokens,
        seed=config.seed,
        cpu_time_s=config.judge.cpu_time_s,
        optim=OptimConfig(lr=5e-4, warmup_steps=10, schedule="cosine"),
        checkpoint=CheckpointConfig(every_steps=config.critic_sampling.repair_steps, keep_last=1),
        logging=LoggingConfig(every_steps=10),
    )
    resume = latest_checkpoint(folder) is not None
    return train_repair(repair, resume=resume, progress=ctx.progress).checkpoint
