"""Python copies of dbt models agree with the models, row for row, on the same data.

`sales_warehouse.forecast_series.forecast_calendar` computes int_forecast_calendar in Python so the
forecast benchmark and the forecasting unit tests run without dbt. These tests build the model with
dbt on the demo data (the `demo_warehouse` fixture) and compare it with the Python copy given the
same inputs: once as the build made it (the project's vars), once compiled with other vars and run
on the same warehouse. A change to either side alone fails here.

The tests of the Python models (scoring, segmentation, elasticity, recommendations) keep no copies:
they read the intermediates from the same build.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import yaml
from dbt_support import ROOT, dbt

from sales_warehouse.forecast_series import forecast_calendar

HOLIDAYS = pd.read_csv(ROOT / "seeds" / "holidays.csv")
CALENDAR_SQL = Path("compiled/sales_warehouse/models/intermediate/forecasting/int_forecast_calendar.sql")
# The vars int_forecast_calendar reads, with the model's inline defaults (dbt_project.yml wins).
CALENDAR_VARS: dict[str, object] = {
    "forecast_horizon_days": 90,
    "forecast_festival_run_up_days": 10,
    "forecast_spring_festival_window_days": 7,
    "holiday_country": "CN",
    "enable_marketing": True,
    "as_of_date": None,
    "as_of": None,
}
NAME_COLUMNS = (
    "spring_festival_phase",
    "shopping_festival_name",
    "run_up_festival_name",
    "public_holiday_name",
)
INTEGER_COLUMNS = ("weekday_number", "day_of_year", "promotion_campaign_count")


def calendar_vars(**overrides: object) -> dict[str, object]:
    declared = yaml.safe_load((ROOT / "dbt_project.yml").read_text())["vars"]
    return {**{name: declared.get(name, default) for name, default in CALENDAR_VARS.items()}, **overrides}


def query(db: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.sql(sql).df()


def python_calendar(db: Path, variables: dict[str, object]) -> pd.DataFrame:
    """forecast_calendar on the model's inputs: the revenue lines' first and last day, the as-of
    vars, the holidays seed and the non-festival campaigns, read from the same warehouse."""
    bounds = query(
        db, "select min(placed_date), max(placed_date) from marts.fct_order_lines where is_revenue"
    )
    start, last_sale = (pd.Timestamp(day).date() for day in bounds.iloc[0])
    if variables["as_of_date"]:
        history_end = date.fromisoformat(str(variables["as_of_date"]))
    else:
        now = datetime.fromisoformat(str(variables["as_of"])) if variables["as_of"] else datetime.now(UTC)
        history_end = min(last_sale, now.date() - timedelta(days=1))
    campaigns: list[tuple[date, date]] = []
    if variables["enable_marketing"]:
        rows = query(
            db,
            "select start_date, end_date from staging.stg_marketing__campaigns where campaign_type != 'festival'",
        )
        campaigns = [
            (pd.Timestamp(a).date(), pd.Timestamp(b).date()) for a, b in rows.itertuples(index=False)
        ]
    return forecast_calendar(
        start,
        history_end,
        int(variables["forecast_horizon_days"]),
        HOLIDAYS,
        campaigns,
        run_up_days=int(variables["forecast_festival_run_up_days"]),
        spring_festival_window_days=int(variables["forecast_spring_festival_window_days"]),
        country_code=str(variables["holiday_country"]),
    )


def comparable(frame: pd.DataFrame) -> pd.DataFrame:
    """Same types on both sides: days as datetime64[ns], integers as int64, missing names as None."""
    frame = frame.sort_values("date_day").reset_index(drop=True)
    frame["date_day"] = pd.to_datetime(frame["date_day"]).astype("datetime64[ns]")
    frame["is_history"] = frame["is_history"].astype(bool)
    for column in INTEGER_COLUMNS:
        frame[column] = frame[column].astype(np.int64)
    for column in NAME_COLUMNS:
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


def assert_same_calendar(model: pd.DataFrame, python: pd.DataFrame) -> None:
    assert list(model.columns) == list(python.columns)
    model, python = comparable(model), comparable(python)
    assert len(model) == len(python), (
        model["date_day"].agg(["min", "max"]),
        python["date_day"].agg(["min", "max"]),
    )
    differs = (model != python) & ~(model.isna() & python.isna())
    assert not differs.to_numpy().any(), model[differs.any(axis=1)].join(python, rsuffix="_python").head(20)
    pd.testing.assert_frame_equal(model, python)


def test_forecast_calendar_copy_equals_the_built_model(demo_warehouse) -> None:
    db, _ = demo_warehouse
    model = query(db, "select * from intermediate.int_forecast_calendar")
    assert_same_calendar(model, python_calendar(db, calendar_vars()))
    # The demo calendar has every kind of driver, so every rule was compared.
    assert model["promotion_campaign_count"].gt(0).any()
    assert set(model["spring_festival_phase"].dropna()) == {"before", "during", "after"}
    assert model["shopping_festival_name"].notna().any() and model["run_up_festival_name"].notna().any()
    assert model["public_holiday_name"].notna().any() and (~model["is_history"]).sum() > 0


def test_forecast_calendar_copy_equals_the_model_with_other_vars(demo_warehouse, demo_raw, tmp_path) -> None:
    # Run-ups that overlap (Double 11 lies in Double 12's 35-day run-up: the first name wins), a wider
    # Spring Festival window and a shorter horizon after an earlier as-of date.
    db, _ = demo_warehouse
    variables = calendar_vars(
        forecast_horizon_days=30,
        forecast_festival_run_up_days=35,
        forecast_spring_festival_window_days=12,
        as_of_date="2025-06-30",
    )
    flow = yaml.safe_dump(variables, default_flow_style=True)
    compiled = dbt(["compile", "--select", "int_forecast_calendar", "--vars", flow], demo_raw, db, tmp_path)
    assert compiled.returncode == 0, compiled.stdout[-4000:]
    model = query(db, (tmp_path / "target" / CALENDAR_SQL).read_text())
    assert_same_calendar(model, python_calendar(db, variables))
    day = model.set_index(pd.to_datetime(model["date_day"]))
    assert day.loc["2024-11-08", "run_up_festival_name"] == "Double 11"  # in both run-ups
    assert day.loc["2024-11-12", "run_up_festival_name"] == "Double 12"
    assert day["promotion_campaign_count"].gt(0).any()
    assert day.index[day["is_history"]].max() == pd.Timestamp("2025-06-30")
    assert day.index.max() == pd.Timestamp("2025-07-30")
