from __future__ import annotations

import pytest

from coderl.config import load_config
from coderl.execution.limits import JudgeConfig, Limits


def test_wall_backstop_defaults_to_three_times_cpu_plus_one():
    assert Limits(cpu_time_s=2).wall_s == 7
    assert Limits(cpu_time_s=2, wall_time_s=3).wall_s == 3


def test_bad_values_name_the_field():
    with pytest.raises(ValueError, match="memory_mb"):
        Limits(memory_mb=0)
    with pytest.raises(ValueError, match="workers"):
        JudgeConfig(workers=0)


def test_judge_config_loads_from_yaml(tmp_path):
    path = tmp_path / "judge.yaml"
    path.write_text("workers: 3\nlimits:\n  cpu_time_s: 2\napps_compat: true\n")
    config = load_config(JudgeConfig, path)
    assert config.workers == 3 and config.limits.cpu_time_s == 2 and config.apps_compat


def test_a_submission_cpu_budget_defaults_to_fifteen_tests():
    assert Limits(cpu_time_s=2).total_cpu_s == 30
    assert Limits(cpu_time_s=2, total_cpu_time_s=5).total_cpu_s == 5
    with pytest.raises(ValueError, match="total_cpu_time_s"):
        Limits(total_cpu_time_s=0)
