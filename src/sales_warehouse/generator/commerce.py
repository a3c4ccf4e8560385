"""Commerce, one customer chunk at a time: orders, order lines, returns (and the chunk's service rows).

Everything in a chunk is drawn from the chunk's own random stream (1, chunk number), in this order:
tickets, order placement, order processing, lines, returns, surveys. Changing the order changes
every number after it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sales_warehouse import calendar as cal
from sales_warehouse.contract import LOADED_AT
from sales_warehouse.generator.params import (
    BUSINESS_HOURS,
    CATEGORIES,
    CATEGORY_ELASTICITY,
    CONSUMER_HOURS,
    DECLINE_RATE,
    DECLINING_CATEGORY,
    GROUP_CATEGORY_PREFERENCE,
    GROUP_CHANNEL,
    GROUP_EXTRA_UNITS,
    GROUP_LINES,
    GROUP_PROMO_AFFINITY,
    KEEP_ORDER_AFTER_BREACH,
    ORDER_CHANNELS,
    ORDER_LOSS_ALLOWANCE,
)
from sales_warehouse.generator.sampling import (
    choice,
    hours,
    nightly_load,
    pick_within,
    rng_for,
    row_choice,
    sample_group_days,
    to_ts,
)
from sales_warehouse.generator.service import generate_surveys, generate_tickets
from sales_warehouse.generator.world import World


@dataclass
class ChunkResult:
    customers: pd.DataFrame
    orders: pd.DataFrame
    order_lines: pd.DataFrame
    returns: pd.DataFrame
    tickets: pd.DataFrame
    surveys: pd.DataFrame
    rep_month_revenue: np.ndarray


@dataclass
class Orders:
    """A chunk's orders, and the per-order arrays the lines, returns and quotas are drawn from."""

    frame: pd.DataFrame
    order_ids: np.ndarray
    group: np.ndarray
    day: np.ndarray
    placed: np.ndarray
    discount_rate: np.ndarray
    status: np.ndarray
    delivered: np.ndarray
    owner: np.ndarray


@dataclass
class Lines:
    frame: pd.DataFrame
    order_of_line: np.ndarray
    quantity: np.ndarray
    net: np.ndarray  # unit price x quantity - discount


def place_orders(
    world: World, chunk: pd.DataFrame, first_breach: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(customer position in chunk, group, day index, placed_at) of the orders that happen, by time."""
    lam = (
        ORDER_LOSS_ALLOWANCE
        * world.sizes.orders
        * chunk["_order_weight"].to_numpy()
        / world.customers["_order_weight"].sum()
    )
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
    cust_index, group, day, placed = (cust_index[keep], group[keep], day[keep], placed[keep])
    order_sort = np.lexsort((placed,))
    return (cust_index[order_sort], group[order_sort], day[order_sort], placed[order_sort])


def process_orders(
    world: World, chunk: pd.DataFrame, first_breach: np.ndarray, offset: int, rng: np.random.Generator
) -> Orders:
    """Orders with promotion, channel, payment, shipping, delivery and the status at the end of the data."""
    cust_index, group, day, placed = place_orders(world, chunk, first_breach, rng)
    n_orders = len(placed)
    order_ids = np.arange(offset + 1, offset + n_orders + 1, dtype=np.int64)

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
    frame = pd.DataFrame(
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
    frame[LOADED_AT] = nightly_load(updated, world.load_cap)
    return Orders(frame, order_ids, group, day, placed, discount_rate, status, delivered, owner)


def order_lines(world: World, orders: Orders, rng: np.random.Generator) -> Lines:
    """Lines: number per order by group; product mix by group preference and the declining category."""
    n_lines = 1 + rng.poisson(GROUP_LINES[orders.group] - 1)
    order_of_line = np.repeat(np.arange(len(orders.order_ids)), n_lines)
    line_number = np.arange(len(order_of_line)) - np.repeat(np.cumsum(n_lines) - n_lines, n_lines) + 1
    line_group = orders.group[order_of_line]
    line_day = orders.day[order_of_line]
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
    # The price table has a stream of its own, the same for every chunk.
    price_rng = np.random.default_rng([world.config.seed, 7])
    price_multiplier_table = price_rng.uniform(0.85, 1.15, (len(products), 97))
    price_multiplier = price_multiplier_table[product_index, month]
    list_price = products["list_price"].to_numpy()[product_index]
    unit_price = np.round(list_price * price_multiplier, 2)
    line_discount_rate = orders.discount_rate[order_of_line]
    effective_ratio = price_multiplier * (1 - line_discount_rate)
    elasticity = CATEGORY_ELASTICITY[products["_category_index"].to_numpy()[product_index]]
    quantity = 1 + rng.poisson(GROUP_EXTRA_UNITS[line_group] * effective_ratio**elasticity)
    discount_amount = np.round(unit_price * quantity * line_discount_rate, 2)
    frame = pd.DataFrame(
        {
            "order_id": orders.order_ids[order_of_line],
            "line_number": line_number.astype(np.int32),
            "product_id": products["product_id"].to_numpy()[product_index],
            "quantity": quantity.astype(np.int32),
            "unit_price": unit_price,
            "discount_amount": discount_amount,
            "unit_cost": products["unit_cost"].to_numpy()[product_index],
            "updated_at": orders.frame["placed_at"].to_numpy()[order_of_line],
        }
    )
    frame[LOADED_AT] = nightly_load(frame["updated_at"].to_numpy(), world.load_cap)
    net = frame["unit_price"].to_numpy() * quantity - discount_amount
    return Lines(frame, order_of_line, quantity, net)


def order_returns(
    world: World, orders: Orders, lines: Lines, offset: int, rng: np.random.Generator
) -> pd.DataFrame:
    """Returns: the first line of every returned order, refunded at its net amount."""
    returned_index = np.flatnonzero(orders.status == "returned")
    first_line = np.searchsorted(lines.order_of_line, returned_index)
    returned_at = orders.delivered[returned_index] + hours(rng.uniform(24, 24 * 14, len(returned_index)))
    returned_at = np.minimum(returned_at, world.end_ts)
    returns = pd.DataFrame(
        {
            "return_id": np.arange(offset + 1, offset + len(returned_index) + 1, dtype=np.int64),
            "order_id": orders.order_ids[returned_index],
            "line_number": np.ones(len(returned_index), dtype=np.int32),
            "product_id": lines.frame["product_id"].to_numpy()[first_line],
            "quantity": lines.quantity[first_line].astype(np.int32),
            "refund_amount": np.round(lines.net[first_line], 2),
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
    return returns


def rep_month_revenue(world: World, orders: Orders, lines: Lines) -> np.ndarray:
    """Net revenue per (rep, month) of the orders not cancelled; it feeds the quotas."""
    config = world.config
    month_index = (orders.placed.astype("datetime64[M]") - np.datetime64(config.start, "M")).astype(int)
    n_months = len(np.arange(np.datetime64(config.start, "M"), np.datetime64(config.end, "M") + 1))
    order_net = np.bincount(lines.order_of_line, weights=lines.net, minlength=len(orders.order_ids))
    counted = ~np.isin(orders.status, ("cancelled",))
    revenue = np.zeros((world.sizes.reps, n_months))
    np.add.at(revenue, (orders.owner[counted] - 1, month_index[counted]), order_net[counted])
    return revenue


def generate_commerce_chunk(
    world: World, chunk: pd.DataFrame, chunk_no: int, offsets: dict[str, int]
) -> ChunkResult:
    """Every row one customer chunk produces; `offsets` are the ids already used by earlier chunks."""
    rng = rng_for(world.config, 1, chunk_no)
    tickets, first_breach = generate_tickets(world, chunk, world.sizes.tickets, rng, offsets["tickets"])
    orders = process_orders(world, chunk, first_breach, offsets["orders"], rng)
    lines = order_lines(world, orders, rng)
    returns = order_returns(world, orders, lines, offsets["returns"], rng)
    surveys = generate_surveys(world, chunk, first_breach, offsets["surveys"], rng)
    revenue = rep_month_revenue(world, orders, lines)
    return ChunkResult(chunk, orders.frame, lines.frame, returns, tickets, surveys, revenue)
