"""fetch_compact: the same values as `.df()`, low-cardinality text as sorted categoricals."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from sales_warehouse.frames import distinct_levels, fetch_compact


def relation(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyRelation:
    return con.sql(
        "select * from (values (1, 'west', 'b''s', 2.5), (2, null, 'a', null), (3, 'east', 'b''s', 1.0))"
        " as t(id, region, kind, amount)"
    )


def test_levels_are_sorted_distinct_values_without_nulls() -> None:
    with duckdb.connect() as con:
        assert distinct_levels(relation(con), ["region", "kind"]) == {
            "region": ["east", "west"],
            "kind": ["a", "b's"],
        }
        assert distinct_levels(relation(con), []) == {}


def test_fetch_compact_keeps_values_and_order_of_columns() -> None:
    with duckdb.connect() as con:
        plain = relation(con).project("amount, region, id").df()
        compact = fetch_compact(relation(con), ["amount", "region", "id"], ["region"])
    assert list(compact.columns) == ["amount", "region", "id"]
    assert isinstance(compact["region"].dtype, pd.CategoricalDtype)
    assert list(compact["region"].cat.categories) == ["east", "west"]
    # Same values (null stays missing), other columns untouched.
    regions = compact["region"].astype(object)
    assert regions.where(regions.notna(), None).tolist() == plain["region"].tolist() == ["west", None, "east"]
    pd.testing.assert_frame_equal(compact[["amount", "id"]], plain[["amount", "id"]])


def test_a_column_without_values_is_fetched_as_is() -> None:
    with duckdb.connect() as con:
        empty = con.sql("select 1 as id, cast(null as varchar) as region")
        compact = fetch_compact(empty, ["id", "region"], ["region"])
    assert compact["region"].isna().all()
    assert not isinstance(compact["region"].dtype, pd.CategoricalDtype)


def test_given_levels_skip_the_distinct_pass_and_must_be_complete() -> None:
    with duckdb.connect() as con:
        computed = fetch_compact(relation(con), ["id", "kind"], ["kind"])
        given = fetch_compact(relation(con), ["id", "kind"], ["kind"], levels={"kind": ["a", "b's"]})
        pd.testing.assert_frame_equal(given, computed, check_exact=True)
        # A value missing from the given levels fails the cast instead of becoming null.
        with pytest.raises(duckdb.ConversionException, match="b's"):
            fetch_compact(relation(con), ["kind"], ["kind"], levels={"kind": ["a"]})
