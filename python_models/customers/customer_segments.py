"""Customer segments: KMeans on RFM, behaviour and demographics; logic in sales_warehouse.segmentation.

k, the sample sizes and the seed come from the YAML config (rendered with var('segment_k_min')
and var('segment_k_max')): dbt reads dbt.config() of a Python model statically, so a var cannot
be used here. Too few customers give an empty table and a logged warning, not an error.
"""

from sales_warehouse.casting import typed_projection
from sales_warehouse.frames import fetch_compact
from sales_warehouse.segmentation import (
    MIX_COLUMNS,
    MIX_TEXT_COLUMNS,
    SEGMENT_COLUMNS,
    SegmentationConfig,
    segment_customers,
)


def model(dbt, session):
    dbt.config(materialized="table")
    behaviour = dbt.ref("int_customers_purchase_behaviour_summarised").df()
    # Text as categoricals: the same values, without a Python string per mix row.
    mix = fetch_compact(dbt.ref("int_customers_purchase_mix_counted"), MIX_COLUMNS, MIX_TEXT_COLUMNS)

    config = SegmentationConfig(
        k_min=int(dbt.config.get("segment_k_min")),
        k_max=int(dbt.config.get("segment_k_max")),
        min_segment_share=float(dbt.config.get("segment_min_share")),
        weak_silhouette=float(dbt.config.get("segment_weak_silhouette")),
    )
    result = segment_customers(behaviour, mix, config)

    # pandas hands back timestamps and doubles: cast to the documented types.
    return session.from_df(result.segments).project(typed_projection(SEGMENT_COLUMNS))
