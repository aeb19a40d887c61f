"""The quickstart's critic_sampling stage (--fast sizes, with a repair model): both reports in
the report format, n@k named like 1@2, and the same budget of generated tokens for both."""

from __future__ import annotations

import contextlib
import io
import json

import pytest
import torch

from coderl.cli.main import main
from coderl.errors import ConfigError
from coderl.recipes.quickstart_config import load_quickstart_config

torch.set_num_threads(1)


def test_critic_sampling_stage_reports_both_strategies_at_equal_budget(tmp_path):
    folder = tmp_path / "run"
    argv = ["quickstart", "--fast", "--out", str(folder), "--no-progress"]
    for override in (
        "rl.algorithm=coderl",
        "critic_sampling.enabled=true",
        "critic_sampling.repair=true",
        "critic_sampling.repair_steps=2",
    ):
        argv += ["--set", override]
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(argv) == 0
    reports = {
        s: json.loads((folder / f"report-{s}-sampled.json").read_text())
        for s in ("plain", "critic")
    }
    for strategy, report in reports.items():
        assert report["budget"]["strategy"] == strategy
        assert {"pass@1", "pass@2", "1@2"} <= set(report["by_difficulty"]["all"])
        assert report["samples"] == report["budget"]["programs"]
    assert reports["plain"]["budget"]["tokens"] == reports["critic"]["budget"]["tokens"]
    assert (folder / "repair" / "repair_config.yaml").is_file()
    stages = json.loads((folder / "stages.json").read_text())
    assert "critic_sampling" in stages


def test_critic_sampling_needs_the_coderl_critic():
    with pytest.raises(ConfigError, match=r"rl\.algorithm=coderl"):
        load_quickstart_config(fast=True, overrides=["critic_sampling.enabled=true"])
