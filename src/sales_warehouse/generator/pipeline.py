"""The sales pipeline, one lead chunk at a time: leads, opportunities, their stage history, activities.

Each chunk draws from its own random stream (3, chunk number), in this order: leads, the funnel walk,
the won deals' customers, activities.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sales_warehouse import calendar as cal
from sales_warehouse.contract import LOADED_AT
from sales_warehouse.generator.funnel import (
    Funnel,
    activities_frame,
    history_frame,
    opportunities_frame,
    walk_funnel,
)
from sales_warehouse.generator.params import (
    INDUSTRIES,
    LEAD_SOURCE_CONVERSION,
    LEAD_SOURCE_SHARE,
    LEAD_SOURCES,
    NEVER_CONTACTED_RATE,
    REGION_WEIGHTS,
    REGIONS,
)
from sales_warehouse.generator.sampling import hours, nightly_load, pick_within, rng_for, to_ts
from sales_warehouse.generator.world import World


@dataclass
class Leads:
    """A chunk's leads, and the per-lead arrays the funnel walk and the activities are drawn from."""

    frame: pd.DataFrame
    lead_ids: np.ndarray
    source: np.ndarray
    region: np.ndarray
    rep: np.ndarray  # rep position (sales_rep_id - 1)
    skill: np.ndarray
    industry: np.ndarray
    contacted: np.ndarray
    first_contact: np.ndarray
    converts: np.ndarray
    converted_at: np.ndarray


def lead_days(world: World, n_leads: int, rng: np.random.Generator) -> np.ndarray:
    """Creation day index of each lead, sorted: trend, few on weekends and in the Spring Festival."""
    days = world.days
    weights = cal.trend_factor(days, world.config.start) * np.where(
        (days.astype(np.int64) + 3) % 7 >= 5, 0.3, 1.0
    )
    weights *= np.where(cal.festival_factor(days) < 0.5, 0.3, 1.0)
    day = rng.choice(len(days), size=n_leads, p=weights / weights.sum())
    day.sort()
    return day


def generate_leads(world: World, n_leads: int, offset: int, rng: np.random.Generator) -> Leads:
    """Leads by source and region; skilled owners contact them sooner and convert more of them."""
    day = lead_days(world, n_leads, rng)
    created = to_ts(world.days[day], rng.integers(8 * 3600, 19 * 3600, n_leads))
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
    lead_ids = np.arange(offset + 1, offset + n_leads + 1, dtype=np.int64)
    industry = np.asarray(INDUSTRIES, dtype=object)[rng.integers(0, len(INDUSTRIES), n_leads)]
    frame = pd.DataFrame(
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
    frame["updated_at"] = np.fmax(
        np.fmax(created, frame["first_contacted_at"].to_numpy()), frame["converted_at"].to_numpy()
    )
    frame[LOADED_AT] = nightly_load(frame["updated_at"].to_numpy(), world.load_cap)
    return Leads(
        frame,
        lead_ids,
        source,
        region,
        rep,
        skill,
        industry,
        contacted,
        first_contact,
        converts,
        converted_at,
    )


def generate_pipeline_chunk(
    world: World, chunk_no: int, n_leads: int, offsets: dict[str, int]
) -> dict[str, pd.DataFrame]:
    """Every pipeline row of one lead chunk; `offsets` are the ids already used by earlier chunks."""
    rng = rng_for(world.config, 3, chunk_no)
    leads = generate_leads(world, n_leads, offsets["leads"], rng)
    funnel: Funnel = walk_funnel(world, leads, offsets["opportunities"], rng)
    opportunities = opportunities_frame(world, leads, funnel, rng)
    return {
        "leads": leads.frame,
        "opportunities": opportunities,
        "opportunity_stage_history": history_frame(world, funnel),
        "activities": activities_frame(world, leads, funnel, offsets["activities"], rng),
    }
