"""Win probability of every open opportunity (sales_warehouse.scoring).

Enabled by var('enable_pipeline') through the YAML config: dbt reads dbt.config() of a Python
model statically, so a var cannot be used here. With too little data to fit the model the table
is empty and a warning is logged; model_metrics' scoring_status row says why.
"""

from sales_warehouse.casting import typed_projection
from sales_warehouse.frames import fetch_compact
from sales_warehouse.scoring import (
    CATEGORICAL_FEATURES,
    SCORE_COLUMNS,
    VISIT_INPUT_COLUMNS,
    ScoringConfig,
    opportunity_scores,
    recent_closed_deals,
)


def model(dbt, session):
    dbt.config(materialized="table")
    # Bounded memory: open deals and the var('scoring_max_closed_deals') most recently closed.
    visits_relation = recent_closed_deals(
        dbt.ref("int_opportunity_stage_visits_featurized"), int(dbt.config.get("scoring_max_closed_deals"))
    )
    # Text features as categoricals: the same values in a fraction of the memory.
    visits = fetch_compact(visits_relation, VISIT_INPUT_COLUMNS, CATEGORICAL_FEATURES)

    scores = opportunity_scores(
        visits,
        ScoringConfig(
            test_share=float(dbt.config.get("scoring_test_share")),
            min_deals_per_class=int(dbt.config.get("scoring_min_deals_per_class")),
        ),
    )

    # pandas hands back timestamps and doubles: cast to the documented types.
    return session.from_df(scores).project(typed_projection(SCORE_COLUMNS))
