"""DuckDB relations to compact pandas frames for the dbt Python models.

`.df()` turns every text cell into its own Python string (~60 bytes each): at ten million order
lines or a million stage visits that is most of a Python model's memory. Low-cardinality text
columns are fetched as a DuckDB ENUM instead, which pandas receives as a categorical: one byte or
two per row plus the distinct values once. The values are the same; only the storage differs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import duckdb
import pandas as pd


def quote_identifier(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def distinct_levels(relation: duckdb.DuckDBPyRelation, columns: Sequence[str]) -> dict[str, list[str]]:
    """Each column's distinct non-null values, sorted, from one pass over the relation (which may
    be a view over joins)."""
    if not columns:
        return {}
    combinations = (
        relation.project(", ".join(quote_identifier(column) for column in columns)).distinct().fetchall()
    )
    return {
        column: sorted({str(row[position]) for row in combinations if row[position] is not None})
        for position, column in enumerate(columns)
    }


def fetch_compact(
    relation: duckdb.DuckDBPyRelation,
    columns: Sequence[str],
    categorical: Sequence[str] = (),
    levels: Mapping[str, Sequence[str]] | None = None,
) -> pd.DataFrame:
    """Only `columns` of the relation, in that order; those in `categorical` as pandas categoricals
    whose categories are their distinct values, sorted (a column without any value is fetched
    as is). Other columns keep DuckDB's conversion. `levels`: each categorical column's distinct
    values when the caller already has them (as distinct_levels gives them), which saves a pass
    over the relation; a value outside them would fail the cast, so they must be complete."""
    wanted = [column for column in columns if column in categorical]
    levels_of = (
        {column: list(levels[column]) for column in wanted}
        if levels is not None
        else distinct_levels(relation, wanted)
    )
    expressions = []
    for column in columns:
        quoted = quote_identifier(column)
        levels = levels_of.get(column)
        if levels:
            enum = ", ".join(sql_string(value) for value in levels)
            expressions.append(f"cast({quoted} as enum({enum})) as {quoted}")
        else:
            expressions.append(quoted)
    return relation.project(", ".join(expressions)).df()
