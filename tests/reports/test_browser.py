"""The report page in a real browser: headless Chromium opens the page of a small real run;
the tables, curves and sample filter must be there and work, with no console error."""

from __future__ import annotations

import json

import pytest

from coderl.reports.html import write_report

pytestmark = pytest.mark.slow

CURVES = ("train/loss", "train/reward", "train/kl", "train/entropy", "eval/pass@1", "time/sample")


def test_report_page_in_chromium(run_dir, browser, tmp_path):
    page = write_report(run_dir, out=tmp_path / "report.html")
    browser.open(page.as_uri())

    tables = browser.evaluate(
        "[...document.querySelectorAll('table.scores')].map(t => t.dataset.evaluation)"
    )
    assert tables == ["sft-sampled", "grpo-sampled"]
    header = browser.evaluate(
        "[...document.querySelectorAll('table.scores')[0].querySelectorAll('th')]"
        ".map(th => th.textContent)"
    )
    assert header == ["difficulty", "problems", "samples", "pass@1", "pass@2"]
    assert browser.evaluate("document.querySelectorAll('table.verdicts tbody tr').length") == 2
    assert browser.evaluate("document.querySelectorAll('table.changes tbody tr').length") == 8

    drawn = browser.evaluate(
        "Object.fromEntries([...document.querySelectorAll('#curves figure.chart')].map(f => "
        "[f.dataset.metric, f.querySelectorAll('svg polyline').length]))"
    )
    for metric in CURVES:
        assert drawn.get(metric, 0) >= 1, f"no curve drawn for {metric}: {sorted(drawn)}"
    assert browser.evaluate("document.querySelectorAll('#stages svg rect.bar').length") == 3

    total = 2 * 8 * 4
    assert browser.evaluate("document.getElementById('sample-count').textContent") == (
        f"{total} of {total} samples match"
    )
    assert browser.evaluate("document.querySelectorAll('#sample-list .sample').length") == 20

    browser.evaluate(
        "(() => { const s = document.getElementById('filter-verdict'); s.value = 'runtime_error';"
        " s.dispatchEvent(new Event('input')); })()"
    )
    browser.evaluate(
        "(() => { const s = document.getElementById('filter-policy'); s.value = 'grpo-sampled';"
        " s.dispatchEvent(new Event('input')); })()"
    )
    shown = browser.evaluate(
        "[...document.querySelectorAll('#sample-list .sample')].map(s => "
        "[s.dataset.verdict, s.dataset.policy, !!s.querySelector('.ln.err'), "
        "s.querySelector('.failure').textContent, !!s.querySelector('.heat .tok')])"
    )
    assert len(shown) == 8
    for verdict, policy, marked, failure, heat in shown:
        assert (verdict, policy, marked, heat) == ("runtime_error", "grpo-sampled", True, True)
        assert "NameError" in failure and "expected" in failure

    problem = json.dumps("synthetic/test/0003")
    browser.evaluate(
        f"(() => {{ const i = document.getElementById('filter-problem'); i.value = {problem};"
        " i.dispatchEvent(new Event('input')); })()"
    )
    assert browser.evaluate("document.querySelectorAll('#sample-list .sample').length") == 1
    statement = browser.evaluate("document.getElementById('problem-statement').textContent")
    assert statement.startswith("synthetic/test/0003") and "negate" in statement
    assert browser.evaluate("document.querySelectorAll('.kw').length") > 0  # highlighted

    assert browser.console_errors() == []
    shot = browser.screenshot(tmp_path / "report.png")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
