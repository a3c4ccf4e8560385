"""Held-out quality of the opportunity win model: AUC, Brier score, calibration, drivers.

Enabled by var('enable_pipeline') through the YAML config (see opportunity_scores).
"""

from sales_warehouse.casting import typed_projection
from sales_warehouse.scoring import METRIC_COLUMNS, ScoringConfig, evaluate, metrics_frame


def model(dbt, session):
    dbt.config(materialized="table")
    visits = dbt.ref("int_opportunity_stage_visits_featurized").df()

    metrics = metrics_frame(evaluate(visits, ScoringConfig()))

    return session.from_df(metrics).project(typed_projection(METRIC_COLUMNS))
