"""Rendering `RunData` as one self-contained HTML page, and writing it (`write_report`).

Tables and charts are drawn here, as HTML and inline SVG; the samples travel as one JSON
block that the page's script (``assets/report.js``) filters and shows a page at a time, so a
run with 10,000 programs opens as fast as one with ten. The page fetches nothing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from html import escape
from importlib.resources import files
from pathlib import Path

from coderl.files import write_atomic
from coderl.reports.records import Comparison, Evaluation, RunData, SampleView, Series
from coderl.reports.svg import bar_chart, line_chart, number, stacked_bar

REPORT_FILE = "report.html"
NAMESPACE_ORDER = ("eval", "train", "judge", "time")
VERDICT_COLORS = {
    "passed": "#16a34a",
    "wrong_answer": "#f59e0b",
    "runtime_error": "#dc2626",
    "timeout": "#9333ea",
    "memory_limit": "#db2777",
    "compile_error": "#64748b",
    "infra_error": "#0ea5e9",
}
MAX_CHANGES = 200  # changed problems listed per comparison
OPEN_CHANGES = 12  # a longer list starts folded


def write_report(
    run_dir: str | Path, compare: Sequence[str | Path] = (), out: str | Path | None = None
) -> Path:
    """Collect ``run_dir`` (and the runs to ``compare``) and write the page; returns its path
    (``RUN_DIR/report.html`` unless ``out`` is given)."""
    from coderl.reports.collect import collect_run

    data = collect_run(run_dir, compare)
    path = Path(out) if out is not None else Path(data.path) / REPORT_FILE
    write_atomic(path, render_report(data))
    return path


def render_report(data: RunData) -> str:
    """The whole page as one string."""
    sections = [
        ("scores", "Scores", _scores(data.evaluations)),
        ("changes", "Changed outcomes", _changes(data.comparisons)),
        ("verdicts", "Verdicts", _verdicts(data.evaluations)),
        ("curves", "Curves", _curves(data.series)),
        ("stages", "Stage times", _stages(data)),
        ("samples", "Samples", _browser(data.evaluations)),
        ("config", "Config", _configs(data.configs)),
    ]
    shown = [(anchor, title, body) for anchor, title, body in sections if body]
    nav = "".join(f'<a href="#{a}">{escape(t)}</a>' for a, t, _ in shown)
    body = "".join(
        f'<section id="{a}"><h2>{escape(t)}</h2>{content}</section>' for a, t, content in shown
    )
    compared = (
        f" compared with {escape(', '.join(data.compared_runs))}" if data.compared_runs else ""
    )
    samples = [s for e in data.evaluations for s in e.samples]
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>coderl run {escape(data.name)}</title>"
        f"<style>{_asset('report.css')}</style></head><body>"
        f"<header><h1>Run <code>{escape(data.name)}</code>{compared}</h1>"
        f'<p class="muted">{escape(data.path)} · report written '
        f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')}</p><nav>{nav}</nav></header>"
        f"<main>{body}</main>"
        f'<script type="application/json" id="samples-data">{_json(samples)}</script>'
        f'<script type="application/json" id="problems-data">{_problems_json(data)}</script>'
        f"<script>{_asset('report.js')}</script></body></html>"
    )


# sections -----------------------------------------------------------------------------------


def _scores(evaluations: Sequence[Evaluation]) -> str:
    if not evaluations:
        return ""
    parts = [
        '<p class="muted">Percent of problems solved, averaged per difficulty; brackets: '
        f"{100 * evaluations[0].confidence:g}% bootstrap interval over problems. pass@k: some "
        "of k samples passes every hidden test; n@k: n of k samples, picked by the example "
        'tests, are submitted.</p><div class="score-blocks">'
    ]
    for e in evaluations:
        header = "".join(f"<th>{escape(m)}</th>" for m in e.metrics)
        rows = "".join(
            f'<tr class="{"total" if r.group == "all" else ""}"><td>{escape(r.group)}</td>'
            f"<td>{r.problems}</td><td>{r.samples}</td>"
            + "".join(f"<td>{_score(r.scores.get(m), r.intervals.get(m))}</td>" for m in e.metrics)
            + "</tr>"
            for r in e.rows
        )
        notes = "".join(
            f'<li class="muted">{escape(n)}</li>'
            for n in [*(f"not reported: {m}: {why}" for m, why in e.dropped.items()), *e.notes]
        )
        parts.append(
            f'<div class="score-block"><h3>{escape(e.label)}</h3>'
            f'<table class="scores" data-evaluation="{escape(e.label)}"><thead><tr>'
            f"<th>difficulty</th><th>problems</th><th>samples</th>{header}</tr></thead>"
            f"<tbody>{rows}</tbody></table>" + (f"<ul>{notes}</ul>" if notes else "") + "</div>"
        )
    return "".join(parts) + "</div>"


def _score(value: float | None, interval: tuple[float, float] | None) -> str:
    if value is None:
        return "-"
    ci = (
        f' <span class="ci">[{100 * interval[0]:.1f}, {100 * interval[1]:.1f}]</span>'
        if interval
        else ""
    )
    return f"<b>{100 * value:.1f}</b>{ci}"


def _changes(comparisons: Sequence[Comparison]) -> str:
    if not comparisons:
        return ""
    parts = [
        '<p class="muted">Held-out problems solved (some sample passed) under one policy and '
        'not the other. Click a problem to see its samples.</p><div class="comparisons">'
    ]
    for c in comparisons:
        rows = "".join(
            f'<tr class="{"gain" if ch.after[0] else "loss"}">'
            f'<td><a href="#samples" class="problem-link" data-problem="{escape(ch.problem_id)}">'
            f"{escape(ch.problem_id)}</a></td><td>{escape(ch.difficulty)}</td>"
            f"<td>{ch.before[0]}/{ch.before[1]}</td><td>{ch.after[0]}/{ch.after[1]}</td>"
            f"<td>{'gained' if ch.after[0] else 'lost'}</td></tr>"
            for ch in sorted(c.changes, key=lambda ch: (ch.after[0] == 0, ch.problem_id))[
                :MAX_CHANGES
            ]
        )
        more = (
            f"<p class=muted>and {len(c.changes) - MAX_CHANGES} more</p>"
            if len(c.changes) > MAX_CHANGES
            else ""
        )
        table = (
            f"<details{' open' if len(c.changes) <= OPEN_CHANGES else ''}><summary>the "
            f"{len(c.changes)} problems</summary>"
            f'<table class="changes"><thead><tr><th>problem</th><th>difficulty</th>'
            f"<th>{escape(c.baseline)} passed</th><th>{escape(c.candidate)} passed</th>"
            f"<th>change</th></tr></thead><tbody>{rows}</tbody></table>{more}</details>"
            if c.changes
            else ""
        )
        parts.append(
            f'<div class="comparison"><h3>{escape(c.baseline)} → {escape(c.candidate)}</h3>'
            f'<p class="summary"><span class="gain">{c.gained} gained</span>, '
            f'<span class="loss">{c.lost} lost</span> of {c.common_problems} problems both '
            f"judged.</p>{table}</div>"
        )
    return "".join(parts) + "</div>"


def _verdicts(evaluations: Sequence[Evaluation]) -> str:
    if not evaluations:
        return ""
    names = [v for v in VERDICT_COLORS if any(e.verdicts.get(v) for e in evaluations)]
    names += sorted({v for e in evaluations for v in e.verdicts if v not in VERDICT_COLORS})
    header = "".join(f'<th><i class="swatch {escape(v)}"></i>{escape(v)}</th>' for v in names)
    rows = "".join(
        f"<tr><td>{escape(e.label)}</td>"
        + "".join(f"<td>{e.verdicts.get(v, 0)}</td>" for v in names)
        + f"<td>{sum(e.verdicts.values())}</td><td>"
        + stacked_bar([(v, e.verdicts.get(v, 0), VERDICT_COLORS.get(v, "#999")) for v in names])
        + "</td></tr>"
        for e in evaluations
    )
    return (
        f'<table class="verdicts"><thead><tr><th>evaluation</th>{header}<th>total</th><th></th>'
        f"</tr></thead><tbody>{rows}</tbody></table>"
    )


def _curves(series: Sequence[Series]) -> str:
    """One chart per (log, metric), the compared runs' lines on the same axes; charts
    grouped by log folder (in the order the run made them) and namespace (eval/, train/,
    judge/, time/, ...)."""
    charts: dict[tuple[str, str], dict[str, list[Series]]] = {}
    for s in series:
        charts.setdefault((s.source, s.namespace), {}).setdefault(s.key, []).append(s)
    if not charts:
        return ""
    parts = []
    sources = list(dict.fromkeys(source for source, _ in charts))
    for source in sources:
        where = f"{source}/metrics.jsonl" if source else "metrics.jsonl"
        parts.append(f'<h3 class="log">{escape(where)}</h3>')
        namespaces = sorted((n for s, n in charts if s == source), key=_namespace_rank)
        for namespace in namespaces:
            figures = "".join(
                line_chart(key, [(s.run, s.steps, s.values) for s in lines])
                for key, lines in charts[(source, namespace)].items()
            )
            parts.append(
                f'<div class="chart-group" data-namespace="{escape(namespace)}">'
                f"<h4>{escape(namespace)}/</h4>"
                f'<div class="charts">{figures}</div></div>'
            )
    return "".join(parts)


def _namespace_rank(namespace: str) -> tuple[int, str]:
    known = NAMESPACE_ORDER.index(namespace) if namespace in NAMESPACE_ORDER else 99
    return known, namespace


def _stages(data: RunData) -> str:
    if not data.stages:
        return ""
    total = sum(s.seconds for s in data.stages)
    return bar_chart(
        f"seconds per stage (total {number(total)} s)",
        [(s.name, s.seconds) for s in data.stages],
        unit=" s",
    )


def _browser(evaluations: Sequence[Evaluation]) -> str:
    samples = [s for e in evaluations for s in e.samples]
    if not samples:
        return ""
    policies = _options(e.label for e in evaluations if e.samples)
    verdicts = _options(sorted({s.verdict for s in samples}))
    problems = "".join(
        f'<option value="{escape(p)}">' for p in dict.fromkeys(s.problem_id for s in samples)
    )
    return (
        f'<p class="muted">{len(samples)} judged programs. For a failed one: the first failing '
        "test (input, expected, actual) and the error with its line marked. Where a critic "
        "scored the tokens, a heat map (red: likely wrong, green: likely right).</p>"
        '<form id="filters" onsubmit="return false">'
        f'<label>policy <select id="filter-policy"><option value="">all</option>{policies}'
        "</select></label>"
        f'<label>verdict <select id="filter-verdict"><option value="">all</option>{verdicts}'
        "</select></label>"
        '<label>problem <input id="filter-problem" list="problem-ids" placeholder="any" '
        f'size="28"></label><datalist id="problem-ids">{problems}</datalist>'
        '<button type="button" id="filter-clear">clear</button></form>'
        '<p id="sample-count" class="muted"></p><div id="problem-statement" hidden></div>'
        '<div id="sample-list"></div>'
        '<div id="pager"><button type="button" id="page-prev">← previous</button>'
        '<span id="page-info"></span><button type="button" id="page-next">next →</button></div>'
    )


def _configs(configs: Sequence[tuple[str, str]]) -> str:
    return "".join(
        f"<details {'open' if i == 0 else ''}><summary>{escape(name)}</summary>"
        f'<pre class="config">{escape(text)}</pre></details>'
        for i, (name, text) in enumerate(configs)
    )


# helpers ------------------------------------------------------------------------------------


def _options(values: Iterable[str]) -> str:
    return "".join(f'<option value="{escape(v)}">{escape(v)}</option>' for v in values)


def _sample_json(s: SampleView) -> dict:
    return {
        "policy": s.policy,
        "problem": s.problem_id,
        "index": s.sample_index,
        "verdict": s.verdict,
        "program": s.program,
        "language": s.language,
        "failed": None if s.failed_test is None else asdict(s.failed_test),
        "error": s.error,
        "tokens": None
        if s.token_scores is None
        else [list(p) for p in zip(s.token_scores.tokens, s.token_scores.scores)],
    }


def _json(samples: Sequence[SampleView]) -> str:
    """The samples as JSON safe inside a script element (no ``<`` can close it)."""
    return _script_safe([_sample_json(s) for s in samples])


def _problems_json(data: RunData) -> str:
    """Problem id -> [difficulty, statement], for the browser's problem header."""
    problems: dict[str, list[str]] = {}
    for e in data.evaluations:
        for pid, difficulty in e.difficulties.items():
            problems.setdefault(pid, [difficulty, e.statements.get(pid, "")])
    return _script_safe(problems)


def _script_safe(value: object) -> str:
    return json.dumps(value, separators=(",", ":")).replace("<", "\\u003c")


def _asset(name: str) -> str:
    return files("coderl.reports").joinpath("assets", name).read_text(encoding="utf-8")
