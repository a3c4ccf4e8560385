"""Expected monthly revenue (actuals + forecast) against the regions' revenue quotas.

Enabled by var('enable_sales_team') through the YAML config: dbt reads dbt.config() of a Python
model statically, so a var cannot be used here.
"""

from sales_warehouse.casting import typed_projection
from sales_warehouse.forecasting import FORECAST_VS_TARGET_COLUMNS, forecast_vs_target


def model(dbt, session):
    dbt.config(materialized="table")
    forecast = dbt.ref("sales_forecast").df()
    daily = dbt.ref("int_forecast_daily_series").df()
    targets = dbt.ref("int_forecast_region_targets_monthly").df()

    comparison = forecast_vs_target(forecast, daily, targets)

    # pandas hands back timestamps and doubles: cast to the documented types.
    return session.from_df(comparison).project(typed_projection(FORECAST_VS_TARGET_COLUMNS))
