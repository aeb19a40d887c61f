"""Reading a run folder into records: scores per difficulty with intervals, outcome changes,
failing tests and errors matched to the judged programs, and clear errors for bad files."""

from __future__ import annotations

import json
import shutil

import pytest

from coderl.errors import CoderlError, DataError
from coderl.reports.collect import collect_run


def test_evaluations_keep_the_reports_scores_with_an_interval_per_difficulty(run_dir):
    data = collect_run(run_dir)
    assert [e.label for e in data.evaluations] == ["sft-sampled", "grpo-sampled"]
    for evaluation in data.evaluations:
        saved = json.loads((run_dir / f"report-{evaluation.label}.json").read_text())
        assert [r.group for r in evaluation.rows] == list(saved["by_difficulty"])
        for row in evaluation.rows:
            assert row.scores == pytest.approx(
                {m: saved["by_difficulty"][row.group][m] for m in ("pass@1", "pass@2")}
            )
            for metric, (low, high) in row.intervals.items():
                assert low <= row.scores[metric] <= high
            assert set(row.intervals) == {"pass@1", "pass@2"}
        assert evaluation.verdicts == saved["verdicts"]


def test_problems_that_changed_outcome_between_policies(run_dir):
    (comparison,) = collect_run(run_dir).comparisons
    assert (comparison.baseline, comparison.candidate) == ("sft-sampled", "grpo-sampled")
    assert comparison.common_problems == 8
    gained = sorted(c.problem_id[-1] for c in comparison.changes if c.after[0])
    lost = sorted(c.problem_id[-1] for c in comparison.changes if c.before[0])
    assert (gained, lost) == (["1", "3", "5", "7"], ["0", "2", "4", "6"])
    assert (comparison.gained, comparison.lost) == (4, 4)
    change = next(c for c in comparison.changes if c.problem_id.endswith("1"))
    assert (change.before, change.after) == ((0, 4), (1, 4))


def test_samples_carry_their_failing_test_error_line_and_token_scores(run_dir):
    evaluations = {e.label: e for e in collect_run(run_dir).evaluations}
    samples = {(s.problem_id, s.sample_index): s for s in evaluations["grpo-sampled"].samples}
    assert len(samples) == 32
    runtime = samples[("synthetic/test/0000", 2)]  # negate(a): call-based
    assert runtime.verdict == "runtime_error"
    assert runtime.program.endswith("return undefined_name\n")
    assert runtime.error == {"type": "NameError", "message": runtime.error["message"], "line": 2}
    assert runtime.failed_test.index == 0
    assert runtime.failed_test.input.startswith("negate(")
    assert "".join(runtime.token_scores.tokens) == runtime.program
    wrong = samples[("synthetic/test/0002", 1)]  # stdin -> stdout
    assert wrong.verdict == "wrong_answer" and wrong.error is None
    problem = json.loads((run_dir / "problems/test.jsonl").read_text().splitlines()[2])
    first = problem["tests"][wrong.failed_test.index]
    assert (wrong.failed_test.input, wrong.failed_test.expected) == (
        first["stdin"],
        first["expected_stdout"],
    )
    assert samples[("synthetic/test/0001", 3)].error["type"] == "SyntaxError"
    assert samples[("synthetic/test/0001", 0)].failed_test is None  # passed
    assert all(s.token_scores is None for s in evaluations["sft-sampled"].samples)


def test_curves_follow_the_stages_order_and_skip_nothing(run_dir):
    data = collect_run(run_dir)
    sources = list(dict.fromkeys(s.source for s in data.series))
    assert sources == ["sft", "rl"]  # stages.json order, not the alphabet
    by_key = {(s.source, s.key): s for s in data.series}
    assert by_key[("rl", "eval/pass@1")].steps == (0, 10)
    assert by_key[("sft", "train/loss")].values[-1] == pytest.approx(3.0 / 20)
    assert by_key[("rl", "train/kl")].namespace == "train"
    assert [s.name for s in data.stages] == ["sft", "rl", "judge"]
    assert data.configs[0][0] == "config.yaml"


def test_a_compared_run_is_the_baseline_of_same_named_evaluations(run_dir, tmp_path):
    other = tmp_path / "before"
    shutil.copytree(run_dir, other)
    data = collect_run(run_dir, compare=[other])
    assert data.compared_runs == ("before",)
    labels = [e.label for e in data.evaluations]
    assert labels[2:] == ["before:sft-sampled", "before:grpo-sampled"]
    across = [c for c in data.comparisons if c.baseline.startswith("before:")]
    assert [(c.baseline, c.candidate, c.changes) for c in across] == [
        ("before:sft-sampled", "sft-sampled", ()),
        ("before:grpo-sampled", "grpo-sampled", ()),
    ]
    assert {s.run for s in data.series} == {run_dir.name, "before"}


def test_bad_run_folders_are_errors_that_name_the_file(run_dir, tmp_path):
    with pytest.raises(CoderlError, match="nowhere: not a folder"):
        collect_run(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CoderlError, match=r"empty: holds no config.yaml, metrics.jsonl"):
        collect_run(tmp_path / "empty")
    broken = tmp_path / "broken"
    shutil.copytree(run_dir, broken)
    with (broken / "rl" / "metrics.jsonl").open("a") as f:
        f.write('{"step": 11, "train/kl": \n')
    with pytest.raises(DataError, match=r"rl/metrics.jsonl:13"):
        collect_run(broken)
    (broken / "rl" / "metrics.jsonl").unlink()
    samples = broken / "samples-grpo-sampled.jsonl"
    row = json.loads(samples.read_text().splitlines()[0])
    row["token_scores"]["scores"].append(0.5)
    samples.write_text(json.dumps(row) + "\n")
    with pytest.raises(DataError, match="token_scores needs 'tokens' and 'scores'"):
        collect_run(broken)


def test_a_folder_without_evaluations_still_reports_its_curves(run_dir, tmp_path):
    train_run = tmp_path / "sft-only"
    shutil.copytree(run_dir / "sft", train_run)
    data = collect_run(train_run)
    assert data.evaluations == () and data.comparisons == () and data.stages == ()
    assert {s.key for s in data.series} == {"train/loss", "train/lr", "time/update"}
    assert {s.source for s in data.series} == {""}


def test_plain_sampling_is_the_baseline_of_critic_sampling(run_dir, tmp_path):
    run = tmp_path / "critic-run"
    run.mkdir()
    shutil.copytree(run_dir / "problems", run / "problems")
    for name in ("samples-{}.jsonl", "judgements-{}.jsonl", "report-{}.json"):
        shutil.copy(run_dir / name.format("grpo-sampled"), run / name.format("critic-sampled"))
        shutil.copy(run_dir / name.format("sft-sampled"), run / name.format("plain-sampled"))
    data = collect_run(run)
    assert [e.label for e in data.evaluations] == ["plain-sampled", "critic-sampled"]
    (comparison,) = data.comparisons
    assert (comparison.baseline, comparison.candidate) == ("plain-sampled", "critic-sampled")
    assert (comparison.gained, comparison.lost) == (4, 4)
