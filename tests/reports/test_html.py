"""The page: self-contained, every section present, samples embedded safely; the SVG charts."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from coderl.reports.collect import collect_run
from coderl.reports.html import render_report, write_report
from coderl.reports.svg import MAX_POINTS, bar_chart, line_chart, number


def test_the_page_has_every_section_and_fetches_nothing(run_dir, tmp_path):
    page = write_report(run_dir, out=tmp_path / "page.html").read_text()
    for section in ("scores", "changes", "verdicts", "curves", "stages", "samples", "config"):
        assert f'<section id="{section}">' in page
    assert not re.search(r"(src|href)=\"(https?:)?//", page)  # no CDN, no remote resource
    assert "<link" not in page and "@import" not in page
    assert page.count('<table class="scores"') == 2


def test_samples_are_embedded_as_json_that_no_program_can_close(run_dir, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(run_dir, run)
    samples = run / "samples-sft-sampled.jsonl"
    rows = [json.loads(line) for line in samples.read_text().splitlines()]
    rows[0]["completion"] = 'print("</script><script>alert(1)</script>")\n'
    samples.write_text("".join(json.dumps(r) + "\n" for r in rows))
    page = render_report(collect_run(run))
    block = re.search(
        r'<script type="application/json" id="samples-data">(.*?)</script>', page, re.S
    )
    embedded = json.loads(block.group(1))
    assert embedded[0]["program"] == rows[0]["completion"]
    assert len(embedded) == 64 and "alert(1)</script>" not in page


def test_the_default_place_is_the_run_folder(run_dir, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(run_dir, run)
    assert write_report(run) == run.resolve() / "report.html"


def test_line_chart_breaks_at_missing_values_and_thins_long_series():
    chart = line_chart("train/kl", [("run", (1, 2, 3, 4, 5), (0.1, 0.2, None, 0.4, 0.5))])
    assert chart.count("<polyline") == 2 and 'data-metric="train/kl"' in chart
    steps = tuple(range(10_000))
    long = line_chart("train/loss", [("run", steps, tuple(float(s) for s in steps))])
    (points,) = re.findall(r'points="([^"]*)"', long)
    assert len(points.split()) == MAX_POINTS
    assert points.split()[-1] == "310.0,10.0"  # the last step, at the top right corner
    with pytest.raises(ValueError, match="train/x: no finite value"):
        line_chart("train/x", [("run", (1,), (None,))])


def test_bar_chart_and_numbers():
    chart = bar_chart("seconds", [("sft", 10.0), ("rl", 5.0)], unit=" s")
    assert chart.count('class="bar"') == 2 and ">10 s<" in chart and ">5 s<" in chart
    assert [number(v) for v in (None, 0.0, 3.0, 0.12345, 2812.6, 1e-5)] == [
        "-",
        "0",
        "3",
        "0.123",
        "2813",
        "1.00e-05",
    ]
