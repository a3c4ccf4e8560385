"""Per-role extracts: a DuckDB file holding only what one role (and login) may read.

DuckDB has no privilege system, and a view in the admin file is not a security boundary: whoever
can open the file can read every table in it. The embedded answer is physical. `extract` copies
from the published warehouse, into a new file, only the relations the policy lets the role read
(sales_warehouse.policy), only their columns the role may see (personal-data columns left out for
roles without personal-data access) and, for row-scoped roles, only the login's rows. The file is
written next to its destination and moved into place only when complete.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sales_warehouse import encryption
from sales_warehouse.policy import Policy, PolicyError, check_role, load_policy, login_scopes, scope_predicate

SOURCE = "published"
EXTRACT_INFO = "meta.extract_info"


@dataclass(frozen=True)
class ExtractedRelation:
    relation: str
    columns: int
    rows: int


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def extract_statements(
    policy: Policy, role: str, login: str | None, scopes_relation: str = "login_scopes"
) -> list[tuple[str, str]]:
    """(relation, CREATE TABLE statement) for each relation the role (and login) may read, reading
    the published warehouse attached as SOURCE. Pure: the tests check the SQL itself too."""
    check_role(role)
    if role in policy.scoped_roles and login is None:
        names = ", ".join(item.name for item in policy.logins if item.role == role) or "none"
        raise PolicyError(
            f"role {role} is row-scoped ({policy.scoped_roles[role]}): name a login with --login "
            f"(logins of this role: {names})"
        )
    if login is not None and policy.login(login).role != role:
        raise PolicyError(f"login {login} has role {policy.login(login).role}, not {role}")
    user = "'" + (login or "").replace("'", "''") + "'"
    sources = {model.relation: f"{SOURCE}.{model.relation}" for model in policy.models.values()}
    statements = []
    for model in policy.readable(role):
        columns = ", ".join(_quoted(column) for column in policy.visible_columns(role, model))
        predicate = scope_predicate(policy, model, role, scopes_relation, user, sources)
        where = f" where {predicate}" if predicate else ""
        statements.append(
            (
                model.relation,
                f"create table {model.schema}.{model.name} as "
                f"select {columns} from {sources[model.relation]}{where}",
            )
        )
    return statements


def write_extract(
    published: Path,
    out: Path,
    role: str,
    login: str | None,
    project_dir: Path,
    manifest_path: Path | None = None,
) -> list[ExtractedRelation]:
    """Write the extract of `role` (and `login`) to `out` atomically; return what it holds."""
    if not published.exists():
        raise PolicyError(f"no published warehouse at {published}: run `make build` first")
    with encryption.connect(str(published), read_only=True) as warehouse:
        policy = load_policy(project_dir, warehouse, manifest_path)
        scopes = login_scopes(policy, warehouse) if role in policy.scoped_roles else []
    statements = extract_statements(policy, role, login)
    partial = out.with_name(out.name + ".partial")
    partial.unlink(missing_ok=True)
    extracted = []
    try:
        with encryption.connect(str(partial)) as connection:
            encryption.attach_file(connection, published, SOURCE, read_only=True)
            connection.execute(
                "create temp table login_scopes "
                "(login varchar, sales_rep_id bigint, team_id bigint, region_code varchar)"
            )
            if scopes:
                connection.executemany("insert into login_scopes values (?, ?, ?, ?)", scopes)
            for schema in sorted({relation.split(".")[0] for relation, _ in statements} | {"meta"}):
                connection.execute(f"create schema if not exists {schema}")
            for relation, statement in statements:
                connection.execute(statement)
                rows = connection.execute(f"select count(*) from {relation}").fetchone()[0]
                columns = len(connection.execute(f"describe {relation}").fetchall())
                extracted.append(ExtractedRelation(relation, columns, rows))
            connection.execute(
                f"create table {EXTRACT_INFO} as "
                "select ? as role, ? as login, ? as extracted_at, ? as source",
                [role, login, datetime.now(UTC).replace(tzinfo=None), str(published)],
            )
            connection.execute(f"detach {SOURCE}")
            connection.execute("checkpoint")
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
        partial.with_name(partial.name + ".wal").unlink(missing_ok=True)
    return extracted
