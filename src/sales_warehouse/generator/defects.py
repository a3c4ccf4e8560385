"""Dirty rows that real exports have, planted at a known rate and counted.

Value defects are planted on the latest version of a record; then older versions (late-arriving
updates) and exact duplicate rows are added. Staging must find every one: the data-quality mart
counts one row per (source row, failed rule), and a test compares those counts with this ledger.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from sales_warehouse.contract import LOADED_AT

# Which defect kinds are planted in which raw entity. The names are the data-quality rule names.
PLANTED: dict[str, tuple[str, ...]] = {
    "customers": ("invalid_email", "non_standard_string", "superseded_version", "duplicate_row"),
    "orders": (
        "future_timestamp",
        "unknown_status",
        "non_standard_string",
        "superseded_version",
        "duplicate_row",
    ),
    "order_lines": ("negative_quantity", "orphan_foreign_key", "superseded_version", "duplicate_row"),
    "support_tickets": ("orphan_foreign_key", "duplicate_row"),
}
# Rows excluded because of another row's defect (lines of an excluded order), counted separately.
CASCADES: dict[str, tuple[str, ...]] = {"order_lines": ("parent_order_excluded",)}
UNKNOWN_STATUS_CODES: tuple[str, ...] = ("on_hold", "X", "99", "pending_review")
FUTURE_SHIFT = np.timedelta64(36_525, "D")  # a century: the classic wrong-year typo


class DefectLedger:
    def __init__(self) -> None:
        self.counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def add(self, table: str, kind: str, count: int) -> None:
        self.counts[table][kind] += int(count)

    def as_dict(self, enabled: set[str]) -> dict[str, dict[str, int]]:
        result: dict[str, dict[str, int]] = {}
        for table, kinds in {**PLANTED}.items():
            if table not in enabled:
                continue
            all_kinds = kinds + CASCADES.get(table, ())
            result[table] = {kind: int(self.counts[table][kind]) for kind in sorted(all_kinds)}
        return result


def pick(rng: np.random.Generator, n: int, rate: float) -> np.ndarray:
    """Distinct row positions, about `rate` of `n`."""
    if n == 0 or rate <= 0:
        return np.array([], dtype=np.int64)
    count = min(n, int(rng.binomial(n, rate)))
    return np.sort(rng.choice(n, size=count, replace=False))


def messy_string(rng: np.random.Generator, values: pd.Series) -> pd.Series:
    """Mixed case and padding, always different from the clean lower-case value."""
    style = rng.integers(0, 3, len(values))
    upper = values.str.upper()
    title = values.str.title()
    out = np.where(style == 0, "  " + values + " ", np.where(style == 1, upper, " " + title))
    return pd.Series(out, index=values.index, dtype=object)


def garble_email(rng: np.random.Generator, emails: pd.Series) -> pd.Series:
    style = rng.integers(0, 3, len(emails))
    at_less = emails.str.replace("@", "#", regex=False)
    domain_less = emails.str.split("@").str[0] + "@"
    out = np.where(style == 0, None, np.where(style == 1, at_less, domain_less))
    return pd.Series(out, index=emails.index, dtype=object)


def older_versions(
    rng: np.random.Generator, frame: pd.DataFrame, rows: np.ndarray, change: str, old_value: object
) -> pd.DataFrame:
    """Copies of `rows` as they were before their last update (earlier updated_at)."""
    older = frame.iloc[rows].copy()
    step = (rng.uniform(1, 72, len(rows)) * 3_600_000_000).astype(np.int64).astype("timedelta64[us]")
    older["updated_at"] = older["updated_at"].to_numpy() - step
    older[LOADED_AT] = np.minimum(
        older[LOADED_AT].to_numpy(),
        older["updated_at"].to_numpy().astype("datetime64[D]").astype("datetime64[us]")
        + np.timedelta64(26, "h"),
    )
    older[change] = old_value
    return older


def with_extras(frame: pd.DataFrame, *extras: pd.DataFrame) -> pd.DataFrame:
    parts = [frame, *[extra for extra in extras if len(extra)]]
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else frame


def dirty_customers(
    frame: pd.DataFrame, rng: np.random.Generator, rate: float, ledger: DefectLedger
) -> pd.DataFrame:
    """Garbled e-mails, messy gender and region strings, older versions and duplicates."""
    customers = frame.copy()
    rows = pick(rng, len(customers), rate)
    customers.loc[customers.index[rows], "email"] = garble_email(
        rng, customers["email"].iloc[rows]
    ).to_numpy()
    ledger.add("customers", "invalid_email", len(rows))
    rows = pick(rng, len(customers), rate)
    half = len(rows) // 2
    gender_rows, region_rows = (customers.index[rows[:half]], customers.index[rows[half:]])
    customers.loc[gender_rows, "gender"] = messy_string(rng, customers.loc[gender_rows, "gender"]).to_numpy()
    customers.loc[region_rows, "region_code"] = messy_string(
        rng, customers.loc[region_rows, "region_code"]
    ).to_numpy()
    ledger.add("customers", "non_standard_string", len(rows))
    rows = pick(rng, len(customers), rate)
    older = older_versions(rng, customers, rows, "city", "Unknown City")
    ledger.add("customers", "superseded_version", len(older))
    duplicates = customers.iloc[pick(rng, len(customers), rate)]
    ledger.add("customers", "duplicate_row", len(duplicates))
    return with_extras(customers, older, duplicates)


def dirty_orders(
    frame: pd.DataFrame, rng: np.random.Generator, rate: float, ledger: DefectLedger
) -> tuple[pd.DataFrame, np.ndarray]:
    """The dirty orders, and the positions of the orders given a future timestamp."""
    orders = frame.copy()
    future_rows = pick(rng, len(orders), rate)
    orders.loc[orders.index[future_rows], "placed_at"] = (
        orders["placed_at"].to_numpy()[future_rows] + FUTURE_SHIFT
    )
    ledger.add("orders", "future_timestamp", len(future_rows))
    rows = pick(rng, len(orders), rate)
    orders.loc[orders.index[rows], "status"] = np.asarray(UNKNOWN_STATUS_CODES, dtype=object)[
        rng.integers(0, len(UNKNOWN_STATUS_CODES), len(rows))
    ]
    ledger.add("orders", "unknown_status", len(rows))
    rows = pick(rng, len(orders), rate)
    orders.loc[orders.index[rows], "channel"] = messy_string(rng, orders["channel"].iloc[rows]).to_numpy()
    ledger.add("orders", "non_standard_string", len(rows))
    rows = pick(rng, len(orders), rate)
    older = older_versions(rng, orders, rows, "status", "placed")
    ledger.add("orders", "superseded_version", len(older))
    duplicates = orders.iloc[pick(rng, len(orders), rate)]
    ledger.add("orders", "duplicate_row", len(duplicates))
    return with_extras(orders, older, duplicates), future_rows


def dirty_order_lines(
    frame: pd.DataFrame,
    future_ids: np.ndarray,
    rng: np.random.Generator,
    rate: float,
    ledger: DefectLedger,
    *,
    n_products: int,
    end_ts: np.datetime64,
) -> pd.DataFrame:
    """Dirty lines; the lines of the orders with a future timestamp are counted as excluded with them."""
    lines = frame.copy()
    ledger.add("order_lines", "parent_order_excluded", int(np.isin(lines["order_id"], future_ids).sum()))
    rows = pick(rng, len(lines), rate)
    lines.loc[lines.index[rows], "quantity"] = -lines["quantity"].to_numpy()[rows]
    ledger.add("order_lines", "negative_quantity", len(rows))
    rows = pick(rng, len(lines), rate)
    lines.loc[lines.index[rows], "product_id"] = n_products + 1000 + np.arange(len(rows))
    ledger.add("order_lines", "orphan_foreign_key", len(rows))
    rows = pick(rng, len(lines), rate)
    # A late correction: the newer version (kept) arrives days after the order, with the discount fixed.
    shift = (rng.uniform(2, 20, len(rows)) * 86_400_000_000).astype(np.int64).astype("timedelta64[us]")
    corrected = np.minimum(lines["updated_at"].to_numpy()[rows] + shift, end_ts)
    lines.loc[lines.index[rows], "updated_at"] = corrected
    lines.loc[lines.index[rows], LOADED_AT] = np.minimum(
        corrected.astype("datetime64[D]").astype("datetime64[us]") + np.timedelta64(26, "h"),
        end_ts + np.timedelta64(2, "h"),
    )
    older = older_versions(rng, lines, rows, "discount_amount", 0.0)
    ledger.add("order_lines", "superseded_version", len(older))
    duplicates = lines.iloc[pick(rng, len(lines), rate)]
    ledger.add("order_lines", "duplicate_row", len(duplicates))
    return with_extras(lines, older, duplicates)


def dirty_tickets(
    frame: pd.DataFrame, rng: np.random.Generator, rate: float, ledger: DefectLedger, *, n_customers: int
) -> pd.DataFrame:
    """Tickets of customers that do not exist, and duplicates."""
    tickets = frame.copy()
    rows = pick(rng, len(tickets), rate)
    tickets.loc[tickets.index[rows], "customer_id"] = n_customers + 100_000 + np.arange(len(rows))
    ledger.add("support_tickets", "orphan_foreign_key", len(rows))
    duplicates = tickets.iloc[pick(rng, len(tickets), rate)]
    ledger.add("support_tickets", "duplicate_row", len(duplicates))
    return with_extras(tickets, duplicates)


def plant_defects(
    frames: dict[str, pd.DataFrame],
    rng: np.random.Generator,
    rate: float,
    ledger: DefectLedger,
    *,
    n_products: int,
    n_customers: int,
    end_ts: np.datetime64,
) -> dict[str, pd.DataFrame]:
    """Return dirty copies of the clean frames and record what was planted in `ledger`.

    The tables are dirtied in a fixed order (customers, orders, lines, tickets) on one random stream.
    """
    out = dict(frames)
    out["customers"] = dirty_customers(frames["customers"], rng, rate, ledger)
    out["orders"], future_rows = dirty_orders(frames["orders"], rng, rate, ledger)
    future_ids = frames["orders"]["order_id"].to_numpy()[future_rows]
    out["order_lines"] = dirty_order_lines(
        frames["order_lines"], future_ids, rng, rate, ledger, n_products=n_products, end_ts=end_ts
    )
    out["support_tickets"] = dirty_tickets(
        frames["support_tickets"], rng, rate, ledger, n_customers=n_customers
    )
    return out
