"""Rolling-origin backtest of every forecast candidate; the logic is sales_warehouse.forecasting."""

from sales_warehouse.casting import typed_projection
from sales_warehouse.forecasting import (
    BACKTEST_COLUMNS,
    ForecastConfig,
    prepare_inputs,
    run_backtest,
)


def model(dbt, session):
    dbt.config(materialized="table")
    calendar = dbt.ref("int_forecast_calendar").df()
    daily = dbt.ref("int_forecast_daily_series").df()

    config = ForecastConfig(
        selection_cutoffs=int(dbt.config.get("forecast_selection_cutoffs")),
        evaluation_cutoffs=int(dbt.config.get("forecast_evaluation_cutoffs")),
        backtest_horizon_days=int(dbt.config.get("forecast_backtest_horizon_days")),
    )
    panel, design = prepare_inputs(daily, calendar, config)
    backtest = run_backtest(panel, design, config)

    # pandas hands back timestamps and doubles: cast to the documented types.
    return session.from_df(backtest).project(typed_projection(BACKTEST_COLUMNS))
