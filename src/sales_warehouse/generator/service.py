"""Service: support tickets with SLA breaches, and survey responses (NPS, CSAT).

Both are drawn per customer chunk, on the commerce chunk's random stream, because a customer's first
SLA breach decides how many of their later orders happen and how they answer surveys.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sales_warehouse.contract import LOADED_AT
from sales_warehouse.generator.params import (
    CONSUMER_HOURS,
    GROUP_NPS_MEAN,
    NPS_DROP_AFTER_BREACH,
    PRIORITIES,
    PRIORITY_SHARE,
    SLA_HOURS,
)
from sales_warehouse.generator.sampling import choice, hours, nightly_load, to_ts
from sales_warehouse.generator.world import World


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


def generate_surveys(
    world: World, chunk: pd.DataFrame, first_breach: np.ndarray, offset: int, rng: np.random.Generator
) -> pd.DataFrame:
    """Survey responses for one customer chunk: loyal customers promote, breached ones detract."""
    total_days = world.customers["_activity_days"].sum()
    survey_lam = world.sizes.surveys * chunk["_activity_days"].to_numpy() / total_days
    survey_count = rng.poisson(survey_lam)
    survey_index = np.repeat(np.arange(len(chunk)), survey_count)
    n = len(survey_index)
    lo = chunk["_active_from"].to_numpy()[survey_index]
    hi = chunk["_active_to"].to_numpy()[survey_index]
    survey_day = lo + np.floor(rng.random(n) * (hi - lo + 1)).astype(int)
    responded = to_ts(world.days[survey_day], rng.integers(8 * 3600, 23 * 3600, n))
    after_breach = (~np.isnat(first_breach[survey_index])) & (responded > first_breach[survey_index])
    group = chunk["_group"].to_numpy()[survey_index]
    nps_mean = GROUP_NPS_MEAN[group] - NPS_DROP_AFTER_BREACH * after_breach
    nps = np.clip(np.round(rng.normal(nps_mean, 1.3)), 0, 10)
    surveys = pd.DataFrame(
        {
            "response_id": np.arange(offset + 1, offset + n + 1, dtype=np.int64),
            "customer_id": chunk["customer_id"].to_numpy()[survey_index],
            "responded_at": responded,
            "nps_score": nps.astype(np.int32),
            "csat_score": np.clip(np.round(1 + nps / 2.5 + rng.normal(0, 0.4, len(nps))), 1, 5).astype(
                np.int32
            ),
        }
    )
    surveys[LOADED_AT] = nightly_load(responded, world.load_cap)
    return surveys
