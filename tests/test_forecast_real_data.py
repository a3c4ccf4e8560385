"""The forecast on real exports: closed weekdays, model choice when the regression is worse, short
or empty histories, and the holiday calendar of another country.

Synthetic series only (fast); the dbt wiring of a short export is in test_forecast_short_export.py.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from sales_warehouse import calendar as demand
from sales_warehouse.forecast_series import day_array, forecast_calendar, weekday_index, yearly_columns
from sales_warehouse.forecasting import (
    BACKTEST_COLUMNS,
    EVALUATION,
    FORECAST_COLUMNS,
    MODEL_NAMES,
    SELECTION,
    ForecastConfig,
    chosen_models,
    closed_weekdays,
    forecast_panel,
    held_out_mase,
    prepare_inputs,
    run_backtest,
    run_model,
)

ROOT = Path(__file__).resolve().parents[1]
HOLIDAYS = pd.read_csv(ROOT / "seeds" / "holidays.csv")
START = date(2023, 1, 1)
END = date(2025, 12, 31)
SATURDAY = 5  # weekday_index: 0 = Monday


def _frame(
    days: np.ndarray, region: str, category: str, revenue: np.ndarray, units: np.ndarray
) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "sales_date": days,
            "region_code": region,
            "category": category,
            "net_revenue": revenue,
            "units": units,
        }
    )
    return frame[frame["units"] > 0]  # the intermediate only has days with sales


def _planted(start: date, end: date, seed: int = 11, closed_on: int | None = None) -> pd.DataFrame:
    """One region x two categories of planted demand; `closed_on` weekday never trades in the first."""
    rng = np.random.default_rng(seed)
    days = day_array(start, end)
    intensity = demand.demand_intensity(days, start, demand.build_campaigns(start, end, rng))
    frames = []
    for category, closed in (("Shop", closed_on), ("Web", None)):
        orders = rng.poisson(8.0 * intensity)
        if closed is not None:
            orders[weekday_index(days) == closed] = 0
        revenue = rng.gamma(np.maximum(orders, 1) * 2.0, 50.0) * (orders > 0)
        frames.append(_frame(days, "east", category, revenue.round(2), orders))
    return pd.concat(frames, ignore_index=True)


def _run(daily: pd.DataFrame, start: date, end: date):
    config = ForecastConfig()
    calendar = forecast_calendar(start, end, 90, HOLIDAYS)
    panel, design = prepare_inputs(daily, calendar, config)
    backtest = run_backtest(panel, design, config)
    forecast = forecast_panel(panel, design, chosen_models(backtest), config)
    return panel, design, backtest, forecast


# --- closed weekdays --------------------------------------------------------------------------


def test_a_shop_without_saturday_sales_gets_exactly_zero_on_saturdays_from_every_model():
    daily = _planted(START, END, closed_on=SATURDAY)
    calendar = forecast_calendar(START, END, 28, HOLIDAYS)
    config = ForecastConfig()
    panel, design = prepare_inputs(daily, calendar, config)
    future = design.dates[~design.is_history]
    saturday = weekday_index(future) == SATURDAY
    shop = panel.series_ids.index("east|Shop")
    web = panel.series_ids.index("east|Web")
    sales = (panel.revenue != 0) | (panel.units != 0)
    for name in MODEL_NAMES:
        result = run_model(
            name, panel.revenue, sales, panel.dates, future, design.history, design.future, config
        )
        for values in (result.mean, *result.lower.values(), *result.upper.values()):
            assert np.all(values[saturday, shop] == 0.0), name
        assert np.all(result.mean[~saturday, shop] > 0), name
        assert np.all(result.mean[saturday, web] > 0), name  # the web shop trades on Saturdays
        assert np.all(result.upper[95][~saturday, shop] > 0), name


def test_the_pipeline_forecasts_zero_on_the_closed_weekday_and_scores_the_backtest_with_it():
    _, _, backtest, forecast = _run(_planted(START, END, closed_on=SATURDAY), START, END)
    shop = forecast[forecast["series_id"] == "east|Shop"]
    saturdays = pd.to_datetime(shop["forecast_date"]).dt.dayofweek == SATURDAY
    bounds = ["forecast_revenue", "revenue_lo_80", "revenue_hi_80", "revenue_lo_95", "revenue_hi_95"]
    assert (shop.loc[saturdays, [*bounds, "forecast_units"]] == 0).all().all()
    assert (shop.loc[~saturdays, "forecast_revenue"] > 0).all()
    # The region total still trades on Saturdays (the web shop does).
    total = forecast[forecast["series_id"] == "east|all"]
    assert (
        total.loc[pd.to_datetime(total["forecast_date"]).dt.dayofweek == SATURDAY, "forecast_revenue"] > 0
    ).all()
    assert held_out_mase(backtest)["chosen_mase"].notna().all()


def test_closed_weekdays_need_enough_weeks_and_only_count_the_trailing_window():
    config = ForecastConfig(closed_weekday_window_days=28, closed_weekday_min_weeks=4)
    days = day_array(date(2025, 1, 6), date(2025, 3, 2))  # 8 weeks from a Monday
    sales = np.ones((len(days), 3), dtype=bool)
    sales[weekday_index(days) == SATURDAY, 0] = False  # never on Saturdays
    sales[(weekday_index(days) == 6) & (np.arange(len(days)) < 28), 1] = False  # Sundays closed long ago
    sales[:, 2] = False  # never sold at all
    closed = closed_weekdays(sales, days, config)
    assert closed[:, 0].tolist() == [False] * 5 + [True, False]
    assert not closed[:, 1].any()  # Sunday sales in the trailing four weeks
    assert closed[:, 2].all()
    # Three weeks prove nothing: no weekday is called closed.
    assert not closed_weekdays(sales[-21:], days[-21:], config).any()


# --- model choice when the calendar regression is worse ---------------------------------------


def test_choice_falls_back_to_ets_or_naive_when_the_regression_is_worse_on_the_selection_windows():
    """A random-walk level without calendar effects: the regression's trend cannot follow it."""
    rng = np.random.default_rng(3)
    days = day_array(START, END)
    level = 200 * np.exp(np.cumsum(rng.normal(0, 0.04, len(days))))
    week = np.array([1.0, 1.0, 1.1, 1.0, 1.2, 0.8, 0.9])[weekday_index(days)]
    orders = rng.poisson(level * week / 10)
    planted = _planted(START, END)
    daily = pd.concat(
        [_frame(days, "north", "Walk", orders * 10.0, orders), planted[planted["category"] == "Web"]],
        ignore_index=True,
    )
    _, _, backtest, forecast = _run(daily, START, END)

    selection = backtest[backtest["cutoff_role"] == SELECTION]
    scores = selection.groupby(["series_id", "model_name"])["mase"].mean().unstack()
    chosen = chosen_models(backtest)
    assert scores.loc["north|Walk", "calendar_regression"] > scores.loc["north|Walk"].min()
    assert chosen["north|Walk"] in {"seasonal_naive", "auto_ets"}
    assert chosen["north|Walk"] == scores.loc["north|Walk"].idxmin()
    # The planted calendar series keeps the regression, and the forecast uses each choice.
    assert chosen["east|Web"] == "calendar_regression"
    used = forecast.drop_duplicates("series_id").set_index("series_id")["model_name"].to_dict()
    assert used == chosen
    # On the held-out windows the fallback is no worse than the regression would have been.
    held_out = backtest[(backtest["cutoff_role"] == EVALUATION) & (backtest["series_id"] == "north|Walk")]
    by_model = held_out.groupby("model_name")["mase"].mean()
    assert by_model[chosen["north|Walk"]] < by_model["calendar_regression"]


# --- short and empty histories ----------------------------------------------------------------


def test_a_few_weeks_of_a_single_product_give_an_empty_backtest_and_naive_forecasts(caplog):
    start, end = date(2025, 11, 10), date(2025, 11, 30)  # three weeks
    daily = _planted(start, end)
    daily = daily[daily["category"] == "Shop"]
    with caplog.at_level(logging.WARNING, logger="sales_warehouse.forecasting"):
        panel, _, backtest, forecast = _run(daily, start, end)
    assert panel.series_ids == ["east|Shop", "east|all", "all|Shop", "all|all"]
    assert backtest.empty and list(backtest.columns) == list(BACKTEST_COLUMNS)
    assert list(forecast.columns) == list(FORECAST_COLUMNS)
    assert forecast.groupby("series_id").size().eq(90).all()
    assert (forecast["model_name"] == "seasonal_naive").all()
    assert forecast["forecast_revenue"].notna().all() and (forecast["forecast_revenue"] >= 0).all()
    assert "21 history days, a backtest needs at least 84" in caplog.text
    assert "4 of 4 series have no backtest choice" in caplog.text


def test_a_history_too_short_for_held_out_windows_still_chooses_and_says_so(caplog):
    start, end = date(2025, 8, 23), date(2025, 11, 30)  # 100 days: one selection cutoff
    with caplog.at_level(logging.WARNING, logger="sales_warehouse.forecasting"):
        _, _, backtest, forecast = _run(_planted(start, end), start, end)
    assert set(backtest["cutoff_role"]) == {SELECTION}
    assert held_out_mase(backtest).empty
    assert "no held-out one" in caplog.text
    assert forecast.groupby("series_id").size().eq(90).all()


def test_less_than_two_weeks_no_sales_or_no_history_give_empty_results_with_a_reason(caplog):
    start, end = date(2025, 11, 21), date(2025, 11, 30)  # ten days
    with caplog.at_level(logging.WARNING, logger="sales_warehouse.forecasting"):
        _, _, backtest, forecast = _run(_planted(start, end), start, end)
    assert backtest.empty and forecast.empty and list(forecast.columns) == list(FORECAST_COLUMNS)
    assert "10 history days, a forecast needs at least 14" in caplog.text

    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="sales_warehouse.forecasting"):
        _, _, backtest, forecast = _run(_planted(START, END).iloc[:0], START, END)
    assert backtest.empty and forecast.empty
    assert "no sales in the 1096 history days" in caplog.text

    caplog.clear()
    calendar = forecast_calendar(START, END, 90, HOLIDAYS).iloc[:0]
    config = ForecastConfig()
    with caplog.at_level(logging.WARNING, logger="sales_warehouse.forecasting"):
        panel, design = prepare_inputs(_planted(START, END), calendar, config)
        backtest = run_backtest(panel, design, config)
        forecast = forecast_panel(panel, design, {}, config)
    assert backtest.empty and forecast.empty
    assert "no history days" in caplog.text
    # Empty frames keep typed columns, so the dbt models can cast them.
    assert str(backtest["cutoff_date"].dtype) == "datetime64[ns]" and backtest["is_chosen"].dtype == bool


def test_auto_ets_falls_back_to_seasonal_naive_where_it_cannot_fit():
    config = ForecastConfig()
    days = day_array(date(2025, 11, 20), date(2025, 11, 30))
    history = np.arange(11, dtype=np.float64)[:, None]
    future = day_array(date(2025, 12, 1), date(2025, 12, 7))
    sales = np.ones(history.shape, dtype=bool)
    design = np.zeros((len(days), 2))
    ets = run_model("auto_ets", history, sales, days, future, design, np.zeros((7, 2)), config)
    naive = run_model("seasonal_naive", history, sales, days, future, design, np.zeros((7, 2)), config)
    np.testing.assert_allclose(ets.mean, naive.mean)


def test_the_regression_drops_the_yearly_terms_on_less_than_a_year_of_history():
    """Fitted on seven months, a yearly season would be extrapolated from a part never repeated."""
    start, end = date(2025, 5, 1), date(2025, 11, 30)
    calendar = forecast_calendar(start, end, 90, HOLIDAYS)
    config = ForecastConfig()
    panel, design = prepare_inputs(_planted(start, end), calendar, config)
    sales = (panel.revenue != 0) | (panel.units != 0)
    future = design.dates[~design.is_history]
    yearly = yearly_columns(config.fourier_order)
    assert all(name.startswith("year_") for name in design.feature_names[yearly])
    scrambled_history, scrambled_future = design.history.copy(), design.future.copy()
    rng = np.random.default_rng(0)
    scrambled_history[:, yearly] = rng.normal(size=scrambled_history[:, yearly].shape)
    scrambled_future[:, yearly] = rng.normal(size=scrambled_future[:, yearly].shape)

    def forecast(history_design: np.ndarray, future_design: np.ndarray, cfg: ForecastConfig) -> np.ndarray:
        return run_model(
            "calendar_regression",
            panel.revenue,
            sales,
            panel.dates,
            future,
            history_design,
            future_design,
            cfg,
        ).mean

    np.testing.assert_allclose(
        forecast(design.history, design.future, config), forecast(scrambled_history, scrambled_future, config)
    )
    with_yearly = ForecastConfig(yearly_min_history_days=0)
    assert not np.allclose(
        forecast(design.history, design.future, with_yearly),
        forecast(scrambled_history, scrambled_future, with_yearly),
    )


# --- holiday calendar per country --------------------------------------------------------------


def test_the_holiday_seed_has_a_country_code_and_the_demo_rows_are_cn():
    assert list(HOLIDAYS.columns) == [
        "country_code",
        "holiday_date",
        "holiday_name",
        "holiday_type",
        "is_working_day",
    ]
    assert set(HOLIDAYS["country_code"]) == {"CN"} and len(HOLIDAYS) == 194
    assert not HOLIDAYS.duplicated(["country_code", "holiday_date"]).any()
    project = yaml.safe_load((ROOT / "dbt_project.yml").read_text())
    assert project["vars"]["holiday_country"] == "CN"
    seeds = {
        seed["name"]: seed for seed in yaml.safe_load((ROOT / "seeds" / "_seeds.yml").read_text())["seeds"]
    }
    holidays = seeds["holidays"]
    assert "holiday_country" in holidays["description"]
    assert {column["name"] for column in holidays["columns"]} == set(HOLIDAYS.columns)
    assert all(column.get("description") for column in holidays["columns"])
    for model in (
        "models/marts/core/dim_dates.sql",
        "models/intermediate/forecasting/int_forecast_calendar.sql",
    ):
        assert "where country_code = '{{ var(\"holiday_country\") }}'" in (ROOT / model).read_text(), model


def test_the_forecast_calendar_uses_only_the_selected_countrys_holidays():
    extra = pd.DataFrame(
        {
            "country_code": ["DE", "DE", "DE"],
            "holiday_date": ["2025-10-03", "2025-12-25", "2025-11-28"],
            "holiday_name": ["German Unity Day", "Christmas Day", "Black Friday"],
            "holiday_type": ["public_holiday", "public_holiday", "shopping_festival"],
            "is_working_day": [False, False, True],
        }
    )
    holidays = pd.concat([HOLIDAYS, extra], ignore_index=True)
    start, end = date(2025, 1, 1), date(2025, 12, 31)

    china = forecast_calendar(start, end, 0, holidays).set_index("date_day")
    assert china.equals(forecast_calendar(start, end, 0, HOLIDAYS).set_index("date_day"))
    assert china.loc[np.datetime64("2025-10-01"), "public_holiday_name"] == "National Day"

    germany = forecast_calendar(start, end, 0, holidays, country_code="DE").set_index("date_day")
    assert germany["spring_festival_phase"].isna().all()
    assert set(germany["public_holiday_name"].dropna()) == {"German Unity Day", "Christmas Day"}
    assert set(germany["shopping_festival_name"].dropna()) == {"Black Friday"}
    assert germany.loc[np.datetime64("2025-11-27"), "run_up_festival_name"] == "Black Friday"
    assert forecast_calendar(start, end, 0, holidays, country_code="FR")["public_holiday_name"].isna().all()


def test_a_series_without_spring_festival_forecasts_on_another_countrys_calendar():
    extra = pd.DataFrame(
        {
            "country_code": "DE",
            "holiday_date": [f"{year}-12-25" for year in (2023, 2024, 2025)],
            "holiday_name": "Christmas Day",
            "holiday_type": "public_holiday",
            "is_working_day": False,
        }
    )
    calendar = forecast_calendar(START, END, 90, pd.concat([HOLIDAYS, extra]), country_code="DE")
    config = ForecastConfig()
    panel, design = prepare_inputs(_planted(START, END), calendar, config)
    backtest = run_backtest(panel, design, config)
    forecast = forecast_panel(panel, design, chosen_models(backtest), config)
    assert forecast.groupby("series_id").size().eq(90).all()
    assert np.isfinite(forecast["forecast_revenue"].to_numpy(dtype=float)).all()
    assert pd.to_datetime(forecast["forecast_date"]).min() == pd.Timestamp(END + timedelta(days=1))
