"""Planted dirty rows: present at about the configured rate, and the manifest's counts are true.

Each count is recomputed from the raw parquet files with the rule staging would apply, on the latest
version of each record (value defects are planted on the latest version; older versions and exact
duplicates are extra rows).
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from sales_warehouse import contract

# The order status codes the contract documents (contract.py, orders.status).
VALID_STATUSES = ("placed", "paid", "shipped", "delivered", "cancelled", "returned")
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def key_of(name: str) -> str:
    return ", ".join(contract.entity(name).primary_key)


def recount(root: Path, end: str) -> dict[tuple[str, str], int]:
    """(table, defect kind) -> number of dirty rows found in the raw files."""
    con = duckdb.connect()
    con.execute("set threads = 2")
    for name in ("customers", "products", "orders", "order_lines", "support_tickets"):
        con.execute(f"create view raw_{name} as select * from read_parquet('{root / name}.parquet')")
        con.execute(
            f"create view {name} as select * exclude (_version) from (select *, row_number() over"
            f" (partition by {key_of(name)} order by updated_at desc, _loaded_at desc) as _version"
            f" from raw_{name}) where _version = 1"
        )
    end_of_period = f"timestamp '{end}' + interval 1 day"

    def one(query: str) -> int:
        return int(con.execute(query).fetchone()[0])

    counts: dict[tuple[str, str], int] = {}
    for name in ("customers", "orders", "order_lines", "support_tickets"):
        counts[name, "duplicate_row"] = one(
            f"select (select count(*) from raw_{name})"
            f" - (select count(*) from (select distinct * from raw_{name}))"
        )
    for name in ("customers", "orders", "order_lines"):
        # Versions per key beyond the first: distinct (key, updated_at) minus distinct keys.
        counts[name, "superseded_version"] = one(
            f"select (select count(*) from (select distinct {key_of(name)}, updated_at from raw_{name}))"
            f" - (select count(*) from (select distinct {key_of(name)} from raw_{name}))"
        )
    counts["customers", "invalid_email"] = one(
        "select count(*) from customers"
        f" where email is null or not regexp_full_match(email, '{EMAIL_PATTERN}')"
    )
    counts["customers", "non_standard_string"] = one(
        "select count(*) from customers"
        " where gender <> lower(trim(gender)) or region_code <> lower(trim(region_code))"
    )
    counts["orders", "future_timestamp"] = one(
        f"select count(*) from orders where placed_at >= {end_of_period}"
    )
    statuses = ", ".join(f"'{status}'" for status in VALID_STATUSES)
    counts["orders", "unknown_status"] = one(f"select count(*) from orders where status not in ({statuses})")
    counts["orders", "non_standard_string"] = one(
        "select count(*) from orders where channel <> lower(trim(channel))"
    )
    counts["order_lines", "negative_quantity"] = one("select count(*) from order_lines where quantity < 0")
    counts["order_lines", "orphan_foreign_key"] = one(
        "select count(*) from order_lines where product_id not in (select product_id from products)"
    )
    counts["order_lines", "parent_order_excluded"] = one(
        "select count(*) from order_lines"
        f" where order_id in (select order_id from orders where placed_at >= {end_of_period})"
    )
    counts["support_tickets", "orphan_foreign_key"] = one(
        "select count(*) from support_tickets where customer_id not in (select customer_id from customers)"
    )
    clean_rows = {
        name: one(f"select count(*) from {name}")
        for name in ("customers", "orders", "order_lines", "support_tickets")
    }
    con.close()
    return counts | {(name, "_clean_rows"): rows for name, rows in clean_rows.items()}


@pytest.fixture(scope="module")
def demo_counts(demo_raw, demo_manifest) -> dict[tuple[str, str], int]:
    return recount(demo_raw, demo_manifest["config"]["end"])


def planted(manifest: dict) -> list[tuple[str, str, int]]:
    return [
        (table, kind, count) for table, kinds in manifest["defects"].items() for kind, count in kinds.items()
    ]


def test_manifest_lists_defects_for_the_dirty_tables(demo_manifest):
    kinds = {(table, kind) for table, kind, _ in planted(demo_manifest)}
    assert {table for table, _ in kinds} == {"customers", "orders", "order_lines", "support_tickets"}
    assert len(kinds) >= 15


def test_every_planted_kind_is_about_one_percent(demo_manifest, demo_counts):
    rate = demo_manifest["config"]["defect_rate"]
    assert rate == 0.01
    for table, kind, count in planted(demo_manifest):
        clean = demo_counts[table, "_clean_rows"]
        assert count > 0, f"{table}.{kind}: nothing planted"
        assert 0.003 <= count / clean <= 0.02, f"{table}.{kind}: {count} of {clean} rows"


def test_manifest_counts_match_the_raw_files(demo_manifest, demo_counts):
    recounted = {key: value for key, value in demo_counts.items() if key[1] != "_clean_rows"}
    claimed = {(table, kind): count for table, kind, count in planted(demo_manifest)}
    assert set(recounted) == set(claimed), "every planted kind is recounted"
    mismatches = {key: (claimed[key], found) for key, found in recounted.items() if claimed[key] != found}
    assert not mismatches, "manifest count vs recount: " + repr(mismatches)


def test_defect_rate_zero_plants_nothing(generated):
    root = generated(1.0, defect_rate=0.0)
    data = json.loads((root / "manifest.json").read_text())
    assert data["defects"], "the ledger still lists the kinds, with zero counts"
    assert all(count == 0 for _, _, count in planted(data)), data["defects"]
    counts = recount(root, data["config"]["end"])
    assert {key: value for key, value in counts.items() if key[1] != "_clean_rows" and value} == {}
    for name in ("customers", "orders", "order_lines", "support_tickets"):
        assert data["row_counts"][name] == counts[name, "_clean_rows"], name
