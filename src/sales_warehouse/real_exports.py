"""The `real-export` data profile: small raw files with the shapes real shop and CRM exports have.

The demo generator writes clean, complete columns with a few planted dirty rows. Real exports
differ in shape, not only in dirt: guest checkouts without a customer, credit notes that reverse
an earlier invoice with negative quantities, costs and list prices that are simply not exported,
customers in dozens of countries, lead sources nobody listed, a CRM that only exports won deals,
3-decimal unit prices and timestamps out of order. This profile writes those shapes into the raw
contract's layout (one parquet file per entity, the contract's column names and types, optional
columns left out) so the warehouse can be built and reconciled on them.

Everything is drawn from one seed: the same seed and variant give byte-identical files. What was
planted, and how often, is written to `manifest.json` (`shapes` and `defects`) next to the data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sales_warehouse.contract import LOADED_AT, Column, entity
from sales_warehouse.generator import ARROW_TYPES

PROFILE = "real-export"
VARIANTS: tuple[str, ...] = ("multi-product", "single-product")
ALLOWED_DOMAINS: tuple[str, ...] = ("commerce", "pipeline")
# The dbt vars a build of this profile needs: the domains it does not write are switched off, and
# the as-of date is pinned to the data's last day so recency does not depend on the build's data.
BUILD_VARS: dict[str, object] = {
    "enable_sales_team": False,
    "enable_service": False,
    "enable_marketing": False,
}

# Optional contract columns these exports do not have at all (absent from the file, not null).
ABSENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "customers": ("owner_sales_rep_id",),
    "products": ("list_price", "unit_cost", "launched_on"),
    "orders": ("sales_rep_id", "campaign_id"),
}
CREDITED_ORDER_ID = Column(
    "credited_order_id",
    "BIGINT",
    "For a credit note / cancellation invoice, the order it reverses; null for a sale.",
)
# Columns written even if the contract does not list them yet, placed before `updated_at`.
EXTRA_COLUMNS: dict[str, tuple[Column, ...]] = {"orders": (CREDITED_ORDER_ID,)}
COMMERCE_ENTITIES: tuple[str, ...] = ("customers", "products", "orders", "order_lines", "returns")
PIPELINE_ENTITIES: tuple[str, ...] = ("leads", "opportunities", "opportunity_stage_history", "activities")

COUNTRIES: tuple[str, ...] = (
    "gb", "de", "fr", "nl", "be", "es", "it", "pt", "ie", "dk", "se", "no", "fi", "pl", "cz",
    "at", "ch", "gr", "us", "ca", "br", "mx", "au", "nz", "jp", "sg", "ae", "za", "il", "cn",
)  # fmt: skip
CUSTOMER_TYPES: tuple[str | None, ...] = ("individual", "business", "reseller", None)
CUSTOMER_TYPE_SHARE = np.array([0.70, 0.20, 0.05, 0.05])
ORDER_CHANNELS: tuple[str, ...] = ("web", "app", "store", "phone", "marketplace")
ORDER_CHANNEL_SHARE = np.array([0.48, 0.25, 0.10, 0.05, 0.12])
SALE_STATUSES: tuple[str, ...] = ("placed", "paid", "shipped", "delivered", "cancelled", "returned")
SALE_STATUS_SHARE = np.array([0.03, 0.07, 0.08, 0.70, 0.07, 0.05])
REVENUE_STATUSES: tuple[str, ...] = ("paid", "shipped", "delivered")
CREDIT_NOTE_STATUS = "paid"  # the refund is booked; the credit note nets revenue in its own month
CATEGORIES: tuple[str, ...] = ("Home", "Kitchen", "Garden", "Toys", "Stationery", "Gifts")
LEAD_SOURCES: tuple[str | None, ...] = (
    "paid_search", "organic_search", "email", "direct", "social", "referral", "display", "unknown", None,
)  # fmt: skip
LEAD_SOURCE_SHARE = np.array([0.22, 0.20, 0.10, 0.08, 0.10, 0.06, 0.06, 0.10, 0.08])
LEAD_SOURCE_CONVERSION = np.array([0.12, 0.18, 0.10, 0.15, 0.06, 0.35, 0.04, 0.08, 0.10])
CRM_OWNERS = 6  # sales reps named on won deals (the HR export is not part of this profile)

GUEST_SHARE = 0.05
MISSING_COST_SHARE = 0.20
DISORDER_SHARE = 0.0075  # per kind: shipped before paid, delivered before shipped
CLOSED_BEFORE_CREATED_SHARE = 0.02
FULL_CREDIT_SHARE = 0.01
PARTIAL_CREDIT_SHARE = 0.02
SUPERSEDED_ORDER_SHARE = 0.02
SUPERSEDED_LINE_SHARE = 0.01


@dataclass(frozen=True)
class RealExportConfig:
    seed: int = 42
    start: date = date(2024, 7, 1)
    end: date = date(2025, 12, 31)
    variant: str = "multi-product"
    domains: tuple[str, ...] = ALLOWED_DOMAINS
    customers: int = 450
    orders: int = 1700
    products: int = 40
    leads: int = 1000

    def __post_init__(self) -> None:
        if self.seed < 0:
            raise ValueError(f"--seed must be a non-negative integer, got {self.seed}")
        if self.variant not in VARIANTS:
            raise ValueError(f"--variant must be one of {list(VARIANTS)}, got {self.variant!r}")
        if (self.end - self.start).days < 180:
            raise ValueError(f"the period {self.start}..{self.end} is shorter than 180 days")
        unknown = sorted(set(self.domains) - set(ALLOWED_DOMAINS))
        if unknown:
            raise ValueError(f"the {PROFILE} profile writes only {list(ALLOWED_DOMAINS)}; got {unknown}")
        if "commerce" not in self.domains:
            raise ValueError("the commerce domain is required")

    @property
    def product_count(self) -> int:
        return 1 if self.variant == "single-product" else self.products


# --------------------------------------------------------------------------- small helpers


def rng_for(config: RealExportConfig, stream: int) -> np.random.Generator:
    return np.random.default_rng([config.seed, 9000 + stream])


def end_ts(config: RealExportConfig) -> np.datetime64:
    return np.datetime64(config.end, "us") + np.timedelta64(86_399, "s")


def minutes(values: np.ndarray) -> np.ndarray:
    return (np.asarray(values, dtype=float) * 60_000_000).astype(np.int64).astype("timedelta64[us]")


def nightly_load(ts: np.ndarray) -> np.ndarray:
    """The nightly extract that picks a change up: 02:00 the next day."""
    return ts.astype("datetime64[D]").astype("datetime64[us]") + np.timedelta64(26, "h")


def pick(rng: np.random.Generator, options: tuple[object, ...], share: np.ndarray, size: int) -> np.ndarray:
    return np.asarray(options, dtype=object)[rng.choice(len(options), size=size, p=share / share.sum())]


def even_milli_price(values: np.ndarray) -> np.ndarray:
    """Prices with three decimals whose third decimal is even.

    Any sum of quantity x price then ends in an even tenth of a cent, so no line or order total
    lies exactly on a half cent: rounding to cents has one answer whether it is done in double or
    in exact decimals, and a reconciliation cannot fail on a rounding-mode tie.
    """
    return np.round(np.asarray(values) * 500.0) / 500.0


def chosen(rng: np.random.Generator, candidates: np.ndarray, share: float, total: int) -> np.ndarray:
    """About `share * total` distinct entries of `candidates` (at least one), sorted."""
    count = min(len(candidates), max(1, round(share * total)))
    return np.sort(rng.choice(candidates, size=count, replace=False)) if count else candidates[:0]


# --------------------------------------------------------------------------- entities


def build_customers(config: RealExportConfig, rng: np.random.Generator) -> pd.DataFrame:
    n = config.customers
    ids = np.arange(1, n + 1, dtype=np.int64)
    start = np.datetime64(config.start, "D")
    span = (np.datetime64(config.end, "D") - start).astype(int)
    created_day = start + rng.integers(-365, span - 30, n).astype("timedelta64[D]")
    created = created_day.astype("datetime64[us]") + minutes(rng.uniform(0, 1440, n))
    kind = pick(rng, CUSTOMER_TYPES, CUSTOMER_TYPE_SHARE, n)
    is_company = np.isin(kind, ["business", "reseller"])
    country = pick(rng, COUNTRIES, np.linspace(3.0, 0.5, len(COUNTRIES)), n)
    case = rng.random(n)
    region = np.where(case < 0.6, np.char.upper(country.astype(str)), country).astype(object)
    region[case > 0.97] = None
    birth = start - rng.integers(18 * 365, 75 * 365, n).astype("timedelta64[D]")
    has_birth = (kind == "individual") & (rng.random(n) < 0.3)
    email = np.array([f"customer{i}@example.com" for i in ids], dtype=object)
    email[rng.random(n) < 0.05] = None
    phone = np.array([f"+{rng.integers(1, 99)} {rng.integers(10**8, 10**9)}" for _ in ids], dtype=object)
    phone[rng.random(n) < 0.4] = None
    gender = pick(rng, ("female", "male", "unknown", None), np.array([0.4, 0.35, 0.1, 0.15]), n)
    gender[is_company] = None
    industry = pick(rng, ("retail", "hospitality", "education", "wholesale"), np.ones(4), n)
    industry[~is_company] = None
    channel = pick(rng, ("organic_search", "paid_ads", "social", "referral", None), np.ones(5), n)
    return pd.DataFrame(
        {
            "customer_id": ids,
            "customer_name": [
                f"{'Company' if company else 'Customer'} {i}"
                for i, company in zip(ids, is_company, strict=True)
            ],
            "email": email,
            "phone": phone,
            "gender": gender,
            "birth_date": np.where(has_birth, birth, np.datetime64("NaT")).astype("datetime64[D]"),
            "city": np.array([f"City {int(i) % 97}" for i in ids], dtype=object),
            "region_code": region,
            "customer_type": kind,
            "industry": industry,
            "acquisition_channel": channel,
            "interests": np.full(n, None, dtype=object),
            "created_at": created,
            "updated_at": created,
            LOADED_AT: nightly_load(created),
        }
    )


def build_products(config: RealExportConfig, rng: np.random.Generator) -> pd.DataFrame:
    n = config.product_count
    ids = np.arange(1, n + 1, dtype=np.int64)
    category = pick(rng, CATEGORIES, np.ones(len(CATEGORIES)), n)
    if n > 1:  # a few products the export has no category for
        category[rng.choice(n, size=max(1, n // 12), replace=False)] = None
    start = np.datetime64(config.start, "D")
    discontinued = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    if n > 1:
        discontinued[rng.choice(n, size=max(1, n // 15), replace=False)] = start + np.timedelta64(300, "D")
    updated = np.full(n, start - np.timedelta64(30, "D")).astype("datetime64[us]")
    return pd.DataFrame(
        {
            "product_id": ids,
            "product_name": [f"Product {i:03d}" for i in ids],
            "category": category,
            "subcategory": np.full(n, None, dtype=object),
            "brand": pick(rng, ("Acme", "Borealis", "Cobalt", None), np.array([3.0, 2.0, 2.0, 1.0]), n),
            "discontinued_on": discontinued,
            "updated_at": updated,
            LOADED_AT: nightly_load(updated),
            "_base_price": np.round(rng.lognormal(np.log(25.0), 0.8, n), 3),
        }
    )


def order_times(config: RealExportConfig, rng: np.random.Generator, n: int) -> np.ndarray:
    """Placement times with growth over the period and more orders in the evening."""
    start = np.datetime64(config.start, "D")
    span = int((np.datetime64(config.end, "D") - start).astype(int)) + 1
    day_weight = np.linspace(1.0, 1.8, span)
    days = np.sort(rng.choice(span, size=n, p=day_weight / day_weight.sum()))
    hour_weight = np.array([1, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 9, 9, 8, 5, 2], float)
    hour = rng.choice(24, size=n, p=hour_weight / hour_weight.sum())
    return (start + days.astype("timedelta64[D]")).astype("datetime64[us]") + minutes(
        hour * 60 + rng.uniform(0, 60, n)
    )


def assign_customers(customers: pd.DataFrame, placed: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A customer created before each order, heavy buyers more often (vectorised)."""
    order = np.argsort(customers["created_at"].to_numpy(), kind="stable")
    created = customers["created_at"].to_numpy()[order]
    weight = np.cumsum(rng.lognormal(0.0, 1.0, len(order)))
    eligible = np.maximum(np.searchsorted(created, placed, side="right"), 1)
    draws = rng.random(len(placed)) * weight[eligible - 1]
    index = np.minimum(np.searchsorted(weight, draws, side="right"), eligible - 1)
    return customers["customer_id"].to_numpy()[order][index]


def lifecycle(
    status: np.ndarray, placed: np.ndarray, rng: np.random.Generator, cap: np.datetime64
) -> pd.DataFrame:
    """Paid, shipped and delivered times for each status; events after the extract are not there yet."""
    n = len(status)
    paid = placed + minutes(rng.uniform(1, 120, n))
    shipped = paid + minutes(rng.uniform(6 * 60, 72 * 60, n))
    delivered = shipped + minutes(rng.uniform(24 * 60, 168 * 60, n))
    nat = np.datetime64("NaT", "us")
    is_paid = status != "placed"
    is_shipped = np.isin(status, ["shipped", "delivered", "returned"])
    is_delivered = np.isin(status, ["delivered", "returned"])
    is_paid &= ~((status == "cancelled") & (rng.random(n) < 0.5))
    paid = np.where(is_paid & (paid <= cap), paid, nat)
    shipped = np.where(is_shipped & (shipped <= cap), shipped, nat)
    delivered = np.where(is_delivered & (delivered <= cap), delivered, nat)
    status = status.copy()
    status[np.isin(status, ["delivered", "returned"]) & np.isnat(delivered)] = "shipped"
    status[(status == "shipped") & np.isnat(shipped)] = "paid"
    status[(status == "paid") & np.isnat(paid)] = "placed"
    return pd.DataFrame({"status": status, "paid_at": paid, "shipped_at": shipped, "delivered_at": delivered})


def build_orders(config: RealExportConfig, rng: np.random.Generator, customers: pd.DataFrame) -> pd.DataFrame:
    n = config.orders
    placed = order_times(config, rng, n)
    customer = assign_customers(customers, placed, rng).astype(object)
    customer[rng.random(n) < GUEST_SHARE] = None
    status = pick(rng, SALE_STATUSES, SALE_STATUS_SHARE, n)
    frame = pd.DataFrame(
        {
            "order_id": np.arange(100_001, 100_001 + n, dtype=np.int64),
            "customer_id": pd.array(customer, dtype="Int64"),
            "channel": pick(rng, ORDER_CHANNELS, ORDER_CHANNEL_SHARE, n),
            "placed_at": placed,
            "credited_order_id": pd.array([None] * n, dtype="Int64"),
        }
    )
    return pd.concat([frame, lifecycle(status, placed, rng, end_ts(config))], axis=1)


def build_lines(
    config: RealExportConfig, rng: np.random.Generator, orders: pd.DataFrame, products: pd.DataFrame
) -> pd.DataFrame:
    counts = np.minimum(1 + rng.poisson(1.2, len(orders)), 6)
    order_id = np.repeat(orders["order_id"].to_numpy(), counts)
    line_number = np.concatenate([np.arange(1, count + 1) for count in counts]).astype(np.int32)
    n = len(order_id)
    product_index = rng.integers(0, len(products), n)
    base = products["_base_price"].to_numpy()[product_index]
    price = even_milli_price(base * rng.uniform(0.9, 1.1, n))
    quantity = np.minimum(rng.geometric(0.45, n), 10).astype(np.int32)
    discounted = rng.random(n) < 0.15
    discount = np.where(discounted, np.round(quantity * price * rng.uniform(0.05, 0.2, n), 2), 0.0)
    cost = np.round(price * rng.uniform(0.4, 0.75, n), 3)
    cost[rng.random(n) < MISSING_COST_SHARE] = np.nan
    placed = orders.set_index("order_id")["placed_at"]
    updated = placed.loc[order_id].to_numpy()
    return pd.DataFrame(
        {
            "order_id": order_id,
            "line_number": line_number,
            "product_id": products["product_id"].to_numpy()[product_index],
            "quantity": quantity,
            "unit_price": price,
            "discount_amount": discount,
            "unit_cost": cost,
            "updated_at": updated,
        }
    )


def plant_disorder(orders: pd.DataFrame, rng: np.random.Generator) -> tuple[pd.DataFrame, dict[str, int]]:
    """Shipped before paid on some orders, delivered before shipped on others (never both)."""
    orders = orders.copy()
    total = len(orders)
    shipped_rows = np.flatnonzero(orders["shipped_at"].notna().to_numpy())
    early_ship = chosen(rng, shipped_rows, DISORDER_SHARE, total)
    delivered_rows = np.setdiff1d(np.flatnonzero(orders["delivered_at"].notna().to_numpy()), early_ship)
    early_delivery = chosen(rng, delivered_rows, DISORDER_SHARE, total)
    paid = orders["paid_at"].to_numpy()
    placed = orders["placed_at"].to_numpy()
    shipped = orders["shipped_at"].to_numpy().copy()
    delivered = orders["delivered_at"].to_numpy().copy()
    # Between placement and payment, so the only disorder is shipped < paid.
    fraction = rng.uniform(0.1, 0.9, len(early_ship))
    shipped[early_ship] = placed[early_ship] + ((paid[early_ship] - placed[early_ship]) * fraction).astype(
        "timedelta64[us]"
    )
    fraction = rng.uniform(0.1, 0.9, len(early_delivery))
    gap = shipped[early_delivery] - paid[early_delivery]
    delivered[early_delivery] = paid[early_delivery] + (gap * fraction).astype("timedelta64[us]")
    orders["shipped_at"] = shipped
    orders["delivered_at"] = delivered
    counts = {"shipped_before_paid": len(early_ship), "delivered_before_shipped": len(early_delivery)}
    return orders, counts


def credit_note_headers(originals: pd.DataFrame, first_id: int, placed: np.ndarray) -> pd.DataFrame:
    n = len(originals)
    nat = np.full(n, np.datetime64("NaT", "us"))
    return pd.DataFrame(
        {
            "order_id": np.arange(first_id, first_id + n, dtype=np.int64),
            "customer_id": pd.array(originals["customer_id"], dtype="Int64"),
            "channel": originals["channel"].to_numpy(),
            "placed_at": placed,
            "credited_order_id": pd.array(originals["order_id"], dtype="Int64"),
            "status": np.full(n, CREDIT_NOTE_STATUS, dtype=object),
            "paid_at": placed,
            "shipped_at": nat,
            "delivered_at": nat,
        }
    )


def add_credit_notes(
    config: RealExportConfig, rng: np.random.Generator, orders: pd.DataFrame, lines: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]:
    """Full credit notes (a large order reversed minutes later) and partial ones (one line, days later)."""
    cap = end_ts(config)
    line_counts = lines.groupby("order_id").size()
    gross = (lines["quantity"] * lines["unit_price"]).groupby(lines["order_id"]).sum()
    sale = orders[orders["status"].isin(REVENUE_STATUSES)].set_index("order_id")
    large = sale.index[(gross.loc[sale.index] >= gross.loc[sale.index].quantile(0.85)).to_numpy()]
    full_ids = chosen(rng, large.to_numpy(), FULL_CREDIT_SHARE, len(orders))
    room = sale.index[
        (line_counts.loc[sale.index] >= 2).to_numpy()
        & (sale["placed_at"] < cap - np.timedelta64(30, "D")).to_numpy()
    ]
    partial_ids = chosen(rng, np.setdiff1d(room.to_numpy(), full_ids), PARTIAL_CREDIT_SHARE, len(orders))

    first_id = int(orders["order_id"].max()) + 1
    full = sale.loc[full_ids].reset_index()
    full_headers = credit_note_headers(
        full, first_id, full["placed_at"].to_numpy() + minutes(rng.uniform(2, 30, len(full)))
    )
    partial = sale.loc[partial_ids].reset_index()
    partial_headers = credit_note_headers(
        partial,
        first_id + len(full),
        partial["placed_at"].to_numpy() + minutes(rng.uniform(2, 20, len(partial)) * 1440),
    )
    headers = pd.concat([full_headers, partial_headers], ignore_index=True)
    note_of = dict(zip(headers["credited_order_id"], headers["order_id"], strict=True))
    placed_of = dict(zip(headers["order_id"], headers["placed_at"], strict=True))

    full_lines = lines[lines["order_id"].isin(full_ids)].copy()
    full_lines["quantity"] = -full_lines["quantity"]
    full_lines["discount_amount"] = 0.0 - full_lines["discount_amount"]  # no -0.0
    partial_lines = (
        lines[lines["order_id"].isin(partial_ids)]
        .groupby("order_id", sort=True)
        .sample(n=1, random_state=np.random.RandomState(int(rng.integers(2**31))))
        .sort_values("order_id")
        .copy()
    )
    credited = np.ceil(rng.random(len(partial_lines)) * partial_lines["quantity"].to_numpy()).astype(np.int32)
    share = credited / partial_lines["quantity"].to_numpy()
    partial_lines["discount_amount"] = 0.0 - np.round(partial_lines["discount_amount"].to_numpy() * share, 2)
    partial_lines["quantity"] = -credited
    partial_lines["line_number"] = np.int32(1)
    note_lines = pd.concat([full_lines, partial_lines], ignore_index=True)
    note_lines["order_id"] = note_lines["order_id"].map(note_of).astype(np.int64)
    note_lines["updated_at"] = note_lines["order_id"].map(placed_of).to_numpy()
    counts = {
        "full_credit_notes": len(full_headers),
        "full_credit_note_lines": len(full_lines),
        "partial_credit_notes": len(partial_headers),
    }
    return (
        pd.concat([orders, headers], ignore_index=True),
        pd.concat([lines, note_lines], ignore_index=True),
        counts,
    )


def add_negative_prices(
    rng: np.random.Generator, orders: pd.DataFrame, lines: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]:
    """Two price adjustments with a negative unit price: an extra line on a delivered order, and the
    only line of an adjustment order (an order whose every line is then excluded)."""
    delivered = orders[(orders["status"] == "delivered") & orders["credited_order_id"].isna()]
    host = delivered.iloc[int(rng.integers(len(delivered)))]
    template = delivered.iloc[int(rng.integers(len(delivered)))]
    adjustment = template.copy()
    adjustment["order_id"] = int(orders["order_id"].max()) + 1
    adjustment["placed_at"] = template["placed_at"] + np.timedelta64(3, "h")
    adjustment["status"] = "paid"
    adjustment["paid_at"] = adjustment["placed_at"]
    adjustment["shipped_at"] = pd.NaT
    adjustment["delivered_at"] = pd.NaT
    host_lines = int((lines["order_id"] == host["order_id"]).sum())
    new_lines = pd.DataFrame(
        {
            "order_id": np.array([host["order_id"], adjustment["order_id"]], dtype=np.int64),
            "line_number": np.array([host_lines + 1, 1], dtype=np.int32),
            "product_id": lines["product_id"].to_numpy()[:2],
            "quantity": np.array([1, 1], dtype=np.int32),
            "unit_price": -even_milli_price(rng.uniform(5, 50, 2)),
            "discount_amount": np.zeros(2),
            "unit_cost": np.full(2, np.nan),
            "updated_at": np.array([host["placed_at"], adjustment["placed_at"]], dtype="datetime64[us]"),
        }
    )
    orders = pd.concat([orders, adjustment.to_frame().T.astype(orders.dtypes.to_dict())], ignore_index=True)
    return orders, pd.concat([lines, new_lines], ignore_index=True), {"negative_price_lines": 2}


def finish_orders(orders: pd.DataFrame) -> pd.DataFrame:
    stamps = orders[["placed_at", "paid_at", "shipped_at", "delivered_at"]]
    orders = orders.assign(updated_at=stamps.max(axis=1).to_numpy().astype("datetime64[us]"))
    return orders.assign(**{LOADED_AT: nightly_load(orders["updated_at"].to_numpy())})


def superseded_orders(rng: np.random.Generator, orders: pd.DataFrame) -> pd.DataFrame:
    """Earlier versions (still 'placed') of orders that moved on: the latest version must win."""
    moved = np.flatnonzero(
        (orders["status"] != "placed").to_numpy()
        & orders["credited_order_id"].isna().to_numpy()
        & (
            orders["updated_at"].to_numpy().astype("datetime64[D]")
            > orders["placed_at"].to_numpy().astype("datetime64[D]")
        )
    )
    rows = chosen(rng, moved, SUPERSEDED_ORDER_SHARE, len(orders))
    old = orders.iloc[rows].copy()
    old["status"] = "placed"
    for column in ("paid_at", "shipped_at", "delivered_at"):
        old[column] = np.full(len(old), np.datetime64("NaT", "us"))
    old["updated_at"] = old["placed_at"]
    old[LOADED_AT] = nightly_load(old["placed_at"].to_numpy())
    return old


def superseded_lines(rng: np.random.Generator, lines: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Earlier versions of some sale lines with one more unit; the latest version comes 30 minutes later."""
    sale_rows = np.flatnonzero((lines["quantity"] > 0).to_numpy() & (lines["unit_price"] > 0).to_numpy())
    rows = chosen(rng, sale_rows, SUPERSEDED_LINE_SHARE, len(lines))
    lines = lines.copy()
    old = lines.iloc[rows].copy()
    old["quantity"] = (old["quantity"] + 1).astype(np.int32)
    updated = lines["updated_at"].to_numpy().copy()
    updated[rows] = updated[rows] + np.timedelta64(30, "m")
    lines["updated_at"] = updated
    return lines, old


def build_returns(
    config: RealExportConfig, rng: np.random.Generator, orders: pd.DataFrame, lines: pd.DataFrame
) -> pd.DataFrame:
    returned = orders[orders["status"] == "returned"].sort_values("order_id")
    first = lines[lines["line_number"] == 1].set_index("order_id").loc[returned["order_id"]]
    n = len(returned)
    at = np.minimum(
        returned["delivered_at"].to_numpy() + minutes(rng.uniform(1, 20, n) * 1440), end_ts(config)
    )
    refund = np.round(first["quantity"] * first["unit_price"] - first["discount_amount"], 2)
    return pd.DataFrame(
        {
            "return_id": np.arange(1, n + 1, dtype=np.int64),
            "order_id": returned["order_id"].to_numpy(),
            "line_number": first["line_number"].to_numpy(),
            "product_id": first["product_id"].to_numpy(),
            "quantity": first["quantity"].to_numpy(),
            "refund_amount": refund.to_numpy(),
            "reason": pick(rng, ("damaged", "wrong_item", "not_as_described", None), np.ones(4), n),
            "returned_at": at,
            LOADED_AT: nightly_load(at),
        }
    )


def build_commerce(config: RealExportConfig) -> tuple[dict[str, pd.DataFrame], dict[str, int]]:
    customers = build_customers(config, rng_for(config, 1))
    products = build_products(config, rng_for(config, 2))
    orders = build_orders(config, rng_for(config, 3), customers)
    lines = build_lines(config, rng_for(config, 4), orders, products)
    orders, disorder = plant_disorder(orders, rng_for(config, 5))
    orders, lines, credits = add_credit_notes(config, rng_for(config, 6), orders, lines)
    orders, lines, negative = add_negative_prices(rng_for(config, 7), orders, lines)
    is_note = orders["credited_order_id"].notna()
    guest_notes = int((orders["customer_id"].isna() & is_note).sum())
    guests = int((orders["customer_id"].isna() & ~is_note).sum())
    marketplace = int((orders["channel"] == "marketplace").sum())  # credit notes keep the sale's channel
    orders = finish_orders(orders)
    lines["unit_cost"] = lines["unit_cost"].astype(float)
    lines, old_lines = superseded_lines(rng_for(config, 8), lines)
    old_orders = superseded_orders(rng_for(config, 9), orders)
    returns = build_returns(config, rng_for(config, 10), orders, lines)
    lines[LOADED_AT] = nightly_load(lines["updated_at"].to_numpy())
    old_lines[LOADED_AT] = nightly_load(old_lines["updated_at"].to_numpy())
    all_orders = pd.concat([orders, old_orders], ignore_index=True).sort_values(["order_id", "updated_at"])
    all_lines = pd.concat([lines, old_lines], ignore_index=True).sort_values(
        ["order_id", "line_number", "updated_at"]
    )
    kinds = customers["customer_type"]
    shapes = {
        "customers": len(customers),
        "customers_unknown_type": int((kinds == "reseller").sum()),
        "customers_null_type": int(kinds.isna().sum()),
        "customers_null_region": int(customers["region_code"].isna().sum()),
        "countries": int(customers["region_code"].dropna().str.lower().nunique()),
        "products": len(products),
        "products_null_category": int(products["category"].isna().sum()),
        "orders": len(orders),
        "guest_orders": guests,
        "guest_credit_notes": guest_notes,
        "marketplace_orders": marketplace,
        **disorder,
        **credits,
        **negative,
        "order_lines": len(lines),
        "lines_missing_cost": int(lines["unit_cost"].isna().sum()),
        "superseded_order_versions": len(old_orders),
        "superseded_line_versions": len(old_lines),
        "returns": len(returns),
    }
    frames = {
        "customers": customers,
        "products": products,
        "orders": all_orders,
        "order_lines": all_lines,
        "returns": returns,
    }
    return frames, shapes


def build_leads(config: RealExportConfig, rng: np.random.Generator) -> pd.DataFrame:
    n = config.leads
    start = np.datetime64(config.start, "us")
    span = end_ts(config) - start
    created = np.sort(start + (span * rng.random(n) * 0.95).astype("timedelta64[us]"))
    source_index = rng.choice(len(LEAD_SOURCES), size=n, p=LEAD_SOURCE_SHARE / LEAD_SOURCE_SHARE.sum())
    contacted = created + minutes(rng.uniform(1, 200, n) * 60)
    is_contacted = (rng.random(n) < 0.85) & (contacted <= end_ts(config))
    converted = contacted + minutes(rng.uniform(1, 30, n) * 1440)
    is_converted = (
        is_contacted & (rng.random(n) < LEAD_SOURCE_CONVERSION[source_index]) & (converted <= end_ts(config))
    )
    nat = np.datetime64("NaT", "us")
    status = np.where(is_converted, "converted", np.where(is_contacted, "contacted", "new")).astype(object)
    status[(status == "contacted") & (rng.random(n) < 0.4)] = "disqualified"
    first_contacted = np.where(is_contacted, contacted, nat)
    converted_at = np.where(is_converted, converted, nat)
    updated = np.where(is_converted, converted_at, np.where(is_contacted, first_contacted, created))
    email = np.array([f"lead{i}@prospect.example" for i in range(1, n + 1)], dtype=object)
    email[rng.random(n) < 0.1] = None
    return pd.DataFrame(
        {
            "lead_id": np.arange(1, n + 1, dtype=np.int64),
            "lead_source": np.asarray(LEAD_SOURCES, dtype=object)[source_index],
            "region_code": np.full(n, None, dtype=object),
            "sales_rep_id": np.full(n, None, dtype=object),
            "company_name": [f"Prospect {i}" for i in range(1, n + 1)],
            "contact_email": email,
            "industry": pick(rng, ("retail", "wholesale", "services", None), np.ones(4), n),
            "status": status,
            "created_at": created,
            "first_contacted_at": first_contacted,
            "converted_at": converted_at,
            "updated_at": updated,
            LOADED_AT: nightly_load(updated),
        }
    )


def build_pipeline(
    config: RealExportConfig, customers: pd.DataFrame
) -> tuple[dict[str, pd.DataFrame], dict[str, int]]:
    """A won-only CRM export: every converted lead is a closed-won deal; stage history has only
    the final stage, and only for some deals."""
    rng = rng_for(config, 11)
    leads = build_leads(config, rng_for(config, 12))
    won = leads[leads["converted_at"].notna()]
    n = len(won)
    created = won["converted_at"].to_numpy()
    closed = np.minimum(created + minutes(rng.uniform(1, 60, n) * 1440), end_ts(config))
    backwards = chosen(rng, np.arange(n), CLOSED_BEFORE_CREATED_SHARE, n)
    closed[backwards] = created[backwards] - minutes(rng.uniform(1, 10, len(backwards)) * 1440)
    companies = customers.loc[customers["customer_type"].isin(["business", "reseller"]), "customer_id"]
    amount = np.round(rng.lognormal(np.log(8000.0), 0.7, n), 2)
    owner = rng.integers(1, CRM_OWNERS + 1, n)
    updated = np.maximum(created, closed)
    opportunities = pd.DataFrame(
        {
            "opportunity_id": np.arange(1, n + 1, dtype=np.int64),
            "lead_id": won["lead_id"].to_numpy(),
            "customer_id": rng.choice(companies.to_numpy(), size=n),
            "sales_rep_id": owner.astype(np.int64),
            "opportunity_name": [f"Deal {i}" for i in range(1, n + 1)],
            "stage": np.full(n, "closed_won", dtype=object),
            "amount": amount,
            "created_at": created,
            "expected_close_date": closed.astype("datetime64[D]"),
            "closed_at": closed,
            "updated_at": updated,
            LOADED_AT: nightly_load(updated),
        }
    )
    with_history = np.sort(rng.choice(n, size=round(0.6 * n), replace=False))
    history = pd.DataFrame(
        {
            "opportunity_id": opportunities["opportunity_id"].to_numpy()[with_history],
            "stage": np.full(len(with_history), "closed_won", dtype=object),
            "entered_at": closed[with_history],
            "amount": amount[with_history],
            LOADED_AT: nightly_load(closed[with_history]),
        }
    )
    at = created + ((np.maximum(closed, created) - created) * rng.uniform(0, 1, n)).astype("timedelta64[us]")
    activities = pd.DataFrame(
        {
            "activity_id": np.arange(1, n + 1, dtype=np.int64),
            "sales_rep_id": owner.astype(np.int64),
            "lead_id": won["lead_id"].to_numpy(),
            "opportunity_id": opportunities["opportunity_id"].to_numpy(),
            "activity_type": pick(rng, ("call", "email", "meeting"), np.ones(3), n),
            "activity_at": at,
            "duration_minutes": rng.integers(5, 90, n).astype(np.int32),
            LOADED_AT: nightly_load(at),
        }
    )
    shapes = {
        "leads": len(leads),
        "lead_sources": int(leads["lead_source"].nunique(dropna=False)),
        "leads_null_source": int(leads["lead_source"].isna().sum()),
        "opportunities_won": n,
        "opportunities_closed_before_created": len(backwards),
        "stage_history_rows": len(history),
    }
    frames = {
        "leads": leads,
        "opportunities": opportunities,
        "opportunity_stage_history": history,
        "activities": activities,
    }
    return frames, shapes


# --------------------------------------------------------------------------- writing


def written_columns(name: str) -> list[Column]:
    """The contract's columns of an entity less the absent ones, plus extras the contract lacks yet."""
    columns = [column for column in entity(name).columns if column.name not in ABSENT_COLUMNS.get(name, ())]
    known = {column.name for column in columns}
    extras = [column for column in EXTRA_COLUMNS.get(name, ()) if column.name not in known]
    if extras:
        at = next((i for i, column in enumerate(columns) if column.name == "updated_at"), len(columns))
        columns[at:at] = extras
    return columns


def to_table(name: str, frame: pd.DataFrame) -> pa.Table:
    columns = written_columns(name)
    schema = pa.schema([pa.field(column.name, ARROW_TYPES[column.data_type]) for column in columns])
    data = frame[[column.name for column in columns]].reset_index(drop=True)
    return pa.Table.from_pandas(data, schema=schema, preserve_index=False)


def planted_defects(shapes: dict[str, int]) -> dict[str, dict[str, int]]:
    """Rows a data-quality rule should count, per raw table and kind (the names the rules use)."""
    defects = {
        "orders": {
            "superseded_version": shapes["superseded_order_versions"],
            "guest_order": shapes["guest_orders"] + shapes["guest_credit_notes"],
            "unknown_code": shapes["marketplace_orders"],
            "disordered_timestamps": shapes["shipped_before_paid"] + shapes["delivered_before_shipped"],
        },
        "order_lines": {
            "superseded_version": shapes["superseded_line_versions"],
            "negative_price": shapes["negative_price_lines"],
            "missing_cost": shapes["lines_missing_cost"],
        },
    }
    if "opportunities_closed_before_created" in shapes:
        defects["opportunities"] = {"disordered_timestamps": shapes["opportunities_closed_before_created"]}
    return defects


def generate_real_export(config: RealExportConfig, out: Path) -> dict[str, object]:
    """Write the profile's raw files to `out` and return the manifest (also written as manifest.json)."""
    out.mkdir(parents=True, exist_ok=True)
    frames, shapes = build_commerce(config)
    if "pipeline" in config.domains:
        pipeline, pipeline_shapes = build_pipeline(config, frames["customers"])
        frames.update(pipeline)
        shapes.update(pipeline_shapes)
    row_counts: dict[str, int] = {}
    for name, frame in frames.items():
        pq.write_table(to_table(name, frame), out / f"{name}.parquet", compression="snappy")
        row_counts[name] = len(frame)
    manifest: dict[str, object] = {
        "profile": PROFILE,
        "config": {
            "seed": config.seed,
            "start": config.start.isoformat(),
            "end": config.end.isoformat(),
            "variant": config.variant,
            "domains": list(config.domains),
        },
        "dbt_vars": {**BUILD_VARS, "enable_pipeline": "pipeline" in config.domains},
        "absent_columns": {name: list(columns) for name, columns in ABSENT_COLUMNS.items()},
        "row_counts": dict(sorted(row_counts.items())),
        "shapes": shapes,
        "defects": planted_defects(shapes),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest
