"""Big values (a number with its comparison, target and trend) and the inline value, delta and
sparkline that sit inside a sentence."""

from __future__ import annotations

from html import escape

from sales_warehouse.reports.components import check
from sales_warehouse.reports.context import RenderContext
from sales_warehouse.reports.formats import as_number, format_value, title_of
from sales_warehouse.reports.queries import Result
from sales_warehouse.reports.shapes import sparkline_svg


def value(context: RenderContext, data: Result, column: str, fmt: str | None = None, row: int = 0) -> str:
    check(data, "value", column, formats=[fmt])
    shown = format_value(data.row(row)[column], fmt, context.currency) if data else "no data"
    return context.place(f'<span class="value">{escape(shown)}</span>', "inline")


def delta(
    context: RenderContext,
    data: Result,
    column: str,
    fmt: str = "delta_pct",
    row: int = 0,
    down_is_good: bool = False,
) -> str:
    check(data, "delta", column, formats=[fmt])
    number = as_number(data.row(row)[column]) if data else None
    return context.place(_delta_html(number, fmt, down_is_good, context.currency), "inline")


def sparkline(context: RenderContext, data: Result, y: str, title: str = "") -> str:
    check(data, "sparkline", y)
    return context.place(sparkline_svg([as_number(v) for v in data.column(y)], title), "inline")


def big_value(
    context: RenderContext,
    data: Result,
    value: str,
    title: str | None = None,
    fmt: str | None = None,
    comparison: str | None = None,
    comparison_title: str = "vs previous period",
    target: str | None = None,
    target_title: str = "of target",
    sparkline: Result | bool | None = None,
    sparkline_y: str | None = None,
    row: int = 0,
    down_is_good: bool = False,
) -> str:
    check(data, "big_value", value, comparison, target, formats=[fmt])
    title = title or title_of(value)
    trend = data if sparkline is True else sparkline
    if isinstance(trend, Result):
        check(trend, "big_value sparkline", sparkline_y or value)
    if not data:
        return context.place(
            f'<div class="big-value empty"><div class="bv-title">{escape(title)}</div>'
            '<div class="no-data">No data</div></div>',
            "card",
        )
    current = data.row(row)
    currency = context.currency
    number = as_number(current[value])
    parts = [
        f'<div class="bv-title">{escape(title)}</div>',
        f'<div class="bv-value" data-value="{escape(str(current[value]))}">'
        f"{escape(format_value(current[value], fmt, context.currency))}</div>",
    ]
    if comparison:
        base = as_number(current[comparison])
        change = (number - base) / abs(base) if number is not None and base else None
        parts.append(
            f'<div class="bv-compare">{_delta_html(change, "delta_pct", down_is_good, currency)} '
            f"{escape(comparison_title)} "
            f'<span class="muted">({escape(format_value(base, fmt, context.currency))})</span></div>'
        )
    if target:
        goal = as_number(current[target])
        share = number / goal if number is not None and goal else None
        status = "good" if share is not None and share >= 1 else "warn" if share and share >= 0.9 else "bad"
        width = min(max(share or 0, 0), 1) * 100
        parts.append(
            f'<div class="bv-target {status}" data-share="{share if share is not None else ""}">'
            f"<span>{escape(format_value(share, 'pct0'))} {escape(target_title)} "
            f'<span class="muted">({escape(format_value(goal, fmt, currency))})</span></span>'
            f'<span class="progress"><span style="width:{width:.0f}%"></span></span></div>'
        )
    if isinstance(trend, Result):
        parts.append(
            sparkline_svg([as_number(v) for v in trend.column(sparkline_y or value)], f"{title} trend")
        )
    return context.place(f'<div class="big-value">{"".join(parts)}</div>', "card")


def _delta_html(number: float | None, fmt: str, down_is_good: bool, currency: str) -> str:
    if number is None:
        return '<span class="delta">–</span>'
    good = (number < 0) if down_is_good else (number > 0)
    tone = "flat" if number == 0 else "good" if good else "bad"
    arrow = "▲" if number > 0 else "▼" if number < 0 else "■"
    return f'<span class="delta {tone}">{arrow} {escape(format_value(number, fmt, currency))}</span>'
