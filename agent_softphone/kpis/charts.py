"""Line charts as SVG, drawn on the server: no script, no library, no CDN. Each
series has its own colour, dash pattern and marker shape, so that the chart reads
in grey and for a colour-blind eye; the chart has a title and a text description
(``role="img"``) and the page gives the exact values in a table below it."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

__all__ = ["Series", "line_chart"]

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 56
# colours with contrast on white, told apart by dash and marker as well
STYLES = (
    ("#0b57d0", "", "circle"),
    ("#b3261e", "8 4", "square"),
    ("#146c2e", "2 3", "triangle"),
    ("#7a4b00", "10 3 2 3", "diamond"),
    ("#6f2da8", "4 2", "circle"),
    ("#00696e", "1 2", "square"),
)


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]


def _nice_max(value: float) -> float:
    """The axis' top: four steps of 1, 2 or 5 times a power of ten (whole numbers on
    the ticks for a count)."""
    if value <= 0:
        return 4.0
    quarter = value / 4
    exponent: float = 10.0 ** math.floor(math.log10(quarter))
    for step in (1.0, 2.0, 5.0, 10.0):
        if quarter <= step * exponent:
            return 4 * max(step * exponent, 1.0)
    return 40 * exponent


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    r = 3.5
    match shape:
        case "square":
            side = 2 * r
            return (
                f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{side}" height="{side}" '
                f'fill="{colour}"/>'
            )
        case "triangle":
            points = (
                f"{x:.1f},{y - r - 1:.1f} {x - r - 1:.1f},{y + r:.1f} {x + r + 1:.1f},{y + r:.1f}"
            )
            return f'<polygon points="{points}" fill="{colour}"/>'
        case "diamond":
            d = r + 1
            points = (
                f"{x:.1f},{y - d:.1f} {x + d:.1f},{y:.1f} {x:.1f},{y + d:.1f} {x - d:.1f},{y:.1f}"
            )
            return f'<polygon points="{points}" fill="{colour}"/>'
        case _:
            return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{colour}"/>'


def line_chart(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    fmt: Callable[[float], str],
    *,
    percent: bool = False,
    reference: tuple[str, float] | None = None,
    no_data: str = "—",
) -> str:
    """``labels`` are the buckets (x), each series one value per bucket (``None``:
    nothing to show there, the line breaks). ``percent``: values are fractions, the
    axis goes to 100 %. ``reference``: a dashed horizontal line and its name."""
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    values = [v for s in series for v in s.values if v is not None]
    if reference is not None:
        values.append(reference[1])
    top = 1.0 if percent else _nice_max(max(values, default=0.0))
    n = max(len(labels), 1)

    def x_of(i: int) -> float:
        return LEFT + (plot_w * (i + 0.5) / n)

    def y_of(v: float) -> float:
        return TOP + plot_h * (1 - min(max(v / top, 0.0), 1.0))

    parts: list[str] = []
    for k in range(5):  # the grid and the y axis
        v = top * k / 4
        y = y_of(v)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d0d0d0"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(fmt(v))}</text>'
        )
    every = max(1, math.ceil(n / 12))  # at most a dozen labels under the axis
    for i, label in enumerate(labels):
        if i % every == 0 or i == n - 1:
            x = x_of(i)
            parts.append(
                f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="end" '
                f'transform="rotate(-35 {x:.1f} {HEIGHT - BOTTOM + 16})">{escape(label)}</text>'
            )
    if reference is not None:
        y = y_of(reference[1])
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#1a1a1a" '
            f'stroke-dasharray="6 6" stroke-width="1.5"/>'
            f'<text x="{WIDTH - RIGHT}" y="{y - 5:.1f}" text-anchor="end">'
            f"{escape(reference[0])} {escape(fmt(reference[1]))}</text>"
        )
    legend: list[str] = []
    for index, s in enumerate(series):
        colour, dash, shape = STYLES[index % len(STYLES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        runs: list[list[tuple[float, float]]] = [[]]
        for i, value in enumerate(s.values):
            if value is None:
                runs.append([])
                continue
            runs[-1].append((x_of(i), y_of(value)))
        for run in runs:
            if len(run) > 1:
                points = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
                parts.append(
                    f'<polyline points="{points}" fill="none" stroke="{colour}" '
                    f'stroke-width="2"{dash_attr}/>'
                )
            parts.extend(_marker(shape, x, y, colour) for x, y in run)
        last = next((v for v in reversed(s.values) if v is not None), None)
        legend.append(
            f'<li><svg width="36" height="12" aria-hidden="true" focusable="false">'
            f'<line x1="0" x2="36" y1="6" y2="6" stroke="{colour}" stroke-width="2"{dash_attr}/>'
            f"{_marker(shape, 18, 6, colour)}</svg> {escape(s.name)}"
            f" ({escape(fmt(last) if last is not None else no_data)})</li>"
        )
    description = "; ".join(
        f"{s.name}: "
        + ", ".join(
            f"{label} {fmt(v) if v is not None else no_data}"
            for label, v in zip(labels, s.values, strict=False)
        )
        for s in series
    )
    return (
        f'<figure class="chart" id="{chart_id}">'
        f'<figcaption id="{chart_id}-title">{escape(title)}</figcaption>'
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" focusable="false" '
        f'preserveAspectRatio="xMidYMid meet">'
        f'<desc id="{chart_id}-desc">{escape(description[:2000])}</desc>'
        f'<g font-size="12" fill="#1a1a1a">{"".join(parts)}</g>'
        f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{HEIGHT - BOTTOM}" stroke="#1a1a1a"/>'
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{HEIGHT - BOTTOM}" '
        f'y2="{HEIGHT - BOTTOM}" stroke="#1a1a1a"/>'
        f"</svg>"
        f'<ul class="legend">{"".join(legend)}</ul>'
        f"</figure>"
    )
