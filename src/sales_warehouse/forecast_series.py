"""Inputs of the sales forecast: daily series on a full calendar, and the calendar's driver matrix.

`prepare_panel` turns sparse daily sales rows (days without sales are missing) into dense arrays of
one column per series, zero-filled, plus the total series. `calendar_design` turns the forecasting
calendar (int_forecast_calendar) into the regression's design matrix for history and horizon alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt
import pandas as pd

FloatArray = npt.NDArray[np.float64]
DayArray = npt.NDArray[np.datetime64]
IntArray = npt.NDArray[np.int64]

ALL = "all"
# Series levels, finest first: a region x category, a region over all categories, a category over
# all regions, and the company total.
SERIES_LEVELS: tuple[str, ...] = ("region_category", "region", "category", "total")
SPRING_FESTIVAL_PHASES: tuple[str, ...] = ("before", "during", "after")
DAYS_PER_YEAR = 365.25
# Leading columns of the design matrix: intercept, trend, six weekday dummies; the yearly Fourier
# terms follow (see `yearly_columns`).
LEADING_FEATURES = 8


def series_id(region_code: str, category: str) -> str:
    return f"{region_code}|{category}"


@dataclass(frozen=True)
class SeriesPanel:
    """Daily revenue and units of several series on one contiguous calendar.

    `series` has one row per column of `revenue` / `units`, in the same order, with series_id,
    region_code, category, series_level, is_total and is_grand_total.
    """

    dates: DayArray
    series: pd.DataFrame
    revenue: FloatArray
    units: FloatArray

    @property
    def series_ids(self) -> list[str]:
        return list(self.series["series_id"])

    def select(self, columns: Sequence[int]) -> SeriesPanel:
        index = list(columns)
        return SeriesPanel(
            self.dates,
            self.series.iloc[index].reset_index(drop=True),
            self.revenue[:, index],
            self.units[:, index],
        )


def day_array(start: date, end: date) -> DayArray:
    """Every day from start to end, both included."""
    return np.arange(np.datetime64(start, "D"), np.datetime64(end, "D") + 1)


def weekday_index(days: DayArray) -> IntArray:
    """Day of the week of each day, 0 = Monday to 6 = Sunday (1970-01-01 was a Thursday)."""
    return (np.asarray(days, dtype="datetime64[D]").astype(np.int64) + 3) % 7


def empty_panel() -> SeriesPanel:
    """A panel without days or series (no history to learn from)."""
    series = pd.DataFrame(
        {
            "series_id": pd.Series(dtype=object),
            "region_code": pd.Series(dtype=object),
            "category": pd.Series(dtype=object),
            "series_level": pd.Series(dtype=object),
            "is_total": pd.Series(dtype=bool),
            "is_grand_total": pd.Series(dtype=bool),
        }
    )
    return SeriesPanel(np.array([], dtype="datetime64[D]"), series, np.zeros((0, 0)), np.zeros((0, 0)))


def _series_frame(keys: Sequence[tuple[str, str]], level: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "series_id": [series_id(region, category) for region, category in keys],
            "region_code": [region for region, _ in keys],
            "category": [category for _, category in keys],
            "series_level": level,
            "is_total": level != "region_category",
            "is_grand_total": level == "total",
        }
    )


def _sum_columns(values: FloatArray, groups: Sequence[str]) -> tuple[list[str], FloatArray]:
    names = sorted(set(groups))
    summed = np.column_stack([values[:, [g == name for g in groups]].sum(axis=1) for name in names])
    return names, summed


def prepare_panel(daily: pd.DataFrame, start: date, end: date, with_totals: bool = True) -> SeriesPanel:
    """Dense daily series per region x category from sparse sales rows, zero-filled.

    `daily` has sales_date, region_code, category, net_revenue and units, one row per series and
    day with sales (int_forecast_daily_series). Rows outside [start, end] are ignored; a day
    without a row is a day without sales (0). With `with_totals`, the region totals
    (category 'all'), category totals (region 'all') and the grand total ('all', 'all') follow the
    region x category columns; totals are sums of the zero-filled columns.
    """
    dates = day_array(start, end)
    # Day numbers are kept in numpy: pandas would turn datetime64[D] back into nanoseconds.
    sales_days = pd.to_datetime(daily["sales_date"]).to_numpy().astype("datetime64[D]")
    inside = (sales_days >= dates[0]) & (sales_days <= dates[-1])
    frame = daily.loc[inside, ["region_code", "category", "net_revenue", "units"]]
    day_index = (sales_days[inside] - dates[0]).astype(np.int64)

    keys = sorted(set(zip(frame["region_code"], frame["category"], strict=True)))
    position = {key: index for index, key in enumerate(keys)}
    column_index = np.array(
        [position[key] for key in zip(frame["region_code"], frame["category"], strict=True)], dtype=np.int64
    )
    revenue = np.zeros((len(dates), len(keys)))
    units = np.zeros((len(dates), len(keys)))
    # add.at sums repeated (day, series) rows instead of keeping the last one.
    np.add.at(revenue, (day_index, column_index), frame["net_revenue"].to_numpy(dtype=np.float64))
    np.add.at(units, (day_index, column_index), frame["units"].to_numpy(dtype=np.float64))

    parts = [_series_frame(keys, "region_category")]
    revenue_parts = [revenue]
    units_parts = [units]
    if with_totals and keys:
        regions = [region for region, _ in keys]
        categories = [category for _, category in keys]
        for groups, level in ((regions, "region"), (categories, "category")):
            names, revenue_sum = _sum_columns(revenue, groups)
            _, units_sum = _sum_columns(units, groups)
            level_keys = [(name, ALL) if level == "region" else (ALL, name) for name in names]
            parts.append(_series_frame(level_keys, level))
            revenue_parts.append(revenue_sum)
            units_parts.append(units_sum)
        parts.append(_series_frame([(ALL, ALL)], "total"))
        revenue_parts.append(revenue.sum(axis=1, keepdims=True))
        units_parts.append(units.sum(axis=1, keepdims=True))

    return SeriesPanel(
        dates,
        pd.concat(parts, ignore_index=True),
        np.hstack(revenue_parts),
        np.hstack(units_parts),
    )


def yearly_columns(fourier_order: int) -> slice:
    """Columns of the yearly Fourier terms in the matrix of `calendar_design`."""
    return slice(LEADING_FEATURES, LEADING_FEATURES + 2 * fourier_order)


@dataclass(frozen=True)
class CalendarDesign:
    """The regression's driver matrix: one row per calendar day, history first, then the horizon."""

    dates: DayArray
    is_history: npt.NDArray[np.bool_]
    matrix: FloatArray
    feature_names: tuple[str, ...]

    @property
    def history_end(self) -> np.datetime64:
        return self.dates[self.is_history][-1]

    @property
    def history(self) -> FloatArray:
        return self.matrix[self.is_history]

    @property
    def future(self) -> FloatArray:
        return self.matrix[~self.is_history]


def _dummies(values: pd.Series, prefix: str) -> tuple[list[str], list[FloatArray]]:
    names = sorted(str(value) for value in values.dropna().unique())
    columns = [(values == name).to_numpy(dtype=np.float64) for name in names]
    return [f"{prefix}{name}" for name in names], columns


def calendar_design(calendar: pd.DataFrame, fourier_order: int = 3) -> CalendarDesign:
    """Design matrix of the calendar regression from int_forecast_calendar rows.

    Columns: intercept; trend in years since the first day (exponential growth under a log link);
    weekday dummies (Monday is the base); `fourier_order` sine/cosine pairs of the day of the year
    (smooth yearly season); Spring Festival before/during/after dummies; one dummy per shopping
    festival day and one per festival run-up; other public holidays; the number of promotion
    campaigns running. Festival names come from the calendar itself, so a new festival in the
    holidays seed gets its own columns.
    """
    frame = calendar.sort_values("date_day").reset_index(drop=True)
    dates = pd.to_datetime(frame["date_day"]).to_numpy().astype("datetime64[D]")
    if len(dates) and np.any(np.diff(dates).astype(np.int64) != 1):
        raise ValueError("the forecasting calendar must have exactly one row per day, without gaps")
    is_history = frame["is_history"].to_numpy(dtype=bool)
    if is_history.any() and not np.all(np.diff(is_history.astype(np.int8)) <= 0):
        raise ValueError("history days must come before the forecast horizon")

    names: list[str] = ["intercept", "trend_years"]
    trend = (dates - dates[0]).astype(np.float64) / DAYS_PER_YEAR if len(dates) else np.zeros(0)
    columns: list[FloatArray] = [np.ones(len(frame)), trend]
    weekday = frame["weekday_number"].to_numpy()
    for day in range(2, 8):
        names.append(f"weekday_{day}")
        columns.append((weekday == day).astype(np.float64))
    angle = 2 * np.pi * frame["day_of_year"].to_numpy(dtype=np.float64) / DAYS_PER_YEAR
    for order in range(1, fourier_order + 1):
        names += [f"year_sin_{order}", f"year_cos_{order}"]
        columns += [np.sin(order * angle), np.cos(order * angle)]
    for phase in SPRING_FESTIVAL_PHASES:
        names.append(f"spring_festival_{phase}")
        columns.append((frame["spring_festival_phase"] == phase).to_numpy(dtype=np.float64))
    for column, prefix in (("shopping_festival_name", "festival_"), ("run_up_festival_name", "run_up_")):
        dummy_names, dummy_columns = _dummies(frame[column], prefix)
        names += dummy_names
        columns += dummy_columns
    names.append("public_holiday")
    columns.append(frame["public_holiday_name"].notna().to_numpy(dtype=np.float64))
    names.append("promotion_campaigns")
    columns.append(frame["promotion_campaign_count"].fillna(0).to_numpy(dtype=np.float64))

    matrix = np.column_stack(columns) if len(frame) else np.zeros((0, len(names)))
    return CalendarDesign(dates, is_history, matrix, tuple(names))


def forecast_calendar(
    start: date,
    history_end: date,
    horizon_days: int,
    holidays: pd.DataFrame,
    promotions: Sequence[tuple[date, date]] = (),
    run_up_days: int = 10,
    spring_festival_window_days: int = 7,
    country_code: str = "CN",
) -> pd.DataFrame:
    """The rows of int_forecast_calendar computed in Python, for tests and benchmarks.

    `holidays` has the holidays seed's country_code, holiday_date, holiday_name and holiday_type;
    only the rows of `country_code` count (var('holiday_country') in dbt); a frame without a
    country_code column is taken as one country's. `promotions` are the (first, last) days of
    non-festival campaigns. Same rules as the SQL model; tests/test_python_copies_match_models.py
    builds the model with dbt and checks that both give the same rows, so change them together.
    """
    if "country_code" in holidays.columns:
        holidays = holidays[holidays["country_code"] == country_code]
    days = day_array(start, history_end + timedelta(days=max(horizon_days, 0)))
    count = len(days)
    holiday_days = pd.to_datetime(holidays["holiday_date"]).to_numpy().astype("datetime64[D]")
    names = holidays["holiday_name"].astype(str).to_numpy()
    types = holidays["holiday_type"].astype(str).to_numpy()

    phase = np.full(count, None, dtype=object)
    is_spring = names == "Spring Festival"
    spring_years = holiday_days[is_spring].astype("datetime64[Y]")
    for year in np.unique(spring_years):
        period = holiday_days[is_spring][spring_years == year]
        first, last = period.min(), period.max()
        phase[(days >= first - spring_festival_window_days) & (days < first)] = "before"
        phase[(days >= first) & (days <= last)] = "during"
        phase[(days > last) & (days <= last + spring_festival_window_days)] = "after"

    festival = np.full(count, None, dtype=object)
    run_up = np.full(count, None, dtype=object)
    is_shopping = types == "shopping_festival"
    # Names in reverse order: the alphabetically first is written last and wins, as min() in SQL.
    shopping = zip(holiday_days[is_shopping], names[is_shopping], strict=True)
    for festival_day, name in sorted(shopping, key=lambda item: item[1], reverse=True):
        festival[days == festival_day] = name
        run_up[(days < festival_day) & (days >= festival_day - run_up_days)] = name

    public = np.full(count, None, dtype=object)
    is_public = (types == "public_holiday") & ~is_spring
    for holiday_day, name in zip(holiday_days[is_public], names[is_public], strict=True):
        public[days == holiday_day] = name

    promotion_count = np.zeros(count, dtype=np.int64)
    for first_day, last_day in promotions:
        promotion_count += (days >= np.datetime64(first_day, "D")) & (days <= np.datetime64(last_day, "D"))

    return pd.DataFrame(
        {
            "date_day": days,
            "is_history": days <= np.datetime64(history_end, "D"),
            "weekday_number": weekday_index(days) + 1,  # ISO: 1 = Monday
            "day_of_year": (days - days.astype("datetime64[Y]")).astype(np.int64) + 1,
            "spring_festival_phase": phase,
            "shopping_festival_name": festival,
            "run_up_festival_name": run_up,
            "public_holiday_name": public,
            "promotion_campaign_count": promotion_count,
        }
    )
