"""The serving PostgreSQL: a real server BI tools connect to, with real roles, grants and row-level
security, refreshed from the published DuckDB warehouse only.

Three parts:
- Cluster lifecycle (`start`, `stop`, `status`): a PostgreSQL 15 cluster under data/serving
  (SALES_WAREHOUSE_SERVE_DIR), listening on 127.0.0.1 only (SALES_WAREHOUSE_SERVE_PORT). Everyone
  logs in with a password (SCRAM) over TCP; the admin superuser `postgres` only over the unix
  socket (mode 0700, peer authentication). PostgreSQL refuses to run as root, so as root the server
  runs as the `postgres` OS user.
- Publishing (`publish`): DuckDB's postgres extension copies every served relation of the policy in
  bulk into a fresh `<schema>__loading` schema; only when all copied and their row counts match the
  warehouse, one transaction renames each old schema away, renames the new one in, drops the old
  and re-applies the policy before it commits. A BI session sees the old schemas or the new ones,
  never half of them; a failure leaves the old ones as they were.
- The policy in PostgreSQL (`plan_apply`, pure: policy + catalog state -> SQL statements, and
  `apply`, which reads the catalog and runs them): group roles, demo logins, schema USAGE, table
  grants, column grants that leave personal-data columns out (plus a `<model>__no_pii` view),
  row-level security through governance.login_scopes, and the revoke of everything else, PUBLIC
  included. Applying twice changes nothing; a grant added by hand is gone on the next apply.
- The audit trail: the server itself logs every connection, disconnection and statement as CSV
  under run/log (settings in sales_warehouse.conf, rewritten on `start`); sales_warehouse.audit
  loads it into governance.access_log at the end of each publish (AUDIT_READER reads it).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import pwd
import re
import secrets
import subprocess
import time
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import duckdb
import psycopg2
import psycopg2.errors

from sales_warehouse.encryption import EncryptionError, attach_file
from sales_warehouse.policy import ROLES, Policy, ServedModel, load_policy, login_scopes, scope_predicate

DATABASE = "sales_warehouse"
ADMIN = "postgres"
PUBLIC = "PUBLIC"
DEFAULT_PORT = 54329
DEFAULT_PG_BIN = Path("/usr/lib/postgresql/15/bin")
SERVER_OS_USER = "postgres"  # the OS user the server runs as when we are root
GOVERNANCE = "governance"
LOGIN_SCOPES = f"{GOVERNANCE}.login_scopes"
PUBLISH_LOG = f"{GOVERNANCE}.publish_log"
LOADING, REPLACED, NO_PII = "__loading", "__replaced", "__no_pii"
MANAGED = "sales-warehouse"  # prefix of the comment on every role the policy manages
QUAL_MARK = "sales-warehouse qual "  # + md5 of the policy's expression as PostgreSQL stores it
# The audit trail's relations (sales_warehouse.audit): granted to AUDIT_READER only, and like every
# grant the policy gives, anyone else's is revoked on the next apply.
AUDIT_READER = "analytics_engineer"
AUDIT_RELATIONS = tuple(
    f"{GOVERNANCE}.{name}"
    for name in (
        "access_log",
        "served_relations",
        "personal_data_reads_last_month",
        "unused_relations_30_days",
    )
)
APPLY_LOCK = 7_135_001  # advisory lock: one publish or apply at a time
# Every role the policy manages: no way around grants, no way to create anything.
ROLE_ATTRIBUTES = "NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT"


class ServeError(RuntimeError):
    """The serving database could not be started, published or secured (the message says why)."""


# --------------------------------------------------------------------------------------------------
# Configuration and cluster lifecycle


@dataclass(frozen=True)
class ServeConfig:
    directory: Path
    port: int = DEFAULT_PORT
    bin_dir: Path = DEFAULT_PG_BIN
    host: str = "127.0.0.1"
    database: str = DATABASE

    @property
    def pgdata(self) -> Path:
        return self.directory / "pgdata"

    @property
    def run_dir(self) -> Path:
        """Unix socket and server log (owned by the server's OS user, mode 0700)."""
        return self.directory / "run"

    @property
    def log_file(self) -> Path:
        return self.run_dir / "postgres.log"

    @property
    def log_dir(self) -> Path:
        """The audit trail: the server's CSV logs (logging_collector, one file per day or restart)."""
        return self.run_dir / "log"

    @property
    def logins_file(self) -> Path:
        return self.directory / "logins.json"

    def url(self, login: str, password: str) -> str:
        credentials = f"{quote(login, safe='')}:{quote(password, safe='')}"
        return f"postgresql://{credentials}@{self.host}:{self.port}/{self.database}"


def config_from_environment(project_dir: Path, environ: Mapping[str, str] = os.environ) -> ServeConfig:
    directory = Path(environ.get("SALES_WAREHOUSE_SERVE_DIR") or "data/serving")
    port = environ.get("SALES_WAREHOUSE_SERVE_PORT") or str(DEFAULT_PORT)
    if not port.isdigit() or not 1024 <= int(port) <= 65535:
        raise ServeError(f"SALES_WAREHOUSE_SERVE_PORT={port!r} is not a port number between 1024 and 65535")
    return ServeConfig(
        directory=(directory if directory.is_absolute() else project_dir / directory).resolve(),
        port=int(port),
        bin_dir=Path(environ.get("SALES_WAREHOUSE_PG_BIN") or DEFAULT_PG_BIN),
    )


def _server_user() -> str:
    return SERVER_OS_USER if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name


def _as_server(command: list[str]) -> list[str]:
    return ["runuser", "-u", SERVER_OS_USER, "--", *command] if os.geteuid() == 0 else command


def _run_server_tool(config: ServeConfig, tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(_as_server([str(config.bin_dir / tool), *args]), capture_output=True, text=True)


def _server_owned_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    user = pwd.getpwnam(_server_user())
    os.chown(path, user.pw_uid, user.pw_gid)
    path.chmod(0o700)


def _write_server_file(path: Path, text: str) -> None:
    path.write_text(text)
    user = pwd.getpwnam(_server_user())
    os.chown(path, user.pw_uid, user.pw_gid)
    path.chmod(0o600)


def server_files(config: ServeConfig) -> dict[str, str]:
    """pg_hba.conf, pg_ident.conf and the server settings this project runs with."""
    admins = sorted({_server_user(), pwd.getpwuid(os.geteuid()).pw_name})
    hba = f"""# Written by `sales-warehouse serve start`.
# The admin superuser only over the unix socket (mode 0700), as the OS users in pg_ident.conf.
local   all          {ADMIN:<10}                 peer map=admin
local   all          all                          reject
# Everyone else: a password (SCRAM) over loopback TCP, to the serving database only.
host    all          {ADMIN:<10}  127.0.0.1/32    reject
host    {config.database}  all         127.0.0.1/32    scram-sha-256
host    all          all         0.0.0.0/0       reject
host    all          all         ::/0            reject
"""
    ident = "".join(f"admin   {user:<12} {ADMIN}\n" for user in admins)
    settings = f"""# Written by `sales-warehouse serve start`; the port is given on the command line.
listen_addresses = '{config.host}'
unix_socket_directories = '{config.run_dir}'
unix_socket_permissions = 0700
password_encryption = 'scram-sha-256'
# A derived copy of the warehouse, republished in bulk: no replication, minimal WAL for the copy.
wal_level = minimal
max_wal_senders = 0
max_wal_size = '2GB'
log_lock_waits = on
# Audit trail (sales_warehouse.audit loads it into governance.access_log): every connection,
# disconnection and statement, as CSV under run/log. Permission-denied errors are logged as ERROR
# with their statement (log_min_error_statement = error, the default).
logging_collector = on
log_destination = 'csvlog'
log_directory = '{config.log_dir}'
log_filename = 'postgresql-%Y-%m-%d_%H%M%S.log'
log_file_mode = 0600
log_rotation_age = '1d'
log_rotation_size = '100MB'
log_connections = on
log_disconnections = on
log_statement = 'all'
log_min_error_statement = error
"""
    return {"pg_hba.conf": hba, "pg_ident.conf": ident, "sales_warehouse.conf": settings}


def _refresh_settings(config: ServeConfig) -> bool:
    """Rewrite sales_warehouse.conf when it differs from this version's, so an existing cluster
    gets new settings (the audit trail's) on its next start or reload. True when it changed."""
    path = config.pgdata / "sales_warehouse.conf"
    text = server_files(config)["sales_warehouse.conf"]
    if path.exists() and path.read_text() == text:
        return False
    _write_server_file(path, text)
    main = config.pgdata / "postgresql.conf"
    if "include 'sales_warehouse.conf'" not in main.read_text():
        with open(main, "a") as handle:
            handle.write("\ninclude 'sales_warehouse.conf'\n")
    return True


def initialise(config: ServeConfig) -> bool:
    """initdb once (False when the cluster exists already)."""
    if (config.pgdata / "PG_VERSION").exists():
        return False
    initdb = config.bin_dir / "initdb"
    if not initdb.exists():
        raise ServeError(
            f"{initdb} not found: install PostgreSQL 15 (`make setup-postgres`, i.e. "
            "apt-get install -y postgresql) or point SALES_WAREHOUSE_PG_BIN at its bin folder"
        )
    config.directory.mkdir(parents=True, exist_ok=True)
    for folder in (config.pgdata, config.run_dir):
        _server_owned_dir(folder)
    if os.geteuid() == 0:
        reachable = subprocess.run(["runuser", "-u", SERVER_OS_USER, "--", "test", "-w", str(config.pgdata)])
        if reachable.returncode != 0:
            raise ServeError(
                f"the OS user {SERVER_OS_USER} cannot reach {config.pgdata} (a parent folder is not "
                "searchable by others): set SALES_WAREHOUSE_SERVE_DIR to a folder it can reach"
            )
    result = _run_server_tool(
        config, "initdb", "-D", str(config.pgdata), "-U", ADMIN, "-E", "UTF8", "--no-locale",
        "--auth-local=peer", "--auth-host=scram-sha-256",
    )  # fmt: skip
    if result.returncode != 0:
        raise ServeError(f"initdb failed: {(result.stderr or result.stdout).strip()[-800:]}")
    for name, text in server_files(config).items():
        _write_server_file(config.pgdata / name, text)
    with open(config.pgdata / "postgresql.conf", "a") as handle:
        handle.write("\ninclude 'sales_warehouse.conf'\n")
    return True


@dataclass(frozen=True)
class ServerStatus:
    initialised: bool
    running: bool
    pid: int | None = None
    port: int | None = None


def server_status(config: ServeConfig) -> ServerStatus:
    if not (config.pgdata / "PG_VERSION").exists():
        return ServerStatus(False, False)
    result = _run_server_tool(config, "pg_ctl", "status", "-D", str(config.pgdata))
    if result.returncode != 0:
        return ServerStatus(True, False)
    lines = (config.pgdata / "postmaster.pid").read_text().splitlines()
    return ServerStatus(True, True, int(lines[0]), int(lines[3]))


def _log_tail(config: ServeConfig, lines: int = 8) -> str:
    if not config.log_file.exists():
        return ""
    return " | ".join(config.log_file.read_text(errors="replace").strip().splitlines()[-lines:])


def start(config: ServeConfig) -> str:
    """Initialise once, start (idempotent), and create the serving database."""
    created = initialise(config)
    status = server_status(config)
    if status.running and status.port != config.port:
        raise ServeError(
            f"the cluster in {config.pgdata} is already running on port {status.port}, not {config.port}: "
            "`sales-warehouse serve stop` first, or set SALES_WAREHOUSE_SERVE_PORT"
        )
    changed = _refresh_settings(config)
    if not status.running:
        _server_owned_dir(config.run_dir)
        result = _run_server_tool(
            config, "pg_ctl", "-D", str(config.pgdata), "-o", f"-p {config.port}",
            "-l", str(config.log_file), "-w", "-t", "60", "start",
        )  # fmt: skip
        if result.returncode != 0:
            raise ServeError(f"PostgreSQL did not start on port {config.port}: {_log_tail(config)}")
    connection = _connect(config, "postgres")
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("select 1 from pg_database where datname = %s", [config.database])
            if cursor.fetchone() is None:
                cursor.execute(f"create database {ident(config.database)}")
            if changed and status.running:
                cursor.execute("select pg_reload_conf()")
            cursor.execute("select setting from pg_settings where name = 'logging_collector'")
            collecting = cursor.fetchone()[0] == "on"
    finally:
        connection.close()
    state = "initialised and started" if created else ("already running" if status.running else "started")
    note = (
        ""
        if collecting
        else "; the audit log (logging_collector) starts with the next restart: "
        "`sales-warehouse serve stop` then `serve start`"
    )
    return (
        f"PostgreSQL {state}: {config.host}:{config.port}, database {config.database}, "
        f"data {config.pgdata}{note}"
    )


def stop(config: ServeConfig) -> bool:
    """Fast shutdown (sessions are disconnected); False when it was not running."""
    if not server_status(config).running:
        return False
    result = _run_server_tool(config, "pg_ctl", "-D", str(config.pgdata), "-m", "fast", "-w", "stop")
    if result.returncode != 0:
        raise ServeError(f"pg_ctl stop failed: {(result.stderr or result.stdout).strip()[-400:]}")
    return True


def _connect(config: ServeConfig, database: str | None = None) -> psycopg2.extensions.connection:
    try:
        return psycopg2.connect(
            host=str(config.run_dir),
            port=config.port,
            user=ADMIN,
            dbname=database or config.database,
            application_name="sales-warehouse serve",
        )
    except psycopg2.OperationalError as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ServeError(
            f"cannot reach the serving PostgreSQL on port {config.port} ({first}); "
            "start it with `sales-warehouse serve start` (or `make serve`)"
        ) from error


def admin_connection(config: ServeConfig) -> psycopg2.extensions.connection:
    """The superuser over the unix socket: the only connection that may write."""
    return _connect(config)


# --------------------------------------------------------------------------------------------------
# Demo login passwords


def login_passwords(
    config: ServeConfig, logins: Iterable[str], environ: Mapping[str, str] = os.environ
) -> dict[str, str]:
    """Each login's password: SALES_WAREHOUSE_SERVE_PASSWORD_<LOGIN> if set, else the one generated
    once into logins.json (mode 0600, under data/, never committed)."""
    stored: dict[str, str] = {}
    if config.logins_file.exists():
        config.logins_file.chmod(0o600)
        stored = json.loads(config.logins_file.read_text())
    passwords, changed = {}, False
    for name in logins:
        from_environment = environ.get(f"SALES_WAREHOUSE_SERVE_PASSWORD_{name.upper()}")
        if from_environment:
            passwords[name] = from_environment
            continue
        if name not in stored:
            stored[name], changed = secrets.token_urlsafe(18), True
        passwords[name] = stored[name]
    if changed:
        config.directory.mkdir(parents=True, exist_ok=True)
        partial = config.logins_file.with_name(config.logins_file.name + ".partial")
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump(stored, handle, indent=2, sort_keys=True)
        os.replace(partial, config.logins_file)
    return passwords


def scram_secret(password: str, salt: bytes | None = None, iterations: int = 4096) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores: the password itself never reaches the server."""
    salt = salt if salt is not None else os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    stored_key = hashlib.sha256(hmac.new(salted, b"Client Key", "sha256").digest()).digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()
    encoded = [base64.b64encode(value).decode() for value in (salt, stored_key, server_key)]
    return f"SCRAM-SHA-256${iterations}:{encoded[0]}${encoded[1]}:{encoded[2]}"


def scram_matches(secret: str | None, password: str) -> bool:
    match = re.fullmatch(r"SCRAM-SHA-256\$(\d+):([^$]+)\$[^:]+:.+", secret or "")
    if match is None:
        return False
    expected = scram_secret(password, base64.b64decode(match[2]), int(match[1]))
    return hmac.compare_digest(expected, secret or "")


# --------------------------------------------------------------------------------------------------
# Catalog state (what PostgreSQL holds now)


@dataclass(frozen=True)
class RoleState:
    login: bool
    attributes: frozenset[str]  # of SUPERUSER CREATEDB CREATEROLE REPLICATION BYPASSRLS NOINHERIT
    password: str | None = None
    comment: str | None = None


@dataclass(frozen=True)
class RelationState:
    kind: str  # pg_class.relkind: r table, v view, ...
    columns: tuple[str, ...]
    row_security: bool = False
    force_row_security: bool = False
    options: frozenset[str] = frozenset()


@dataclass(frozen=True)
class RowPolicyState:
    roles: frozenset[str]
    command: str  # r = SELECT, * = ALL, ...
    permissive: bool
    qual_md5: str
    comment: str | None


# A privilege held: (object, grantee, privilege, grantable, granted by the object's owner).
Grant = tuple[str, str, str, bool, bool]
ColumnGrant = tuple[str, str, str, str, bool, bool]  # (relation, column, grantee, privilege, ...)


@dataclass(frozen=True)
class Catalog:
    database: str
    roles: dict[str, RoleState] = field(default_factory=dict)
    memberships: frozenset[tuple[str, str]] = frozenset()  # (group, member)
    database_grants: frozenset[Grant] = frozenset()
    schemas: frozenset[str] = frozenset()
    schema_grants: frozenset[Grant] = frozenset()
    relations: dict[str, RelationState] = field(default_factory=dict)
    table_grants: frozenset[Grant] = frozenset()
    column_grants: frozenset[ColumnGrant] = frozenset()
    policies: dict[tuple[str, str], RowPolicyState] = field(default_factory=dict)
    # (owner, schema or "", object type r/S/f/T/n, grantee, privilege)
    default_grants: frozenset[tuple[str, str, str, str, str]] = frozenset()
    login_scopes: tuple[tuple[str, int | None, int | None, str | None], ...] | None = None


_USER_SCHEMAS = (
    "n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast') "
    "and n.nspname not like 'pg\\_temp\\_%' and n.nspname not like 'pg\\_toast\\_temp\\_%'"
)
_ROLE_NAME = "case when a.grantee = 0 then 'PUBLIC' else pg_get_userbyid(a.grantee) end"
CATALOG_QUERIES: dict[str, str] = {
    "roles": """
        select r.rolname, r.rolcanlogin, r.rolsuper, r.rolcreatedb, r.rolcreaterole, r.rolreplication,
               r.rolbypassrls, r.rolinherit, r.rolpassword, shobj_description(r.oid, 'pg_authid')
        from pg_authid r where r.rolname !~ '^pg_' and r.rolname <> current_user""",
    "memberships": """
        select g.rolname, m.rolname from pg_auth_members am
        join pg_roles g on g.oid = am.roleid join pg_roles m on m.oid = am.member""",
    "database_grants": f"""
        select d.datname, {_ROLE_NAME}, a.privilege_type, a.is_grantable, a.grantor = d.datdba
        from pg_database d, aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
        where d.datallowconn and a.grantee <> d.datdba""",
    "schemas": f"select n.nspname from pg_namespace n where {_USER_SCHEMAS}",
    "schema_grants": f"""
        select n.nspname, {_ROLE_NAME}, a.privilege_type, a.is_grantable, a.grantor = n.nspowner
        from pg_namespace n, aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a
        where {_USER_SCHEMAS} and a.grantee <> n.nspowner
          and a.grantee <> 'pg_database_owner'::regrole""",
    "relations": f"""
        select n.nspname || '.' || c.relname, c.relkind, c.relrowsecurity, c.relforcerowsecurity,
               coalesce(c.reloptions, '{{}}'),
               array(select attname from pg_attribute
                     where attrelid = c.oid and attnum > 0 and not attisdropped order by attnum)
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where {_USER_SCHEMAS} and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')""",
    "table_grants": f"""
        select n.nspname || '.' || c.relname, {_ROLE_NAME}, a.privilege_type, a.is_grantable,
               a.grantor = c.relowner
        from pg_class c join pg_namespace n on n.oid = c.relnamespace,
             aclexplode(coalesce(c.relacl, acldefault(
                 (case when c.relkind = 'S' then 's' else 'r' end)::"char", c.relowner))) a
        where {_USER_SCHEMAS} and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S') and a.grantee <> c.relowner""",
    "column_grants": f"""
        select n.nspname || '.' || c.relname, att.attname, {_ROLE_NAME}, a.privilege_type,
               a.is_grantable, a.grantor = c.relowner
        from pg_attribute att join pg_class c on c.oid = att.attrelid
        join pg_namespace n on n.oid = c.relnamespace, aclexplode(att.attacl) a
        where {_USER_SCHEMAS} and att.attacl is not null and a.grantee <> c.relowner""",
    "policies": f"""
        select n.nspname || '.' || c.relname, p.polname,
               array(select case when r = 0 then 'PUBLIC' else pg_get_userbyid(r) end
                     from unnest(p.polroles) r),
               p.polcmd, p.polpermissive, md5(coalesce(pg_get_expr(p.polqual, p.polrelid), '')),
               obj_description(p.oid, 'pg_policy')
        from pg_policy p join pg_class c on c.oid = p.polrelid join pg_namespace n on n.oid = c.relnamespace
        where {_USER_SCHEMAS}""",
    # Explicit default privileges of any role, and the built-in ones of the admin (PUBLIC may
    # execute every new function and use every new type unless revoked).
    "default_grants": f"""
        select pg_get_userbyid(d.defaclrole), coalesce(n.nspname, ''), d.defaclobjtype::text,
               {_ROLE_NAME}, a.privilege_type
        from pg_default_acl d left join pg_namespace n on n.oid = d.defaclnamespace,
             aclexplode(d.defaclacl) a
        where a.grantee <> d.defaclrole
        union
        select current_user, '', t.objtype, {_ROLE_NAME}, a.privilege_type
        from (values ('r', 'r'), ('S', 's'), ('f', 'f'), ('T', 'T'), ('n', 'n')) t(objtype, acltype),
             aclexplode(coalesce(
                 (select defaclacl from pg_default_acl
                  where defaclrole = current_user::regrole and defaclnamespace = 0
                    and defaclobjtype = t.objtype::"char"),
                 acldefault(t.acltype::"char", current_user::regrole))) a
        where a.grantee <> current_user::regrole""",
}


def read_catalog(cursor: psycopg2.extensions.cursor) -> Catalog:
    """What the connected database holds now (run as the admin)."""

    def rows(name: str) -> list[tuple]:
        cursor.execute(CATALOG_QUERIES[name])
        return cursor.fetchall()

    roles = {}
    for name, login, *flags, inherit, password, comment in rows("roles"):
        names = ("SUPERUSER", "CREATEDB", "CREATEROLE", "REPLICATION", "BYPASSRLS")
        attributes = {flag for flag, on in zip(names, flags, strict=True) if on}
        if not inherit:
            attributes.add("NOINHERIT")
        roles[name] = RoleState(login, frozenset(attributes), password, comment)
    cursor.execute("select current_database()")
    database = cursor.fetchone()[0]
    cursor.execute("select to_regclass(%s) is not null", [LOGIN_SCOPES])
    scopes = None
    if cursor.fetchone()[0]:
        cursor.execute(f"select login, sales_rep_id, team_id, region_code from {LOGIN_SCOPES}")
        scopes = tuple(sorted(cursor.fetchall(), key=_scope_key))
    return Catalog(
        database=database,
        roles=roles,
        memberships=frozenset(rows("memberships")),
        database_grants=frozenset(rows("database_grants")),
        schemas=frozenset(name for (name,) in rows("schemas")),
        schema_grants=frozenset(rows("schema_grants")),
        relations={
            name: RelationState(kind, tuple(columns), rls, force, frozenset(options))
            for name, kind, rls, force, options, columns in rows("relations")
        },
        table_grants=frozenset(rows("table_grants")),
        column_grants=frozenset(rows("column_grants")),
        policies={
            (relation, name): RowPolicyState(frozenset(roles_), command, permissive, qual, comment)
            for relation, name, roles_, command, permissive, qual, comment in rows("policies")
        },
        default_grants=frozenset(rows("default_grants")),
        login_scopes=scopes,
    )


# --------------------------------------------------------------------------------------------------
# The policy as SQL (pure)


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def qualified(relation: str) -> str:
    schema, name = relation.split(".", 1)
    return f"{ident(schema)}.{ident(name)}"


def literal(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def _grantee(name: str) -> str:
    return PUBLIC if name == PUBLIC else ident(name)


def _scope_key(row: tuple) -> tuple:
    return tuple((value is None, str(value)) for value in row)


def _is_staging(schema: str) -> bool:
    return re.search(f"({LOADING}|{REPLACED}_[0-9]+)$", schema) is not None


def no_pii_view(model: ServedModel) -> str:
    return f"{model.relation}{NO_PII}"


@dataclass(frozen=True)
class DesiredGrants:
    database: frozenset[Grant]
    schema: frozenset[Grant]
    table: frozenset[Grant]
    column: frozenset[ColumnGrant]


def desired_grants(policy: Policy, catalog: Catalog) -> DesiredGrants:
    """Every privilege the policy gives, on the relations PostgreSQL holds (owner-granted, no
    grant option). Roles without personal-data access get column grants that leave PII out."""
    table: set[Grant] = set()
    column: set[ColumnGrant] = set()
    schema: set[Grant] = set()
    for model in policy.models.values():
        relation = catalog.relations.get(model.relation)
        if relation is None:
            continue
        for role in model.readers:
            schema.add((model.schema, role, "USAGE", False, True))
            visible = policy.visible_columns(role, model)
            if model.pii_columns and role not in policy.pii_roles:
                column.update(
                    (model.relation, name, role, "SELECT", False, True)
                    for name in visible
                    if name in relation.columns
                )
            else:
                table.add((model.relation, role, "SELECT", False, True))
            if model.pii_columns:
                table.add((no_pii_view(model), role, "SELECT", False, True))
    for role in policy.scoped_roles:
        schema.add((GOVERNANCE, role, "USAGE", False, True))
        table.add((LOGIN_SCOPES, role, "SELECT", False, True))
    audit = [relation for relation in AUDIT_RELATIONS if relation in catalog.relations]
    if audit:  # the audit trail (sales_warehouse.audit): its reader only
        schema.add((GOVERNANCE, AUDIT_READER, "USAGE", False, True))
        table.update((relation, AUDIT_READER, "SELECT", False, True) for relation in audit)
    database = {(catalog.database, role, "CONNECT", False, True) for role in ROLES}
    schema = {grant for grant in schema if grant[0] in catalog.schemas or grant[0] == GOVERNANCE}
    return DesiredGrants(frozenset(database), frozenset(schema), frozenset(table), frozenset(column))


def _revokes(kind: str, actual: Iterable[Grant], desired: frozenset[Grant], skip: set[str]) -> list[str]:
    """REVOKE every privilege not in `desired`. Grants made by someone other than the owner go
    with the CASCADE of the owner's grant option they came from."""
    statements = []
    owned = sorted(grant for grant in set(actual) - desired if grant[4] and grant[0] not in skip)
    for name, grantee, privilege, grantable, _ in owned:
        target = qualified(name) if kind in ("TABLE",) else ident(name)
        kind_sql = "" if kind == "TABLE" else f"{kind.lower()} "
        if grantable and (name, grantee, privilege, False, True) in desired:
            statements.append(
                f"revoke grant option for {privilege.lower()} on {kind_sql}{target} "
                f"from {_grantee(grantee)} cascade"
            )
        else:
            statements.append(
                f"revoke {privilege.lower()} on {kind_sql}{target} from {_grantee(grantee)} cascade"
            )
    return statements


def _grants(kind: str, actual: Iterable[Grant], desired: frozenset[Grant], fresh: set[str]) -> list[str]:
    present = {grant for grant in actual if grant[0] not in fresh}
    statements = []
    for name, grantee, privilege, _, _ in sorted(desired - present):
        target = qualified(name) if kind == "TABLE" else ident(name)
        kind_sql = "" if kind == "TABLE" else f"{kind.lower()} "
        statements.append(f"grant {privilege.lower()} on {kind_sql}{target} to {_grantee(grantee)}")
    return statements


def _plan_roles(policy: Policy, catalog: Catalog, passwords: Mapping[str, str]) -> list[str]:
    statements = []
    wanted = {role: (False, f"{MANAGED}: group role {role}") for role in ROLES}
    wanted.update(
        {login.name: (True, f"{MANAGED}: demo login of role {login.role}") for login in policy.logins}
    )
    for name, (can_login, comment) in wanted.items():
        state = catalog.roles.get(name)
        password = passwords.get(name) if can_login else None
        login_sql = "LOGIN" if can_login else "NOLOGIN"
        if state is None:
            secret = f" PASSWORD {literal(scram_secret(password))}" if password else ""
            statements.append(f"create role {ident(name)} {login_sql} {ROLE_ATTRIBUTES}{secret}")
        else:
            if state.login != can_login or state.attributes:
                statements.append(f"alter role {ident(name)} {login_sql} {ROLE_ATTRIBUTES}")
            if can_login and password and not scram_matches(state.password, password):
                statements.append(f"alter role {ident(name)} password {literal(scram_secret(password))}")
            if not can_login and state.password is not None:
                statements.append(f"alter role {ident(name)} password null")
        if state is None or state.comment != comment:
            statements.append(f"comment on role {ident(name)} is {literal(comment)}")
    memberships = {(login.role, login.name) for login in policy.logins}
    for group, member in sorted(catalog.memberships - memberships):
        if group in wanted or member in wanted:
            statements.append(f"revoke {ident(group)} from {ident(member)} cascade")
    for group, member in sorted(memberships - catalog.memberships):
        statements.append(f"grant {ident(group)} to {ident(member)}")
    return statements


def _plan_stale_roles(policy: Policy, catalog: Catalog) -> list[str]:
    """Roles this project created once and the policy no longer names."""
    wanted = set(ROLES) | {login.name for login in policy.logins}
    statements = []
    for name, state in sorted(catalog.roles.items()):
        if name not in wanted and (state.comment or "").startswith(f"{MANAGED}:"):
            statements += [f"drop owned by {ident(name)} cascade", f"drop role {ident(name)}"]
    return statements


def _plan_governance(
    policy: Policy, scopes: Iterable[tuple[str, int | None, int | None, str | None]], catalog: Catalog
) -> list[str]:
    statements = []
    if GOVERNANCE not in catalog.schemas:
        statements.append(f"create schema {ident(GOVERNANCE)}")
    if catalog.login_scopes is None:
        statements.append(
            f"create table {qualified(LOGIN_SCOPES)} "
            "(login text not null, sales_rep_id bigint, team_id bigint, region_code text)"
        )
    rows = tuple(sorted(scopes, key=_scope_key))
    if rows != (catalog.login_scopes or ()):
        statements.append(f"delete from {qualified(LOGIN_SCOPES)}")
        if rows:
            values = ", ".join("(" + ", ".join(literal(value) for value in row) + ")" for row in rows)
            statements.append(f"insert into {qualified(LOGIN_SCOPES)} values {values}")
    return statements


def _plan_views(policy: Policy, catalog: Catalog) -> tuple[list[str], set[str]]:
    """The PII-free view of each model with personal-data columns (security_invoker: the reader's
    own grants and row-level security apply). Returns the statements and the views (re)created."""
    statements, fresh, wanted = [], set(), set()
    for model in sorted(policy.models.values(), key=lambda item: item.relation):
        base = catalog.relations.get(model.relation)
        if not model.pii_columns or base is None:
            continue
        view = no_pii_view(model)
        wanted.add(view)
        columns = tuple(
            name for name in model.columns if name not in model.pii_columns and name in base.columns
        )
        current = catalog.relations.get(view)
        if (
            current is not None
            and current.kind == "v"
            and current.columns == columns
            and "security_invoker=true" in current.options
        ):
            continue
        if current is not None:
            statements.append(f"drop {'view' if current.kind == 'v' else 'table'} {qualified(view)} cascade")
        select = ", ".join(ident(name) for name in columns)
        statements.append(
            f"create view {qualified(view)} with (security_invoker = true) as "
            f"select {select} from {qualified(model.relation)}"
        )
        fresh.add(view)
    for name, relation in sorted(catalog.relations.items()):
        schema = name.split(".", 1)[0]
        if relation.kind == "v" and name.endswith(NO_PII) and name not in wanted and not _is_staging(schema):
            statements.append(f"drop view {qualified(name)} cascade")
            fresh.add(name)
    return statements, fresh


def _predicate_relations(policy: Policy, model: ServedModel) -> set[str]:
    """The relations a model's row-scope predicate reads (through other models)."""
    relations: set[str] = set()
    scope = model.row_scope
    while (
        scope is not None
        and scope.through is not None
        and not any((scope.sales_rep_column, scope.team_column, scope.region_column))
    ):
        other = policy.by_name(scope.through[1])
        if other.relation in relations:
            break
        relations.add(other.relation)
        scope = other.row_scope
    return relations


def desired_row_policies(policy: Policy, catalog: Catalog) -> dict[tuple[str, str], tuple[str, str]]:
    """(relation, policy name) -> (role, predicate) for every row-scoped relation PostgreSQL holds:
    the scoped roles read their rows, the other readers every row. A predicate reading a relation
    that is not there yet is left out (its role then reads no rows: closed, not open)."""
    wanted: dict[tuple[str, str], tuple[str, str]] = {}

    def add(relation: str, role: str, predicate: str) -> None:
        digest = hashlib.sha1(predicate.encode()).hexdigest()[:8]
        wanted[(relation, f"sw_{role}_{digest}")] = (role, predicate)

    for model in policy.models.values():
        if model.row_scope is None or model.relation not in catalog.relations:
            continue
        if not _predicate_relations(policy, model) <= set(catalog.relations):
            continue
        for role in sorted(model.readers):
            predicate = scope_predicate(policy, model, role, LOGIN_SCOPES, "current_user")
            add(model.relation, role, predicate or "true")
    for role in policy.scoped_roles:
        add(LOGIN_SCOPES, role, "login = current_user")
    return wanted


def _plan_row_security(policy: Policy, catalog: Catalog, creating_scopes: bool) -> list[str]:
    wanted = desired_row_policies(policy, catalog)
    tables = {relation for relation, _ in wanted}
    statements = []
    relations = dict(catalog.relations)
    if creating_scopes:
        relations[LOGIN_SCOPES] = RelationState("r", ("login", "sales_rep_id", "team_id", "region_code"))
    for name, relation in sorted(relations.items()):
        if relation.kind not in ("r", "p") or _is_staging(name.split(".", 1)[0]):
            continue
        if relation.row_security != (name in tables):
            action = "enable" if name in tables else "disable"
            statements.append(f"alter table {qualified(name)} {action} row level security")
        if relation.force_row_security:
            statements.append(f"alter table {qualified(name)} no force row level security")
    for (relation, name), state in sorted(catalog.policies.items()):
        if _is_staging(relation.split(".", 1)[0]):
            continue
        role = wanted.get((relation, name), (None, None))[0]
        ok = (
            role is not None
            and state.roles == {role}
            and state.command == "r"
            and state.permissive
            and state.comment == QUAL_MARK + state.qual_md5
        )
        if not ok:
            statements.append(f"drop policy {ident(name)} on {qualified(relation)}")
        else:
            wanted.pop((relation, name))
    for (relation, name), (role, predicate) in sorted(wanted.items()):
        statements.append(
            f"create policy {ident(name)} on {qualified(relation)} as permissive for select "
            f"to {ident(role)} using ({predicate})"
        )
        # Remember the expression as PostgreSQL stored it: an ALTER POLICY by hand shows as drift.
        statements.append(
            "do $$ begin execute format('comment on policy %I on %s is %L', "
            f"{literal(name)}, {literal(qualified(relation))}, {literal(QUAL_MARK)} || "
            "(select md5(coalesce(pg_get_expr(polqual, polrelid), '')) from pg_policy "
            f"where polname = {literal(name)} and polrelid = {literal(qualified(relation))}::regclass)); "
            "end $$"
        )
    return statements


_DEFAULT_OBJECTS = {"r": "tables", "S": "sequences", "f": "functions", "T": "types", "n": "schemas"}


def _plan_default_privileges(catalog: Catalog) -> list[str]:
    """No default privileges for anyone: a relation created later is granted by the policy only."""
    statements = []
    for owner, schema, objtype, grantee, privilege in sorted(catalog.default_grants):
        where = f" in schema {ident(schema)}" if schema else ""
        statements.append(
            f"alter default privileges for role {ident(owner)}{where} revoke {privilege.lower()} "
            f"on {_DEFAULT_OBJECTS[objtype]} from {_grantee(grantee)} cascade"
        )
    return statements


def plan_apply(
    policy: Policy,
    scopes: Iterable[tuple[str, int | None, int | None, str | None]],
    catalog: Catalog,
    passwords: Mapping[str, str],
) -> list[str]:
    """The SQL that turns `catalog` into what the policy says, in order; [] when it already is.
    Pure apart from the random salt of a new password's SCRAM verifier."""
    statements = _plan_roles(policy, catalog, passwords)
    statements += _plan_governance(policy, scopes, catalog)
    views, fresh = _plan_views(policy, catalog)
    wanted = desired_grants(policy, catalog)
    statements += _revokes("DATABASE", catalog.database_grants, wanted.database, set())
    statements += _revokes("SCHEMA", catalog.schema_grants, wanted.schema, set())
    statements += _revokes("TABLE", catalog.table_grants, wanted.table, fresh)
    statements += _column_revokes(catalog.column_grants, wanted.column)
    statements += _plan_default_privileges(catalog)
    statements += views
    statements += _grants("DATABASE", catalog.database_grants, wanted.database, set())
    statements += _grants("SCHEMA", catalog.schema_grants, wanted.schema, set())
    statements += _grants("TABLE", catalog.table_grants, wanted.table, fresh)
    statements += _column_grants(catalog.column_grants, wanted.column)
    statements += _plan_row_security(policy, catalog, creating_scopes=catalog.login_scopes is None)
    statements += _plan_stale_roles(policy, catalog)
    return statements


def _column_revokes(actual: Iterable[ColumnGrant], desired: frozenset[ColumnGrant]) -> list[str]:
    grouped: dict[tuple[str, str, str, bool], list[str]] = {}
    for relation, column, grantee, privilege, grantable, by_owner in sorted(set(actual) - desired):
        if not by_owner:
            continue
        keep_privilege = grantable and (relation, column, grantee, privilege, False, True) in desired
        grouped.setdefault((relation, grantee, privilege, keep_privilege), []).append(column)
    statements = []
    for (relation, grantee, privilege, keep_privilege), columns in sorted(grouped.items()):
        option = "grant option for " if keep_privilege else ""
        listed = ", ".join(ident(column) for column in columns)
        statements.append(
            f"revoke {option}{privilege.lower()} ({listed}) on {qualified(relation)} "
            f"from {_grantee(grantee)} cascade"
        )
    return statements


def _column_grants(actual: Iterable[ColumnGrant], desired: frozenset[ColumnGrant]) -> list[str]:
    grouped: dict[tuple[str, str, str], list[str]] = {}
    for relation, column, grantee, privilege, _, _ in sorted(desired - set(actual)):
        grouped.setdefault((relation, grantee, privilege), []).append(column)
    return [
        f"grant {privilege.lower()} ({', '.join(ident(column) for column in columns)}) "
        f"on {qualified(relation)} to {_grantee(grantee)}"
        for (relation, grantee, privilege), columns in sorted(grouped.items())
    ]


def printable(statement: str) -> str:
    """A statement for logs: SCRAM verifiers masked."""
    return re.sub(r"'SCRAM-SHA-256\$[^']*'", "'SCRAM-SHA-256$…'", statement)


# --------------------------------------------------------------------------------------------------
# Applying and publishing


@contextmanager
def _warehouse(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB with the published warehouse attached read-only as `warehouse` (the
    default catalog, so the policy's queries read it); the serving database is attached later.
    PostgreSQL has no encryption at rest: an encrypted warehouse is served in clear from
    data/serving (owner-only folders), so put that folder on an encrypted volume if it matters."""
    if not warehouse.exists():
        raise ServeError(f"no published warehouse at {warehouse}: run `make build` first")
    connection = duckdb.connect()
    try:
        connection.execute("set enable_progress_bar = false")
        try:  # with SALES_WAREHOUSE_ENCRYPTION_KEY set, the encrypted file is opened with it
            attach_file(connection, warehouse, "warehouse", read_only=True, make_default=True)
        except EncryptionError as error:
            raise ServeError(str(error)) from None
        yield connection
    finally:
        connection.close()


def _policy_inputs(
    config: ServeConfig, duck: duckdb.DuckDBPyConnection, project_dir: Path, manifest_path: Path | None
) -> tuple[Policy, list[tuple[str, int | None, int | None, str | None]], dict[str, str]]:
    policy = load_policy(project_dir, duck, manifest_path)
    scopes = login_scopes(policy, duck)
    return policy, scopes, login_passwords(config, [login.name for login in policy.logins])


def _apply_in_transaction(
    cursor: psycopg2.extensions.cursor,
    policy: Policy,
    scopes: list[tuple[str, int | None, int | None, str | None]],
    passwords: Mapping[str, str],
    dry_run: bool = False,
) -> list[str]:
    statements = plan_apply(policy, scopes, read_catalog(cursor), passwords)
    if not dry_run:
        for statement in statements:
            try:
                cursor.execute(statement)
            except TRANSIENT:
                raise
            except psycopg2.Error as error:
                cause = str(error).strip().splitlines()[0]
                raise ServeError(
                    f"applying the policy failed at `{printable(statement)[:200]}`: {cause}"
                ) from error
    return statements


def apply(
    config: ServeConfig,
    warehouse: Path,
    project_dir: Path,
    manifest_path: Path | None = None,
    dry_run: bool = False,
) -> list[str]:
    """Bring the serving database's roles, grants and row-level security to the policy, in one
    transaction. Returns the statements run ([] when nothing had drifted)."""
    with _warehouse(warehouse) as duck:
        policy, scopes, passwords = _policy_inputs(config, duck, project_dir, manifest_path)
    connection = admin_connection(config)
    try:
        with connection.cursor() as cursor:
            cursor.execute("select pg_advisory_xact_lock(%s)", [APPLY_LOCK])
            statements = _apply_in_transaction(cursor, policy, scopes, passwords, dry_run)
        if dry_run:
            connection.rollback()
        else:
            connection.commit()
    finally:
        connection.close()
    return statements


@dataclass(frozen=True)
class CopiedTable:
    relation: str
    rows: int
    seconds: float


@dataclass(frozen=True)
class PublishReport:
    tables: tuple[CopiedTable, ...]
    copy_seconds: float
    swap_seconds: float
    apply_seconds: float
    statements: tuple[str, ...]
    logins: tuple[tuple[str, str], ...] = ()  # (login, role) of the policy's demo logins
    left_over: tuple[str, ...] = ()
    audit_rows: int | None = None  # access-log rows loaded after the publish (None: failed)
    audit_error: str | None = None

    @property
    def rows(self) -> int:
        return sum(table.rows for table in self.tables)


def _postgres_extension() -> str:
    import duckdb_extension_postgres_scanner as package

    found = sorted(Path(package.__file__).parent.glob(f"extensions/v{duckdb.__version__}/*.duckdb_extension"))
    if not found:
        raise ServeError(f"duckdb-extension-postgres-scanner has no build for DuckDB {duckdb.__version__}")
    return str(found[0])


def _select_list(model: ServedModel, types: Mapping[str, str]) -> str:
    """The model's columns, with the DuckDB types PostgreSQL has no match for cast to one it has."""
    items = []
    for column in model.columns:
        kind = types.get(column, "")
        cast = {"HUGEINT": "decimal(38, 0)", "UHUGEINT": "decimal(38, 0)", "UBIGINT": "decimal(20, 0)"}.get(
            kind
        )
        if kind.startswith("ENUM"):
            cast = "varchar"
        items.append(f"cast({ident(column)} as {cast}) as {ident(column)}" if cast else ident(column))
    return ", ".join(items)


def _drop_replaced(cursor: psycopg2.extensions.cursor, timeout: str = "5s") -> list[str]:
    """Drop the schemas earlier swaps replaced; one a BI session still reads from stays (it has no
    grants) until a later publish. Returns those left."""
    cursor.execute("select nspname from pg_namespace where nspname ~ %s", [f"{REPLACED}_[0-9]+$"])
    left = []
    for (schema,) in cursor.fetchall():
        try:
            cursor.execute(f"set lock_timeout = '{timeout}'")
            cursor.execute(f"drop schema {ident(schema)} cascade")
        except psycopg2.errors.LockNotAvailable:
            left.append(schema)
    return left


def _drop_staging(
    cursor: psycopg2.extensions.cursor, schemas: Iterable[str], suffixes: tuple[str, ...]
) -> None:
    for schema in schemas:
        for suffix in suffixes:
            cursor.execute(f"drop schema if exists {ident(schema + suffix)} cascade")


def scope_index_columns(policy: Policy) -> dict[str, tuple[str, ...]]:
    """relation -> the columns its row-level-security predicates look up (the scoping column, a
    `through` key on both sides): indexed, so a rep's query does not scan every row."""
    columns: dict[str, set[str]] = {}
    for model in policy.models.values():
        scope = model.row_scope
        if scope is None:
            continue
        first = scope.sales_rep_column or scope.team_column or scope.region_column
        if first:
            columns.setdefault(model.relation, set()).add(first)
        elif scope.through is not None:
            column, other_name, other_column = scope.through
            columns.setdefault(model.relation, set()).add(column)
            columns.setdefault(policy.by_name(other_name).relation, set()).add(other_column)
    return {relation: tuple(sorted(names)) for relation, names in columns.items()}


def _copy(
    duck: duckdb.DuckDBPyConnection,
    cursor: psycopg2.extensions.cursor,
    policy: Policy,
    models: list[ServedModel],
    workers: int,
) -> list[CopiedTable]:
    """Copy every model into its `<schema>__loading` schema (biggest first, `workers` at a time),
    index its row-scope columns, analyze it, and check each row count against the warehouse.
    Raises ServeError naming the table."""
    described = duck.execute(
        "select schema_name || '.' || table_name, column_name, data_type, estimated_size "
        "from duckdb_columns() join duckdb_tables() using (database_name, schema_name, table_name) "
        "where database_name = 'warehouse'"
    ).fetchall()
    types: dict[str, dict[str, str]] = {}
    sizes: dict[str, int] = {}
    for relation, column, kind, size in described:
        types.setdefault(relation, {})[column] = kind
        sizes[relation] = size
    for model in models:
        if model.relation not in types:
            raise ServeError(f"publish failed at {model.relation}: it is not in the published warehouse")
    ordered = sorted(models, key=lambda model: -sizes[model.relation])
    indexed = scope_index_columns(policy)

    def copy(model: ServedModel) -> CopiedTable:
        began = time.perf_counter()
        target = f"serving.{ident(model.schema + LOADING)}.{ident(model.name)}"
        source = f"warehouse.{qualified(model.relation)}"
        loaded = f"{ident(model.schema + LOADING)}.{ident(model.name)}"
        with duck.cursor() as worker:
            worker.execute(
                f"create table {target} as select {_select_list(model, types[model.relation])} from {source}"
            )
            for column in indexed.get(model.relation, ()):
                sql = f"create index on {loaded} ({ident(column)})"
                worker.execute(f"call postgres_execute('serving', {literal(sql)})")
            worker.execute(f"call postgres_execute('serving', {literal(f'analyze {loaded}')})")
            rows = worker.execute(f"select count(*) from {source}").fetchone()[0]
        return CopiedTable(model.relation, rows, time.perf_counter() - began)

    copied = []
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = {pool.submit(copy, model): model for model in ordered}
        try:
            for future, model in futures.items():
                try:
                    copied.append(future.result())
                except duckdb.Error as error:
                    cause = str(error).strip().splitlines()[0]
                    raise ServeError(f"publish failed copying {model.relation}: {cause}") from error
        finally:
            for future in futures:
                future.cancel()
    for table in copied:
        schema, name = table.relation.split(".", 1)
        cursor.execute(f"select count(*) from {ident(schema + LOADING)}.{ident(name)}")
        served = cursor.fetchone()[0]
        if served != table.rows:
            raise ServeError(
                f"publish failed at {table.relation}: {served} rows arrived in PostgreSQL, "
                f"the warehouse has {table.rows}"
            )
    return copied


def publish(
    config: ServeConfig,
    warehouse: Path,
    project_dir: Path,
    manifest_path: Path | None = None,
    workers: int = 2,
) -> PublishReport:
    """Copy the policy's relations from the published warehouse and swap them in atomically, then
    apply the policy in the same transaction. On failure the serving schemas are unchanged."""
    began = time.perf_counter()
    with _warehouse(warehouse) as duck:
        policy, scopes, passwords = _policy_inputs(config, duck, project_dir, manifest_path)
        models = sorted(policy.models.values(), key=lambda model: model.relation)
        schemas = sorted({model.schema for model in models})
        connection = admin_connection(config)
        connection.autocommit = True
        cursor = connection.cursor()
        try:
            cursor.execute("set lock_timeout = '60s'")
            cursor.execute("select pg_try_advisory_lock(%s)", [APPLY_LOCK + 1])
            if not cursor.fetchone()[0]:
                raise ServeError("another publish into the serving database is running")
            _drop_staging(cursor, schemas, (LOADING,))
            _drop_replaced(cursor)
            for schema in schemas:
                cursor.execute(f"create schema {ident(schema + LOADING)}")
            duck.execute(f"load {literal(_postgres_extension())}")
            dsn = f"host={config.run_dir} port={config.port} user={ADMIN} dbname={config.database}"
            duck.execute(f"attach {literal(dsn)} as serving (type postgres)")
            try:
                copied = _copy(duck, cursor, policy, models, workers)
            except BaseException:
                duck.execute("detach serving")  # its connections go first: they may hold locks
                _drop_staging(cursor, schemas, (LOADING,))
                raise
            duck.execute("detach serving")
            copy_seconds = time.perf_counter() - began
            swap_began = time.perf_counter()
            statements, apply_seconds, left_over = _swap_in(
                connection, schemas, policy, scopes, passwords, warehouse, copied
            )
        finally:
            cursor.close()
            connection.close()
    swap_seconds = time.perf_counter() - swap_began - apply_seconds
    from sales_warehouse.audit import AuditError, load_access_log

    audit_rows, audit_error = None, None
    try:  # the serving copy is published; a failed audit load is reported, not a failed publish
        audit_rows = load_access_log(config, policy).rows
    except (AuditError, ServeError, psycopg2.Error) as error:
        audit_error = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return PublishReport(
        tuple(copied),
        copy_seconds,
        swap_seconds,
        apply_seconds,
        tuple(statements),
        tuple((login.name, login.role) for login in policy.logins),
        tuple(left_over),
        audit_rows,
        audit_error,
    )


SWAP_ATTEMPTS = 3
# Lock conflicts worth another try: autovacuum starts on freshly loaded tables while the swap
# takes them over; the rolled-back attempt left everything as it was.
TRANSIENT = (psycopg2.errors.DeadlockDetected, psycopg2.errors.LockNotAvailable)


def _swap_in(
    connection: psycopg2.extensions.connection,
    schemas: list[str],
    policy: Policy,
    scopes: list[tuple[str, int | None, int | None, str | None]],
    passwords: Mapping[str, str],
    warehouse: Path,
    copied: list[CopiedTable],
) -> tuple[list[str], float, list[str]]:
    """Swap the loaded schemas in (one transaction, retried on a lock conflict); drop what an
    open BI session kept alive after the commit. On failure the loaded schemas are dropped."""
    connection.autocommit = False
    for attempt in range(1, SWAP_ATTEMPTS + 1):
        try:
            with connection.cursor() as cursor:
                statements, apply_seconds, left_over = _swap_transaction(
                    cursor, schemas, policy, scopes, passwords, warehouse, copied
                )
            connection.commit()
            break
        except BaseException as error:
            connection.rollback()
            if isinstance(error, TRANSIENT) and attempt < SWAP_ATTEMPTS:
                time.sleep(attempt)
                continue
            connection.autocommit = True
            with connection.cursor() as cursor:
                _drop_staging(cursor, schemas, (LOADING,))
            if isinstance(error, TRANSIENT):
                cause = str(error).strip().splitlines()[0]
                raise ServeError(
                    f"swapping in {', '.join(schemas)} failed {attempt} times ({cause}); "
                    "the serving schemas are unchanged"
                ) from error
            raise
    connection.autocommit = True
    if left_over:
        with connection.cursor() as cursor:
            left_over = _drop_replaced(cursor)
    return statements, apply_seconds, left_over


def _swap_transaction(
    cursor: psycopg2.extensions.cursor,
    schemas: list[str],
    policy: Policy,
    scopes: list[tuple[str, int | None, int | None, str | None]],
    passwords: Mapping[str, str],
    warehouse: Path,
    copied: list[CopiedTable],
) -> tuple[list[str], float, list[str]]:
    """Old schemas renamed away, loaded ones renamed in, old ones dropped, the policy applied, the
    publish logged. An old schema a BI session still holds a lock on is left as
    `<schema>__replaced_<n>` (the policy revokes its grants) and dropped after the commit."""
    cursor.execute("set local lock_timeout = '10s'")
    cursor.execute("select pg_advisory_xact_lock(%s)", [APPLY_LOCK])
    cursor.execute("select nspname from pg_namespace where nspname = any(%s)", [schemas])
    existing = {name for (name,) in cursor.fetchall()}
    replaced = {schema: f"{schema}{REPLACED}_{time.time_ns()}" for schema in sorted(existing)}
    for schema in schemas:
        if schema in replaced:
            cursor.execute(f"alter schema {ident(schema)} rename to {ident(replaced[schema])}")
        cursor.execute(f"alter schema {ident(schema + LOADING)} rename to {ident(schema)}")
    left_over = []
    for old in replaced.values():
        cursor.execute("savepoint drop_replaced")
        cursor.execute("set local lock_timeout = '2s'")
        try:
            cursor.execute(f"drop schema {ident(old)} cascade")
            cursor.execute("release savepoint drop_replaced")
        except psycopg2.errors.LockNotAvailable:
            cursor.execute("rollback to savepoint drop_replaced")
            left_over.append(old)
    applying = time.perf_counter()
    statements = _apply_in_transaction(cursor, policy, scopes, passwords)
    apply_seconds = time.perf_counter() - applying
    cursor.execute(
        f"create table if not exists {qualified(PUBLISH_LOG)} (published_at timestamptz not null "
        "default now(), warehouse text, schemas text, relations integer, rows bigint, "
        "policy_statements integer)"
    )
    cursor.execute(
        f"insert into {qualified(PUBLISH_LOG)} "
        "(warehouse, schemas, relations, rows, policy_statements) values (%s, %s, %s, %s, %s)",
        [str(warehouse), ",".join(schemas), len(copied), sum(t.rows for t in copied), len(statements)],
    )
    return statements, apply_seconds, left_over


@dataclass(frozen=True)
class ServedSummary:
    relations: dict[str, int]  # schema -> relations
    last_publish: tuple | None


def served_summary(config: ServeConfig) -> ServedSummary:
    connection = admin_connection(config)
    try:
        cursor = connection.cursor()
        cursor.execute(
            "select table_schema, count(*) from information_schema.tables "
            "where table_schema not in ('pg_catalog', 'information_schema') group by 1 order by 1"
        )
        relations = dict(cursor.fetchall())
        cursor.execute("select to_regclass(%s) is not null", [PUBLISH_LOG])
        last = None
        if cursor.fetchone()[0]:
            cursor.execute(
                f"select published_at, warehouse, relations, rows from {qualified(PUBLISH_LOG)} "
                "order by published_at desc limit 1"
            )
            last = cursor.fetchone()
    finally:
        connection.close()
    return ServedSummary(relations, last)


def connection_strings(config: ServeConfig, logins: Iterable[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(login, role, postgresql:// URL) of each demo login."""
    logins = list(logins)
    passwords = login_passwords(config, [name for name, _ in logins])
    return [(name, role, config.url(name, passwords[name])) for name, role in logins]
