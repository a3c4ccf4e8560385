"""Daily sales forecasts: candidate models, rolling-origin backtest, model choice, forecast vs quota.

Candidates, fitted to each series separately:

- ``seasonal_naive``: statsforecast SeasonalNaive(7), the baseline (next week = last week).
- ``auto_ets``: statsforecast AutoETS(season_length=7) on the trailing ``ets_window_days``, choosing
  additive or multiplicative errors with additive weekly seasonality and no trend (``model="ZNA"``).
  Over a 28-90 day horizon the slow growth is carried by the level. On the demo data the full
  search (``"ZZZ"``) took ten times as long per fit (0.135 s against 0.014 s) for a slightly worse
  backtest MASE (1.150 against 1.132); ETS is the pipeline's most expensive part.
- ``calendar_regression``: a log-link (quasi-)Poisson regression of the daily value on calendar
  drivers (trend, weekday, yearly Fourier terms, Spring Festival phases, 618 / Double 11 / Double 12
  days and run-ups, public holidays, planned promotion campaigns; see
  `forecast_series.calendar_design`), fitted by iteratively reweighted least squares for all series
  at once on the trailing ``regression_window_days``. Chosen over MSTL (slow, no festival
  drivers) and OLS on log1p (predicts the median: on sparse series it fell 16 % short of actual
  revenue, and summed forecasts must add up to expected revenue). Prediction intervals multiply
  the forecast by empirical quantiles of the in-sample ratio actual / fitted.

Every series gets the candidate with the lowest mean MASE over the backtest cutoffs. Revenue
decides; units are forecast with the model chosen for the series' revenue.

Everything runs in the calling thread, with BLAS limited to one thread: the matrices are small,
and on a busy two-core machine a second BLAS thread made the regression ten times slower.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from statsforecast.models import AutoETS, SeasonalNaive
from threadpoolctl import threadpool_limits

from sales_warehouse.forecast_metrics import interval_coverage, mae, mase, rmse, smape
from sales_warehouse.forecast_series import ALL, CalendarDesign, SeriesPanel, calendar_design, prepare_panel

FloatArray = npt.NDArray[np.float64]

MODEL_NAMES: tuple[str, ...] = ("seasonal_naive", "auto_ets", "calendar_regression")

# Column -> SQL type of the dbt Python models' outputs. The models cast to these types (pandas turns
# DATE into TIMESTAMP and DECIMAL into DOUBLE); tests check them against the models' YAML.
SERIES_COLUMNS: dict[str, str] = {
    "series_id": "varchar",
    "region_code": "varchar",
    "category": "varchar",
    "series_level": "varchar",
    "is_total": "boolean",
    "is_grand_total": "boolean",
}
BACKTEST_COLUMNS: dict[str, str] = {
    **SERIES_COLUMNS,
    "model_name": "varchar",
    "cutoff_date": "date",
    "horizon_days": "integer",
    "mae": "decimal(18,2)",
    "rmse": "decimal(18,2)",
    "smape": "double",
    "mase": "double",
    "interval_coverage_80": "double",
    "interval_coverage_95": "double",
    "is_chosen": "boolean",
}
FORECAST_COLUMNS: dict[str, str] = {
    **SERIES_COLUMNS,
    "forecast_date": "date",
    "horizon_day": "integer",
    "history_end_date": "date",
    "model_name": "varchar",
    "forecast_revenue": "decimal(18,2)",
    "revenue_lo_80": "decimal(18,2)",
    "revenue_hi_80": "decimal(18,2)",
    "revenue_lo_95": "decimal(18,2)",
    "revenue_hi_95": "decimal(18,2)",
    "forecast_units": "double",
}
FORECAST_VS_TARGET_COLUMNS: dict[str, str] = {
    "region_code": "varchar",
    "target_month": "date",
    "is_total": "boolean",
    "days_in_month": "integer",
    "actual_days": "integer",
    "forecast_days": "integer",
    "actual_revenue": "decimal(18,2)",
    "forecast_revenue": "decimal(18,2)",
    "expected_revenue": "decimal(18,2)",
    "revenue_target": "decimal(18,2)",
    "has_target": "boolean",
    "expected_attainment": "double",
    "revenue_gap_to_target": "decimal(18,2)",
}


@dataclass(frozen=True)
class ForecastConfig:
    season_length: int = 7
    levels: tuple[int, ...] = (80, 95)
    backtest_cutoffs: int = 3
    backtest_horizon_days: int = 28
    # Two years: every yearly driver (festivals, Spring Festival) is seen at least twice.
    regression_window_days: int = 730
    ridge: float = 1e-3
    fourier_order: int = 3
    ets_window_days: int = 365
    ets_model: str = "ZNA"
    # A backtest cutoff needs at least this much history before it.
    min_history_days: int = 56
    models: tuple[str, ...] = MODEL_NAMES


@dataclass(frozen=True)
class PanelForecast:
    """Point forecasts and interval bounds, each (horizon, series)."""

    mean: FloatArray
    lower: dict[int, FloatArray]
    upper: dict[int, FloatArray]


ModelFunction = Callable[[FloatArray, FloatArray, FloatArray, ForecastConfig], PanelForecast]


def _clipped(mean: FloatArray, lower: dict[int, FloatArray], upper: dict[int, FloatArray]) -> PanelForecast:
    # Sales are never negative: additive intervals can cross zero, their bounds cannot.
    return PanelForecast(
        np.maximum(mean, 0.0),
        {level: np.maximum(bound, 0.0) for level, bound in lower.items()},
        {level: np.maximum(bound, 0.0) for level, bound in upper.items()},
    )


def _per_series(
    history: FloatArray,
    horizon: int,
    levels: Sequence[int],
    forecast_one: Callable[[FloatArray], dict[str, FloatArray]],
) -> PanelForecast:
    n_series = history.shape[1]
    mean = np.empty((horizon, n_series))
    lower = {level: np.empty((horizon, n_series)) for level in levels}
    upper = {level: np.empty((horizon, n_series)) for level in levels}
    for column in range(n_series):
        result = forecast_one(np.ascontiguousarray(history[:, column]))
        mean[:, column] = result["mean"]
        for level in levels:
            lower[level][:, column] = result[f"lo-{level}"]
            upper[level][:, column] = result[f"hi-{level}"]
    return _clipped(mean, lower, upper)


def seasonal_naive_forecast(
    history: FloatArray, design_history: FloatArray, design_future: FloatArray, config: ForecastConfig
) -> PanelForecast:
    """statsforecast SeasonalNaive: each future day repeats the same weekday of the last week."""
    horizon = len(design_future)
    window = history[-config.regression_window_days :]
    model = SeasonalNaive(season_length=config.season_length)
    return _per_series(
        window,
        horizon,
        config.levels,
        lambda y: model.forecast(y=y, h=horizon, level=list(config.levels)),
    )


def auto_ets_forecast(
    history: FloatArray, design_history: FloatArray, design_future: FloatArray, config: ForecastConfig
) -> PanelForecast:
    """statsforecast AutoETS on the trailing window; seasonal naive where ETS cannot fit."""
    horizon = len(design_future)
    window = history[-config.ets_window_days :]
    fallback = SeasonalNaive(season_length=config.season_length)

    def forecast_one(y: FloatArray) -> dict[str, FloatArray]:
        try:
            model = AutoETS(season_length=config.season_length, model=config.ets_model)
            return model.forecast(y=y, h=horizon, level=list(config.levels))
        except (ValueError, np.linalg.LinAlgError):
            return fallback.forecast(y=y, h=horizon, level=list(config.levels))

    return _per_series(window, horizon, config.levels, forecast_one)


def fit_poisson_regression(
    y: FloatArray, x: FloatArray, ridge: float = 1e-3, max_iterations: int = 50, tolerance: float = 1e-7
) -> FloatArray:
    """Coefficients (features, series) of log E[y] = x @ b for every column of y at once.

    Iteratively reweighted least squares of the Poisson log-likelihood, which only needs y >= 0
    (quasi-Poisson: revenue need not be a count). Each series is divided by its mean first, so one
    ridge penalty (on every coefficient but the first, the intercept) fits all series; it keeps
    coefficients finite for drivers that never occur, or only on zero days, in the window. The
    returned coefficients are for the original scale.
    """
    n_features = x.shape[1]
    level = y.mean(axis=0)
    scale = np.where(level > 0, level, 1.0)
    scaled = y / scale
    penalty = np.eye(n_features) * ridge * len(y)
    penalty[0, 0] = 0.0
    n_series = y.shape[1]
    # x' W x for every series in one matrix product: weights (series, days) @ outer (days, f * f).
    outer = (x[:, :, None] * x[:, None, :]).reshape(len(x), n_features * n_features)
    coefficients = np.zeros((n_features, n_series))
    for _ in range(max_iterations):
        eta = np.clip(x @ coefficients, -30.0, 30.0)
        mu = np.exp(eta)
        working = eta + (scaled - mu) / mu
        gram = (mu.T @ outer).reshape(n_series, n_features, n_features) + penalty
        rhs = (mu * working).T @ x
        updated = np.linalg.solve(gram, rhs[:, :, None])[:, :, 0].T
        change = np.max(np.abs(updated - coefficients)) if updated.size else 0.0
        coefficients = updated
        if change < tolerance:
            break
    coefficients[0] += np.log(scale)
    return coefficients


def calendar_regression_forecast(
    history: FloatArray, design_history: FloatArray, design_future: FloatArray, config: ForecastConfig
) -> PanelForecast:
    """Poisson regression on calendar drivers; intervals from in-sample actual / fitted ratios."""
    window = config.regression_window_days
    y = np.maximum(history[-window:], 0.0)
    x = design_history[-window:]
    coefficients = fit_poisson_regression(y, x, config.ridge)
    fitted = np.exp(np.clip(x @ coefficients, -50.0, 50.0))
    mean = np.exp(np.clip(design_future @ coefficients, -50.0, 50.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(fitted > 1e-9, y / fitted, np.nan)
    # A series without sales has no ratio at all: its (zero) forecast gets zero-width intervals.
    ratio[:, ~np.isfinite(ratio).any(axis=0)] = 0.0
    lower: dict[int, FloatArray] = {}
    upper: dict[int, FloatArray] = {}
    for level in config.levels:
        tail = (1 - level / 100) / 2
        low, high = np.nanquantile(ratio, [tail, 1 - tail], axis=0) if len(ratio) else (0.0, 0.0)
        lower[level] = mean * np.nan_to_num(low)
        upper[level] = mean * np.nan_to_num(high)
    return _clipped(mean, lower, upper)


MODEL_FUNCTIONS: dict[str, ModelFunction] = {
    "seasonal_naive": seasonal_naive_forecast,
    "auto_ets": auto_ets_forecast,
    "calendar_regression": calendar_regression_forecast,
}


def prepare_inputs(
    daily: pd.DataFrame, calendar: pd.DataFrame, config: ForecastConfig = ForecastConfig()
) -> tuple[SeriesPanel, CalendarDesign]:
    """The series (history days of the calendar, zero-filled, with totals) and the driver matrix."""
    design = calendar_design(calendar, config.fourier_order)
    history_dates = design.dates[design.is_history]
    if len(history_dates) == 0:
        raise ValueError("the forecasting calendar has no history days")
    start = history_dates[0].astype(object)
    end = history_dates[-1].astype(object)
    return prepare_panel(daily, start, end), design


def backtest_origins(n_days: int, config: ForecastConfig) -> list[int]:
    """Training lengths of the rolling-origin cutoffs, oldest first; each test window follows."""
    horizon = config.backtest_horizon_days
    origins = [n_days - step * horizon for step in range(config.backtest_cutoffs, 0, -1)]
    return [origin for origin in origins if origin >= config.min_history_days]


def _series_rows(panel: SeriesPanel) -> pd.DataFrame:
    return panel.series.loc[:, list(SERIES_COLUMNS)].reset_index(drop=True)


def run_backtest(panel: SeriesPanel, design: CalendarDesign, config: ForecastConfig) -> pd.DataFrame:
    """One row per series x model x cutoff with the revenue accuracy of a backtest-horizon forecast.

    Rolling origin: cutoffs ``backtest_horizon_days`` apart, the last one a horizon before the end
    of history, so the test windows tile the most recent days. MASE divides by the in-sample
    seasonal naive MAE over the regression window before the cutoff. `is_chosen` marks every row
    of the model chosen for the series (`choose_models`).
    """
    x_history = design.history
    if len(x_history) != len(panel.dates):
        raise ValueError("the series and the calendar history cover different days")
    with threadpool_limits(limits=1, user_api="blas"):
        return _run_backtest(panel, x_history, config)


def _run_backtest(panel: SeriesPanel, x_history: FloatArray, config: ForecastConfig) -> pd.DataFrame:
    horizon = config.backtest_horizon_days
    parts: list[pd.DataFrame] = []
    for origin in backtest_origins(len(panel.dates), config):
        history = panel.revenue[:origin]
        actual = panel.revenue[origin : origin + horizon]
        scale_history = history[-config.regression_window_days :]
        for name in config.models:
            result = MODEL_FUNCTIONS[name](
                history, x_history[:origin], x_history[origin : origin + horizon], config
            )
            part = _series_rows(panel)
            part["model_name"] = name
            part["cutoff_date"] = panel.dates[origin - 1]
            part["horizon_days"] = horizon
            part["mae"] = mae(actual, result.mean)
            part["rmse"] = rmse(actual, result.mean)
            part["smape"] = smape(actual, result.mean)
            part["mase"] = mase(actual, result.mean, scale_history, config.season_length)
            for level in config.levels:
                part[f"interval_coverage_{level}"] = interval_coverage(
                    actual, result.lower[level], result.upper[level]
                )
            parts.append(part)
    if not parts:
        columns = [*BACKTEST_COLUMNS]
        return pd.DataFrame(columns=columns)
    backtest = pd.concat(parts, ignore_index=True)
    chosen = choose_models(backtest, config.models)
    backtest["is_chosen"] = backtest["model_name"].to_numpy() == backtest["series_id"].map(chosen).to_numpy()
    return backtest


def choose_models(backtest: pd.DataFrame, models: Sequence[str] = MODEL_NAMES) -> dict[str, str]:
    """Per series, the model with the lowest mean MASE over the cutoffs.

    Ties go to the model listed first (the simpler one); a model whose MASE is undefined at every
    cutoff (flat history) never wins over one with a value, and a series without any MASE gets the
    first model.
    """
    order = {name: position for position, name in enumerate(models)}
    scores = backtest.groupby(["series_id", "model_name"], sort=False)["mase"].mean().reset_index()
    scores["score"] = scores["mase"].fillna(np.inf)
    scores["order"] = scores["model_name"].map(order)
    best = scores.sort_values(["series_id", "score", "order"]).drop_duplicates("series_id")
    return dict(zip(best["series_id"], best["model_name"], strict=True))


def chosen_models(backtest: pd.DataFrame) -> dict[str, str]:
    """series_id -> model_name from the rows of forecast_backtest flagged is_chosen."""
    chosen = backtest.loc[backtest["is_chosen"].astype(bool), ["series_id", "model_name"]].drop_duplicates()
    return dict(zip(chosen["series_id"], chosen["model_name"], strict=True))


def forecast_panel(
    panel: SeriesPanel,
    design: CalendarDesign,
    chosen: Mapping[str, str],
    config: ForecastConfig,
) -> pd.DataFrame:
    """One row per series x horizon day: revenue (point and intervals) and units, chosen model.

    A series without a choice (too little history for a backtest) uses the first model.
    """
    with threadpool_limits(limits=1, user_api="blas"):
        return _forecast_panel(panel, design, chosen, config)


def _forecast_panel(
    panel: SeriesPanel, design: CalendarDesign, chosen: Mapping[str, str], config: ForecastConfig
) -> pd.DataFrame:
    x_history, x_future = design.history, design.future
    horizon = len(x_future)
    future_dates = design.dates[~design.is_history]
    parts: list[pd.DataFrame] = []
    for name in config.models:
        columns = [
            index
            for index, identifier in enumerate(panel.series_ids)
            if chosen.get(identifier, config.models[0]) == name
        ]
        if not columns or horizon == 0:
            continue
        selected = panel.select(columns)
        revenue = MODEL_FUNCTIONS[name](selected.revenue, x_history, x_future, config)
        units = MODEL_FUNCTIONS[name](selected.units, x_history, x_future, config)
        part = _series_rows(selected).loc[np.repeat(np.arange(len(columns)), horizon)].reset_index(drop=True)
        part["forecast_date"] = np.tile(future_dates, len(columns))
        part["horizon_day"] = np.tile(np.arange(1, horizon + 1), len(columns))
        part["history_end_date"] = design.history_end
        part["model_name"] = name
        # Arrays are (day, series); flattening in column order matches the repeated series rows.
        part["forecast_revenue"] = revenue.mean.ravel(order="F")
        for level in config.levels:
            part[f"revenue_lo_{level}"] = revenue.lower[level].ravel(order="F")
            part[f"revenue_hi_{level}"] = revenue.upper[level].ravel(order="F")
        part["forecast_units"] = units.mean.ravel(order="F")
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=[*FORECAST_COLUMNS])
    return pd.concat(parts, ignore_index=True).sort_values(["series_id", "forecast_date"], ignore_index=True)


def forecast_vs_target(forecast: pd.DataFrame, daily: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """Expected revenue (actual so far + forecast) against the revenue quota, by region and month.

    Months run from the one holding the first forecast day to the last one the forecast covers to
    its end. A region's forecast is its region-total series; region 'all' is the company total
    series against the sum of all quotas. `targets` has region_code, target_month and
    revenue_target (monthly quotas already added up to regions); a month without a quota has a
    null target, attainment and gap. The gap is target minus expected revenue: positive means the
    region is expected to fall short.
    """
    columns = [*FORECAST_VS_TARGET_COLUMNS]
    region_forecast = forecast[forecast["series_level"].isin(["region", "total"])]
    if region_forecast.empty:
        return pd.DataFrame(columns=columns)
    forecast_dates = pd.to_datetime(region_forecast["forecast_date"])
    first_day, last_day = forecast_dates.min(), forecast_dates.max()
    first_month = first_day.to_period("M")
    last_month = (last_day + pd.Timedelta(days=1)).to_period("M") - 1
    months = pd.period_range(first_month, last_month, freq="M")
    if len(months) == 0:
        return pd.DataFrame(columns=columns)

    predicted = pd.DataFrame(
        {
            "region_code": region_forecast["region_code"].to_numpy(),
            "month": forecast_dates.dt.to_period("M").to_numpy(),
            "forecast_revenue": region_forecast["forecast_revenue"].astype(float).to_numpy(),
        }
    )
    predicted = predicted.groupby(["region_code", "month"], as_index=False).agg(
        forecast_revenue=("forecast_revenue", "sum"), forecast_days=("forecast_revenue", "size")
    )

    sales_dates = pd.to_datetime(daily["sales_date"])
    in_window = (sales_dates >= months[0].start_time) & (sales_dates < first_day)
    history = pd.DataFrame(
        {
            "region_code": daily.loc[in_window, "region_code"].to_numpy(),
            "sales_date": sales_dates[in_window].to_numpy(),
            "net_revenue": daily.loc[in_window, "net_revenue"].astype(float).to_numpy(),
        }
    )
    history = pd.concat([history, history.assign(region_code=ALL)], ignore_index=True)
    history["month"] = history["sales_date"].dt.to_period("M")
    actual = history.groupby(["region_code", "month"], as_index=False).agg(
        actual_revenue=("net_revenue", "sum")
    )

    quotas = pd.DataFrame(
        {
            "region_code": targets["region_code"].to_numpy(),
            "month": pd.to_datetime(targets["target_month"]).dt.to_period("M").to_numpy(),
            "revenue_target": targets["revenue_target"].astype(float).to_numpy(),
        }
    )
    quotas = pd.concat([quotas, quotas.assign(region_code=ALL)], ignore_index=True)
    quotas = quotas.groupby(["region_code", "month"], as_index=False)["revenue_target"].sum()

    regions = sorted(predicted["region_code"].unique())
    grid = pd.MultiIndex.from_product([regions, months], names=["region_code", "month"]).to_frame(index=False)
    result = (
        grid.merge(predicted, how="left", on=["region_code", "month"])
        .merge(actual, how="left", on=["region_code", "month"])
        .merge(quotas, how="left", on=["region_code", "month"])
    )
    result["target_month"] = result["month"].dt.start_time
    result["is_total"] = result["region_code"] == ALL
    result["days_in_month"] = result["month"].dt.days_in_month
    result["forecast_days"] = result["forecast_days"].fillna(0).astype(int)
    result["actual_days"] = result["days_in_month"] - result["forecast_days"]
    result["forecast_revenue"] = result["forecast_revenue"].fillna(0.0)
    result["actual_revenue"] = result["actual_revenue"].fillna(0.0)
    result["expected_revenue"] = result["actual_revenue"] + result["forecast_revenue"]
    result["has_target"] = result["revenue_target"].notna()
    target = result["revenue_target"]
    result["expected_attainment"] = np.where(target > 0, result["expected_revenue"] / target, np.nan)
    result["revenue_gap_to_target"] = target - result["expected_revenue"]
    return result.loc[:, columns].sort_values(["target_month", "region_code"], ignore_index=True)
