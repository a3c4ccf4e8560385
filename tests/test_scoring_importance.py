"""driver_importance equals sklearn's permutation_importance, at a fraction of its cost.

driver_importance preprocesses the held-out rows once and shuffles each feature's block of
preprocessed columns (a categorical feature's one-hot levels together) with the row orders
permutation_importance draws, and computes the AUC by ranks (binary_auc). A dense preprocessed
matrix (the warehouse's case) gives the same importances up to float rounding (1e-12 here); a
sparse one (many one-hot levels) is made dense and agrees up to rounding too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.inspection import permutation_importance
from sklearn.metrics import roc_auc_score
from test_scoring import toy_visits

from sales_warehouse.scoring import (
    ScoringConfig,
    add_model_features,
    binary_auc,
    build_model,
    driver_importance,
    feature_column_blocks,
    fit_model,
    time_split,
)


def sklearn_importance(model, test: pd.DataFrame, features: list[str], config: ScoringConfig) -> pd.Series:
    """What driver_importance computed before: permutation_importance through the whole pipeline."""
    result = permutation_importance(
        model,
        test[features],
        test["is_won"].astype(int),
        scoring="roc_auc",
        n_repeats=config.permutation_repeats,
        random_state=config.random_state,
    )
    return pd.Series(result.importances_mean, index=features).sort_values(ascending=False, kind="stable")


def toy_frame(rows: int, levels: int, seed: int = 3) -> pd.DataFrame:
    """Two numeric and two categorical features (one with `levels` levels and some nulls), a label
    that depends on three of them, and a few duplicate rows (ties in the score)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "log_amount": rng.normal(10, 1, rows),
            "days_in_stage": np.where(rng.random(rows) < 0.1, np.nan, rng.exponential(10, rows)),
            "stage_name": rng.choice(["prospecting", "proposal", "negotiation"], rows),
            "region_code": rng.choice([f"r{level:02d}" for level in range(levels)], rows).astype(object),
        }
    )
    frame.loc[rng.random(rows) < 0.05, "region_code"] = None
    logit = (
        (frame["log_amount"] - 10)
        + 1.5 * (frame["stage_name"] == "negotiation")
        + 0.5 * (frame["region_code"].fillna("r00") < "r02")
    )
    frame["is_won"] = rng.random(rows) < 1 / (1 + np.exp(-logit))
    return pd.concat([frame, frame.iloc[:20]], ignore_index=True)


def fitted(frame: pd.DataFrame, config: ScoringConfig):
    numeric, categorical = ["log_amount", "days_in_stage"], ["stage_name", "region_code"]
    model = build_model(numeric, categorical, config).fit(frame[numeric + categorical], frame["is_won"])
    return model, numeric + categorical


@pytest.mark.parametrize("repeats", [1, 5])
def test_dense_preprocessing_gives_identical_importances(repeats: int) -> None:
    config = ScoringConfig(permutation_repeats=repeats)
    train, test = toy_frame(600, levels=4, seed=1), toy_frame(400, levels=4, seed=2)
    model, features = fitted(train, config)
    assert not sparse.issparse(model[:-1].transform(test[features]))
    ours = driver_importance(model, test, features, config)
    pd.testing.assert_series_equal(
        ours, sklearn_importance(model, test, features, config), check_exact=False, rtol=0, atol=1e-12
    )
    assert ours["log_amount"] > 0.05 and ours["stage_name"] > 0.01


def test_sparse_preprocessing_agrees_up_to_rounding() -> None:
    config = ScoringConfig()
    train, test = toy_frame(800, levels=40, seed=1), toy_frame(500, levels=40, seed=2)
    model, features = fitted(train, config)
    assert sparse.issparse(model[:-1].transform(test[features]))
    ours = driver_importance(model, test, features, config)
    theirs = sklearn_importance(model, test, features, config)
    pd.testing.assert_series_equal(
        ours.sort_index(), theirs.sort_index(), check_exact=False, rtol=0, atol=1e-12
    )


def test_one_hot_levels_move_together() -> None:
    config = ScoringConfig()
    train = toy_frame(300, levels=5)
    model, features = fitted(train, config)
    width = model[:-1].transform(train[features]).shape[1]
    blocks = feature_column_blocks(model, features, width)
    # region_code: five levels and "unknown" (the imputed nulls)
    assert [len(blocks[feature]) for feature in features] == [1, 1, 3, 6]
    assert np.concatenate([blocks[feature] for feature in features]).tolist() == list(range(width))


def test_toy_visits_through_the_model_match_permutation_importance() -> None:
    config = ScoringConfig()
    frame = add_model_features(toy_visits([number % 3 != 0 for number in range(80)]), config)
    split = time_split(frame, config)
    model, features = fit_model(split.train, split.cutoff, config)
    pd.testing.assert_series_equal(
        driver_importance(model, split.test, features, config),
        sklearn_importance(model, split.test, features, config),
        check_exact=False,
        rtol=0,
        atol=1e-12,
    )


def test_demo_importances_are_unchanged(demo_model) -> None:
    """On the demo data (as dbt builds it) the importances equal permutation_importance's (1e-12)."""
    config = ScoringConfig()
    visits = demo_model("int_opportunity_stage_visits_featurized", order_by="opportunity_id, stage_order")
    split = time_split(add_model_features(visits, config), config)
    model, features = fit_model(split.train, split.cutoff, config)
    pd.testing.assert_series_equal(
        driver_importance(model, split.test, features, config),
        sklearn_importance(model, split.test, features, config),
        check_exact=False,
        rtol=0,
        atol=1e-12,
    )


def test_binary_auc_by_hand() -> None:
    # Positives 0.35 and 0.8 against negatives 0.1 and 0.4: 3 of 4 pairs ordered right.
    assert binary_auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8])) == 0.75
    # A tie between a positive and a negative counts one half: (0.5 + 1 + 1 + 1) / 4.
    assert binary_auc(np.array([0, 1, 0, 1]), np.array([0.5, 0.5, 0.2, 0.9])) == 0.875
    # Every positive above every negative, and the reverse.
    assert binary_auc(np.array([1, 0, 1]), np.array([3.0, 1.0, 2.0])) == 1.0
    assert binary_auc(np.array([1, 0, 1]), np.array([0.0, 1.0, 0.5])) == 0.0


def test_binary_auc_equals_roc_auc_score_with_many_ties() -> None:
    rng = np.random.default_rng(7)
    labels = rng.random(5000) < 0.3
    scores = np.round(rng.normal(size=5000) + labels, 1)  # rounded: many ties across classes
    assert abs(binary_auc(labels, scores) - roc_auc_score(labels, scores)) < 1e-12


def test_binary_auc_needs_both_classes() -> None:
    with pytest.raises(ValueError, match="both classes"):
        binary_auc(np.array([1, 1]), np.array([0.2, 0.4]))
