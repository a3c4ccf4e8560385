"""The win model gives the same metrics whatever order the rows arrive in (a table's row order
is not stable from one build to the next; before the fix the metrics moved between builds)."""

from __future__ import annotations

import pandas as pd
from test_scoring import toy_visits

from sales_warehouse.scoring import ScoringConfig, model_metrics, opportunity_scores


def test_metrics_and_scores_do_not_depend_on_row_order() -> None:
    visits = toy_visits([number % 3 != 0 for number in range(60)])
    shuffled = visits.sample(frac=1.0, random_state=7).reset_index(drop=True)
    config = ScoringConfig()
    pd.testing.assert_frame_equal(model_metrics(visits, config), model_metrics(shuffled, config))
    pd.testing.assert_frame_equal(
        opportunity_scores(visits, config).sort_values("opportunity_id").reset_index(drop=True),
        opportunity_scores(shuffled, config).sort_values("opportunity_id").reset_index(drop=True),
    )
