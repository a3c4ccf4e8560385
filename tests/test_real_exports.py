"""The real-export profile: the generator plants the shapes real exports have, deterministically, and
`dbt build` on it finishes and reconciles with independent pandas computations from the raw files
(`real_export_expectations.py`).

One build (module scope) serves every reconciliation test.
"""

from __future__ import annotations

import json
import subprocess
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest
import real_export_expectations as expect
from dbt_support import BIN, dbt

from sales_warehouse.cli import main

AS_OF_DATE = date(2025, 12, 31)  # the profile's last day (RealExportConfig.end)
# Now for the not-in-the-future rule; the data ends on AS_OF_DATE, so any later time gives the same.
NOW = datetime(2026, 6, 1)


def generate_profile(out: Path, *extra: str, seed: int = 42) -> Path:
    """`sales-warehouse generate --profile real-export` as a user runs it."""
    subprocess.run(
        [
            str(BIN / "sales-warehouse"),
            "generate",
            "--profile",
            "real-export",
            "--seed",
            str(seed),
            "--out",
            str(out),
        ]
        + list(extra),
        check=True,
        capture_output=True,
    )
    return out


def build_vars(raw: Path) -> str:
    manifest = json.loads((raw / "manifest.json").read_text())
    return json.dumps(
        {**manifest["dbt_vars"], "as_of_date": AS_OF_DATE.isoformat(), "as_of": f"{NOW:%Y-%m-%d %H:%M:%S}"}
    )


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as connection:
        return connection.sql(sql).fetchall()


def frame(db: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(db), read_only=True) as connection:
        return connection.sql(sql).df()


def money(value: object) -> Decimal:
    return Decimal(str(value)).quantize(expect.CENT)


# --------------------------------------------------------------------------- the generator


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_profile(tmp_path_factory.mktemp("real_export") / "raw")


@pytest.fixture(scope="module")
def manifest(raw: Path) -> dict:
    return json.loads((raw / "manifest.json").read_text())


def test_same_seed_gives_identical_files_and_another_seed_does_not(tmp_path: Path) -> None:
    first = generate_profile(tmp_path / "first", seed=5)
    second = generate_profile(tmp_path / "second", seed=5)
    other = generate_profile(tmp_path / "other", seed=6)
    names = sorted(path.name for path in first.iterdir())
    assert names == sorted(path.name for path in second.iterdir())
    assert "orders.parquet" in names and "manifest.json" in names
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert (first / "order_lines.parquet").read_bytes() != (other / "order_lines.parquet").read_bytes()


def test_single_product_variant_has_one_product(tmp_path: Path) -> None:
    out = generate_profile(tmp_path / "single", "--variant", "single-product")
    products = pd.read_parquet(out / "products.parquet")
    lines = pd.read_parquet(out / "order_lines.parquet")
    assert len(products) == 1
    assert set(lines["product_id"]) == set(products["product_id"])


def test_profile_rejects_demo_only_arguments(tmp_path: Path) -> None:
    assert main(["generate", "--profile", "real-export", "--scale", "2", "--out", str(tmp_path)]) == 2
    assert main(["generate", "--variant", "single-product", "--out", str(tmp_path)]) == 2
    assert (
        main(
            ["generate", "--profile", "real-export", "--domains", "commerce,service", "--out", str(tmp_path)]
        )
        == 2
    )


def test_absent_optional_columns_are_absent_and_credited_order_id_is_present(raw: Path) -> None:
    columns = {
        name: set(pq.read_schema(raw / f"{name}.parquet").names)
        for name in ("customers", "products", "orders")
    }
    assert not {"unit_cost", "list_price", "launched_on"} & columns["products"]
    assert "owner_sales_rep_id" not in columns["customers"]
    assert not {"sales_rep_id", "campaign_id"} & columns["orders"]
    assert "credited_order_id" in columns["orders"]
    assert str(pq.read_schema(raw / "orders.parquet").field("credited_order_id").type) == "int64"
    assert not (raw / "sales_reps.parquet").exists() and not (raw / "support_tickets.parquet").exists()


def test_planted_shapes(raw: Path, manifest: dict) -> None:
    orders = expect.latest_versions(pd.read_parquet(raw / "orders.parquet"), ["order_id"])
    lines = expect.latest_versions(pd.read_parquet(raw / "order_lines.parquet"), ["order_id", "line_number"])
    customers = pd.read_parquet(raw / "customers.parquet")
    products = pd.read_parquet(raw / "products.parquet")
    leads = pd.read_parquet(raw / "leads.parquet")
    opportunities = pd.read_parquet(raw / "opportunities.parquet")
    history = pd.read_parquet(raw / "opportunity_stage_history.parquet")
    sales = orders[orders["credited_order_id"].isna()]
    notes = orders[orders["credited_order_id"].notna()]

    assert 2000 <= len(lines) <= 6000
    assert 0.03 <= sales["customer_id"].isna().mean() <= 0.07  # guest orders
    assert set(notes["credited_order_id"]) <= set(sales["order_id"])
    note_lines = lines[lines["order_id"].isin(notes["order_id"])]
    assert (note_lines["quantity"] < 0).all()
    minutes_later = (
        notes["placed_at"] - notes["credited_order_id"].map(sales.set_index("order_id")["placed_at"])
    ).dt.total_seconds() / 60
    assert (minutes_later <= 30).sum() == manifest["shapes"]["full_credit_notes"] >= 5
    assert (minutes_later >= 24 * 60).sum() == manifest["shapes"]["partial_credit_notes"] >= 5
    assert 0.15 <= lines["unit_cost"].isna().mean() <= 0.25
    assert 1 <= products["category"].isna().sum() <= 5
    codes = customers["region_code"].dropna()
    assert codes.str.lower().nunique() >= 25
    assert codes.str.isupper().any() and codes.str.islower().any() and customers["region_code"].isna().any()
    assert {"reseller", None} <= set(customers["customer_type"].replace({float("nan"): None}))
    assert "marketplace" in set(orders["channel"])
    assert leads["lead_source"].nunique(dropna=False) >= 8 and leads["lead_source"].isna().any()
    assert {"paid_search", "organic_search", "email", "direct", "unknown"} <= set(
        leads["lead_source"].dropna()
    )
    assert leads["region_code"].isna().all() and leads["sales_rep_id"].isna().all()
    assert set(opportunities["stage"]) == {"closed_won"} and opportunities["closed_at"].notna().all()
    assert set(history["stage"]) == {"closed_won"} and 0 < history["opportunity_id"].nunique() < len(
        opportunities
    )
    assert ((lines["unit_price"] * 1000).round() % 10 != 0).mean() > 0.5  # genuinely 3-decimal prices
    assert lines["quantity"].max() == 10
    assert 1 <= (lines["unit_price"] < 0).sum() <= 3
    shipped_early = (orders["shipped_at"] < orders["paid_at"]).mean()
    delivered_early = (orders["delivered_at"] < orders["shipped_at"]).mean()
    assert 0.01 <= shipped_early + delivered_early <= 0.02
    assert 0.01 <= (opportunities["closed_at"] < opportunities["created_at"]).mean() <= 0.04


def test_manifest_defects_equal_a_recount_of_the_files(raw: Path, manifest: dict) -> None:
    planted = {
        (expect.SOURCE_TABLES[table], kind): count
        for table, kinds in manifest["defects"].items()
        for kind, count in kinds.items()
    }
    assert planted == expect.planted_defect_counts(raw)
    assert all(count > 0 for count in planted.values())


# --------------------------------------------------------------------------- the build


@pytest.fixture(scope="module")
def built(
    raw: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """One `dbt build` of the profile with the vars its manifest names (no sales team, service, marketing)."""
    work = tmp_path_factory.mktemp("real_export_build")
    db = work / "warehouse.duckdb"
    result = dbt(["build", "--vars", build_vars(raw)], raw, db, work)
    return db, result


@pytest.fixture(scope="module")
def db(built: tuple[Path, subprocess.CompletedProcess[str]]) -> Path:
    return built[0]


@pytest.fixture(scope="module")
def facts(raw: Path) -> expect.OrderFacts:
    return expect.order_facts(raw, NOW)


def test_build_finishes(built: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    _, result = built
    failures = [line for line in result.stdout.splitlines() if " ERROR " in line or " FAIL " in line]
    assert result.returncode == 0, "\n".join(failures[:40]) or result.stdout[-6000:]


def test_marts_and_quality_marts_exist(db: Path) -> None:
    tables = {name for (name,) in query(db, "select table_name from information_schema.tables")}
    assert {
        "fct_orders",
        "fct_order_lines",
        "dim_customers",
        "dim_products",
        "product_performance_monthly",
        "lead_conversion",
        "funnel_conversion",
        "dq_failed_rows",
        "dq_failures_daily",
    } <= tables


def test_order_net_amounts_equal_pandas(db: Path, facts: expect.OrderFacts) -> None:
    found = {
        order_id: money(net)
        for order_id, net in query(db, "select order_id, net_amount from marts.fct_orders")
    }
    expected = dict(zip(facts.orders["order_id"], facts.orders["net_amount"], strict=True))
    assert found.keys() == expected.keys()
    wrong = {order_id: (found[order_id], net) for order_id, net in expected.items() if found[order_id] != net}
    assert wrong == {}, f"{len(wrong)} orders differ, e.g. {list(wrong.items())[:5]}"


def test_net_revenue_nets_credit_notes(db: Path, facts: expect.OrderFacts) -> None:
    ((revenue, guest),) = query(
        db,
        "select sum(net_amount) filter (where is_revenue), "
        "sum(net_amount) filter (where is_revenue and customer_id is null) from marts.fct_orders",
    )
    assert money(revenue) == expect.net_revenue(facts)
    assert money(guest) == expect.guest_revenue(facts)


def test_revenue_by_month(db: Path, facts: expect.OrderFacts) -> None:
    found = {
        month: money(net)
        for month, net in query(
            db,
            "select date_trunc('month', placed_date)::date, sum(net_amount) from marts.fct_orders "
            "where is_revenue group by 1",
        )
    }
    assert found == expect.revenue_by_month(facts)


def test_order_counts(db: Path, facts: expect.OrderFacts) -> None:
    orders = facts.orders
    ((sales, counted, notes, fully_credited),) = query(
        db,
        "select count(*) filter (where is_revenue and not is_credit_note), count(*) filter (where is_counted_order), "
        "count(*) filter (where is_credit_note), count(*) filter (where is_fully_credited) from marts.fct_orders",
    )
    assert sales == int(orders["is_revenue_sale"].sum())
    assert counted == int(orders["is_counted_order"].sum())
    assert notes == int(orders["is_credit_note"].sum())
    assert fully_credited == int(orders["is_fully_credited"].sum()) > 0
    # An order whose every line is excluded (the negative-price adjustment) is no revenue order.
    no_lines = orders.loc[orders["line_count"] == 0, "order_id"].tolist()
    assert no_lines
    flagged = query(
        db,
        f"select count(*) from marts.fct_orders where is_revenue and order_id in ({', '.join(map(str, no_lines))})",
    )
    assert flagged == [(0,)]


def test_order_lines_equal_pandas(db: Path, facts: expect.OrderFacts) -> None:
    found = frame(db, "select order_id, line_number, net_amount, is_revenue from marts.fct_order_lines")
    found_lines = {
        (int(order_id), int(line)): (money(net), bool(revenue))
        for order_id, line, net, revenue in found.itertuples(index=False)
    }
    lines = facts.lines
    expected = {
        (int(order_id), int(line)): (net, bool(revenue))
        for order_id, line, net, revenue in zip(
            lines["order_id"], lines["line_number"], lines["net_amount"], lines["is_revenue"], strict=True
        )
    }
    assert found_lines.keys() == expected.keys()
    wrong = {key: (found_lines[key], value) for key, value in expected.items() if found_lines[key] != value}
    assert wrong == {}, f"{len(wrong)} lines differ, e.g. {list(wrong.items())[:5]}"


def test_unknown_cost_gives_null_margin_not_zero(db: Path, facts: expect.OrderFacts) -> None:
    ((unknown_margin,),) = query(
        db, "select count(*) from marts.fct_orders where line_count > 0 and margin_amount is null"
    )
    expected = facts.orders[(facts.orders["line_count"] > 0) & facts.orders["has_unknown_cost"]]
    assert unknown_margin == len(expected) > 0


def test_product_performance_keeps_products_without_category(db: Path, facts: expect.OrderFacts) -> None:
    ((monthly,),) = query(db, "select sum(net_revenue) from marts.product_performance_monthly")
    lines = facts.lines
    assert money(monthly) == expect.total(lines.loc[lines["is_revenue"], "net_amount"])


def test_customer_recency_frequency_monetary(db: Path, facts: expect.OrderFacts) -> None:
    expected = expect.customer_rfm(facts, AS_OF_DATE)
    found = frame(
        db,
        "select customer_id, first_order_date, last_order_date, lifetime_orders, lifetime_revenue, "
        "days_since_last_order, as_of_date from marts.dim_customers where lifetime_orders > 0",
    ).set_index("customer_id")
    assert query(db, "select count(*) from marts.dim_customers where customer_id is null") == [(0,)]
    assert set(found.index) == set(expected.index)
    assert (found["as_of_date"].map(pd.Timestamp) == pd.Timestamp(AS_OF_DATE)).all()
    found = found.loc[expected.index]
    assert found["lifetime_orders"].tolist() == expected["frequency"].tolist()
    assert [money(value) for value in found["lifetime_revenue"]] == expected["monetary"].tolist()
    assert found["days_since_last_order"].astype(int).tolist() == expected["recency_days"].tolist()
    assert [pd.Timestamp(day).date() for day in found["last_order_date"]] == expected[
        "last_order_date"
    ].tolist()
    assert [pd.Timestamp(day).date() for day in found["first_order_date"]] == expected[
        "first_order_date"
    ].tolist()


def test_data_quality_counts_per_planted_kind(db: Path, raw: Path) -> None:
    found = {
        (table, rule): count
        for table, rule, count in query(
            db, "select source_table, rule_name, count(*) from quality.dq_failed_rows group by all"
        )
    }
    planted = expect.planted_defect_counts(raw)
    assert {key: found.get(key, 0) for key in planted} == planted
    unclassified = query(
        db,
        "select count(*) from quality.dq_failed_rows where severity = 'unclassified' or action_taken = 'unclassified'",
    )
    assert unclassified == [(0,)]


def test_lead_conversion_by_source(db: Path, raw: Path) -> None:
    columns = ["leads", "contacted", "converted", "won"]
    expected = expect.lead_conversion_by_source(raw)
    found = frame(
        db,
        "select lead_source, sum(leads) as leads, sum(contacted) as contacted, "
        "sum(converted_to_opportunity) as converted, sum(won) as won from marts.lead_conversion group by all",
    )
    as_dict = {
        (None if pd.isna(source) else source): tuple(int(value) for value in values)
        for source, *values in found[["lead_source", *columns]].itertuples(index=False)
    }
    assert as_dict == {
        (None if pd.isna(source) else source): tuple(int(row[column]) for column in columns)
        for source, row in expected.iterrows()
    }


def test_won_only_pipeline_has_win_rate_one(db: Path) -> None:
    ((closed, won),) = query(
        db,
        "select count(*) filter (where is_closed), count(*) filter (where is_won) from marts.fct_opportunities",
    )
    assert closed == won > 0


# --------------------------------------------------------------------------- Python models on it


def test_every_python_model_is_built(db: Path) -> None:
    tables = {name for (name,) in query(db, "select table_name from information_schema.tables")}
    assert {
        "customer_segments",
        "customer_segment_profiles",
        "product_recommendations",
        "opportunity_scores",
        "model_metrics",
        "sales_forecast",
        "forecast_backtest",
        "price_promo_effects",
    } <= tables


def test_segments_hold_only_known_customers_and_name_small_clusters_neutrally(db: Path) -> None:
    assert query(db, "select count(*) from marts.customer_segments where customer_id is null") == [(0,)]
    segmented = query(db, "select count(distinct customer_id) from marts.customer_segments")[0][0]
    buyers = query(db, "select count(*) from marts.dim_customers where lifetime_orders > 0")[0][0]
    assert segmented == buyers > 0
    small = frame(
        db,
        "select segment_name, customer_share from marts.customer_segment_profiles where is_small_segment",
    )
    assert not small["segment_name"].str.contains("high-value").any(), small


def test_guests_get_no_recommendations(db: Path) -> None:
    assert query(db, "select count(*) from marts.product_recommendations where customer_id is null") == [(0,)]
    assert query(db, "select count(*) from marts.product_recommendations") != [(0,)]


def test_won_only_pipeline_scores_nothing_and_says_why(db: Path) -> None:
    assert query(db, "select count(*) from marts.opportunity_scores") == [(0,)]
    status = frame(
        db, "select metric_name, metric_value, detail from marts.model_metrics where metric_name = 'status'"
    )
    assert status["metric_value"].tolist() == [0]
    assert status["detail"].iloc[0].startswith("not enough data")


def test_forecast_is_built_on_the_real_export(db: Path) -> None:
    ((series, days, negative),) = query(
        db,
        "select count(distinct series_id), count(distinct forecast_date), "
        "count(*) filter (where forecast_revenue < 0) from marts.sales_forecast",
    )
    assert series > 0 and days > 0 and negative == 0
    roles = {role for (role,) in query(db, "select distinct cutoff_role from marts.forecast_backtest")}
    assert roles <= {"selection", "evaluation"}


def test_single_product_export_builds(tmp_path: Path) -> None:
    raw = generate_profile(tmp_path / "raw", "--variant", "single-product")
    db = tmp_path / "single.duckdb"
    result = dbt(["build", "--vars", build_vars(raw)], raw, db, tmp_path)
    failures = [line for line in result.stdout.splitlines() if " ERROR " in line or " FAIL " in line]
    assert result.returncode == 0, "\n".join(failures[:40]) or result.stdout[-6000:]
    assert query(db, "select count(*) from marts.dim_products") == [(1,)]
    assert query(db, "select count(distinct category) from marts.product_performance_monthly") == [(1,)]
