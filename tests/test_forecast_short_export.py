"""dbt end to end: a real export with three weeks of one product builds its forecast without failing.

The generator needs at least 90 days, so the test cuts a generated commerce export down to the orders
of the last three weeks and the lines of a single product. The forecast chain must then build with
warnings only: an empty backtest (too short) and seasonal naive forecasts for every series. A second
run with another var('holiday_country') shows that dim_dates and the forecasting calendar take only
that country's rows of the holidays seed.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from dbt_support import ALL_OFF, dbt, generate

FIRST_DAY = "2025-11-10"
SELECT = ["--select", "+sales_forecast", "+dim_dates", "--indirect-selection", "cautious"]


def _cut_to_three_weeks_of_one_product(raw: Path) -> None:
    with duckdb.connect() as connection:
        orders = f"read_parquet('{raw}/orders.parquet')"
        lines = f"read_parquet('{raw}/order_lines.parquet')"
        returns = f"read_parquet('{raw}/returns.parquet')"
        product = connection.sql(
            f"select product_id from {lines} group by product_id order by count(*) desc, product_id limit 1"
        ).fetchone()[0]
        kept_lines = f"""
            select lines.* from {lines} as lines
            inner join {orders} as orders using (order_id)
            where orders.placed_at >= timestamp '{FIRST_DAY}' and lines.product_id = {product}
        """
        statements = {
            "order_lines": kept_lines,
            "orders": f"select * from {orders} where order_id in (select order_id from ({kept_lines}))",
            "returns": f"select * from {returns} where order_id in (select order_id from ({kept_lines}))",
        }
        # Write every cut before replacing any file: each query reads the original files.
        for name, query in statements.items():
            connection.sql(query).write_parquet(str(raw / f"{name}.cut.parquet"))
    for name in statements:
        (raw / f"{name}.cut.parquet").replace(raw / f"{name}.parquet")


def test_three_weeks_of_one_product_build_a_naive_forecast_and_another_country_has_no_cn_holidays(tmp_path):
    raw = generate(
        tmp_path / "raw",
        "--domains",
        "commerce",
        "--start",
        "2025-09-01",
        "--end",
        "2025-11-30",
        scale="0.05",
    )
    _cut_to_three_weeks_of_one_product(raw)
    db = tmp_path / "warehouse.duckdb"

    result = dbt(["build", *SELECT, "--vars", ALL_OFF], raw, db, tmp_path)
    assert result.returncode == 0, result.stdout[-6000:]
    output = result.stdout + result.stderr
    assert "a backtest needs at least 84" in output, output[-4000:]
    with duckdb.connect(str(db), read_only=True) as connection:
        assert connection.sql("select count(*) from marts.forecast_backtest").fetchone()[0] == 0
        series, models, days, negative = connection.sql(
            """
            select count(distinct series_id), string_agg(distinct model_name), min(horizon_day_count),
                   sum(case when revenue_lo_80 < 0 then 1 else 0 end)
            from (
                select *, count(*) over (partition by series_id) as horizon_day_count
                from marts.sales_forecast
            )
            """
        ).fetchone()
        holidays = connection.sql(
            "select count(*) from marts.dim_dates where holiday_name is not null"
        ).fetchone()[0]
        regions, categories = connection.sql(
            "select count(distinct region_code), count(distinct category) from intermediate.int_forecast_daily_series"
        ).fetchone()
    # One product: each region x the category, each region total, the category total and the total.
    assert categories == 1 and series == 2 * regions + 2
    assert models == "seasonal_naive" and days == 90 and negative == 0
    assert holidays == 194

    other = dbt(
        [
            "run",
            "--select",
            "dim_dates",
            "int_forecast_calendar",
            "--vars",
            ALL_OFF[:-1] + ", holiday_country: XX}",
        ],
        raw,
        db,
        tmp_path,
    )
    assert other.returncode == 0, other.stdout[-6000:]
    with duckdb.connect(str(db), read_only=True) as connection:
        dated = connection.sql(
            "select count(*) from marts.dim_dates where holiday_name is not null"
        ).fetchone()[0]
        calendar = connection.sql(
            """
            select count(*) from intermediate.int_forecast_calendar
            where coalesce(shopping_festival_name, public_holiday_name, spring_festival_phase) is not null
            """
        ).fetchone()[0]
    assert dated == 0 and calendar == 0
