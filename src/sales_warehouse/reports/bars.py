"""Bar charts drawn as SVG at build time: grouped or stacked, vertical or horizontal, with bars
highlighted by a flag (a bottleneck, a rep below quota) and reference lines (100% of quota)."""

from __future__ import annotations

from collections.abc import Sequence

from sales_warehouse.reports.charts import WIDTH, Series, default_height, frame, tick_format
from sales_warehouse.reports.formats import format_value
from sales_warehouse.reports.svg import (
    CHAR_WIDTH,
    HIGHLIGHT,
    Scale,
    attr,
    colour,
    label_text,
    legend,
    mark_data,
    nice_ticks,
    rule,
    svg_document,
    text_width,
    value_range,
    x_labels,
    y_axis,
)


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
    tick_text = tick_format(y_fmt, currency)
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
        left, parts, top = frame(names, colours[: len(names)], [tick_text(t) for t in ticks], width)
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
