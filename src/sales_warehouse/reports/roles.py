"""Building the site for one role (and login): what it may read, and which pages it must go without.

The site is rendered from the role's extract (sales_warehouse.extract: only the relations the role
may read, without the personal-data columns it may not see, only the login's rows), so nothing a
role may not read can reach a page. A page that needs a relation outside the extract, or a column
the role may not see, is left out with a note saying why, before any of its queries runs.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from sales_warehouse import encryption
from sales_warehouse.publish import open_published
from sales_warehouse.reports.pages import PageSource
from sales_warehouse.reports.queries import NOT_CODE


@dataclass(frozen=True)
class View:
    """A read-only connection and, for a role's site, what the role may read and see."""

    connection: duckdb.DuckDBPyConnection
    who: str = ""  # '' for the full site, else 'login rep_demo (sales_rep)' / 'role finance'
    readable: frozenset[str] = frozenset()
    hidden: dict[str, frozenset[str]] = field(default_factory=dict)  # relation -> columns it may not see


def _role_view(published: Path, project_dir: Path, manifest: Path, role: str) -> dict[str, frozenset[str]]:
    from sales_warehouse.policy import load_policy

    with encryption.connect(str(published), read_only=True) as warehouse:
        policy = load_policy(project_dir, warehouse, manifest)
    return {
        model.relation: frozenset(model.columns) - frozenset(policy.visible_columns(role, model))
        for model in policy.readable(role)
    }


@contextmanager
def open_view(
    published: Path, project_dir: Path, manifest: Path, role: str | None, login: str | None
) -> Iterator[View]:
    if role is None:
        with open_published(published) as connection:
            yield View(connection)
        return
    from sales_warehouse.extract import write_extract

    hidden = _role_view(published, project_dir, manifest, role)
    with tempfile.TemporaryDirectory(prefix="reports_extract_") as work:
        extract = Path(work) / "extract.duckdb"
        write_extract(published, extract, role, login, project_dir, manifest)
        who = f"login {login} ({role})" if login else f"role {role}"
        with open_published(extract) as connection:
            tables = connection.execute(
                "select table_schema || '.' || table_name from information_schema.tables"
            ).fetchall()
            yield View(connection, who, frozenset(row[0] for row in tables), hidden)


def left_out(page: PageSource, relations: dict[str, list[str]], view: View) -> str | None:
    """Why a role's site goes without the page, or None when the role may read everything it needs."""
    if not view.who:
        return None
    needed = sorted({relation for names in relations.values() for relation in names})
    missing = [relation for relation in needed if relation not in view.readable]
    if missing:
        return f"reads {', '.join(missing)}, which {view.who} may not read"
    queries = {query.name: query.sql for query in page.queries.values()}
    if page.pages_query is not None:
        queries["pages"] = page.pages_query.sql
    for name, sql in queries.items():
        code = NOT_CODE.sub(" ", sql)
        for relation in relations.get(name, []):
            used = sorted(
                column for column in view.hidden.get(relation, ()) if re.search(rf"\b{column}\b", code)
            )
            if used:
                return f"uses {', '.join(used)} of {relation}: personal data {view.who} may not see"
    return None
