"""Incremental models equal a full refresh, whatever arrives late, and daily loads build with tests on.

The property test cuts generated commerce data by load time (`_loaded_at`). For each seeded random
scenario the incremental models are built from an early cut; the next cuts bring new days plus a
random mix of late changes: customers moving region, products changing category and cost, lines
corrected, lines turned invalid (negative quantity), orders re-dated, future-dated or cancelled,
and hard deletes (whole lines, whole orders with or without their lines, customers, returns, and
the latest version of a record, which brings the previous version back). After the last cut every
incremental model must equal a full refresh of the same raw files, row for row, every column.

Every dbt call of this module uses the same raw folder and warehouse path (warehouses are swapped
in by renaming), so dbt parses the project once and partial-parses afterwards.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pytest
from dbt_support import ALL_OFF, dbt, generate

ENTITIES = {
    "customers": ("customer_id",),
    "products": ("product_id",),
    "orders": ("order_id",),
    "order_lines": ("order_id", "line_number"),
    "returns": ("return_id",),
}
# Every build selects the incremental models and their parents; NO_TESTS where only the data matter.
SELECT = ["--select", "+config.materialized:incremental", "--vars", ALL_OFF]
NO_TESTS = ["--exclude", "resource_type:test", "resource_type:unit_test"]


@pytest.fixture(scope="module")
def commerce_raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("commerce") / "raw", "--domains", "commerce")


class Workspace:
    """One raw folder and one warehouse path for every dbt call of this module, so dbt parses the
    project once; each test writes its raw files into `raw`, and warehouses are swapped in by name."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.raw = root / "raw"
        self.db = root / "warehouse.duckdb"
        self.raw.mkdir()

    def path(self, warehouse: str) -> Path:
        return self.root / f"{warehouse}.duckdb"

    def build(self, warehouse: str, *args: str) -> subprocess.CompletedProcess[str]:
        if self.path(warehouse).exists():
            self.path(warehouse).rename(self.db)
        try:
            result = dbt(["build", *SELECT, *args], self.raw, self.db, self.root)
        finally:
            if self.db.exists():
                self.db.rename(self.path(warehouse))
        assert result.returncode == 0, (
            f"dbt build {' '.join(args)} ({warehouse}) failed:\n{result.stdout[-5000:]}"
        )
        return result

    def incremental_models(self) -> dict[str, str]:
        """name -> schema.table of every enabled incremental model, from the manifest of the last call."""
        manifest = json.loads((self.root / "target" / "manifest.json").read_text())
        models = {
            node["name"]: f"{node['schema']}.{node['alias']}"
            for node in manifest["nodes"].values()
            if node["resource_type"] == "model" and node["config"]["materialized"] == "incremental"
        }
        assert {"fct_order_lines", "sales_daily"} <= set(models)
        return models

    def compare(self, incremental: str, full: str) -> dict[str, tuple[int, int, int]]:
        """Per incremental model: (rows only incremental, rows only in the full refresh, full refresh rows)."""
        found = {
            name: differences(self.path(incremental), self.path(full), table)
            for name, table in self.incremental_models().items()
        }
        assert all(total > 0 for _, _, total in found.values()), found
        return {name: counts for name, counts in found.items() if counts[:2] != (0, 0)}

    def drop(self, *warehouses: str) -> None:
        for warehouse in warehouses:
            self.path(warehouse).unlink(missing_ok=True)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return Workspace(tmp_path_factory.mktemp("incremental"))


def split_by_load_time(raw: Path, out: Path, cutoff: str) -> None:
    """The raw files as an export taken at `cutoff` would have had them."""
    out.mkdir(exist_ok=True)
    with duckdb.connect() as con:
        for path in raw.glob("*.parquet"):
            con.execute(
                f"copy (select * from read_parquet('{path}') where _loaded_at <= timestamp '{cutoff}') "
                f"to '{out / path.name}' (format parquet)"
            )


def differences(incremental: Path, full: Path, table: str) -> tuple[int, int, int]:
    """(rows only in the incremental table, rows only in the full refresh, rows of the full refresh)."""
    with duckdb.connect() as con:
        con.execute(f"attach '{incremental}' as incremental (read_only)")
        con.execute(f"attach '{full}' as full_refresh (read_only)")
        columns = ", ".join(f'"{name}"' for name in con.sql(f"select * from full_refresh.{table}").columns)
        counts = []
        for left, right in (("incremental", "full_refresh"), ("full_refresh", "incremental")):
            counts.append(
                con.sql(
                    f"select count(*) from (select {columns} from {left}.{table} "
                    f"except all select {columns} from {right}.{table})"
                ).fetchone()[0]
            )
        total = con.sql(f"select count(*) from full_refresh.{table}").fetchone()[0]
    return counts[0], counts[1], total


# --------------------------------------------------------------------------- late-change scenarios


@dataclass
class Scenario:
    """The generated raw data plus late changes, exported cut by cut.

    Every raw row gets `_row` (identity) and `_gone` (the cut from which it is hard-deleted). A late
    change is a new version of a record's latest row, updated just after the previous cut and loaded
    the night after, so the next cut is the first to see it.
    """

    seed: int
    con: duckdb.DuckDBPyConnection
    rng: np.random.Generator
    cuts: list[datetime] = field(default_factory=list)
    log: list[str] = field(default_factory=list)

    @classmethod
    def start(cls, raw: Path, seed: int) -> Scenario:
        con = duckdb.connect()
        for name in ENTITIES:
            con.execute(
                f"create table {name} as select *, row_number() over () as _row, null::integer as _gone "
                f"from read_parquet('{raw / name}.parquet')"
            )
        rng = np.random.default_rng(seed)
        first = datetime(2024, 1, 1, 3) + timedelta(days=int(rng.integers(0, 540)))
        return cls(seed, con, rng, [first])

    def export(self, out: Path) -> None:
        """Write the raw files as an export taken at the latest cut would have them."""
        stage, cutoff = len(self.cuts) - 1, self.cuts[-1]
        for name in ENTITIES:
            self.con.execute(
                f"copy (select * exclude (_row, _gone) from {name} "
                f"where _loaded_at <= timestamp '{cutoff}' and coalesce(_gone > {stage}, true)) "
                f"to '{out / name}.parquet' (format parquet)"
            )

    def visible(self, name: str) -> str:
        """The rows of `name` the previous cut exported."""
        stage, cutoff = len(self.cuts) - 2, self.cuts[-2]
        return f"(select * from {name} where _loaded_at <= timestamp '{cutoff}' and coalesce(_gone > {stage}, true))"

    def pick(self, name: str, count: int, where: str = "true", having: str = "true") -> list[tuple]:
        """Up to `count` random keys of records the previous cut exported and no later row changes."""
        keys = ENTITIES[name]
        updated = "updated_at" if name != "returns" else "_loaded_at"
        later = " and ".join(f"later.{key} = visible.{key}" for key in keys)
        candidates = self.con.sql(f"""
            select {", ".join(f"visible.{key}" for key in keys)}
            from {self.visible(name)} as visible
            where {where}
                and not exists (
                    select 1 from {name} as later where {later} and later._loaded_at > timestamp '{self.cuts[-2]}'
                )
            group by all
            having max({updated}) < timestamp '{self.cuts[-2]}' and {having}
            order by all
        """).fetchall()
        if not candidates or count == 0:
            return []
        chosen = self.rng.choice(len(candidates), size=min(count, len(candidates)), replace=False)
        return [candidates[i] for i in sorted(chosen)]

    def keys_table(self, name: str, keys: list[tuple]) -> str:
        columns = ENTITIES[name]
        rows = ", ".join("(" + ", ".join(str(value) for value in key) + ")" for key in keys) or "(null)"
        self.con.execute(
            f"create or replace temp table picked as select * from (values {rows}) as t({', '.join(columns)})"
        )
        return " and ".join(f"target.{column} = picked.{column}" for column in columns)

    def revise(self, kind: str, name: str, keys: list[tuple], changes: dict[str, str]) -> None:
        """A new version of each key's latest row with `changes` (column -> SQL expression)."""
        if not keys:
            return
        match = self.keys_table(name, keys)
        updated = self.cuts[-2] + timedelta(hours=1)
        loaded = datetime.combine(self.cuts[-2].date() + timedelta(days=1), datetime.min.time()) + timedelta(
            hours=2
        )
        assert loaded <= self.cuts[-1]
        replaced = ", ".join(f"{expression} as {column}" for column, expression in changes.items())
        self.con.execute(f"""
            insert into {name}
            select * replace (
                {replaced},
                timestamp '{updated}' as updated_at,
                timestamp '{loaded}' as _loaded_at,
                (select max(_row) from {name}) + row_number() over () as _row,
                null::integer as _gone
            )
            from {self.visible(name)} as target
            where exists (select 1 from picked where {match})
            qualify row_number() over (
                partition by {", ".join(ENTITIES[name])} order by updated_at desc, _loaded_at desc
            ) = 1
        """)
        self.log.append(f"{kind} {len(keys)}")

    def delete(self, kind: str, name: str, keys: list[tuple], latest_only: bool = False) -> None:
        """Hard-delete every row of each key from this cut on (or only its latest version)."""
        if not keys:
            return
        match = self.keys_table(name, keys)
        stage = len(self.cuts) - 1
        rows = f"select _row from {self.visible(name)} as target where exists (select 1 from picked where {match})"
        if latest_only:
            rows += (
                f" qualify row_number() over (partition by {', '.join(ENTITIES[name])} "
                "order by updated_at desc, _loaded_at desc) = 1"
            )
        self.con.execute(f"update {name} set _gone = {stage} where _row in ({rows})")
        self.log.append(f"{kind} {len(keys)}")

    def late_changes(self, days: int) -> None:
        """Move to a later cut and plant a random mix of late changes that it is the first to see."""
        self.cuts.append(self.cuts[-1] + timedelta(days=days))
        self.log.append(f"| cut {self.cuts[-1]:%Y-%m-%d}:")
        rng = self.rng

        def count() -> int:
            return int(rng.integers(1, 30)) if rng.random() < 0.8 else 0

        regions = ["east", "south", "north", "central", "southwest", "northeast", "northwest"]
        region = f"list_element({regions}, 1 + (hash(customer_id, {self.seed}) % {len(regions)})::integer)"
        self.revise(
            "customers moved region", "customers", self.pick("customers", count()), {"region_code": region}
        )
        categories = [
            row[0]
            for row in self.con.sql(
                "select distinct category from products where category is not null order by 1"
            ).fetchall()
        ]
        category = (
            f"list_element({categories}, 1 + (hash(product_id, {self.seed}) % {len(categories)})::integer)"
        )
        self.revise(
            "products changed category and cost",
            "products",
            self.pick("products", max(count() // 5, 1)),
            {"category": category, "unit_cost": "round(unit_cost * 1.1, 2)"},
        )
        self.revise(
            "lines corrected",
            "order_lines",
            self.pick("order_lines", count(), "quantity > 0"),
            {"quantity": "quantity + 1", "discount_amount": "coalesce(discount_amount, 0) + 1"},
        )
        self.revise(
            "lines turned invalid (negative quantity)",
            "order_lines",
            self.pick("order_lines", count(), "quantity > 0"),
            {"quantity": "-quantity"},
        )
        self.revise(
            "orders future-dated",
            "orders",
            self.pick("orders", count()),
            {"placed_at": "placed_at + interval 80 years"},
        )
        self.revise(
            "orders re-dated",
            "orders",
            self.pick("orders", count()),
            {"placed_at": "placed_at - to_days(1 + (hash(order_id) % 10)::integer)"},
        )
        self.revise(
            "orders cancelled",
            "orders",
            self.pick("orders", count(), "status = 'delivered'"),
            {"status": "'cancelled'"},
        )
        self.delete("lines hard-deleted", "order_lines", self.pick("order_lines", count()))
        orders = self.pick("orders", count())
        self.delete("orders hard-deleted with their lines", "orders", orders)
        self.delete(
            "(their lines)",
            "order_lines",
            self.con.sql(
                f"select distinct order_id, line_number from {self.visible('order_lines')} "
                f"where order_id in (select unnest({[key[0] for key in orders]}::bigint[]))"
            ).fetchall(),
        )
        self.delete("orders hard-deleted, lines left", "orders", self.pick("orders", count() // 3))
        self.delete("customers hard-deleted", "customers", self.pick("customers", count() // 3))
        self.delete("returns hard-deleted", "returns", self.pick("returns", count() // 3))
        for name in ("order_lines", "orders", "customers"):
            chosen = self.pick(name, count() // 3, having="count(*) > 1")
            self.delete(f"latest {name} version hard-deleted", name, chosen, latest_only=True)

    def describe(self) -> str:
        return f"seed {self.seed}, first cut {self.cuts[0]:%Y-%m-%d} " + ", ".join(self.log).replace(
            ":,", ":"
        )


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_incremental_equals_full_refresh_after_random_late_changes(
    commerce_raw: Path, workspace: Workspace, seed: int
) -> None:
    scenario = Scenario.start(commerce_raw, seed)
    scenario.export(workspace.raw)
    incremental, full = f"incremental_{seed}", f"full_{seed}"
    workspace.build(incremental, *NO_TESTS)
    for _ in range(1 + seed % 2):
        scenario.late_changes(days=int(scenario.rng.integers(1, 45)))
        scenario.export(workspace.raw)
        workspace.build(incremental, *NO_TESTS)
    workspace.build(full, *NO_TESTS, "--full-refresh")
    wrong = workspace.compare(incremental, full)
    workspace.drop(incremental, full)
    assert not wrong, f"{scenario.describe()}\n(only incremental, only full refresh, total): {wrong}"


def test_incremental_in_two_halves_equals_full_refresh(commerce_raw: Path, workspace: Workspace) -> None:
    """The generator's own late-arriving versions of lines: an incremental run picks them up."""
    raw = commerce_raw
    # Late corrections of lines loaded before the cutoff arrive after it.
    with duckdb.connect() as con:
        cutoff = con.sql(f"""
            select max(older._loaded_at)
            from read_parquet('{raw}/order_lines.parquet') as older
            inner join read_parquet('{raw}/order_lines.parquet') as newer
                on older.order_id = newer.order_id and older.line_number = newer.line_number
                and older.updated_at < newer.updated_at
            where older._loaded_at < timestamp '2024-07-01'
        """).fetchone()[0]
        late = con.sql(f"""
            select count(*) from read_parquet('{raw}/order_lines.parquet') as older
            inner join read_parquet('{raw}/order_lines.parquet') as newer
                on older.order_id = newer.order_id and older.line_number = newer.line_number
                and older.updated_at < newer.updated_at
            where older._loaded_at <= timestamp '{cutoff}' and newer._loaded_at > timestamp '{cutoff}'
        """).fetchone()[0]
    assert late > 0, "the split must put late-arriving updates in the second half"
    split_by_load_time(raw, workspace.raw, str(cutoff))
    workspace.build("halves", *NO_TESTS)
    split_by_load_time(raw, workspace.raw, "9999-12-31")
    workspace.build("halves", *NO_TESTS)
    workspace.build("halves_full", *NO_TESTS, "--full-refresh")
    wrong = workspace.compare("halves", "halves_full")
    workspace.drop("halves", "halves_full")
    assert not wrong, wrong


def test_daily_loads_build_with_every_test_on(commerce_raw: Path, workspace: Workspace) -> None:
    """Night after night, `dbt build` with its data and unit tests passes on an export cut at each nightly
    load. A line is often exported days before its order: until the order arrives the line is pending
    (excluded as parent_order_excluded, not in the marts), and the run that loads the order adds it."""
    cuts = [datetime(2024, 6, 14, 3) + timedelta(days=day) for day in range(4)]
    pending_sql = f"""
        select lines.order_id, lines.line_number
        from read_parquet('{workspace.raw}/order_lines.parquet') as lines
        anti join read_parquet('{workspace.raw}/orders.parquet') as orders on lines.order_id = orders.order_id
    """
    for cut in cuts:
        split_by_load_time(commerce_raw, workspace.raw, str(cut))
        result = workspace.build("daily", "--indirect-selection", "cautious")
        tests = [
            item
            for item in json.loads((workspace.root / "target" / "run_results.json").read_text())["results"]
            if item["unique_id"].startswith(("test.", "unit_test."))
        ]
        failed = [item["unique_id"] for item in tests if item["status"] not in {"pass", "warn"}]
        assert len(tests) > 100 and not failed, (failed, result.stdout[-3000:])
        assert any("relationships_fct_order_lines_order_id" in item["unique_id"] for item in tests)
        with duckdb.connect(str(workspace.path("daily")), read_only=True) as con:
            pending = con.sql(pending_sql).fetchall()
            if cut == cuts[0]:
                first_pending = set(pending)
            assert pending
            assert con.sql(
                f"select count(*) from ({pending_sql}) as pending "
                "inner join marts.fct_order_lines as lines using (order_id, line_number)"
            ).fetchone() == (0,)
    with duckdb.connect(str(workspace.path("daily")), read_only=True) as con:
        stored = set(con.sql("select order_id, line_number from marts.fct_order_lines").fetchall())
    arrived = (first_pending - set(pending)) & stored
    assert arrived, "lines pending on the first night must be in fct_order_lines once their order arrived"
    workspace.build("daily_full", *NO_TESTS, "--full-refresh")
    wrong = workspace.compare("daily", "daily_full")
    workspace.drop("daily", "daily_full")
    assert not wrong, wrong
