"""Inline SVG charts drawn in Python: line charts of metric series and horizontal bars.

No plotting library and nothing fetched when the page opens; each chart is a few hundred
bytes of markup whatever the number of steps (series are thinned to ``MAX_POINTS``).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH, HEIGHT = 320, 170
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 52, 10, 10, 24
MAX_POINTS = 400
COLORS = ("#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2")


def line_chart(
    title: str, lines: Sequence[tuple[str, Sequence[int], Sequence[float | None]]]
) -> str:
    """One chart of ``(name, steps, values)`` lines sharing axes; gaps where a value is None."""
    points = [(s, v) for _, steps, values in lines for s, v in zip(steps, values) if v is not None]
    if not points:
        raise ValueError(f"{title}: no finite value to draw")
    x0, x1 = min(p[0] for p in points), max(p[0] for p in points)
    y0, y1 = min(p[1] for p in points), max(p[1] for p in points)
    if x0 == x1:
        x0, x1 = x0 - 1, x1 + 1
    if y0 == y1:
        y0, y1 = y0 - (abs(y0) or 1) * 0.05, y1 + (abs(y1) or 1) * 0.05
    inner_w = WIDTH - PAD_LEFT - PAD_RIGHT
    inner_h = HEIGHT - PAD_TOP - PAD_BOTTOM

    def x(step: float) -> float:
        return PAD_LEFT + (step - x0) / (x1 - x0) * inner_w

    def y(value: float) -> float:
        return PAD_TOP + (y1 - value) / (y1 - y0) * inner_h

    parts = [
        f'<rect class="frame" x="{PAD_LEFT}" y="{PAD_TOP}" width="{inner_w}" height="{inner_h}"/>',
        _text(PAD_LEFT - 4, PAD_TOP + 4, number(y1), "end"),
        _text(PAD_LEFT - 4, PAD_TOP + inner_h, number(y0), "end"),
        _text(PAD_LEFT, HEIGHT - 6, number(x0), "start"),
        _text(WIDTH - PAD_RIGHT, HEIGHT - 6, number(x1), "end"),
        _text(PAD_LEFT + inner_w / 2, HEIGHT - 6, "step", "middle"),
    ]
    for color, (name, steps, values) in zip(_cycle(len(lines)), lines):
        for segment in _segments(_thin(list(zip(steps, values)))):
            coords = " ".join(f"{x(s):.1f},{y(v):.1f}" for s, v in segment)
            if len(segment) == 1:
                s, v = segment[0]
                parts.append(f'<circle cx="{x(s):.1f}" cy="{y(v):.1f}" r="2" fill="{color}"/>')
            else:
                parts.append(
                    f'<polyline class="series" points="{coords}" stroke="{color}">'
                    f"<title>{escape(name)}</title></polyline>"
                )
    legend = "".join(
        f'<span class="key" style="--c:{c}">{escape(name)} <b>{number(_last(values))}</b></span>'
        for c, (name, _, values) in zip(_cycle(len(lines)), lines)
    )
    return (
        f'<figure class="chart" data-metric="{escape(title)}">'
        f"<figcaption>{escape(title)}</figcaption>"
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
        f'aria-label="{escape(title)}">{"".join(parts)}</svg>'
        f'<div class="legend">{legend}</div></figure>'
    )


def bar_chart(title: str, bars: Sequence[tuple[str, float]], unit: str = "") -> str:
    """Horizontal bars, one per ``(label, value)``, scaled to the largest."""
    if not bars:
        raise ValueError(f"{title}: no bars to draw")
    row, label_w, width = 20, 90, WIDTH + 160
    top = max(value for _, value in bars) or 1.0
    parts = []
    for i, (label, value) in enumerate(bars):
        length = value / top * (width - label_w - 70)
        parts += [
            _text(label_w - 6, i * row + 14, label, "end"),
            f'<rect class="bar" x="{label_w}" y="{i * row + 3}" width="{length:.1f}" '
            f'height="{row - 6}"><title>{escape(label)}: {number(value)}{unit}</title></rect>',
            _text(label_w + length + 4, i * row + 14, f"{number(value)}{unit}", "start"),
        ]
    height = row * len(bars) + 4
    return (
        f'<figure class="chart bars" data-metric="{escape(title)}">'
        f"<figcaption>{escape(title)}</figcaption>"
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(title)}">{"".join(parts)}</svg></figure>'
    )


def stacked_bar(parts: Sequence[tuple[str, int, str]], width: int = 240) -> str:
    """One bar split into ``(name, count, color)`` parts, e.g. the verdicts of a run."""
    total = sum(count for _, count, _ in parts) or 1
    rects, left = [], 0.0
    for name, count, color in parts:
        share = count / total * width
        if count:
            rects.append(
                f'<rect x="{left:.1f}" y="0" width="{share:.1f}" height="14" fill="{color}">'
                f"<title>{escape(name)}: {count}</title></rect>"
            )
        left += share
    return (
        f'<svg class="stack" viewBox="0 0 {width} 14" width="{width}" height="14">'
        f"{''.join(rects)}</svg>"
    )


def number(value: float | None) -> str:
    """A short human form: 3 significant digits, no exponent for everyday magnitudes."""
    if value is None:
        return "-"
    if value != 0 and (abs(value) >= 1e5 or abs(value) < 1e-3):
        return f"{value:.2e}"
    if float(value).is_integer() or abs(value) >= 1000:
        return f"{value:.0f}"
    return f"{value:.3g}"


def _text(x: float, y: float, text: str, anchor: str) -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{escape(text)}</text>'


def _thin(points: list[tuple[int, float | None]]) -> list[tuple[int, float | None]]:
    if len(points) <= MAX_POINTS:
        return points
    stride = (len(points) - 1) / (MAX_POINTS - 1)  # evenly spaced, first and last kept
    return [points[round(i * stride)] for i in range(MAX_POINTS)]


def _segments(points: list[tuple[int, float | None]]) -> list[list[tuple[int, float]]]:
    segments: list[list[tuple[int, float]]] = [[]]
    for step, value in points:
        if value is None:
            segments.append([])
        else:
            segments[-1].append((step, value))
    return [s for s in segments if s]


def _last(values: Sequence[float | None]) -> float | None:
    return next((v for v in reversed(values) if v is not None), None)


def _cycle(n: int) -> list[str]:
    return [COLORS[i % len(COLORS)] for i in range(n)]
