"""The serving PostgreSQL, for real: a throwaway PostgreSQL 15 cluster (own folder, free port) serves
the test warehouse (`built`), and every demo login connects over TCP with its password.

For every login: each relation the policy gives reads, every other one and every personal-data
column gives "permission denied", writes are denied, and row counts under row-level security equal
the login's subset computed here with pandas from the DuckDB marts. Then drift: grants, policies,
role attributes and memberships added by hand are gone after the next apply, and a second apply
changes nothing. A failed publish and a publish killed mid-copy leave the old schemas readable.
Nothing is skipped: without PostgreSQL 15 (make test installs it) the tests fail and say so.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import psycopg2
import psycopg2.errors
import pytest

from sales_warehouse.policy import ROLES, Login, Policy, RowScope, ServedModel, load_policy, login_scopes
from sales_warehouse.serve import (
    DEFAULT_PG_BIN,
    Catalog,
    RelationState,
    ServeConfig,
    ServeError,
    admin_connection,
    apply,
    config_from_environment,
    connection_strings,
    login_passwords,
    plan_apply,
    publish,
    read_catalog,
    scram_matches,
    scram_secret,
    server_status,
    start,
    stop,
)

ROOT = Path(__file__).resolve().parents[1]
LOGINS = ["ae_demo", "rep_demo", "manager_demo", "director_demo", "finance_demo", "marketing_demo", "bi_demo"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def cluster() -> Iterator[ServeConfig]:
    if not (DEFAULT_PG_BIN / "initdb").exists():
        pytest.fail(
            f"PostgreSQL 15 is not installed ({DEFAULT_PG_BIN}/initdb is missing): run `make setup-postgres` "
            "(make test does), i.e. apt-get install -y postgresql"
        )
    # Not under pytest's tmp folder: that one is private to root, and the server runs as postgres.
    directory = Path(tempfile.mkdtemp(prefix="sales_warehouse_serve_", dir="/tmp"))
    directory.chmod(0o755)
    config = ServeConfig(directory, port=free_port())
    try:
        start(config)
        yield config
    finally:
        stop(config)
        shutil.rmtree(directory, ignore_errors=True)


@dataclass(frozen=True)
class Served:
    config: ServeConfig
    warehouse: Path
    manifest: Path
    policy: Policy
    scopes: list
    passwords: dict[str, str]
    report: object


@pytest.fixture(scope="module")
def served(cluster: ServeConfig, built: tuple[Path, Path, Path]) -> Served:
    _, db, target = built
    manifest = target / "manifest.json"
    report = publish(cluster, db, ROOT, manifest)
    with duckdb.connect(str(db), read_only=True) as warehouse:
        policy = load_policy(ROOT, warehouse, manifest)
        scopes = login_scopes(policy, warehouse)
    passwords = login_passwords(cluster, [login.name for login in policy.logins])
    return Served(cluster, db, manifest, policy, scopes, passwords, report)


@pytest.fixture(scope="module")
def warehouse_frames(built: tuple[Path, Path, Path]) -> dict[str, pd.DataFrame]:
    _, db, _ = built
    with duckdb.connect(str(db), read_only=True) as warehouse:
        names = warehouse.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_schema in ('marts', 'quality', 'metrics')"
        ).fetchall()
        return {name: warehouse.execute(f"select * from {name}").df() for (name,) in names}


def login_session(served: Served, login: str, password: str | None = None) -> psycopg2.extensions.connection:
    connection = psycopg2.connect(
        host="127.0.0.1",
        port=served.config.port,
        user=login,
        password=password or served.passwords[login],
        dbname="sales_warehouse",
    )
    connection.autocommit = True
    return connection


def rows(connection: psycopg2.extensions.connection, sql: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def denied(connection: psycopg2.extensions.connection, sql: str) -> None:
    with (
        pytest.raises(psycopg2.errors.InsufficientPrivilege, match="permission denied"),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)


def admin(served: Served, *statements: str) -> list[tuple]:
    connection = admin_connection(served.config)
    connection.autocommit = True
    try:
        result: list[tuple] = []
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
                result = cursor.fetchall() if cursor.description else []
        return result
    finally:
        connection.close()


def catalog(served: Served) -> Catalog:
    connection = admin_connection(served.config)
    try:
        with connection.cursor() as cursor:
            return read_catalog(cursor)
    finally:
        connection.close()


# -- the server -----------------------------------------------------------------------------------


def test_server_listens_on_loopback_and_only_the_admin_uses_the_socket(served: Served) -> None:
    config = served.config
    assert admin(served, "show listen_addresses") == [("127.0.0.1",)]
    assert admin(served, "show password_encryption") == [("scram-sha-256",)]
    assert admin(served, "show wal_level") == [("minimal",)]
    with pytest.raises(psycopg2.OperationalError, match="pg_hba.conf rejects"):
        psycopg2.connect(host="127.0.0.1", port=config.port, user="postgres", dbname="sales_warehouse")
    with pytest.raises(psycopg2.OperationalError, match="password authentication failed"):
        login_session(served, "finance_demo", password="not-the-password")
    with pytest.raises(psycopg2.OperationalError, match="pg_hba.conf rejects"):
        psycopg2.connect(
            host="127.0.0.1", port=config.port, user="finance_demo", password="x", dbname="postgres"
        )
    if os.geteuid() == 0:
        for folder in (config.pgdata, config.run_dir):
            assert folder.stat().st_uid == pwd.getpwnam("postgres").pw_uid
            assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert "already running" in start(config)
    assert server_status(config).port == config.port


def test_logins_file_is_private_and_connection_strings_use_it(served: Served) -> None:
    config = served.config
    assert stat.S_IMODE(config.logins_file.stat().st_mode) == 0o600
    stored = json.loads(config.logins_file.read_text())
    assert set(stored) == {login.name for login in served.policy.logins}
    strings = connection_strings(config, [(login.name, login.role) for login in served.policy.logins])
    for login, role, url in strings:
        assert url == f"postgresql://{login}:{stored[login]}@127.0.0.1:{config.port}/sales_warehouse"
        assert role == served.policy.login(login).role
        connection = psycopg2.connect(url)
        assert rows(connection, "select current_user") == [(login,)]
        connection.close()


def test_publish_serves_every_relation_of_the_policy(served: Served, warehouse_frames) -> None:
    report = served.report
    assert {table.relation for table in report.tables} == set(served.policy.models)
    for table in report.tables:
        assert table.rows == len(warehouse_frames[table.relation]), table.relation
    schemas = {name for (name,) in admin(served, "select nspname from pg_namespace")}
    assert {"marts", "quality", "metrics", "governance"} <= schemas
    assert not [name for name in schemas if name.endswith(("__loading", "__replaced"))]
    assert admin(
        served, "select relations, rows from governance.publish_log order by published_at desc limit 1"
    ) == [(len(report.tables), report.rows)]
    # Served columns are the model's columns in order; HUGEINT sums arrive as exact numerics.
    for relation, model in served.policy.models.items():
        schema, name = relation.split(".")
        columns = admin(
            served,
            f"select column_name from information_schema.columns where table_schema = '{schema}' "
            f"and table_name = '{name}' order by ordinal_position",
        )
        assert [column for (column,) in columns] == list(model.columns), relation
    indexes = admin(
        served, "select indexdef from pg_indexes where schemaname = 'marts' and tablename = 'fct_orders'"
    )
    assert any("(sales_rep_id)" in definition for (definition,) in indexes)  # row scopes look it up
    assert "double" not in str(
        admin(
            served,
            "select format_type(atttypid, atttypmod) from pg_attribute where attrelid = 'metrics.executive_kpis_monthly'::regclass and attname = 'orders'",
        )
    )


# -- what each login reads ------------------------------------------------------------------------


@pytest.mark.parametrize("login_name", LOGINS)
def test_each_login_reads_what_the_policy_gives_and_nothing_else(served: Served, login_name: str) -> None:
    policy = served.policy
    role = policy.login(login_name).role
    connection = login_session(served, login_name)
    try:
        for relation, model in sorted(policy.models.items()):
            if role not in model.readers:
                denied(connection, f"select 1 from {relation} limit 1")
                if model.pii_columns:
                    denied(connection, f"select 1 from {relation}__no_pii limit 1")
                continue
            visible = policy.visible_columns(role, model)
            rows(connection, f"select {', '.join(visible)} from {relation} limit 1")
            if model.pii_columns:
                view = rows(connection, f"select * from {relation}__no_pii limit 0")
                assert view == []
                with connection.cursor() as cursor:
                    cursor.execute(f"select * from {relation}__no_pii limit 0")
                    assert [column.name for column in cursor.description] == [
                        column for column in model.columns if column not in model.pii_columns
                    ]
            if model.pii_columns and role not in policy.pii_roles:
                denied(connection, f"select * from {relation} limit 1")
                for column in sorted(model.pii_columns):
                    denied(connection, f"select {column} from {relation} limit 1")
            else:
                rows(connection, f"select * from {relation} limit 1")
        denied(connection, "select * from governance.publish_log")
        if role in policy.scoped_roles:
            own = rows(connection, "select distinct login from governance.login_scopes")
            assert own == [(login_name,)]
        else:
            denied(connection, "select * from governance.login_scopes")
    finally:
        connection.close()


@pytest.mark.parametrize("login_name", LOGINS)
def test_writes_are_denied_to_every_login(served: Served, login_name: str) -> None:
    policy = served.policy
    role = policy.login(login_name).role
    relation = policy.readable(role)[0].relation
    connection = login_session(served, login_name)
    try:
        denied(connection, f"insert into {relation} default values")
        denied(connection, f"update {relation} set {policy.readable(role)[0].columns[0]} = null")
        denied(connection, f"delete from {relation}")
        denied(connection, f"truncate {relation}")
        for schema in ("marts", "quality", "metrics", "governance", "public"):
            denied(connection, f"create table {schema}.intruder (id integer)")
        denied(connection, "create temporary table intruder (id integer)")
        denied(connection, "create schema intruder")
        denied(connection, "create database intruder")
        denied(connection, "create role intruder")
        denied(connection, "insert into governance.login_scopes values ('x', 1, 1, 'east')")
    finally:
        connection.close()


def expected_count(model: ServedModel, login: Login, frames: dict[str, pd.DataFrame], policy: Policy) -> int:
    """The login's rows of `model`, computed from the DuckDB marts without the policy's SQL."""
    frame = frames[model.relation]
    kind = policy.scoped_roles.get(login.role)
    if kind is None or model.row_scope is None:
        return len(frame)
    return int(_visible(model, login, frames, policy).sum())


def _visible(model: ServedModel, login: Login, frames: dict[str, pd.DataFrame], policy: Policy) -> pd.Series:
    reps_frame = frames["marts.dim_sales_reps"]
    if login.sales_rep_id is not None:
        reps = {login.sales_rep_id}
    elif login.team_id is not None:
        reps = set(reps_frame.loc[reps_frame["team_id"] == login.team_id, "sales_rep_id"])
    else:
        reps = set(reps_frame.loc[reps_frame["region_code"] == login.region_code, "sales_rep_id"])
    mine = reps_frame[reps_frame["sales_rep_id"].isin(reps)]
    frame, scope = frames[model.relation], model.row_scope
    assert scope is not None
    if scope.sales_rep_column:
        return frame[scope.sales_rep_column].isin(reps)
    if scope.team_column:
        return frame[scope.team_column].isin(set(mine["team_id"]))
    if scope.region_column:
        return frame[scope.region_column].isin(set(mine["region_code"]))
    column, other_name, other_column = scope.through
    other = policy.by_name(other_name)
    keys = frames[other.relation].loc[_visible(other, login, frames, policy), other_column]
    return frame[column].isin(set(keys))


@pytest.mark.parametrize("login_name", LOGINS)
def test_row_counts_under_row_level_security_equal_the_independent_subset(
    served: Served, warehouse_frames, login_name: str
) -> None:
    policy = served.policy
    login = policy.login(login_name)
    connection = login_session(served, login_name)
    scoped = 0
    try:
        for model in policy.readable(login.role):
            count = rows(connection, f"select count(*) from {model.relation}")[0][0]
            expected = expected_count(model, login, warehouse_frames, policy)
            assert count == expected, model.relation
            if model.pii_columns:
                assert rows(connection, f"select count(*) from {model.relation}__no_pii")[0][0] == expected
            if login.role in policy.scoped_roles and model.row_scope is not None:
                assert count < len(warehouse_frames[model.relation]), f"{model.relation}: nothing filtered"
                scoped += count
    finally:
        connection.close()
    if login.role in policy.scoped_roles:
        assert scoped > 0


# -- drift and idempotence ------------------------------------------------------------------------


def test_apply_twice_changes_nothing(served: Served) -> None:
    before = catalog(served)
    assert apply(served.config, served.warehouse, ROOT, served.manifest) == []
    assert catalog(served) == before
    assert plan_apply(served.policy, served.scopes, before, served.passwords) == []


def test_grants_added_by_hand_are_gone_after_the_next_apply(served: Served) -> None:
    before = catalog(served)
    rep_policy = admin(
        served,
        "select policyname from pg_policies where schemaname = 'marts' and tablename = 'fct_orders' "
        "and policyname like 'sw_sales_rep_%'",
    )[0][0]
    rep = login_session(served, "rep_demo")
    rep_orders = rows(rep, "select count(*) from marts.fct_orders")[0][0]
    rep_customers = rows(rep, "select count(*) from marts.dim_customers")[0][0]
    rep.close()
    admin(
        served,
        "grant select on marts.dim_customers to bi_reader",
        "grant select on marts.fct_orders to public",
        "grant select (email) on marts.dim_customers to finance",
        "grant select on marts.fct_opportunities to finance with grant option",
        "grant create on schema marts to marketing",
        "grant insert on marts.dim_products to finance",
        "grant create on schema public to public",
        "grant temporary on database sales_warehouse to public",
        "grant finance to bi_demo",
        "grant pg_read_all_data to marketing_demo",
        "alter role rep_demo createdb",
        "alter role finance_demo password 'chosen-by-hand'",
        "create policy open_all on marts.fct_orders for select to sales_rep using (true)",
        f"alter policy {rep_policy} on marts.fct_orders using (true)",
        "alter table marts.fct_opportunities disable row level security",
        "alter view marts.dim_customers__no_pii reset (security_invoker)",
        "alter default privileges grant select on tables to marketing",
        "delete from governance.login_scopes where login = 'manager_demo'",
        "create role intruder login password 'intruder-password'",
        "grant connect on database sales_warehouse to intruder",
        "grant usage on schema marts to intruder",
        "grant select on marts.fct_orders to intruder",
        "create role old_demo login",
        "comment on role old_demo is 'sales-warehouse: demo login of role finance'",
    )
    # The drift is real before the apply: bi_demo reads customers' e-mails, the rep every order and,
    # through a view that runs with its owner's rights, every customer.
    bi = login_session(served, "bi_demo")
    assert rows(bi, "select count(email) from marts.dim_customers")[0][0] > 0
    bi.close()
    rep = login_session(served, "rep_demo")
    assert rows(rep, "select count(*) from marts.fct_orders")[0][0] > rep_orders
    assert rows(rep, "select count(*) from marts.dim_customers__no_pii")[0][0] > rep_customers
    rep.close()

    statements = apply(served.config, served.warehouse, ROOT, served.manifest)
    assert statements
    assert apply(served.config, served.warehouse, ROOT, served.manifest) == []

    after = catalog(served)
    for name in (
        "memberships",
        "database_grants",
        "schema_grants",
        "relations",
        "table_grants",
        "column_grants",
        "policies",
        "default_grants",
        "login_scopes",
    ):
        assert getattr(after, name) == getattr(before, name), name
    assert "old_demo" not in after.roles
    assert set(after.roles) == set(before.roles) | {"intruder"}
    for name, state in before.roles.items():
        assert (after.roles[name].login, after.roles[name].attributes, after.roles[name].comment) == (
            state.login,
            state.attributes,
            state.comment,
        ), name
        if state.login:
            assert scram_matches(after.roles[name].password, served.passwords[name]), name

    bi = login_session(served, "bi_demo")
    denied(bi, "select email from marts.dim_customers limit 1")
    denied(bi, "select 1 from marts.fct_orders limit 1")
    bi.close()
    finance = login_session(served, "finance_demo")  # the stored password works again
    denied(finance, "select email from marts.dim_customers limit 1")
    finance.close()
    with pytest.raises(psycopg2.OperationalError, match="password authentication failed"):
        login_session(served, "finance_demo", password="chosen-by-hand")
    rep = login_session(served, "rep_demo")
    assert rows(rep, "select count(*) from marts.fct_orders")[0][0] == rep_orders
    assert rows(rep, "select count(*) from marts.dim_customers__no_pii")[0][0] == rep_customers
    rep.close()
    with pytest.raises(psycopg2.OperationalError, match="permission denied for database"):
        login_session(served, "intruder", password="intruder-password")


# -- pure planning --------------------------------------------------------------------------------


def small_policy() -> Policy:
    customers = ServedModel(
        "dim_customers",
        "marts",
        ("customer_id", "email", "owner_sales_rep_id"),
        frozenset({"email"}),
        frozenset({"analytics_engineer", "sales_rep", "finance"}),
        RowScope(sales_rep_column="owner_sales_rep_id"),
    )
    return Policy(
        {customers.relation: customers},
        frozenset({"analytics_engineer", "sales_rep"}),
        {"sales_rep": "rep"},
        (Login("rep_demo", "sales_rep", sales_rep_id=1),),
    )


def test_plan_from_an_empty_server_creates_roles_and_governance_only() -> None:
    statements = plan_apply(
        small_policy(), [("rep_demo", 1, 1, "east")], Catalog("sales_warehouse"), {"rep_demo": "pw"}
    )
    text = "\n".join(statements)
    for role in ROLES:
        assert f'create role "{role}" NOLOGIN' in text
    assert 'create role "rep_demo" LOGIN' in text and "PASSWORD 'SCRAM-SHA-256$4096:" in text
    assert "pw'" not in text
    assert 'grant "sales_rep" to "rep_demo"' in statements
    assert 'create table "governance"."login_scopes"' in text
    assert "insert into \"governance\".\"login_scopes\" values ('rep_demo', 1, 1, 'east')" in statements
    assert 'grant connect on database "sales_warehouse" to "finance"' in statements
    assert "dim_customers" not in text  # not published yet: nothing to grant on


def test_plan_grants_columns_without_pii_and_revokes_the_rest() -> None:
    relation = RelationState("r", ("customer_id", "email", "owner_sales_rep_id"))
    state = Catalog(
        "sales_warehouse",
        schemas=frozenset({"marts"}),
        relations={"marts.dim_customers": relation},
        table_grants=frozenset({("marts.dim_customers", "bi_reader", "SELECT", False, True)}),
        column_grants=frozenset({("marts.dim_customers", "email", "finance", "SELECT", False, True)}),
        schema_grants=frozenset({("marts", "PUBLIC", "CREATE", False, True)}),
    )
    statements = plan_apply(small_policy(), [], state, {})
    assert 'revoke select on "marts"."dim_customers" from "bi_reader" cascade' in statements
    assert 'revoke select ("email") on "marts"."dim_customers" from "finance" cascade' in statements
    assert 'revoke create on schema "marts" from PUBLIC cascade' in statements
    assert (
        'grant select ("customer_id", "owner_sales_rep_id") on "marts"."dim_customers" to "finance"'
        in statements
    )
    assert 'grant select on "marts"."dim_customers" to "sales_rep"' in statements
    assert (
        'create view "marts"."dim_customers__no_pii" with (security_invoker = true) as '
        'select "customer_id", "owner_sales_rep_id" from "marts"."dim_customers"'
    ) in statements
    assert 'alter table "marts"."dim_customers" enable row level security' in statements
    policies = [statement for statement in statements if statement.startswith("create policy")]
    assert len(policies) == 4  # three readers of dim_customers, one scoped reader of login_scopes
    assert any(
        'to "sales_rep" using (owner_sales_rep_id in (select sales_rep_id from governance.login_scopes '
        "where login = current_user))" in statement
        for statement in policies
    )
    assert any('to "finance" using (true)' in statement for statement in policies)


def test_scram_verifier_matches_its_password_only() -> None:
    secret = scram_secret("correct horse")
    assert scram_matches(secret, "correct horse")
    assert not scram_matches(secret, "correct horse!")
    assert not scram_matches(None, "correct horse")
    assert not scram_matches("md5abcdef", "correct horse")


def test_configuration_from_the_environment(tmp_path: Path) -> None:
    config = config_from_environment(
        tmp_path, {"SALES_WAREHOUSE_SERVE_DIR": "srv", "SALES_WAREHOUSE_SERVE_PORT": "6000"}
    )
    assert config.directory == (tmp_path / "srv").resolve() and config.port == 6000
    assert config_from_environment(tmp_path, {}).directory == (tmp_path / "data" / "serving").resolve()
    with pytest.raises(ServeError, match="SALES_WAREHOUSE_SERVE_PORT='80'"):
        config_from_environment(tmp_path, {"SALES_WAREHOUSE_SERVE_PORT": "80"})
    config = ServeConfig(tmp_path / "serving", port=free_port(), bin_dir=tmp_path / "no-postgres")
    with pytest.raises(ServeError, match="initdb not found: install PostgreSQL 15 ..make setup-postgres"):
        start(config)
    with pytest.raises(ServeError, match="cannot reach the serving PostgreSQL .* serve start"):
        admin_connection(config)


def test_passwords_from_the_environment_are_not_stored(tmp_path: Path) -> None:
    config = ServeConfig(tmp_path)
    passwords = login_passwords(
        config, ["a_demo", "b_demo"], {"SALES_WAREHOUSE_SERVE_PASSWORD_A_DEMO": "from-env"}
    )
    assert passwords["a_demo"] == "from-env"
    assert json.loads(config.logins_file.read_text()) == {"b_demo": passwords["b_demo"]}
    assert login_passwords(config, ["b_demo"], {}) == {"b_demo": passwords["b_demo"]}


# -- failed and interrupted publishes -------------------------------------------------------------


def serve_environment(served: Served) -> dict[str, str]:
    return {
        **os.environ,
        "SALES_WAREHOUSE_SERVE_DIR": str(served.config.directory),
        "SALES_WAREHOUSE_SERVE_PORT": str(served.config.port),
        "DBT_PROFILES_DIR": str(ROOT),
    }


def marts_oid(served: Served) -> int:
    return admin(served, "select oid from pg_namespace where nspname = 'marts'")[0][0]


def test_failed_publish_names_the_table_and_leaves_the_serving_schemas(
    served: Served, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.duckdb"
    shutil.copyfile(served.warehouse, broken)
    with duckdb.connect(str(broken)) as connection:
        connection.execute("alter table marts.fct_returns drop column return_reason")
    oid = marts_oid(served)
    result = subprocess.run(
        [str(Path(sys.executable).parent / "sales-warehouse"), "serve", "publish", "--db", str(broken),
         "--target-path", str(served.manifest.parent)],
        env=serve_environment(served), capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(
        "sales-warehouse serve publish: error: publish failed copying marts.fct_returns: "
    )
    assert "return_reason" in lines[0]
    assert marts_oid(served) == oid
    assert not admin(served, "select nspname from pg_namespace where nspname like '%\\_\\_loading'")
    rep = login_session(served, "rep_demo")
    assert rows(rep, "select count(*) from marts.fct_returns")[0][0] >= 0
    rep.close()


def test_publish_killed_mid_copy_leaves_the_old_schema_readable(served: Served) -> None:
    oid = marts_oid(served)
    before = admin(served, "select count(*) from marts.fct_orders")
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "sales-warehouse"), "serve", "publish", "--db", str(served.warehouse),
         "--target-path", str(served.manifest.parent), "--workers", "1"],
        env=serve_environment(served), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        loaded = 0
        while time.monotonic() < deadline and process.poll() is None:
            loaded = admin(served, "select count(*) from pg_tables where schemaname = 'marts__loading'")[0][0]
            if loaded:
                break
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert loaded, "the publish never reached the copy"
    assert marts_oid(served) == oid
    assert admin(served, "select count(*) from marts.fct_orders") == before
    manager = login_session(served, "manager_demo")
    assert rows(manager, "select count(*) from marts.fct_orders")[0][0] > 0
    manager.close()

    report = publish(served.config, served.warehouse, ROOT, served.manifest)
    assert marts_oid(served) != oid
    assert len(report.tables) == len(served.policy.models)
    assert not admin(served, "select nspname from pg_namespace where nspname like '%\\_\\_loading'")
    assert apply(served.config, served.warehouse, ROOT, served.manifest) == []


def test_a_reader_in_an_open_transaction_does_not_block_the_publish(served: Served) -> None:
    reader = login_session(served, "rep_demo")
    reader.autocommit = False
    before = rows(reader, "select count(*) from marts.fct_orders")  # holds a lock on the old table
    oid = marts_oid(served)
    report = publish(served.config, served.warehouse, ROOT, served.manifest)
    assert marts_oid(served) != oid
    assert len(report.left_over) == 1 and report.left_over[0].startswith("marts__replaced_")
    assert rows(reader, "select count(*) from marts.fct_orders") == before  # the new table, same rows
    denied(reader, f"select 1 from {report.left_over[0]}.fct_orders limit 1")
    reader.rollback()
    reader.close()
    assert publish(served.config, served.warehouse, ROOT, served.manifest).left_over == ()
    assert not admin(served, "select nspname from pg_namespace where nspname like '%\\_\\_replaced%'")
    assert apply(served.config, served.warehouse, ROOT, served.manifest) == []


def test_swap_retries_a_deadlock_and_gives_up_cleanly(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sales_warehouse import serve

    real = serve._swap_transaction
    calls = []

    def deadlock_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise psycopg2.errors.DeadlockDetected("deadlock detected")
        return real(*args, **kwargs)

    monkeypatch.setattr(serve.time, "sleep", lambda seconds: None)
    monkeypatch.setattr(serve, "_swap_transaction", deadlock_once)
    oid = marts_oid(served)
    publish(served.config, served.warehouse, ROOT, served.manifest)
    assert len(calls) == 2 and marts_oid(served) != oid

    def always(*args, **kwargs):
        real(*args, **kwargs)  # the renames happen, then the transaction is rolled back
        raise psycopg2.errors.DeadlockDetected("deadlock detected")

    monkeypatch.setattr(serve, "_swap_transaction", always)
    oid = marts_oid(served)
    with pytest.raises(
        ServeError,
        match="swapping in marts, metrics, quality failed 3 times .deadlock detected.; the serving schemas are unchanged",
    ):
        publish(served.config, served.warehouse, ROOT, served.manifest)
    assert marts_oid(served) == oid
    assert not admin(served, "select nspname from pg_namespace where nspname ~ '__(loading|replaced)'")
    assert apply(served.config, served.warehouse, ROOT, served.manifest) == []


def test_an_encrypted_warehouse_is_published_with_its_key(
    served: Served, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sales_warehouse.encryption import KEY_VARIABLE, attach

    key = "serve-test-key-0123456789abcdef"
    encrypted = tmp_path / "encrypted.duckdb"
    with duckdb.connect() as connection:
        attach(connection, encrypted, key, "encrypted", make_default=False)
        connection.execute(f"attach '{served.warehouse}' as plain (read_only)")
        connection.execute("copy from database plain to encrypted")
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    with pytest.raises(ServeError, match=f"is encrypted: set {KEY_VARIABLE}"):
        publish(served.config, encrypted, ROOT, served.manifest)
    monkeypatch.setenv(KEY_VARIABLE, key)
    report = publish(served.config, encrypted, ROOT, served.manifest)
    assert report.rows == served.report.rows
    assert apply(served.config, encrypted, ROOT, served.manifest) == []


def test_serving_needs_no_backup_dropped_schemas_come_back_from_the_warehouse(
    served: Served, warehouse_frames
) -> None:
    # The README says the serving database needs no backup: losing every served schema and the
    # governance mapping is repaired by a publish from the warehouse, with the same counts and grants.
    admin(
        served,
        "drop schema marts cascade",
        "drop schema quality cascade",
        "drop schema metrics cascade",
        "drop schema governance cascade",
    )
    report = publish(served.config, served.warehouse, ROOT, served.manifest)
    assert {table.relation for table in report.tables} == set(served.policy.models)
    for relation in served.policy.models:
        counted = admin(served, f"select count(*) from {relation}")[0][0]
        assert counted == len(warehouse_frames[relation]), relation
    finance = login_session(served, "finance_demo")
    assert rows(finance, "select count(*) from marts.fct_orders")[0][0] == len(
        warehouse_frames["marts.fct_orders"]
    )
    denied(finance, "select email from marts.dim_customers")
    finance.close()
    rep = login_session(served, "rep_demo")
    scoped = rows(rep, "select count(*) from marts.fct_orders")[0][0]
    assert 0 < scoped < len(warehouse_frames["marts.fct_orders"])
    rep.close()
