"""The access-control policy: the project's own policy loads and matches the README; every rule of
load_policy stops a bad policy with a message naming what is wrong; row-scope predicates and
login scopes on known small data."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import duckdb
import pytest
import yaml

from sales_warehouse.policy import (
    POLICY_FILE,
    ROLES,
    PolicyError,
    ServedModel,
    access_matrix_markdown,
    build_policy,
    load_policy,
    login_scopes,
    models_from_manifest,
    scope_predicate,
)

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = yaml.safe_load((ROOT / POLICY_FILE).read_text())


def model(name: str, columns: tuple[str, ...], readers: set[str], pii: set[str] | None = None) -> ServedModel:
    return ServedModel(name, "marts", columns, frozenset(pii or ()), frozenset(readers))


def small_models() -> dict[str, ServedModel]:
    items = [
        model(
            "fct_orders",
            ("order_id", "customer_id", "sales_rep_id", "net_amount"),
            {"analytics_engineer", "sales_rep"},
        ),
        model(
            "dim_customers",
            ("customer_id", "owner_sales_rep_id", "email"),
            {"analytics_engineer", "sales_rep", "finance"},
            {"email"},
        ),
        model(
            "sales_daily",
            ("placed_date", "region_code", "net_revenue"),
            {"analytics_engineer", "bi_reader", "sales_rep"},
        ),
    ]
    return {item.relation: item for item in items}


def small_settings() -> dict:
    settings = copy.deepcopy(SETTINGS)
    settings["row_scopes"] = {
        "fct_orders": {"sales_rep_column": "sales_rep_id"},
        "dim_customers": {"sales_rep_column": "owner_sales_rep_id"},
        "sales_daily": {"region_column": "region_code"},
    }
    return settings


@pytest.fixture(scope="module")
def project_policy(built: tuple[Path, Path, Path]):
    _, db, target = built
    with duckdb.connect(str(db), read_only=True) as warehouse:
        return load_policy(ROOT, warehouse, target / "manifest.json")


def test_the_project_policy_loads_and_covers_every_role(project_policy) -> None:
    assert set(project_policy.pii_roles) == {
        "analytics_engineer",
        "sales_rep",
        "sales_manager",
        "regional_director",
    }
    assert project_policy.scoped_roles == {
        "sales_rep": "rep",
        "sales_manager": "team",
        "regional_director": "region",
    }
    for role in ROLES:
        assert project_policy.readable(role), role
    # analytics_engineer reads every served relation, metric exports included.
    assert len(project_policy.readable("analytics_engineer")) == len(project_policy.models)
    assert any(model.schema == "metrics" for model in project_policy.models.values())
    # Personal data is only where the YAML says pii: dim_customers' contact columns among them.
    customers = project_policy.by_name("dim_customers")
    assert {"customer_name", "email", "phone"} <= customers.pii_columns
    assert "email" not in project_policy.visible_columns("finance", customers)
    assert "email" in project_policy.visible_columns("sales_rep", customers)


def test_readme_matrix_is_generated_from_the_policy(project_policy) -> None:
    readme = (ROOT / "README.md").read_text()
    found = re.search(r"<!-- access-matrix:start -->\n(.*?)\n<!-- access-matrix:end -->", readme, re.S)
    assert found, "README.md lacks the access-matrix markers"
    assert found.group(1).strip() == access_matrix_markdown(project_policy).strip(), (
        "README access matrix is stale: paste `sales-warehouse policy matrix` between the markers"
    )


def test_matrix_marks_personal_data_and_row_scopes() -> None:
    policy = build_policy(small_models(), small_settings())
    lines = {line.split("|")[1].strip(): line for line in access_matrix_markdown(policy).splitlines()[2:]}
    cells = [cell.strip() for cell in lines["`marts.dim_customers`"].split("|")[2:-1]]
    assert dict(zip(ROLES, cells, strict=True)) == {
        "analytics_engineer": "R",
        "sales_rep": "R (rep)",
        "sales_manager": "",
        "regional_director": "",
        "finance": "R*",
        "marketing": "",
        "bi_reader": "",
    }


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda models, settings: settings["row_scopes"].update(
                {"fct_nothing": {"sales_rep_column": "x"}}
            ),
            "row_scopes names unknown model 'fct_nothing'",
        ),
        (
            lambda models, settings: settings["row_scopes"].update(
                {"fct_orders": {"sales_rep_column": "rep_key"}}
            ),
            "names column 'rep_key', which marts.fct_orders does not have",
        ),
        (
            lambda models, settings: settings["row_scopes"].pop("fct_orders"),
            "marts.fct_orders is readable by sales_rep (row-scoped) but has no row scope",
        ),
        (
            lambda models, settings: models.update(
                {
                    "marts.fct_orders": model(
                        "fct_orders",
                        ("order_id", "customer_id", "sales_rep_id", "net_amount"),
                        {"analytics_engineer", "bi_reader"},
                    )
                }
            ),
            "marts.fct_orders is readable by bi_reader (aggregates only) but has row-level columns",
        ),
        (
            lambda models, settings: settings["roles"]["sales_rep"].update({"row_scope": "street"}),
            "role sales_rep has row_scope 'street'",
        ),
        (
            lambda models, settings: settings["roles"].update({"auditor": {"description": "x"}}),
            "unknown role 'auditor'",
        ),
        (
            lambda models, settings: settings["logins"].append({"name": "rep_nobody", "role": "sales_rep"}),
            "login rep_nobody has role sales_rep (row scope rep) but names no rep",
        ),
        (
            lambda models, settings: settings["row_scopes"].update(
                {"dim_customers": {"through": ["customer_id", "fct_x", "customer_id"]}}
            ),
            "through names unknown model 'fct_x'",
        ),
        (
            lambda models, settings: settings["row_scopes"].update({"dim_customers": {"owner": "x"}}),
            "row_scopes.dim_customers has unknown keys ['owner']",
        ),
    ],
)
def test_bad_policies_stop_with_a_message_naming_the_problem(change, message: str) -> None:
    models, settings = small_models(), small_settings()
    build_policy(models, settings)  # the unchanged small policy is valid
    change(models, settings)
    with pytest.raises(PolicyError, match=re.escape(message)):
        build_policy(models, settings)


def test_unknown_role_in_model_readers_is_named(built: tuple[Path, Path, Path]) -> None:
    _, _, target = built
    manifest = json.loads((target / "manifest.json").read_text())
    node = next(node for node in manifest["nodes"].values() if node["name"] == "fct_orders")
    node["config"]["meta"]["readers"] = ["analytics_engineer", "sales_boss"]
    with pytest.raises(PolicyError, match="model fct_orders: meta.readers names unknown role 'sales_boss'"):
        models_from_manifest(manifest)


def test_unknown_metric_export_is_named() -> None:
    settings = small_settings()
    settings["metric_exports"]["readers"] = {"revenue_monthly": ["finance"], "no_such_export": ["finance"]}
    with duckdb.connect() as warehouse:
        warehouse.execute(
            "create schema metrics; create table metrics.revenue_monthly (month date, revenue double)"
        )
        from sales_warehouse.policy import metric_export_models

        with pytest.raises(PolicyError, match="'no_such_export', which is not a metric export"):
            metric_export_models(warehouse, settings["metric_exports"])


def test_scope_predicates_known_answers() -> None:
    policy = build_policy(
        small_models(),
        small_settings()
        | {
            "row_scopes": {
                "fct_orders": {"sales_rep_column": "sales_rep_id"},
                "dim_customers": {"through": ["customer_id", "fct_orders", "customer_id"]},
                "sales_daily": {"region_column": "region_code"},
            }
        },
    )
    orders, customers, daily = (
        policy.by_name(name) for name in ("fct_orders", "dim_customers", "sales_daily")
    )
    assert scope_predicate(policy, orders, "sales_rep", "s", "current_user") == (
        "sales_rep_id in (select sales_rep_id from s where login = current_user)"
    )
    assert scope_predicate(policy, daily, "sales_rep", "s", "current_user") == (
        "region_code in (select region_code from s where login = current_user)"
    )
    assert scope_predicate(
        policy, customers, "sales_rep", "s", "'rep_demo'", {"marts.fct_orders": "p.marts.fct_orders"}
    ) == (
        "customer_id in (select customer_id from p.marts.fct_orders "
        "where sales_rep_id in (select sales_rep_id from s where login = 'rep_demo'))"
    )
    assert scope_predicate(policy, orders, "finance", "s", "current_user") is None
    assert scope_predicate(policy, orders, "analytics_engineer", "s", "current_user") is None


def test_login_scopes_follow_rep_team_and_region() -> None:
    policy = build_policy(small_models(), small_settings())
    with duckdb.connect() as warehouse:
        warehouse.execute(
            "create schema marts; create table marts.dim_sales_reps as select * from (values "
            "(1, 1, 'east'), (2, 2, 'east'), (3, 1, 'east'), (4, 3, 'south')) as t(sales_rep_id, team_id, region_code)"
        )
        rows = login_scopes(policy, warehouse)
    by_login: dict[str, set[tuple]] = {}
    for login, *scope in rows:
        by_login.setdefault(login, set()).add(tuple(scope))
    assert by_login == {
        "rep_demo": {(1, 1, "east")},
        "manager_demo": {(1, 1, "east"), (3, 1, "east")},
        "director_demo": {(1, 1, "east"), (2, 2, "east"), (3, 1, "east")},
    }
