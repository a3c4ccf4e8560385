"""Forecasting: metrics, series preparation, calendar drivers, models, model choice, quota comparison.

The quality test plants the generator's demand pattern (sales_warehouse.calendar: trend, weekday and
yearly season, Spring Festival trough, 618 / Double 11 peaks, flash sales) in a few short synthetic
series and checks that the chosen models beat seasonal naive by at least 15 % MASE.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sales_warehouse import calendar as demand
from sales_warehouse.casting import typed_projection
from sales_warehouse.forecast_metrics import (
    interval_coverage,
    mae,
    mase,
    rmse,
    seasonal_naive_mae,
    smape,
)
from sales_warehouse.forecast_series import (
    calendar_design,
    day_array,
    forecast_calendar,
    prepare_panel,
)
from sales_warehouse.forecasting import (
    BACKTEST_COLUMNS,
    EVALUATION,
    FORECAST_COLUMNS,
    FORECAST_VS_TARGET_COLUMNS,
    MODEL_NAMES,
    SELECTION,
    Cutoff,
    ForecastConfig,
    backtest_cutoffs,
    calendar_regression_forecast,
    choose_models,
    chosen_models,
    fit_poisson_regression,
    forecast_panel,
    forecast_vs_target,
    held_out_mase,
    prepare_inputs,
    run_backtest,
)

ROOT = Path(__file__).resolve().parents[1]
HOLIDAYS = pd.read_csv(ROOT / "seeds" / "holidays.csv")
START = date(2023, 1, 1)
END = date(2025, 12, 31)


# --- metrics ----------------------------------------------------------------------------------


def test_point_metrics_match_hand_computed_values():
    actual = [1.0, 2.0, 3.0, 4.0]
    forecast = [2.0, 2.0, 2.0, 2.0]  # errors 1, 0, 1, 2
    assert float(mae(actual, forecast)) == pytest.approx(1.0)
    assert float(rmse(actual, forecast)) == pytest.approx(np.sqrt(6 / 4))
    # 2|a - f| / (|a| + |f|): 2/3, 0, 2/5, 4/6
    assert float(smape(actual, forecast)) == pytest.approx((2 / 3 + 0 + 2 / 5 + 4 / 6) / 4)


def test_smape_counts_days_with_zero_actual_and_forecast_as_perfect():
    assert float(smape([0.0, 2.0], [0.0, 0.0])) == pytest.approx((0 + 2) / 2)
    assert float(smape([0.0, 0.0], [0.0, 0.0])) == 0.0


def test_mase_scales_by_the_in_sample_seasonal_naive_error():
    history = [1.0, 5.0, 2.0, 7.0, 3.0]  # season 2: |2-1|, |7-5|, |3-2| -> scale 4/3
    assert float(seasonal_naive_mae(history, season_length=2)) == pytest.approx(4 / 3)
    assert float(mase([4.0, 8.0], [3.0, 8.0], history, season_length=2)) == pytest.approx(0.5 / (4 / 3))


def test_mase_is_undefined_for_a_flat_or_too_short_history():
    assert np.isnan(mase([1.0], [2.0], [3.0] * 10, season_length=7))
    assert np.isnan(seasonal_naive_mae([1.0, 2.0], season_length=7))


def test_interval_coverage_includes_the_bounds():
    assert float(interval_coverage([1.0, 5.0, 10.0], [0.0, 6.0, 10.0], [2.0, 7.0, 10.0])) == pytest.approx(
        2 / 3
    )


def test_metrics_work_per_series_on_two_dimensional_input():
    actual = np.array([[1.0, 10.0], [3.0, 10.0]])
    forecast = np.array([[2.0, 10.0], [2.0, 14.0]])
    np.testing.assert_allclose(mae(actual, forecast), [1.0, 2.0])
    np.testing.assert_allclose(rmse(actual, forecast), [1.0, np.sqrt(8.0)])
    with pytest.raises(ValueError, match="shape"):
        mae(actual, forecast[:1])


# --- series preparation -----------------------------------------------------------------------


def _daily(rows: list[tuple[str, str, str, float, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["sales_date", "region_code", "category", "net_revenue", "units"])


def test_prepare_panel_zero_fills_missing_days_and_adds_totals():
    daily = _daily(
        [
            ("2025-01-01", "east", "Beauty", 10.0, 1),
            ("2025-01-03", "east", "Beauty", 30.0, 3),
            ("2025-01-03", "east", "Beauty", 5.0, 1),  # a repeated key is added, not overwritten
            ("2025-01-02", "north", "Apparel", 20.0, 2),
            ("2024-12-31", "north", "Apparel", 99.0, 9),  # outside the window
        ]
    )
    panel = prepare_panel(daily, date(2025, 1, 1), date(2025, 1, 4))

    assert list(panel.dates) == list(day_array(date(2025, 1, 1), date(2025, 1, 4)))
    assert panel.series_ids == [
        "east|Beauty",
        "north|Apparel",
        "east|all",
        "north|all",
        "all|Apparel",
        "all|Beauty",
        "all|all",
    ]
    np.testing.assert_allclose(panel.revenue[:, 0], [10.0, 0.0, 35.0, 0.0])
    np.testing.assert_allclose(panel.revenue[:, 1], [0.0, 20.0, 0.0, 0.0])
    np.testing.assert_allclose(panel.units[:, 0], [1.0, 0.0, 4.0, 0.0])
    np.testing.assert_allclose(panel.revenue[:, -1], [10.0, 20.0, 35.0, 0.0])
    assert list(panel.series["series_level"]) == [
        "region_category",
        "region_category",
        "region",
        "region",
        "category",
        "category",
        "total",
    ]
    assert list(panel.series["is_total"]) == [False, False, True, True, True, True, True]
    assert list(panel.series["is_grand_total"]) == [False] * 6 + [True]


def test_prepare_panel_without_totals_and_without_sales():
    daily = _daily([("2025-01-02", "east", "Beauty", 10.0, 1)])
    panel = prepare_panel(daily, date(2025, 1, 1), date(2025, 1, 3), with_totals=False)
    assert panel.series_ids == ["east|Beauty"]
    assert panel.revenue.shape == (3, 1)

    empty = prepare_panel(daily.iloc[:0], date(2025, 1, 1), date(2025, 1, 3))
    assert empty.revenue.shape == (3, 0)


# --- calendar drivers -------------------------------------------------------------------------


def test_forecast_calendar_marks_festivals_run_ups_and_spring_festival_phases():
    frame = forecast_calendar(
        date(2025, 1, 1), date(2025, 11, 30), 31, HOLIDAYS, [(date(2025, 3, 5), date(2025, 3, 7))]
    )
    row = frame.set_index(frame["date_day"].astype("datetime64[ns]"))
    assert (
        len(frame) == 365 and row.loc["2025-11-30", "is_history"] and not row.loc["2025-12-01", "is_history"]
    )
    assert row.loc["2025-01-01", "weekday_number"] == 3  # a Wednesday
    assert row.loc["2025-11-11", "shopping_festival_name"] == "Double 11"
    assert row.loc["2025-11-01", "run_up_festival_name"] == "Double 11"
    assert row.loc["2025-10-31", "run_up_festival_name"] is None
    # Seed: Spring Festival holiday 2025-01-28 .. 2025-02-04.
    assert row.loc["2025-01-21", "spring_festival_phase"] == "before"
    assert row.loc["2025-01-29", "spring_festival_phase"] == "during"
    assert row.loc["2025-02-11", "spring_festival_phase"] == "after"
    assert row.loc["2025-02-12", "spring_festival_phase"] is None
    assert row.loc["2025-03-06", "promotion_campaign_count"] == 1
    assert row.loc["2025-10-01", "public_holiday_name"] == "National Day"


def test_calendar_design_builds_one_column_per_driver():
    frame = forecast_calendar(date(2024, 1, 1), date(2025, 12, 31), 30, HOLIDAYS)
    design = calendar_design(frame, fourier_order=2)
    names = design.feature_names
    assert names[:2] == ("intercept", "trend_years")
    assert {"weekday_2", "weekday_7", "year_sin_2", "spring_festival_during", "festival_618"} <= set(names)
    assert {"festival_Double 11", "run_up_Double 11", "public_holiday", "promotion_campaigns"} <= set(names)
    assert design.matrix.shape == (len(frame), len(names))
    assert design.history.shape[0] == 731 and design.future.shape[0] == 30
    assert design.history_end == np.datetime64("2025-12-31")
    monday = design.matrix[frame["weekday_number"].to_numpy() == 1]
    assert monday[:, names.index("weekday_2") : names.index("weekday_7") + 1].sum() == 0

    with pytest.raises(ValueError, match="one row per day"):
        calendar_design(frame.drop(index=5))


# --- models -----------------------------------------------------------------------------------


def test_poisson_regression_recovers_planted_coefficients():
    rng = np.random.default_rng(1)
    x = np.column_stack([np.ones(400), rng.normal(size=400), rng.integers(0, 2, 400)])
    truth = np.array([[np.log(50.0), np.log(200.0)], [0.3, -0.2], [0.7, 0.0]])
    y = np.exp(x @ truth)  # noise free
    np.testing.assert_allclose(fit_poisson_regression(y, x, ridge=0.0), truth, atol=1e-6)


def test_calendar_regression_handles_empty_series_and_never_goes_negative():
    frame = forecast_calendar(date(2024, 1, 1), date(2025, 6, 30), 14, HOLIDAYS)
    design = calendar_design(frame)
    history = np.zeros((design.history.shape[0], 2))
    history[:, 1] = np.arange(len(history)) % 7  # weekly pattern with zero days
    result = calendar_regression_forecast(history, design.history, design.future, ForecastConfig())
    assert result.mean.shape == (14, 2)
    np.testing.assert_allclose(result.mean[:, 0], 0.0, atol=1e-6)
    for level in (80, 95):
        assert np.all(result.lower[level] >= 0) and np.all(result.lower[level] <= result.upper[level])
    assert np.all(result.lower[95] <= result.lower[80]) and np.all(result.upper[80] <= result.upper[95])


def test_backtest_cutoffs_tile_the_most_recent_days_and_hold_out_the_latest():
    config = ForecastConfig(
        selection_cutoffs=3, evaluation_cutoffs=2, backtest_horizon_days=28, min_history_days=56
    )
    s, e = SELECTION, EVALUATION
    assert backtest_cutoffs(300, config) == [
        Cutoff(160, s),
        Cutoff(188, s),
        Cutoff(216, s),
        Cutoff(244, e),
        Cutoff(272, e),
    ]
    # A cutoff needs min_history_days before it: the oldest go first, at most half are held out.
    assert backtest_cutoffs(180, config) == [Cutoff(68, s), Cutoff(96, s), Cutoff(124, e), Cutoff(152, e)]
    assert backtest_cutoffs(150, config) == [Cutoff(66, s), Cutoff(94, s), Cutoff(122, e)]
    assert backtest_cutoffs(100, config) == [Cutoff(72, s)]
    assert backtest_cutoffs(80, config) == []
    assert [c.role for c in backtest_cutoffs(300, ForecastConfig(evaluation_cutoffs=0))] == [s] * 3


def test_forecast_config_rejects_settings_that_cannot_work():
    with pytest.raises(ValueError, match="models"):
        ForecastConfig(models=("prophet",))
    with pytest.raises(ValueError, match="selection_cutoffs"):
        ForecastConfig(selection_cutoffs=0)
    with pytest.raises(ValueError, match="one season"):
        ForecastConfig(min_forecast_history_days=3)


def test_choose_models_takes_the_lowest_mean_mase_and_breaks_ties_by_order():
    backtest = pd.DataFrame(
        {
            "series_id": ["a"] * 4 + ["b"] * 4 + ["c"] * 2,
            "model_name": ["seasonal_naive", "seasonal_naive", "auto_ets", "auto_ets"] * 2
            + ["seasonal_naive", "auto_ets"],
            "cutoff_role": SELECTION,
            "mase": [1.0, 1.0, 0.5, 2.0, 0.8, 0.8, 0.8, 0.8, np.nan, np.nan],
        }
    )
    # a: naive 1.0 vs ets 1.25; b: tie -> the model listed first; c: nothing defined -> first.
    assert choose_models(backtest, MODEL_NAMES) == {
        "a": "seasonal_naive",
        "b": "seasonal_naive",
        "c": "seasonal_naive",
    }
    backtest.loc[9, "mase"] = 3.0
    assert choose_models(backtest, MODEL_NAMES)["c"] == "auto_ets"


def test_choose_models_ignores_the_held_out_evaluation_cutoffs():
    # Regression test: the model was chosen on the very windows whose accuracy was then reported.
    # auto_ets wins the selection window; the regression only wins the held-out one.
    backtest = pd.DataFrame(
        {
            "series_id": "a",
            "model_name": ["auto_ets", "calendar_regression"] * 2,
            "cutoff_role": [SELECTION, SELECTION, EVALUATION, EVALUATION],
            "mase": [0.9, 1.0, 0.8, 0.1],
        }
    )
    assert choose_models(backtest, MODEL_NAMES) == {"a": "auto_ets"}


def test_held_out_mase_reports_the_chosen_model_on_evaluation_cutoffs_only():
    backtest = pd.DataFrame(
        {
            "series_id": "a",
            "model_name": ["seasonal_naive", "auto_ets"] * 3,
            "cutoff_role": [SELECTION] * 2 + [EVALUATION] * 4,
            "is_chosen": [False, True] * 3,
            "mase": [1.0, 0.1, 1.2, 0.7, 1.4, 0.9],
        }
    )
    result = held_out_mase(backtest).set_index("series_id").loc["a"]
    assert result["model_name"] == "auto_ets"
    assert result["chosen_mase"] == pytest.approx(0.8) and result["baseline_mase"] == pytest.approx(1.3)


# --- the pipeline on planted demand -----------------------------------------------------------


def _planted_sales(seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Daily sales of 2 regions x 2 categories from the generator's demand calendar, with noise."""
    rng = np.random.default_rng(seed)
    campaigns = demand.build_campaigns(START, END, rng)
    days = day_array(START, END)
    intensity = demand.demand_intensity(days, START, campaigns)
    rows = []
    for region, region_size in (("east", 12.0), ("north", 5.0)):
        for category, order_value in (("Beauty", 80.0), ("Electronics", 400.0)):
            orders = rng.poisson(region_size * intensity)
            revenue = rng.gamma(np.maximum(orders, 1) * 2.0, order_value / 2.0) * (orders > 0)
            rows.append(
                pd.DataFrame(
                    {
                        "sales_date": days,
                        "region_code": region,
                        "category": category,
                        "net_revenue": revenue.round(2),
                        "units": orders,
                    }
                )
            )
    daily = pd.concat(rows, ignore_index=True)
    daily = daily[daily["units"] > 0]  # the intermediate only has days with sales
    promotions = [(c.start, c.end) for c in campaigns if c.campaign_type != "festival"]
    calendar = forecast_calendar(START, END, 90, HOLIDAYS, promotions)
    return daily, calendar


@pytest.fixture(scope="module")
def planted() -> dict[str, pd.DataFrame]:
    daily, calendar = _planted_sales()
    config = ForecastConfig()
    panel, design = prepare_inputs(daily, calendar, config)
    backtest = run_backtest(panel, design, config)
    forecast = forecast_panel(panel, design, chosen_models(backtest), config)
    return {"daily": daily, "calendar": calendar, "backtest": backtest, "forecast": forecast}


def test_chosen_models_beat_seasonal_naive_by_at_least_15_percent_mase_on_held_out_windows(planted):
    accuracy = held_out_mase(planted["backtest"])
    assert len(accuracy) == 9
    assert accuracy["chosen_mase"].mean() <= 0.85 * accuracy["baseline_mase"].mean(), accuracy


def test_backtest_has_a_row_per_series_model_and_cutoff_and_one_choice_per_series(planted):
    backtest = planted["backtest"]
    assert list(backtest.columns) == list(BACKTEST_COLUMNS)
    assert len(backtest) == 9 * len(MODEL_NAMES) * 5  # 4 series + 2 regions + 2 categories + total
    roles = backtest.groupby(pd.to_datetime(backtest["cutoff_date"]).dt.date)["cutoff_role"].unique()
    assert {day: list(role) for day, role in roles.items()} == {
        END - timedelta(days=140): [SELECTION],
        END - timedelta(days=112): [SELECTION],
        END - timedelta(days=84): [SELECTION],
        END - timedelta(days=56): [EVALUATION],
        END - timedelta(days=28): [EVALUATION],
    }
    chosen = backtest[backtest["is_chosen"]]
    assert chosen.groupby("series_id")["model_name"].nunique().eq(1).all()
    assert chosen.groupby("series_id").size().eq(5).all()
    # The choice is the lowest mean MASE over the selection cutoffs alone.
    selection = backtest[backtest["cutoff_role"] == SELECTION]
    best = selection.groupby(["series_id", "model_name"])["mase"].mean().groupby("series_id").idxmin()
    assert chosen_models(backtest) == dict(best.tolist())
    assert backtest["interval_coverage_80"].between(0, 1).all()


def test_forecast_covers_the_horizon_with_ordered_intervals_and_the_festival_trough(planted):
    forecast = planted["forecast"]
    assert list(forecast.columns) == list(FORECAST_COLUMNS)
    assert forecast.groupby("series_id").size().eq(90).all()
    assert pd.to_datetime(forecast["forecast_date"]).min() == pd.Timestamp("2026-01-01")
    assert (forecast["revenue_lo_95"] <= forecast["revenue_lo_80"]).all()
    assert (forecast["revenue_hi_80"] <= forecast["revenue_hi_95"]).all()
    assert (forecast["forecast_revenue"] >= 0).all() and (forecast["forecast_units"] >= 0).all()

    total = forecast[forecast["series_id"] == "all|all"]
    total = total.set_index(pd.to_datetime(total["forecast_date"]))
    assert (total["model_name"] == "calendar_regression").all()
    # Spring Festival 2026-02-17: the planted trough (x0.35 for a fortnight) shows against March.
    trough = total.loc["2026-02-12":"2026-02-22", "forecast_revenue"].mean()
    normal = total.loc["2026-03-02":"2026-03-15", "forecast_revenue"].mean()
    assert trough < 0.6 * normal


def test_forecast_vs_target_adds_actuals_and_forecast_and_compares_with_quotas():
    forecast = pd.DataFrame(
        {
            "series_level": ["region"] * 3 + ["total"] * 3 + ["region_category"],
            "region_code": ["east"] * 3 + ["all"] * 3 + ["east"],
            "forecast_date": pd.to_datetime(["2025-01-30", "2025-01-31", "2025-02-01"] * 2 + ["2025-01-30"]),
            "forecast_revenue": [10.0, 20.0, 5.0, 30.0, 40.0, 7.0, 999.0],
        }
    )
    daily = pd.DataFrame(
        {
            "sales_date": pd.to_datetime(["2025-01-01", "2025-01-29", "2025-01-15", "2024-12-31"]),
            "region_code": ["east", "east", "north", "east"],
            "category": ["Beauty", "Apparel", "Beauty", "Beauty"],
            "net_revenue": [100.0, 50.0, 70.0, 1000.0],
        }
    )
    targets = pd.DataFrame(
        {
            "region_code": ["east", "north", "east"],
            "target_month": pd.to_datetime(["2025-01-01", "2025-01-01", "2025-02-01"]),
            "revenue_target": [200.0, 100.0, 80.0],
        }
    )
    result = forecast_vs_target(forecast, daily, targets)
    assert list(result.columns) == list(FORECAST_VS_TARGET_COLUMNS)
    # February is not covered to its end: only January is compared.
    assert list(result["target_month"]) == [pd.Timestamp("2025-01-01")] * 2
    east = result.set_index("region_code").loc["east"]
    assert east["actual_revenue"] == 150.0 and east["forecast_revenue"] == 30.0
    assert east["expected_revenue"] == 180.0 and east["revenue_target"] == 200.0
    assert east["expected_attainment"] == pytest.approx(0.9) and east["revenue_gap_to_target"] == 20.0
    assert (east["actual_days"], east["forecast_days"], east["days_in_month"]) == (29, 2, 31)
    company = result.set_index("region_code").loc["all"]
    assert company["expected_revenue"] == 100.0 + 50.0 + 70.0 + 70.0
    assert company["revenue_target"] == 300.0 and bool(company["is_total"])

    no_quota = forecast_vs_target(forecast, daily, targets.iloc[:0])
    assert not no_quota["has_target"].any() and no_quota["expected_attainment"].isna().all()


# --- dbt wiring -------------------------------------------------------------------------------


def test_python_model_yaml_documents_every_column_with_the_type_the_model_casts_to():
    properties = yaml.safe_load(
        (ROOT / "python_models" / "forecasting" / "_forecasting__models.yml").read_text()
    )
    models = {model["name"]: model for model in properties["models"]}
    expected = {
        "forecast_backtest": BACKTEST_COLUMNS,
        "sales_forecast": FORECAST_COLUMNS,
        "forecast_vs_target": FORECAST_VS_TARGET_COLUMNS,
    }
    for name, columns in expected.items():
        model = models[name]
        assert "one row per" in model["description"].lower()
        assert model["config"]["group"] == "sales_performance" and model["config"]["access"] == "public"
        documented = {column["name"]: column["data_type"].replace(" ", "") for column in model["columns"]}
        assert documented == {column: sql_type.replace(" ", "") for column, sql_type in columns.items()}
        assert all(column.get("description") for column in model["columns"])
    assert "enable_sales_team" in models["forecast_vs_target"]["config"]["enabled"]
    role = next(
        column for column in models["forecast_backtest"]["columns"] if column["name"] == "cutoff_role"
    )
    accepted = next(
        test for test in role["data_tests"] if isinstance(test, dict) and "accepted_values" in test
    )
    assert accepted["accepted_values"]["arguments"]["values"] == [SELECTION, EVALUATION]


def test_reported_forecast_error_uses_the_held_out_cutoffs_only():
    semantic = yaml.safe_load(
        (ROOT / "python_models" / "forecasting" / "_forecasting__semantic.yml").read_text()
    )
    accuracy = next(model for model in semantic["semantic_models"] if model["name"] == "forecast_accuracy")
    measures = {measure["name"]: measure["expr"] for measure in accuracy["measures"]}
    for name in ("chosen_mase", "chosen_smape"):
        assert "is_chosen" in measures[name] and f"cutoff_role = '{EVALUATION}'" in measures[name], name


def test_typed_projection_casts_every_column_in_order():
    assert typed_projection({"a": "date", "b": "decimal(18,2)"}) == (
        'cast("a" as date) as "a", cast("b" as decimal(18,2)) as "b"'
    )
