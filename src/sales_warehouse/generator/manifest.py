"""The manifest written next to the data: what was generated, the defects planted, the patterns planted.

Also the truth files (latent customer groups, rep skill) the pattern tests compare the models with.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sales_warehouse import calendar as cal
from sales_warehouse.generator.params import (
    BOTTLENECK_STAGE,
    CATEGORIES,
    CATEGORY_ELASTICITY,
    DEAL_SIZE_WIN_ELASTICITY,
    DECLINE_RATE,
    DECLINING_CATEGORY,
    FUNNEL_STAGES,
    GENERATOR_VERSION,
    GROUP_ORDER_RATE,
    GROUP_PROMO_AFFINITY,
    GROUP_SHARE,
    GROUPS,
    KEEP_ORDER_AFTER_BREACH,
    LEAD_SOURCE_CONVERSION,
    LEAD_SOURCE_WIN_FACTOR,
    LEAD_SOURCES,
    NEVER_CONTACTED_RATE,
    PRIORITIES,
    SLA_HOURS,
    STAGE_MEDIAN_DAYS,
    STAGE_PASS,
)
from sales_warehouse.generator.world import World


def manifest_patterns(world: World) -> dict[str, object]:
    """The planted patterns, with the numbers the pattern tests and the models should recover."""
    strong = np.flatnonzero(world.rep_skill >= 1.6) + 1
    weak = np.flatnonzero(world.rep_skill <= 0.55) + 1
    return {
        "trend_annual_growth": cal.ANNUAL_TREND,
        "weekday_factors_monday_first": list(cal.WEEKDAY_FACTORS),
        "yearly_amplitude": cal.YEARLY_AMPLITUDE,
        "spring_festival": {
            "dates": [
                d.isoformat()
                for y, d in cal.SPRING_FESTIVAL.items()
                if world.config.start.year <= y <= world.config.end.year
            ],
            "half_width_days": cal.SPRING_FESTIVAL_HALF_WIDTH,
            "demand_multiplier": cal.SPRING_FESTIVAL_TROUGH,
        },
        "festival_peaks": {
            name: {"month": m, "day": d, "multiplier": p} for name, (m, d, p) in cal.FESTIVAL_PEAKS.items()
        },
        "promotions": {
            "flash_sale_lift": 1.5,
            "campaign_count": len(world.campaigns),
            "promo_affinity_by_group": dict(zip(GROUPS, GROUP_PROMO_AFFINITY.tolist(), strict=True)),
        },
        "declining_category": {"category": DECLINING_CATEGORY, "share_decline_rate_per_year": DECLINE_RATE},
        "price_elasticity": {
            "model": "quantity = 1 + Poisson(extra_units[group] * (price_multiplier * (1 - discount)) ** e)",
            "by_category": dict(zip(CATEGORIES, CATEGORY_ELASTICITY.tolist(), strict=True)),
        },
        "reps": {
            "strong_rep_ids": strong.tolist(),
            "weak_rep_ids": weak.tolist(),
            "effects": "order rate x skill**1.5; stage pass p**(1/strength) with strength = skill x "
            "lead-source win factor x (amount/60000)**deal_size_win_elasticity; stage dwell / skill",
        },
        "funnel": {
            "stages": list(FUNNEL_STAGES),
            "pass_probability": dict(zip(FUNNEL_STAGES, STAGE_PASS.tolist(), strict=True)),
            "median_days": dict(zip(FUNNEL_STAGES, STAGE_MEDIAN_DAYS.tolist(), strict=True)),
            "bottleneck_stage": BOTTLENECK_STAGE,
        },
        "lead_sources": {
            "conversion": dict(zip(LEAD_SOURCES, LEAD_SOURCE_CONVERSION.tolist(), strict=True)),
            "never_contacted_rate": NEVER_CONTACTED_RATE,
            "win_factor": dict(zip(LEAD_SOURCES, LEAD_SOURCE_WIN_FACTOR.tolist(), strict=True)),
            "deal_size_win_elasticity": DEAL_SIZE_WIN_ELASTICITY,
        },
        "customer_groups": {
            "names": list(GROUPS),
            "share": dict(zip(GROUPS, GROUP_SHARE.tolist(), strict=True)),
            "order_rate": dict(zip(GROUPS, GROUP_ORDER_RATE.tolist(), strict=True)),
            "truth_file": "truth/customer_groups.parquet",
        },
        "service": {
            "sla_hours": dict(zip(PRIORITIES, SLA_HOURS.tolist(), strict=True)),
            "keep_order_after_breach": KEEP_ORDER_AFTER_BREACH,
        },
    }


def write_truth(world: World, out: Path) -> None:
    """The latent customer group and rep skill, for the tests that check the models recover them."""
    truth = out / "truth"
    truth.mkdir(exist_ok=True)
    pq.write_table(
        pa.table(
            {
                "customer_id": world.customers["customer_id"].to_numpy(),
                "group_name": np.asarray(GROUPS, dtype=object)[world.customers["_group"].to_numpy()],
            }
        ),
        truth / "customer_groups.parquet",
    )
    pq.write_table(
        pa.table(
            {"sales_rep_id": np.arange(1, world.sizes.reps + 1, dtype=np.int64), "skill": world.rep_skill}
        ),
        truth / "rep_skill.parquet",
    )


def write_manifest(
    world: World, out: Path, row_counts: dict[str, int], defects: dict[str, dict[str, int]]
) -> dict[str, object]:
    """Write `manifest.json` (keys sorted, so the file is byte-stable) and return it."""
    config = world.config
    manifest: dict[str, object] = {
        "generator_version": GENERATOR_VERSION,
        "config": {
            **asdict(config),
            "start": config.start.isoformat(),
            "end": config.end.isoformat(),
            "domains": list(config.domains),
        },
        "generated_for": datetime(config.end.year, config.end.month, config.end.day).isoformat(),
        "row_counts": dict(sorted(row_counts.items())),
        "defects": defects,
        "patterns": manifest_patterns(world),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest
