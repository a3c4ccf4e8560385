"""Size, profile (centroid in original units) and silhouette of every customer segment.

Runs the same deterministic segmentation as customer_segments (same inputs and config), so the
two models agree; a dbt test checks that the segment sizes add up to customer_segments.
"""

from sales_warehouse.casting import typed_projection
from sales_warehouse.segmentation import (
    PROFILE_COLUMNS,
    SegmentationConfig,
    segment_customers,
)


def model(dbt, session):
    dbt.config(materialized="table")
    behaviour = dbt.ref("int_customers_purchase_behaviour_summarised").df()
    mix = dbt.ref("int_customers_purchase_mix_counted").df()

    config = SegmentationConfig(
        k_min=int(dbt.config.get("segment_k_min")), k_max=int(dbt.config.get("segment_k_max"))
    )
    result = segment_customers(behaviour, mix, config)

    # pandas hands back timestamps and doubles: cast to the documented types.
    return session.from_df(result.profiles).project(typed_projection(PROFILE_COLUMNS))
