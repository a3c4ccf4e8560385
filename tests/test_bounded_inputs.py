"""The Python models' bounded inputs: the win model's most recent closed deals
(scoring.recent_closed_deals) and price_promo_effects' customer subset
(elasticity.sampled_customers, compact_sample). Known answers on small relations, then the demo."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from sales_warehouse.elasticity import compact_lines, compact_sample, sampled_customers
from sales_warehouse.scoring import (
    METRIC_COLUMNS,
    ScoringConfig,
    closed_deal_bound,
    opportunity_scores,
    recent_closed_deals,
)

VISITS = """
select * from (values
    (1, 'qualify',     true,  timestamp '2025-01-10 00:00:00'),
    (1, 'propose',     true,  timestamp '2025-01-10 00:00:00'),
    (2, 'qualify',     true,  timestamp '2025-03-01 00:00:00'),
    (3, 'qualify',     true,  timestamp '2025-03-01 00:00:00'),
    (4, 'qualify',     true,  timestamp '2025-02-01 00:00:00'),
    (5, 'qualify',     false, null),
    (6, 'propose',     false, null)
) as visits(opportunity_id, stage_name, is_closed, opportunity_closed_at)
"""


def kept(relation: duckdb.DuckDBPyRelation) -> list[tuple[int, str]]:
    return sorted(relation.project("opportunity_id, stage_name").fetchall())


def test_keeps_open_deals_and_the_latest_closed_ones_ties_by_id() -> None:
    with duckdb.connect() as con:
        visits = con.sql(VISITS)
        # Deals by close time, latest first: 3 and 2 (same time, higher id first), 4, then 1.
        assert kept(recent_closed_deals(visits, 1)) == [(3, "qualify"), (5, "qualify"), (6, "propose")]
        assert kept(recent_closed_deals(visits, 2)) == [
            (2, "qualify"),
            (3, "qualify"),
            (5, "qualify"),
            (6, "propose"),
        ]
        # Every visit of a kept deal stays (deal 1 has two).
        assert (1, "propose") in kept(recent_closed_deals(visits, 4))


def test_the_bound_is_reported_as_a_model_metrics_row() -> None:
    with duckdb.connect() as con:
        bound = closed_deal_bound(con.sql(VISITS), 2)
        assert closed_deal_bound(con.sql(VISITS), 4) is None
    assert bound is not None
    assert (bound.closed_deals, bound.kept_deals, bound.opportunity_id) == (4, 2, 2)
    assert str(bound.closed_at) == "2025-03-01 00:00:00"
    row = bound.metric_row()
    assert list(row.columns) == list(METRIC_COLUMNS)
    assert row.iloc[0]["metric_name"] == "closed_deals_used" and row.iloc[0]["metric_value"] == 2.0
    assert "2 most recently closed of 4 closed deals" in row.iloc[0]["detail"]


def test_no_more_closed_deals_than_the_bound_returns_the_relation() -> None:
    with duckdb.connect() as con:
        visits = con.sql(VISITS)
        assert recent_closed_deals(visits, 4) is visits
        with pytest.raises(ValueError, match="max_closed_deals"):
            recent_closed_deals(visits, 0)


def test_sampled_customers_keeps_whole_customers_below_the_threshold() -> None:
    with duckdb.connect() as con:
        # 3,000 customers, two lines each: 6,000 lines.
        lines = con.sql("select range // 2 as customer_id, range as line from range(6000)")
        assert sampled_customers(lines, 6000) is lines
        sample = sampled_customers(lines, 3000)  # 500 per mille: ids whose last three digits < 500
        ids = [row[0] for row in sample.project("customer_id").distinct().fetchall()]
        assert len(ids) == 1500 and all(customer_id % 1000 < 500 for customer_id in ids)
        assert sample.aggregate("count(*)").fetchone()[0] == 3000  # both lines of each
        with pytest.raises(ValueError, match="max_lines"):
            sampled_customers(lines, 0)


@pytest.mark.parametrize("max_lines", [6000, 3000, 1])
def test_compact_sample_equals_compact_lines_of_the_sample(max_lines: int) -> None:
    """The two-pass fetch gives the frame of the three-pass one: same rows, same categories."""
    with duckdb.connect() as con:
        lines = con.sql(
            "select range // 2 as customer_id, ['shoes', 'bags', 'hats'][range // 2 % 1000 // 400 + 1]"
            " as category, case when range % 7 = 0 then 'business' else 'consumer' end as customer_type,"
            " (range % 5 + 1)::integer as quantity, 1.0 - range % 3 / 10 as price_multiplier,"
            " range % 4 / 20 as discount_rate, range % 4 = 3 as is_promotion from range(6000) order by range"
        )
        ours = compact_sample(lines, max_lines)
        expected = compact_lines(sampled_customers(lines, max_lines))
    pd.testing.assert_frame_equal(ours, expected, check_exact=True)
    # Below 400 per mille only 'bags' and 'shoes' customers remain: the levels follow the sample.
    if max_lines == 1:
        # one per mille, the floor: customers 0, 1000 and 2000, two lines each
        assert list(ours["category"].cat.categories) == ["shoes"] and len(ours) == 6
    if max_lines == 3000:
        assert list(ours["category"].cat.categories) == ["bags", "shoes"] and len(ours) == 3000


def test_the_win_model_still_scores_every_open_deal_from_fewer_closed_deals(
    demo_warehouse: tuple[Path, Path],
) -> None:
    db, _ = demo_warehouse
    with duckdb.connect(str(db), read_only=True) as con:
        visits = con.sql("select * from intermediate.int_opportunity_stage_visits_featurized")
        closed = visits.filter("is_closed").aggregate("count(distinct opportunity_id)").fetchone()[0]
        bounded = recent_closed_deals(visits, closed // 3)
        frame, full = bounded.df(), visits.df()
    assert frame.loc[frame["is_closed"], "opportunity_id"].nunique() == closed // 3
    # The kept deals are the latest closed: none closed before the earliest kept close time.
    boundary = frame.loc[frame["is_closed"], "opportunity_closed_at"].min()
    dropped = full.loc[full["is_closed"] & ~full["opportunity_id"].isin(frame["opportunity_id"])]
    assert (dropped["opportunity_closed_at"] <= boundary).all()
    scores = opportunity_scores(frame, ScoringConfig())
    assert set(scores["opportunity_id"]) == set(opportunity_scores(full, ScoringConfig())["opportunity_id"])
    assert len(scores) > 0
