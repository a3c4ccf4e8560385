"""Opportunities walking the funnel: stage passes, dwell times, the stage history and the activities.

Skill raises pass rates and shortens stage dwell times; warm lead sources win more often and big
deals less often (see `params.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sales_warehouse.contract import LOADED_AT
from sales_warehouse.generator.params import (
    DEAL_SIZE_WIN_ELASTICITY,
    FUNNEL_STAGES,
    LEAD_SOURCE_WIN_FACTOR,
    REGIONS,
    STAGE_MEDIAN_DAYS,
    STAGE_PASS,
)
from sales_warehouse.generator.sampling import choice, hours, nightly_load
from sales_warehouse.generator.world import World

if TYPE_CHECKING:
    from sales_warehouse.generator.pipeline import Leads

N_STAGES = len(FUNNEL_STAGES)
PROPOSAL = FUNNEL_STAGES.index("proposal")  # the amount is revised when a deal reaches it


@dataclass
class Funnel:
    """One row per opportunity (a converted lead) and, for the stage arrays, one column per stage."""

    opp_lead: np.ndarray  # lead position of each opportunity
    opp_ids: np.ndarray
    opp_skill: np.ndarray
    amount0: np.ndarray  # amount until the proposal stage
    amount1: np.ndarray  # amount from the proposal stage on
    dwell_days: np.ndarray  # (opportunities, stages)
    entered: np.ndarray  # (opportunities, stages + 1): when each stage (and the close) is reached
    first_fail: np.ndarray  # first stage not passed (N_STAGES when all pass)
    won: np.ndarray
    closed: np.ndarray  # closed by the end of the data
    close_time: np.ndarray
    last_open_stage: np.ndarray
    final_stage: np.ndarray
    current_amount: np.ndarray


def walk_funnel(world: World, leads: Leads, offset: int, rng: np.random.Generator) -> Funnel:
    """Every converted lead becomes an opportunity and passes or fails each stage in turn."""
    opp_lead = np.flatnonzero(leads.converts)
    n_opps = len(opp_lead)
    opp_ids = np.arange(offset + 1, offset + n_opps + 1, dtype=np.int64)
    opp_skill = leads.skill[opp_lead]
    amount0 = np.round(rng.lognormal(np.log(60_000), 0.7, n_opps), -2)
    # Winning gets easier with skill and warm sources, harder for big deals.
    win_strength = (
        opp_skill
        * LEAD_SOURCE_WIN_FACTOR[leads.source[opp_lead]]
        * (amount0 / 60_000) ** DEAL_SIZE_WIN_ELASTICITY
    )
    passes = rng.random((n_opps, N_STAGES)) < STAGE_PASS[None, :] ** (1.0 / win_strength[:, None])
    dwell_days = rng.lognormal(
        np.log(STAGE_MEDIAN_DAYS[None, :] / opp_skill[:, None]), 0.5, (n_opps, N_STAGES)
    )
    entered = np.empty((n_opps, N_STAGES + 1), dtype="datetime64[us]")
    entered[:, 0] = leads.converted_at[opp_lead]
    for stage in range(N_STAGES):
        entered[:, stage + 1] = entered[:, stage] + hours(24 * dwell_days[:, stage])
    # Last open stage reached = first failed stage (or the last stage when all pass).
    failed = ~passes
    first_fail = np.where(failed.any(axis=1), failed.argmax(axis=1), N_STAGES)
    won = first_fail == N_STAGES
    close_time = entered[np.arange(n_opps), np.minimum(first_fail + 1, N_STAGES)]
    closed = close_time <= world.end_ts
    # Stage reached by the end of the data for still-open deals.
    reached_open = (entered[:, :N_STAGES] <= world.end_ts).sum(axis=1) - 1
    last_open_stage = np.where(
        closed, np.minimum(first_fail, N_STAGES - 1), np.minimum(reached_open, first_fail)
    )
    amount1 = np.round(amount0 * rng.uniform(0.85, 1.1, n_opps), -2)
    final_stage = np.where(
        closed,
        np.where(won, "closed_won", "closed_lost"),
        np.asarray(FUNNEL_STAGES, dtype=object)[last_open_stage],
    ).astype(object)
    current_amount = np.where(last_open_stage >= PROPOSAL, amount1, amount0)
    return Funnel(
        opp_lead,
        opp_ids,
        opp_skill,
        amount0,
        amount1,
        dwell_days,
        entered,
        first_fail,
        won,
        closed,
        close_time,
        last_open_stage,
        final_stage,
        current_amount,
    )


def won_customers(world: World, leads: Leads, funnel: Funnel, rng: np.random.Generator) -> np.ndarray:
    """A business customer of the lead's region for every deal won by the end of the data, else -1."""
    business = world.customers.loc[world.customers["customer_type"] == "business"]
    business_region = business["region_code"].to_numpy()
    business_ids = business["customer_id"].to_numpy()
    opp_region = leads.region[funnel.opp_lead]
    customer_id = np.full(len(funnel.opp_ids), -1, dtype=np.int64)
    for r in range(len(REGIONS)):
        pool = business_ids[business_region == REGIONS[r]]
        mask = (opp_region == r) & funnel.won & funnel.closed
        if len(pool) and mask.any():
            customer_id[mask] = pool[rng.integers(0, len(pool), mask.sum())]
    return customer_id


def opportunities_frame(world: World, leads: Leads, funnel: Funnel, rng: np.random.Generator) -> pd.DataFrame:
    """One row per opportunity, as it stands at the end of the data."""
    customer_id = won_customers(world, leads, funnel, rng)
    opp_lead, closed, entered = funnel.opp_lead, funnel.closed, funnel.entered
    frame = pd.DataFrame(
        {
            "opportunity_id": funnel.opp_ids,
            "lead_id": leads.lead_ids[opp_lead],
            "customer_id": pd.array(np.where(customer_id > 0, customer_id, np.nan), dtype="Int64"),
            "sales_rep_id": leads.rep[opp_lead] + 1,
            "opportunity_name": [
                f"{leads.industry[i].title()} deal {o}" for i, o in zip(opp_lead, funnel.opp_ids, strict=True)
            ],
            "stage": funnel.final_stage,
            "amount": funnel.current_amount,
            "created_at": entered[:, 0],
            "expected_close_date": (entered[:, 0] + np.timedelta64(60, "D")).astype("datetime64[D]"),
            "closed_at": np.where(closed, funnel.close_time, np.datetime64("NaT")),
        }
    )
    frame["updated_at"] = np.where(
        closed, funnel.close_time, entered[np.arange(len(opp_lead)), np.maximum(funnel.last_open_stage, 0)]
    )
    frame[LOADED_AT] = nightly_load(frame["updated_at"].to_numpy(), world.load_cap)
    return frame


def stage_visits(funnel: Funnel) -> tuple[np.ndarray, np.ndarray]:
    """(opportunity position, stage) of every open stage entered, opportunity by opportunity."""
    visits = np.where(
        funnel.closed, np.minimum(funnel.first_fail, N_STAGES - 1) + 1, funnel.last_open_stage + 1
    )
    visit_opp = np.repeat(np.arange(len(funnel.opp_ids)), visits)
    visit_stage = np.arange(len(visit_opp)) - np.repeat(np.cumsum(visits) - visits, visits)
    return visit_opp, visit_stage


def history_frame(world: World, funnel: Funnel) -> pd.DataFrame:
    """Stage history: one row per open stage entered, plus the closing stage."""
    visit_opp, visit_stage = stage_visits(funnel)
    opp_ids, closed = funnel.opp_ids, funnel.closed
    history = pd.DataFrame(
        {
            "opportunity_id": opp_ids[visit_opp],
            "stage": np.asarray(FUNNEL_STAGES, dtype=object)[visit_stage],
            "entered_at": funnel.entered[visit_opp, visit_stage],
            "amount": np.where(visit_stage >= PROPOSAL, funnel.amount1[visit_opp], funnel.amount0[visit_opp]),
        }
    )
    closing = pd.DataFrame(
        {
            "opportunity_id": opp_ids[closed],
            "stage": funnel.final_stage[closed],
            "entered_at": funnel.close_time[closed],
            "amount": funnel.current_amount[closed],
        }
    )
    history = pd.concat([history, closing], ignore_index=True).sort_values(
        ["opportunity_id", "entered_at"], kind="stable", ignore_index=True
    )
    history[LOADED_AT] = nightly_load(history["entered_at"].to_numpy(), world.load_cap)
    return history


def activities_frame(
    world: World, leads: Leads, funnel: Funnel, offset: int, rng: np.random.Generator
) -> pd.DataFrame:
    """Activities: touches on contacted leads and during each stage visit, up to the end of the data."""
    n_leads = len(leads.lead_ids)
    lead_touch = np.where(leads.contacted, 1 + rng.poisson(1.5 * leads.skill), 0)
    touch_lead = np.repeat(np.arange(n_leads), lead_touch)
    touch_order = np.arange(len(touch_lead)) - np.repeat(np.cumsum(lead_touch) - lead_touch, lead_touch)
    touch_at = leads.first_contact[touch_lead] + hours(
        touch_order * 24 * rng.uniform(0.5, 3, len(touch_lead))
    )
    visit_opp, visit_stage = stage_visits(funnel)
    stage_touch = rng.poisson(1.2 * funnel.opp_skill[visit_opp])
    touch_visit = np.repeat(np.arange(len(visit_opp)), stage_touch)
    visit_start = funnel.entered[visit_opp, visit_stage]
    visit_len = funnel.dwell_days[visit_opp, visit_stage]
    stage_at = visit_start[touch_visit] + hours(24 * visit_len[touch_visit] * rng.random(len(touch_visit)))
    visit_lead = funnel.opp_lead[visit_opp][touch_visit]
    activity_rep = np.concatenate([leads.rep[touch_lead], leads.rep[visit_lead]]) + 1
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
            "activity_id": np.arange(offset + 1, offset + n_act + 1, dtype=np.int64),
            "sales_rep_id": activity_rep.astype(np.int64),
            "lead_id": np.concatenate([leads.lead_ids[touch_lead], leads.lead_ids[visit_lead]]),
            "opportunity_id": pd.array(
                np.concatenate(
                    [np.full(len(touch_lead), np.nan), funnel.opp_ids[visit_opp][touch_visit].astype(float)]
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
    return activities
