"""The audit trail of the serving PostgreSQL: who connected, what they ran, what was denied.

The server records it itself (serve.py's settings: log_connections, log_disconnections,
log_statement = 'all', csvlog under run/log; not a proxy). This module parses those CSV files
(PostgreSQL 15 csvlog columns) into access rows and loads them into the governance mart:

- `governance.access_log`: one row per connection, disconnection, failed login, statement or
  unmatched error: when, login, role (from the policy's logins), what statement, which served
  relations it names, read or not, denied (SQLSTATE 42501 / a rejected login) or not. Rows returned
  are not in PostgreSQL's log: `rows_returned` stays null.
- `governance.served_relations`: the served relations, their personal-data columns and readers.
- `governance.personal_data_reads(since, until)` and the view `personal_data_reads_last_month`:
  reads of relations with personal-data columns by logins whose role may read them.
- `governance.unused_relations(days)` and the view `unused_relations_30_days`: served relations no
  login read (successfully) in that many days.

Loading appends new log records only: `governance.access_log_files` remembers how many records of
each file are loaded, and (session_id, session_line) is unique, so a re-run adds nothing. The
relations are readable by analytics_engineer only (serve.AUDIT_READER; serve.desired_grants keeps
them, and revokes anyone else's).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import psycopg2.extensions

from sales_warehouse.policy import ROLES, Policy
from sales_warehouse.serve import (
    ADMIN,
    AUDIT_READER,
    GOVERNANCE,
    NO_PII,
    ServeConfig,
    admin_connection,
    ident,
    printable,
)

CSVLOG_COLUMNS = (
    "log_time", "user_name", "database_name", "process_id", "connection_from", "session_id",
    "session_line_num", "command_tag", "session_start_time", "virtual_transaction_id",
    "transaction_id", "error_severity", "sql_state_code", "message", "detail", "hint",
    "internal_query", "internal_query_pos", "context", "query", "query_pos", "location",
    "application_name", "backend_type", "leader_pid", "query_id",
)  # fmt: skip
INSUFFICIENT_PRIVILEGE = "42501"
ADMIN_ROLE = "admin"  # the role recorded for the superuser
ACCESS_LOG = f"{GOVERNANCE}.access_log"
LOG_FILES = f"{GOVERNANCE}.access_log_files"
SERVED_RELATIONS = f"{GOVERNANCE}.served_relations"
STATEMENT = re.compile(r"(?:statement|execute [^:]*): (.*)", re.DOTALL)
CONNECTED = re.compile(r"connection authorized: ")
DISCONNECTED = re.compile(r"disconnection: session time: ")
COMMENTS = re.compile(r"/\*.*?\*/|--[^\n]*", re.DOTALL)
RELATION = re.compile(r'(?<![\w$"])"?([A-Za-z_][\w$]*)"?\s*\.\s*"?([A-Za-z_][\w$]*)"?')
READ_WORDS = frozenset({"select", "with", "table", "values", "fetch", "declare", "explain"})
WRITE_WORDS = frozenset({"insert", "update", "delete", "merge", "truncate"})
DDL_WORDS = frozenset({"create", "alter", "drop", "grant", "revoke", "comment", "reindex", "vacuum"})


class AuditError(RuntimeError):
    """The audit log could not be read or loaded (the message says why)."""


@dataclass(frozen=True)
class AccessRow:
    log_time: datetime | str
    login: str | None
    role: str | None
    database: str | None
    event: str  # connect | disconnect | login_failed | statement | error
    statement: str | None = None
    action: str | None = None  # read | write | ddl | other (statements)
    relations: tuple[str, ...] = ()
    denied: bool = False
    sql_state: str | None = None
    error: str | None = None
    personal_data: bool = False  # the login's role may read personal data
    client: str | None = None
    application: str | None = None
    session_id: str = ""
    session_line: int = 0
    source_file: str | None = None
    rows_returned: int | None = None  # not in PostgreSQL's log


@dataclass(frozen=True)
class LoadReport:
    files: int
    records: int  # new log records read
    rows: int  # rows added to governance.access_log


# --------------------------------------------------------------------------------------------------
# Parsing (pure)


def parse_csvlog(text: str) -> list[dict[str, str]]:
    """The complete records of a csvlog file's text (a record still being written is left out)."""
    records = list(csv.reader(io.StringIO(text, newline="")))
    if records and not text.endswith("\n"):
        records.pop()
    return [dict(zip(CSVLOG_COLUMNS, record, strict=True)) for record in records if len(record) == 26]


def action_of(statement: str) -> str:
    """read, write, ddl or other, from the statement's first keyword."""
    words = COMMENTS.sub(" ", statement).strip().lstrip("(").split(None, 1)
    first = words[0].lower().rstrip(";") if words else ""
    if first in READ_WORDS:
        return "read"
    if first == "copy":
        return "read" if re.search(r"\bto\s+stdout\b", statement, re.IGNORECASE) else "write"
    if first in WRITE_WORDS:
        return "write"
    return "ddl" if first in DDL_WORDS else "other"


def relations_named(statement: str, served: Iterable[str]) -> tuple[str, ...]:
    """The served relations (and their `__no_pii` views) a statement names as schema.name."""
    known = {name.lower() for name in served}
    known |= {name + NO_PII for name in known}
    found = {f"{schema}.{name}".lower() for schema, name in RELATION.findall(COMMENTS.sub(" ", statement))}
    return tuple(sorted(found & known))


def roles_of(policy: Policy) -> dict[str, str]:
    """login -> role: the policy's demo logins, the group roles themselves, and the admin."""
    roles = {login.name: login.role for login in policy.logins}
    roles.update({role: role for role in ROLES})
    roles[ADMIN] = ADMIN_ROLE
    return roles


def classify(
    records: Iterable[Mapping[str, str]],
    roles: Mapping[str, str],
    pii_roles: Iterable[str],
    served: Iterable[str],
    source_file: str | None = None,
) -> list[AccessRow]:
    """Access rows from csvlog records of client sessions. An ERROR that follows its statement in the
    same session marks that statement (denied when SQLSTATE 42501); one without it stays a row."""
    pii_roles, served = frozenset(pii_roles), tuple(served)
    rows: list[AccessRow] = []
    last_statement: dict[str, int] = {}  # session -> index in rows
    for record in records:
        if record["backend_type"] != "client backend":
            continue
        login = record["user_name"] or None
        role = roles.get(login) if login else None
        base = AccessRow(
            log_time=record["log_time"],
            login=login,
            role=role,
            database=record["database_name"] or None,
            event="",
            personal_data=role is not None and (role in pii_roles or role == ADMIN_ROLE),
            client=record["connection_from"] or None,
            application=record["application_name"] or None,
            session_id=record["session_id"],
            session_line=int(record["session_line_num"] or 0),
            source_file=source_file,
        )
        severity, message, state = record["error_severity"], record["message"], record["sql_state_code"]
        statement = STATEMENT.match(message) if severity == "LOG" else None
        if statement:
            text = printable(statement[1])
            last_statement[base.session_id] = len(rows)
            rows.append(
                replace(
                    base,
                    event="statement",
                    statement=text,
                    action=action_of(text),
                    relations=relations_named(text, served),
                )
            )
        elif severity == "LOG" and CONNECTED.match(message):
            rows.append(replace(base, event="connect"))
        elif severity == "LOG" and DISCONNECTED.match(message):
            rows.append(replace(base, event="disconnect"))
        elif severity == "FATAL" and state.startswith("28"):  # invalid password / authorization
            rows.append(replace(base, event="login_failed", denied=True, sql_state=state, error=message))
        elif severity in ("ERROR", "FATAL"):
            denied = state == INSUFFICIENT_PRIVILEGE
            index = last_statement.pop(base.session_id, None)
            query = printable(record["query"]) if record["query"] else None
            if index is not None and (query is None or rows[index].statement == query):
                rows[index] = replace(rows[index], denied=denied, sql_state=state, error=message)
            else:
                rows.append(
                    replace(
                        base,
                        event="error",
                        statement=query,
                        action=action_of(query) if query else None,
                        relations=relations_named(query, served) if query else (),
                        denied=denied,
                        sql_state=state,
                        error=message,
                    )
                )
    return rows


# --------------------------------------------------------------------------------------------------
# The governance mart (SQL)


def mart_sql(schema: str = GOVERNANCE) -> list[str]:
    """The access-log tables, and the two questions as functions and views (in `schema`)."""
    s = ident(schema)
    return [
        f"create schema if not exists {s}",
        f"""create table if not exists {s}.access_log (
            log_time timestamptz not null, login text, role text, database text,
            event text not null, statement text, action text, relations text[] not null default '{{}}',
            denied boolean not null default false, sql_state text, error text,
            personal_data boolean not null default false, rows_returned bigint,
            client text, application text, session_id text not null, session_line integer not null,
            source_file text, loaded_at timestamptz not null default now(),
            unique (session_id, session_line))""",
        f"comment on column {s}.access_log.rows_returned is "
        "'not recorded: PostgreSQL''s statement log does not say how many rows a statement returned'",
        f"create index if not exists access_log_time on {s}.access_log (log_time)",
        f"""create table if not exists {s}.access_log_files (
            file text primary key, records integer not null, loaded_at timestamptz not null)""",
        f"""create table if not exists {s}.served_relations (
            relation text primary key, pii_columns text[] not null, readers text[] not null)""",
        f"""create or replace function {s}.personal_data_reads(since_at timestamptz, until_at timestamptz)
            returns table (login text, role text, relation text, reads bigint,
                           first_read timestamptz, last_read timestamptz)
            language sql stable as $$
            select a.login, a.role, r.name, count(*), min(a.log_time), max(a.log_time)
            from {s}.access_log a cross join lateral unnest(a.relations) as r(name)
            join {s}.served_relations s on s.relation = r.name
            where a.action = 'read' and not a.denied and a.personal_data
              and cardinality(s.pii_columns) > 0
              and a.log_time >= since_at and a.log_time < until_at
            group by a.login, a.role, r.name order by a.login, r.name $$""",
        f"""create or replace view {s}.personal_data_reads_last_month as
            select * from {s}.personal_data_reads(
                date_trunc('month', now()) - interval '1 month', date_trunc('month', now()))""",
        f"""create or replace function {s}.unused_relations(idle_days integer)
            returns table (relation text, readers text[], last_read timestamptz, log_since timestamptz)
            language sql stable as $$
            with reads as (
                select regexp_replace(r.name, '{NO_PII}$', '') as relation, max(a.log_time) as last_read
                from {s}.access_log a cross join lateral unnest(a.relations) as r(name)
                where a.action = 'read' and not a.denied and a.login is distinct from '{ADMIN}'
                group by 1)
            select s.relation, s.readers, reads.last_read,
                   (select min(log_time) from {s}.access_log)
            from {s}.served_relations s left join reads using (relation)
            where reads.last_read is null or reads.last_read < now() - make_interval(days => idle_days)
            order by s.relation $$""",
        f"""create or replace view {s}.unused_relations_30_days as
            select * from {s}.unused_relations(30)""",
    ]


def grants_sql(schema: str = GOVERNANCE, reader: str = AUDIT_READER) -> list[str]:
    """The reader's grants (the shape serve.desired_grants expects: owner-granted, no grant
    option); functions are not executable by PUBLIC."""
    s, r = ident(schema), ident(reader)
    statements = [f"grant usage on schema {s} to {r}"]
    for name in (
        "access_log",
        "served_relations",
        "personal_data_reads_last_month",
        "unused_relations_30_days",
    ):
        statements.append(f"grant select on {s}.{ident(name)} to {r}")
    for function in ("personal_data_reads(timestamptz, timestamptz)", "unused_relations(integer)"):
        statements.append(f"revoke all on function {s}.{function} from public")
        statements.append(f"grant execute on function {s}.{function} to {r}")
    return statements


def served_relation_rows(policy: Policy) -> list[tuple[str, list[str], list[str]]]:
    return [
        (model.relation, sorted(model.pii_columns), sorted(model.readers))
        for model in sorted(policy.models.values(), key=lambda model: model.relation)
    ]


_INSERT_COLUMNS = (
    "log_time", "login", "role", "database", "event", "statement", "action", "relations", "denied",
    "sql_state", "error", "personal_data", "rows_returned", "client", "application", "session_id",
    "session_line", "source_file",
)  # fmt: skip


def insert_rows(
    cursor: psycopg2.extensions.cursor, rows: Iterable[AccessRow], schema: str = GOVERNANCE
) -> int:
    """Append rows (a (session_id, session_line) already there is skipped); returns those added."""
    added = 0
    columns, values = ", ".join(_INSERT_COLUMNS), ", ".join(["%s"] * len(_INSERT_COLUMNS))
    sql = (
        f"insert into {ident(schema)}.access_log ({columns}) values ({values}) "
        "on conflict (session_id, session_line) do nothing"
    )
    for row in rows:
        row_values = [getattr(row, name) for name in _INSERT_COLUMNS]
        row_values[_INSERT_COLUMNS.index("relations")] = list(row.relations)
        cursor.execute(sql, row_values)
        added += cursor.rowcount
    return added


def load_records(
    cursor: psycopg2.extensions.cursor,
    files: Mapping[str, list[dict[str, str]]],
    policy: Policy,
    schema: str = GOVERNANCE,
) -> LoadReport:
    """Load the records not loaded yet of each file (name -> its complete records, in order)."""
    cursor.execute(f"select file, records from {ident(schema)}.access_log_files")
    done = dict(cursor.fetchall())
    roles, served = roles_of(policy), [model.relation for model in policy.models.values()]
    read = added = 0
    for name, records in sorted(files.items()):
        new = records[done.get(name, 0) :]
        if not new:
            continue
        read += len(new)
        added += insert_rows(cursor, classify(new, roles, policy.pii_roles, served, name), schema)
        cursor.execute(
            f"insert into {ident(schema)}.access_log_files values (%s, %s, now()) "
            "on conflict (file) do update set records = excluded.records, loaded_at = excluded.loaded_at",
            [name, len(records)],
        )
    cursor.execute(f"delete from {ident(schema)}.served_relations")
    for relation, pii, readers in served_relation_rows(policy):
        cursor.execute(
            f"insert into {ident(schema)}.served_relations values (%s, %s, %s)", [relation, pii, readers]
        )
    return LoadReport(len(files), read, added)


def read_log_files(log_dir: Path) -> dict[str, list[dict[str, str]]]:
    """Every csvlog file of the cluster: file name -> its complete records."""
    if not log_dir.is_dir():
        raise AuditError(
            f"no audit log at {log_dir}: the serving cluster logs there from its next start "
            "(`sales-warehouse serve stop`, then `serve start`)"
        )
    return {
        path.name: parse_csvlog(path.read_text(errors="replace")) for path in sorted(log_dir.glob("*.csv"))
    }


def load_access_log(config: ServeConfig, policy: Policy) -> LoadReport:
    """Append the cluster's new log records to governance.access_log (one transaction; idempotent)."""
    connection = admin_connection(config)
    try:
        with connection.cursor() as cursor:
            cursor.execute("set log_statement = 'none'")  # the load itself is not an access
            cursor.execute("select pg_advisory_xact_lock(7135003)")
            for statement in mart_sql():
                cursor.execute(statement)
            cursor.execute("select 1 from pg_roles where rolname = %s", [AUDIT_READER])
            if cursor.fetchone() is not None:
                for statement in grants_sql():
                    cursor.execute(statement)
            report = load_records(cursor, read_log_files(config.log_dir), policy)
        connection.commit()
        return report
    finally:
        connection.close()
