"""`coderl report`, and the page that `coderl evaluate` writes at the end (--no-report: none)."""

from __future__ import annotations

import shutil

from coderl.cli.main import main


def test_report_writes_the_page_and_prints_its_path(run_dir, tmp_path, capsys):
    run = tmp_path / "run"
    shutil.copytree(run_dir, run)
    assert main(["report", str(run)]) == 0
    assert capsys.readouterr().out == f"report: {run.resolve() / 'report.html'}\n"
    out = tmp_path / "elsewhere.html"
    assert main(["report", str(run), "--compare", str(run_dir), "--out", str(out)]) == 0
    assert f"{run_dir.name}:grpo-sampled" in out.read_text()


def test_bad_arguments_are_one_line_errors(run_dir, tmp_path, capsys):
    assert main(["report", str(tmp_path / "missing")]) == 2
    assert capsys.readouterr().err == (
        f"coderl report: error: RUN_DIR {tmp_path / 'missing'}: not a folder (give a run folder)\n"
    )
    samples = run_dir / "samples-sft-sampled.jsonl"
    before = samples.read_bytes()
    assert main(["report", str(run_dir), "--out", str(samples)]) == 2
    assert capsys.readouterr().err == (
        f"coderl report: error: --out {samples}: give a path ending in .html\n"
    )
    assert samples.read_bytes() == before
    assert main(["report", str(run_dir), "--out", str(tmp_path)]) == 2
    assert f"--out {tmp_path}: give a path ending in .html" in capsys.readouterr().err


def test_evaluate_ends_with_the_page_unless_told_not_to(run_dir, tmp_path, capsys):
    base = [
        "evaluate",
        *("--problems", f"jsonl:{run_dir / 'problems' / 'test.jsonl'}"),
        *("--samples", str(run_dir / "samples-sft-sampled.jsonl")),
        *("--k", "1,2", "--n-at-k", "", "--workers", "1", "--no-progress"),
    ]
    assert main([*base, "--out", str(tmp_path / "eval")]) == 0
    page = tmp_path / "eval" / "report.html"
    assert f"report: {page.resolve()}" in capsys.readouterr().out
    text = page.read_text()
    assert "return undefined_name" in text  # the programs, found through the provenance
    assert '<table class="scores" data-evaluation="eval">' in text
    assert main([*base, "--out", str(tmp_path / "quiet"), "--no-report"]) == 0
    assert not (tmp_path / "quiet" / "report.html").exists()
    assert "report:" not in capsys.readouterr().out


def test_n_at_k_rows_of_an_evaluate_folder_get_intervals_per_difficulty(run_dir, tmp_path):
    from coderl.reports.collect import collect_run

    out = tmp_path / "eval"
    argv = [
        "evaluate",
        *("--problems", f"jsonl:{run_dir / 'problems' / 'test.jsonl'}"),
        *("--samples", str(run_dir / "samples-grpo-sampled.jsonl")),
        *("--k", "1,4", "--n-at-k", "1@4", "--workers", "1", "--no-progress", "--no-report"),
    ]
    assert main([*argv, "--out", str(out)]) == 0
    (evaluation,) = collect_run(out).evaluations
    assert evaluation.metrics == ("pass@1", "pass@4", "1@4") and not evaluation.notes
    for row in evaluation.rows:
        low, high = row.intervals["1@4"]
        assert low <= row.scores["1@4"] <= high
    assert len(evaluation.samples) == 32 and evaluation.samples[0].program
