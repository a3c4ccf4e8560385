"""Own-price elasticity and promotion lift per product category (sales_warehouse.elasticity)."""

from sales_warehouse.casting import typed_projection
from sales_warehouse.elasticity import (
    EFFECT_COLUMNS,
    ElasticityConfig,
    category_effects,
    compact_sample,
)


def model(dbt, session):
    dbt.config(materialized="table")
    # Only the seven columns the estimator reads, text as categoricals: `.df()` of every column
    # of ten million lines cost ~6 GB of pandas objects.
    # Bounded memory: above var('elasticity_max_lines') lines, a fixed subset of whole customers.
    # Two passes over the view (a grouped count, then the fetch), not three.
    lines = compact_sample(
        dbt.ref("int_order_lines_effective_priced"), int(dbt.config.get("elasticity_max_lines"))
    )

    effects = category_effects(
        lines,
        ElasticityConfig(
            confidence=float(dbt.config.get("elasticity_confidence")),
            min_customers=int(dbt.config.get("elasticity_min_customers")),
        ),
    )

    # pandas hands back doubles: cast to the documented types.
    return session.from_df(effects).project(typed_projection(EFFECT_COLUMNS))
