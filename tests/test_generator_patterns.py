"""The planted patterns (manifest.json) can be found in the raw scale-1 data with simple analysis.

Dirty rows are excluded first the way staging would: latest version per key, no future-dated orders,
no negative quantities or orphan products. Thresholds come from the manifest (usually "at least half
the planted effect") or from the issue, never from a previous run's output.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pytest


def latest(root: Path, name: str, key: str) -> str:
    """SQL for the latest version of each record (exact duplicates collapse to one row)."""
    return (
        f"select * exclude (_version) from (select *, row_number() over (partition by {key}"
        " order by updated_at desc, _loaded_at desc)"
        f" as _version from read_parquet('{root / name}.parquet')) where _version = 1"
    )


@pytest.fixture(scope="module")
def con(demo_raw: Path, demo_manifest: dict) -> duckdb.DuckDBPyConnection:
    config = demo_manifest["config"]
    connection = duckdb.connect()
    connection.execute("set threads = 2")
    connection.execute(f"set variable period_start = date '{config['start']}'")
    connection.execute(f"set variable period_end = date '{config['end']}'")
    connection.execute(f"create view products as select * from read_parquet('{demo_raw}/products.parquet')")
    connection.execute(f"create view customers as {latest(demo_raw, 'customers', 'customer_id')}")
    connection.execute(
        f"create view orders as select * from ({latest(demo_raw, 'orders', 'order_id')})"
        " where placed_at < getvariable('period_end') + interval 1 day"
    )
    connection.execute(
        "create view order_lines as select l.*"
        f" from ({latest(demo_raw, 'order_lines', 'order_id, line_number')}) as l"
        " join orders using (order_id) join products using (product_id) where l.quantity > 0"
    )
    connection.execute(
        "create view line_revenue as select o.order_id, o.placed_at, o.sales_rep_id, p.category,"
        " l.quantity * l.unit_price - l.discount_amount as revenue"
        " from order_lines as l join orders as o using (order_id) join products as p using (product_id)"
        " where o.status <> 'cancelled'"
    )
    connection.execute(
        "create table daily as select c.d::date as order_date, count(o.order_id) as n_orders"
        " from range(getvariable('period_start'), getvariable('period_end') + interval 1 day, interval 1 day)"
        " as c(d) left join orders as o on o.placed_at::date = c.d::date group by 1"
    )
    connection.execute(f"create view leads as {latest(demo_raw, 'leads', 'lead_id')}")
    connection.execute(f"create view opportunities as {latest(demo_raw, 'opportunities', 'opportunity_id')}")
    connection.execute(
        "create view stage_history as select distinct * from"
        f" read_parquet('{demo_raw}/opportunity_stage_history.parquet')"
    )
    connection.execute(f"create view tickets as {latest(demo_raw, 'support_tickets', 'ticket_id')}")
    connection.execute(f"create view campaigns as select * from read_parquet('{demo_raw}/campaigns.parquet')")
    connection.execute(
        "create view customer_groups as select *"
        f" from read_parquet('{demo_raw}/truth/customer_groups.parquet')"
    )
    yield connection
    connection.close()


def scalar(con: duckdb.DuckDBPyConnection, query: str, params: list | None = None) -> float:
    return con.execute(query, params or []).fetchone()[0]


def daily_mean(con: duckdb.DuckDBPyConnection, first: date, last: date) -> float:
    return scalar(con, "select avg(n_orders) from daily where order_date between ? and ?", [first, last])


# --------------------------------------------------------------------------- calendar


def test_saturday_sells_more_than_monday(con, demo_manifest):
    factors = demo_manifest["patterns"]["weekday_factors_monday_first"]
    planted = factors[5] / factors[0]
    by_weekday = dict(
        con.execute("select isodow(order_date), avg(n_orders) from daily group by 1").fetchall()
    )
    ratio = by_weekday[6] / by_weekday[1]
    assert ratio > 1 + (planted - 1) / 2, f"Saturday/Monday {ratio:.3f}, planted {planted:.3f}"


def test_spring_festival_week_is_a_trough(con, demo_manifest):
    festival = demo_manifest["patterns"]["spring_festival"]
    half = festival["half_width_days"]
    start, end = (date.fromisoformat(demo_manifest["config"][key]) for key in ("start", "end"))
    checked = 0
    for text in festival["dates"]:
        day = date.fromisoformat(text)
        first, last = day - timedelta(days=half), day + timedelta(days=half)
        before = (first - timedelta(days=14), first - timedelta(days=1))
        after = (last + timedelta(days=1), last + timedelta(days=14))
        if before[0] < start or after[1] > end:
            continue  # not four whole surrounding weeks inside the period
        week = daily_mean(con, first, last)
        around = (daily_mean(con, *before) + daily_mean(con, *after)) / 2
        assert week < 0.6 * around, f"{text}: festival {week:.1f}/day vs surrounding {around:.1f}/day"
        checked += 1
    assert checked >= 2


def test_618_and_double_11_peak(con, demo_manifest):
    start, end = (date.fromisoformat(demo_manifest["config"][key]) for key in ("start", "end"))
    checked = 0
    for name, peak in demo_manifest["patterns"]["festival_peaks"].items():
        for year in range(start.year, end.year + 1):
            day = date(year, peak["month"], peak["day"])
            if not start <= day <= end:
                continue
            on_day = scalar(con, "select n_orders from daily where order_date = ?", [day])
            median = scalar(
                con,
                "select median(n_orders) from daily where year(order_date) = ? and month(order_date) = ?",
                [year, peak["month"]],
            )
            assert on_day >= 2 * median, f"{name} {year}: {on_day} orders vs month median {median}"
            checked += 1
    assert checked == 2 * (end.year - start.year + 1)


def test_orders_trend_upwards(con, demo_manifest):
    start, end = (date.fromisoformat(demo_manifest["config"][key]) for key in ("start", "end"))
    first = daily_mean(con, start, date(start.year, 12, 31))
    last = daily_mean(con, date(end.year, 1, 1), end)
    planted = math.exp(demo_manifest["patterns"]["trend_annual_growth"] * (end.year - start.year))
    assert last / first > 1 + (planted - 1) / 2, f"first year {first:.1f}/day, last year {last:.1f}/day"


def test_flash_sales_lift_daily_orders(con, demo_manifest):
    lift = demo_manifest["patterns"]["promotions"]["flash_sale_lift"]
    on_sale, off_sale = con.execute(
        """
        with marked as (
            select d.order_date, d.n_orders,
                   bool_or(c.campaign_type = 'flash_sale') as flash,
                   count(c.campaign_id) > 0 as any_campaign
            from daily as d
            left join campaigns as c on d.order_date between c.start_date and c.end_date
            group by all
        ),
        flash_months as (
            select distinct date_trunc('month', order_date) as month_start from marked where flash
        )
        select avg(n_orders) filter (where flash), avg(n_orders) filter (where not any_campaign)
        from marked join flash_months on date_trunc('month', order_date) = month_start
        """
    ).fetchone()
    assert on_sale / off_sale > 1 + (lift - 1) / 2, f"flash sale {on_sale:.1f}/day vs {off_sale:.1f}/day"


# --------------------------------------------------------------------------- products and prices


def test_declining_category_shrinks_while_total_grows(con, demo_manifest):
    category = demo_manifest["patterns"]["declining_category"]["category"]
    rows = con.execute(
        "select year(placed_at) as y, sum(revenue) filter (where category = ?), sum(revenue)"
        " from line_revenue group by 1 order by 1",
        [category],
    ).fetchall()
    years = np.array([row[0] for row in rows], dtype=float)
    declining = np.array([row[1] for row in rows])
    total = np.array([row[2] for row in rows])
    assert len(years) >= 3
    slope = np.polyfit(years, declining, 1)[0]
    assert slope < 0, f"{category} revenue by year {declining.round(-3).tolist()}"
    assert declining[-1] < declining[0]
    assert total[-1] > total[0], f"total revenue by year {total.round(-3).tolist()}"


def test_lower_price_ratio_sells_more_units(con):
    rows = con.execute(
        """
        with priced as (
            select p.category, l.quantity,
                   ntile(4) over (partition by p.category order by l.unit_price / p.list_price) as quartile
            from order_lines as l join products as p using (product_id)
        )
        select category, avg(quantity) filter (where quartile = 1), avg(quantity) filter (where quartile = 4)
        from priced group by 1 order by 1
        """
    ).fetchall()
    assert len(rows) >= 5
    for category, cheapest, dearest in rows:
        assert cheapest > dearest, f"{category}: {cheapest:.3f} units at low price vs {dearest:.3f} at high"


# --------------------------------------------------------------------------- sales team and pipeline


def test_strong_reps_earn_more_per_customer_and_win_more(con, demo_manifest):
    reps = demo_manifest["patterns"]["reps"]
    strong, weak = reps["strong_rep_ids"], reps["weak_rep_ids"]
    assert strong and weak
    per_customer = dict(
        con.execute(
            """
            with revenue as (select sales_rep_id, sum(revenue) as revenue from line_revenue group by 1),
            book as (select owner_sales_rep_id as sales_rep_id, count(*) as n from customers group by 1)
            select sales_rep_id, revenue / n from revenue join book using (sales_rep_id)
            """
        ).fetchall()
    )
    median = float(np.median(list(per_customer.values())))
    for rep in strong:
        assert per_customer[rep] > median, f"strong rep {rep}: {per_customer[rep]:.0f} vs median {median:.0f}"

    def win_rate(ids: list[int]) -> float:
        return scalar(
            con,
            "select count(*) filter (where stage = 'closed_won')"
            " / count(*) filter (where stage in ('closed_won', 'closed_lost'))"
            " from opportunities where list_contains(?, sales_rep_id)",
            [ids],
        )

    assert win_rate(strong) > win_rate(weak), f"win rate strong {win_rate(strong)} vs weak {win_rate(weak)}"


def test_bottleneck_stage_passes_least_and_dwells_longest(con, demo_manifest):
    funnel = demo_manifest["patterns"]["funnel"]
    stats = {
        stage: (pass_rate, dwell)
        for stage, pass_rate, dwell in con.execute(
            """
            with ordered as (
                select *, lead(stage) over w as next_stage, lead(entered_at) over w as next_at
                from stage_history
                window w as (partition by opportunity_id order by entered_at)
            )
            select stage,
                   avg(case when next_stage = 'closed_lost' then 0 else 1 end),
                   median(date_diff('second', entered_at, next_at) / 86400.0)
            from ordered
            where next_stage is not null and list_contains(?, stage)
            group by 1
            """,
            [funnel["stages"]],
        ).fetchall()
    }
    assert set(stats) == set(funnel["stages"])
    bottleneck = funnel["bottleneck_stage"]
    assert min(stats, key=lambda stage: stats[stage][0]) == bottleneck, stats
    assert max(stats, key=lambda stage: stats[stage][1]) == bottleneck, stats


def test_lead_sources_convert_differently(con, demo_manifest):
    planted = demo_manifest["patterns"]["lead_sources"]["conversion"]
    rates = dict(
        con.execute("select lead_source, avg((status = 'converted')::int) from leads group by 1").fetchall()
    )
    gap = rates["referral"] - rates["cold_call"]
    planted_gap = planted["referral"] - planted["cold_call"]
    assert gap > planted_gap / 2, f"referral {rates['referral']:.3f} vs cold_call {rates['cold_call']:.3f}"


# --------------------------------------------------------------------------- customers and service


def test_latent_customer_groups_behave_differently(con):
    stats = {
        group: (orders_per_customer, promo_share)
        for group, orders_per_customer, promo_share in con.execute(
            """
            select g.group_name,
                   count(o.order_id) / count(distinct g.customer_id),
                   avg((o.campaign_id is not null)::int)
            from customer_groups as g left join orders as o using (customer_id)
            group by 1
            """
        ).fetchall()
    }
    loyal, price_sensitive = stats["high_value_loyal"], stats["price_sensitive_occasional"]
    assert loyal[0] > price_sensitive[0], stats
    assert price_sensitive[1] > loyal[1], stats


def test_sla_breach_lowers_repurchase(con, demo_manifest):
    """Orders after the (first breached / first) ticket per day until the end of the data."""
    sla = demo_manifest["patterns"]["service"]["sla_hours"]
    rates = dict(
        con.execute(
            """
            with sla as (select unnest(?::varchar[]) as priority, unnest(?::double[]) as sla_hours),
            judged as (
                select t.customer_id, t.opened_at,
                       date_diff('second', t.opened_at, t.first_response_at) / 3600.0
                           > s.sla_hours as breached
                from tickets as t join sla as s using (priority) join customers using (customer_id)
                where t.first_response_at is not null
            ),
            per_customer as (
                select customer_id, bool_or(breached) as breached,
                       coalesce(min(opened_at) filter (where breached), min(opened_at)) as since
                from judged group by 1
            ),
            after as (
                select c.customer_id, c.breached,
                       count(o.order_id) as n_orders,
                       date_diff('second', c.since, getvariable('period_end') + interval 1 day)
                           / 86400.0 as span
                from per_customer as c
                left join orders as o on o.customer_id = c.customer_id and o.placed_at > c.since
                group by all
            )
            select breached, sum(n_orders) / sum(span) from after group by 1
            """,
            [list(sla), list(sla.values())],
        ).fetchall()
    )
    ratio = rates[True] / rates[False]
    assert ratio < 0.8, f"orders/day after breach {rates[True]:.4f} vs on time {rates[False]:.4f}"
