"""The charts that are not axes: sparkline, funnel and heatmap (SVG at build time, like charts.py)."""

from __future__ import annotations

from collections.abc import Sequence

from sales_warehouse.reports.formats import format_value, raw_value
from sales_warehouse.reports.svg import HIGHLIGHT, Scale, attr, colour, label_text, svg_document, text_width

WIDTH = 640.0


def sparkline_svg(
    values: Sequence[float | None], label: str = "", width: float = 120, height: float = 30
) -> str:
    """A small trend line; its polyline's data-values holds the values (empty when fewer than two)."""
    points = [(index, value) for index, value in enumerate(values) if value is not None]
    if len(points) < 2:
        return ""
    low, high = min(value for _, value in points), max(value for _, value in points)
    x = Scale(0, len(values) - 1, 2, width - 4)
    y = Scale(low, high, height - 3, 3)
    line = " ".join(f"{x(index):.1f},{y(value):.1f}" for index, value in points)
    data = ",".join(raw_value(value) for value in values)
    last_x, last_y = x(points[-1][0]), y(points[-1][1])
    return svg_document(
        "sparkline",
        width,
        height,
        [
            f'<polyline class="spark-line mark" data-values="{attr(data)}" points="{line}" fill="none" '
            f'stroke="{colour(0)}"/>',
            f'<circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="2.5" fill="{colour(0)}"/>',
        ],
        label or "trend",
    )


def funnel_svg(
    stages: Sequence[object],
    values: Sequence[float | None],
    *,
    fmt: str | None = None,
    label: str = "",
    currency: str = "¥",
    width: float = WIDTH,
) -> str:
    """Centred bars as wide as each stage's value, with the share of the previous and first stage."""
    names = [format_value(stage, "text") for stage in stages]
    left = max((text_width(name) for name in names), default=40) + 16
    right_text = 190.0
    row, gap = 34.0, 6.0
    height = 12 + len(stages) * (row + gap)
    widest = max((value or 0 for value in values), default=0) or 1
    middle = width - left - right_text
    parts: list[str] = []
    first = values[0] if values else None
    for index, (stage, name, value) in enumerate(zip(stages, names, values, strict=True)):
        top = 6 + index * (row + gap)
        size = max((value or 0) / widest * middle, 1.0)
        x0 = left + (middle - size) / 2
        previous = values[index - 1] if index else None
        shares = []
        if previous:
            shares.append(f"{format_value((value or 0) / previous, 'pct')} of previous")
        if first and index:
            shares.append(f"{format_value((value or 0) / first, 'pct')} of first")
        shown = format_value(value, fmt, currency)
        tip = f"{name}: {shown}" + (f" ({', '.join(shares)})" if shares else "")
        parts.append(
            label_text(left - 8, top + row / 2 + 4, name, anchor="end")
            + f'<rect class="funnel-step mark" data-x="{attr(raw_value(stage))}" '
            f'data-y="{attr(raw_value(value))}" x="{x0:.1f}" y="{top:.1f}" width="{size:.1f}" '
            f'height="{row:.1f}" rx="3" fill="{colour(0)}" fill-opacity="{1 - 0.1 * min(index, 5):.2f}">'
            f"<title>{attr(tip)}</title></rect>"
            + label_text(left + middle + 10, top + row / 2 - 2, shown, "value-label")
        )
        if shares:
            parts.append(
                f'<text class="sub-label" x="{left + middle + 10:.1f}" y="{top + row / 2 + 11:.1f}">'
                f"{attr(shares[0])}</text>"
            )
    return svg_document("funnel", width, height, parts, label)


def _cell_colour(share: float) -> str:
    """White-blue ramp: 0 -> #eff6ff, 1 -> #1d4ed8."""
    low, high = (0xEF, 0xF6, 0xFF), (0x1D, 0x4E, 0xD8)
    mixed = (round(a + (b - a) * share) for a, b in zip(low, high, strict=True))
    return "#" + "".join(f"{channel:02x}" for channel in mixed)


def heatmap_svg(
    xs: Sequence[object],
    ys: Sequence[object],
    cells: dict[tuple[object, object], float | None],
    *,
    fmt: str | None = None,
    x_fmt: str | None = None,
    y_fmt: str | None = None,
    highlighted: frozenset[tuple[object, object]] = frozenset(),
    highlight_label: str = "",
    label: str = "",
    currency: str = "¥",
    width: float = WIDTH,
) -> str:
    """A grid of xs (columns) by ys (rows) coloured by value; highlighted cells get a red frame."""
    y_text = [format_value(value, y_fmt) for value in ys]
    x_text = [format_value(value, x_fmt) for value in xs]
    left = max((text_width(text) for text in y_text), default=30) + 12
    top = 24.0
    cell_width = (width - left - 8) / max(len(xs), 1)
    cell_height = 22.0
    height = top + cell_height * len(ys) + 34
    numbers = [value for value in cells.values() if value is not None]
    low, high = (min(numbers), max(numbers)) if numbers else (0.0, 1.0)
    parts: list[str] = []
    every = max(
        1, int(len(xs) // max((width - left) // max(max(map(len, x_text), default=1) * 6.5 + 8, 1), 1))
    )
    for column, text in enumerate(x_text):
        if column % every == 0:
            centre = left + cell_width * (column + 0.5)
            parts.append(label_text(centre, top - 8, text, anchor="middle"))
    show_values = cell_width >= text_width("00.0%") + 4
    for row, (y_value, y_label) in enumerate(zip(ys, y_text, strict=True)):
        y0 = top + row * cell_height
        parts.append(label_text(left - 6, y0 + 15, y_label, anchor="end"))
        for column, x_value in enumerate(xs):
            value = cells.get((x_value, y_value))
            if value is None:
                continue
            share = (value - low) / (high - low) if high > low else 0.5
            x0 = left + column * cell_width
            framed = (x_value, y_value) in highlighted
            stroke = f' stroke="{HIGHLIGHT}" stroke-width="2"' if framed else ""
            shown = format_value(value, fmt, currency)
            tip = f"{y_label} · {x_text[column]}: {shown}" + (
                f" ({highlight_label})" if framed and highlight_label else ""
            )
            parts.append(
                f'<rect class="cell mark{" hl" if framed else ""}" data-x="{attr(raw_value(x_value))}" '
                f'data-y="{attr(raw_value(y_value))}" data-value="{attr(raw_value(value))}" x="{x0 + 1:.1f}" '
                f'y="{y0 + 1:.1f}" width="{cell_width - 2:.1f}" height="{cell_height - 2:.1f}" '
                f'fill="{_cell_colour(share)}"{stroke}><title>{attr(tip)}</title></rect>'
            )
            if show_values:
                ink = " light" if share > 0.55 else ""
                parts.append(label_text(x0 + cell_width / 2, y0 + 15, shown, f"cell-label{ink}", "middle"))
    key_y = top + cell_height * len(ys) + 12
    for step in range(10):
        parts.append(
            f'<rect x="{left + step * 14:.1f}" y="{key_y:.1f}" width="14" height="8" '
            f'fill="{_cell_colour(step / 9)}"/>'
        )
    parts.append(
        f'<text class="tick" x="{left + 146:.1f}" y="{key_y + 8:.1f}">'
        f"{attr(format_value(low, fmt, currency))} – "
        f"{attr(format_value(high, fmt, currency))}"
        + (f" · red frame: {attr(highlight_label)}" if highlighted and highlight_label else "")
        + "</text>"
    )
    return svg_document("heatmap", width, height, parts, label)
