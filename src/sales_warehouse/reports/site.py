"""The static site: every page of `reports/` rendered into plain HTML files that open from file://.

`build_site` expands templated pages (one per row of their `pages` query), renders each page, wraps
it in the layout (navigation, the queries behind the page, build line) and writes the site next to
its destination, replacing the old one only when every page was built. With a role (and login) it
renders from that role's extract (sales_warehouse.extract) and leaves out, with a note, the pages
that read a relation the role may not read.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import jinja2

from sales_warehouse.reports.assets import CSS, JS
from sales_warehouse.reports.catalogue import metric_catalogue
from sales_warehouse.reports.formats import slug
from sales_warehouse.reports.layout import index_page, page_html
from sales_warehouse.reports.pages import PageSource, ReportError, find_pages
from sales_warehouse.reports.queries import QueryError, run_query
from sales_warehouse.reports.render import (
    PageInstance,
    PageRenderer,
    RenderedPage,
    page_relations,
    query_error,
)
from sales_warehouse.reports.roles import left_out, open_view


@dataclass(frozen=True)
class SiteOptions:
    reports_dir: Path
    out: Path
    db: Path
    project_dir: Path
    target_path: Path
    role: str | None = None
    login: str | None = None
    title: str = "Sales Warehouse"
    currency: str = "¥"


@dataclass
class BuildReport:
    out: Path
    pages: list[str] = field(default_factory=list)
    left_out: list[tuple[str, str]] = field(default_factory=list)  # (page, why)
    queries: int = 0
    seconds: float = 0.0


def output_path(key: str) -> str:
    return f"{key}.html"


def expand(
    page: PageSource, connection: duckdb.DuckDBPyConnection, renderer: PageRenderer
) -> list[PageInstance]:
    """A plain page as itself; a templated page as one instance per row of its `pages` query."""
    if page.parameter is None or page.pages_query is None:
        return [PageInstance(page, page.key, output_path(page.key), page.title)]
    try:
        rows = run_query(connection, "pages", page.pages_query.sql)
    except QueryError as error:
        raise query_error(page, page.pages_query, error) from None
    if page.parameter not in rows.columns:
        raise ReportError(
            page.label,
            page.pages_query.line,
            f"the pages query has no column '{page.parameter}' (the page's parameter; "
            f"columns: {', '.join(rows.columns)})",
        )
    folder = page.key.rsplit("/", 1)[0] if "/" in page.key else ""
    try:
        title = renderer.environment.from_string(page.title)
    except jinja2.TemplateError as error:
        raise ReportError(page.label, None, f"title {page.title!r}: {error}") from None
    instances, seen = [], {}
    for row in rows:
        key = f"{folder}/{slug(row[page.parameter])}" if folder else slug(row[page.parameter])
        if key in seen:
            raise ReportError(
                page.label,
                page.pages_query.line,
                f"two rows give the page {key}: {seen[key]!r} and {row[page.parameter]!r}",
            )
        seen[key] = row[page.parameter]
        try:
            shown = title.render(**row, params=dict(row))
        except jinja2.TemplateError as error:
            raise ReportError(page.label, None, f"title {page.title!r}: {error}") from None
        instances.append(PageInstance(page, key, output_path(key), shown, dict(row)))
    return instances


def build_site(options: SiteOptions) -> BuildReport:
    if not options.db.exists():
        raise ReportError(str(options.db), None, "no published warehouse: run `make build` (or pass --db)")
    began = time.perf_counter()
    report = BuildReport(options.out)
    sources = find_pages(options.reports_dir)
    manifest = options.target_path / "manifest.json"
    with open_view(options.db, options.project_dir, manifest, options.role, options.login) as view:
        connection = view.connection
        catalogue_cache: dict[str, object] = {}

        def catalogue() -> object:
            if "result" not in catalogue_cache:
                catalogue_cache["result"] = metric_catalogue(
                    options.target_path / "semantic_manifest.json", manifest, connection
                )
            return catalogue_cache["result"]

        renderer = PageRenderer({"metric_catalogue": catalogue}, options.currency, strict_links=not view.who)
        instances: list[PageInstance] = []
        for page in sources:
            why = left_out(page, page_relations(page, connection), view)
            if why:
                report.left_out.append((page.title if page.parameter is None else f"{page.key} pages", why))
                continue
            instances += expand(page, connection, renderer)
        pages = {instance.key: instance.path for instance in instances}
        rendered = [renderer.render(instance, connection, pages) for instance in instances]
    who = view.who
    report.queries = sum(len(item.queries) for item in rendered)
    _write(options, rendered, pages, report, who)
    report.seconds = time.perf_counter() - began
    return report


def is_site(folder: Path) -> bool:
    """Only an empty folder or a site built here (its own assets) is ever replaced."""
    return folder.is_dir() and (not any(folder.iterdir()) or (folder / "assets" / "reports.js").exists())


def _write(
    options: SiteOptions, rendered: list[RenderedPage], pages: dict[str, str], report: BuildReport, who: str
) -> None:
    navigation = [(item.instance.title, item.instance.path) for item in rendered if item.instance.source.nav]
    built = f"Built {datetime.now().strftime('%Y-%m-%d %H:%M')} from {options.db.name}" + (
        f" for {who}" if who else ""
    )
    options.out.parent.mkdir(parents=True, exist_ok=True)
    if options.out.exists() and not is_site(options.out):
        raise ReportError(str(options.out), None, "exists and is not a reports site: not replacing it")
    staging = Path(tempfile.mkdtemp(prefix=f".{options.out.name}.", dir=options.out.parent))
    try:
        (staging / "assets").mkdir()
        (staging / "assets" / "reports.css").write_text(CSS)
        (staging / "assets" / "reports.js").write_text(JS)
        notes = report.left_out
        for item in rendered:
            target = staging / item.instance.path
            target.parent.mkdir(parents=True, exist_ok=True)
            extra = notes if item.instance.key == "index" else []
            target.write_text(page_html(item, navigation, options.title, built, pages, extra))
            report.pages.append(item.instance.path)
        if "index" not in pages:
            (staging / "index.html").write_text(index_page(navigation, options.title, built, notes))
            report.pages.append("index.html")
        if options.out.exists():
            if not is_site(options.out):
                raise ReportError(
                    str(options.out), None, "exists and is not a reports site: not replacing it"
                )
            shutil.rmtree(options.out)
        staging.rename(options.out)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
