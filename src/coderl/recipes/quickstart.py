"""`coderl quickstart`: the whole pipeline, from nothing to a pass@k report, on a laptop CPU.

Seven stages over one run folder (see docs/quickstart.md for its layout):

1. testbed   write the train, validation and test problems as coderl JSONL
2. model     train a byte-level BPE tokenizer on the train prompts and solutions, build a
             tiny Llama from random init, save both (save_pretrained)
3. sft       supervised fine-tuning on the train problems' reference solutions
4. rl        online RL from the judge's rewards (``rl.algorithm``), from the SFT checkpoint,
             with its held-out curve on the validation problems; for ``coderl`` (online) and
             ``coderl-offline`` a ``critic`` stage first labels SFT samples, trains CodeRL's
             outcome critic and writes ``critic-report.json``
5. sample    per policy (sft, then the RL one) and test problem: one greedy program and n
             temperature samples
6. judge     the real judge on the hidden tests; with ``critic_sampling.enabled`` (CodeRL
             only) a ``critic_sampling`` stage then compares critic and plain sampling of the
             test problems at equal token budget (``report-critic-sampled.json``, ...)
7. report    per policy and decoding: pass@1 (greedy) and pass@k (samples) per difficulty;
             the policies side by side (comparison.json/.md); the loss and reward curves

Files are named by policy (``sft`` or the RL algorithm's name) and decoding (``greedy`` or
``sampled``): ``samples-sft-greedy.jsonl``, ``report-rloo-sampled.json``, ...
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from coderl.config import save_config
from coderl.errors import DataError
from coderl.problems import ProblemSet, load_problems
from coderl.problems.prompts import build_prompt
from coderl.progress import progress_bar as tqdm
from coderl.recipes.pipeline import RunContext, Stage, StageTime, run_pipeline
from coderl.recipes.quickstart_config import QuickstartConfig

if TYPE_CHECKING:
    from coderl.training.configs import SFTConfig
    from coderl.training.rl_configs import RolloutConfig

Context = RunContext[QuickstartConfig]

TRAIN_PROBLEMS = "problems/train.jsonl"
RL_PROBLEMS = "problems/rl.jsonl"
VALIDATION_PROBLEMS = "problems/validation.jsonl"
TEST_PROBLEMS = "problems/test.jsonl"
MODEL_DIR = "model"
SFT_DIR = "sft"
RL_DIR = "rl"
CRITIC_DIR = "critic"
CRITIC_TRAIN_DATA = "critic/train.jsonl"
CRITIC_EVAL_DATA = "critic/validation.jsonl"
CRITIC_REPORT = "critic-report.json"
DECODINGS = ("greedy", "sampled")
LOSS_PLOT = "loss.png"
REWARD_PLOT = "reward.png"
COMPARISON = "comparison"


def output_name(stem: str, policy: str, decoding: str, suffix: str = ".jsonl") -> str:
    """``samples-sft-greedy.jsonl``, ``report-rloo-sampled.json``, ..."""
    return f"{stem}-{policy}-{decoding}{suffix}"


def _per_run(stem: str, *suffixes: str) -> Callable[[QuickstartConfig], tuple[str, ...]]:
    """A stage's outputs: one file per (policy, decoding, suffix) of the run's config."""

    def outputs(config: QuickstartConfig) -> tuple[str, ...]:
        return tuple(
            output_name(stem, policy, decoding, suffix)
            for policy in config.policies
            for decoding in DECODINGS
            for suffix in suffixes
        )

    return outputs


def run_quickstart(
    config: QuickstartConfig,
    folder: str | Path,
    progress: bool = True,
    announce: Callable[[str], None] = print,
) -> tuple[StageTime, ...]:
    """Run (or resume) the quickstart in ``folder``; returns each stage's time."""
    folder = Path(folder)
    save_config(config, folder / "config.yaml")
    return run_pipeline(STAGES, RunContext(config, folder, progress), announce)


# 1. testbed ---------------------------------------------------------------------------------


def build_testbed(ctx: Context) -> None:
    """Load both splits once and freeze them into the run folder: later stages (and later
    re-runs) read these files, not the generator."""
    testbed = ctx.config.testbed
    specs = {
        TRAIN_PROBLEMS: testbed.train,
        RL_PROBLEMS: testbed.rl or testbed.train,
        VALIDATION_PROBLEMS: testbed.validation,
        TEST_PROBLEMS: testbed.test,
    }
    for relative, spec in tqdm(specs.items(), desc="testbed", disable=not ctx.progress):
        problems = load_problems(spec)
        if not problems.problems:
            raise DataError(f"testbed: {spec} holds no problems; widen its [START:END] slice")
        lines = "".join(json.dumps(p.to_dict()) + "\n" for p in problems)
        _write_atomic(ctx.folder / relative, lines)


def read_problems(ctx: Context, relative: str) -> ProblemSet:
    return load_problems(f"jsonl:{(ctx.folder / relative).resolve()}")


# 2. tokenizer + model -------------------------------------------------------------------------


def build_model(ctx: Context) -> None:
    """A BPE fitted to this testbed makes sequences short, so that the tiny model learns fast."""
    from coderl.models import build_tiny_causal, train_code_tokenizer
    from coderl.models.loading import quiet_progress_bars

    quiet_progress_bars()  # no shard-writing bar of transformers' own
    cfg = ctx.config.model
    with tqdm(total=3, desc="model", disable=not ctx.progress) as bar:
        texts = [
            build_prompt(p, ctx.config.prompt_style) + solution
            for p in read_problems(ctx, TRAIN_PROBLEMS)
            for solution in p.solutions
        ]
        tokenizer = train_code_tokenizer(texts, vocab_size=cfg.vocab_size)
        bar.update()
        policy = build_tiny_causal(
            tokenizer=tokenizer,
            hidden=cfg.hidden,
            layers=cfg.layers,
            heads=cfg.heads,
            seed=ctx.config.seed,
            max_positions=cfg.max_positions,
        )
        bar.update()
        tmp, final = ctx.folder / f".{MODEL_DIR}.tmp", ctx.folder / MODEL_DIR
        shutil.rmtree(tmp, ignore_errors=True)
        policy.model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        shutil.rmtree(final, ignore_errors=True)
        os.replace(tmp, final)
        bar.update()


# 3. sft -------------------------------------------------------------------------------------


def sft_config(ctx: Context) -> SFTConfig:
    """The `SFTConfig` of the quickstart's SFT section."""
    from coderl.training.configs import CheckpointConfig, LoggingConfig, OptimConfig, SFTConfig

    cfg = ctx.config.sft
    return SFTConfig(
        model=str((ctx.folder / MODEL_DIR).resolve()),
        problems=f"jsonl:{(ctx.folder / TRAIN_PROBLEMS).resolve()}",
        prompt_style=ctx.config.prompt_style,
        output_dir=str((ctx.folder / SFT_DIR).resolve()),
        batch_size=cfg.batch_size,
        max_steps=cfg.steps,
        epochs=None,
        max_seq_len=cfg.max_seq_len,
        seed=ctx.config.seed,
        optim=OptimConfig(lr=cfg.lr, warmup_steps=cfg.warmup_steps, schedule=cfg.schedule),
        checkpoint=CheckpointConfig(every_steps=cfg.checkpoint_every, keep_last=1),
        logging=LoggingConfig(every_steps=cfg.log_every),
    )


def finetune(ctx: Context) -> None:
    """Train from the random init; an interrupted run continues from its last checkpoint."""
    from coderl.training.checkpoint import latest_checkpoint
    from coderl.training.sft import train_sft

    resume = latest_checkpoint(ctx.folder / SFT_DIR) is not None
    train_sft(sft_config(ctx), resume=resume, progress=ctx.progress)


def final_checkpoint(ctx: Context, policy: str = "sft") -> Path:
    """The last checkpoint of ``policy`` (``sft``, or the RL algorithm's name)."""
    from coderl.training.checkpoint import latest_checkpoint

    folder = ctx.folder / (SFT_DIR if policy == "sft" else RL_DIR)
    checkpoint = latest_checkpoint(folder)
    if checkpoint is None:
        raise FileNotFoundError(f"no {policy} checkpoint under {folder}")
    return checkpoint


# 3b. critic (CodeRL only) ------------------------------------------------------------------


def critic_stage(ctx: Context) -> None:
    """CodeRL's critic: label SFT samples of train problems (and of validation problems, for
    the report), train the critic from the SFT checkpoint, copy its report to the run folder.
    Each part resumes: the data files are appended to, the critic continues its checkpoint."""
    from coderl.training.checkpoint import latest_checkpoint
    from coderl.training.critic_data import collect_critic_data
    from coderl.training.critic_train import REPORT_FILE, train_critic

    for relative, spec in critic_data_specs(ctx).items():
        collect_critic_data(critic_data_config(ctx, spec, relative), progress=ctx.progress)
    config = critic_train_config(ctx)
    resume = latest_checkpoint(config.output_dir) is not None
    train_critic(config, resume=resume, progress=ctx.progress)
    shutil.copyfile(Path(config.output_dir) / REPORT_FILE, ctx.folder / CRITIC_REPORT)


def critic_data_specs(ctx: Context) -> dict[str, str]:
    cfg = ctx.config.critic
    rl_problems = (ctx.folder / RL_PROBLEMS).resolve()
    validation = (ctx.folder / VALIDATION_PROBLEMS).resolve()
    return {
        CRITIC_TRAIN_DATA: f"jsonl:{rl_problems}[0:{cfg.problems}]",
        CRITIC_EVAL_DATA: f"jsonl:{validation}[0:{cfg.eval_problems}]",
    }


def critic_data_config(ctx: Context, spec: str, relative: str):
    from coderl.training.critic_data import CriticDataConfig

    return CriticDataConfig(
        policy=str(final_checkpoint(ctx, "sft").resolve()),
        problems=spec,
        out=str((ctx.folder / relative).resolve()),
        n=ctx.config.critic.n,
        temperature=ctx.config.rl.temperature,
        max_new_tokens=ctx.config.rl.max_new_tokens,
        batch_size=ctx.config.sample.batch_size * 2,
        seed=ctx.config.seed,
        device="auto",
        prompt_style=ctx.config.prompt_style,
        cpu_time_s=ctx.config.judge.cpu_time_s,
        workers=ctx.config.judge.workers,
    )


def critic_train_config(ctx: Context):
    from coderl.training.configs import CheckpointConfig, LoggingConfig, OptimConfig
    from coderl.training.critic_train import CriticConfig

    cfg = ctx.config.critic
    return CriticConfig(
        backbone=str(final_checkpoint(ctx, "sft").resolve()),
        data=str((ctx.folder / CRITIC_TRAIN_DATA).resolve()),
        eval_data=str((ctx.folder / CRITIC_EVAL_DATA).resolve()),
        num_classes=cfg.num_classes,
        output_dir=str((ctx.folder / CRITIC_DIR / "model").resolve()),
        max_steps=cfg.steps,
        batch_size=cfg.batch_size,
        max_program_tokens=ctx.config.rl.max_new_tokens + 1,
        seed=ctx.config.seed,
        optim=OptimConfig(lr=cfg.lr, warmup_steps=min(10, cfg.steps // 10), schedule="cosine"),
        checkpoint=CheckpointConfig(every_steps=max(cfg.steps // 2, 1), keep_last=1),
        logging=LoggingConfig(every_steps=10),
    )


# 4. rl --------------------------------------------------------------------------------------


def rollout_config(config: QuickstartConfig) -> RolloutConfig:
    """The `RolloutConfig` of the RL stage: the rl section's shape, sampled in batches of twice
    the sampling stage's."""
    from coderl.training.rl_configs import RolloutConfig

    cfg = config.rl
    return RolloutConfig(
        prompts_per_step=cfg.prompts_per_step,
        group_size=cfg.group_size,
        temperature=cfg.temperature,
        max_new_tokens=cfg.max_new_tokens,
        batch_size=config.sample.batch_size * 2,
    )


def rl_config(ctx: Context):
    """The `GRPOConfig` (`PPOConfig` for ppo) of the quickstart's RL section."""
    from coderl.training.configs import CheckpointConfig, LoggingConfig, OptimConfig
    from coderl.training.ppo_config import PPOConfig, PPOSection
    from coderl.training.rl_configs import (
        EvalConfig,
        GRPOConfig,
        KLConfig,
        RewardConfig,
        RLJudgeConfig,
    )

    cfg = ctx.config.rl
    ppo = cfg.algorithm == "ppo"
    # PPO here takes one pass of 2 minibatches per rollout (at 1.5e-4, half GRPO's former
    # rate): about GRPO's one step of change per rollout, and within the 10 minutes (PPO's
    # library default, 2 epochs x 128, at 3e-4 overshot: greedy 40 -> 32, 11 minutes)
    programs = cfg.prompts_per_step * cfg.group_size
    learner = (
        {"ppo": PPOSection(epochs=1, minibatch_size=max(1, programs // 2))}
        if ppo
        else {"algorithm": cfg.algorithm}
    )
    return (PPOConfig if ppo else GRPOConfig)(
        model=str(final_checkpoint(ctx, "sft").resolve()),
        problems=f"jsonl:{(ctx.folder / RL_PROBLEMS).resolve()}",
        **learner,
        prompt_style=ctx.config.prompt_style,
        output_dir=str((ctx.folder / RL_DIR).resolve()),
        max_steps=cfg.steps,
        seed=ctx.config.seed,
        micro_batch_size=cfg.micro_batch_size,
        rollout=rollout_config(ctx.config),
        judge=RLJudgeConfig(
            cpu_time_s=ctx.config.judge.cpu_time_s, workers=ctx.config.judge.workers
        ),
        reward=RewardConfig(name=cfg.reward),
        kl=KLConfig(beta=cfg.kl_beta),
        eval=EvalConfig(
            problems=f"jsonl:{(ctx.folder / VALIDATION_PROBLEMS).resolve()}",
            every_steps=cfg.eval_every,
        ),
        optim=OptimConfig(lr=cfg.learning_rate, schedule="constant"),
        checkpoint=CheckpointConfig(every_steps=cfg.checkpoint_every, keep_last=1),
        logging=LoggingConfig(every_steps=1),
    )


def reinforce(ctx: Context) -> None:
    """RL from the SFT checkpoint; an interrupted run continues from its last checkpoint."""
    from coderl.training.checkpoint import latest_checkpoint
    from coderl.training.grpo import train_grpo
    from coderl.training.ppo import train_ppo

    resume = latest_checkpoint(ctx.folder / RL_DIR) is not None
    if ctx.config.uses_critic:
        from coderl.training.actor_critic import train_coderl

        train_coderl(coderl_config(ctx), resume=resume, progress=ctx.progress)
        return
    train = train_ppo if ctx.config.rl.algorithm == "ppo" else train_grpo
    train(rl_config(ctx), resume=resume, progress=ctx.progress)


def coderl_config(ctx: Context, critic: str | None = None):
    """The `CodeRLConfig` of the RL section, with the critic stage's critic (or ``critic``)
    and data."""
    from coderl.training.checkpoint import latest_checkpoint
    from coderl.training.coderl_config import CodeRLConfig

    # the RL section's shared settings, as the GRPO family builds them (its greedy-baseline
    # member stands in for the algorithm name, which GRPOConfig checks; CodeRL's own rate)
    reinforce_section = replace(
        ctx.config.rl, algorithm="reinforce", lr=ctx.config.rl.learning_rate
    )
    base = rl_config(RunContext(replace(ctx.config, rl=reinforce_section), ctx.folder))
    offline = ctx.config.rl.algorithm == "coderl-offline"
    return CodeRLConfig(
        model=base.model,
        problems=base.problems,
        critic=critic or str(latest_checkpoint(ctx.folder / CRITIC_DIR / "model")),
        mode="offline" if offline else "online",
        offline_data=str((ctx.folder / CRITIC_TRAIN_DATA).resolve()) if offline else None,
        samples_per_step=ctx.config.rl.prompts_per_step * ctx.config.rl.group_size,
        ce_weight=ctx.config.critic.ce_weight,
        ce_batch_size=ctx.config.sft.batch_size,
        max_seq_len=ctx.config.sft.max_seq_len,
        prompt_style=base.prompt_style,
        output_dir=base.output_dir,
        max_steps=base.max_steps,
        seed=base.seed,
        micro_batch_size=base.micro_batch_size,
        rollout=base.rollout,
        judge=base.judge,
        reward=base.reward,
        eval=base.eval,
        optim=replace(base.optim, lr=ctx.config.critic.offline_lr) if offline else base.optim,
        checkpoint=base.checkpoint,
        logging=base.logging,
    )


# 5. sample ----------------------------------------------------------------------------------


def sample(ctx: Context) -> None:
    """Per policy: greedy decoding gives its single best guess (pass@1); the temperature
    samples estimate pass@k."""
    from coderl.generation.runner import generate_samples
    from coderl.models import load_policy

    problems = list(read_problems(ctx, TEST_PROBLEMS))
    for name in ctx.config.policies:
        policy = load_policy(str(final_checkpoint(ctx, name)), device="auto")
        for decoding in DECODINGS:
            sampling = ctx.config.sample.sampling(decoding == "greedy", seed=ctx.config.seed)
            final = ctx.folder / output_name("samples", name, decoding)
            tmp = final.with_name(f".{final.name}.tmp")
            tmp.unlink(missing_ok=True)
            generate_samples(
                policy,
                problems,
                tmp,
                sampling,
                prompt_style=ctx.config.prompt_style,
                progress=ctx.progress,
            )
            os.replace(tmp, final)


# 6. judge -----------------------------------------------------------------------------------


def judge(ctx: Context) -> None:
    """Every program on the hidden tests, in one judge session for all policies."""
    from coderl.execution.judge import Judge
    from coderl.execution.limits import JudgeConfig, Limits
    from coderl.execution.types import Submission
    from coderl.generation.postprocess import program_from_completion

    cfg = ctx.config.judge
    problems = read_problems(ctx, TEST_PROBLEMS).by_id()
    workers = {} if cfg.workers is None else {"workers": cfg.workers}
    judge_config = JudgeConfig(limits=Limits(cpu_time_s=cfg.cpu_time_s), **workers)
    with Judge(judge_config) as the_judge:
        for name in ctx.config.policies:
            for decoding in DECODINGS:
                records = _read_jsonl(ctx.folder / output_name("samples", name, decoding))
                submissions = [
                    Submission(
                        problem=problems[r["problem_id"]],
                        code=program_from_completion(problems[r["problem_id"]], r["completion"]),
                        sample_index=r["sample_index"],
                        tests="hidden",
                        stop_at_first_failure=cfg.stop_at_first_failure,
                    )
                    for r in records
                ]
                judged = []
                desc = f"judge {name} {decoding}"
                bar = tqdm(total=len(submissions), desc=desc, disable=not ctx.progress)
                with bar:
                    for judgement in the_judge.stream(submissions):
                        judged.append(judgement)
                        bar.update()
                judged.sort(key=lambda j: (j.problem_id, j.sample_index))  # finishing order
                lines = "".join(json.dumps(j.to_dict()) + "\n" for j in judged)
                _write_atomic(ctx.folder / output_name("judgements", name, decoding), lines)


# 7. report ----------------------------------------------------------------------------------


def report(ctx: Context) -> None:
    """Per policy and decoding a report (stable JSON + markdown); the comparison of the
    policies; the SFT loss curve and the RL reward curve."""
    from coderl.evaluation import build_report
    from coderl.execution.types import Judgement

    problems = read_problems(ctx, TEST_PROBLEMS).problems
    ks = {"greedy": (1,), "sampled": ctx.config.report.ks}
    overall: dict[str, dict[str, Any]] = {}
    for name in ctx.config.policies:
        for decoding in tqdm(DECODINGS, desc=f"report {name}", disable=not ctx.progress):
            records = _read_jsonl(ctx.folder / output_name("judgements", name, decoding))
            judgements = [Judgement.from_dict(r) for r in records]
            built = build_report(problems, judgements, ks[decoding], seed=ctx.config.seed)
            built.write(ctx.folder / output_name("report", name, decoding, ".json"))
            data = built.to_dict()
            overall.setdefault(name, {})[decoding] = data["by_difficulty"]["all"] | {
                "intervals": data["confidence_intervals"]
            }
    write_comparison(ctx.folder, overall)
    plot_loss(ctx.folder / SFT_DIR / "metrics.jsonl", ctx.folder / LOSS_PLOT)
    if ctx.config.rl.enabled:
        plot_rl(ctx.folder / RL_DIR / "metrics.jsonl", ctx.folder / REWARD_PLOT)


def write_comparison(folder: Path, overall: dict[str, dict[str, Any]]) -> None:
    """``comparison.json`` (every policy's overall figures per decoding, with intervals) and
    ``comparison.md`` (one table)."""
    _write_atomic(folder / f"{COMPARISON}.json", json.dumps(overall, indent=1) + "\n")
    metrics = [m for m in next(iter(overall.values()))["sampled"] if m.startswith("pass@")]
    header = ["policy", "greedy pass@1", *(f"sampled {m}" for m in metrics)]
    lines = [
        "# Held-out test problems: every policy",
        "",
        "| " + " | ".join(header) + " |",
        "|---|" + "---:|" * (len(header) - 1),
    ]
    for name, row in overall.items():
        cells = [
            _with_interval(row["greedy"], "pass@1"),
            *(_with_interval(row["sampled"], m) for m in metrics),
        ]
        lines.append("| " + " | ".join([name, *cells]) + " |")
    lines += ["", "pass@k in percent of problems, with 95% bootstrap intervals over problems.", ""]
    _write_atomic(folder / f"{COMPARISON}.md", "\n".join(lines))


def _with_interval(row: dict[str, Any], metric: str) -> str:
    interval = row["intervals"].get(metric)
    text = _percent(row.get(metric))
    if interval:
        text += f" [{_percent(interval[0])}, {_percent(interval[1])}]"
    return text


def plot_loss(metrics_path: Path, png_path: Path) -> None:
    """train/loss against step, from the SFT metrics log."""
    from coderl.training.metrics_log import read_metrics

    points = [(r["step"], r["train/loss"]) for r in read_metrics(metrics_path) if "train/loss" in r]
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(6, 4))
    axes.plot([s for s, _ in points], [loss for _, loss in points])
    axes.set_xlabel("optimizer step")
    axes.set_ylabel("train/loss (token cross-entropy)")
    axes.set_yscale("log")
    axes.set_title("SFT from random init")
    axes.grid(True, alpha=0.3)
    figure.tight_layout()
    figure.savefig(png_path, dpi=100)
    plt.close(figure)


def plot_rl(metrics_path: Path, png_path: Path) -> None:
    """RL's mean reward and train pass rate per step, and validation greedy pass@1."""
    from coderl.training.metrics_log import read_metrics

    records = read_metrics(metrics_path)
    plt = _pyplot()
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for key, axes in (("train/reward", left), ("train/pass_rate", left), ("eval/pass@1", right)):
        points = [(r["step"], r[key]) for r in records if r.get(key) is not None]
        axes.plot([s for s, _ in points], [v for _, v in points], marker=".", label=key)
    left.set_title("RL on the train problems")
    right.set_title("validation problems, greedy")
    for axes in (left, right):
        axes.set_xlabel("RL step")
        axes.grid(True, alpha=0.3)
        axes.legend()
    figure.tight_layout()
    figure.savefig(png_path, dpi=100)
    plt.close(figure)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    return plt


# 8. critic sampling (optional) ------------------------------------------------------------


def critic_sampling(ctx: Context) -> None:
    """Critic sampling against plain sampling at equal budget (`critic_sampling_stage`)."""
    from coderl.recipes.critic_sampling_stage import run_critic_sampling

    run_critic_sampling(ctx)


STAGES: tuple[Stage[QuickstartConfig], ...] = (
    Stage(
        "testbed",
        build_testbed,
        (TRAIN_PROBLEMS, RL_PROBLEMS, VALIDATION_PROBLEMS, TEST_PROBLEMS),
    ),
    Stage("model", build_model, (MODEL_DIR,)),
    Stage("sft", finetune, (SFT_DIR,)),
    Stage(
        "critic",
        critic_stage,
        (CRITIC_DIR, CRITIC_REPORT),
        enabled=lambda config: config.uses_critic,
    ),
    Stage("rl", reinforce, (RL_DIR,), enabled=lambda config: config.rl.enabled),
    Stage("sample", sample, _per_run("samples", ".jsonl")),
    Stage("judge", judge, _per_run("judgements", ".jsonl")),
    Stage(
        "critic_sampling",
        critic_sampling,
        lambda config: (
            tuple(
                output_name(stem, strategy, "sampled", suffix)
                for strategy in ("plain", "critic")
                for stem, suffix in (
                    ("samples", ".jsonl"),
                    ("samples", ".jsonl.budget.json"),
                    ("report", ".json"),
                    ("report", ".md"),
                )
            )
            + ("repair",) * config.critic_sampling.repair
        ),
        enabled=lambda config: config.critic_sampling.enabled,
    ),
    Stage(
        "report",
        report,
        lambda config: (
            *_per_run("report", ".json", ".md")(config),
            f"{COMPARISON}.json",
            f"{COMPARISON}.md",
            LOSS_PLOT,
            *((REWARD_PLOT,) if config.rl.enabled else ()),
        ),
    ),
)


# the summary --------------------------------------------------------------------------------


def summary(folder: str | Path, times: tuple[StageTime, ...]) -> str:
    """What the CLI prints at the end: each policy's scores per difficulty, then time per
    stage."""
    folder = Path(folder)
    policies = json.loads((folder / f"{COMPARISON}.json").read_text())
    lines = [f"run folder: {folder}"]
    for name in policies:
        greedy = _by_difficulty(folder / output_name("report", name, "greedy", ".json"))
        sampled = _by_difficulty(folder / output_name("report", name, "sampled", ".json"))
        metrics = [m for m in next(iter(sampled.values())) if m.startswith("pass@")]
        header = ["difficulty", "problems", "greedy pass@1", *(f"sampled {m}" for m in metrics)]
        lines += [
            "",
            f"policy {name}:",
            "| " + " | ".join(header) + " |",
            "|---|" + "---:|" * (len(header) - 1),
        ]
        for group, row in sampled.items():
            scores = [greedy.get(group, {}).get("pass@1"), *(row[m] for m in metrics)]
            cells = [group, str(row["problems"]), *(_percent(s) for s in scores)]
            lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "pass@k in percent of held-out test problems solved (all hidden tests passed);",
        f"intervals in {COMPARISON}.md.",
        "",
    ]
    total = sum(t.seconds for t in times)
    for t in times:
        note = "  (earlier run, skipped now)" if t.skipped else ""
        lines.append(f"  {t.name:<8} {t.seconds:7.1f}s{note}")
    lines.append(f"  {'total':<8} {total:7.1f}s")
    return "\n".join(lines)


def _by_difficulty(path: Path) -> dict[str, dict[str, Any]]:
    return json.loads(path.read_text())["by_difficulty"]


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}"


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file, so that an interrupted stage never leaves a whole-looking
    output behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
