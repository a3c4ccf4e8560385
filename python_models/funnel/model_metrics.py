"""Held-out quality of the opportunity win model: AUC, Brier score, calibration, drivers.

Enabled by var('enable_pipeline') through the YAML config (see opportunity_scores). The status and
scoring_status rows say whether there was enough data to evaluate and to score (0 = no, detail
says why); with too little data they are the only rows.
"""

import pandas as pd

from sales_warehouse.casting import typed_projection
from sales_warehouse.frames import fetch_compact
from sales_warehouse.scoring import (
    CATEGORICAL_FEATURES,
    METRIC_COLUMNS,
    VISIT_INPUT_COLUMNS,
    ScoringConfig,
    closed_deal_bound,
    model_metrics,
)


def model(dbt, session):
    dbt.config(materialized="table")
    # Runs after opportunity_scores (this ref is only the dependency): both fit the win model on
    # the same stage visits, and side by side they were the build's memory peak (4.5 GB at 10M
    # order lines, 10 GB at 30M).
    dbt.ref("opportunity_scores")
    # Bounded memory: open deals and the var('scoring_max_closed_deals') most recently closed.
    visits_relation = dbt.ref("int_opportunity_stage_visits_featurized")
    bound = closed_deal_bound(visits_relation, int(dbt.config.get("scoring_max_closed_deals")))
    if bound is not None:
        visits_relation = visits_relation.filter(bound.filter_sql())
    # Text features as categoricals: the same values in a fraction of the memory.
    visits = fetch_compact(visits_relation, VISIT_INPUT_COLUMNS, CATEGORICAL_FEATURES)

    metrics = model_metrics(
        visits,
        ScoringConfig(
            test_share=float(dbt.config.get("scoring_test_share")),
            min_deals_per_class=int(dbt.config.get("scoring_min_deals_per_class")),
        ),
    )

    if bound is not None:  # say so: the model learned from the latest deals only
        metrics = pd.concat([metrics, bound.metric_row()], ignore_index=True)

    return session.from_df(metrics).project(typed_projection(METRIC_COLUMNS))
