"""Customer segmentation: pure functions on hand-made data, recovery of the planted groups.

The quality bar is an adjusted Rand index >= 0.7 between the segments and the generator's latent
customer groups (truth/customer_groups.parquet), with k chosen by the silhouette over k = 3..8.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.metrics import adjusted_rand_score

from sales_warehouse.casting import typed_projection
from sales_warehouse.frames import fetch_compact
from sales_warehouse.segmentation import (
    MIX_COLUMNS,
    MIX_TEXT_COLUMNS,
    PROFILE_COLUMNS,
    SEGMENT_COLUMNS,
    SMALL_SEGMENT_NAME,
    SegmentationConfig,
    choose_k,
    customer_features,
    mix_counts,
    name_segments,
    profile_segments,
    segment_customers,
    shrunk_shares,
    standardise,
    unknown_customer_type,
)

MODELS_YAML = Path(__file__).parents[1] / "python_models" / "customers" / "_customers__python_models.yml"


@pytest.fixture(scope="module")
def demo_inputs(demo_raw: Path, demo_model) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """The two intermediates customer_segments reads, as dbt builds them on the demo data, and the
    generator's planted group of each customer."""
    behaviour = demo_model("int_customers_purchase_behaviour_summarised", order_by="customer_id")
    mix = demo_model("int_customers_purchase_mix_counted", order_by="customer_id, mix_dimension, mix_value")
    truth = pd.read_parquet(demo_raw / "truth" / "customer_groups.parquet").set_index("customer_id")
    return behaviour, mix, truth["group_name"]


def toy_behaviour() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [2, 1, 3],
            "lifetime_orders": [4, 1, 2],
            "lifetime_revenue": [400.0, 50.0, 1000.0],
            "days_since_last_order": [10, 300, 30],
            "promotion_order_count": [2, 1, 0],
            "line_count": [8, 1, 2],
            "unit_count": [8, 3, 20],
            "is_business": [False, False, True],
            "age_years": [30.0, 50.0, np.nan],
            "as_of_date": pd.Timestamp("2025-12-31"),
        }
    )


def toy_mix() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [1, 2, 2, 3, 1, 2, 3],
            "mix_dimension": ["channel", "channel", "channel", "channel", "category", "category", "category"],
            "mix_value": ["app", "app", "web", "phone", "Beauty", "Beauty", "Office"],
            "item_count": [1, 3, 1, 2, 1, 8, 2],
        }
    )


def planted_customers(
    per_group: int = 40, seed: int = 0, outliers: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(behaviour, mix) shaped like the two intermediates on a real export: three planted groups
    (frequent high spenders, one-off small buyers, businesses buying in bulk), customer_type with
    nulls and an unknown value (is_business null, pandas 'boolean' dtype as DuckDB returns it),
    and `outliers` extra customers with one enormous order."""
    rng = np.random.default_rng(seed)
    groups = [
        # orders, revenue per order, recency, units per line, business
        (20, 400.0, 15, 1.5, False),
        (2, 40.0, 300, 1.0, False),
        (10, 3000.0, 40, 20.0, True),
    ]
    rows = []
    for orders, per_order, recency, units, business in groups:
        for _ in range(per_group):
            n = max(1, int(rng.poisson(orders)))
            rows.append(
                {
                    "lifetime_orders": n,
                    "lifetime_revenue": n * per_order * rng.lognormal(0, 0.2),
                    "days_since_last_order": int(recency * rng.lognormal(0, 0.3)),
                    "promotion_order_count": int(rng.binomial(n, 0.2)),
                    "line_count": 2 * n,
                    "unit_count": int(2 * n * units),
                    "customer_type": "business" if business else "individual",
                    "age_years": np.nan if business else float(rng.uniform(20, 70)),
                }
            )
    for _ in range(outliers):
        rows.append(
            {
                "lifetime_orders": 1,
                "lifetime_revenue": 5_000_000.0,
                "days_since_last_order": 1,
                "promotion_order_count": 0,
                "line_count": 1,
                "unit_count": 5000,
                "customer_type": "individual",
                "age_years": 40.0,
            }
        )
    behaviour = pd.DataFrame(rows)
    behaviour.insert(0, "customer_id", np.arange(1, len(behaviour) + 1, dtype=np.int64))
    # Real exports: a missing type and one the warehouse does not know (both individuals here).
    behaviour.loc[[0, 5], "customer_type"] = None
    behaviour.loc[7, "customer_type"] = "reseller"
    behaviour["is_business"] = pd.array(
        [None if kind is None else kind == "business" for kind in behaviour["customer_type"]], dtype="boolean"
    )
    behaviour["as_of_date"] = pd.Timestamp("2025-12-31")
    channels = np.where(behaviour["customer_type"] == "business", "phone", "app")
    mix = pd.concat(
        [
            pd.DataFrame(
                {
                    "customer_id": behaviour["customer_id"],
                    "mix_dimension": "channel",
                    "mix_value": channels,
                    "item_count": behaviour["lifetime_orders"],
                }
            ),
            pd.DataFrame(
                {
                    "customer_id": behaviour["customer_id"],
                    "mix_dimension": "category",
                    "mix_value": "Office",
                    "item_count": behaviour["line_count"],
                }
            ),
        ],
        ignore_index=True,
    )
    # One of customer 1's orders has no channel.
    mix.loc[0, "item_count"] -= 1
    unknown_channel = pd.DataFrame(
        [{"customer_id": 1, "mix_dimension": "channel", "mix_value": None, "item_count": 1}]
    )
    return behaviour, pd.concat([mix, unknown_channel], ignore_index=True)


def test_shrunk_shares_by_hand() -> None:
    counts = pd.DataFrame({"app": [1.0, 3.0], "web": [0.0, 1.0]})
    totals = pd.Series([1.0, 4.0])
    # Population shares: app 4/5, web 1/5. Customer 1 with w = 5: (1 + 4) / (1 + 5), (0 + 1) / 6.
    shares = shrunk_shares(counts, totals, 5.0)
    assert shares.loc[0].tolist() == pytest.approx([5 / 6, 1 / 6])
    assert shrunk_shares(counts, totals, 0.0).loc[1].tolist() == pytest.approx([0.75, 0.25])


def test_mix_counts_fills_missing_values_with_zero() -> None:
    wide = mix_counts(toy_mix(), "channel", pd.Index([1, 2, 3, 4], name="customer_id"))
    assert list(wide.columns) == ["app", "phone", "web"]
    assert wide.loc[2].tolist() == [3.0, 0.0, 1.0]
    assert wide.loc[4].tolist() == [0.0, 0.0, 0.0]


def test_mix_counts_null_value_is_unknown() -> None:
    # Customer 1 (the first row) has an order without a channel: it is the value "unknown", not a
    # crash (negative bincount index) and not counted for another customer's last channel.
    mix = toy_mix().astype({"mix_value": object})
    mix.loc[0, "mix_value"] = None
    wide = mix_counts(mix, "channel", pd.Index([1, 2, 3], name="customer_id"))
    assert list(wide.columns) == ["app", "phone", "unknown", "web"]
    assert wide.loc[1].tolist() == [0.0, 0.0, 1.0, 0.0]
    assert wide.loc[2].tolist() == [3.0, 0.0, 0.0, 1.0]


def test_null_or_unknown_customer_type_is_not_business() -> None:
    behaviour = toy_behaviour()
    behaviour["customer_type"] = [None, "reseller", "business"]
    behaviour["is_business"] = pd.array([None, False, True], dtype="boolean")  # as DuckDB returns it
    features = customer_features(behaviour, toy_mix(), SegmentationConfig())
    assert features["business_share"].tolist() == [0.0, 0.0, 1.0]  # customers 1, 2, 3
    unknown = unknown_customer_type(behaviour.set_index("customer_id"))
    assert unknown.to_dict() == {2: True, 1: True, 3: False}
    # Without a customer_type column, a null is_business is the unknown type.
    assert unknown_customer_type(behaviour.drop(columns="customer_type")).tolist() == [True, False, False]


def test_customer_features_in_original_units() -> None:
    features = customer_features(toy_behaviour(), toy_mix(), SegmentationConfig(mix_prior_weight=0.0))
    assert features.index.tolist() == [1, 2, 3]
    row = features.loc[2]
    assert row["average_order_value"] == 100.0
    assert row["units_per_line"] == 1.0
    assert row["lines_per_order"] == 2.0
    assert row["promotion_share"] == 0.5
    assert row["channel_share__app"] == 0.75
    assert row["category_share__Beauty"] == 1.0
    # The business customer has no age: it gets the median of the individuals (30, 50).
    assert features.loc[3, "age_years"] == 40.0
    assert features.loc[3, "business_share"] == 1.0


def test_standardise_logs_skewed_measures() -> None:
    features = pd.DataFrame(
        {"lifetime_revenue": [0.0, np.e - 1, np.e**2 - 1], "promotion_share": [0, 0.5, 1]}
    )
    matrix, means, scales = standardise(features)
    assert means.tolist() == pytest.approx([1.0, 0.5])
    assert matrix[:, 0].tolist() == pytest.approx(matrix[:, 1].tolist())


def test_choose_k_finds_separated_blobs() -> None:
    rng = np.random.default_rng(0)
    centres = np.array([[0, 0], [10, 0], [0, 10], [10, 10], [5, 20]])
    points = np.vstack([centre + rng.normal(0, 0.5, (200, 2)) for centre in centres])
    choice, model = choose_k(points, SegmentationConfig(k_min=3, k_max=8, silhouette_sample_size=500))
    assert choice.k == 5
    assert max(choice.silhouettes, key=choice.silhouettes.get) == 5
    assert sorted(choice.silhouettes) == [3, 4, 5, 6, 7, 8]


def test_name_segments_rules() -> None:
    profiles = pd.DataFrame(
        {
            "lifetime_revenue": [5_000.0, 300_000.0, 80_000.0, 20_000.0],
            "lifetime_orders": [5, 14, 30, 11],
            "average_order_value": [700.0, 20_000.0, 5_000.0, 2_500.0],
            "business_share": [0.02, 0.99, 0.03, 0.04],
        },
        index=[0, 1, 2, 3],
    )
    assert name_segments(profiles) == {
        1: (1, "business bulk"),
        2: (2, "high-value loyal"),
        3: (3, "mainstream regular"),
        0: (4, "price-sensitive occasional"),
    }


def test_name_segments_numbers_repeated_names() -> None:
    profiles = pd.DataFrame(
        {
            "lifetime_revenue": [9.0, 8.0, 7.0, 6.0, 1.0],
            "lifetime_orders": [1, 1, 1, 1, 1],
            "average_order_value": [5.0, 4.0, 3.0, 2.0, 1.0],
            "business_share": [0.0, 0.0, 0.0, 0.0, 0.0],
        }
    )
    names = [name for _, name in sorted(name_segments(profiles).values())]
    assert names == [
        "high-value loyal",
        "mainstream regular",
        "mainstream regular 2",
        "mainstream regular 3",
        "price-sensitive occasional",
    ]


def test_name_segments_gives_small_clusters_a_neutral_name() -> None:
    # Cluster 3 is one customer with a huge order: by revenue rank alone it would be "high-value loyal".
    profiles = pd.DataFrame(
        {
            "lifetime_revenue": [5_000.0, 80_000.0, 20_000.0, 9_000_000.0, 7_000_000.0],
            "lifetime_orders": [5, 30, 11, 1, 1],
            "average_order_value": [700.0, 5_000.0, 2_500.0, 9_000_000.0, 10.0],
            "business_share": [0.02, 0.03, 0.04, 0.0, 1.0],
            "customer_count": [400, 300, 290, 1, 9],
        }
    )
    assert name_segments(profiles, min_share=0.02) == {
        3: (1, SMALL_SEGMENT_NAME),
        4: (2, f"{SMALL_SEGMENT_NAME} 2"),
        1: (3, "high-value loyal"),
        2: (4, "mainstream regular"),
        0: (5, "price-sensitive occasional"),
    }
    assert name_segments(profiles)[3] == (1, "high-value loyal")  # no floor: the old behaviour


def test_real_shaped_customers_are_segmented() -> None:
    # Null and unknown customer_type (is_business <NA>) and a null channel used to crash with
    # "cannot convert float NaN to bool".
    behaviour, mix = planted_customers()
    result = segment_customers(behaviour, mix, SegmentationConfig())
    assert len(result.segments) == len(behaviour)
    planted = {"high-value loyal", "price-sensitive occasional", "business bulk"}
    names = set(result.profiles["segment_name"])
    assert planted <= names
    # Customer 1's one order without a channel makes it an outlier on the (z-scored, rare)
    # channel_share__unknown feature: a cluster of its own, which the size floor keeps from
    # being called "high-value loyal" although its revenue is the highest of the consumers.
    assert names - planted == {SMALL_SEGMENT_NAME}
    assert (
        result.segments.loc[result.segments["customer_id"] == 1, "segment_name"].item() == SMALL_SEGMENT_NAME
    )
    assert not result.profiles["is_weak_structure"].any()
    by_name = result.profiles.set_index("segment_name")
    # Customers 1, 6 (null type) and 8 ("reseller") are frequent high spenders, not businesses.
    assert by_name["unknown_type_share"].to_dict() == {
        "business bulk": 0.0,
        SMALL_SEGMENT_NAME: 1.0,
        "high-value loyal": pytest.approx(2 / 39),
        "price-sensitive occasional": 0.0,
    }
    unknown = result.segments.set_index("customer_id").loc[[6, 8], "segment_name"]
    assert (unknown == "high-value loyal").all()


def test_outlier_cluster_is_a_small_cluster(caplog: pytest.LogCaptureFixture) -> None:
    behaviour, mix = planted_customers(per_group=60, outliers=2)
    with caplog.at_level(logging.WARNING, logger="sales_warehouse.segmentation"):
        result = segment_customers(behaviour, mix, SegmentationConfig(k_min=4, k_max=4))
    outliers = result.segments.loc[result.segments["customer_id"] > 180]
    assert (outliers["segment_name"] == SMALL_SEGMENT_NAME).all()
    assert (outliers["segment_id"] == 1).all()  # still ordered by revenue
    small = result.profiles.set_index("segment_name").loc[SMALL_SEGMENT_NAME]
    assert bool(small["is_small_segment"]) and small["customer_count"] == 2
    assert "high-value loyal" in set(result.profiles["segment_name"])
    assert any("small cluster" in message for message in caplog.messages)


def test_weak_structure_is_flagged_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    behaviour, mix = planted_customers()
    with caplog.at_level(logging.WARNING, logger="sales_warehouse.segmentation"):
        result = segment_customers(behaviour, mix, SegmentationConfig(weak_silhouette=0.99))
    assert result.profiles["is_weak_structure"].all()
    assert any("weak structure" in message for message in caplog.messages)
    # Customers without groups: one log-normal blob (silhouette about 0.12 for every k).
    behaviour, mix = planted_customers(per_group=100)
    rng = np.random.default_rng(0)
    n = len(behaviour)
    orders = np.exp(rng.normal(2.5, 0.4, n)).astype(int) + 1
    lines = (orders * np.exp(rng.normal(0.7, 0.3, n))).astype(int) + orders
    blob = behaviour.assign(
        lifetime_orders=orders,
        lifetime_revenue=orders * np.exp(rng.normal(4, 0.4, n)),
        days_since_last_order=np.exp(rng.normal(4, 0.5, n)).astype(int),
        promotion_order_count=rng.binomial(orders, 0.2),
        line_count=lines,
        unit_count=(lines * np.exp(rng.normal(0.5, 0.3, n))).astype(int) + lines,
        customer_type="individual",
        is_business=False,
        age_years=rng.normal(45, 12, n),
    )
    weak = segment_customers(blob, mix.loc[mix["mix_dimension"] == "category"], SegmentationConfig())
    assert weak.profiles["is_weak_structure"].all(), weak.choice
    assert weak.profiles["overall_silhouette"].iloc[0] < 0.15


def test_too_few_customers_give_empty_results_and_a_reason(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="sales_warehouse.segmentation"):
        result = segment_customers(toy_behaviour(), toy_mix(), SegmentationConfig())
    assert result.segments.empty and list(result.segments.columns) == list(SEGMENT_COLUMNS)
    assert result.profiles.empty and list(result.profiles.columns) == list(PROFILE_COLUMNS)
    assert result.choice is None
    assert "3 customers with orders are too few" in result.issues[0]
    assert caplog.messages == list(result.issues)
    assert profile_segments(toy_behaviour(), toy_mix(), result.segments, SegmentationConfig()).empty
    # The floor is at least k_min + 1 customers whatever min_customers says.
    assert SegmentationConfig(min_customers=1, k_min=5, k_max=6).customers_needed == 6


def test_profiles_from_stored_segments_match_the_segmentation_run() -> None:
    behaviour, mix = planted_customers(per_group=60, outliers=2)
    config = SegmentationConfig(k_min=3, k_max=5)
    result = segment_customers(behaviour, mix, config)
    # As customer_segment_profiles reads it: from the table, in any order, with DuckDB's types.
    con = duckdb.connect()
    con.register("result_segments", result.segments)
    stored = con.sql(
        f"select {typed_projection(SEGMENT_COLUMNS)} from result_segments order by segment_name desc"
    ).df()
    profiles = profile_segments(behaviour, mix, stored, config)
    pd.testing.assert_frame_equal(
        profiles.drop(columns="as_of_date"), result.profiles.drop(columns="as_of_date"), check_dtype=False
    )
    assert profiles["chosen_k"].iloc[0] == result.choice.k


def test_config_rejects_bad_ranges() -> None:
    with pytest.raises(ValueError, match="k_min"):
        SegmentationConfig(k_min=5, k_max=4)


def test_compact_mix_gives_the_same_segments_and_profiles(
    demo_warehouse: tuple[Path, Path], demo_inputs
) -> None:
    """The dbt models fetch the mix's text as categoricals (fetch_compact): the same segments and
    profiles, bit for bit, as from plain strings, in less memory."""
    behaviour, plain, _ = demo_inputs
    db, _ = demo_warehouse
    with duckdb.connect(str(db), read_only=True) as con:
        relation = con.sql(
            "select * from intermediate.int_customers_purchase_mix_counted "
            "order by customer_id, mix_dimension, mix_value"
        )
        compact = fetch_compact(relation, MIX_COLUMNS, MIX_TEXT_COLUMNS)
    assert isinstance(compact["mix_value"].dtype, pd.CategoricalDtype)
    assert compact.memory_usage(deep=True).sum() < plain.memory_usage(deep=True).sum() / 2
    config = SegmentationConfig()
    from_compact, from_plain = (
        segment_customers(behaviour, compact, config),
        segment_customers(behaviour, plain, config),
    )
    pd.testing.assert_frame_equal(from_compact.segments, from_plain.segments, check_exact=True)
    pd.testing.assert_frame_equal(
        profile_segments(behaviour, compact, from_plain.segments, config),
        profile_segments(behaviour, plain, from_plain.segments, config),
        check_exact=True,
    )


def test_segments_recover_planted_groups_at_k4(demo_inputs) -> None:
    behaviour, mix, truth = demo_inputs
    result = segment_customers(behaviour, mix, SegmentationConfig(k_min=4, k_max=4))
    ari = adjusted_rand_score(truth.reindex(result.segments["customer_id"]), result.segments["segment_name"])
    assert ari >= 0.7, ari
    names = set(result.profiles["segment_name"])
    assert names == {"business bulk", "high-value loyal", "mainstream regular", "price-sensitive occasional"}
    # Each named segment is mostly the planted group of the same name.
    joined = result.segments.assign(truth=truth.reindex(result.segments["customer_id"]).to_numpy())
    majority = joined.groupby("segment_name")["truth"].agg(lambda values: values.value_counts().index[0])
    assert majority.to_dict() == {name: name.replace("-", "_").replace(" ", "_") for name in names}


def test_default_silhouette_choice_meets_ari_bar(demo_inputs) -> None:
    behaviour, mix, truth = demo_inputs
    result = segment_customers(behaviour, mix, SegmentationConfig())
    ari = adjusted_rand_score(truth.reindex(result.segments["customer_id"]), result.segments["segment_name"])
    assert ari >= 0.7, (result.choice, ari)


def test_segmentation_is_deterministic_and_profiles_add_up(demo_inputs) -> None:
    behaviour, mix, _ = demo_inputs
    config = SegmentationConfig()
    first = segment_customers(behaviour, mix, config)
    second = segment_customers(behaviour.sample(frac=1.0, random_state=1), mix, config)
    pd.testing.assert_frame_equal(first.segments, second.segments)
    assert first.profiles["customer_count"].sum() == len(first.segments) == len(behaviour)
    assert first.profiles["chosen_k"].iloc[0] == len(first.profiles) == first.choice.k
    assert json.loads(first.profiles["silhouette_by_k"].iloc[0]) == {
        str(k): round(v, 4) for k, v in first.choice.silhouettes.items()
    }
    assert list(first.profiles.columns) == list(PROFILE_COLUMNS)
    assert list(first.segments.columns) == list(SEGMENT_COLUMNS)
    # The demo groups are well separated and large: nothing to warn about.
    assert first.issues == ()
    assert not first.profiles["is_small_segment"].any() and not first.profiles["is_weak_structure"].any()
    # customer_segment_profiles, built from the stored segments, has the same numbers.
    pd.testing.assert_frame_equal(profile_segments(behaviour, mix, first.segments, config), first.profiles)


def test_yaml_documents_the_cast_types() -> None:
    models = {item["name"]: item for item in yaml.safe_load(MODELS_YAML.read_text())["models"]}
    for name, columns in (
        ("customer_segments", SEGMENT_COLUMNS),
        ("customer_segment_profiles", PROFILE_COLUMNS),
    ):
        documented = {column["name"]: column["data_type"] for column in models[name]["columns"]}
        assert documented == columns
    assert typed_projection({"a": "integer"}) == 'cast("a" as integer) as "a"'
