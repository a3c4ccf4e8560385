"""Demand calendar used by the generator: trend, weekly and yearly seasonality, festivals.

Everything here is a pure function of dates so that tests can recompute the planted truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

# Lunar new year (Spring Festival) dates.
SPRING_FESTIVAL: dict[int, date] = {
    2020: date(2020, 1, 25),
    2021: date(2021, 2, 12),
    2022: date(2022, 2, 1),
    2023: date(2023, 1, 22),
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
    2030: date(2030, 2, 3),
}

# Monday .. Sunday multipliers: weekends sell more.
WEEKDAY_FACTORS: tuple[float, ...] = (0.90, 0.92, 0.94, 0.97, 1.05, 1.17, 1.05)
ANNUAL_TREND = 0.15  # continuous growth rate per year
YEARLY_AMPLITUDE = 0.10  # mild summer/winter swing
SPRING_FESTIVAL_TROUGH = 0.35  # demand multiplier in the festival week
SPRING_FESTIVAL_HALF_WIDTH = 7  # days either side of the festival day
FESTIVAL_PEAKS: dict[str, tuple[int, int, float]] = {
    # name: (month, day, multiplier on the day); the run-up days get a smaller lift.
    "618": (6, 18, 3.0),
    "Double 11": (11, 11, 4.0),
}
FESTIVAL_RUNUP_DAYS = 10
FESTIVAL_RUNUP_LIFT = 1.3


@dataclass(frozen=True)
class Campaign:
    campaign_id: int
    name: str
    campaign_type: str
    discount_rate: float
    start: date
    end: date
    lift: float
    spend: float


def day_range(start: date, end: date) -> np.ndarray:
    return np.arange(np.datetime64(start, "D"), np.datetime64(end, "D") + 1)


def _years_since(days: np.ndarray, start: date) -> np.ndarray:
    return (days - np.datetime64(start, "D")).astype(np.int64) / 365.25


def trend_factor(days: np.ndarray, start: date) -> np.ndarray:
    return np.exp(ANNUAL_TREND * _years_since(days, start))


def weekday_factor(days: np.ndarray) -> np.ndarray:
    # 1970-01-01 was a Thursday (weekday index 3).
    weekday = (days.astype(np.int64) + 3) % 7
    return np.asarray(WEEKDAY_FACTORS)[weekday]


def day_of_year(days: np.ndarray) -> np.ndarray:
    years = days.astype("datetime64[Y]")
    return (days - years.astype("datetime64[D]")).astype(np.int64)


def yearly_factor(days: np.ndarray) -> np.ndarray:
    return 1.0 + YEARLY_AMPLITUDE * np.sin(2 * np.pi * (day_of_year(days) - 80) / 365.25)


def festival_factor(days: np.ndarray) -> np.ndarray:
    factor = np.ones(len(days))
    years = days.astype("datetime64[Y]").astype(np.int64) + 1970
    for year in np.unique(years):
        festival = SPRING_FESTIVAL.get(int(year))
        if festival is not None:
            offset = np.abs((days - np.datetime64(festival, "D")).astype(np.int64))
            factor = np.where(offset <= SPRING_FESTIVAL_HALF_WIDTH, factor * SPRING_FESTIVAL_TROUGH, factor)
        for month, day, peak in FESTIVAL_PEAKS.values():
            peak_day = np.datetime64(date(int(year), month, day), "D")
            delta = (peak_day - days).astype(np.int64)
            factor = np.where(delta == 0, factor * peak, factor)
            runup = (delta > 0) & (delta <= FESTIVAL_RUNUP_DAYS)
            factor = np.where(runup, factor * FESTIVAL_RUNUP_LIFT, factor)
    return factor


def campaign_factor(days: np.ndarray, campaigns: list[Campaign]) -> np.ndarray:
    factor = np.ones(len(days))
    for campaign in campaigns:
        if campaign.campaign_type != "flash_sale":
            continue  # festival campaigns ride on the festival peaks already
        inside = (days >= np.datetime64(campaign.start, "D")) & (days <= np.datetime64(campaign.end, "D"))
        factor = np.where(inside, factor * campaign.lift, factor)
    return factor


def campaign_index(days: np.ndarray, campaigns: list[Campaign]) -> np.ndarray:
    """Index into `campaigns` of the campaign running on each day, or -1."""
    index = np.full(len(days), -1, dtype=np.int64)
    for position, campaign in enumerate(campaigns):
        inside = (days >= np.datetime64(campaign.start, "D")) & (days <= np.datetime64(campaign.end, "D"))
        index = np.where(inside & (index < 0), position, index)
    return index


def demand_intensity(days: np.ndarray, start: date, campaigns: list[Campaign]) -> np.ndarray:
    """Relative order intensity per day (mean about 1 in the first year)."""
    return (
        trend_factor(days, start)
        * weekday_factor(days)
        * yearly_factor(days)
        * festival_factor(days)
        * campaign_factor(days, campaigns)
    )


def build_campaigns(start: date, end: date, rng: np.random.Generator) -> list[Campaign]:
    """Festival campaigns for 618 and Double 11 each year, plus six flash sales a year."""
    campaigns: list[Campaign] = []
    for year in range(start.year, end.year + 1):
        for name, (month, day, _peak) in FESTIVAL_PEAKS.items():
            first = date(year, month, max(1, day - FESTIVAL_RUNUP_DAYS))
            last = date(year, month, day)
            if last < start or first > end:
                continue
            campaigns.append(
                Campaign(
                    0,
                    f"{name} {year}",
                    "festival",
                    0.20 if name == "Double 11" else 0.15,
                    first,
                    last,
                    1.0,
                    float(round(rng.uniform(200_000, 400_000), -3)),
                )
            )
        for month in (3, 4, 5, 8, 9, 12):
            day = int(rng.integers(1, 20))
            first = date(year, month, day)
            last = date(year, month, day + int(rng.integers(2, 6)))
            if last < start or first > end:
                continue
            campaigns.append(
                Campaign(
                    0,
                    f"Flash sale {year}-{month:02d}",
                    "flash_sale",
                    0.10,
                    first,
                    last,
                    1.5,
                    float(round(rng.uniform(30_000, 90_000), -3)),
                )
            )
    campaigns.sort(key=lambda item: item.start)
    return [
        Campaign(position + 1, c.name, c.campaign_type, c.discount_rate, c.start, c.end, c.lift, c.spend)
        for position, c in enumerate(campaigns)
    ]
