"""The shared world every chunk draws from: calendar, campaigns, reps, products and customers.

It is built once, from random stream 0, before any entity is written; the domain modules only read it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sales_warehouse import calendar as cal
from sales_warehouse.contract import LOADED_AT
from sales_warehouse.generator.config import GeneratorConfig, Sizes
from sales_warehouse.generator.customers import build_customers
from sales_warehouse.generator.params import GROUP_PROMO_AFFINITY, REGION_MERGE, REGION_WEIGHTS, REGIONS
from sales_warehouse.generator.products import build_products
from sales_warehouse.generator.sampling import nightly_load, rng_for


@dataclass
class World:
    """Everything shared across chunks: calendar, campaigns, reps, products, customers."""

    config: GeneratorConfig
    sizes: Sizes
    days: np.ndarray
    campaigns: list[cal.Campaign]
    campaign_by_day: np.ndarray
    group_cdf: np.ndarray  # (groups, days) cumulative demand per group
    rep_region: np.ndarray
    rep_team: np.ndarray
    rep_skill: np.ndarray
    team_region: list[str]
    products: pd.DataFrame
    customers: pd.DataFrame  # clean customer records, with latent columns prefixed by _
    end_ts: np.datetime64
    load_cap: np.datetime64


def build_reps(
    sizes: Sizes, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:
    """Reps per region, grouped into teams (about six reps each), with three planted strong and three
    planted weak reps: (rep region, rep team, team region, rep skill)."""
    per_region = np.maximum(1, np.floor(REGION_WEIGHTS * sizes.reps)).astype(int)
    per_region[0] += sizes.reps - per_region.sum()
    rep_region = np.repeat(np.arange(len(REGIONS)), per_region)
    team_counts = np.round(per_region / 6).astype(int)
    if team_counts.sum() < 3:  # small data sets still get a few teams (REGIONS is largest first)
        team_counts[:3] = np.maximum(team_counts[:3], 1)
    team_region: list[str] = []
    region_teams: dict[str, list[int]] = {}
    for index, region in enumerate(REGIONS):
        count = int(team_counts[index])
        if count == 0:
            continue
        region_teams[region] = list(range(len(team_region), len(team_region) + count))
        team_region.extend([region] * count)
    rep_team = np.empty(sizes.reps, dtype=np.int64)
    for rep, region_index in enumerate(rep_region):
        region = REGIONS[region_index]
        teams = (
            region_teams.get(region)
            or region_teams.get(REGION_MERGE.get(region, ""))
            or region_teams[REGIONS[0]]
        )
        rep_team[rep] = teams[rep % len(teams)]
    skill = rng.uniform(0.75, 1.25, sizes.reps)
    special = rng.choice(sizes.reps, size=6, replace=False)
    skill[special[:3]] = 1.6  # planted strong reps
    skill[special[3:]] = 0.55  # planted weak reps
    return rep_region, rep_team, team_region, skill


def group_cdfs(days: np.ndarray, base: np.ndarray, campaign_by_day: np.ndarray) -> np.ndarray:
    """Cumulative daily demand per customer group: promotion-affine groups buy more on campaign days."""
    on_campaign = campaign_by_day >= 0
    rows = [base * np.where(on_campaign, 1 + 4 * affinity, 1.0) for affinity in GROUP_PROMO_AFFINITY]
    return np.cumsum(np.vstack(rows), axis=1)


def build_world(config: GeneratorConfig) -> World:
    """Everything the chunks share, drawn from random stream 0 in a fixed order."""
    sizes = Sizes.for_scale(config.scale)
    rng = rng_for(config, 0)
    days = cal.day_range(config.start, config.end)
    campaigns = cal.build_campaigns(config.start, config.end, rng)
    campaign_by_day = cal.campaign_index(days, campaigns)
    base = cal.demand_intensity(days, config.start, campaigns)
    cdf = group_cdfs(days, base, campaign_by_day)
    rep_region, rep_team, team_region, skill = build_reps(sizes, rng)
    products = build_products(sizes, config, rng)
    customers = build_customers(days, config, sizes, rep_region, skill, cdf, rng)
    end_ts = np.datetime64(config.end, "D").astype("datetime64[us]") + np.timedelta64(86_399_999_999, "us")
    load_cap = np.datetime64(config.end, "D").astype("datetime64[us]") + np.timedelta64(26, "h")
    customers[LOADED_AT] = nightly_load(customers["updated_at"].to_numpy(), load_cap)
    products[LOADED_AT] = nightly_load(products["updated_at"].to_numpy(), load_cap)
    return World(
        config,
        sizes,
        days,
        campaigns,
        campaign_by_day,
        cdf,
        rep_region,
        rep_team,
        skill,
        team_region,
        products,
        customers,
        end_ts,
        load_cap,
    )
