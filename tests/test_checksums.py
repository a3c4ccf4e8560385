"""The refactor guard: checksums ignore row order and float noise, and catch any changed value."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from sales_warehouse.checksums import differences, to_json, warehouse_checksums


def make(path: Path, rows: str) -> Path:
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema marts")
        connection.execute(
            f"create table marts.t as select id, amount::double as amount, name from (values {rows}) as t(id, amount, name)"
        )
        connection.execute("create schema staging")
        connection.execute("create table staging.ignored as select 1 as x")
    return path


def test_row_order_and_float_noise_do_not_count_but_a_changed_value_does(tmp_path: Path) -> None:
    base = warehouse_checksums(make(tmp_path / "a.duckdb", "(1, 0.1 + 0.2, 'x'), (2, 2.5, 'y')"))
    assert list(base) == ["marts.t"]
    before = json.loads(to_json(base))
    reordered = warehouse_checksums(make(tmp_path / "b.duckdb", "(2, 2.5, 'y'), (1, 0.3, 'x')"))
    assert differences(before, reordered) == []
    changed = warehouse_checksums(make(tmp_path / "c.duckdb", "(1, 0.3, 'x'), (2, 2.5, 'z')"))
    assert differences(before, changed) == ["marts.t: differs (2 -> 2 rows)"]
    moved_float = warehouse_checksums(make(tmp_path / "e.duckdb", "(1, 0.3, 'x'), (2, 2.50001, 'y')"))
    assert differences(before, moved_float) == ["marts.t: differs (2 -> 2 rows)"]
    on_a_boundary = warehouse_checksums(
        make(tmp_path / "f.duckdb", "(1, 0.30000000000000004, 'x'), (2, 2.5, 'y')")
    )
    assert differences(before, on_a_boundary) == []
    duplicated = warehouse_checksums(
        make(tmp_path / "d.duckdb", "(1, 0.3, 'x'), (1, 0.3, 'x'), (2, 2.5, 'y')")
    )
    assert differences(before, duplicated) == ["marts.t: differs (2 -> 3 rows)"]
