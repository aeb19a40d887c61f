"""`coderl train` on 2 CPU processes (gloo, accelerate's process group): the same loss curve
and final weights as 1 process with the same global batch, rank 0 alone writing, and resume
under 2 processes. Plus the helpers that split and gather work, in one process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from coderl.config import save_config
from coderl.training.configs import CheckpointConfig, LoggingConfig, OptimConfig, SFTConfig
from coderl.training.distributed import Ranks, unpad
from coderl.training.grpo import train_grpo
from coderl.training.metrics_log import read_metrics
from coderl.training.rl_configs import GRPOConfig, RLJudgeConfig, RolloutConfig
from coderl.training.rollout import RolloutSample, build_rollout
from coderl.training.sft import train_sft

pytest.importorskip("accelerate")


@pytest.fixture(scope="module")
def no_dropout_dir(tiny_causal_dir, tmp_path_factory) -> Path:
    """The tiny model without dropout: its masks are drawn per process, so a run split over
    processes draws different ones than a single process (and so would differ)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(tiny_causal_dir)
    model.config.attention_dropout = 0.0
    path = tmp_path_factory.mktemp("m") / "no_dropout"
    model.save_pretrained(path)
    AutoTokenizer.from_pretrained(tiny_causal_dir).save_pretrained(path)
    return path


def launch(algorithm: str, config, tmp_path: Path, *extra: str) -> None:
    """``torchrun --nproc_per_node 2 -m coderl.cli.main train ...``: on the CPU, accelerate's
    own launcher starts one process unless mpirun is there (docs/scaling.md), so torchrun
    starts the two; accelerate takes the process group from its environment either way."""
    config_path = tmp_path / f"{Path(config.output_dir).name}.yaml"
    save_config(config, config_path)
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone"]
    command += ["--nproc_per_node", "2", "-m", "coderl.cli.main", "train", algorithm]
    command += ["--config", str(config_path), "--no-progress", *extra]
    env = os.environ | {"OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "distributed: 2 processes" in done.stderr  # one run of 2 ranks, not 2 runs


def assert_same_weights(a: Path, b: Path, atol: float) -> None:
    first, second = load_file(a / "model.safetensors"), load_file(b / "model.safetensors")
    assert first.keys() == second.keys()
    for name in first:
        torch.testing.assert_close(second[name], first[name], rtol=0, atol=atol)


def losses(output_dir: Path) -> list[float]:
    return [r["train/loss"] for r in read_metrics(output_dir / "metrics.jsonl")]


def sft_config(model_dir: Path, problems_spec: str, output_dir: Path) -> SFTConfig:
    # 6 examples, micro-batches of 3 (split 2 + 1 over the ranks), 2 per step
    return SFTConfig(
        model=str(model_dir),
        problems=problems_spec,
        output_dir=str(output_dir),
        batch_size=3,
        max_steps=4,
        epochs=None,
        max_seq_len=64,
        seed=3,
        device="cpu",
        optim=OptimConfig(lr=3e-3, warmup_steps=1, schedule="cosine", grad_accum_steps=2),
        checkpoint=CheckpointConfig(every_steps=2, keep_last=None),
        logging=LoggingConfig(every_steps=1, tensorboard=False),
    )


def test_sft_on_two_processes_equals_one_and_resumes(no_dropout_dir, problems_spec, tmp_path):
    single = train_sft(sft_config(no_dropout_dir, problems_spec, tmp_path / "one"), progress=False)
    two = sft_config(no_dropout_dir, problems_spec, tmp_path / "two")
    launch("sft", two, tmp_path)

    assert losses(tmp_path / "two") == pytest.approx(list(single.loss_history), abs=1e-5)
    assert_same_weights(single.checkpoint, tmp_path / "two" / "step_4", atol=1e-5)
    written = sorted(p.name for p in (tmp_path / "two").iterdir())  # rank 0 wrote them alone
    assert written == ["config.yaml", "metrics.jsonl", "report.html", "step_2", "step_4"]

    # Crash after step 2, then resume on 2 processes: the same end as straight through.
    shutil.copytree(tmp_path / "two", tmp_path / "resumed")
    shutil.rmtree(tmp_path / "resumed" / "step_4")
    resumed = replace(two, output_dir=str(tmp_path / "resumed"))
    launch("sft", resumed, tmp_path, "--resume")
    assert losses(tmp_path / "resumed") == pytest.approx(losses(tmp_path / "two"), abs=1e-5)
    assert_same_weights(tmp_path / "two" / "step_4", tmp_path / "resumed" / "step_4", atol=1e-6)


def test_grpo_on_two_processes_equals_one(no_dropout_dir, tmp_path):
    # 4 problems a step, 2 per rank: each rank samples exactly one of the sampler's batches
    # of the single process (batch_size 4 = 2 prompts x group of 2)
    config = GRPOConfig(
        model=str(no_dropout_dir),
        problems="synthetic@train[0:8]",
        output_dir=str(tmp_path / "one"),
        max_steps=2,
        device="cpu",
        micro_batch_size=4,
        rollout=RolloutConfig(prompts_per_step=4, group_size=2, max_new_tokens=10, batch_size=4),
        judge=RLJudgeConfig(workers=1),
        checkpoint=CheckpointConfig(every_steps=1, keep_last=None),
        logging=LoggingConfig(every_steps=1, tensorboard=False),
    )
    single = train_grpo(config, progress=False)
    launch("grpo", replace(config, output_dir=str(tmp_path / "two")), tmp_path)

    one, two = (read_metrics(tmp_path / name / "metrics.jsonl") for name in ("one", "two"))
    for key in ("train/reward", "train/loss", "train/response_length", "judge/dropped"):
        assert [r[key] for r in two] == pytest.approx([r[key] for r in one], abs=1e-5), key
    assert_same_weights(single.checkpoint, tmp_path / "two" / "step_2", atol=1e-5)
    assert "time/gather" in two[0] and "time/gather" not in one[0]


def test_shares_are_contiguous_and_cover_every_item():
    items = list(range(7))
    shares = [Ranks(rank, 3).share(items) for rank in range(3)]
    assert shares == [(0, [0, 1, 2]), (3, [3, 4]), (5, [5, 6])]
    assert Ranks().share(items) == (0, items)


def test_unpad_gives_back_what_build_rollout_stacked():
    samples = [
        RolloutSample((5, 6, 7), (8, 9), (-0.5, -0.25), True, 1.0, 0, "passed", "a"),
        RolloutSample((5,), (4,), (-1.0,), False, 0.0, 1, "wrong_answer", "b"),
    ]
    rollout = build_rollout(samples, pad_id=0, left_pad_prompts=True)
    assert unpad(rollout) == samples
    shifted = unpad(rollout, group_offset=4)
    assert [s.group_id for s in shifted] == [4, 5]
