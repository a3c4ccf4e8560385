"""The serving PostgreSQL's audit trail: the server logs connections and statements (csvlog), and
`sales-warehouse audit load` turns them into governance.access_log.

On a throwaway cluster (test_serve's fixtures): an allowed read by one login and denied reads (a
relation not given, a personal-data column) by another both appear, attributed to login and role,
with the relation and denied true/false; a re-run adds nothing; only analytics_engineer reads the
mart, and the next policy apply leaves that grant alone. A hand-written log checks the parser and
the "who read customer personal data last month" answer.
"""

from __future__ import annotations

import csv
import io
import time
import uuid
from pathlib import Path

import pytest
import test_serve
from test_serve import ROOT, Served, admin, denied, login_session, rows

from sales_warehouse.audit import (
    CSVLOG_COLUMNS,
    classify,
    load_access_log,
    load_records,
    mart_sql,
    parse_csvlog,
    roles_of,
)
from sales_warehouse.cli import main
from sales_warehouse.policy import Login, Policy, ServedModel
from sales_warehouse.serve import ServeConfig, admin_connection, apply, server_files, start

# test_serve's throwaway cluster, and the `built` test warehouse published into it
cluster = test_serve.cluster
served = test_serve.served

# -- the parser and the questions, on a hand-written log -------------------------------------------


def record(
    time_: str, user: str, severity: str, message: str, state: str = "00000", **extra: str
) -> list[str]:
    values = dict.fromkeys(CSVLOG_COLUMNS, "")
    values.update(
        log_time=time_,
        user_name=user,
        database_name="sales_warehouse",
        session_id=f"s-{user}",
        error_severity=severity,
        sql_state_code=state,
        message=message,
        backend_type="client backend",
        connection_from="127.0.0.1:5000",
    )
    values.update(extra)
    return [values[column] for column in CSVLOG_COLUMNS]


def synthetic_log() -> str:
    pii_read = 'select c.email, c."customer_id" from marts.dim_customers c\nwhere c.customer_id = 1'
    lines = [
        record("2026-11-10 09:00:00.000 UTC", "rep_demo", "LOG", "connection authorized: user=rep_demo"),
        record("2026-11-10 09:00:01.000 UTC", "rep_demo", "LOG", f"statement: {pii_read}"),
        record("2026-11-10 09:00:02.000 UTC", "rep_demo", "LOG", "statement: select * from marts.sales_daily"),
        record("2026-11-11 10:00:00.000 UTC", "finance_demo", "LOG", "statement: select email from marts.dim_customers"),
        record(
            "2026-11-11 10:00:00.001 UTC", "finance_demo", "ERROR", "permission denied for table dim_customers",
            "42501", query="select email from marts.dim_customers",
        ),
        record("2026-11-11 10:00:03.000 UTC", "finance_demo", "LOG", "statement: select * from marts.dim_customers__no_pii"),
        record("2026-11-12 11:00:00.000 UTC", "mallory", "FATAL", 'password authentication failed for user "mallory"', "28P01"),
        record("2026-12-01 08:00:00.000 UTC", "ae_demo", "LOG", "statement: select * from marts.dim_customers"),
        record("2026-11-13 12:00:00.000 UTC", "", "LOG", "checkpoint starting: time", backend_type="checkpointer"),
        record("2026-11-10 09:05:00.000 UTC", "rep_demo", "LOG", "disconnection: session time: 0:05:00.000 user=rep_demo"),
    ]  # fmt: skip
    for number, line in enumerate(lines, start=1):
        line[CSVLOG_COLUMNS.index("session_line_num")] = str(number)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(lines)
    return out.getvalue() + '2026-12-01 08:00:01.000 UTC,"ae_demo","sales_warehouse",1,"127.0.0.1:5,"s-ae'


def synthetic_policy() -> Policy:
    customers = ServedModel(
        "dim_customers", "marts", ("customer_id", "email"), frozenset({"email"}),
        frozenset({"analytics_engineer", "sales_rep", "finance"}),
    )  # fmt: skip
    daily = ServedModel("sales_daily", "marts", ("order_date",), frozenset(), frozenset({"sales_rep"}))
    logins = (
        Login("rep_demo", "sales_rep", 1),
        Login("finance_demo", "finance"),
        Login("ae_demo", "analytics_engineer"),
    )
    return Policy(
        {customers.relation: customers, daily.relation: daily},
        frozenset({"analytics_engineer", "sales_rep"}),
        {"sales_rep": "rep"},
        logins,
    )


def test_parser_attributes_reads_denials_and_connections() -> None:
    records = parse_csvlog(synthetic_log())
    assert len(records) == 10  # the record still being written is left out
    policy = synthetic_policy()
    got = classify(records, roles_of(policy), policy.pii_roles, list(policy.models))
    summary = [(row.login, row.role, row.event, row.action, row.relations, row.denied) for row in got]
    assert summary == [
        ("rep_demo", "sales_rep", "connect", None, (), False),
        ("rep_demo", "sales_rep", "statement", "read", ("marts.dim_customers",), False),
        ("rep_demo", "sales_rep", "statement", "read", ("marts.sales_daily",), False),
        ("finance_demo", "finance", "statement", "read", ("marts.dim_customers",), True),
        ("finance_demo", "finance", "statement", "read", ("marts.dim_customers__no_pii",), False),
        ("mallory", None, "login_failed", None, (), True),
        ("ae_demo", "analytics_engineer", "statement", "read", ("marts.dim_customers",), False),
        ("rep_demo", "sales_rep", "disconnect", None, (), False),
    ]
    assert got[3].sql_state == "42501" and got[3].error == "permission denied for table dim_customers"
    assert "\nwhere" in (got[1].statement or "") and got[1].personal_data and not got[3].personal_data
    assert all(row.rows_returned is None for row in got)


def test_personal_data_last_month_on_a_hand_written_log(cluster: ServeConfig) -> None:
    schema = f"audit_test_{uuid.uuid4().hex[:8]}"
    files = {"postgresql-synthetic.csv": parse_csvlog(synthetic_log())}
    connection = admin_connection(cluster)
    try:
        with connection.cursor() as cursor:
            for statement in mart_sql(schema):
                cursor.execute(statement)
            first = load_records(cursor, files, synthetic_policy(), schema)
            again = load_records(cursor, files, synthetic_policy(), schema)
            cursor.execute(f"delete from {schema}.access_log_files")  # bookmark lost: the key still holds
            without_bookmark = load_records(cursor, files, synthetic_policy(), schema)
            cursor.execute(
                f"select login, role, relation, reads from {schema}.personal_data_reads("
                "'2026-11-01 00:00 UTC', '2026-12-01 00:00 UTC')"
            )
            answer = cursor.fetchall()
            cursor.execute(f"select relation, last_read from {schema}.unused_relations(3650)")
            unused = cursor.fetchall()
        connection.rollback()
    finally:
        connection.close()
    assert (first.records, first.rows) == (10, 8)
    assert (again.records, again.rows) == (0, 0)
    assert (without_bookmark.records, without_bookmark.rows) == (10, 0)
    # finance's read was denied, its __no_pii read has no personal data, ae_demo's is this month.
    assert answer == [("rep_demo", "sales_rep", "marts.dim_customers", 1)]
    assert unused == []  # both relations were read within the window


# -- the real server -------------------------------------------------------------------------------


def wait_for_log(config: ServeConfig, marker: str, count: int, timeout: float = 15.0) -> None:
    """The logging collector writes asynchronously: wait until `count` records mention the marker."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = "".join(path.read_text(errors="replace") for path in config.log_dir.glob("*.csv"))
        if text.count(marker) >= count:
            return
        time.sleep(0.2)
    pytest.fail(f"the server log under {config.log_dir} never showed {count} records with {marker}")


def test_the_server_logs_connections_and_statements_as_csv(served: Served) -> None:
    settings = dict(
        admin(
            served,
            "select name, setting from pg_settings where name in ('logging_collector', 'log_destination', "
            "'log_connections', 'log_disconnections', 'log_statement', 'log_min_error_statement')",
        )
    )
    assert settings == {
        "logging_collector": "on",
        "log_destination": "csvlog",
        "log_connections": "on",
        "log_disconnections": "on",
        "log_statement": "all",
        "log_min_error_statement": "error",
    }
    assert list(served.config.log_dir.glob("*.csv"))
    assert served.report.audit_error is None and served.report.audit_rows is not None


def test_allowed_and_denied_reads_are_attributed(served: Served, monkeypatch: pytest.MonkeyPatch) -> None:
    marker = f"audit-{uuid.uuid4().hex[:10]}"
    pii = sorted(served.policy.models["marts.dim_customers"].pii_columns)[0]
    finance = login_session(served, "finance_demo")
    marketing = login_session(served, "marketing_demo")
    try:
        assert rows(finance, f"/* {marker} */ select count(*) from marts.fct_orders")[0][0] > 0
        denied(marketing, f"/* {marker} */ select count(*) from marts.fct_orders")
        denied(marketing, f"/* {marker} */ select {pii} from marts.dim_customers limit 1")
    finally:
        finance.close()
        marketing.close()
    wait_for_log(served.config, marker, 5)  # three statements, two errors repeating them

    target = served.manifest.parent
    monkeypatch.setenv("SALES_WAREHOUSE_SERVE_DIR", str(served.config.directory))
    monkeypatch.setenv("SALES_WAREHOUSE_SERVE_PORT", str(served.config.port))
    argv = [
        "audit",
        "load",
        "--project-dir",
        str(ROOT),
        "--db",
        str(served.warehouse),
        "--target-path",
        str(target),
    ]
    assert main(argv) == 0
    query = (
        "select login, role, event, action, relations, denied, sql_state from governance.access_log "
        f"where statement like '%{marker}%' and login <> 'postgres' order by log_time"
    )
    logged = admin(served, query)
    assert logged == [
        ("finance_demo", "finance", "statement", "read", ["marts.fct_orders"], False, None),
        ("marketing_demo", "marketing", "statement", "read", ["marts.fct_orders"], True, "42501"),
        ("marketing_demo", "marketing", "statement", "read", ["marts.dim_customers"], True, "42501"),
    ]
    events = admin(
        served,
        "select login, event, count(*) from governance.access_log where login in ('finance_demo', "
        "'marketing_demo') and event in ('connect', 'disconnect') group by 1, 2 order by 1, 2",
    )
    assert all(count >= 1 for _, _, count in events) and len(events) == 4

    assert main(argv) == 0  # a re-run adds none of the lines already loaded
    assert admin(served, query) == logged
    assert load_access_log(served.config, served.policy).rows >= 0


def test_only_analytics_engineer_reads_the_mart_and_apply_keeps_it(served: Served) -> None:
    load_access_log(served.config, served.policy)
    ae = login_session(served, "ae_demo")
    rep = login_session(served, "rep_demo")
    finance = login_session(served, "finance_demo")
    try:
        assert rows(ae, "select count(*) from governance.access_log")[0][0] > 0
        rows(ae, "select * from governance.personal_data_reads_last_month")
        assert rows(ae, "select count(*) from governance.unused_relations_30_days")[0][0] >= 0
        for session in (rep, finance):
            for relation in ("governance.access_log", "governance.personal_data_reads_last_month"):
                denied(session, f"select 1 from {relation}")
        denied(rep, "select * from governance.personal_data_reads(now() - interval '1 day', now())")
    finally:
        for session in (ae, rep, finance):
            session.close()
    assert apply(served.config, served.warehouse, ROOT, served.manifest) == []


def test_an_existing_cluster_gets_the_audit_settings_on_the_next_start(served: Served) -> None:
    config = served.config
    path = config.pgdata / "sales_warehouse.conf"
    current = server_files(config)["sales_warehouse.conf"]
    path.write_text(current.split("# Audit trail")[0])  # the settings before the audit trail
    admin(served, "select pg_reload_conf()")
    time.sleep(0.5)
    assert admin(served, "show log_statement") == [("none",)]
    assert "already running" in start(config)  # rewrites the settings and reloads
    deadline = time.monotonic() + 10
    while admin(served, "show log_statement") != [("all",)] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert path.read_text() == current
    assert admin(served, "show log_statement") == [("all",)]


def test_audit_load_without_a_log_folder_says_how_to_get_one(tmp_path: Path) -> None:
    from sales_warehouse.audit import AuditError, read_log_files

    with pytest.raises(AuditError, match="serve stop"):
        read_log_files(tmp_path / "missing")
