"""The sales team: reps, teams, monthly targets and trainings, from random stream 2.

Targets are set from the revenue the commerce chunks booked per rep and month, so this runs after
every customer chunk.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sales_warehouse.contract import LOADED_AT
from sales_warehouse.generator.params import REGIONS
from sales_warehouse.generator.sampling import choice, nightly_load, rng_for
from sales_warehouse.generator.world import World

SURNAMES: tuple[str, ...] = (
    "Gao",
    "Lin",
    "He",
    "Guo",
    "Ma",
    "Luo",
    "Liang",
    "Song",
    "Zheng",
    "Xie",
    "Han",
    "Tang",
)
GIVEN_NAMES: tuple[str, ...] = (
    "Hao",
    "Yu",
    "Xin",
    "Bo",
    "Rui",
    "Ting",
    "Kai",
    "Mei",
    "Yi",
    "Chao",
    "Dan",
    "Feng",
    "Ying",
)
COURSES: tuple[str, ...] = (
    "Consultative selling",
    "Negotiation",
    "Product deep dive",
    "CRM hygiene",
    "Data-driven selling",
    "Key account management",
)


def rep_frame(world: World, rng: np.random.Generator) -> pd.DataFrame:
    """One row per rep: name, team, region, and a level that follows tenure."""
    config = world.config
    reps = world.sizes.reps
    rep_names = [
        f"{GIVEN_NAMES[i % len(GIVEN_NAMES)]} {SURNAMES[(i // len(GIVEN_NAMES)) % len(SURNAMES)]}"
        for i in range(reps)
    ]
    hired = np.datetime64(config.start, "D") - rng.integers(60, 3000, reps).astype("timedelta64[D]")
    tenure_years = (np.datetime64(config.end, "D") - hired).astype(int) / 365.25
    level = np.where(tenure_years > 6, "lead", np.where(tenure_years > 3, "senior", "junior"))
    frame = pd.DataFrame(
        {
            "sales_rep_id": np.arange(1, reps + 1, dtype=np.int64),
            "rep_name": rep_names,
            "email": [f"rep{i + 1:04d}@sales.example.com" for i in range(reps)],
            "team_id": world.rep_team + 1,
            "region_code": np.asarray(REGIONS, dtype=object)[world.rep_region],
            "level": level.astype(object),
            "hired_on": hired,
            "left_on": np.full(reps, np.datetime64("NaT"), dtype="datetime64[D]"),
            "updated_at": hired.astype("datetime64[us]"),
        }
    )
    frame[LOADED_AT] = world.load_cap
    return frame


def team_frame(world: World) -> pd.DataFrame:
    """One row per team, named after its region (no random draws)."""
    n_teams = len(world.team_region)
    frame = pd.DataFrame(
        {
            "team_id": np.arange(1, n_teams + 1, dtype=np.int64),
            "team_name": [f"{region.title()} Team {i + 1}" for i, region in enumerate(world.team_region)],
            "region_code": list(world.team_region),
            "manager_name": [
                f"Manager {GIVEN_NAMES[(i * 5) % len(GIVEN_NAMES)]} {SURNAMES[(i * 7) % len(SURNAMES)]}"
                for i in range(n_teams)
            ],
            "created_on": np.full(
                n_teams, np.datetime64(world.config.start, "D") - np.timedelta64(3000, "D")
            ),
        }
    )
    frame[LOADED_AT] = world.load_cap
    return frame


def target_frame(world: World, rep_month_revenue: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    """Monthly revenue and new-customer targets per rep."""
    config = world.config
    months = np.arange(np.datetime64(config.start, "M"), np.datetime64(config.end, "M") + 1)
    neutral = rep_month_revenue / (world.rep_skill[:, None] ** 1.5)
    # Quota: last year's neutral run-rate would be realistic; this keeps attainment about skill.
    quota = np.round(np.maximum(neutral * rng.uniform(0.92, 1.08, neutral.shape), 1000.0), -2)
    rep_index, month_index = np.meshgrid(np.arange(world.sizes.reps), np.arange(len(months)), indexing="ij")
    frame = pd.DataFrame(
        {
            "sales_rep_id": (rep_index.ravel() + 1).astype(np.int64),
            "target_month": months[month_index.ravel()].astype("datetime64[D]"),
            "revenue_target": quota.ravel(),
            "new_customer_target": rng.integers(1, 6, quota.size).astype(np.int32),
        }
    )
    frame[LOADED_AT] = np.minimum(
        (frame["target_month"].to_numpy() - np.timedelta64(5, "D")).astype("datetime64[us]"), world.load_cap
    )
    return frame


def training_frame(world: World, rng: np.random.Generator) -> pd.DataFrame:
    """Trainings completed: stronger reps train more often and score higher."""
    years = max(1.0, len(world.days) / 365.25)
    per_rep = rng.poisson((2.0 + 4.0 * (world.rep_skill - 0.55)) * years)
    trainee = np.repeat(np.arange(world.sizes.reps), per_rep)
    n = len(trainee)
    completed = np.datetime64(world.config.start, "D") + rng.integers(0, len(world.days), n).astype(
        "timedelta64[D]"
    )
    frame = pd.DataFrame(
        {
            "training_id": np.arange(1, n + 1, dtype=np.int64),
            "sales_rep_id": (trainee + 1).astype(np.int64),
            "course_name": choice(rng, COURSES, np.ones(len(COURSES)), n),
            "completed_on": completed,
            "hours": rng.choice([2.0, 4.0, 8.0, 16.0], n),
            "assessment_score": np.round(
                np.clip(rng.normal(60 + 20 * world.rep_skill[trainee], 8), 0, 100), 1
            ),
        }
    )
    frame[LOADED_AT] = nightly_load(completed.astype("datetime64[us]"), world.load_cap)
    return frame


def generate_sales_team(world: World, rep_month_revenue: np.ndarray) -> dict[str, pd.DataFrame]:
    """The four sales-team entities; the dict order is the order of the draws."""
    rng = rng_for(world.config, 2)
    return {
        "sales_reps": rep_frame(world, rng),
        "sales_teams": team_frame(world),
        "sales_targets": target_frame(world, rep_month_revenue, rng),
        "trainings": training_frame(world, rng),
    }
