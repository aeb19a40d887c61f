"""The quickstart with CodeRL (--fast sizes): the critic stage, its report, and the online and
offline actor-critic runs named like the other learners."""

from __future__ import annotations

import contextlib
import io
import json
import shutil

import torch

from coderl.cli.main import main
from coderl.recipes.quickstart import run_quickstart
from coderl.recipes.quickstart_config import load_quickstart_config

torch.set_num_threads(1)


def test_coderl_online_then_offline(tmp_path):
    folder = tmp_path / "run"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert (
            main(["quickstart", "--fast", "--set", "rl.algorithm=coderl", "--out", str(folder)])
            == 0
        )
    report = json.loads((folder / "critic-report.json").read_text())
    assert {"roc_auc", "macro_f1", "accuracy", "confusion", "calibration_error"} <= set(report)
    assert len(report["confusion"]) == 4
    for decoding in ("greedy", "sampled"):
        assert (folder / f"report-coderl-{decoding}.json").is_file()
    assert set(json.loads((folder / "comparison.json").read_text())) == {"sft", "coderl"}
    metrics = [
        json.loads(line) for line in (folder / "rl" / "metrics.jsonl").read_text().splitlines()
    ]
    assert any("train/loss_rl" in m for m in metrics)
    assert "policy coderl" in printed.getvalue()

    # offline from the same critic data: the critic stage is reused, RL and later re-run
    copy = tmp_path / "offline"
    shutil.copytree(folder, copy)
    config = load_quickstart_config(fast=True, overrides=["rl.algorithm=coderl-offline"])
    times = run_quickstart(config, copy, progress=False, announce=lambda line: None)
    assert [t.name for t in times if not t.skipped] == [
        "rl",
        "sample",
        "judge",
        "report",
    ]
    assert (copy / "report-coderl-offline-greedy.json").is_file()
    assert (copy / "critic-report.json").is_file()
