"""Order-independent checksums of every table a warehouse publishes, to prove a refactor changed no number.

`sales-warehouse checksums --db FILE --out before.json` before a change and `--compare before.json`
after it: every mart, data-quality mart, metric export and Python-model output is summarised by its
row count and the sum of its rows' hashes (so row order does not matter). Doubles are rounded to
`DOUBLE_DIGITS` decimals first: a refactor may legitimately change the last bits of a float sum.
Bookkeeping columns that record when something ran (load and publish times) are left out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

SCHEMAS: tuple[str, ...] = ("marts", "quality", "metrics")
DOUBLE_DIGITS = 6
# Columns that say when something ran, not what the data is.
VOLATILE_COLUMNS: frozenset[str] = frozenset(
    {"source_loaded_at", "exported_at", "published_at", "build_started_at", "seconds", "sql_path"}
)
FLOAT_TYPES: frozenset[str] = frozenset({"DOUBLE", "FLOAT", "REAL"})


@dataclass(frozen=True)
class TableChecksum:
    table: str
    row_count: int
    checksum: str


def _column_expression(name: str, data_type: str) -> str:
    quoted = '"' + name.replace('"', '""') + '"'
    if data_type.upper() in FLOAT_TYPES:
        return f"round({quoted}, {DOUBLE_DIGITS})"
    return quoted


def table_checksum(connection: duckdb.DuckDBPyConnection, schema: str, table: str) -> TableChecksum:
    columns = connection.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table],
    ).fetchall()
    kept = [(name, data_type) for name, data_type in columns if name not in VOLATILE_COLUMNS]
    row = ", ".join(_column_expression(name, data_type) for name, data_type in kept) or "1"
    count, total = connection.execute(
        f'select count(*), coalesce(sum(hash(row({row}))::hugeint), 0) from "{schema}"."{table}"'
    ).fetchone()
    return TableChecksum(f"{schema}.{table}", int(count), str(total))


def warehouse_checksums(path: Path, schemas: Iterable[str] = SCHEMAS) -> dict[str, TableChecksum]:
    with duckdb.connect(str(path), read_only=True, config={"enable_external_access": False}) as connection:
        tables = connection.execute(
            "select table_schema, table_name from information_schema.tables "
            f"where table_schema in ({', '.join('?' for _ in schemas)}) and table_type = 'BASE TABLE' "
            "order by 1, 2",
            list(schemas),
        ).fetchall()
        return {
            f"{schema}.{table}": table_checksum(connection, schema, table)
            for schema, table in tables
            if not table.startswith("saved_query_exports")
        }


def differences(before: dict[str, dict[str, object]], after: dict[str, TableChecksum]) -> list[str]:
    """One line per table that is new, gone, or whose rows differ."""
    lines = []
    for table in sorted(set(before) | set(after)):
        if table not in after:
            lines.append(f"{table}: gone")
        elif table not in before:
            lines.append(f"{table}: new ({after[table].row_count} rows)")
        elif (before[table]["row_count"], before[table]["checksum"]) != (
            after[table].row_count,
            after[table].checksum,
        ):
            lines.append(f"{table}: differs ({before[table]['row_count']} -> {after[table].row_count} rows)")
    return lines


def to_json(checksums: dict[str, TableChecksum]) -> str:
    return json.dumps(
        {name: {"row_count": item.row_count, "checksum": item.checksum} for name, item in checksums.items()},
        indent=1,
        sort_keys=True,
    )
