import shutil
from dataclasses import replace

import pytest
import torch
from safetensors.torch import load_file
from transformers import AutoModelForCausalLM, AutoModelForSeq2SeqLM

from coderl.config import load_config
from coderl.errors import ConfigError
from coderl.training.configs import CheckpointConfig, LoggingConfig, OptimConfig, SFTConfig
from coderl.training.metrics_log import read_metrics
from coderl.training.sft import total_optimizer_steps, train_sft


def _config(model_dir, problems_spec, output_dir, **overrides) -> SFTConfig:
    base = SFTConfig(
        model=str(model_dir),
        problems=problems_spec,
        output_dir=str(output_dir),
        batch_size=2,
        max_steps=5,
        epochs=None,
        max_seq_len=64,
        seed=3,
        device="cpu",
        optim=OptimConfig(lr=3e-3, warmup_steps=2, schedule="cosine", grad_accum_steps=2),
        checkpoint=CheckpointConfig(every_steps=2, keep_last=None),
        logging=LoggingConfig(every_steps=1, tensorboard=False),
    )
    return replace(base, **overrides)


def _weights(checkpoint):
    return load_file(checkpoint / "model.safetensors")


def test_memorises_a_tiny_dataset(tiny_causal_dir, problems_spec, tmp_path):
    config = _config(
        tiny_causal_dir,
        problems_spec,
        tmp_path,
        batch_size=6,
        max_steps=40,
        optim=OptimConfig(lr=1e-2, schedule="constant"),
        checkpoint=CheckpointConfig(every_steps=100),
    )
    result = train_sft(config, progress=False)
    losses = result.loss_history
    assert result.steps == len(losses) == 40
    assert losses[-1] < 0.3 * losses[0]
    assert sum(losses[-5:]) < sum(losses[:5])
    assert result.num_examples == 6 and result.without_solutions == ("700",)
    assert result.checkpoint == tmp_path / "step_40"
    assert AutoModelForCausalLM.from_pretrained(result.checkpoint) is not None
    assert load_config(SFTConfig, tmp_path / "config.yaml") == config


def test_resume_after_a_crash_continues_exactly(tiny_causal_dir, problems_spec, tmp_path):
    # Straight: 5 steps (batch 2 x accumulation 2 over 6 examples, so step 2 ends mid-epoch),
    # cosine with warmup, dropout on; checkpoints at steps 2, 4 and 5.
    torch.manual_seed(123)  # train_sft must not depend on the caller's RNG
    straight = train_sft(_config(tiny_causal_dir, problems_spec, tmp_path / "a"), progress=False)

    # Crash after step 2: only step_2 and the logs written so far survive.
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    shutil.rmtree(tmp_path / "b" / "step_4")
    shutil.rmtree(tmp_path / "b" / "step_5")
    resumed = train_sft(
        _config(tiny_causal_dir, problems_spec, tmp_path / "b"), resume=True, progress=False
    )

    assert resumed.steps == straight.steps == 5
    assert resumed.loss_history[:2] == straight.loss_history[:2]
    assert resumed.loss_history[2:] == pytest.approx(straight.loss_history[2:], abs=1e-6)
    a, b = _weights(straight.checkpoint), _weights(resumed.checkpoint)
    for name in a:
        torch.testing.assert_close(b[name], a[name], rtol=0, atol=1e-6)
    steps_logged = [r["step"] for r in read_metrics(tmp_path / "b" / "metrics.jsonl")]
    assert steps_logged == [1, 2, 3, 4, 5]


def test_resume_can_extend_a_finished_run(tiny_causal_dir, problems_spec, tmp_path):
    constant = OptimConfig(lr=3e-3, schedule="constant", grad_accum_steps=2)
    straight = train_sft(
        _config(tiny_causal_dir, problems_spec, tmp_path / "a", optim=constant), progress=False
    )
    short = _config(tiny_causal_dir, problems_spec, tmp_path / "b", optim=constant, max_steps=3)
    train_sft(short, progress=False)
    resumed = train_sft(replace(short, max_steps=5), resume=True, progress=False)
    assert resumed.loss_history == pytest.approx(straight.loss_history, abs=1e-6)


def test_record_per_log_step_with_namespaced_metrics(tiny_causal_dir, problems_spec, tmp_path):
    config = _config(
        tiny_causal_dir,
        problems_spec,
        tmp_path,
        max_steps=4,
        logging=LoggingConfig(every_steps=2, tensorboard=True),
    )
    train_sft(config, progress=False)
    records = read_metrics(tmp_path / "metrics.jsonl")
    assert [r["step"] for r in records] == [2, 4]
    expected = {"train/loss", "train/lr", "train/grad_norm", "train/tokens_per_s", "train/epoch"}
    assert expected | {"time/data", "time/update"} <= set(records[0])
    assert records[1]["time/checkpoint"] > 0  # step 2's save, timed into the next window
    assert records[1]["train/epoch"] == pytest.approx(
        8 / 3
    )  # 4 steps x 2 micro-batches, 3 per epoch
    assert list((tmp_path / "tensorboard").glob("events.out.tfevents.*"))


def test_seq2seq_trains_and_saves_a_plain_checkpoint(tiny_seq2seq_dir, problems_spec, tmp_path):
    config = _config(
        tiny_seq2seq_dir,
        problems_spec,
        tmp_path,
        batch_size=6,
        max_steps=15,
        optim=OptimConfig(lr=1e-2, schedule="constant"),
    )
    result = train_sft(config, progress=False)
    assert result.loss_history[-1] < 0.5 * result.loss_history[0]
    assert AutoModelForSeq2SeqLM.from_pretrained(result.checkpoint) is not None


def test_refuses_to_mix_runs(tiny_causal_dir, problems_spec, tmp_path):
    config = _config(tiny_causal_dir, problems_spec, tmp_path, max_steps=2)
    with pytest.raises(ConfigError, match="no checkpoint"):
        train_sft(config, resume=True, progress=False)
    train_sft(config, progress=False)
    with pytest.raises(ConfigError, match="--resume"):
        train_sft(config, progress=False)
    with pytest.raises(ConfigError, match="batch_size"):
        train_sft(replace(config, batch_size=3), resume=True, progress=False)


def test_steps_come_from_max_steps_else_epochs():
    config = SFTConfig(model="m", problems="p", batch_size=4, epochs=3)
    assert total_optimizer_steps(config, num_examples=10) == 9  # 3 micro-batches per epoch
    accumulated = replace(config, optim=OptimConfig(grad_accum_steps=2))
    assert total_optimizer_steps(accumulated, num_examples=10) == 5  # 9 micro-batches, rounded up
    assert total_optimizer_steps(replace(config, max_steps=4), num_examples=10) == 4
