"""`dbt build` end to end on small generated data sets.

One full build at a small scale is shared by the tests that read the warehouse; the partial-data
and bad-input tests run their own smaller builds (incremental builds: test_incremental.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
from dbt_support import ALL_OFF, dbt, generate


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.sql(sql).fetchall()


def test_data_quality_counts_equal_planted_defects(built: tuple[Path, Path, Path]) -> None:
    raw, db, _ = built
    manifest = json.loads((raw / "manifest.json").read_text())
    planted = {
        (table, kind): count for table, kinds in manifest["defects"].items() for kind, count in kinds.items()
    }
    found = {
        (source_table.split(".")[1], rule): count
        for source_table, rule, count in query(
            db, "select source_table, rule_name, count(*) from quality.dq_failed_rows group by all"
        )
    }
    assert all(count > 0 for count in planted.values())
    assert found == planted


def test_every_failure_has_a_severity_and_action(built: tuple[Path, Path, Path]) -> None:
    _, db, _ = built
    unclassified = query(
        db,
        "select count(*) from quality.dq_failed_rows "
        "where severity = 'unclassified' or action_taken = 'unclassified'",
    )
    assert unclassified == [(0,)]


def test_marts_exclude_flagged_rows(built: tuple[Path, Path, Path]) -> None:
    _, db, _ = built
    assert query(db, "select count(*) from marts.fct_order_lines where quantity <= 0") == [(0,)]
    assert query(db, "select count(*) from marts.fct_orders where placed_at > now()") == [(0,)]
    excluded_orders = query(
        db, "select count(*) from quality.dq_failed_rows where rule_name = 'future_timestamp'"
    )
    kept = query(db, "select count(*) from marts.fct_orders")[0][0]
    staged = query(db, "select count(*) from staging.stg_shop__orders")[0][0]
    assert kept == staged - excluded_orders[0][0]


def drop_columns(path: Path, *names: str) -> None:
    table = pq.read_table(path)
    pq.write_table(table.drop_columns(list(names)), path)


def test_commerce_only_build_without_optional_data_passes(tmp_path: Path) -> None:
    """Only orders, no returns file, no campaign or cost columns: the build degrades and says so."""
    raw = generate(tmp_path / "raw", "--domains", "commerce")
    (raw / "returns.parquet").unlink()
    drop_columns(raw / "orders.parquet", "campaign_id", "sales_rep_id")
    drop_columns(raw / "products.parquet", "unit_cost", "list_price")
    db = tmp_path / "commerce.duckdb"
    result = dbt(["build", "--vars", ALL_OFF], raw, db, tmp_path)
    assert result.returncode == 0, result.stdout[-6000:]
    assert f"optional file {raw / 'returns.parquet'} absent (shop.returns): no returns" in result.stdout
    assert "shop.orders.campaign_id absent: no order counts as a promotion order" in result.stdout
    assert "shop.products.unit_cost absent" in result.stdout
    tables = {name for (name,) in query(db, "select table_name from information_schema.tables")}
    assert {"fct_orders", "fct_order_lines", "fct_returns", "dq_failed_rows"} <= tables
    assert not {"stg_crm__opportunities", "stg_service__support_tickets", "dim_sales_reps"} & tables
    assert query(db, "select count(*) from marts.fct_returns") == [(0,)]
    assert query(
        db, "select count(*) filter (where is_promotion), count(sales_rep_id) from marts.fct_orders"
    ) == [(0, 0)]
    # Lines still carry their own cost, so margins stay known without the product's standard cost.
    assert query(db, "select count(*) from marts.fct_order_lines where margin_amount is null") == [(0,)]


def test_missing_raw_file_fails_early_naming_it(tmp_path: Path) -> None:
    raw = generate(tmp_path / "raw", "--domains", "commerce")
    (raw / "order_lines.parquet").unlink()
    result = dbt(["build", "--vars", ALL_OFF], raw, tmp_path / "db.duckdb", tmp_path)
    assert result.returncode != 0
    assert "missing raw file" in result.stdout
    assert str(raw / "order_lines.parquet") in result.stdout
    assert "Traceback" not in result.stdout


def test_renamed_column_fails_early_naming_file_and_column(tmp_path: Path) -> None:
    raw = generate(tmp_path / "raw", "--domains", "commerce")
    path = raw / "orders.parquet"
    table = pq.read_table(path)
    pq.write_table(
        table.rename_columns(["order_date" if name == "placed_at" else name for name in table.column_names]),
        path,
    )
    result = dbt(["build", "--vars", ALL_OFF], raw, tmp_path / "db.duckdb", tmp_path)
    assert result.returncode != 0
    assert f"{path}: missing column 'placed_at' required by source shop.orders" in result.stdout
    assert "order_date" in result.stdout


def test_planted_strong_reps_rank_at_the_top(built: tuple[Path, Path, Path]) -> None:
    raw, db, _ = built
    strong = set(json.loads((raw / "manifest.json").read_text())["patterns"]["reps"]["strong_rep_ids"])
    ranked = query(
        db,
        "select sales_rep_id from marts.rep_performance_monthly group by 1 order by avg(rank_overall), 1",
    )
    top = {rep for (rep,) in ranked[: len(strong)]}
    assert top == strong, (ranked[:6], strong)


def test_planted_bottleneck_stage_is_flagged(built: tuple[Path, Path, Path]) -> None:
    raw, db, _ = built
    bottleneck = json.loads((raw / "manifest.json").read_text())["patterns"]["funnel"]["bottleneck_stage"]
    flagged = dict(
        query(
            db,
            "select stage_name, avg(case when is_bottleneck then 1.0 else 0 end) "
            "from marts.funnel_stage_durations group by 1",
        )
    )
    assert max(flagged, key=flagged.get) == bottleneck
    assert flagged[bottleneck] >= 0.5


def test_planted_declining_category_is_flagged(built: tuple[Path, Path, Path]) -> None:
    raw, db, _ = built
    declining = json.loads((raw / "manifest.json").read_text())["patterns"]["declining_category"]["category"]
    flagged = dict(
        query(
            db,
            """
            select category, count(*) filter (where is_declining)
            from marts.product_performance_monthly
            where month_start_date > (select max(month_start_date) from marts.product_performance_monthly) - interval 12 month
            group by 1
        """,
        )
    )
    assert max(flagged, key=flagged.get) == declining
    assert flagged[declining] >= 6


def test_every_model_and_column_is_described(built: tuple[Path, Path, Path]) -> None:
    _, db, target = built
    manifest = json.loads((target / "manifest.json").read_text())
    models = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] in ("model", "seed", "snapshot")
        and node["package_name"] == "sales_warehouse"
    ]
    assert len(models) > 50
    undescribed_models = [node["name"] for node in models if not node["description"].strip()]
    assert undescribed_models == []
    missing: list[str] = []
    with duckdb.connect(str(db), read_only=True) as con:
        for node in models:
            if node["config"].get("materialized") == "ephemeral" or node["resource_type"] == "snapshot":
                continue  # snapshots copy their staging model's documented columns
            columns = con.execute(
                "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
                [node["schema"], node["alias"] or node["name"]],
            ).fetchall()
            assert columns, node["name"]
            described = {
                name.lower(): column["description"].strip() for name, column in node["columns"].items()
            }
            missing += [
                f"{node['name']}.{name}"
                for (name,) in columns
                if not described.get(name.lower()) and not name.startswith("dbt_")
            ]
    assert missing == []


def test_wrong_column_type_fails_early_naming_file_column_and_types(tmp_path: Path) -> None:
    """A numeric column arriving as text is a contract error before any model runs, not a binder error."""
    raw = generate(tmp_path / "raw", "--domains", "commerce", scale="0.02")
    path = raw / "order_lines.parquet"
    with duckdb.connect() as con:
        con.execute(f"create table lines as select * from read_parquet('{path}')")
        con.execute(
            f"copy (select * replace (quantity::varchar as quantity) from lines) to '{path}' (format parquet)"
        )
    result = dbt(["build", "--vars", ALL_OFF], raw, tmp_path / "db.duckdb", tmp_path)
    assert result.returncode != 0
    lines = [line for line in result.stdout.splitlines() if str(path) in line and "'quantity'" in line]
    assert len(lines) == 1, result.stdout[-4000:]
    assert "INTEGER" in lines[0] and "VARCHAR" in lines[0]
    assert "Traceback" not in result.stdout + result.stderr
    assert "base_shop__order_lines" not in result.stdout  # no model ran


def test_compatible_column_types_pass_the_contract(tmp_path: Path) -> None:
    """Types of the same family are accepted: a smaller integer, a decimal price, millisecond timestamps."""
    raw = generate(tmp_path / "raw", "--domains", "commerce", scale="0.02")
    path = raw / "order_lines.parquet"
    with duckdb.connect() as con:
        con.execute(f"create table lines as select * from read_parquet('{path}')")
        con.execute(
            "copy (select * replace (line_number::smallint as line_number, unit_price::decimal(18, 4) as unit_price,"
            f" updated_at::timestamp_ms as updated_at) from lines) to '{path}' (format parquet)"
        )
    result = dbt(
        ["run-operation", "check_raw_contract", "--vars", ALL_OFF], raw, tmp_path / "db.duckdb", tmp_path
    )
    assert result.returncode == 0, result.stdout[-4000:]
    assert "Raw data contract violated" not in result.stdout


def test_declared_not_null_constraints_are_enforced_in_the_warehouse(built: tuple[Path, Path, Path]) -> None:
    """Contracted models declare their not-null columns as constraints (no test node): each must be
    NOT NULL in the built table, every other contracted column nullable, and inserting a null into
    one must fail. Models without a contract keep the rule as a not_null or not_null_columns test."""
    _, db, target = built
    manifest = json.loads((target / "manifest.json").read_text())
    contracted = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"].get("contract", {}).get("enforced")
    ]
    declared = {
        (node["schema"], node["alias"], name.lower())
        for node in contracted
        for name, column in node["columns"].items()
        if any(constraint["type"] == "not_null" for constraint in column.get("constraints", []))
    }
    assert len(declared) > 150  # fct_orders.order_id, fct_order_lines.order_line_id, ...
    relations = sorted({(node["schema"], node["alias"]) for node in contracted})
    with duckdb.connect(str(db)) as con:
        enforced = {
            (schema, table, column.lower())
            for schema, table in relations
            for column, nullable in con.execute(
                "select column_name, is_nullable from information_schema.columns "
                "where table_schema = ? and table_name = ?",
                [schema, table],
            ).fetchall()
            if nullable == "NO"
        }
        assert enforced == declared
        # The constraint rejects a null, naming the column.
        try:
            con.execute("insert into marts.fct_orders (order_id) values (null)")
        except duckdb.ConstraintException as error:
            assert "fct_orders.order_id" in str(error)
        else:
            raise AssertionError("a null order_id was accepted by marts.fct_orders")
