"""Daily revenue and units forecast per series with the model its backtest chose."""

from sales_warehouse.casting import typed_projection
from sales_warehouse.forecasting import (
    FORECAST_COLUMNS,
    ForecastConfig,
    chosen_models,
    forecast_panel,
    prepare_inputs,
)


def model(dbt, session):
    dbt.config(materialized="table")
    calendar = dbt.ref("int_forecast_calendar").df()
    daily = dbt.ref("int_forecast_daily_series").df()
    backtest = dbt.ref("forecast_backtest").df()

    config = ForecastConfig(
        selection_cutoffs=int(dbt.config.get("forecast_selection_cutoffs")),
        evaluation_cutoffs=int(dbt.config.get("forecast_evaluation_cutoffs")),
        backtest_horizon_days=int(dbt.config.get("forecast_backtest_horizon_days")),
    )
    panel, design = prepare_inputs(daily, calendar, config)
    forecast = forecast_panel(panel, design, chosen_models(backtest), config)

    # pandas hands back timestamps and doubles: cast to the documented types.
    return session.from_df(forecast).project(typed_projection(FORECAST_COLUMNS))
