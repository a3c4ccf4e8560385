"""Marketing: the campaigns of the shared calendar and a monthly consumer-confidence index per region."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sales_warehouse.contract import LOADED_AT
from sales_warehouse.generator.params import REGIONS
from sales_warehouse.generator.sampling import nightly_load, rng_for
from sales_warehouse.generator.world import World


def generate_marketing(world: World) -> dict[str, pd.DataFrame]:
    """Campaigns and a random-walk consumer-confidence index per region and month, from stream 4."""
    rng = rng_for(world.config, 4)
    campaigns = pd.DataFrame(
        {
            "campaign_id": np.array([c.campaign_id for c in world.campaigns], dtype=np.int64),
            "campaign_name": [c.name for c in world.campaigns],
            "campaign_type": [c.campaign_type for c in world.campaigns],
            "discount_rate": [c.discount_rate for c in world.campaigns],
            "start_date": np.array([c.start for c in world.campaigns], dtype="datetime64[D]"),
            "end_date": np.array([c.end for c in world.campaigns], dtype="datetime64[D]"),
            "spend": [c.spend for c in world.campaigns],
        }
    )
    campaigns[LOADED_AT] = nightly_load(
        campaigns["start_date"].to_numpy().astype("datetime64[us]"), world.load_cap
    )
    months = np.arange(np.datetime64(world.config.start, "M"), np.datetime64(world.config.end, "M") + 1)
    rows = []
    for region in REGIONS:
        walk = 100 + np.cumsum(rng.normal(0, 1.2, len(months)))
        rows.append(
            pd.DataFrame(
                {
                    "region_code": region,
                    "indicator_month": months.astype("datetime64[D]"),
                    "consumer_confidence_index": np.round(walk, 2),
                }
            )
        )
    indicators = pd.concat(rows, ignore_index=True)
    indicators[LOADED_AT] = nightly_load(
        indicators["indicator_month"].to_numpy().astype("datetime64[us]") + np.timedelta64(35, "D"),
        world.load_cap,
    )
    return {"campaigns": campaigns, "market_indicators": indicators}
