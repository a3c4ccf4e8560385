"""Accuracy measures of the forecast backtest.

Every function takes arrays with time on axis 0: one series as shape (h,), or several side by side as
(h, series). The result has one value per series (a 0-d array for one series).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def _pair(actual: npt.ArrayLike, forecast: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    actual_array = np.asarray(actual, dtype=np.float64)
    forecast_array = np.asarray(forecast, dtype=np.float64)
    if actual_array.shape != forecast_array.shape:
        raise ValueError(f"shape mismatch: actual {actual_array.shape}, forecast {forecast_array.shape}")
    return actual_array, forecast_array


def mae(actual: npt.ArrayLike, forecast: npt.ArrayLike) -> FloatArray:
    """Mean absolute error."""
    actual_array, forecast_array = _pair(actual, forecast)
    return np.asarray(np.mean(np.abs(actual_array - forecast_array), axis=0))


def rmse(actual: npt.ArrayLike, forecast: npt.ArrayLike) -> FloatArray:
    """Root mean squared error."""
    actual_array, forecast_array = _pair(actual, forecast)
    return np.asarray(np.sqrt(np.mean((actual_array - forecast_array) ** 2, axis=0)))


def smape(actual: npt.ArrayLike, forecast: npt.ArrayLike) -> FloatArray:
    """Symmetric mean absolute percentage error as a fraction from 0 to 2.

    Each day counts 2|a - f| / (|a| + |f|); a day where both are zero is a perfect forecast (0),
    which matters for sparse series with many days without sales.
    """
    actual_array, forecast_array = _pair(actual, forecast)
    denominator = np.abs(actual_array) + np.abs(forecast_array)
    safe = np.where(denominator == 0, 1.0, denominator)
    terms = np.where(denominator == 0, 0.0, 2.0 * np.abs(actual_array - forecast_array) / safe)
    return np.asarray(np.mean(terms, axis=0))


def seasonal_naive_mae(history: npt.ArrayLike, season_length: int = 7) -> FloatArray:
    """In-sample MAE of the seasonal naive forecast (y[t] predicted by y[t - season_length]).

    The denominator of MASE. NaN when the history is not longer than one season.
    """
    history_array = np.asarray(history, dtype=np.float64)
    if history_array.shape[0] <= season_length:
        return np.full(history_array.shape[1:], np.nan)
    differences = history_array[season_length:] - history_array[:-season_length]
    return np.asarray(np.mean(np.abs(differences), axis=0))


def mase(
    actual: npt.ArrayLike, forecast: npt.ArrayLike, history: npt.ArrayLike, season_length: int = 7
) -> FloatArray:
    """Mean absolute scaled error: out-of-sample MAE over the in-sample seasonal naive MAE.

    Below 1 the forecast beats what seasonal naive achieved in sample. NaN for a flat history
    (scale zero), where the ratio is undefined.
    """
    scale = seasonal_naive_mae(history, season_length)
    error = mae(actual, forecast)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(np.where(scale > 0, error / np.where(scale > 0, scale, 1.0), np.nan))


def interval_coverage(actual: npt.ArrayLike, lower: npt.ArrayLike, upper: npt.ArrayLike) -> FloatArray:
    """Share of actual values inside [lower, upper], bounds included."""
    actual_array, lower_array = _pair(actual, lower)
    _, upper_array = _pair(actual, upper)
    inside = (actual_array >= lower_array) & (actual_array <= upper_array)
    return np.asarray(np.mean(inside, axis=0))
