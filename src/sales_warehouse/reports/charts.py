"""Charts drawn as SVG at build time: line and area (with series, bands and reference lines), bar
(grouped, stacked, horizontal, highlighted), sparkline, funnel and heatmap.

Pure functions of plain values (no query results here; components.py reads those), so each chart
is tested on small known data: its marks carry the values they were drawn from.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sales_warehouse.reports.formats import format_value
from sales_warehouse.reports.svg import (
    CHAR_WIDTH,
    DASHED,
    HIGHLIGHT,
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


def _tick_format(fmt: str | None, currency: str) -> Callable[[float], str]:
    compact = {"money": "money", "money0": "money", "pct": "pct0", "pct1": "pct0", "num": "compact"}
    chosen = compact.get(fmt or "", fmt or "compact")
    return lambda value: format_value(value, chosen, currency)


def _frame(
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
    tick_text = _tick_format(y_fmt, currency)
    colours, solid = [], 0
    for item in series:
        colours.append(DASHED if item.dashed else colour(solid))
        solid += 0 if item.dashed else 1
    left, parts, top = _frame([item.name for item in series], colours, [tick_text(t) for t in ticks], width)
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


def bar_chart_svg(
    categories: Sequence[object],
    series: Sequence[Series],
    *,
    stacked: bool = False,
    horizontal: bool = False,
    highlight: Sequence[bool] = (),
    highlight_label: str = "",
    refs: Sequence[tuple[str, float]] = (),
    labels: bool = False,
    y_fmt: str | None = None,
    x_fmt: str | None = None,
    label: str = "",
    currency: str = "¥",
    width: float = WIDTH,
    height: float | None = None,
) -> str:
    count = len(categories)
    if stacked:
        positive = [sum(max(s.values[i] or 0, 0) for s in series) for i in range(count)]
        negative = [sum(min(s.values[i] or 0, 0) for s in series) for i in range(count)]
        numbers = positive + negative
    else:
        numbers = [value for item in series for value in item.values if value is not None]
    numbers += [value for _, value in refs]
    ticks = nice_ticks(*value_range(numbers, True))
    tick_text = _tick_format(y_fmt, currency)
    names = [item.name for item in series] + ([highlight_label] if highlight_label and any(highlight) else [])
    colours = [colour(index) for index in range(len(series))] + [HIGHLIGHT]
    category_text = [format_value(value, x_fmt) for value in categories]
    if horizontal:
        height = height or max(
            120.0, 40 + count * (22 if stacked or len(series) == 1 else 14 * len(series) + 8)
        )
        left = min(max((text_width(text) for text in category_text), default=20) + 14, width * 0.4)
        parts, legend_height = legend(names, colours[: len(names)], left, 14, width - left - 10)
        top, right, bottom = 10 + legend_height, width - 16 - (60 if labels else 0), height - 22
        value_scale = Scale(ticks[0], ticks[-1], left, right)
        band = (bottom - top) / max(count, 1)
        for tick in ticks:
            position = value_scale(tick)
            parts.append(
                rule(position, position, top, bottom)
                + label_text(position, height - 6, tick_text(tick), anchor="middle")
            )
        for index, text in enumerate(category_text):
            centre = top + band * (index + 0.5)
            parts.append(label_text(left - 6, centre + 3.5, text, anchor="end"))
    else:
        height = height or default_height(width)
        left, parts, top = _frame(names, colours[: len(names)], [tick_text(t) for t in ticks], width)
        right, bottom = width - 16, height - 26
        value_scale = Scale(ticks[0], ticks[-1], bottom, top)
        band = (right - left) / max(count, 1)
        parts += y_axis(ticks, value_scale, left, right, tick_text)
        centres = [left + band * (i + 0.5) for i in range(count)]
        if count <= 16:
            fits = max(int(band // CHAR_WIDTH), 3)
            parts += [
                label_text(
                    centre, height - 8, text if len(text) <= fits else text[: fits - 1] + "…", anchor="middle"
                )
                for centre, text in zip(centres, category_text, strict=True)
            ]
        else:
            parts += x_labels(categories, centres, height - 8, x_fmt, right - left)
    zero = value_scale(max(min(0.0, ticks[-1]), ticks[0]))
    groups = 1 if stacked else max(len(series), 1)
    slot = band * 0.8 / groups
    for index in range(count):
        above, below = 0.0, 0.0
        for number, item in enumerate(series):
            value = item.values[index]
            if value is None:
                continue
            if stacked:
                base = above if value >= 0 else below
                start, end = value_scale(base), value_scale(base + value)
                above, below = (above + value, below) if value >= 0 else (above, below + value)
                offset = band * 0.1
            else:
                start, end = zero, value_scale(value)
                offset = band * 0.1 + slot * number
            fill = HIGHLIGHT if index < len(highlight) and highlight[index] else colour(number)
            tip = f"{category_text[index]} · {item.name}: {format_value(value, y_fmt, currency)}"
            if horizontal:
                x0, x1 = sorted((start, end))
                y0, size = top + band * index + offset, (band * 0.8 if stacked else slot)
                shape = f'x="{x0:.1f}" y="{y0:.1f}" width="{max(x1 - x0, 0.5):.1f}" height="{size:.1f}"'
                text_at = f'x="{x1 + 4:.1f}" y="{y0 + size / 2 + 3.5:.1f}" text-anchor="start"'
            else:
                y0, y1 = sorted((start, end))
                x0, size = left + band * index + offset, (band * 0.8 if stacked else slot)
                shape = f'x="{x0:.1f}" y="{y0:.1f}" width="{size:.1f}" height="{max(y1 - y0, 0.5):.1f}"'
                text_at = f'x="{x0 + size / 2:.1f}" y="{y0 - 4:.1f}" text-anchor="middle"'
            parts.append(
                f'<rect class="bar mark" {mark_data(item.name, categories[index], value)} {shape} '
                f'fill="{fill}"><title>{attr(tip)}</title></rect>'
            )
            if labels and not stacked:
                parts.append(
                    f'<text class="value-label" {text_at}>{attr(format_value(value, y_fmt, currency))}</text>'
                )
    for name, value in refs:
        position = value_scale(value)
        if horizontal:
            parts.append(
                rule(position, position, top, bottom, "ref", value)
                + label_text(position + 3, top + 10, name, "ref-label")
            )
        else:
            parts.append(
                rule(left, right, position, position, "ref", value)
                + label_text(right - 2, position - 4, name, "ref-label", "end")
            )
    return svg_document("bar-chart", width, height, parts, label)
