"""Report pages as written in `reports/`: front matter, named queries and the markdown + Jinja body.

A page is `reports/<name>.md` (`index.md` is a folder's index). Front matter (YAML between `---`
lines) takes `title`, `order`, `description`, `saved_queries` (`{name: saved_query}`: the metric
export table `metrics.<saved_query>` as a named query) and, on a templated page, `pages` (the query
giving one row per page). Queries are fenced blocks: ```` ```sql name ````. A templated page is
named after its parameter, `reports/reps/[rep].md` (like Evidence): one page per row of `pages`,
whose columns are the page's parameters (`$rep` in its queries, `params.rep` in its text).

The body keeps the file's line numbers (front matter and queries become blank lines), so every
error names the page and the line it comes from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

FENCE = re.compile(r"^```\s*sql\b(.*)$")
NAME = re.compile(r"^[A-Za-z_]\w*$")
TEMPLATE_FILE = re.compile(r"^\[([A-Za-z_]\w*)\]\.md$")
FRONT_MATTER_KEYS: tuple[str, ...] = ("title", "order", "description", "saved_queries", "pages", "nav")


class ReportError(ValueError):
    """A page that cannot be built: `page:line: cause`."""

    def __init__(self, page: str, line: int | None, cause: str) -> None:
        self.page, self.line, self.cause = page, line, cause
        super().__init__(f"{page}:{line}: {cause}" if line else f"{page}: {cause}")


@dataclass(frozen=True)
class Query:
    name: str
    sql: str
    line: int  # line of the page where the query's first line is


@dataclass(frozen=True)
class PageSource:
    rel: str  # path under reports/, e.g. 'reps/[rep].md'
    title: str
    order: float
    description: str
    queries: dict[str, Query]
    body: str
    nav: bool = True
    parameter: str | None = None
    pages_query: Query | None = None
    front_matter: dict = field(default_factory=dict)
    label: str = ""  # how messages name the page: reports/reps/[rep].md

    @property
    def key(self) -> str:
        """'reps/[rep]', 'index', 'funnel': the page's place in the site without the extension."""
        return self.rel.removesuffix(".md")

    @property
    def folder(self) -> str:
        return str(Path(self.rel).parent).replace(".", "") if "/" in self.rel else ""


def _front_matter(rel: str, lines: list[str]) -> tuple[dict, int, dict[str, int]]:
    """(front matter, lines it spans, line of each key)."""
    if not lines or lines[0].strip() != "---":
        return {}, 0, {}
    for end in range(1, len(lines)):
        if lines[end].strip() == "---":
            break
    else:
        raise ReportError(rel, 1, "front matter opened with --- is never closed")
    text = "\n".join(lines[1:end])
    try:
        front = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise ReportError(rel, mark.line + 2 if mark else 1, f"front matter is not YAML: {error}") from None
    if not isinstance(front, dict):
        raise ReportError(rel, 2, "front matter must be a mapping (title: ..., order: ...)")
    key_lines = {}
    for number, line in enumerate(lines[1:end], start=2):
        match = re.match(r"^([A-Za-z_]\w*)\s*:", line)
        if match:
            key_lines.setdefault(match.group(1), number)
    unknown = [key for key in front if key not in FRONT_MATTER_KEYS]
    if unknown:
        raise ReportError(
            rel,
            key_lines.get(unknown[0]),
            f"unknown front matter key {unknown[0]!r}; keys: {', '.join(FRONT_MATTER_KEYS)}",
        )
    return front, end + 1, key_lines


def _saved_queries(rel: str, front: dict, key_lines: dict[str, int]) -> dict[str, Query]:
    saved = front.get("saved_queries") or {}
    line = key_lines.get("saved_queries", 1)
    if not isinstance(saved, dict):
        raise ReportError(
            rel, line, "saved_queries must map a query name to a saved query: {kpis: executive_kpis_monthly}"
        )
    queries = {}
    for name, saved_query in saved.items():
        if not NAME.match(str(name)) or not NAME.match(str(saved_query)):
            raise ReportError(rel, line, f"saved_queries: {name}: {saved_query} is not a name")
        queries[str(name)] = Query(str(name), f"select * from metrics.{saved_query}", line)
    return queries


def parse_page(rel: str, text: str, label: str | None = None) -> PageSource:
    """Parse one page: `rel` is its path under reports/, `label` names it in messages (reports/x.md)."""
    label = label or rel
    lines = text.splitlines()
    front, body_start, key_lines = _front_matter(label, lines)
    queries = _saved_queries(label, front, key_lines)
    body = [""] * body_start
    index = body_start
    while index < len(lines):
        line = lines[index]
        fence = FENCE.match(line.strip())
        if not fence:
            body.append(line)
            index += 1
            continue
        name = fence.group(1).strip()
        if not NAME.match(name):
            raise ReportError(label, index + 1, f"name the query: ```sql <name> (got {name!r})")
        if name in queries:
            raise ReportError(label, index + 1, f"query {name!r} is defined twice")
        end = index + 1
        while end < len(lines) and lines[end].strip() != "```":
            end += 1
        if end == len(lines):
            raise ReportError(label, index + 1, f"query {name!r}: the ``` block is never closed")
        queries[name] = Query(name, "\n".join(lines[index + 1 : end]), index + 2)
        body.extend([""] * (end - index + 1))
        index = end + 1
    template = TEMPLATE_FILE.match(Path(rel).name)
    pages_query = None
    if template:
        if not isinstance(front.get("pages"), str):
            raise ReportError(
                label,
                1,
                "a templated page needs `pages:` in its front matter: a query with a column "
                f"{template.group(1)}",
            )
        pages_query = Query("pages", front["pages"], key_lines.get("pages", 1))
    elif "pages" in front:
        raise ReportError(
            label, key_lines.get("pages"), "`pages:` belongs to templated pages ([param].md) only"
        )
    title = front.get("title") or Path(rel).stem.replace("_", " ").capitalize()
    try:
        order = float(front.get("order", 100))
    except (TypeError, ValueError):
        raise ReportError(
            label, key_lines.get("order"), f"order must be a number, got {front.get('order')!r}"
        ) from None
    return PageSource(
        rel=rel,
        title=str(title),
        order=order,
        description=str(front.get("description") or ""),
        queries=queries,
        body="\n".join(body),
        nav=bool(front.get("nav", template is None)),
        parameter=template.group(1) if template else None,
        pages_query=pages_query,
        front_matter=front,
        label=label,
    )


def find_pages(root: Path) -> list[PageSource]:
    """Every page under `root` (reports/), sorted by folder, order and title."""
    if not root.is_dir():
        raise ReportError(str(root), None, "no reports folder")
    pages = [
        parse_page(
            path.relative_to(root).as_posix(), path.read_text(), path.relative_to(root.parent).as_posix()
        )
        for path in sorted(root.rglob("*.md"))
    ]
    return sorted(pages, key=lambda page: (page.order, page.title))
