"""Daily sales forecasts: candidate models, rolling-origin backtest, model choice, forecast vs quota.

Candidates, fitted to each series separately, listed simplest first:

- ``seasonal_naive``: statsforecast SeasonalNaive(7), the baseline (next week = last week).
- ``auto_ets``: statsforecast AutoETS(season_length=7) on the trailing ``ets_window_days``, choosing
  additive or multiplicative errors with additive weekly seasonality and no trend (``model="ZNA"``).
  Over a 28-90 day horizon the slow growth is carried by the level. On the demo data the full
  search (``"ZZZ"``) took ten times as long per fit (0.135 s against 0.014 s) for a slightly worse
  backtest MASE (1.150 against 1.132); ETS is the pipeline's most expensive part. Where ETS cannot
  fit (too short or degenerate a series), the series gets the seasonal naive forecast.
- ``calendar_regression``: a log-link (quasi-)Poisson regression of the daily value on calendar
  drivers (trend, weekday, yearly Fourier terms, Spring Festival phases, 618 / Double 11 / Double 12
  days and run-ups, public holidays, planned promotion campaigns; see
  `forecast_series.calendar_design`), fitted by iteratively reweighted least squares for all series
  at once on the trailing ``regression_window_days``. Chosen over MSTL (slow, no festival
  drivers) and OLS on log1p (predicts the median: on sparse series it fell 16 % short of actual
  revenue, and summed forecasts must add up to expected revenue). Prediction intervals multiply
  the forecast by empirical quantiles of the in-sample ratio actual / fitted. With less than
  ``yearly_min_history_days`` in its window the yearly terms are left out (they would extrapolate a
  season never seen).

Model choice and its accuracy come from different windows of a rolling-origin backtest: cutoffs
``backtest_horizon_days`` apart end a horizon before the end of history; the older
``selection_cutoffs`` choose each series' model (lowest mean MASE, ties to the simpler model), and
the most recent ``evaluation_cutoffs`` are held out: they only measure the chosen model, so the
accuracy reported for it is not flattered by the choice. Revenue decides; units are forecast with
the model chosen for the series' revenue.

Closed weekdays: a weekday on which a series sold nothing over the trailing
``closed_weekday_window_days`` (seen at least ``closed_weekday_min_weeks`` times) is a day the shop
does not trade; every model forecasts exactly zero for it, intervals included, and the regression
leaves those days out of its fit.

Too little data does not fail: a history shorter than the backtest needs gives an empty backtest
and seasonal naive forecasts, one shorter than ``min_forecast_history_days`` (or no series at all)
gives no forecast; each case logs its reason (logger ``sales_warehouse.forecasting``).

Everything runs in the calling thread, with BLAS limited to one thread: the matrices are small,
and on a busy two-core machine a second BLAS thread made the regression ten times slower.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd
from statsforecast.models import AutoETS, SeasonalNaive
from threadpoolctl import threadpool_limits

from sales_warehouse.forecast_metrics import interval_coverage, mae, mase, rmse, smape
from sales_warehouse.forecast_series import (
    ALL,
    CalendarDesign,
    DayArray,
    SeriesPanel,
    calendar_design,
    empty_panel,
    prepare_panel,
    weekday_index,
    yearly_columns,
)

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

MODEL_NAMES: tuple[str, ...] = ("seasonal_naive", "auto_ets", "calendar_regression")
SELECTION = "selection"
EVALUATION = "evaluation"
CUTOFF_ROLES: tuple[str, ...] = (SELECTION, EVALUATION)

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
    "cutoff_role": "varchar",
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


_PANDAS_TYPES: dict[str, str] = {
    "varchar": "object",
    "date": "datetime64[ns]",
    "integer": "int64",
    "boolean": "bool",
}


def empty_frame(columns: Mapping[str, str]) -> pd.DataFrame:
    """A frame without rows whose columns have dtypes matching their SQL types."""
    return pd.DataFrame(
        {name: pd.Series(dtype=_PANDAS_TYPES.get(sql_type, "float64")) for name, sql_type in columns.items()}
    )


@dataclass(frozen=True)
class ForecastConfig:
    """Settings of the forecast pipeline; the defaults are the ones the dbt models use."""

    season_length: int = 7
    levels: tuple[int, ...] = (80, 95)
    # Rolling-origin backtest: cutoffs backtest_horizon_days apart, the last one a horizon before
    # the end of history. The older selection_cutoffs choose each series' model; the most recent
    # evaluation_cutoffs are held out and only report the accuracy of that choice.
    selection_cutoffs: int = 3
    evaluation_cutoffs: int = 2
    backtest_horizon_days: int = 28
    # Two years: every yearly driver (festivals, Spring Festival) is seen at least twice.
    regression_window_days: int = 730
    ridge: float = 1e-3
    fourier_order: int = 3
    # With a shorter regression window the yearly Fourier terms are left out.
    yearly_min_history_days: int = 365
    ets_window_days: int = 365
    ets_model: str = "ZNA"
    # A backtest cutoff needs at least this much history before it.
    min_history_days: int = 56
    # With fewer history days (two weeks) there is no forecast at all.
    min_forecast_history_days: int = 14
    # A weekday without any sale in the trailing window, seen at least min_weeks times there, is
    # closed: forecast exactly zero.
    closed_weekday_window_days: int = 365
    closed_weekday_min_weeks: int = 4
    models: tuple[str, ...] = MODEL_NAMES

    def __post_init__(self) -> None:
        if not self.models or not set(self.models) <= set(MODEL_NAMES):
            raise ValueError(f"models must be a non-empty subset of {list(MODEL_NAMES)}, got {self.models}")
        if self.selection_cutoffs < 1 or self.evaluation_cutoffs < 0:
            raise ValueError("selection_cutoffs must be at least 1 and evaluation_cutoffs at least 0")
        if self.backtest_horizon_days < 1 or self.season_length < 1:
            raise ValueError("backtest_horizon_days and season_length must be at least 1")
        if self.min_forecast_history_days < self.season_length:
            raise ValueError("min_forecast_history_days must cover at least one season")


@dataclass(frozen=True)
class PanelForecast:
    """Point forecasts and interval bounds, each (horizon, series)."""

    mean: FloatArray
    lower: dict[int, FloatArray]
    upper: dict[int, FloatArray]


class ModelFunction(Protocol):
    """A candidate model: forecasts (horizon, series) from history (days, series) and drivers.

    `open_days` (days, series), when given, marks the history days that count: days of a closed
    weekday are False (models may ignore it; their forecasts for closed days are zeroed anyway).
    """

    def __call__(
        self,
        history: FloatArray,
        design_history: FloatArray,
        design_future: FloatArray,
        config: ForecastConfig,
        open_days: BoolArray | None = None,
    ) -> PanelForecast: ...


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
    history: FloatArray,
    design_history: FloatArray,
    design_future: FloatArray,
    config: ForecastConfig,
    open_days: BoolArray | None = None,
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
    history: FloatArray,
    design_history: FloatArray,
    design_future: FloatArray,
    config: ForecastConfig,
    open_days: BoolArray | None = None,
) -> PanelForecast:
    """statsforecast AutoETS on the trailing window; seasonal naive where ETS cannot fit."""
    horizon = len(design_future)
    window = history[-config.ets_window_days :]
    fallback = SeasonalNaive(season_length=config.season_length)

    def forecast_one(y: FloatArray) -> dict[str, FloatArray]:
        try:
            model = AutoETS(season_length=config.season_length, model=config.ets_model)
            # A degenerate fit divides by zero inside statsforecast; its output is checked below.
            with np.errstate(divide="ignore", invalid="ignore"):
                result = model.forecast(y=y, h=horizon, level=list(config.levels))
        # statsforecast raises a bare Exception ("no model able to be fitted") on short series.
        except Exception:
            result = None
        if result is None or not all(np.isfinite(values).all() for values in result.values()):
            return fallback.forecast(y=y, h=horizon, level=list(config.levels))
        return result

    return _per_series(window, horizon, config.levels, forecast_one)


def fit_poisson_regression(
    y: FloatArray,
    x: FloatArray,
    ridge: float = 1e-3,
    max_iterations: int = 50,
    tolerance: float = 1e-7,
    weights: FloatArray | None = None,
) -> FloatArray:
    """Coefficients (features, series) of log E[y] = x @ b for every column of y at once.

    Iteratively reweighted least squares of the Poisson log-likelihood, which only needs y >= 0
    (quasi-Poisson: revenue need not be a count). Each series is divided by its mean first, so one
    ridge penalty (on every coefficient but the first, the intercept) fits all series; it keeps
    coefficients finite for drivers that never occur, or only on zero days, in the window. The
    returned coefficients are for the original scale. `weights` (days, series), 0 or 1, leave
    days out of a series' fit; a series with no weight at all is fitted on every day.
    """
    n_features = x.shape[1]
    n_series = y.shape[1]
    weights = np.ones_like(y) if weights is None else np.where(weights.sum(axis=0) > 0, weights, 1.0)
    counted = weights.sum(axis=0)
    level = (weights * y).sum(axis=0) / np.where(counted > 0, counted, 1.0)
    scale = np.where(level > 0, level, 1.0)
    scaled = y / scale
    penalty = np.eye(n_features) * ridge * len(y)
    penalty[0, 0] = 0.0
    # x' W x for every series in one matrix product: weights (series, days) @ outer (days, f * f).
    outer = (x[:, :, None] * x[:, None, :]).reshape(len(x), n_features * n_features)
    coefficients = np.zeros((n_features, n_series))
    for _ in range(max_iterations):
        eta = np.clip(x @ coefficients, -30.0, 30.0)
        mu = np.exp(eta)
        working = eta + (scaled - mu) / mu
        weighted = weights * mu
        gram = (weighted.T @ outer).reshape(n_series, n_features, n_features) + penalty
        rhs = (weighted * working).T @ x
        updated = np.linalg.solve(gram, rhs[:, :, None])[:, :, 0].T
        change = np.max(np.abs(updated - coefficients)) if updated.size else 0.0
        coefficients = updated
        if change < tolerance:
            break
    coefficients[0] += np.log(scale)
    return coefficients


def calendar_regression_forecast(
    history: FloatArray,
    design_history: FloatArray,
    design_future: FloatArray,
    config: ForecastConfig,
    open_days: BoolArray | None = None,
) -> PanelForecast:
    """Poisson regression on calendar drivers; intervals from in-sample actual / fitted ratios.

    Days outside `open_days` (closed weekdays) are left out of the fit and of the ratios. With a
    window shorter than `yearly_min_history_days` the yearly Fourier terms are set to zero, so
    the ridge drops them.
    """
    window = config.regression_window_days
    y = np.maximum(history[-window:], 0.0)
    x = design_history[-window:]
    future = design_future
    if len(y) < config.yearly_min_history_days:
        yearly = yearly_columns(config.fourier_order)
        x, future = x.copy(), future.copy()
        x[:, yearly] = 0.0
        future[:, yearly] = 0.0
    counted = np.ones(y.shape, dtype=bool) if open_days is None else open_days[-window:]
    coefficients = fit_poisson_regression(y, x, config.ridge, weights=counted.astype(np.float64))
    fitted = np.exp(np.clip(x @ coefficients, -50.0, 50.0))
    mean = np.exp(np.clip(future @ coefficients, -50.0, 50.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where((fitted > 1e-9) & counted, y / fitted, np.nan)
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


def closed_weekdays(sales: BoolArray, days: DayArray, config: ForecastConfig) -> BoolArray:
    """(7, series): True for a weekday (0 = Monday) on which the series never sold.

    `sales` (days, series) is True on days with a sale. Only the trailing
    `closed_weekday_window_days` count, and a weekday seen fewer than `closed_weekday_min_weeks`
    times there is never called closed (a short history proves nothing).
    """
    window = sales[-config.closed_weekday_window_days :]
    weekdays = weekday_index(days[-len(window) :]) if len(window) else np.zeros(0, dtype=np.int64)
    closed = np.zeros((7, sales.shape[1]), dtype=bool)
    for weekday in range(7):
        rows = window[weekdays == weekday]
        if len(rows) >= config.closed_weekday_min_weeks:
            closed[weekday] = ~rows.any(axis=0)
    return closed


def _zeroed(forecast: PanelForecast, closed_future: BoolArray) -> PanelForecast:
    def zero(values: FloatArray) -> FloatArray:
        return np.where(closed_future, 0.0, values)

    return PanelForecast(
        zero(forecast.mean),
        {level: zero(bound) for level, bound in forecast.lower.items()},
        {level: zero(bound) for level, bound in forecast.upper.items()},
    )


def run_model(
    name: str,
    history: FloatArray,
    sales: BoolArray,
    history_days: DayArray,
    future_days: DayArray,
    design_history: FloatArray,
    design_future: FloatArray,
    config: ForecastConfig,
) -> PanelForecast:
    """One candidate's forecast with the closed weekdays of each series (from `sales`) set to zero."""
    closed = closed_weekdays(sales, history_days, config)
    open_days = ~closed[weekday_index(history_days)]
    forecast = MODEL_FUNCTIONS[name](history, design_history, design_future, config, open_days)
    return _zeroed(forecast, closed[weekday_index(future_days)])


def prepare_inputs(
    daily: pd.DataFrame, calendar: pd.DataFrame, config: ForecastConfig = ForecastConfig()
) -> tuple[SeriesPanel, CalendarDesign]:
    """The series (history days of the calendar, zero-filled, with totals) and the driver matrix.

    A calendar without history days (no revenue at all) gives an empty panel, logged.
    """
    design = calendar_design(calendar, config.fourier_order)
    history_dates = design.dates[design.is_history]
    if len(history_dates) == 0:
        logger.warning(
            "forecast: the forecasting calendar has no history days (no revenue yet); nothing to forecast"
        )
        return empty_panel(), design
    start = history_dates[0].astype(object)
    end = history_dates[-1].astype(object)
    panel = prepare_panel(daily, start, end)
    if not panel.series_ids:
        logger.warning("forecast: no sales in the %d history days; nothing to forecast", len(history_dates))
    return panel, design


@dataclass(frozen=True)
class Cutoff:
    """A backtest cutoff: the model sees history[:origin] and forecasts the following horizon."""

    origin: int
    role: str


def backtest_cutoffs(n_days: int, config: ForecastConfig) -> list[Cutoff]:
    """The rolling-origin cutoffs, oldest first, with their role.

    `selection_cutoffs + evaluation_cutoffs` origins `backtest_horizon_days` apart, the last one a
    horizon before the end, so the test windows tile the most recent days; an origin needs
    `min_history_days` before it. The most recent `evaluation_cutoffs` are held out for
    evaluation, the older ones select. When history is too short for all of them, the oldest go
    first and at most half of those left are held out, so choice keeps at least one window.
    """
    horizon = config.backtest_horizon_days
    total = config.selection_cutoffs + config.evaluation_cutoffs
    origins = [n_days - step * horizon for step in range(total, 0, -1)]
    origins = [origin for origin in origins if origin >= config.min_history_days]
    available = len(origins)
    held_out = min(config.evaluation_cutoffs, max(available - config.selection_cutoffs, available // 2))
    return [
        Cutoff(origin, SELECTION if position < available - held_out else EVALUATION)
        for position, origin in enumerate(origins)
    ]


def _series_rows(panel: SeriesPanel) -> pd.DataFrame:
    return panel.series.loc[:, list(SERIES_COLUMNS)].reset_index(drop=True)


def _sales(panel: SeriesPanel) -> BoolArray:
    return (panel.revenue != 0) | (panel.units != 0)


def run_backtest(panel: SeriesPanel, design: CalendarDesign, config: ForecastConfig) -> pd.DataFrame:
    """One row per series x model x cutoff with the revenue accuracy of a backtest-horizon forecast.

    Cutoffs and their roles come from `backtest_cutoffs`. MASE divides by the in-sample seasonal
    naive MAE over the regression window before the cutoff. `is_chosen` marks every row (both
    roles) of the model chosen for the series on the selection cutoffs (`choose_models`). Too
    short a history gives an empty frame; the reason is logged.
    """
    x_history = design.history
    if len(x_history) != len(panel.dates):
        raise ValueError("the series and the calendar history cover different days")
    if not panel.series_ids:
        logger.warning("forecast backtest: no series to backtest")
        return empty_frame(BACKTEST_COLUMNS)
    cutoffs = backtest_cutoffs(len(panel.dates), config)
    needed = config.min_history_days + config.backtest_horizon_days
    if not cutoffs:
        logger.warning(
            "forecast backtest: %d history days, a backtest needs at least %d; no backtest, every "
            "series gets the %s forecast",
            len(panel.dates),
            needed,
            config.models[0],
        )
        return empty_frame(BACKTEST_COLUMNS)
    if not any(cutoff.role == EVALUATION for cutoff in cutoffs):
        logger.warning(
            "forecast backtest: %d history days allow only %d selection cutoff(s) and no held-out one "
            "(%d days needed); the chosen models' accuracy is not measured",
            len(panel.dates),
            len(cutoffs),
            needed + config.backtest_horizon_days,
        )
    with threadpool_limits(limits=1, user_api="blas"):
        return _run_backtest(panel, x_history, cutoffs, config)


def _run_backtest(
    panel: SeriesPanel, x_history: FloatArray, cutoffs: Sequence[Cutoff], config: ForecastConfig
) -> pd.DataFrame:
    horizon = config.backtest_horizon_days
    sales = _sales(panel)
    parts: list[pd.DataFrame] = []
    for cutoff in cutoffs:
        origin = cutoff.origin
        history = panel.revenue[:origin]
        actual = panel.revenue[origin : origin + horizon]
        scale_history = history[-config.regression_window_days :]
        for name in config.models:
            result = run_model(
                name,
                history,
                sales[:origin],
                panel.dates[:origin],
                panel.dates[origin : origin + horizon],
                x_history[:origin],
                x_history[origin : origin + horizon],
                config,
            )
            part = _series_rows(panel)
            part["model_name"] = name
            part["cutoff_date"] = panel.dates[origin - 1]
            part["cutoff_role"] = cutoff.role
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
    backtest = pd.concat(parts, ignore_index=True)
    chosen = choose_models(backtest, config.models)
    backtest["is_chosen"] = backtest["model_name"].to_numpy() == backtest["series_id"].map(chosen).to_numpy()
    return backtest.loc[:, list(BACKTEST_COLUMNS)]


def choose_models(backtest: pd.DataFrame, models: Sequence[str] = MODEL_NAMES) -> dict[str, str]:
    """Per series, the model with the lowest mean MASE over the selection cutoffs.

    Rows of evaluation cutoffs are ignored: they are held out to measure the choice. Ties go to
    the model listed first (the simpler one); a model whose MASE is undefined at every selection
    cutoff (flat history) never wins over one with a value, and a series without any MASE gets
    the first model.
    """
    order = {name: position for position, name in enumerate(models)}
    selection = backtest[backtest["cutoff_role"] == SELECTION]
    scores = selection.groupby(["series_id", "model_name"], sort=False)["mase"].mean().reset_index()
    scores["score"] = scores["mase"].fillna(np.inf)
    scores["order"] = scores["model_name"].map(order)
    best = scores.sort_values(["series_id", "score", "order"]).drop_duplicates("series_id")
    return dict(zip(best["series_id"], best["model_name"], strict=True))


def chosen_models(backtest: pd.DataFrame) -> dict[str, str]:
    """series_id -> model_name from the rows of forecast_backtest flagged is_chosen."""
    chosen = backtest.loc[backtest["is_chosen"].astype(bool), ["series_id", "model_name"]].drop_duplicates()
    return dict(zip(chosen["series_id"], chosen["model_name"], strict=True))


def held_out_mase(backtest: pd.DataFrame, baseline: str = "seasonal_naive") -> pd.DataFrame:
    """Per series, mean MASE on the evaluation (held-out) cutoffs of the chosen model and the baseline.

    Columns series_id, model_name (the chosen one), chosen_mase and baseline_mase; series without
    an evaluation cutoff are left out. This is the accuracy to report for the forecast in use.
    """
    held_out = backtest[backtest["cutoff_role"] == EVALUATION]
    chosen = held_out[held_out["is_chosen"].astype(bool)]
    result = chosen.groupby("series_id", as_index=False).agg(
        model_name=("model_name", "first"), chosen_mase=("mase", "mean")
    )
    naive = held_out[held_out["model_name"] == baseline].groupby("series_id")["mase"].mean()
    result["baseline_mase"] = result["series_id"].map(naive)
    return result


def forecast_panel(
    panel: SeriesPanel,
    design: CalendarDesign,
    chosen: Mapping[str, str],
    config: ForecastConfig,
) -> pd.DataFrame:
    """One row per series x horizon day: revenue (point and intervals) and units, chosen model.

    A series without a choice (too little history for a backtest) uses the first model, seasonal
    naive by default. A history shorter than `min_forecast_history_days`, or no series, gives an
    empty frame. Both are logged.
    """
    if not panel.series_ids or len(design.future) == 0:
        logger.warning("forecast: no series or no forecast days; no forecast")
        return empty_frame(FORECAST_COLUMNS)
    if len(panel.dates) < config.min_forecast_history_days:
        logger.warning(
            "forecast: %d history days, a forecast needs at least %d; no forecast",
            len(panel.dates),
            config.min_forecast_history_days,
        )
        return empty_frame(FORECAST_COLUMNS)
    unchosen = [identifier for identifier in panel.series_ids if identifier not in chosen]
    if unchosen:
        logger.warning(
            "forecast: %d of %d series have no backtest choice (history too short); they use %s",
            len(unchosen),
            len(panel.series_ids),
            config.models[0],
        )
    with threadpool_limits(limits=1, user_api="blas"):
        return _forecast_panel(panel, design, chosen, config)


def _forecast_panel(
    panel: SeriesPanel, design: CalendarDesign, chosen: Mapping[str, str], config: ForecastConfig
) -> pd.DataFrame:
    x_history, x_future = design.history, design.future
    horizon = len(x_future)
    future_dates = design.dates[~design.is_history]
    sales = _sales(panel)
    parts: list[pd.DataFrame] = []
    for name in config.models:
        columns = [
            index
            for index, identifier in enumerate(panel.series_ids)
            if chosen.get(identifier, config.models[0]) == name
        ]
        if not columns:
            continue
        selected = panel.select(columns)
        revenue, units = (
            run_model(name, values, sales[:, columns], panel.dates, future_dates, x_history, x_future, config)
            for values in (selected.revenue, selected.units)
        )
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
        return empty_frame(FORECAST_VS_TARGET_COLUMNS)
    forecast_dates = pd.to_datetime(region_forecast["forecast_date"])
    first_day, last_day = forecast_dates.min(), forecast_dates.max()
    first_month = first_day.to_period("M")
    last_month = (last_day + pd.Timedelta(days=1)).to_period("M") - 1
    months = pd.period_range(first_month, last_month, freq="M")
    if len(months) == 0:
        return empty_frame(FORECAST_VS_TARGET_COLUMNS)

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
