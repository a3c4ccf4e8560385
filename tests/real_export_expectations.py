"""Independent pandas computations of what the warehouse should report on the real-export profile.

Read from the raw parquet files only (never from dbt models), with exact decimal arithmetic, so a
reconciliation against the marts tests the SQL rather than repeating it. The definitions:

- Latest version: per key, the row with the largest (updated_at, _loaded_at).
- Valid order: latest version, not placed in the future. Status codes are lower-cased and
  trimmed; codes outside placed/paid/shipped/delivered/cancelled/returned are 'unknown'.
- Credit note: an order with `credited_order_id`; its lines carry negative quantities.
- Valid line: latest version of a line of a valid order, of a known product, with a non-negative
  unit price, and a positive quantity on a sale (negative on a credit note).
- Line net = quantity x unit_price - discount_amount in full precision, rounded to cents once
  (as an invoice line is): multiply first, round after, never round the price. An order's net
  amount (fct_orders) is the sum of its valid lines' rounded nets, as on the invoice.
- A sale line counts as revenue when its order's status is paid, shipped or delivered; a credit
  note line counts (negatively) unless the credit note is cancelled or the order it reverses never
  counted as revenue. An order is a revenue order when one of its valid lines counts.
- Revenue-sale count: revenue orders that are not credit notes. A sale is fully credited when the
  revenue credit notes reversing it add up to at least its net amount; counted orders are revenue
  sales that are not fully credited (frequency in RFM).
- Net revenue: sum of the net amounts of revenue orders, credit notes included (so they net),
  each in the month it was placed. Guest revenue: the same for orders without a customer.
- RFM (customers with a counted order on or before the as-of date): frequency = counted orders,
  first/last order date over counted orders, recency = as-of date - last order date, monetary =
  net amount of all the customer's revenue orders, credit notes included.
- Lead conversion by source: latest lead versions grouped by lower(trim(lead_source)) (a lead
  without a source counts as 'unknown', as the contract says); contacted = first contact recorded,
  converted = converted_at recorded, won = the lead's opportunity is in stage closed_won.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd

STATUSES = ("placed", "paid", "shipped", "delivered", "cancelled", "returned")
REVENUE_STATUSES = ("paid", "shipped", "delivered")
CHANNELS = ("web", "app", "store", "phone")  # the order channels of the channels seed
CENT = Decimal("0.01")
# Raw table -> the name its rows carry in quality.dq_failed_rows.source_table.
SOURCE_TABLES = {
    "customers": "shop.customers",
    "products": "shop.products",
    "orders": "shop.orders",
    "order_lines": "shop.order_lines",
    "leads": "crm.leads",
    "opportunities": "crm.opportunities",
}


def to_decimal(value: float) -> Decimal:
    """The decimal the export wrote (shortest round-trip repr), not the binary float's expansion."""
    return Decimal(repr(float(value)))


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def read_raw(raw: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(raw / f"{name}.parquet")


def latest_versions(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    ordered = frame.sort_values([*keys, "updated_at", "_loaded_at"], kind="stable")
    return ordered.drop_duplicates(keys, keep="last").reset_index(drop=True)


def superseded_count(frame: pd.DataFrame, keys: list[str]) -> int:
    """Rows older than their key's latest updated_at (exact duplicates are another rule)."""
    latest = frame.groupby(keys)["updated_at"].transform("max")
    return int((frame["updated_at"] < latest).sum())


def normalised_status(status: pd.Series) -> pd.Series:
    cleaned = status.str.strip().str.lower()
    return cleaned.where(cleaned.isin(STATUSES), "unknown")


def valid_orders(raw: Path, now: datetime) -> pd.DataFrame:
    orders = latest_versions(read_raw(raw, "orders"), ["order_id"])
    orders = orders[orders["placed_at"] <= pd.Timestamp(now)].copy()
    if "credited_order_id" not in orders:
        orders["credited_order_id"] = pd.NA
    orders["status"] = normalised_status(orders["status"])
    orders["is_credit_note"] = orders["credited_order_id"].notna()
    return orders.reset_index(drop=True)


def line_revenue_flags(orders: pd.DataFrame) -> pd.Series:
    """Per order: do its valid lines count as revenue (see the module docstring)."""
    status_of = orders.set_index("order_id")["status"]
    reversed_status = orders["credited_order_id"].map(status_of)
    note_counts = (orders["status"] != "cancelled") & (
        reversed_status.isna() | reversed_status.isin(REVENUE_STATUSES)
    )
    sale_counts = orders["status"].isin(REVENUE_STATUSES)
    return pd.Series(
        ((orders["is_credit_note"] & note_counts) | (~orders["is_credit_note"] & sale_counts)).to_numpy(),
        index=orders["order_id"].to_numpy(),
    )


def valid_lines(raw: Path, orders: pd.DataFrame) -> pd.DataFrame:
    lines = latest_versions(read_raw(raw, "order_lines"), ["order_id", "line_number"])
    products = set(read_raw(raw, "products")["product_id"])
    is_note = lines["order_id"].map(orders.set_index("order_id")["is_credit_note"])
    keep = (
        is_note.notna()
        & lines["product_id"].isin(products)
        & (lines["unit_price"] >= 0)
        & ((is_note.eq(True) & (lines["quantity"] < 0)) | (is_note.eq(False) & (lines["quantity"] > 0)))
    )
    lines = lines[keep].copy()
    lines["net"] = [
        quantity * to_decimal(price) - to_decimal(discount)
        for quantity, price, discount in zip(
            lines["quantity"], lines["unit_price"], lines["discount_amount"], strict=True
        )
    ]
    lines["net_amount"] = lines["net"].map(cents)
    lines["is_revenue"] = lines["order_id"].map(line_revenue_flags(orders)).astype(bool)
    return lines.reset_index(drop=True)


@dataclass(frozen=True)
class OrderFacts:
    """Per valid order: what fct_orders should say about it."""

    orders: pd.DataFrame  # order_id, customer_id, is_credit_note, placed_date, net_amount, ...
    lines: pd.DataFrame  # the valid lines with their net and net_amount


def order_facts(raw: Path, now: datetime) -> OrderFacts:
    orders = valid_orders(raw, now)
    lines = valid_lines(raw, orders)
    grouped = lines.groupby("order_id")
    net = grouped["net_amount"].apply(lambda values: sum(values, Decimal(0)))
    revenue_orders = lines.loc[lines["is_revenue"], "order_id"]
    unknown_cost_orders = lines.loc[lines["unit_cost"].isna(), "order_id"]
    facts = orders[["order_id", "customer_id", "credited_order_id", "is_credit_note", "status"]].copy()
    facts["placed_date"] = orders["placed_at"].dt.date
    facts["line_count"] = facts["order_id"].map(grouped.size()).fillna(0).astype(int)
    facts["net_amount"] = (
        facts["order_id"].map(net).map(lambda value: Decimal(0) if pd.isna(value) else value)
    )
    facts["is_revenue"] = facts["order_id"].isin(revenue_orders)
    facts["has_unknown_cost"] = facts["order_id"].isin(unknown_cost_orders)
    credits = facts[facts["is_credit_note"] & facts["is_revenue"]]
    credited = credits.groupby("credited_order_id")["net_amount"].apply(
        lambda values: -sum(values, Decimal(0))
    )
    facts["credited_net_amount"] = (
        facts["order_id"].map(credited).map(lambda value: Decimal(0) if pd.isna(value) else value)
    )
    facts["is_fully_credited"] = (facts["net_amount"] > 0) & (
        facts["credited_net_amount"] >= facts["net_amount"]
    )
    facts["is_revenue_sale"] = facts["is_revenue"] & ~facts["is_credit_note"]
    facts["is_counted_order"] = facts["is_revenue_sale"] & ~facts["is_fully_credited"]
    return OrderFacts(facts.reset_index(drop=True), lines)


def total(values: pd.Series) -> Decimal:
    return sum(values, Decimal(0))


def net_revenue(facts: OrderFacts) -> Decimal:
    return total(facts.orders.loc[facts.orders["is_revenue"], "net_amount"])


def guest_revenue(facts: OrderFacts) -> Decimal:
    orders = facts.orders
    return total(orders.loc[orders["is_revenue"] & orders["customer_id"].isna(), "net_amount"])


def revenue_by_month(facts: OrderFacts) -> dict[date, Decimal]:
    orders = facts.orders[facts.orders["is_revenue"]]
    months = orders["placed_date"].map(lambda day: day.replace(day=1))
    return {month: total(group) for month, group in orders["net_amount"].groupby(months)}


def customer_rfm(facts: OrderFacts, as_of: date) -> pd.DataFrame:
    """One row per customer with a counted order: recency, frequency, monetary and order dates."""
    orders = facts.orders
    orders = orders[orders["is_revenue"] & orders["customer_id"].notna() & (orders["placed_date"] <= as_of)]
    counted = orders[orders["is_counted_order"]]
    by_customer = counted.groupby("customer_id")
    frame = pd.DataFrame(
        {
            "first_order_date": by_customer["placed_date"].min(),
            "last_order_date": by_customer["placed_date"].max(),
            "frequency": by_customer.size(),
        }
    )
    frame["monetary"] = orders.groupby("customer_id")["net_amount"].apply(total).reindex(frame.index)
    frame["recency_days"] = frame["last_order_date"].map(lambda day: (as_of - day).days)
    frame.index = frame.index.astype("int64")
    return frame


def lead_conversion_by_source(raw: Path) -> pd.DataFrame:
    leads = latest_versions(read_raw(raw, "leads"), ["lead_id"])
    opportunities = latest_versions(read_raw(raw, "opportunities"), ["opportunity_id"])
    won_leads = set(
        opportunities.loc[opportunities["stage"].str.strip().str.lower() == "closed_won", "lead_id"]
    )
    source = leads["lead_source"].str.strip().str.lower()
    frame = pd.DataFrame(
        {
            # A lead without a source is shown as 'unknown', as the contract says.
            "lead_source": source.fillna("unknown").astype(object),
            "leads": 1,
            "contacted": leads["first_contacted_at"].notna().astype(int),
            "converted": leads["converted_at"].notna().astype(int),
            "won": leads["lead_id"].isin(won_leads).astype(int),
        }
    )
    grouped = frame.groupby("lead_source", dropna=False)[["leads", "contacted", "converted", "won"]].sum()
    grouped["lead_to_won_rate"] = grouped["won"] / grouped["leads"]
    return grouped


def planted_defect_counts(raw: Path) -> dict[tuple[str, str], int]:
    """The defect kinds the real-export profile plants, recounted from the raw files."""
    orders = read_raw(raw, "orders")
    lines = read_raw(raw, "order_lines")
    latest_orders = latest_versions(orders, ["order_id"])
    latest_lines = latest_versions(lines, ["order_id", "line_number"])
    placed, paid = latest_orders["placed_at"], latest_orders["paid_at"]
    shipped, delivered = latest_orders["shipped_at"], latest_orders["delivered_at"]
    disordered = (paid < placed) | (shipped < paid.fillna(placed)) | (delivered < shipped)
    counts = {
        ("shop.orders", "superseded_version"): superseded_count(orders, ["order_id"]),
        ("shop.orders", "guest_order"): int(latest_orders["customer_id"].isna().sum()),
        ("shop.orders", "unknown_code"): int(
            (~latest_orders["channel"].str.strip().str.lower().isin(CHANNELS)).sum()
        ),
        ("shop.orders", "disordered_timestamps"): int(disordered.sum()),
        ("shop.order_lines", "superseded_version"): superseded_count(lines, ["order_id", "line_number"]),
        ("shop.order_lines", "negative_price"): int((latest_lines["unit_price"] < 0).sum()),
        ("shop.order_lines", "missing_cost"): int(latest_lines["unit_cost"].isna().sum()),
    }
    if (raw / "opportunities.parquet").exists():
        opportunities = latest_versions(read_raw(raw, "opportunities"), ["opportunity_id"])
        counts[("crm.opportunities", "disordered_timestamps")] = int(
            (opportunities["closed_at"] < opportunities["created_at"]).sum()
        )
    return counts
