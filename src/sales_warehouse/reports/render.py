"""One page, rendered: run its named queries, check its Jinja for unknown components and names, render
the components into placeholders, convert the markdown, put the HTML back.

Every failure becomes a ReportError naming the page, the line and the cause: a query that does not
parse, reads a forbidden schema or fails in DuckDB (the line inside the query is added to the
query's first line), an unknown component or name, a component given a missing column or an
unknown option.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
import jinja2
from jinja2 import nodes

from sales_warehouse.reports.components import Components
from sales_warehouse.reports.context import ComponentError, RenderContext
from sales_warehouse.reports.formats import FormatError, format_value
from sales_warehouse.reports.markdown import markdown_to_html
from sales_warehouse.reports.pages import PageSource, Query, ReportError
from sales_warehouse.reports.queries import (
    ColumnError,
    QueryError,
    Result,
    expand_references,
    relations_read,
    run_query,
)

JINJA_GLOBALS: frozenset[str] = frozenset(
    {"range", "dict", "lipsum", "cycler", "joiner", "namespace", "loop", "caller"}
)
COMPONENTS: tuple[str, ...] = tuple(Components(RenderContext()).functions())


@dataclass(frozen=True)
class PageInstance:
    """A page of the site: a plain page, or one page of a templated page with its parameters."""

    source: PageSource
    key: str  # 'reps/3'
    path: str  # 'reps/3.html'
    title: str
    params: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class RenderedPage:
    instance: PageInstance
    html: str
    queries: list[tuple[Query, Result, float]]


def query_error(page: PageSource, query: Query, error: QueryError) -> ReportError:
    line = query.line + (error.line - 1 if error.line else 0)
    return ReportError(page.label, line, f"query '{query.name}': {error}")


def page_relations(page: PageSource, connection: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Relations each query of the page reads (the `pages` query of a templated page included)."""
    sql = {name: query.sql for name, query in page.queries.items()}
    found = {}
    for query in [*page.queries.values(), *([page.pages_query] if page.pages_query else [])]:
        try:
            found[query.name] = relations_read(connection, expand_references(query.sql, sql))
        except QueryError as error:
            raise query_error(page, query, error) from None
    return found


def run_page_queries(
    page: PageSource, connection: duckdb.DuckDBPyConnection, params: dict[str, object]
) -> list[tuple[Query, Result, float]]:
    sql = {name: query.sql for name, query in page.queries.items()}
    results = []
    for query in page.queries.values():
        began = time.perf_counter()
        try:
            result = run_query(connection, query.name, expand_references(query.sql, sql), params)
        except QueryError as error:
            raise query_error(page, query, error) from None
        results.append((query, result, time.perf_counter() - began))
    return results


def _names(template: nodes.Template) -> tuple[list[nodes.Call], list[nodes.Name], set[str]]:
    calls = list(template.find_all(nodes.Call))
    names = [node for node in template.find_all(nodes.Name) if node.ctx == "load"]
    stored = {node.name for node in template.find_all(nodes.Name) if node.ctx in ("store", "param")}
    for macro in template.find_all(nodes.Macro):
        stored.add(macro.name)
    return calls, names, stored


def check_names(page: PageSource, template: nodes.Template, known: set[str]) -> None:
    """Unknown components and names fail before anything renders, with their line."""
    calls, names, stored = _names(template)
    available = known | stored | JINJA_GLOBALS
    for call in calls:
        if isinstance(call.node, nodes.Name) and call.node.name not in available:
            raise ReportError(
                page.label,
                call.lineno,
                f"unknown component '{call.node.name}'; components: {', '.join(COMPONENTS)}",
            )
    for name in names:
        if name.name not in available:
            queries = ", ".join(page.queries) or "none"
            raise ReportError(
                page.label,
                name.lineno,
                f"unknown name '{name.name}': not a query of this page (queries: {queries}), "
                "a parameter or a component",
            )


def _template_line(error: BaseException, filename: str) -> int | None:
    line, trace = None, error.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_filename == filename:
            line = trace.tb_lineno
        trace = trace.tb_next
    return line


def _cause(error: BaseException) -> str:
    if isinstance(error, TypeError):
        return str(error).replace("Components.", "").replace("data_table() ", "data_table ")
    return str(error)


class PageRenderer:
    """Compiles each page's body once and renders its instances."""

    def __init__(
        self, builtins: dict[str, Callable[[], object]], currency: str, strict_links: bool = True
    ) -> None:
        self.sources: dict[str, str] = {}
        self.environment = jinja2.Environment(
            loader=jinja2.FunctionLoader(lambda name: (self.sources[name], name, lambda: True)),
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            keep_trailing_newline=True,
            trim_blocks=True,  # a line holding only {% if %} / {% for %} leaves no blank line
            lstrip_blocks=True,
        )
        self.environment.filters["fmt"] = lambda value, fmt=None: format_value(value, fmt, currency)
        self.builtins = builtins
        self.currency = currency
        self.strict_links = strict_links

    def template(self, page: PageSource, known: set[str]) -> jinja2.Template:
        if page.label not in self.sources:
            self.sources[page.label] = page.body
            try:
                parsed = self.environment.parse(page.body, page.label, page.label)
            except jinja2.TemplateSyntaxError as error:
                raise ReportError(page.label, error.lineno, f"Jinja syntax: {error.message}") from None
            check_names(page, parsed, known)
        return self.environment.get_template(page.label)

    def render(
        self, instance: PageInstance, connection: duckdb.DuckDBPyConnection, pages: dict[str, str]
    ) -> RenderedPage:
        page = instance.source
        results = run_page_queries(page, connection, instance.params)
        context = RenderContext(instance.path, pages, self.currency, self.strict_links)
        functions = Components(context).functions()
        variables: dict[str, object] = {**functions, **{query.name: result for query, result, _ in results}}
        variables.update(params=instance.params, page={"title": instance.title, "key": instance.key})
        known = set(variables) | set(self.builtins)
        template = self.template(page, known)
        for name in self.builtins:
            if name not in variables and name in page.body:
                try:
                    variables[name] = self.builtins[name]()
                except (OSError, ValueError, duckdb.Error) as error:
                    raise ReportError(page.label, None, f"{name}: {error}") from None
        try:
            text = template.render(variables)
        except ReportError:
            raise
        except (
            ComponentError,
            ColumnError,
            FormatError,
            jinja2.UndefinedError,
            TypeError,
            ValueError,
        ) as error:
            raise ReportError(page.label, _template_line(error, page.label), _cause(error)) from None
        try:
            html = markdown_to_html(text, context.blocks, context.page_link)
        except ComponentError as error:
            target = str(error).split("'")[1] if "'" in str(error) else ""
            lines = [number for number, line in enumerate(page.body.splitlines(), 1) if f"({target}" in line]
            raise ReportError(page.label, lines[0] if lines else None, str(error)) from None
        return RenderedPage(instance, html, results)
