import json
from dataclasses import asdict

import pytest
import torch

from coderl.errors import ConfigError
from coderl.models import OutcomeCritic
from coderl.training.critic_data import CriticRecord
from coderl.training.critic_train import (
    CriticConfig,
    class_weights,
    held_out,
    step_indices,
    train_critic,
)

VERDICTS = ("passed", "wrong_answer", "runtime_error", "compile_error", "infra_error")


def _write_data(path, problems):
    """Per problem: a passing program, a wrong one, a crashing one, a broken one."""
    bodies = {
        "passed": "    return a + b\n",
        "wrong_answer": "    return a - b\n",
        "runtime_error": "    return a / 0\n",
        "compile_error": "    return (a\n",
        "infra_error": "    return a\n",
    }
    rows = [
        CriticRecord(
            problem_id=f"p{i}",
            source="sample",
            prompt=f"Write a function add{i}.\n",
            completion=f"def add{i}(a, b):\n{bodies[verdict]}",
            program="",
            verdict=verdict,
            reward=None,
        )
        for i in range(problems)
        for verdict in VERDICTS
    ]
    path.write_text("".join(json.dumps(asdict(r)) + "\n" for r in rows))
    return str(path)


def _config(tmp_path, tiny_causal_dir, **changes) -> CriticConfig:
    tmp_path.mkdir(parents=True, exist_ok=True)
    base = dict(
        backbone=str(tiny_causal_dir),
        data=_write_data(tmp_path / "train.jsonl", 6),
        eval_data=_write_data(tmp_path / "eval.jsonl", 2),
        output_dir=str(tmp_path / "critic"),
        max_steps=4,
        batch_size=4,
        device="cpu",
    )
    return CriticConfig(**{**base, **changes})


def test_class_weights_and_balanced_batches():
    labels = [0, 0, 0, 1]
    torch.testing.assert_close(class_weights(labels, 2), torch.tensor([4 / 6, 2.0]))
    torch.testing.assert_close(class_weights([1, 1], 2), torch.tensor([1.0, 0.5]))
    labels = [0] * 90 + [1] * 10
    config = CriticConfig(backbone="m", data="d", num_classes=2, balance="sampler", batch_size=400)
    drawn = [labels[i] for i in step_indices(labels, config, 0)]
    assert 0.4 < sum(drawn) / len(drawn) < 0.6
    assert step_indices(labels, config, 3) == step_indices(labels, config, 3)


def test_held_out_split_is_stable_and_by_problem():
    ids = [f"synthetic/train/{i:04d}" for i in range(1000)]
    share = sum(held_out(i, 0.2) for i in ids) / len(ids)
    assert 0.15 < share < 0.25
    assert [held_out(i, 0.2) for i in ids] == [held_out(i, 0.2) for i in ids]


def test_config_errors_name_the_field():
    with pytest.raises(ConfigError, match="num_classes"):
        CriticConfig(backbone="m", data="d", num_classes=3)
    with pytest.raises(ConfigError, match="sources"):
        CriticConfig(backbone="m", data="d", sources=("samples",))


def test_train_reports_and_saves_a_loadable_critic(tmp_path, tiny_causal_dir):
    result = train_critic(_config(tmp_path, tiny_causal_dir), progress=False)
    report = json.loads((tmp_path / "critic" / "critic-report.json").read_text())
    assert report == json.loads(json.dumps(result.report))
    assert report["examples"] == 2 * 4  # infra_error left out
    assert sum(map(sum, report["confusion"])) == 8
    assert set(report) >= {"roc_auc", "macro_f1", "accuracy", "confusion", "calibration_error"}
    critic = OutcomeCritic.from_pretrained(result.checkpoint)
    assert critic.num_classes == 4


def test_resume_continues_exactly(tmp_path, tiny_causal_dir):
    whole = train_critic(_config(tmp_path / "a", tiny_causal_dir), progress=False)
    config = _config(tmp_path / "b", tiny_causal_dir, max_steps=2)
    train_critic(config, progress=False)
    resumed = train_critic(
        CriticConfig(**{**config.__dict__, "max_steps": 4}), resume=True, progress=False
    )
    a = OutcomeCritic.from_pretrained(whole.checkpoint).head.state_dict()
    b = OutcomeCritic.from_pretrained(resumed.checkpoint).head.state_dict()
    for key in a:
        torch.testing.assert_close(a[key], b[key])
    assert resumed.report == whole.report
