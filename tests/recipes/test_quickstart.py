"""The quickstart end to end on its --fast preset (every stage, tiny sizes), its resume, and its
config errors."""

from __future__ import annotations

import contextlib
import io
import json
import shutil

import pytest
import torch

from coderl.cli.main import main
from coderl.errors import ConfigError
from coderl.recipes.pipeline import read_records
from coderl.recipes.quickstart import STAGES, run_quickstart
from coderl.recipes.quickstart_config import QuickstartConfig, load_quickstart_config

torch.set_num_threads(1)

# the default fast run's stages: CodeRL's critic and critic sampling are off
STAGE_NAMES = [stage.name for stage in STAGES if stage.enabled(load_quickstart_config(fast=True))]
OFF_STAGES = [stage.name for stage in STAGES if stage.name not in STAGE_NAMES]
FILES = [
    "config.yaml",
    "stages.json",
    "problems/train.jsonl",
    "problems/rl.jsonl",
    "problems/validation.jsonl",
    "problems/test.jsonl",
    "model/config.json",
    "model/tokenizer.json",
    "model/model.safetensors",
    "sft/metrics.jsonl",
    "rl/metrics.jsonl",
    *(
        f"{stem}-{policy}-{decoding}{suffix}"
        for policy in ("sft", "rloo")
        for decoding in ("greedy", "sampled")
        for stem, suffix in (
            ("samples", ".jsonl"),
            ("judgements", ".jsonl"),
            ("report", ".json"),
            ("report", ".md"),
        )
    ),
    "comparison.json",
    "comparison.md",
    "loss.png",
    "reward.png",
    "report.html",
]


@pytest.fixture(scope="module")
def fast_run(tmp_path_factory):
    """One --fast run through the CLI; returns (run folder, printed output)."""
    folder = tmp_path_factory.mktemp("quickstart") / "run"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["quickstart", "--fast", "--out", str(folder)]) == 0
    return folder, printed.getvalue()


def test_fast_run_writes_every_stage_output(fast_run):
    folder, _ = fast_run
    missing = [name for name in FILES if not (folder / name).exists()]
    assert not missing
    assert list((folder / "sft").glob("step_*/model.safetensors"))
    assert sorted(read_records(folder)) == sorted(STAGE_NAMES)


def test_fast_run_judges_every_sample_and_reports_by_difficulty(fast_run):
    folder, _ = fast_run
    config = load_quickstart_config(fast=True)
    tests = (folder / "problems/test.jsonl").read_text().splitlines()
    for policy in ("sft", "rloo"):
        samples = (folder / f"samples-{policy}-sampled.jsonl").read_text().splitlines()
        path = folder / f"judgements-{policy}-sampled.jsonl"
        judgements = [json.loads(line) for line in path.read_text().splitlines()]
        assert len(samples) == len(judgements) == len(tests) * config.sample.n
        assert all(j["verdict"] != "infra_error" for j in judgements)
        report = json.loads((folder / f"report-{policy}-sampled.json").read_text())
        assert report["metrics"] == [f"pass@{k}" for k in config.report.ks]
        assert "all" in report["by_difficulty"]
        greedy = json.loads((folder / f"report-{policy}-greedy.json").read_text())
        assert greedy["samples"] == len(tests)
    comparison = json.loads((folder / "comparison.json").read_text())
    assert list(comparison) == ["sft", "rloo"]
    assert set(comparison["rloo"]) == {"greedy", "sampled"}
    assert "pass@1" in comparison["sft"]["greedy"]["intervals"]


def test_fast_run_prints_folder_scores_and_stage_times(fast_run):
    folder, printed = fast_run
    assert f"run folder: {folder}" in printed
    assert "policy sft:" in printed and "policy rloo:" in printed
    assert "greedy pass@1" in printed and "sampled pass@2" in printed
    assert f"report: {folder.resolve() / 'report.html'}" in printed
    for name in [*STAGE_NAMES, "total"]:
        assert f"  {name} " in printed
    assert OFF_STAGES == ["critic", "critic_sampling"]
    assert not [name for name in OFF_STAGES if f"  {name} " in printed]


def test_rerun_skips_finished_stages(fast_run):
    folder, _ = fast_run
    announced: list[str] = []
    times = run_quickstart(
        load_quickstart_config(fast=True), folder, progress=False, announce=announced.append
    )
    assert all(t.skipped for t in times)
    assert all("skipped" in line or line.endswith(": off") for line in announced)


def test_changed_section_reruns_its_stage_and_later_ones(fast_run, tmp_path):
    folder, _ = fast_run
    copy = tmp_path / "run"
    shutil.copytree(folder, copy)
    config = load_quickstart_config(fast=True, overrides=["report.ks=[1]"])
    times = run_quickstart(config, copy, progress=False, announce=lambda line: None)
    assert [t.name for t in times if not t.skipped] == ["report"]
    report = json.loads((copy / "report-rloo-sampled.json").read_text())
    assert report["metrics"] == ["pass@1"]


def test_rl_algorithm_is_selectable_and_validated(tmp_path):
    config = load_quickstart_config(fast=True, overrides=["rl.algorithm=grpo"])
    assert config.policies == ("sft", "grpo")
    assert load_quickstart_config(fast=True, overrides=["rl.enabled=false"]).policies == ("sft",)
    with pytest.raises(ConfigError, match=r"rl\.algorithm = 'ppo2'"):
        load_quickstart_config(overrides=["rl.algorithm=ppo2"])


def test_rl_rate_is_the_learners_own_unless_set():
    rates = {
        algorithm: load_quickstart_config(overrides=[f"rl.algorithm={algorithm}"]).rl.learning_rate
        for algorithm in ("grpo", "rloo", "ppo", "coderl")
    }
    assert rates == {"grpo": 1e-4, "rloo": 1e-4, "ppo": 1.5e-4, "coderl": 3e-4}
    chosen = load_quickstart_config(overrides=["rl.algorithm=ppo", "rl.lr=3e-4"])
    assert chosen.rl.learning_rate == 3e-4
    with pytest.raises(ConfigError, match=r"rl\.lr = -0\.1"):
        load_quickstart_config(overrides=["rl.lr=-0.1"])


def test_ppo_runs_after_sft_with_its_own_reports(fast_run, tmp_path):
    folder, _ = fast_run
    copy = tmp_path / "run"
    shutil.copytree(folder, copy)
    config = load_quickstart_config(fast=True, overrides=["rl.algorithm=ppo", "rl.kl_beta=0.1"])
    assert config.policies == ("sft", "ppo")
    times = run_quickstart(config, copy, progress=False, announce=lambda line: None)
    assert [t.name for t in times if not t.skipped] == [
        "rl",
        "sample",
        "judge",
        "report",
    ]
    assert (copy / "rl" / "config.yaml").read_text().startswith("model:")
    assert "ppo:" in (copy / "rl" / "config.yaml").read_text()
    assert "  lr: 0.00015\n" in (copy / "rl" / "config.yaml").read_text()  # PPO's own rate
    for decoding in ("greedy", "sampled"):
        assert json.loads((copy / f"report-ppo-{decoding}.json").read_text())["metrics"]


def test_bad_config_key_is_a_clear_error(capsys, tmp_path):
    with pytest.raises(ConfigError, match=r"unknown key 'sft\.stepz'.*sft\.steps"):
        load_quickstart_config(overrides=["sft.stepz=3"])
    assert main(["quickstart", "--fast", "--set", "bogus=1", "--out", str(tmp_path)]) == 2
    assert "unknown key 'bogus'" in capsys.readouterr().err
    assert not any(tmp_path.iterdir())  # nothing runs on a bad config


def test_inconsistent_values_are_errors():
    with pytest.raises(ConfigError, match=r"pass@10 needs.*sample\.n = 5"):
        load_quickstart_config(overrides=["sample.n=5"])
    with pytest.raises(ConfigError, match=r"model\.hidden"):
        load_quickstart_config(overrides=["model.heads=3"])


def test_defaults_need_no_file_and_presets_resolve_by_name():
    assert load_quickstart_config() == QuickstartConfig()
    assert load_quickstart_config("quickstart") == QuickstartConfig()  # the shipped YAML
    assert load_quickstart_config("quickstart_fast") == load_quickstart_config(fast=True)
    with pytest.raises(ConfigError, match="not both"):
        load_quickstart_config("quickstart_fast", fast=True)
