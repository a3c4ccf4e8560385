"""The components a page calls from Jinja: line_chart, area_chart, bar_chart, funnel and heatmap
here, big_value and the inline value, delta and sparkline in cards.py, data_table in tables.py.

Each takes a named query's result first, checks the columns it is given exist, draws "no data"
for an empty result, and returns a placeholder for its HTML (context.py).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from html import escape

from sales_warehouse.reports.bars import bar_chart_svg
from sales_warehouse.reports.charts import Band, Series, line_chart_svg
from sales_warehouse.reports.context import ComponentError, RenderContext
from sales_warehouse.reports.formats import FormatError, as_number, check_format, title_of
from sales_warehouse.reports.queries import ColumnError, Result
from sales_warehouse.reports.shapes import funnel_svg, heatmap_svg
from sales_warehouse.reports.svg import is_continuous, x_position


def as_list(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def check(data: object, component: str, *columns: str | None, formats: Sequence[str | None] = ()) -> Result:
    if not isinstance(data, Result):
        raise ComponentError(
            f"{component}: the first argument must be a named query, got {type(data).__name__}"
        )
    try:
        data.require(*columns, component=component)
        for fmt in formats:
            check_format(fmt)
    except FormatError as error:
        raise ComponentError(f"{component}: {error}") from None
    return data


def no_data(context: RenderContext, title: str | None, kind: str) -> str:
    heading = f"<h4>{escape(title)}</h4>" if title else ""
    return context.place(
        f'<figure class="component {kind} empty">{heading}<div class="no-data">No data</div></figure>',
        "wide" if kind == "data-table" else "chart",
    )


def figure(
    context: RenderContext,
    kind: str,
    title: str | None,
    body: str | Callable[[float], str],
    subtitle: str | None = None,
) -> str:
    """A titled component; a chart's body is drawn later, at the width its place on the page gives."""
    heading = f"<h4>{escape(title)}</h4>" if title else ""
    sub = f'<p class="subtitle">{escape(subtitle)}</p>' if subtitle else ""

    def html(width: float) -> str:
        inner = body(width) if callable(body) else body
        return f'<figure class="component {kind}">{heading}{sub}{inner}</figure>'

    return context.place(html, "chart") if callable(body) else context.place(html(0), "wide")


def deferred(draw: Callable[..., str], *args: object, **options: object) -> Callable[[float], str]:
    """A drawing to make once the width is known; its arguments are checked now, so a wrong option
    fails at the component's line."""
    inspect.signature(draw).bind(*args, **options)
    fixed = options.pop("width", None)
    return lambda width: draw(*args, width=fixed or width or 640.0, **options)


def _ordered_xs(data: Result, x: str) -> list[object]:
    xs = list(dict.fromkeys(data.column(x)))
    if is_continuous(xs):
        xs.sort(key=x_position)
    return xs


def _pivot(
    data: Result, x: str, ys: list[str], series: str | None, dashed: list[str]
) -> tuple[list, list[Series]]:
    """Rows to aligned series: one per y column, or one per value of the series column."""
    xs = _ordered_xs(data, x)
    where = {value: index for index, value in enumerate(xs)}
    found: dict[str, list[float | None]] = {}
    dashed_names = set(dashed) | {title_of(column) for column in dashed}
    for row in data:
        pairs = [(str(row[series]), ys[0])] if series else [(title_of(column), column) for column in ys]
        for name, column in pairs:
            found.setdefault(name, [None] * len(xs))[where[row[x]]] = as_number(row[column])
    return xs, [Series(name, tuple(values), name in dashed_names) for name, values in found.items()]


class Components:
    """The component functions bound to one page's render context."""

    def __init__(self, context: RenderContext) -> None:
        self.context = context

    def functions(self) -> dict[str, Callable[..., str]]:
        from sales_warehouse.reports import cards
        from sales_warehouse.reports.tables import data_table

        return {
            "big_value": functools.partial(cards.big_value, self.context),
            "line_chart": self.line_chart,
            "area_chart": self.area_chart,
            "bar_chart": self.bar_chart,
            "funnel": self.funnel,
            "heatmap": self.heatmap,
            "data_table": lambda data, **options: data_table(self.context, data, **options),
            "value": functools.partial(cards.value, self.context),
            "delta": functools.partial(cards.delta, self.context),
            "sparkline": functools.partial(cards.sparkline, self.context),
        }

    def _xy_chart(self, kind: str, data: Result, x: str, y: str | Sequence[str], **options: object) -> str:
        ys = as_list(y)
        series = options.pop("series", None)
        bands = options.pop("bands", None) or []
        check(
            data,
            kind,
            x,
            series,
            *ys,
            *[c for band in bands for c in band[:2]],
            formats=[options.get("y_fmt"), options.get("x_fmt")],
        )
        title, subtitle = options.pop("title", None), options.pop("subtitle", None)
        if not data:
            return no_data(self.context, title, kind)
        xs, lines = _pivot(data, x, ys, series, as_list(options.pop("dashed", None)))
        refs = [(name, float(value)) for name, value in (options.pop("refs", None) or {}).items()]
        common = {"refs": refs, "label": title or kind, "currency": self.context.currency}
        if kind == "bar_chart":
            highlight = options.pop("highlight", None)
            flags = []
            if highlight:
                check(data, kind, highlight)
                flagged = {row[x] for row in data if row[highlight]}
                flags = [value in flagged for value in xs]
            svg = deferred(bar_chart_svg, xs, lines, highlight=flags, **common, **options)
        else:
            where = {value: index for index, value in enumerate(xs)}
            drawn = []
            for low, high, *name in bands:
                lows, highs = [None] * len(xs), [None] * len(xs)
                for row in data:
                    lows[where[row[x]]], highs[where[row[x]]] = as_number(row[low]), as_number(row[high])
                drawn.append(Band(name[0] if name else f"{low}–{high}", tuple(lows), tuple(highs)))
            area = kind == "area_chart"
            options.setdefault("stacked", area and series is not None)
            svg = deferred(line_chart_svg, xs, lines, area=area, bands=drawn, **common, **options)
        return figure(self.context, kind, title, svg, subtitle)

    def line_chart(self, data: Result, x: str, y: str | Sequence[str], **options: object) -> str:
        return self._guarded("line_chart", data, x, y, options)

    def area_chart(self, data: Result, x: str, y: str | Sequence[str], **options: object) -> str:
        return self._guarded("area_chart", data, x, y, options)

    def bar_chart(self, data: Result, x: str, y: str | Sequence[str], **options: object) -> str:
        return self._guarded("bar_chart", data, x, y, options)

    def _guarded(self, kind: str, data: Result, x: str, y: str | Sequence[str], options: dict) -> str:
        try:
            return self._xy_chart(kind, data, x, y, **options)
        except TypeError as error:
            raise ComponentError(
                f"{kind}: {error}".replace("line_chart_svg()", kind).replace("bar_chart_svg()", kind)
            ) from None

    def funnel(
        self, data: Result, stage: str, value: str, title: str | None = None, fmt: str | None = None
    ) -> str:
        check(data, "funnel", stage, value, formats=[fmt])
        if not data:
            return no_data(self.context, title, "funnel")
        svg = deferred(
            funnel_svg,
            data.column(stage),
            [as_number(v) for v in data.column(value)],
            fmt=fmt,
            label=title or "funnel",
            currency=self.context.currency,
        )
        return figure(self.context, "funnel", title, svg)

    def heatmap(
        self,
        data: Result,
        x: str,
        y: str,
        value: str,
        title: str | None = None,
        fmt: str | None = None,
        x_fmt: str | None = None,
        y_fmt: str | None = None,
        highlight: str | None = None,
        highlight_label: str = "",
        subtitle: str | None = None,
    ) -> str:
        check(data, "heatmap", x, y, value, highlight, formats=[fmt, x_fmt, y_fmt])
        if not data:
            return no_data(self.context, title, "heatmap")
        cells = {(row[x], row[y]): as_number(row[value]) for row in data}
        marked = frozenset((row[x], row[y]) for row in data if highlight and row[highlight])
        svg = deferred(
            heatmap_svg,
            _ordered_xs(data, x),
            list(dict.fromkeys(data.column(y))),
            cells,
            fmt=fmt,
            x_fmt=x_fmt,
            y_fmt=y_fmt,
            highlighted=marked,
            highlight_label=highlight_label,
            label=title or "heatmap",
            currency=self.context.currency,
        )
        return figure(self.context, "heatmap", title, svg, subtitle)


__all__ = ["ColumnError", "ComponentError", "Components", "as_list", "check", "figure", "no_data"]
