"""Association-rule recommendations: hand-computed support / confidence / lift, ranking, exclusions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sales_warehouse.recommendations import (
    RECOMMENDATION_COLUMNS,
    RecommendationConfig,
    association_rules,
    build_baskets,
    chunk_bounds,
    product_recommendations,
)

MODELS_YAML = Path(__file__).parents[1] / "python_models" / "customers" / "_customers__python_models.yml"
A, B, C = 10, 20, 30


def toy_purchases() -> pd.DataFrame:
    """Four baskets: {A, B}, {A, C}, {A, B, C}, {B}; customer 1 bought A twice."""
    rows = [(1, A), (1, B), (1, A), (2, A), (2, C), (3, A), (3, B), (3, C), (4, B)]
    return pd.DataFrame(rows, columns=["customer_id", "product_id"])


def test_rules_by_hand() -> None:
    baskets = build_baskets(toy_purchases())
    assert baskets.product_ids.tolist() == [A, B, C]
    rules = association_rules(baskets, RecommendationConfig(min_pair_customers=1))
    a, b, c = 0, 1, 2
    # Bought: A by 3, B by 3, C by 2 customers of 4; A&B by 2, A&C by 2, B&C by 1.
    assert rules.pair_counts[a, b] == 2
    assert rules.support[a, b] == pytest.approx(2 / 4)
    assert rules.confidence[a, b] == pytest.approx(2 / 3)
    assert rules.lift[a, b] == pytest.approx((2 / 3) / (3 / 4))  # 8/9: less than chance
    assert rules.confidence[c, a] == pytest.approx(2 / 2)
    assert rules.lift[c, a] == pytest.approx(1 / (3 / 4))
    assert rules.confidence[a, c] == pytest.approx(2 / 3)
    assert rules.lift[a, c] == pytest.approx((2 / 3) / (2 / 4))
    assert rules.lift[b, c] == pytest.approx((1 / 3) / (2 / 4))
    # Only A -> C and C -> A have lift > 1.
    assert {(int(i), int(j)) for i, j in zip(*np.nonzero(rules.valid), strict=True)} == {(a, c), (c, a)}


def test_recommendations_by_hand() -> None:
    result = product_recommendations(toy_purchases(), RecommendationConfig(min_pair_customers=1))
    # Customer 1 ({A, B}) gets C through A -> C; customers 2 and 3 have nothing left with lift > 1,
    # customer 4 ({B}) has no rule with lift > 1.
    assert result.to_dict("records") == [
        {
            "customer_id": 1,
            "recommendation_rank": 1,
            "product_id": C,
            "antecedent_product_id": A,
            "support": pytest.approx(0.5),
            "confidence": pytest.approx(2 / 3),
            "lift": pytest.approx(4 / 3),
            "pair_customer_count": 2,
        }
    ]


def test_guest_orders_are_ignored() -> None:
    # Real exports: guest orders have no customer; DuckDB hands the ids back as nullable Int64
    # (or float64). A null id used to become factorize code -1 and crash the sparse matrix.
    guests = pd.DataFrame({"customer_id": [None, None, None], "product_id": [A, B, C]})
    purchases = pd.concat([toy_purchases(), guests], ignore_index=True).astype({"customer_id": "Int64"})
    config = RecommendationConfig(min_pair_customers=1)
    result = product_recommendations(purchases, config)
    pd.testing.assert_frame_equal(result, product_recommendations(toy_purchases(), config))
    assert result["customer_id"].dtype == np.int64
    baskets = build_baskets(purchases.astype({"customer_id": float}))
    assert baskets.customer_ids.tolist() == [1, 2, 3, 4]  # guests are no basket and do not count in N
    # A line without a product (null product_id) is ignored too.
    unknown_product = pd.DataFrame({"customer_id": [4], "product_id": [None]}).astype("Int64")
    with_unknown = pd.concat([toy_purchases().astype("Int64"), unknown_product], ignore_index=True)
    pd.testing.assert_frame_equal(product_recommendations(with_unknown, config), result)


def test_min_pair_customers_filters_rare_rules() -> None:
    result = product_recommendations(toy_purchases(), RecommendationConfig(min_pair_customers=3))
    assert result.empty
    assert list(result.columns) == list(RECOMMENDATION_COLUMNS)


def test_excluded_products_are_never_recommended() -> None:
    config = RecommendationConfig(min_pair_customers=1)
    result = product_recommendations(toy_purchases(), config, excluded_products=np.array([C]))
    assert result.empty


def ranked_purchases() -> pd.DataFrame:
    """Product 1 is in every basket; 2..6 co-occur with it at decreasing rates; 7 never with 1."""
    rows = []
    customer = 0
    for product, buyers in ((2, 8), (3, 6), (4, 4), (5, 3), (6, 2)):
        for _ in range(buyers):
            customer += 1
            rows += [(customer, 1), (customer, product)]
    for _ in range(20):  # customers who bought only product 1: the ones to recommend to
        customer += 1
        rows.append((customer, 1))
    for _ in range(10):
        customer += 1
        rows.append((customer, 7))
    return pd.DataFrame(rows, columns=["customer_id", "product_id"])


def test_ranking_is_by_confidence_and_limited_per_customer() -> None:
    purchases = ranked_purchases()
    result = product_recommendations(purchases, RecommendationConfig(per_customer=3, min_pair_customers=1))
    only_one = purchases.groupby("customer_id")["product_id"].agg(tuple)
    target = only_one[only_one == (1,)].index[0]
    mine = result.loc[result["customer_id"] == target]
    assert mine["product_id"].tolist() == [2, 3, 4]
    assert mine["recommendation_rank"].tolist() == [1, 2, 3]
    assert (mine["antecedent_product_id"] == 1).all()
    assert mine["confidence"].is_monotonic_decreasing
    # Nobody is offered what they bought.
    bought = set(map(tuple, purchases[["customer_id", "product_id"]].to_numpy()))
    assert not any((c, p) in bought for c, p in result[["customer_id", "product_id"]].to_numpy())


def test_chunking_does_not_change_the_result() -> None:
    purchases = ranked_purchases()
    whole = product_recommendations(purchases, RecommendationConfig(min_pair_customers=1))
    chunked = product_recommendations(purchases, RecommendationConfig(min_pair_customers=1, chunk_cells=7))
    pd.testing.assert_frame_equal(whole, chunked)


def test_chunk_bounds_cover_every_customer_once() -> None:
    indptr = np.array([0, 2, 2, 5, 9, 10])
    bounds = chunk_bounds(indptr, n_products=2, cells=8)
    assert bounds[0][0] == 0 and bounds[-1][1] == 5
    assert all(end > start for start, end in bounds)
    assert all(bounds[i][1] == bounds[i + 1][0] for i in range(len(bounds) - 1))


def test_generated_data(demo_model) -> None:
    # int_customers_products_purchased as dbt builds it on the demo data: what the model reads.
    purchases = demo_model("int_customers_products_purchased", order_by="customer_id, product_id")
    result = product_recommendations(purchases, RecommendationConfig())
    assert result.groupby("customer_id").size().max() == 5
    assert result["customer_id"].nunique() > 0.9 * purchases["customer_id"].nunique()
    assert (result["lift"] > 1).all() and (result["pair_customer_count"] >= 5).all()
    assert (result["support"] <= result["confidence"]).all()
    bought = purchases.assign(bought=True)
    joined = result.merge(bought, on=["customer_id", "product_id"], how="left")
    assert joined["bought"].isna().all()


def test_yaml_documents_the_cast_types() -> None:
    models = {item["name"]: item for item in yaml.safe_load(MODELS_YAML.read_text())["models"]}
    documented = {
        column["name"]: column["data_type"] for column in models["product_recommendations"]["columns"]
    }
    assert documented == RECOMMENDATION_COLUMNS
