"""Order-independent checksums of every table a warehouse publishes, to prove a refactor changed no number.

`sales-warehouse checksums --db FILE --out before.json` before a change and `--compare before.json`
after it: every mart, data-quality mart, metric export and Python-model output is summarised by its
row count, the sum of its rows' hashes over every column that is not a float (so row order does
not matter), and the sum of each float column, compared with a relative tolerance: DuckDB's
parallel float sums differ in the last bits from one build to the next, and a hash of a rounded
float flips when the value sits on a rounding boundary. Bookkeeping columns that record when
something ran (load and publish times) are left out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from sales_warehouse import encryption

SCHEMAS: tuple[str, ...] = ("marts", "quality", "metrics")
FLOAT_TOLERANCE = 1e-9
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
    float_sums: dict[str, float]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_checksum(connection: duckdb.DuckDBPyConnection, schema: str, table: str) -> TableChecksum:
    columns = connection.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table],
    ).fetchall()
    kept = [(name, data_type) for name, data_type in columns if name not in VOLATILE_COLUMNS]
    floats = [name for name, data_type in kept if data_type.upper() in FLOAT_TYPES]
    exact = [_quoted(name) for name, data_type in kept if data_type.upper() not in FLOAT_TYPES] or ["1"]
    sums = "".join(f", sum({_quoted(name)})" for name in floats)
    count, total, *float_values = connection.execute(
        f"select count(*), coalesce(sum(hash(row({', '.join(exact)}))::hugeint), 0){sums} "
        f'from "{schema}"."{table}"'
    ).fetchone()
    return TableChecksum(
        f"{schema}.{table}",
        int(count),
        str(total),
        {
            name: (None if value is None else float(value))
            for name, value in zip(floats, float_values, strict=True)
        },
    )


def _floats_equal(before: dict[str, float | None], after: dict[str, float | None]) -> bool:
    if before.keys() != after.keys():
        return False
    for name, old in before.items():
        new = after[name]
        if old is None or new is None:
            if old is not new:
                return False
        elif abs(old - new) > FLOAT_TOLERANCE * max(1.0, abs(old), abs(new)):
            return False
    return True


def warehouse_checksums(path: Path, schemas: Iterable[str] = SCHEMAS) -> dict[str, TableChecksum]:
    with encryption.connect(
        str(path), read_only=True, config={"enable_external_access": False}
    ) as connection:
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
        ) or not _floats_equal(before[table].get("float_sums", {}), after[table].float_sums):
            lines.append(f"{table}: differs ({before[table]['row_count']} -> {after[table].row_count} rows)")
    return lines


def to_json(checksums: dict[str, TableChecksum]) -> str:
    return json.dumps(
        {
            name: {"row_count": item.row_count, "checksum": item.checksum, "float_sums": item.float_sums}
            for name, item in checksums.items()
        },
        indent=1,
        sort_keys=True,
    )
