"""Deterministic, vectorised demo-data generator for the raw data contract.

Customers are generated up front (a handful of small arrays even at scale 100); their orders,
order lines, returns, tickets and surveys are generated in fixed-size customer chunks and appended
to parquet files, so memory stays bounded whatever the scale. Leads, opportunities and activities
are chunked the same way. Each chunk has its own random stream derived from (seed, stream, chunk),
so the same seed and scale always give byte-identical files.

The structure the warehouse should find is planted on purpose and written to `manifest.json`
next to the data, together with the count of every dirty row planted (see `defects.py`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sales_warehouse import calendar as cal
from sales_warehouse.contract import DOMAINS, LOADED_AT, Entity, entities_for
from sales_warehouse.defects import DefectLedger, plant_defects

GENERATOR_VERSION = 1
CUSTOMER_CHUNK = 20_000
LEAD_CHUNK = 50_000

REGIONS: tuple[str, ...] = ("east", "south", "north", "central", "southwest", "northeast", "northwest")
REGION_WEIGHTS = np.array([0.28, 0.20, 0.17, 0.12, 0.10, 0.07, 0.06])
# Small regions without a team of their own are covered by a neighbour's team.
REGION_MERGE = {"northeast": "north", "northwest": "southwest"}
CITIES: dict[str, tuple[str, ...]] = {
    "east": ("Shanghai", "Hangzhou", "Nanjing", "Suzhou", "Ningbo"),
    "south": ("Guangzhou", "Shenzhen", "Xiamen", "Fuzhou"),
    "north": ("Beijing", "Tianjin", "Shijiazhuang", "Jinan"),
    "central": ("Wuhan", "Changsha", "Zhengzhou"),
    "southwest": ("Chengdu", "Chongqing", "Kunming"),
    "northeast": ("Shenyang", "Harbin", "Dalian"),
    "northwest": ("Xi'an", "Lanzhou", "Urumqi"),
}

CATEGORIES: tuple[str, ...] = (
    "Electronics",
    "Home & Kitchen",
    "Apparel",
    "Beauty",
    "Sports & Outdoors",
    "Office Supplies",
    "Audio Players",
)
SUBCATEGORIES: dict[str, tuple[str, ...]] = {
    "Electronics": ("Phones", "Laptops", "Accessories"),
    "Home & Kitchen": ("Cookware", "Appliances", "Furniture"),
    "Apparel": ("Womenswear", "Menswear", "Shoes"),
    "Beauty": ("Skincare", "Makeup", "Fragrance"),
    "Sports & Outdoors": ("Fitness", "Camping", "Cycling"),
    "Office Supplies": ("Paper", "Printers", "Stationery"),
    "Audio Players": ("MP3 Players", "CD Players", "Radios"),
}
CATEGORY_PRICE = np.array([1800.0, 350.0, 220.0, 180.0, 400.0, 120.0, 300.0])
# Planted own-price elasticity of units per line, per category.
CATEGORY_ELASTICITY = np.array([-1.2, -1.5, -2.0, -1.8, -1.4, -0.8, -1.6])
DECLINING_CATEGORY = "Audio Players"
DECLINE_RATE = 0.60  # continuous decline of the category's share per year
BRANDS: tuple[str, ...] = (
    "Aurora",
    "Bamboo",
    "Cedar",
    "Dragon",
    "Ember",
    "Fjord",
    "Granite",
    "Harbor",
    "Indigo",
    "Jade",
)

# Latent customer groups: the clustering models should recover them.
GROUPS: tuple[str, ...] = (
    "high_value_loyal",
    "price_sensitive_occasional",
    "mainstream_regular",
    "business_bulk",
)
GROUP_SHARE = np.array([0.15, 0.35, 0.35, 0.15])
GROUP_ORDER_RATE = np.array([3.0, 0.6, 1.2, 1.5])  # relative orders per active year
GROUP_LINES = np.array([3.0, 1.6, 2.3, 3.5])  # mean lines per order
GROUP_EXTRA_UNITS = np.array([0.6, 0.3, 0.5, 6.0])  # mean extra units per line at list price
GROUP_PROMO_AFFINITY = np.array([0.2, 0.9, 0.35, 0.1])
GROUP_CHURN_YEARS = np.array([8.0, 1.2, 3.0, 6.0])
GROUP_AGE = np.array([46.0, 26.0, 33.0, 45.0])
GROUP_FEMALE = np.array([0.5, 0.65, 0.5, 0.4])
GROUP_CATEGORY_PREFERENCE = np.array(
    [
        [4.0, 1.0, 1.0, 1.0, 0.5, 0.5, 1.0],
        [0.4, 1.0, 3.0, 3.0, 1.0, 0.2, 1.0],
        [0.8, 3.0, 1.0, 1.0, 2.5, 0.5, 1.0],
        [2.0, 0.5, 0.2, 0.2, 0.5, 5.0, 1.0],
    ]
)
GROUP_CHANNEL = np.array(
    [  # web, app, store, phone
        [0.25, 0.65, 0.08, 0.02],
        [0.30, 0.60, 0.08, 0.02],
        [0.25, 0.15, 0.55, 0.05],
        [0.45, 0.05, 0.10, 0.40],
    ]
)
ORDER_CHANNELS: tuple[str, ...] = ("web", "app", "store", "phone")
ACQUISITION_CHANNELS: tuple[str, ...] = ("organic_search", "social", "referral", "paid_ads", "sales_team")
GROUP_ACQUISITION = np.array(
    [
        [0.30, 0.10, 0.35, 0.20, 0.05],
        [0.15, 0.50, 0.05, 0.28, 0.02],
        [0.35, 0.20, 0.15, 0.25, 0.05],
        [0.10, 0.02, 0.18, 0.10, 0.60],
    ]
)
INTERESTS: tuple[str, ...] = (
    "technology",
    "home_living",
    "fashion",
    "beauty",
    "sports",
    "travel",
    "deals",
    "office",
    "music",
    "parenting",
)
GROUP_INTERESTS = np.array(
    [
        [3, 2, 1, 1, 2, 3, 0.3, 1, 2, 1],
        [0.5, 1, 3, 3, 1, 1, 4, 0.2, 1, 1],
        [1, 2, 1.5, 1.5, 1.5, 1, 1, 0.5, 1, 2],
        [2, 0.5, 0.2, 0.2, 0.5, 1, 1, 4, 0.3, 0.3],
    ]
)
INDUSTRIES: tuple[str, ...] = (
    "manufacturing",
    "retail",
    "technology",
    "education",
    "healthcare",
    "logistics",
)
# Hour-of-day order profile (consumers shop in the evening, businesses in office hours).
CONSUMER_HOURS = np.array(
    [1, 0.5, 0.3, 0.2, 0.2, 0.3, 0.6, 1, 1.5, 2, 2.5, 2.5, 2.2, 2, 2, 2, 2, 2.2, 2.5, 3, 3.5, 3.8, 3, 1.8]
)
BUSINESS_HOURS = np.array(
    [
        0.1,
        0.05,
        0.05,
        0.05,
        0.05,
        0.1,
        0.3,
        0.8,
        2.5,
        4,
        4,
        3.5,
        2,
        3,
        3.8,
        3.5,
        3,
        2,
        0.8,
        0.4,
        0.3,
        0.2,
        0.1,
        0.1,
    ]
)

# Funnel: probability of passing each open stage and median days spent in it at skill 1.
FUNNEL_STAGES: tuple[str, ...] = ("prospecting", "qualification", "needs_analysis", "proposal", "negotiation")
STAGE_PASS = np.array([0.85, 0.80, 0.75, 0.50, 0.80])
STAGE_MEDIAN_DAYS = np.array([4.0, 6.0, 8.0, 21.0, 7.0])
BOTTLENECK_STAGE = "proposal"
LEAD_SOURCES: tuple[str, ...] = ("website", "social", "referral", "event", "cold_call", "partner")
LEAD_SOURCE_SHARE = np.array([0.30, 0.20, 0.12, 0.15, 0.15, 0.08])
LEAD_SOURCE_CONVERSION = np.array([0.30, 0.20, 0.60, 0.38, 0.13, 0.50])
NEVER_CONTACTED_RATE = 0.08
# Once a lead is an opportunity, warm sources still win more often (pass p ** (1 / strength)),
# and big deals less often: strength = skill x source factor x (amount / 60k) ** elasticity.
LEAD_SOURCE_WIN_FACTOR = np.array([0.85, 0.7, 1.8, 1.0, 0.5, 1.4])
DEAL_SIZE_WIN_ELASTICITY = -0.5

# Service: SLA for first response per priority; slow responses lower repurchase.
PRIORITIES: tuple[str, ...] = ("low", "normal", "high", "urgent")
PRIORITY_SHARE = np.array([0.30, 0.45, 0.20, 0.05])
SLA_HOURS = np.array([48.0, 24.0, 8.0, 4.0])
KEEP_ORDER_AFTER_BREACH = 0.4  # share of a customer's orders kept after a breached ticket
ORDER_LOSS_ALLOWANCE = 1.12  # orders lost to slow service, so the kept total is about the target

SCALE_1 = {"customers": 5000, "orders": 60_000, "leads": 20_000, "tickets": 8000, "surveys": 3000, "reps": 40}


@dataclass(frozen=True)
class GeneratorConfig:
    scale: float = 1.0
    seed: int = 42
    start: date = date(2023, 1, 1)
    end: date = date(2025, 12, 31)
    defect_rate: float = 0.01
    domains: tuple[str, ...] = DOMAINS

    def __post_init__(self) -> None:
        validate_config(self)


def validate_config(config: GeneratorConfig) -> None:
    """Reject arguments that cannot give a sensible data set, with a message saying why."""
    if not (0 < config.scale <= 1000):
        raise ValueError(f"--scale must be > 0 and <= 1000, got {config.scale}")
    if config.seed < 0:
        raise ValueError(f"--seed must be a non-negative integer, got {config.seed}")
    if config.end <= config.start:
        raise ValueError(f"--end ({config.end}) must be after --start ({config.start})")
    if (config.end - config.start).days < 90:
        raise ValueError(f"the period {config.start}..{config.end} is shorter than 90 days")
    if config.start.year < 2020 or config.end.year > 2030:
        raise ValueError("--start and --end must lie within 2020-01-01..2030-12-31 (festival calendar)")
    if not (0 <= config.defect_rate <= 0.2):
        raise ValueError(f"--defect-rate must be between 0 and 0.2, got {config.defect_rate}")
    unknown = sorted(set(config.domains) - set(DOMAINS))
    if unknown:
        raise ValueError(f"unknown domain(s) {unknown}; choose from {list(DOMAINS)}")
    if "commerce" not in config.domains:
        raise ValueError("the commerce domain is required")


@dataclass
class Sizes:
    customers: int
    orders: int
    leads: int
    tickets: int
    surveys: int
    reps: int
    products: int

    @classmethod
    def for_scale(cls, scale: float) -> Sizes:
        return cls(
            customers=max(50, round(SCALE_1["customers"] * scale)),
            orders=max(500, round(SCALE_1["orders"] * scale)),
            leads=max(200, round(SCALE_1["leads"] * scale)),
            tickets=max(80, round(SCALE_1["tickets"] * scale)),
            surveys=max(30, round(SCALE_1["surveys"] * scale)),
            reps=max(14, round(SCALE_1["reps"] * scale)),
            products=round(200 * max(1.0, scale**0.5)),
        )


# --------------------------------------------------------------------------- helpers


def rng_for(config: GeneratorConfig, stream: int, chunk: int = 0) -> np.random.Generator:
    return np.random.default_rng([config.seed, stream, chunk])


def to_ts(day: np.ndarray, seconds: np.ndarray | float = 0.0) -> np.ndarray:
    """Days (datetime64[D]) plus seconds -> datetime64[us]."""
    micro = (np.asarray(seconds) * 1e6).astype(np.int64)
    return day.astype("datetime64[us]") + micro.astype("timedelta64[us]")


def hours(values: np.ndarray) -> np.ndarray:
    return (np.asarray(values) * 3_600_000_000).astype(np.int64).astype("timedelta64[us]")


def choice(rng: np.random.Generator, options: tuple[str, ...], probs: np.ndarray, size: int) -> np.ndarray:
    return np.asarray(options, dtype=object)[rng.choice(len(options), size=size, p=probs / probs.sum())]


def row_choice(rng: np.random.Generator, prob_rows: np.ndarray) -> np.ndarray:
    """One categorical draw per row of a probability matrix (rows need not be normalised)."""
    cumulative = np.cumsum(prob_rows, axis=1)
    draws = rng.random(len(prob_rows)) * cumulative[:, -1]
    return (cumulative < draws[:, None]).sum(axis=1)


def pick_within(members: list[np.ndarray], group: np.ndarray, draw: np.ndarray) -> np.ndarray:
    """For each row, member number `draw` (mod size) of its group's member list; vectorised."""
    sizes = np.array([len(item) for item in members], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    flat = np.concatenate(members) if len(members) else np.array([], dtype=np.int64)
    return flat[offsets[group] + draw % sizes[group]]


def top_k_rows(rng: np.random.Generator, weight_rows: np.ndarray, k: int) -> np.ndarray:
    """k distinct categories per row, drawn without replacement in proportion to the weights."""
    keys = np.log(weight_rows) + rng.gumbel(size=weight_rows.shape)
    return np.sort(np.argsort(-keys, axis=1)[:, :k], axis=1)


def nightly_load(ts: np.ndarray, cap: np.datetime64) -> np.ndarray:
    """The nightly extract that picks a change up: 02:00 the next day, never after the cap."""
    loaded = ts.astype("datetime64[D]").astype("datetime64[us]") + np.timedelta64(26, "h")
    return np.minimum(loaded, cap)


ARROW_TYPES = {
    "BIGINT": pa.int64(),
    "INTEGER": pa.int32(),
    "DOUBLE": pa.float64(),
    "VARCHAR": pa.string(),
    "DATE": pa.date32(),
    "TIMESTAMP": pa.timestamp("us"),
    "BOOLEAN": pa.bool_(),
}


def arrow_schema(entity: Entity) -> pa.Schema:
    return pa.schema([pa.field(column.name, ARROW_TYPES[column.data_type]) for column in entity.columns])


class ParquetSink:
    """Appends frames to one parquet file per entity, checking them against the contract."""

    def __init__(self, out: Path, entities: list[Entity]) -> None:
        self.out = out
        self.entities = {item.name: item for item in entities}
        self.writers: dict[str, pq.ParquetWriter] = {}
        self.rows: dict[str, int] = {name: 0 for name in self.entities}

    def write(self, name: str, frame: pd.DataFrame) -> None:
        if name not in self.entities:
            return  # domain switched off
        entity = self.entities[name]
        expected = [column.name for column in entity.columns]
        # Optional columns the demo world does not model (e.g. credit notes) are written as nulls.
        absent = [item.name for item in entity.columns if not item.required and item.name not in frame]
        if absent:
            frame = frame.assign(**dict.fromkeys(absent)).reindex(columns=expected)
        if list(frame.columns) != expected:
            raise ValueError(f"{name}: generated columns {list(frame.columns)} != contract {expected}")
        schema = arrow_schema(entity)
        table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
        if name not in self.writers:
            self.writers[name] = pq.ParquetWriter(self.out / f"{name}.parquet", schema, compression="snappy")
        self.writers[name].write_table(table, row_group_size=1_000_000)
        self.rows[name] += len(frame)

    def close(self) -> None:
        for name, entity in self.entities.items():
            if name not in self.writers:  # an entity with no rows still gets a file
                pq.write_table(arrow_schema(entity).empty_table(), self.out / f"{name}.parquet")
        for writer in self.writers.values():
            writer.close()


# --------------------------------------------------------------------------- world


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
    truth: dict[str, object] = field(default_factory=dict)


def build_reps(
    sizes: Sizes, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray]:
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


def build_products(sizes: Sizes, config: GeneratorConfig, rng: np.random.Generator) -> pd.DataFrame:
    n = sizes.products
    category = np.arange(n) % len(CATEGORIES)
    sub = rng.integers(0, 3, n)
    price = np.round(CATEGORY_PRICE[category] * rng.lognormal(0, 0.5, n), 2)
    start = np.datetime64(config.start, "D")
    span = (np.datetime64(config.end, "D") - start).astype(int)
    launched = start - rng.integers(30, 1500, n).astype("timedelta64[D]")
    late_launch = rng.random(n) < 0.15
    launched = np.where(
        late_launch, start + rng.integers(0, span * 2 // 3, n).astype("timedelta64[D]"), launched
    )
    discontinued = start + rng.integers(span * 2 // 3, span, n).astype("timedelta64[D]")
    is_discontinued = (rng.random(n) < 0.08) | (
        (category == CATEGORIES.index(DECLINING_CATEGORY)) & (rng.random(n) < 0.3)
    )
    evergreen = np.arange(n) < len(CATEGORIES)  # first product of each category is always on sale
    launched = np.where(evergreen, start - np.timedelta64(2000, "D"), launched)
    is_discontinued &= ~evergreen
    names = [
        f"{BRANDS[int(b)]} {SUBCATEGORIES[CATEGORIES[int(c)]][int(s)]} {i + 1:04d}"
        for i, (b, c, s) in enumerate(zip(rng.integers(0, len(BRANDS), n), category, sub, strict=True))
    ]
    updated = launched.astype("datetime64[us]")
    return pd.DataFrame(
        {
            "product_id": np.arange(1, n + 1, dtype=np.int64),
            "product_name": names,
            "category": np.asarray(CATEGORIES, dtype=object)[category],
            "subcategory": [
                SUBCATEGORIES[CATEGORIES[int(c)]][int(s)] for c, s in zip(category, sub, strict=True)
            ],
            "brand": [name.split(" ")[0] for name in names],
            "list_price": price,
            "unit_cost": np.round(price * rng.uniform(0.45, 0.7, n), 2),
            "launched_on": launched,
            "discontinued_on": np.where(is_discontinued, discontinued, np.datetime64("NaT")),
            "updated_at": updated,
            "_category_index": category,
        }
    )


def group_cdfs(days: np.ndarray, base: np.ndarray, campaign_by_day: np.ndarray) -> np.ndarray:
    on_campaign = campaign_by_day >= 0
    rows = [base * np.where(on_campaign, 1 + 4 * affinity, 1.0) for affinity in GROUP_PROMO_AFFINITY]
    return np.cumsum(np.vstack(rows), axis=1)


def build_customers(
    world_days: np.ndarray,
    config: GeneratorConfig,
    sizes: Sizes,
    rep_region: np.ndarray,
    rep_skill: np.ndarray,
    group_cdf: np.ndarray,
    rng: np.random.Generator,
) -> pd.DataFrame:
    n = sizes.customers
    group = rng.choice(len(GROUPS), size=n, p=GROUP_SHARE)
    region = rng.choice(len(REGIONS), size=n, p=REGION_WEIGHTS)
    # Customers join over time, more of them later (trend); 35% existed before the period.
    start = np.datetime64(config.start, "D")
    n_days = len(world_days)
    acquired_offset = np.where(
        rng.random(n) < 0.35,
        -rng.integers(1, 900, n),
        np.floor(n_days * np.sqrt(rng.random(n)) * 0.97).astype(int),
    )
    acquired = start + acquired_offset.astype("timedelta64[D]")
    lifetime_days = rng.exponential(GROUP_CHURN_YEARS[group] * 365.25).astype(int) + 30
    active_from = np.clip(acquired_offset, 0, n_days - 1)
    active_to = np.clip(acquired_offset + lifetime_days, 0, n_days - 1)
    reps_by_region = [np.flatnonzero(rep_region == r) for r in range(len(REGIONS))]
    owner = pick_within(reps_by_region, region, rng.integers(0, 10_000, n)).astype(np.int64)
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
    surnames = ("Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Wu", "Xu", "Sun")
    given = ("Wei", "Fang", "Na", "Min", "Jing", "Lei", "Qiang", "Yan", "Jie", "Tao", "Hui", "Lin", "Ping")
    first = np.asarray(given, dtype=object)[rng.integers(0, len(given), n)]
    last = np.asarray(surnames, dtype=object)[rng.integers(0, len(surnames), n)]
    ids = np.arange(1, n + 1, dtype=np.int64)
    person = first + " " + last
    industry_titles = np.asarray([item.title() for item in INDUSTRIES], dtype=object)
    company = last + " " + industry_titles[np.arange(n) % len(INDUSTRIES)] + " Co."
    name = np.where(is_business, company, person)
    email = (
        pd.Series(first).str.lower()
        + "."
        + pd.Series(last).str.lower()
        + pd.Series(ids).astype(str)
        + "@example.com"
    ).to_numpy(dtype=object)
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
            "gender": gender.astype(object),
            "birth_date": np.where(is_business, np.datetime64("NaT"), birth),
            "city": city,
            "region_code": np.asarray(REGIONS, dtype=object)[region],
            "customer_type": np.where(is_business, "business", "individual").astype(object),
            "industry": np.where(
                is_business, np.asarray(INDUSTRIES, dtype=object)[rng.integers(0, 6, n)], None
            ),
            "acquisition_channel": np.asarray(ACQUISITION_CHANNELS, dtype=object)[
                row_choice(rng, GROUP_ACQUISITION[group])
            ],
            "interests": interests,
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


def build_world(config: GeneratorConfig) -> World:
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


# --------------------------------------------------------------------------- commerce chunks


@dataclass
class ChunkResult:
    customers: pd.DataFrame
    orders: pd.DataFrame
    order_lines: pd.DataFrame
    returns: pd.DataFrame
    tickets: pd.DataFrame
    surveys: pd.DataFrame
    rep_month_revenue: np.ndarray


def sample_group_days(
    rng: np.random.Generator, cdf: np.ndarray, group: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> np.ndarray:
    out = np.empty(len(group), dtype=np.int64)
    for g in range(cdf.shape[0]):
        mask = group == g
        if not mask.any():
            continue
        row = cdf[g]
        low = np.where(lo[mask] > 0, row[np.maximum(lo[mask] - 1, 0)], 0.0)
        high = row[hi[mask]]
        target = low + rng.random(mask.sum()) * (high - low)
        out[mask] = np.minimum(np.searchsorted(row, target, side="right"), hi[mask])
    return np.maximum(out, lo)


def generate_tickets(
    world: World, chunk: pd.DataFrame, n_tickets_total: float, rng: np.random.Generator, ticket_offset: int
) -> tuple[pd.DataFrame, np.ndarray]:
    """Tickets for one customer chunk; also each customer's first SLA-breach time (or NaT)."""
    customers = world.customers
    total_days = customers["_activity_days"].sum()
    lam = n_tickets_total * chunk["_activity_days"].to_numpy() / total_days
    count = rng.poisson(lam)
    index = np.repeat(np.arange(len(chunk)), count)
    n = len(index)
    lo = chunk["_active_from"].to_numpy()[index]
    hi = chunk["_active_to"].to_numpy()[index]
    day = lo + np.floor(rng.random(n) * (hi - lo + 1)).astype(int)
    opened = to_ts(
        world.days[day],
        rng.choice(24, size=n, p=CONSUMER_HOURS / CONSUMER_HOURS.sum()) * 3600 + rng.integers(0, 3600, n),
    )
    priority = rng.choice(len(PRIORITIES), size=n, p=PRIORITY_SHARE)
    weekday = (world.days[day].astype(np.int64) + 3) % 7
    load = np.where(weekday >= 5, 1.6, 1.0)  # thin weekend staffing
    response_hours = SLA_HOURS[priority] * np.exp(rng.normal(np.log(0.40), 0.7, n)) * load
    first_response = opened + hours(response_hours)
    breached = response_hours > SLA_HOURS[priority]
    resolved = first_response + hours(rng.lognormal(np.log(18), 0.9, n))
    is_open = resolved > world.end_ts
    csat = np.clip(np.round(rng.normal(4.4 - 1.6 * breached, 0.7)), 1, 5)
    csat_given = (rng.random(n) < 0.7) & ~is_open
    customer_ids = chunk["customer_id"].to_numpy()[index]
    frame = pd.DataFrame(
        {
            "ticket_id": np.arange(ticket_offset + 1, ticket_offset + n + 1, dtype=np.int64),
            "customer_id": customer_ids,
            "channel": choice(rng, ("phone", "email", "chat"), np.array([0.3, 0.3, 0.4]), n),
            "priority": np.asarray(PRIORITIES, dtype=object)[priority],
            "category": choice(
                rng, ("delivery", "product", "billing", "account"), np.array([0.4, 0.3, 0.2, 0.1]), n
            ),
            "status": np.where(is_open, "open", "resolved").astype(object),
            "opened_at": opened,
            "first_response_at": np.where(
                first_response > world.end_ts, np.datetime64("NaT"), first_response
            ),
            "resolved_at": np.where(is_open, np.datetime64("NaT"), resolved),
            "csat_score": pd.array(np.where(csat_given, csat, np.nan), dtype="Int32"),
            "updated_at": np.minimum(np.where(is_open, first_response, resolved), world.end_ts),
        }
    )
    frame[LOADED_AT] = nightly_load(frame["updated_at"].to_numpy(), world.load_cap)
    first_breach = np.full(len(chunk), np.datetime64("NaT"), dtype="datetime64[us]")
    if breached.any():
        breach_times = pd.Series(opened[breached]).groupby(index[breached]).min()
        first_breach[breach_times.index.to_numpy()] = breach_times.to_numpy()
    return frame, first_breach


def generate_commerce_chunk(
    world: World, chunk: pd.DataFrame, chunk_no: int, offsets: dict[str, int]
) -> ChunkResult:
    config = world.config
    rng = rng_for(config, 1, chunk_no)
    customers = world.customers
    lam = (
        ORDER_LOSS_ALLOWANCE
        * world.sizes.orders
        * chunk["_order_weight"].to_numpy()
        / customers["_order_weight"].sum()
    )
    tickets, first_breach = generate_tickets(world, chunk, world.sizes.tickets, rng, offsets["tickets"])

    count = rng.poisson(lam)
    cust_index = np.repeat(np.arange(len(chunk)), count)
    group = chunk["_group"].to_numpy()[cust_index]
    day = sample_group_days(
        rng,
        world.group_cdf,
        group,
        chunk["_active_from"].to_numpy()[cust_index],
        chunk["_active_to"].to_numpy()[cust_index],
    )
    is_business = chunk["customer_type"].to_numpy()[cust_index] == "business"
    hour_profile = np.where(is_business[:, None], BUSINESS_HOURS, CONSUMER_HOURS)
    hour = row_choice(rng, hour_profile)
    placed = to_ts(world.days[day], hour * 3600 + rng.integers(0, 3600, len(day)))
    # Slow service lowers repurchase: most orders after a customer's first SLA breach never happen.
    breach = first_breach[cust_index]
    lost = (~np.isnat(breach)) & (placed > breach) & (rng.random(len(placed)) > KEEP_ORDER_AFTER_BREACH)
    keep = ~lost
    cust_index, group, day, placed, is_business = (
        cust_index[keep],
        group[keep],
        day[keep],
        placed[keep],
        is_business[keep],
    )
    order_sort = np.lexsort((placed,))
    cust_index, group, day, placed, is_business = (
        cust_index[order_sort],
        group[order_sort],
        day[order_sort],
        placed[order_sort],
        is_business[order_sort],
    )
    n_orders = len(placed)
    order_ids = np.arange(offsets["orders"] + 1, offsets["orders"] + n_orders + 1, dtype=np.int64)

    campaign_pos = world.campaign_by_day[day]
    takes_promo = (campaign_pos >= 0) & (rng.random(n_orders) < 0.5 + 0.5 * GROUP_PROMO_AFFINITY[group])
    campaign_discount = np.array([c.discount_rate for c in world.campaigns] + [0.0])
    discount_rate = np.where(takes_promo, campaign_discount[campaign_pos], 0.0)
    campaign_id = np.where(takes_promo, campaign_pos + 1, 0)
    channel = row_choice(rng, GROUP_CHANNEL[group])

    # Order processing: payment minutes after placing, shipping hours later (slower in festival rush).
    paid = placed + hours(np.where(channel == 2, 0.0, rng.exponential(0.3, n_orders)))
    rush = cal.festival_factor(world.days[day]) > 1.5
    ship_hours = rng.lognormal(np.log(16), 0.45, n_orders) * np.where(rush, 2.2, 1.0)
    shipped = paid + hours(ship_hours)
    region = chunk["region_code"].to_numpy()[cust_index]
    far = np.isin(region, ("northwest", "northeast", "southwest"))
    delivered = shipped + hours(rng.gamma(3.0, 12.0, n_orders) + np.where(far, 36.0, 0.0))
    cancelled = rng.random(n_orders) < 0.03
    returned = (
        (~cancelled) & (rng.random(n_orders) < 0.025) & (delivered + np.timedelta64(7, "D") < world.end_ts)
    )
    status = np.full(n_orders, "delivered", dtype=object)
    status[delivered > world.end_ts] = "shipped"
    status[shipped > world.end_ts] = "paid"
    status[paid > world.end_ts] = "placed"
    status[cancelled] = "cancelled"
    status[returned] = "returned"
    shipped_out = np.where(np.isin(status, ("placed", "paid", "cancelled")), np.datetime64("NaT"), shipped)
    delivered_out = np.where(np.isin(status, ("delivered", "returned")), delivered, np.datetime64("NaT"))
    paid_out = np.where(status == "placed", np.datetime64("NaT"), paid)
    last_event = np.fmax(np.fmax(placed, paid_out), np.fmax(shipped_out, delivered_out))
    updated = np.where(cancelled, placed + hours(rng.uniform(1, 48, n_orders)), last_event)
    updated = np.minimum(updated, world.end_ts)
    owner = chunk["owner_sales_rep_id"].to_numpy()[cust_index]
    orders = pd.DataFrame(
        {
            "order_id": order_ids,
            "customer_id": chunk["customer_id"].to_numpy()[cust_index],
            "sales_rep_id": owner,
            "campaign_id": pd.array(np.where(campaign_id > 0, campaign_id, np.nan), dtype="Int64"),
            "channel": np.asarray(ORDER_CHANNELS, dtype=object)[channel],
            "status": status,
            "placed_at": placed,
            "paid_at": paid_out,
            "shipped_at": shipped_out,
            "delivered_at": delivered_out,
            "updated_at": updated,
        }
    )
    orders[LOADED_AT] = nightly_load(updated, world.load_cap)

    # Lines: number per order by group; product mix by group preference and the declining category.
    n_lines = 1 + rng.poisson(GROUP_LINES[group] - 1)
    order_of_line = np.repeat(np.arange(n_orders), n_lines)
    line_number = np.arange(len(order_of_line)) - np.repeat(np.cumsum(n_lines) - n_lines, n_lines) + 1
    line_group = group[order_of_line]
    line_day = day[order_of_line]
    years = line_day / 365.25
    preference = GROUP_CATEGORY_PREFERENCE[line_group].copy()
    decline = CATEGORIES.index(DECLINING_CATEGORY)
    preference[:, decline] *= np.exp(-DECLINE_RATE * years)
    category = row_choice(rng, preference)
    products = world.products
    by_category = [
        np.flatnonzero(products["_category_index"].to_numpy() == c) for c in range(len(CATEGORIES))
    ]
    pick = rng.zipf(1.6, len(category)) - 1
    product_index = pick_within(by_category, category, pick).astype(np.int64)
    line_date = world.days[line_day]
    launched = products["launched_on"].to_numpy()[product_index]
    discontinued = products["discontinued_on"].to_numpy()[product_index]
    off_sale = (line_date < launched) | (~np.isnat(discontinued) & (line_date > discontinued))
    product_index = np.where(off_sale, category, product_index)  # fall back to the evergreen product
    month = ((line_day // 30) % 97).astype(np.int64)
    price_rng = np.random.default_rng([config.seed, 7])
    price_multiplier_table = price_rng.uniform(0.85, 1.15, (len(products), 97))
    price_multiplier = price_multiplier_table[product_index, month]
    list_price = products["list_price"].to_numpy()[product_index]
    unit_price = np.round(list_price * price_multiplier, 2)
    line_discount_rate = discount_rate[order_of_line]
    effective_ratio = price_multiplier * (1 - line_discount_rate)
    elasticity = CATEGORY_ELASTICITY[products["_category_index"].to_numpy()[product_index]]
    quantity = 1 + rng.poisson(GROUP_EXTRA_UNITS[line_group] * effective_ratio**elasticity)
    discount_amount = np.round(unit_price * quantity * line_discount_rate, 2)
    lines = pd.DataFrame(
        {
            "order_id": order_ids[order_of_line],
            "line_number": line_number.astype(np.int32),
            "product_id": products["product_id"].to_numpy()[product_index],
            "quantity": quantity.astype(np.int32),
            "unit_price": unit_price,
            "discount_amount": discount_amount,
            "unit_cost": products["unit_cost"].to_numpy()[product_index],
            "updated_at": orders["placed_at"].to_numpy()[order_of_line],
        }
    )
    lines[LOADED_AT] = nightly_load(lines["updated_at"].to_numpy(), world.load_cap)

    # Returns: the first line of every returned order.
    returned_index = np.flatnonzero(status == "returned")
    first_line = np.searchsorted(order_of_line, returned_index)
    returned_at = delivered[returned_index] + hours(rng.uniform(24, 24 * 14, len(returned_index)))
    returned_at = np.minimum(returned_at, world.end_ts)
    net = lines["unit_price"].to_numpy() * quantity - discount_amount
    returns = pd.DataFrame(
        {
            "return_id": np.arange(
                offsets["returns"] + 1, offsets["returns"] + len(returned_index) + 1, dtype=np.int64
            ),
            "order_id": order_ids[returned_index],
            "line_number": np.ones(len(returned_index), dtype=np.int32),
            "product_id": lines["product_id"].to_numpy()[first_line],
            "quantity": quantity[first_line].astype(np.int32),
            "refund_amount": np.round(net[first_line], 2),
            "reason": choice(
                rng,
                ("damaged", "wrong_item", "not_as_described", "changed_mind"),
                np.array([0.25, 0.15, 0.3, 0.3]),
                len(returned_index),
            ),
            "returned_at": returned_at,
        }
    )
    returns[LOADED_AT] = nightly_load(returned_at, world.load_cap)

    # Surveys (NPS, CSAT): loyal customers promote; a breached ticket turns customers into detractors.
    survey_lam = world.sizes.surveys * chunk["_activity_days"].to_numpy() / customers["_activity_days"].sum()
    survey_count = rng.poisson(survey_lam)
    survey_index = np.repeat(np.arange(len(chunk)), survey_count)
    lo = chunk["_active_from"].to_numpy()[survey_index]
    hi = chunk["_active_to"].to_numpy()[survey_index]
    survey_day = lo + np.floor(rng.random(len(survey_index)) * (hi - lo + 1)).astype(int)
    responded = to_ts(world.days[survey_day], rng.integers(8 * 3600, 23 * 3600, len(survey_index)))
    after_breach = (~np.isnat(first_breach[survey_index])) & (responded > first_breach[survey_index])
    nps_mean = np.array([9.0, 6.5, 7.8, 8.2])[chunk["_group"].to_numpy()[survey_index]] - 3.5 * after_breach
    nps = np.clip(np.round(rng.normal(nps_mean, 1.3)), 0, 10)
    surveys = pd.DataFrame(
        {
            "response_id": np.arange(
                offsets["surveys"] + 1, offsets["surveys"] + len(survey_index) + 1, dtype=np.int64
            ),
            "customer_id": chunk["customer_id"].to_numpy()[survey_index],
            "responded_at": responded,
            "nps_score": nps.astype(np.int32),
            "csat_score": np.clip(np.round(1 + nps / 2.5 + rng.normal(0, 0.4, len(nps))), 1, 5).astype(
                np.int32
            ),
        }
    )
    surveys[LOADED_AT] = nightly_load(responded, world.load_cap)

    # Revenue per (rep, month) feeds the quota: set as if every rep were average.
    month_index = (placed.astype("datetime64[M]") - np.datetime64(config.start, "M")).astype(int)
    n_months = len(np.arange(np.datetime64(config.start, "M"), np.datetime64(config.end, "M") + 1))
    line_net = net
    order_net = np.bincount(order_of_line, weights=line_net, minlength=n_orders)
    counted = ~np.isin(status, ("cancelled",))
    rep_month = np.zeros((world.sizes.reps, n_months))
    np.add.at(rep_month, (owner[counted] - 1, month_index[counted]), order_net[counted])
    return ChunkResult(chunk, orders, lines, returns, tickets, surveys, rep_month)


# --------------------------------------------------------------------------- sales team & pipeline


def generate_sales_team(world: World, rep_month_revenue: np.ndarray) -> dict[str, pd.DataFrame]:
    config = world.config
    rng = rng_for(config, 2)
    reps = world.sizes.reps
    surnames = ("Gao", "Lin", "He", "Guo", "Ma", "Luo", "Liang", "Song", "Zheng", "Xie", "Han", "Tang")
    given = ("Hao", "Yu", "Xin", "Bo", "Rui", "Ting", "Kai", "Mei", "Yi", "Chao", "Dan", "Feng", "Ying")
    rep_names = [
        f"{given[i % len(given)]} {surnames[(i // len(given)) % len(surnames)]}" for i in range(reps)
    ]
    hired = np.datetime64(config.start, "D") - rng.integers(60, 3000, reps).astype("timedelta64[D]")
    tenure_years = (np.datetime64(config.end, "D") - hired).astype(int) / 365.25
    level = np.where(tenure_years > 6, "lead", np.where(tenure_years > 3, "senior", "junior"))
    rep_frame = pd.DataFrame(
        {
            "sales_rep_id": np.arange(1, reps + 1, dtype=np.int64),
            "rep_name": rep_names,
            "email": [f"rep{i + 1:04d}@sales.example.com" for i in range(reps)],
            "team_id": world.rep_team + 1,
            "region_code": np.asarray(REGIONS, dtype=object)[world.rep_region],
            "level": level.astype(object),
            "hired_on": hired,
            "left_on": np.full(reps, np.datetime64("NaT"), dtype="datetime64[D]"),
            "updated_at": hired.astype("datetime64[us]"),
        }
    )
    rep_frame[LOADED_AT] = world.load_cap
    n_teams = len(world.team_region)
    team_frame = pd.DataFrame(
        {
            "team_id": np.arange(1, n_teams + 1, dtype=np.int64),
            "team_name": [f"{region.title()} Team {i + 1}" for i, region in enumerate(world.team_region)],
            "region_code": list(world.team_region),
            "manager_name": [
                f"Manager {given[(i * 5) % len(given)]} {surnames[(i * 7) % len(surnames)]}"
                for i in range(n_teams)
            ],
            "created_on": np.full(n_teams, np.datetime64(config.start, "D") - np.timedelta64(3000, "D")),
        }
    )
    team_frame[LOADED_AT] = world.load_cap
    months = np.arange(np.datetime64(config.start, "M"), np.datetime64(config.end, "M") + 1)
    neutral = rep_month_revenue / (world.rep_skill[:, None] ** 1.5)
    # Quota: last year's neutral run-rate would be realistic; this keeps attainment about skill.
    quota = np.round(np.maximum(neutral * rng.uniform(0.92, 1.08, neutral.shape), 1000.0), -2)
    rep_index, month_index = np.meshgrid(np.arange(reps), np.arange(len(months)), indexing="ij")
    target_frame = pd.DataFrame(
        {
            "sales_rep_id": (rep_index.ravel() + 1).astype(np.int64),
            "target_month": months[month_index.ravel()].astype("datetime64[D]"),
            "revenue_target": quota.ravel(),
            "new_customer_target": rng.integers(1, 6, quota.size).astype(np.int32),
        }
    )
    target_frame[LOADED_AT] = np.minimum(
        (target_frame["target_month"].to_numpy() - np.timedelta64(5, "D")).astype("datetime64[us]"),
        world.load_cap,
    )
    years = max(1.0, len(world.days) / 365.25)
    per_rep = rng.poisson((2.0 + 4.0 * (world.rep_skill - 0.55)) * years)
    trainee = np.repeat(np.arange(reps), per_rep)
    n = len(trainee)
    completed = np.datetime64(config.start, "D") + rng.integers(0, len(world.days), n).astype(
        "timedelta64[D]"
    )
    courses = (
        "Consultative selling",
        "Negotiation",
        "Product deep dive",
        "CRM hygiene",
        "Data-driven selling",
        "Key account management",
    )
    training_frame = pd.DataFrame(
        {
            "training_id": np.arange(1, n + 1, dtype=np.int64),
            "sales_rep_id": (trainee + 1).astype(np.int64),
            "course_name": choice(rng, courses, np.ones(len(courses)), n),
            "completed_on": completed,
            "hours": rng.choice([2.0, 4.0, 8.0, 16.0], n),
            "assessment_score": np.round(
                np.clip(rng.normal(60 + 20 * world.rep_skill[trainee], 8), 0, 100), 1
            ),
        }
    )
    training_frame[LOADED_AT] = nightly_load(completed.astype("datetime64[us]"), world.load_cap)
    return {
        "sales_reps": rep_frame,
        "sales_teams": team_frame,
        "sales_targets": target_frame,
        "trainings": training_frame,
    }


def generate_pipeline_chunk(
    world: World, chunk_no: int, n_leads: int, offsets: dict[str, int]
) -> dict[str, pd.DataFrame]:
    config = world.config
    rng = rng_for(config, 3, chunk_no)
    days = world.days
    weights = cal.trend_factor(days, config.start) * np.where((days.astype(np.int64) + 3) % 7 >= 5, 0.3, 1.0)
    weights *= np.where(cal.festival_factor(days) < 0.5, 0.3, 1.0)
    day = rng.choice(len(days), size=n_leads, p=weights / weights.sum())
    day.sort()
    created = to_ts(days[day], rng.integers(8 * 3600, 19 * 3600, n_leads))
    source = rng.choice(len(LEAD_SOURCES), size=n_leads, p=LEAD_SOURCE_SHARE)
    region = rng.choice(len(REGIONS), size=n_leads, p=REGION_WEIGHTS)
    reps_by_region = [np.flatnonzero(world.rep_region == r) for r in range(len(REGIONS))]
    rep = pick_within(reps_by_region, region, rng.integers(0, 10_000, n_leads)).astype(np.int64)
    skill = world.rep_skill[rep]
    contacted = rng.random(n_leads) >= NEVER_CONTACTED_RATE
    first_contact = created + hours(rng.lognormal(np.log(8.0 / skill), 0.8))
    contacted &= first_contact <= world.end_ts
    converts = contacted & (
        rng.random(n_leads) < np.clip(LEAD_SOURCE_CONVERSION[source] * skill**0.5, 0, 0.95)
    )
    converted_at = first_contact + hours(24 * rng.lognormal(np.log(5.0), 0.6, n_leads))
    converts &= converted_at <= world.end_ts
    status = np.where(
        converts,
        "converted",
        np.where(contacted, np.where(rng.random(n_leads) < 0.7, "disqualified", "contacted"), "new"),
    ).astype(object)
    lead_ids = np.arange(offsets["leads"] + 1, offsets["leads"] + n_leads + 1, dtype=np.int64)
    industry = np.asarray(INDUSTRIES, dtype=object)[rng.integers(0, len(INDUSTRIES), n_leads)]
    leads = pd.DataFrame(
        {
            "lead_id": lead_ids,
            "lead_source": np.asarray(LEAD_SOURCES, dtype=object)[source],
            "region_code": np.asarray(REGIONS, dtype=object)[region],
            "sales_rep_id": rep + 1,
            "company_name": [f"Prospect {i} Ltd." for i in lead_ids],
            "contact_email": [f"contact{i}@prospect.example.com" for i in lead_ids],
            "industry": industry,
            "status": status,
            "created_at": created,
            "first_contacted_at": np.where(contacted, first_contact, np.datetime64("NaT")),
            "converted_at": np.where(converts, converted_at, np.datetime64("NaT")),
        }
    )
    leads["updated_at"] = np.fmax(
        np.fmax(created, leads["first_contacted_at"].to_numpy()), leads["converted_at"].to_numpy()
    )
    leads[LOADED_AT] = nightly_load(leads["updated_at"].to_numpy(), world.load_cap)

    # Opportunities walk the funnel; skill raises pass rates and shortens stage dwell times.
    opp_lead = np.flatnonzero(converts)
    n_opps = len(opp_lead)
    opp_ids = np.arange(offsets["opportunities"] + 1, offsets["opportunities"] + n_opps + 1, dtype=np.int64)
    opp_skill = skill[opp_lead]
    n_stages = len(FUNNEL_STAGES)
    amount0 = np.round(rng.lognormal(np.log(60_000), 0.7, n_opps), -2)
    # Winning gets easier with skill and warm sources, harder for big deals.
    win_strength = (
        opp_skill * LEAD_SOURCE_WIN_FACTOR[source[opp_lead]] * (amount0 / 60_000) ** DEAL_SIZE_WIN_ELASTICITY
    )
    passes = rng.random((n_opps, n_stages)) < STAGE_PASS[None, :] ** (1.0 / win_strength[:, None])
    dwell_days = rng.lognormal(
        np.log(STAGE_MEDIAN_DAYS[None, :] / opp_skill[:, None]), 0.5, (n_opps, n_stages)
    )
    entered = np.empty((n_opps, n_stages + 1), dtype="datetime64[us]")
    entered[:, 0] = converted_at[opp_lead]
    for stage in range(n_stages):
        entered[:, stage + 1] = entered[:, stage] + hours(24 * dwell_days[:, stage])
    # Last open stage reached = first failed stage (or the last stage when all pass).
    failed = ~passes
    first_fail = np.where(failed.any(axis=1), failed.argmax(axis=1), n_stages)
    won = first_fail == n_stages
    close_time = entered[np.arange(n_opps), np.minimum(first_fail + 1, n_stages)]
    closed = close_time <= world.end_ts
    # Stage reached by the end of the data for still-open deals.
    reached_open = (entered[:, :n_stages] <= world.end_ts).sum(axis=1) - 1
    last_open_stage = np.where(
        closed, np.minimum(first_fail, n_stages - 1), np.minimum(reached_open, first_fail)
    )
    amount1 = np.round(amount0 * rng.uniform(0.85, 1.1, n_opps), -2)
    final_stage = np.where(
        closed,
        np.where(won, "closed_won", "closed_lost"),
        np.asarray(FUNNEL_STAGES, dtype=object)[last_open_stage],
    ).astype(object)
    proposal = FUNNEL_STAGES.index("proposal")
    current_amount = np.where(last_open_stage >= proposal, amount1, amount0)
    business = world.customers.loc[world.customers["customer_type"] == "business"]
    business_region = business["region_code"].to_numpy()
    business_ids = business["customer_id"].to_numpy()
    opp_region = region[opp_lead]
    customer_id = np.full(n_opps, -1, dtype=np.int64)
    for r in range(len(REGIONS)):
        pool = business_ids[business_region == REGIONS[r]]
        mask = (opp_region == r) & won & closed
        if len(pool) and mask.any():
            customer_id[mask] = pool[rng.integers(0, len(pool), mask.sum())]
    closed_at = np.where(closed, close_time, np.datetime64("NaT"))
    opportunities = pd.DataFrame(
        {
            "opportunity_id": opp_ids,
            "lead_id": lead_ids[opp_lead],
            "customer_id": pd.array(np.where(customer_id > 0, customer_id, np.nan), dtype="Int64"),
            "sales_rep_id": rep[opp_lead] + 1,
            "opportunity_name": [
                f"{industry[i].title()} deal {o}" for i, o in zip(opp_lead, opp_ids, strict=True)
            ],
            "stage": final_stage,
            "amount": current_amount,
            "created_at": entered[:, 0],
            "expected_close_date": (entered[:, 0] + np.timedelta64(60, "D")).astype("datetime64[D]"),
            "closed_at": closed_at,
        }
    )
    opportunities["updated_at"] = np.where(
        closed, close_time, entered[np.arange(n_opps), np.maximum(last_open_stage, 0)]
    )
    opportunities[LOADED_AT] = nightly_load(opportunities["updated_at"].to_numpy(), world.load_cap)

    # Stage history: one row per open stage entered, plus the closing stage.
    visits = np.where(closed, np.minimum(first_fail, n_stages - 1) + 1, last_open_stage + 1)
    visit_opp = np.repeat(np.arange(n_opps), visits)
    visit_stage = np.arange(len(visit_opp)) - np.repeat(np.cumsum(visits) - visits, visits)
    history = pd.DataFrame(
        {
            "opportunity_id": opp_ids[visit_opp],
            "stage": np.asarray(FUNNEL_STAGES, dtype=object)[visit_stage],
            "entered_at": entered[visit_opp, visit_stage],
            "amount": np.where(visit_stage >= proposal, amount1[visit_opp], amount0[visit_opp]),
        }
    )
    closing = pd.DataFrame(
        {
            "opportunity_id": opp_ids[closed],
            "stage": final_stage[closed],
            "entered_at": close_time[closed],
            "amount": current_amount[closed],
        }
    )
    history = pd.concat([history, closing], ignore_index=True).sort_values(
        ["opportunity_id", "entered_at"], kind="stable", ignore_index=True
    )
    history[LOADED_AT] = nightly_load(history["entered_at"].to_numpy(), world.load_cap)

    # Activities: touches on contacted leads and during each stage visit.
    lead_touch = np.where(contacted, 1 + rng.poisson(1.5 * skill), 0)
    touch_lead = np.repeat(np.arange(n_leads), lead_touch)
    touch_order = np.arange(len(touch_lead)) - np.repeat(np.cumsum(lead_touch) - lead_touch, lead_touch)
    touch_at = first_contact[touch_lead] + hours(touch_order * 24 * rng.uniform(0.5, 3, len(touch_lead)))
    stage_touch = rng.poisson(1.2 * opp_skill[visit_opp])
    touch_visit = np.repeat(np.arange(len(visit_opp)), stage_touch)
    visit_start = entered[visit_opp, visit_stage]
    visit_len = dwell_days[visit_opp, visit_stage]
    stage_at = visit_start[touch_visit] + hours(24 * visit_len[touch_visit] * rng.random(len(touch_visit)))
    activity_rep = np.concatenate([rep[touch_lead], rep[opp_lead][visit_opp][touch_visit]]) + 1
    n_act = len(activity_rep)
    activity_type = np.concatenate(
        [
            choice(rng, ("call", "email"), np.array([0.6, 0.4]), len(touch_lead)),
            choice(
                rng, ("call", "email", "visit", "meeting"), np.array([0.35, 0.3, 0.15, 0.2]), len(touch_visit)
            ),
        ]
    )
    activities = pd.DataFrame(
        {
            "activity_id": np.arange(
                offsets["activities"] + 1, offsets["activities"] + n_act + 1, dtype=np.int64
            ),
            "sales_rep_id": activity_rep.astype(np.int64),
            "lead_id": np.concatenate([lead_ids[touch_lead], lead_ids[opp_lead][visit_opp][touch_visit]]),
            "opportunity_id": pd.array(
                np.concatenate(
                    [np.full(len(touch_lead), np.nan), opp_ids[visit_opp][touch_visit].astype(float)]
                ),
                dtype="Int64",
            ),
            "activity_type": activity_type,
            "activity_at": np.concatenate([touch_at, stage_at]),
            "duration_minutes": np.where(
                np.isin(activity_type, ("visit", "meeting")),
                rng.integers(30, 120, n_act),
                rng.integers(3, 30, n_act),
            ).astype(np.int32),
        }
    )
    activities = activities.loc[activities["activity_at"] <= world.end_ts].reset_index(drop=True)
    activities[LOADED_AT] = nightly_load(activities["activity_at"].to_numpy(), world.load_cap)
    return {
        "leads": leads,
        "opportunities": opportunities,
        "opportunity_stage_history": history,
        "activities": activities,
    }


def generate_marketing(world: World) -> dict[str, pd.DataFrame]:
    rng = rng_for(world.config, 4)
    campaigns = pd.DataFrame(
        {
            "campaign_id": np.array([c.campaign_id for c in world.campaigns], dtype=np.int64),
            "campaign_name": [c.name for c in world.campaigns],
            "campaign_type": [c.campaign_type for c in world.campaigns],
            "discount_rate": [c.discount_rate for c in world.campaigns],
            "start_date": np.array([c.start for c in world.campaigns], dtype="datetime64[D]"),
            "end_date": np.array([c.end for c in world.campaigns], dtype="datetime64[D]"),
            "spend": [c.spend for c in world.campaigns],
        }
    )
    campaigns[LOADED_AT] = nightly_load(
        campaigns["start_date"].to_numpy().astype("datetime64[us]"), world.load_cap
    )
    months = np.arange(np.datetime64(world.config.start, "M"), np.datetime64(world.config.end, "M") + 1)
    rows = []
    for region in REGIONS:
        walk = 100 + np.cumsum(rng.normal(0, 1.2, len(months)))
        rows.append(
            pd.DataFrame(
                {
                    "region_code": region,
                    "indicator_month": months.astype("datetime64[D]"),
                    "consumer_confidence_index": np.round(walk, 2),
                }
            )
        )
    indicators = pd.concat(rows, ignore_index=True)
    indicators[LOADED_AT] = nightly_load(
        indicators["indicator_month"].to_numpy().astype("datetime64[us]") + np.timedelta64(35, "D"),
        world.load_cap,
    )
    return {"campaigns": campaigns, "market_indicators": indicators}


# --------------------------------------------------------------------------- driver


def public(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[[column for column in frame.columns if not column.startswith("_") or column == LOADED_AT]]


def customer_chunks(world: World) -> Iterator[tuple[int, pd.DataFrame]]:
    customers = world.customers
    for chunk_no, begin in enumerate(range(0, len(customers), CUSTOMER_CHUNK)):
        yield chunk_no, customers.iloc[begin : begin + CUSTOMER_CHUNK]


def manifest_patterns(world: World) -> dict[str, object]:
    strong = np.flatnonzero(world.rep_skill >= 1.6) + 1
    weak = np.flatnonzero(world.rep_skill <= 0.55) + 1
    return {
        "trend_annual_growth": cal.ANNUAL_TREND,
        "weekday_factors_monday_first": list(cal.WEEKDAY_FACTORS),
        "yearly_amplitude": cal.YEARLY_AMPLITUDE,
        "spring_festival": {
            "dates": [
                d.isoformat()
                for y, d in cal.SPRING_FESTIVAL.items()
                if world.config.start.year <= y <= world.config.end.year
            ],
            "half_width_days": cal.SPRING_FESTIVAL_HALF_WIDTH,
            "demand_multiplier": cal.SPRING_FESTIVAL_TROUGH,
        },
        "festival_peaks": {
            name: {"month": m, "day": d, "multiplier": p} for name, (m, d, p) in cal.FESTIVAL_PEAKS.items()
        },
        "promotions": {
            "flash_sale_lift": 1.5,
            "campaign_count": len(world.campaigns),
            "promo_affinity_by_group": dict(zip(GROUPS, GROUP_PROMO_AFFINITY.tolist(), strict=True)),
        },
        "declining_category": {"category": DECLINING_CATEGORY, "share_decline_rate_per_year": DECLINE_RATE},
        "price_elasticity": {
            "model": "quantity = 1 + Poisson(extra_units[group] * (price_multiplier * (1 - discount)) ** e)",
            "by_category": dict(zip(CATEGORIES, CATEGORY_ELASTICITY.tolist(), strict=True)),
        },
        "reps": {
            "strong_rep_ids": strong.tolist(),
            "weak_rep_ids": weak.tolist(),
            "effects": "order rate x skill**1.5; stage pass p**(1/strength) with strength = skill x "
            "lead-source win factor x (amount/60000)**deal_size_win_elasticity; stage dwell / skill",
        },
        "funnel": {
            "stages": list(FUNNEL_STAGES),
            "pass_probability": dict(zip(FUNNEL_STAGES, STAGE_PASS.tolist(), strict=True)),
            "median_days": dict(zip(FUNNEL_STAGES, STAGE_MEDIAN_DAYS.tolist(), strict=True)),
            "bottleneck_stage": BOTTLENECK_STAGE,
        },
        "lead_sources": {
            "conversion": dict(zip(LEAD_SOURCES, LEAD_SOURCE_CONVERSION.tolist(), strict=True)),
            "never_contacted_rate": NEVER_CONTACTED_RATE,
            "win_factor": dict(zip(LEAD_SOURCES, LEAD_SOURCE_WIN_FACTOR.tolist(), strict=True)),
            "deal_size_win_elasticity": DEAL_SIZE_WIN_ELASTICITY,
        },
        "customer_groups": {
            "names": list(GROUPS),
            "share": dict(zip(GROUPS, GROUP_SHARE.tolist(), strict=True)),
            "order_rate": dict(zip(GROUPS, GROUP_ORDER_RATE.tolist(), strict=True)),
            "truth_file": "truth/customer_groups.parquet",
        },
        "service": {
            "sla_hours": dict(zip(PRIORITIES, SLA_HOURS.tolist(), strict=True)),
            "keep_order_after_breach": KEEP_ORDER_AFTER_BREACH,
        },
    }


def generate(config: GeneratorConfig, out: Path) -> dict[str, object]:
    """Write every raw entity of the enabled domains to `out` and return the manifest."""
    out.mkdir(parents=True, exist_ok=True)
    world = build_world(config)
    entities = entities_for(config.domains)
    sink = ParquetSink(out, entities)
    ledger = DefectLedger()
    offsets = {
        "orders": 0,
        "returns": 0,
        "tickets": 0,
        "surveys": 0,
        "leads": 0,
        "opportunities": 0,
        "activities": 0,
    }
    n_products = len(world.products)
    rep_month = None
    for chunk_no, chunk in customer_chunks(world):
        result = generate_commerce_chunk(world, chunk, chunk_no, offsets)
        rng = rng_for(config, 5, chunk_no)
        frames = {
            "customers": public(result.customers),
            "orders": result.orders,
            "order_lines": result.order_lines,
            "returns": result.returns,
            "support_tickets": result.tickets,
            "survey_responses": result.surveys,
        }
        dirty = plant_defects(
            frames,
            rng,
            config.defect_rate,
            ledger,
            n_products=n_products,
            n_customers=len(world.customers),
            end_ts=world.end_ts,
        )
        for name, frame in dirty.items():
            sink.write(name, frame)
        offsets["orders"] += len(result.orders)
        offsets["returns"] += len(result.returns)
        offsets["tickets"] += len(result.tickets)
        offsets["surveys"] += len(result.surveys)
        rep_month = result.rep_month_revenue if rep_month is None else rep_month + result.rep_month_revenue
    sink.write("products", public(world.products))
    assert rep_month is not None
    for name, frame in generate_sales_team(world, rep_month).items():
        sink.write(name, frame)
    if "pipeline" in config.domains:
        n_leads = world.sizes.leads
        for chunk_no, begin in enumerate(range(0, n_leads, LEAD_CHUNK)):
            frames = generate_pipeline_chunk(world, chunk_no, min(LEAD_CHUNK, n_leads - begin), offsets)
            for name, frame in frames.items():
                sink.write(name, frame)
            offsets["leads"] += len(frames["leads"])
            offsets["opportunities"] += len(frames["opportunities"])
            # Activity ids are numbered before the activities after the end of the data are dropped,
            # so the kept ids have gaps: the next chunk continues after the largest id kept (the
            # number of rows kept would reuse ids of this chunk).
            if len(frames["activities"]):
                offsets["activities"] = int(frames["activities"]["activity_id"].max())
    for name, frame in generate_marketing(world).items():
        sink.write(name, frame)
    sink.close()

    truth = out / "truth"
    truth.mkdir(exist_ok=True)
    pq.write_table(
        pa.table(
            {
                "customer_id": world.customers["customer_id"].to_numpy(),
                "group_name": np.asarray(GROUPS, dtype=object)[world.customers["_group"].to_numpy()],
            }
        ),
        truth / "customer_groups.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "sales_rep_id": np.arange(1, world.sizes.reps + 1, dtype=np.int64),
                "skill": world.rep_skill,
            }
        ),
        truth / "rep_skill.parquet",
    )
    enabled = {item.name for item in entities}
    manifest: dict[str, object] = {
        "generator_version": GENERATOR_VERSION,
        "config": {
            **asdict(config),
            "start": config.start.isoformat(),
            "end": config.end.isoformat(),
            "domains": list(config.domains),
        },
        "generated_for": datetime(config.end.year, config.end.month, config.end.day).isoformat(),
        "row_counts": dict(sorted(sink.rows.items())),
        "defects": ledger.as_dict(enabled),
        "patterns": manifest_patterns(world),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


def parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise ValueError(f"not a date (YYYY-MM-DD): {value!r}") from error
