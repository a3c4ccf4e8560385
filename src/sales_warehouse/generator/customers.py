"""Customers: latent group, region, lifetime, owner, demographics and contact details.

The draws happen in one fixed order on the world's random stream (the helpers below are called in
that order), so the same seed always gives the same customers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sales_warehouse.generator.config import GeneratorConfig, Sizes
from sales_warehouse.generator.params import (
    ACQUISITION_CHANNELS,
    CITIES,
    GROUP_ACQUISITION,
    GROUP_AGE,
    GROUP_CHURN_YEARS,
    GROUP_FEMALE,
    GROUP_INTERESTS,
    GROUP_ORDER_RATE,
    GROUP_SHARE,
    GROUPS,
    INDUSTRIES,
    INTERESTS,
    REGION_WEIGHTS,
    REGIONS,
)
from sales_warehouse.generator.sampling import pick_within, row_choice, to_ts, top_k_rows

SURNAMES: tuple[str, ...] = (
    "Wang",
    "Li",
    "Zhang",
    "Liu",
    "Chen",
    "Yang",
    "Zhao",
    "Huang",
    "Zhou",
    "Wu",
    "Xu",
    "Sun",
)
GIVEN_NAMES: tuple[str, ...] = (
    "Wei",
    "Fang",
    "Na",
    "Min",
    "Jing",
    "Lei",
    "Qiang",
    "Yan",
    "Jie",
    "Tao",
    "Hui",
    "Lin",
    "Ping",
)


def active_days(
    rng: np.random.Generator, group: np.ndarray, n_days: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Acquisition day offset and first and last active day (indexes into the period's days)."""
    n = len(group)
    # Customers join over time, more of them later (trend); 35% existed before the period.
    acquired_offset = np.where(
        rng.random(n) < 0.35,
        -rng.integers(1, 900, n),
        np.floor(n_days * np.sqrt(rng.random(n)) * 0.97).astype(int),
    )
    lifetime_days = rng.exponential(GROUP_CHURN_YEARS[group] * 365.25).astype(int) + 30
    active_from = np.clip(acquired_offset, 0, n_days - 1)
    active_to = np.clip(acquired_offset + lifetime_days, 0, n_days - 1)
    return acquired_offset, active_from, active_to


def demographics(
    rng: np.random.Generator, config: GeneratorConfig, group: np.ndarray, region: np.ndarray
) -> dict[str, np.ndarray]:
    """Business flag, birth date, gender, city and three interests, by latent group."""
    n = len(group)
    is_business = (group == 3) | (rng.random(n) < 0.03)
    age = np.clip(rng.normal(GROUP_AGE[group], 7), 18.1, 80)  # 18.1: never a day short of adult
    birth = np.datetime64(config.end, "D") - (age * 365.25).astype(int).astype("timedelta64[D]")
    gender = np.where(rng.random(n) < GROUP_FEMALE[group], "female", "male")
    gender = np.where(rng.random(n) < 0.03, "unknown", gender)
    city = pick_within(
        [np.asarray(CITIES[region_code], dtype=object) for region_code in REGIONS],
        region,
        rng.integers(0, 100, n),
    )
    picks = np.asarray(INTERESTS, dtype=object)[top_k_rows(rng, GROUP_INTERESTS[group], 3)]
    interests = picks[:, 0] + ";" + picks[:, 1] + ";" + picks[:, 2]
    return {
        "is_business": is_business,
        "birth": birth,
        "gender": gender,
        "city": city,
        "interests": interests,
    }


def names_and_emails(
    rng: np.random.Generator, ids: np.ndarray, is_business: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A person's or a company's name, and an e-mail address unique by customer id."""
    n = len(ids)
    first = np.asarray(GIVEN_NAMES, dtype=object)[rng.integers(0, len(GIVEN_NAMES), n)]
    last = np.asarray(SURNAMES, dtype=object)[rng.integers(0, len(SURNAMES), n)]
    person = first + " " + last
    industry_titles = np.asarray([item.title() for item in INDUSTRIES], dtype=object)
    company = last + " " + industry_titles[np.arange(n) % len(INDUSTRIES)] + " Co."
    email = (
        pd.Series(first).str.lower()
        + "."
        + pd.Series(last).str.lower()
        + pd.Series(ids).astype(str)
        + "@example.com"
    ).to_numpy(dtype=object)
    return np.where(is_business, company, person), email


def build_customers(
    world_days: np.ndarray,
    config: GeneratorConfig,
    sizes: Sizes,
    rep_region: np.ndarray,
    rep_skill: np.ndarray,
    group_cdf: np.ndarray,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Clean customer records, with the latent columns the chunks need prefixed by `_`."""
    n = sizes.customers
    group = rng.choice(len(GROUPS), size=n, p=GROUP_SHARE)
    region = rng.choice(len(REGIONS), size=n, p=REGION_WEIGHTS)
    acquired_offset, active_from, active_to = active_days(rng, group, len(world_days))
    acquired = np.datetime64(config.start, "D") + acquired_offset.astype("timedelta64[D]")
    reps_by_region = [np.flatnonzero(rep_region == r) for r in range(len(REGIONS))]
    owner = pick_within(reps_by_region, region, rng.integers(0, 10_000, n)).astype(np.int64)
    person = demographics(rng, config, group, region)
    is_business = person["is_business"]
    ids = np.arange(1, n + 1, dtype=np.int64)
    name, email = names_and_emails(rng, ids, is_business)
    created = to_ts(acquired, rng.integers(8 * 3600, 22 * 3600, n))
    mass = group_cdf[group, active_to] - np.where(active_from > 0, group_cdf[group, active_from - 1], 0.0)
    order_weight = GROUP_ORDER_RATE[group] * rep_skill[owner] ** 1.5 * mass
    return pd.DataFrame(
        {
            "customer_id": ids,
            "customer_name": name,
            "email": email,
            "phone": (
                "+86 1" + pd.Series(rng.integers(3_000_000_000, 9_999_999_999, n)).astype(str)
            ).to_numpy(),
            "gender": person["gender"].astype(object),
            "birth_date": np.where(is_business, np.datetime64("NaT"), person["birth"]),
            "city": person["city"],
            "region_code": np.asarray(REGIONS, dtype=object)[region],
            "customer_type": np.where(is_business, "business", "individual").astype(object),
            "industry": np.where(
                is_business, np.asarray(INDUSTRIES, dtype=object)[rng.integers(0, 6, n)], None
            ),
            "acquisition_channel": np.asarray(ACQUISITION_CHANNELS, dtype=object)[
                row_choice(rng, GROUP_ACQUISITION[group])
            ],
            "interests": person["interests"],
            "owner_sales_rep_id": owner + 1,
            "created_at": created,
            "updated_at": created,
            "_group": group,
            "_active_from": active_from,
            "_active_to": active_to,
            "_order_weight": order_weight,
            "_activity_days": (active_to - active_from + 1),
        }
    )
