"""Association-rule recommendations: hand-computed support / confidence / lift, ranking, exclusions,
and equality with the previous scoring algorithm (`reference_recommend`, kept here) on random inputs
with ties, guests and null products, and on the demo warehouse's rows."""

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
    rule_codes,
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


def reference_recommend(purchases: pd.DataFrame, config: RecommendationConfig, excluded=None) -> pd.DataFrame:
    """The scoring as it was before issue 12 (dense float keys, reduceat, full stable argsort), one
    customer at a time: what the chunked integer implementation must reproduce exactly."""
    baskets = build_baskets(purchases)
    rules = association_rules(baskets, config)
    matrix, n_products = baskets.matrix, baskets.matrix.shape[1]
    key = np.where(rules.valid, rules.confidence * 1e6 + np.minimum(rules.lift, 1e6 - 1) / 1e6, 0.0)
    blocked = np.isin(baskets.product_ids, excluded) if excluded is not None else np.zeros(n_products, bool)
    records = []
    for customer in range(matrix.shape[0]):
        items = matrix.indices[matrix.indptr[customer] : matrix.indptr[customer + 1]]
        if not len(items):
            continue
        best = key[items].max(axis=0)
        best[items] = 0.0
        best[blocked] = 0.0
        top = np.argsort(-best, kind="stable")[: min(config.per_customer, n_products)]
        for rank, product in enumerate(top[best[top] > 0]):
            values = key[items, product]
            antecedent = items[np.lexsort((items, -values))[0]]  # best key, lowest id on ties
            records.append(
                {
                    "customer_id": baskets.customer_ids[customer],
                    "recommendation_rank": rank + 1,
                    "product_id": baskets.product_ids[product],
                    "antecedent_product_id": baskets.product_ids[antecedent],
                    "support": rules.support[antecedent, product],
                    "confidence": rules.confidence[antecedent, product],
                    "lift": rules.lift[antecedent, product],
                    "pair_customer_count": rules.pair_counts[antecedent, product],
                }
            )
    return pd.DataFrame.from_records(records, columns=list(RECOMMENDATION_COLUMNS))


def random_purchases(rng: np.random.Generator, max_products: int = 25) -> pd.DataFrame:
    """Few products and small baskets (many equal confidences and lifts), duplicates, a few guest
    rows (null customer) and null products, as the nullable Int64 DuckDB hands back. With many
    products, the rule lists are longer than `per_customer + basket size - 1` and get truncated."""
    n_customers, n_products = int(rng.integers(1, 300)), int(rng.integers(1, max_products))
    n_rows = int(rng.integers(1, n_customers * 6 + 2))
    popularity = rng.dirichlet(np.full(n_products, 0.7))
    purchases = pd.DataFrame(
        {
            "customer_id": rng.integers(0, n_customers, n_rows) * 7 + 3,
            "product_id": rng.choice(n_products, n_rows, p=popularity) * 11 + 5,
        }
    ).astype("Int64")
    purchases.loc[rng.random(n_rows) < 0.03, "customer_id"] = pd.NA
    purchases.loc[rng.random(n_rows) < 0.01, "product_id"] = pd.NA
    return purchases


@pytest.mark.parametrize("seed", range(40))
def test_equals_the_previous_algorithm_on_random_inputs(seed: int) -> None:
    rng = np.random.default_rng(seed)
    purchases = random_purchases(rng, max_products=25 if seed % 2 else 120)
    config = RecommendationConfig(
        per_customer=int(rng.choice([1, 3, 5, 8, 9, 30])),  # argmax passes (<= 8) and argpartition
        min_pair_customers=int(rng.integers(1, 4)),
        min_lift=float(rng.choice([0.0, 0.9, 1.0, 1.3])),
        chunk_cells=int(rng.choice([1, 50, 4_000_000])),
    )
    product_ids = purchases["product_id"].dropna().unique()
    excluded = rng.choice(product_ids, size=min(len(product_ids), int(rng.integers(0, 3))), replace=False)
    result = product_recommendations(
        purchases, config, excluded_products=np.asarray(excluded, dtype=np.int64)
    )
    expected = reference_recommend(purchases, config, np.asarray(excluded, dtype=np.int64))
    if expected.empty:
        assert result.empty and list(result.columns) == list(RECOMMENDATION_COLUMNS)
        return
    # Same rows, ranks, antecedents (tie-breaking) and the very same float scores.
    pd.testing.assert_frame_equal(result, expected, check_exact=True)


def test_rule_codes_order_like_the_float_keys() -> None:
    rng = np.random.default_rng(0)
    rules = association_rules(
        build_baskets(random_purchases(rng)), RecommendationConfig(min_pair_customers=1)
    )
    key = np.where(rules.valid, rules.confidence * 1e6 + np.minimum(rules.lift, 1e6 - 1) / 1e6, 0.0)
    codes = rule_codes(rules)
    n_products = len(codes)
    rank = codes // n_products
    assert ((rank > 0) == rules.valid).all()
    flat_key, flat_rank = key.ravel(), rank.ravel()
    order = np.argsort(flat_key, kind="stable")
    assert (np.diff(flat_rank[order]) >= 0).all()  # same order ...
    assert ((np.diff(flat_key[order]) == 0) == (np.diff(flat_rank[order]) == 0)).all()  # ... same ties
    antecedent = np.broadcast_to(np.arange(n_products)[:, None], codes.shape)
    assert (np.where(rules.valid, n_products - 1 - codes % n_products, antecedent) == antecedent).all()


def test_generated_data_equals_the_previous_algorithm(demo_model) -> None:
    # The model's own inputs on the demo data: purchases, discontinued products excluded.
    purchases = demo_model("int_customers_products_purchased", order_by="customer_id, product_id")
    products = demo_model("dim_products", order_by="product_id", schema="marts")
    discontinued = products.loc[products["lifecycle_status"] == "discontinued", "product_id"].to_numpy()
    assert len(discontinued)
    for config in (RecommendationConfig(), RecommendationConfig(per_customer=12, chunk_cells=100_000)):
        result = product_recommendations(purchases, config, excluded_products=discontinued)
        expected = reference_recommend(purchases, config, discontinued)
        assert len(result) == len(expected) > 0
        pd.testing.assert_frame_equal(result, expected, check_exact=True)
