from pathlib import Path

import pytest

from coderl.config import load_config
from coderl.errors import ConfigError
from coderl.problems.spec import parse_spec
from coderl.training.configs import OptimConfig, SFTConfig

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


@pytest.mark.parametrize("name", ["sft_tiny.yaml", "sft_mbpp_smollm2.yaml"])
def test_example_configs_load(name):
    config = load_config(SFTConfig, CONFIGS / name)
    assert config.model
    assert parse_spec(config.problems).name in ("synthetic", "mbpp")


def test_yaml_sections_and_overrides(tmp_path):
    path = tmp_path / "sft.yaml"
    path.write_text("model: m\nproblems: mbpp:x\noptim:\n  lr: 1\n  betas: [0.9, 0.95]\n")
    config = load_config(SFTConfig, path, ["checkpoint.keep_last=null", "max_steps=7"])
    assert config.optim.lr == 1.0 and config.optim.betas == (0.9, 0.95)
    assert config.checkpoint.keep_last is None and config.max_steps == 7


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["batch_size=0"], "batch_size"),
        (["max_steps=null", "epochs=null"], "max_steps or epochs"),
        (["optim.grad_accum_steps=0"], "grad_accum_steps"),
        (["optim.schedule=step"], "constant"),
        (["checkpoint.keep_last=0"], "null to keep all"),
        (["dtype=fp8"], "bfloat16"),
    ],
)
def test_bad_values_name_the_field_and_fix(tmp_path, overrides, message):
    path = tmp_path / "sft.yaml"
    path.write_text("model: m\nproblems: mbpp:x\n")
    with pytest.raises(ConfigError, match=message):
        load_config(SFTConfig, path, overrides)


def test_model_and_problems_are_required():
    with pytest.raises(ConfigError, match="model"):
        load_config(SFTConfig)
    with pytest.raises(ConfigError, match="positive"):
        OptimConfig(lr=0)


@pytest.mark.parametrize("name", ["grpo_testbed.yaml", "grpo_mbpp_smollm2.yaml"])
def test_example_rl_configs_load(name):
    from coderl.training.rl_configs import GRPOConfig

    config = load_config(GRPOConfig, CONFIGS / name)
    assert parse_spec(config.problems).name in ("jsonl", "mbpp")
    assert parse_spec(config.eval.problems).split == "validation" or "validation" in (
        config.eval.problems
    )
    rloo = load_config(GRPOConfig, CONFIGS / name, ["algorithm=rloo"])
    assert rloo.advantage_estimator == "rloo"
