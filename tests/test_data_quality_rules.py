"""Outliers, impossible dates and conflicting duplicates are counted data-quality findings.

One commerce-only build on small generated data that was tampered with the way a hostile tester
(or a broken export) would: a line with quantity 1e9, prices far above and below the product's
history, an order dated 1900, and rows that repeat a key with the same `updated_at` but other
content. Every tampering must show up in `quality.dq_failed_rows` with its rule, severity and
action, the excluded rows must stay out of the marts, and everything the generator planted must
still be counted exactly as planted.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from dbt_support import ALL_OFF, dbt, generate

QUANTITY = 1_000_000_000
PRICE_FACTOR = 50  # far beyond the default price_outlier_factor
CONFLICTING_PRODUCTS = 10


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.sql(sql).fetchall()


def rewrite(path: Path, select: str) -> None:
    """Replace a raw parquet file by `select` over its rows (table `raw`), keeping column types."""
    with duckdb.connect() as con:
        con.execute(f"create table raw as select * from read_parquet('{path}')")
        con.execute(f"copy ({select}) to '{path}' (format parquet)")


def good_orders(raw: Path) -> list[int]:
    """Delivered sales with one version, a standard channel and only valid single-version lines."""
    with duckdb.connect() as con:
        rows = con.sql(f"""
            with orders as (select * from read_parquet('{raw}/orders.parquet')),
            lines as (select * from read_parquet('{raw}/order_lines.parquet')),
            products as (select product_id from read_parquet('{raw}/products.parquet')),
            single_orders as (select order_id from orders group by order_id having count(*) = 1),
            bad_orders as (
                select lines.order_id
                from lines
                left join products on lines.product_id = products.product_id
                group by lines.order_id
                having count(*) != count(distinct lines.line_number)
                    or bool_or(lines.quantity <= 0 or lines.unit_price <= 0 or products.product_id is null)
            ),
            first_lines as (
                select order_id from lines where line_number = 1 and discount_amount = 0
            )
            select orders.order_id
            from orders
            inner join single_orders on orders.order_id = single_orders.order_id
            inner join first_lines on orders.order_id = first_lines.order_id
            where orders.status = 'delivered'
                and orders.channel = lower(trim(orders.channel))
                and orders.credited_order_id is null
                and orders.customer_id is not null
                and orders.placed_at < timestamp '2025-06-01'
                and orders.order_id not in (select order_id from bad_orders)
            order by orders.order_id
            limit 6
        """).fetchall()
    assert len(rows) == 6
    return [order_id for (order_id,) in rows]


def tamper(raw: Path) -> dict[tuple[str, str], int]:
    """Plant the findings; return the expected extra dq_failed_rows counts per (table, rule)."""
    outlier, pricey, cheap, ancient, conflicting_order, conflicting_line = good_orders(raw)
    with duckdb.connect() as con:
        ancient_lines = con.sql(
            f"select count(*) from read_parquet('{raw}/order_lines.parquet') where order_id = {ancient}"
        ).fetchone()[0]
        customer = con.sql(f"""
            select min(customer_id) from read_parquet('{raw}/customers.parquet')
            where customer_id in (
                select customer_id from read_parquet('{raw}/customers.parquet') group by 1 having count(*) = 1
            )
        """).fetchone()[0]
    rewrite(
        raw / "order_lines.parquet",
        f"""
        select * replace (
            case when order_id = {outlier} and line_number = 1 then {QUANTITY} else quantity end as quantity,
            case
                when order_id = {pricey} and line_number = 1 then unit_price * {PRICE_FACTOR}
                when order_id = {cheap} and line_number = 1 then unit_price / {PRICE_FACTOR}
                else unit_price
            end as unit_price
        ) from raw
        union all
        -- same key and updated_at, other content: a conflicting duplicate
        select * replace (discount_amount + 1 as discount_amount)
        from raw where order_id = {conflicting_line} and line_number = 1
        """,
    )
    rewrite(
        raw / "orders.parquet",
        f"""
        select * replace (
            case when order_id = {ancient} then timestamp '1900-01-01 10:00:00' else placed_at end as placed_at
        ) from raw
        union all
        -- loaded later with another channel: this version must win
        select * replace (
            case when channel = 'store' then 'web' else 'store' end as channel,
            _loaded_at + interval 1 hour as _loaded_at
        )
        from raw where order_id = {conflicting_order}
        """,
    )
    rewrite(
        raw / "customers.parquet",
        f"""
        select * from raw
        union all
        select * replace (coalesce(city, '') || ' (conflicting copy)' as city)
        from raw where customer_id = {customer}
        """,
    )
    # Ten products repeated with another category at the same updated_at and load: the winner must
    # not depend on file order. One more is loaded later (it wins), one is an exact copy.
    rewrite(
        raw / "products.parquet",
        f"""
        with numbered as (select *, row_number() over (order by product_id) as position from raw)
        select * exclude (position) from numbered
        union all
        select * exclude (position) replace (category || ' (conflicting copy)' as category)
        from numbered where position <= {CONFLICTING_PRODUCTS}
        union all
        select * exclude (position) replace (
            'Later load' as category, _loaded_at + interval 1 day as _loaded_at
        )
        from numbered where position = {CONFLICTING_PRODUCTS + 1}
        union all
        select * exclude (position) from numbered where position = {CONFLICTING_PRODUCTS + 2}
        """,
    )
    return {
        ("order_lines", "quantity_outlier"): 1,
        ("order_lines", "price_outlier_high"): 1,
        ("order_lines", "price_outlier_low"): 1,
        ("orders", "before_business_start"): 1,
        ("order_lines", "parent_order_excluded"): ancient_lines,
        ("order_lines", "conflicting_duplicate"): 1,
        ("orders", "conflicting_duplicate"): 1,
        ("customers", "conflicting_duplicate"): 1,
        ("products", "conflicting_duplicate"): CONFLICTING_PRODUCTS + 1,
        ("products", "duplicate_row"): 1,
    }


@pytest.fixture(scope="module")
def tampered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict, dict]:
    """(raw dir, warehouse, expected extra findings, tampered keys) after one commerce-only build."""
    work = tmp_path_factory.mktemp("dq_rules")
    raw = generate(work / "raw", "--domains", "commerce", scale="0.05")
    outlier, pricey, cheap, ancient, conflicting_order, conflicting_line = good_orders(raw)
    extra = tamper(raw)
    db = work / "warehouse.duckdb"
    result = dbt(["build", "--vars", ALL_OFF], raw, db, work)
    assert result.returncode == 0, result.stdout[-6000:]
    keys = {
        "outlier": outlier,
        "pricey": pricey,
        "cheap": cheap,
        "ancient": ancient,
        "conflicting_order": conflicting_order,
        "conflicting_line": conflicting_line,
        "work": work,
    }
    return raw, db, extra, keys


def test_every_finding_is_counted_and_planted_defects_still_are(tampered: tuple) -> None:
    raw, db, extra, _ = tampered
    manifest = json.loads((raw / "manifest.json").read_text())
    expected = {
        (table, kind): count for table, kinds in manifest["defects"].items() for kind, count in kinds.items()
    }
    for key, count in extra.items():
        expected[key] = expected.get(key, 0) + count
    expected = {
        key: count for key, count in expected.items() if count
    }  # small scales plant some kinds 0 times
    found = {
        (source_table.split(".")[1], rule): count
        for source_table, rule, count in query(
            db, "select source_table, rule_name, count(*) from quality.dq_failed_rows group by all"
        )
    }
    assert found == expected


def test_new_rules_have_severity_and_action_from_the_seed(tampered: tuple) -> None:
    _, db, _, _ = tampered
    rules = dict(
        (rule, (severity, action))
        for rule, severity, action in query(
            db,
            "select distinct rule_name, severity, action_taken from quality.dq_failed_rows "
            "where rule_name in ('quantity_outlier', 'price_outlier_high', 'price_outlier_low', "
            "'before_business_start', 'conflicting_duplicate')",
        )
    )
    assert rules == {
        "quantity_outlier": ("error", "excluded"),
        "price_outlier_high": ("error", "excluded"),
        "price_outlier_low": ("warn", "kept_with_flag"),
        "before_business_start": ("error", "excluded"),
        "conflicting_duplicate": ("warn", "excluded"),
    }


def test_outliers_are_excluded_or_flagged_and_revenue_is_not_multiplied(tampered: tuple) -> None:
    _, db, _, keys = tampered
    findings = dict(
        query(
            db,
            "select record_key, rule_name from quality.dq_failed_rows "
            "where rule_name in ('quantity_outlier', 'price_outlier_high', 'price_outlier_low')",
        )
    )
    assert findings == {
        f"{keys['outlier']}-1": "quantity_outlier",
        f"{keys['pricey']}-1": "price_outlier_high",
        f"{keys['cheap']}-1": "price_outlier_low",
    }
    kept = {
        order_id
        for (order_id,) in query(
            db,
            "select order_id from marts.fct_order_lines where line_number = 1 and order_id in "
            f"({keys['outlier']}, {keys['pricey']}, {keys['cheap']})",
        )
    }
    assert kept == {keys["cheap"]}
    assert query(db, "select max(quantity) < 1000 from marts.fct_order_lines") == [(True,)]


def test_order_before_business_start_is_excluded(tampered: tuple) -> None:
    _, db, _, keys = tampered
    assert query(
        db, "select failed_value from quality.dq_failed_rows where rule_name = 'before_business_start'"
    ) == [("1900-01-01 10:00:00",)]
    assert query(db, f"select count(*) from marts.fct_orders where order_id = {keys['ancient']}") == [(0,)]
    assert query(
        db, "select min(month_start_date) >= date '2000-01-01' from marts.product_performance_monthly"
    ) == [(True,)]


def test_conflicting_duplicates_have_a_deterministic_winner(tampered: tuple) -> None:
    raw, db, _, keys = tampered
    # The later load wins.
    assert query(
        db,
        "select is_latest_version from staging.base_shop__orders "
        f"where order_id = {keys['conflicting_order']} order by loaded_at",
    ) == [(False,), (True,)]
    assert query(db, "select count(*) from staging.stg_shop__products where category = 'Later load'") == [
        (1,)
    ]
    # Same updated_at and load: the winner does not depend on the order of the rows in the file.
    work = keys["work"]
    reversed_raw = work / "reversed"
    shutil.copytree(raw, reversed_raw)
    rewrite(
        reversed_raw / "products.parquet",
        "select * exclude (position) from (select *, row_number() over () as position from raw) "
        "order by position desc",
    )
    db_reversed = work / "reversed.duckdb"
    result = dbt(
        ["run", "--select", "base_shop__products", "stg_shop__products", "--vars", ALL_OFF],
        reversed_raw,
        db_reversed,
        work,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    products = "select * from staging.stg_shop__products order by product_id"
    assert query(db_reversed, products) == query(db, products)
