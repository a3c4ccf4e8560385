"""The customer and funnel dbt Python models, run as dbt-duckdb runs them, on real-export shapes.

Each model file is loaded and its `model(dbt, session)` called with a DuckDB connection as the
session and a stand-in for the `dbt` object (ref() returns a DuckDB relation, config.get() the
YAML config), so the models see the types DuckDB hands back (nullable booleans, nullable ids) and
their output goes through the same casts as in a build. No dbt run: seconds, not minutes.

Shapes: customers with a null or unknown customer_type, an order without a channel, guest orders
(no customer), too few customers, a CRM export with only won deals or no open-stage history.
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path
from types import ModuleType

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml
from test_scoring import toy_visits
from test_segmentation import planted_customers

from sales_warehouse.recommendations import RECOMMENDATION_COLUMNS
from sales_warehouse.scoring import METRIC_COLUMNS, SCORE_COLUMNS
from sales_warehouse.segmentation import (
    PROFILE_COLUMNS,
    SEGMENT_COLUMNS,
    SMALL_SEGMENT_NAME,
    SegmentationConfig,
    segment_customers,
)

PYTHON_MODELS = Path(__file__).parents[1] / "python_models"
# The models' YAML configs pass the project's vars under the same names: use their declared defaults.
PROJECT_VARS = {
    name: str(value)
    for name, value in yaml.safe_load((PYTHON_MODELS.parent / "dbt_project.yml").read_text())["vars"].items()
}
CUSTOMER_CONFIG = {"segment_k_min": "3", "segment_k_max": "8", "recommendations_per_customer": "5"}


class StandInConfig(dict):
    """dbt.config: called with the model's config, read with get() (values rendered from YAML)."""

    def __call__(self, **kwargs: object) -> None:
        self.update(kwargs)


class StandInDbt:
    def __init__(self, session: duckdb.DuckDBPyConnection, config: dict[str, str]) -> None:
        self.session = session
        self.config = StandInConfig(config)

    def ref(self, name: str) -> duckdb.DuckDBPyRelation:
        return self.session.table(name)


def load_model(path: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(Path(path).stem, PYTHON_MODELS / path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_model(
    session: duckdb.DuckDBPyConnection, path: str, config: dict[str, str] | None = None
) -> pd.DataFrame:
    """Run one model file, store its output as a table named like the model (for downstream
    models), check the documented column types, return the rows."""
    relation = load_model(path).model(StandInDbt(session, {**PROJECT_VARS, **(config or {})}), session)
    name = Path(path).stem
    relation.create(name)
    return session.table(name).df()


def assert_types(session: duckdb.DuckDBPyConnection, name: str, columns: dict[str, str]) -> None:
    table = session.table(name)
    assert dict(zip(table.columns, [str(kind) for kind in table.types], strict=True)) == {
        column: kind.upper() for column, kind in columns.items()
    }


def customer_tables(session: duckdb.DuckDBPyConnection, behaviour: pd.DataFrame, mix: pd.DataFrame) -> None:
    """The two intermediates as DuckDB tables; is_business computed in SQL as the real model does."""
    session.register("behaviour_frame", behaviour.drop(columns="is_business"))
    session.register("mix_frame", mix)
    session.sql(
        """
        create table int_customers_purchase_behaviour_summarised as
        select * exclude (as_of_date), customer_type = 'business' as is_business,
            cast(as_of_date as date) as as_of_date
        from behaviour_frame
        """
    )
    session.sql("create table int_customers_purchase_mix_counted as select * from mix_frame")


def test_customer_segment_models_on_real_shapes() -> None:
    session = duckdb.connect()
    behaviour, mix = planted_customers()
    customer_tables(session, behaviour, mix)
    stored = session.table("int_customers_purchase_behaviour_summarised").df()
    assert str(stored["is_business"].dtype) == "boolean" and stored["is_business"].isna().sum() == 2

    segments = run_model(session, "customers/customer_segments.py", CUSTOMER_CONFIG)
    profiles = run_model(session, "customers/customer_segment_profiles.py", CUSTOMER_CONFIG)

    assert_types(session, "customer_segments", SEGMENT_COLUMNS)
    assert_types(session, "customer_segment_profiles", PROFILE_COLUMNS)
    assert len(segments) == len(behaviour)
    assert profiles["customer_count"].sum() == len(segments)
    assert set(profiles["segment_name"]) == set(segments["segment_name"])
    assert SMALL_SEGMENT_NAME in set(profiles["segment_name"])
    # The profiles read the stored segments; their numbers are those of the segmentation run.
    expected = segment_customers(stored, mix, SegmentationConfig()).profiles
    for column in ("customer_count", "segment_silhouette", "overall_silhouette", "unknown_type_share"):
        assert profiles[column].tolist() == pytest.approx(expected[column].astype(float).tolist())
    assert profiles["chosen_k"].iloc[0] == len(profiles)


def test_customer_segment_models_with_too_few_customers(caplog: pytest.LogCaptureFixture) -> None:
    session = duckdb.connect()
    behaviour, mix = planted_customers(per_group=2)
    customer_tables(session, behaviour, mix)
    with caplog.at_level(logging.WARNING, logger="sales_warehouse.segmentation"):
        segments = run_model(session, "customers/customer_segments.py", CUSTOMER_CONFIG)
        profiles = run_model(session, "customers/customer_segment_profiles.py", CUSTOMER_CONFIG)
    assert segments.empty and profiles.empty
    assert_types(session, "customer_segments", SEGMENT_COLUMNS)
    assert_types(session, "customer_segment_profiles", PROFILE_COLUMNS)
    assert any("6 customers with orders are too few" in message for message in caplog.messages)


def test_product_recommendations_ignore_guest_orders() -> None:
    session = duckdb.connect()
    rng = np.random.default_rng(0)
    customers = np.repeat(np.arange(1, 41), 3)
    products = np.where(
        customers % 2 == 0, rng.choice([1, 2, 3], customers.size), rng.choice([4, 5, 6], customers.size)
    )
    purchases = pd.DataFrame({"customer_id": customers, "product_id": products}).drop_duplicates()
    session.register("purchases_frame", purchases)
    session.sql(
        """
        create table int_customers_products_purchased as
        select customer_id::bigint as customer_id, product_id::bigint as product_id from purchases_frame
        union all
        select null::bigint, product_id from (values (1), (4), (4)) as guest_orders (product_id)
        """
    )
    session.sql(
        "create table dim_products as select * from (values (1::bigint, 'active'), (2, 'active'), "
        "(3, 'discontinued'), (4, 'active'), (5, 'active'), (6, 'active')) as p (product_id, lifecycle_status)"
    )
    recommendations = run_model(session, "customers/product_recommendations.py", CUSTOMER_CONFIG)
    assert_types(session, "product_recommendations", RECOMMENDATION_COLUMNS)
    assert len(recommendations) and recommendations["customer_id"].notna().all()
    assert 3 not in set(recommendations["product_id"])


def funnel_tables(session: duckdb.DuckDBPyConnection, visits: pd.DataFrame) -> None:
    session.register("visits_frame", visits)
    session.sql(
        """
        create table int_opportunity_stage_visits_featurized as
        select * replace (cast(rep_level as varchar) as rep_level, cast(lead_source as varchar) as lead_source)
        from visits_frame
        """
    )


@pytest.mark.parametrize(
    ("visits", "reason"),
    [
        (toy_visits([True] * 40), "won and 0 lost deals"),
        (toy_visits([True, False] * 20).iloc[0:0], "no open-stage history"),
    ],
    ids=["only-won-deals", "no-open-stage-history"],
)
def test_funnel_models_with_too_little_data(visits: pd.DataFrame, reason: str) -> None:
    session = duckdb.connect()
    funnel_tables(session, visits)
    scores = run_model(session, "funnel/opportunity_scores.py")
    metrics = run_model(session, "funnel/model_metrics.py")
    assert scores.empty
    assert_types(session, "opportunity_scores", SCORE_COLUMNS)
    assert_types(session, "model_metrics", METRIC_COLUMNS)
    assert metrics["metric_name"].tolist() == ["status", "scoring_status"]
    assert metrics["metric_value"].tolist() == [0.0, 0.0]
    assert metrics["detail"].str.contains(reason).all()


def test_funnel_models_with_enough_data() -> None:
    session = duckdb.connect()
    funnel_tables(session, toy_visits([number % 3 != 0 for number in range(60)]))
    scores = run_model(session, "funnel/opportunity_scores.py")
    metrics = run_model(session, "funnel/model_metrics.py").set_index("metric_name")
    assert len(scores) == 3 and scores["win_probability"].between(0, 1).all()
    assert metrics.loc[["status", "scoring_status"], "metric_value"].tolist() == [1.0, 1.0]
    assert metrics["metric_value"].notna().all()
