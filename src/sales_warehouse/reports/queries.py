"""Named queries of a page: what they may read, running them read-only, and their results.

Pages read the marts (`marts`, `quality`) and the semantic layer's metric exports (`metrics`), never
staging or intermediate models: `relations_read` parses each query with DuckDB's own parser
(`json_serialize_sql`) and names every table it reads, so a query of another schema, an unqualified
table or a file reader fails before it runs. Queries run on a connection opened read-only without
external access (`sales_warehouse.publish.open_published`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import duckdb

READABLE_SCHEMAS: tuple[str, ...] = ("marts", "quality", "metrics")
# Table functions that compute rather than read files.
ALLOWED_TABLE_FUNCTIONS: frozenset[str] = frozenset(
    {"json_each", "json_tree", "unnest", "range", "generate_series"}
)
PARAMETER = re.compile(r"(?<![\w$])\$([A-Za-z_]\w*)")
REFERENCE = re.compile(r"\$\{\s*([A-Za-z_]\w*)\s*\}")


class QueryError(ValueError):
    """A query that may not run or failed; `line` is the line within the query (1-based) if known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


class ColumnError(KeyError):
    """A component or template asked for a column the query does not return."""

    def __str__(self) -> str:
        return str(self.args[0])


class Row(dict):
    """One result row: `row.column` and `row['column']`; an unknown column names the known ones."""

    query: str = ""

    def __getattr__(self, name: str) -> object:
        if name.startswith("__"):
            raise AttributeError(name)
        return self[name]

    def __missing__(self, key: str) -> object:
        raise ColumnError(f"query '{self.query}' has no column '{key}' (columns: {', '.join(self)})")


@dataclass(frozen=True)
class Result:
    """The rows of a named query, in the order the query returned them."""

    name: str
    columns: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...] = field(default_factory=tuple)
    sql: str = ""

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[Row]:
        return (self.row(index) for index in range(len(self.rows)))

    def __bool__(self) -> bool:
        return bool(self.rows)

    def require(self, *columns: str | None, component: str = "") -> None:
        for column in columns:
            if column is not None and column not in self.columns:
                where = f"{component}: " if component else ""
                raise ColumnError(
                    f"{where}query '{self.name}' has no column '{column}' "
                    f"(columns: {', '.join(self.columns)})"
                )

    def column(self, name: str) -> list[object]:
        self.require(name)
        index = self.columns.index(name)
        return [row[index] for row in self.rows]

    def row(self, index: int = 0) -> Row:
        row = Row(zip(self.columns, self.rows[index], strict=True))
        row.query = self.name
        return row

    @property
    def first(self) -> Row:
        if not self.rows:
            row = Row()
            row.query = self.name
            return row
        return self.row(0)

    @property
    def last(self) -> Row:
        return self.row(len(self.rows) - 1) if self.rows else self.first


def _walk(node: object) -> Iterator[dict]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def relations_read(connection: duckdb.DuckDBPyConnection, sql: str) -> list[str]:
    """The `schema.table` names a SELECT reads; QueryError if it is not one SELECT, reads a schema
    other than READABLE_SCHEMAS, an unqualified table that is not a CTE, or files."""
    parsed = json.loads(connection.execute("select json_serialize_sql(?)", [sql]).fetchone()[0])
    if parsed.get("error"):
        position = parsed.get("position")
        line = sql[: int(position)].count("\n") + 1 if str(position or "").isdigit() else None
        kind = "syntax error" if parsed.get("error_type") == "parser" else "not a SELECT"
        raise QueryError(f"{kind}: {parsed.get('error_message')}", line)
    if len(parsed["statements"]) != 1:
        raise QueryError(f"one SELECT per query, found {len(parsed['statements'])} statements")
    nodes = list(_walk(parsed["statements"]))
    ctes = {item["key"] for node in nodes for item in (node.get("cte_map") or {}).get("map", [])}
    relations: list[str] = []
    for node in nodes:
        kind = node.get("type")
        if kind == "TABLE_FUNCTION":
            function = node.get("function") or {}
            name = str(function.get("function_name", "")).lower()
            if name not in ALLOWED_TABLE_FUNCTIONS:
                raise QueryError(f"reads with table function {name}(): pages read warehouse tables only")
        if kind != "BASE_TABLE":
            continue
        schema, table = node.get("schema_name") or "", node["table_name"]
        if not schema and table in ctes:
            continue
        if schema not in READABLE_SCHEMAS or node.get("catalog_name"):
            shown = f"{schema}.{table}" if schema else table
            raise QueryError(
                f"reads {shown}: pages read only schema-qualified tables of {', '.join(READABLE_SCHEMAS)} "
                "(marts, data quality and metric exports), never staging or intermediate models"
            )
        relation = f"{schema}.{table}"
        if relation not in relations:
            relations.append(relation)
    return relations


def expand_references(sql: str, queries: dict[str, str], seen: Sequence[str] = ()) -> str:
    """`${other}` in a query becomes the other named query as a subquery (Evidence's query chaining)."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in seen:
            raise QueryError(f"query reference cycle: {' -> '.join([*seen, name])}")
        if name not in queries:
            raise QueryError(f"${{{name}}} names no query of this page (queries: {', '.join(queries)})")
        return f"({expand_references(queries[name], queries, [*seen, name])})"

    return REFERENCE.sub(replace, sql)


# String literals, quoted names and comments, in the order SQL reads them (a quote inside a comment
# does not open a string, and `--` inside a string is not a comment).
NOT_CODE = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|/\*.*?\*/", re.DOTALL)


def parameters_of(sql: str) -> list[str]:
    """Named parameters ($rep) a query uses, outside strings, quoted names and comments."""
    return list(dict.fromkeys(PARAMETER.findall(NOT_CODE.sub(" ", sql))))


def _error_line(message: str) -> int | None:
    match = re.search(r"LINE (\d+):", message)
    return int(match.group(1)) if match else None


def _short(message: str) -> str:
    return message.split("\n\nLINE")[0].strip().replace("\n", " ")


def run_query(
    connection: duckdb.DuckDBPyConnection, name: str, sql: str, params: dict[str, object] | None = None
) -> Result:
    """Run one named query (parameters bound, never pasted) and return its rows."""
    used = parameters_of(sql)
    params = params or {}
    missing = [item for item in used if item not in params]
    if missing:
        known = ", ".join(f"${key}" for key in params) or "none (only templated pages have parameters)"
        raise QueryError(f"uses ${missing[0]}, which is not a parameter of this page (parameters: {known})")
    try:
        cursor = connection.execute(sql, {key: params[key] for key in used} if used else None)
        rows = cursor.fetchall()
    except duckdb.Error as error:
        raise QueryError(_short(str(error)), _error_line(str(error))) from None
    columns = tuple(item[0] for item in cursor.description or ())
    return Result(name, columns, tuple(rows), sql)
