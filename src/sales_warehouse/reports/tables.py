"""The data_table component: sortable (reports.js), number formats per column, conditional colour,
links to templated pages, badges, sparkline cells (a list value), totals and a row limit.

Colour rules (`color={'column': rule}`): 'good-high' / 'good-low' shade from red to green across the
column's range; 'target' colours a share against 100% (green at or above, amber from 90%, red below);
'sign' colours negative red and positive green; 'bar' draws a data bar behind the number.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from html import escape

from sales_warehouse.reports.components import ComponentError, as_list, check, figure, no_data
from sales_warehouse.reports.context import RenderContext
from sales_warehouse.reports.formats import as_number, format_value, raw_value, slug, title_of
from sales_warehouse.reports.queries import Result, Row
from sales_warehouse.reports.shapes import sparkline_svg

COLOR_RULES: tuple[str, ...] = ("good-high", "good-low", "target", "sign", "bar")


def _link_keys(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def _shade(share: float) -> str:
    """0 -> light red, 0.5 -> white, 1 -> light green."""
    if share < 0.5:
        strength = (0.5 - share) * 2
        return f"rgba(220, 38, 38, {0.05 + 0.25 * strength:.2f})"
    strength = (share - 0.5) * 2
    return f"rgba(22, 163, 74, {0.05 + 0.25 * strength:.2f})"


def _cell_style(rule: str, number: float | None, low: float, high: float) -> tuple[str, str]:
    """(class, inline style) of a coloured cell."""
    if number is None:
        return "", ""
    share = (number - low) / (high - low) if high > low else 0.5
    if rule == "good-high":
        return "", f"background:{_shade(share)}"
    if rule == "good-low":
        return "", f"background:{_shade(1 - share)}"
    if rule == "target":
        return ("good" if number >= 1 else "warn" if number >= 0.9 else "bad"), ""
    if rule == "sign":
        return ("pos" if number > 0 else "neg" if number < 0 else ""), ""
    span = max(abs(low), abs(high)) or 1
    return "bar", f"--bar:{abs(number) / span * 100:.0f}%"


def data_table(
    context: RenderContext,
    data: Result,
    columns: Sequence[str] | None = None,
    titles: dict[str, str] | None = None,
    fmt: dict[str, str] | None = None,
    color: dict[str, str] | None = None,
    link: str | None = None,
    link_column: str | None = None,
    badge: Sequence[str] | None = None,
    rows: int = 25,
    totals: Sequence[str] | bool = False,
    title: str | None = None,
    subtitle: str | None = None,
) -> str:
    shown = as_list(columns) or list(data.columns if isinstance(data, Result) else [])
    fmt, color, titles = fmt or {}, color or {}, titles or {}
    link_fields = _link_keys(link) if link else []
    flag = list(badge or [])
    check(
        data,
        "data_table",
        *shown,
        *fmt,
        *color,
        *link_fields,
        link_column,
        *(flag[:1]),
        formats=list(fmt.values()),
    )
    for column, rule in color.items():
        if rule not in COLOR_RULES:
            raise ComponentError(
                f"data_table: unknown color rule {rule!r} for {column}; rules: {', '.join(COLOR_RULES)}"
            )
    if not data:
        return no_data(context, title, "data-table")
    numbers = {column: [as_number(value) for value in data.column(column)] for column in color}
    ranges = {
        column: (min(present), max(present))
        if (present := [v for v in values if v is not None])
        else (0.0, 0.0)
        for column, values in numbers.items()
    }
    link_at = link_column or shown[0]
    head = "".join(
        f'<th data-col="{escape(column)}" class="{"num" if _numeric(data, column) else "txt"}">'
        f"{escape(titles.get(column) or title_of(column))}</th>"
        for column in shown
    )
    body = [
        _row_html(context, row, index, shown, fmt, color, ranges, link, link_at, flag)
        for index, row in enumerate(data)
    ]
    hidden = max(len(body) - rows, 0)
    if hidden:
        body = [
            line.replace("<tr", '<tr class="more" hidden', 1) if index >= rows else line
            for index, line in enumerate(body)
        ]
    foot = _totals(data, shown, fmt, totals, context.currency)
    more = (
        f'<button type="button" class="show-more" data-hidden="{hidden}">Show all {len(data):,} rows</button>'
        if hidden
        else ""
    )
    table = (
        f'<div class="table-wrap"><table class="data-table sortable" data-rows="{len(data)}">'
        f"<thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody>{foot}</table>{more}</div>"
    )
    return figure(context, "data-table", title, table, subtitle)


def _numeric(data: Result, column: str) -> bool:
    return any(as_number(value) is not None for value in data.column(column))


def _row_html(
    context: RenderContext,
    row: Row,
    index: int,
    shown: list[str],
    fmt: dict[str, str],
    color: dict[str, str],
    ranges: dict[str, tuple[float, float]],
    link: str | None,
    link_at: str,
    flag: list[str],
) -> str:
    cells = []
    for column in shown:
        value = row[column]
        if isinstance(value, list):
            numbers = [as_number(item) for item in value]
            cells.append(
                f'<td class="spark" data-v="{escape(raw_value(numbers[-1] if numbers else None))}">'
                f"{sparkline_svg(numbers, column)}</td>"
            )
            continue
        text = escape(format_value(value, fmt.get(column), context.currency))
        classes = ["num" if as_number(value) is not None else "txt"]
        classes += ["long"] if isinstance(value, str) and len(value) > 40 else []
        style = ""
        if column in color:
            extra, style = _cell_style(color[column], as_number(value), *ranges[column])
            classes += [extra] if extra else []
        if link and column == link_at:
            href = context.href(link.format(**{name: slug(row[name]) for name in _link_keys(link)}))
            text = f'<a href="{escape(href)}">{text}</a>' if href else text
        if flag and column == shown[0] and row[flag[0]]:
            text += f' <span class="badge">{escape(flag[1] if len(flag) > 1 else title_of(flag[0]))}</span>'
        style_attr = f' style="{style}"' if style else ""
        cells.append(
            f'<td class="{" ".join(classes)}" data-v="{escape(raw_value(value))}"{style_attr}>{text}</td>'
        )
    return f'<tr data-row="{index}">{"".join(cells)}</tr>'


def _totals(
    data: Result, shown: list[str], fmt: dict[str, str], totals: Sequence[str] | bool, currency: str
) -> str:
    if not totals:
        return ""
    summed = set(shown if totals is True else totals)
    cells = []
    for index, column in enumerate(shown):
        if column in summed and _numeric(data, column):
            total = sum(number for value in data.column(column) if (number := as_number(value)) is not None)
            cells.append(f'<td class="num">{escape(format_value(total, fmt.get(column), currency))}</td>')
        else:
            cells.append("<td>Total</td>" if index == 0 else "<td></td>")
    return f"<tfoot><tr>{''.join(cells)}</tr></tfoot>"
