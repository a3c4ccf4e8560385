"""Size, profile (centroid in original units) and silhouette of every customer segment.

Reads the segments customer_segments assigned (no second k search) and recomputes only the
features, with the same config, so the numbers are those of the segmentation run; a dbt test
checks that the segment sizes add up to customer_segments.
"""

from sales_warehouse.casting import typed_projection
from sales_warehouse.frames import fetch_compact
from sales_warehouse.segmentation import (
    MIX_COLUMNS,
    MIX_TEXT_COLUMNS,
    PROFILE_COLUMNS,
    SegmentationConfig,
    profile_segments,
)


def model(dbt, session):
    dbt.config(materialized="table")
    behaviour = dbt.ref("int_customers_purchase_behaviour_summarised").df()
    # Text as categoricals: the same values, without a Python string per mix row.
    mix = fetch_compact(dbt.ref("int_customers_purchase_mix_counted"), MIX_COLUMNS, MIX_TEXT_COLUMNS)
    segments = dbt.ref("customer_segments").df()

    config = SegmentationConfig(
        k_min=int(dbt.config.get("segment_k_min")),
        k_max=int(dbt.config.get("segment_k_max")),
        min_segment_share=float(dbt.config.get("segment_min_share")),
        weak_silhouette=float(dbt.config.get("segment_weak_silhouette")),
    )
    profiles = profile_segments(behaviour, mix, segments, config)

    # pandas hands back timestamps and doubles: cast to the documented types.
    return session.from_df(profiles).project(typed_projection(PROFILE_COLUMNS))
