"""Charts drawn as SVG at build time: line and area charts with series, bands and reference lines
(bar charts in bars.py; sparkline, funnel and heatmap in shapes.py).

Pure functions of plain values (no query results here; components.py reads those), so each chart
is tested on small known data: its marks carry the values they were drawn from.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sales_warehouse.reports.formats import format_value
from sales_warehouse.reports.svg import (
    DASHED,
    Scale,
    attr,
    colour,
    is_continuous,
    label_text,
    legend,
    mark_data,
    nice_ticks,
    rule,
    svg_document,
    text_width,
    value_range,
    x_labels,
    x_position,
    y_axis,
)

WIDTH = 640.0


def default_height(width: float) -> float:
    return min(320.0, max(250.0, width * 0.32))


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]
    dashed: bool = False


@dataclass(frozen=True)
class Band:
    name: str
    low: tuple[float | None, ...]
    high: tuple[float | None, ...]


def tick_format(fmt: str | None, currency: str) -> Callable[[float], str]:
    compact = {"money": "money", "money0": "money", "pct": "pct0", "pct1": "pct0", "num": "compact"}
    chosen = compact.get(fmt or "", fmt or "compact")
    return lambda value: format_value(value, chosen, currency)


def frame(
    series_names: Sequence[str], colours: Sequence[str], ticks_text: Sequence[str], width: float
) -> tuple[float, list[str], float]:
    left = max((text_width(text) for text in ticks_text), default=20) + 14
    parts, legend_height = legend(series_names, colours, left, 14, width - left - 10)
    return left, parts, 10 + legend_height


def line_chart_svg(
    xs: Sequence[object],
    series: Sequence[Series],
    *,
    area: bool = False,
    stacked: bool = False,
    bands: Sequence[Band] = (),
    refs: Sequence[tuple[str, float]] = (),
    y_fmt: str | None = None,
    x_fmt: str | None = None,
    y_zero: bool | None = None,
    label: str = "",
    currency: str = "¥",
    width: float = WIDTH,
    height: float | None = None,
) -> str:
    height = height or default_height(width)
    tops = [list(item.values) for item in series]
    if stacked:
        running = [0.0] * len(xs)
        for values in tops:
            for index, value in enumerate(values):
                running[index] += value or 0.0
                values[index] = running[index] if value is not None else None
    numbers = [value for values in tops for value in values if value is not None]
    numbers += [value for band in bands for value in (*band.low, *band.high) if value is not None]
    numbers += [value for _, value in refs]
    zero = (
        y_zero
        if y_zero is not None
        else (area or (bool(numbers) and min(numbers) >= 0 and min(numbers) <= 0.5 * max(numbers)))
    )
    low, high = value_range(numbers, zero)
    ticks = nice_ticks(low, high)
    tick_text = tick_format(y_fmt, currency)
    colours, solid = [], 0
    for item in series:
        colours.append(DASHED if item.dashed else colour(solid))
        solid += 0 if item.dashed else 1
    left, parts, top = frame([item.name for item in series], colours, [tick_text(t) for t in ticks], width)
    right, bottom = width - 16, height - 26
    y = Scale(ticks[0], ticks[-1], bottom, top)
    if is_continuous(xs) and len(xs) > 1:
        positions_raw = [x_position(value) for value in xs]
        x = Scale(min(positions_raw), max(positions_raw), left + 4, right - 4)
        px = [x(value) for value in positions_raw]
    else:
        step = (right - left) / max(len(xs), 1)
        px = [left + step * (index + 0.5) for index in range(len(xs))]
    parts += y_axis(ticks, y, left, right, tick_text)
    parts += x_labels(xs, px, height - 8, x_fmt, right - left)
    for index, band in enumerate(bands):
        points = [
            (px[i], band.low[i], band.high[i])
            for i in range(len(xs))
            if None not in (band.low[i], band.high[i])
        ]
        if points:
            outline = [f"{p:.1f},{y(h):.1f}" for p, _, h in points] + [
                f"{p:.1f},{y(lo):.1f}" for p, lo, _ in reversed(points)
            ]
            parts.append(
                f'<polygon class="band" data-series="{attr(band.name)}" points="{" ".join(outline)}" '
                f'fill="{colour(0)}" fill-opacity="{0.12 + 0.1 * index:.2f}">'
                f"<title>{attr(band.name)}</title></polygon>"
            )
    many = len(xs) > 120
    baseline = [y(max(ticks[0], 0.0))] * len(xs)
    for number, (item, values) in enumerate(zip(series, tops, strict=True)):
        fill = colours[number]
        runs, run = [], []
        for index, value in enumerate(values):
            if value is None:
                runs, run = (runs + [run] if run else runs), []
            else:
                run.append(index)
        runs = runs + [run] if run else runs
        for run in runs:
            path = " ".join(
                f"{'M' if k == 0 else 'L'}{px[i]:.1f},{y(values[i]):.1f}" for k, i in enumerate(run)
            )
            if area:
                under = " ".join(f"L{px[i]:.1f},{baseline[i]:.1f}" for i in reversed(run))
                parts.append(f'<path class="area" d="{path} {under} Z" fill="{fill}" fill-opacity="0.28"/>')
            dash = ' stroke-dasharray="6 4"' if item.dashed else ""
            parts.append(
                f'<path class="line" data-series="{attr(item.name)}" d="{path}" stroke="{fill}"{dash}/>'
            )
        if area and stacked:
            baseline = [y(value) if value is not None else baseline[i] for i, value in enumerate(values)]
        for index, value in enumerate(item.values):
            if value is None:
                continue
            tip = f"{item.name}: {format_value(xs[index], x_fmt)} {format_value(value, y_fmt, currency)}"
            parts.append(
                f'<circle class="pt mark" {mark_data(item.name, xs[index], value)} cx="{px[index]:.1f}" '
                f'cy="{y(values[index]):.1f}" r="{2 if many else 3}" fill="{fill}">'
                f"<title>{attr(tip)}</title></circle>"
            )
    for name, value in refs:
        parts.append(
            rule(left, right, y(value), y(value), "ref", value)
            + label_text(right - 2, y(value) - 4, name, "ref-label", "end")
        )
    return svg_document("line-chart" + (" many" if many else ""), width, height, parts, label)
