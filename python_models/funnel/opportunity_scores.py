"""Win probability of every open opportunity (sales_warehouse.scoring).

Enabled by var('enable_pipeline') through the YAML config: dbt reads dbt.config() of a Python
model statically, so a var cannot be used here.
"""

from sales_warehouse.casting import typed_projection
from sales_warehouse.scoring import SCORE_COLUMNS, ScoringConfig, score_open


def model(dbt, session):
    dbt.config(materialized="table")
    visits = dbt.ref("int_opportunity_stage_visits_featurized").df()

    scores = score_open(visits, ScoringConfig())

    # pandas hands back timestamps and doubles: cast to the documented types.
    return session.from_df(scores).project(typed_projection(SCORE_COLUMNS))
