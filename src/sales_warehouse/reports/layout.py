"""The HTML around a page: navigation, title, breadcrumb, the queries behind the page, build line.

Links and assets are relative, so the site opens from file:// anywhere it is copied. The content
security policy forbids every fetch, so a page cannot reach the network even by mistake.
"""

from __future__ import annotations

import posixpath
from html import escape

from sales_warehouse.reports.render import RenderedPage

CSP = "default-src 'none'; style-src 'self' 'unsafe-inline'; script-src 'self'; img-src data:"


def _relative(target: str, page_path: str) -> str:
    return posixpath.relpath(target, posixpath.dirname(page_path) or ".")


def _head(title: str, site: str, page_path: str) -> str:
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        f"<title>{escape(title)} · {escape(site)}</title>"
        '<link rel="icon" href="data:,">'
        f'<link rel="stylesheet" href="{_relative("assets/reports.css", page_path)}"></head>'
    )


def _navigation(navigation: list[tuple[str, str]], page_path: str, site: str, built: str) -> str:
    current_folder = page_path.split("/")[0] if "/" in page_path else ""
    items = []
    for title, path in navigation:
        here = path == page_path or (current_folder and path == f"{current_folder}/index.html")
        link = f'<a href="{_relative(path, page_path)}">{escape(title)}</a>'
        items.append(f'<li class="current">{link}</li>' if here else f"<li>{link}</li>")
    return (
        f'<aside class="nav"><div class="brand"><a href="{_relative("index.html", page_path)}">'
        f"{escape(site)}</a>"
        f'</div><nav><ul>{"".join(items)}</ul></nav><div class="build-info">{escape(built)}</div></aside>'
    )


def _queries(rendered: RenderedPage) -> str:
    if not rendered.queries:
        return ""
    parts = [
        f'<details class="queries"><summary>Queries behind this page ({len(rendered.queries)})</summary>'
    ]
    for query, result, seconds in rendered.queries:
        parts.append(
            f"<h4>{escape(query.name)} <span class=muted>· {len(result):,} rows · "
            f"{seconds * 1000:.0f} ms</span></h4>"
            f"<pre><code>{escape(query.sql.strip())}</code></pre>"
        )
    return "".join(parts) + "</details>"


def _notes(notes: list[tuple[str, str]]) -> str:
    if not notes:
        return ""
    items = "".join(f"<li><strong>{escape(page)}</strong>: {escape(why)}</li>" for page, why in notes)
    return f'<div class="callout left-out"><p>Pages left out of this site:</p><ul>{items}</ul></div>'


def page_html(
    rendered: RenderedPage,
    navigation: list[tuple[str, str]],
    site: str,
    built: str,
    pages: dict[str, str],
    notes: list[tuple[str, str]],
) -> str:
    instance = rendered.instance
    crumbs = ""
    if instance.source.parameter:
        folder = instance.key.rsplit("/", 1)[0]
        index = pages.get(f"{folder}/index")
        if index:
            link = f'<a href="{_relative(index, instance.path)}">{escape(folder.capitalize())}</a>'
            crumbs = f'<div class="crumbs">{link} ›</div>'
    description = (
        f'<p class="description">{escape(instance.source.description)}</p>'
        if instance.source.description
        else ""
    )
    return (
        _head(instance.title, site, instance.path)
        + "<body>"
        + _navigation(navigation, instance.path, site, built)
        + f"<main>{crumbs}<header><h1>{escape(instance.title)}</h1>{description}</header>"
        + _notes(notes)
        + f'<article data-page="{escape(instance.key)}">{rendered.html}</article>'
        + _queries(rendered)
        + f"<footer>{escape(built)}</footer></main>"
        + f'<script src="{_relative("assets/reports.js", instance.path)}"></script></body></html>\n'
    )


def index_page(navigation: list[tuple[str, str]], site: str, built: str, notes: list[tuple[str, str]]) -> str:
    """The home page when the overview page itself was left out (a role that may not read it)."""
    items = "".join(f'<li><a href="{path}">{escape(title)}</a></li>' for title, path in navigation)
    body = f'<ul class="page-list">{items}</ul>' if items else "<p>No page of this site may be shown.</p>"
    return (
        _head(site, site, "index.html")
        + "<body>"
        + _navigation(navigation, "index.html", site, built)
        + f"<main><header><h1>{escape(site)}</h1></header>{_notes(notes)}<article>{body}</article>"
        + f"<footer>{escape(built)}</footer></main>"
        + '<script src="assets/reports.js"></script></body></html>\n'
    )
