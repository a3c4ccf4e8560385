"""SVG building blocks of the charts: scales, nice ticks, axes, legend, escaping.

Charts are drawn at build time as inline SVG (no chart library, no script, nothing fetched), sized by
a viewBox so they scale with the page. Every mark carries its data (`data-series`, `data-x`,
`data-y`) and a `<title>` tooltip, so a reader can hover for the number and a test can read the
points back.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from html import escape

from sales_warehouse.reports.formats import as_number, format_value, raw_value

PALETTE: tuple[str, ...] = (
    "#2563eb",
    "#f97316",
    "#16a34a",
    "#9333ea",
    "#0891b2",
    "#ca8a04",
    "#db2777",
    "#64748b",
    "#4f46e5",
    "#65a30d",
)
HIGHLIGHT = "#dc2626"
DASHED = "#475569"  # a dashed series (a target, a plan) is drawn in slate, not a series colour
CHAR_WIDTH = 6.2  # px per character at the 11px axis font (for layout without measuring)


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def attr(value: object) -> str:
    return escape(str(value), quote=True)


def text_width(text: str) -> float:
    return len(text) * CHAR_WIDTH


def nice_step(span: float, count: int) -> float:
    if span <= 0 or not math.isfinite(span):
        return 1.0
    raw = span / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high] (at least two)."""
    if low == high:
        low, high = (low - 1, high + 1) if low == 0 else (min(0.0, low), max(0.0, high))
        if low == high:
            low, high = low - abs(low) * 0.5, high + abs(high) * 0.5
    step = nice_step(high - low, count)
    start = math.floor(low / step + 1e-9) * step
    ticks = []
    value = start
    while value < high + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks if len(ticks) >= 2 else [start, start + step]


@dataclass(frozen=True)
class Scale:
    """Linear map from data [low, high] to pixels [start, end]."""

    low: float
    high: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        if self.high == self.low:
            return (self.start + self.end) / 2
        return self.start + (value - self.low) / (self.high - self.low) * (self.end - self.start)


def x_position(value: object) -> float | None:
    """A numeric position of an x value for time or numeric axes (dates as day ordinals)."""
    if isinstance(value, datetime):
        return value.toordinal() + value.hour / 24
    if isinstance(value, date):
        return float(value.toordinal())
    return as_number(value)


def is_continuous(values: Sequence[object]) -> bool:
    present = [value for value in values if value is not None]
    return bool(present) and all(x_position(value) is not None for value in present)


def value_range(values: Sequence[float], zero: bool) -> tuple[float, float]:
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    if zero:
        low, high = min(low, 0.0), max(high, 0.0)
    return low, high


def y_axis(
    ticks: Sequence[float], scale: Scale, left: float, right: float, fmt: Callable[[float], str]
) -> list[str]:
    parts = []
    for tick in ticks:
        y = scale(tick)
        parts.append(rule(left, right, y, y) + label_text(left - 6, y + 3.5, fmt(tick), anchor="end"))
    return parts


def x_labels(
    values: Sequence[object], positions: Sequence[float], y: float, fmt: str | None, width: float
) -> list[str]:
    """At most as many labels as fit, evenly picked, always the first and last."""
    texts = [format_value(value, fmt) for value in values]
    widest = max((text_width(text) for text in texts), default=0) + 12
    fits = max(2, int(width // max(widest, 1)))
    step = max(1, math.ceil(len(values) / fits))
    picked = set(range(0, len(values), step))
    last = len(values) - 1
    if last > 0 and last not in picked:
        if last - max(picked) < step:
            picked.discard(max(picked))
        picked.add(last)
    return [label_text(positions[index], y, texts[index], anchor="middle") for index in sorted(picked)]


def legend(
    names: Sequence[str], colours: Sequence[str], left: float, top: float, width: float
) -> tuple[list[str], float]:
    """Swatches and names, wrapped to the width; returns the parts and the height used."""
    if len(names) <= 1:
        return [], 0.0
    parts, x, y = [], left, top
    for name, fill in zip(names, colours, strict=True):
        item = 16 + text_width(name) + 14
        if x + item > left + width and x > left:
            x, y = left, y + 16
        parts.append(
            f'<g class="legend-item" data-series="{attr(name)}"><rect x="{x:.1f}" y="{y - 9:.1f}" width="10" '
            f'height="10" rx="2" fill="{fill}"/><text x="{x + 14:.1f}" y="{y:.1f}">{attr(name)}</text></g>'
        )
        x += item
    return parts, y - top + 18


def label_text(x: float, y: float, text: str, kind: str = "tick", anchor: str = "start") -> str:
    """A text element (escaped) at (x, y)."""
    return f'<text class="{kind}" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{attr(text)}</text>'


def rule(x1: float, x2: float, y1: float, y2: float, kind: str = "grid", value: object = None) -> str:
    """A line (grid or reference line; a reference line carries its value)."""
    data = f' data-y="{attr(raw_value(value))}"' if value is not None else ""
    return f'<line class="{kind}"{data} x1="{x1:.1f}" x2="{x2:.1f}" y1="{y1:.1f}" y2="{y2:.1f}"/>'


def svg_document(
    kind: str, width: float, height: float, body: Sequence[str], label: str, extra: str = ""
) -> str:
    return (
        f'<svg class="chart {kind}" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img" aria-label="{attr(label)}"{extra}>'
        + "".join(body)
        + "</svg>"
    )


def mark_data(series: str, x: object, y: object) -> str:
    return f'data-series="{attr(series)}" data-x="{attr(raw_value(x))}" data-y="{attr(raw_value(y))}"'
