"""`sales-warehouse audit load` (see audit.py): the serving PostgreSQL's log into governance.access_log."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import duckdb
import psycopg2


def _audit_load(args: argparse.Namespace) -> int:
    from sales_warehouse.audit import AuditError, load_access_log
    from sales_warehouse.cli import _serve_setup, _serve_warehouse
    from sales_warehouse.encryption import EncryptionError, attach_file
    from sales_warehouse.policy import PolicyError, load_policy
    from sales_warehouse.publish import PublishError
    from sales_warehouse.serve import ServeError

    began = time.perf_counter()
    try:
        config, project = _serve_setup(args)
        warehouse, manifest = _serve_warehouse(args, project)
        if not warehouse.exists():
            raise ServeError(f"no published warehouse at {warehouse}: the policy's logins come from it")
        with duckdb.connect() as duck:
            attach_file(duck, warehouse, "warehouse", read_only=True, make_default=True)
            policy = load_policy(Path(project), duck, manifest)
        report = load_access_log(config, policy)
    except (AuditError, ServeError, PolicyError, PublishError, EncryptionError, psycopg2.Error) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        print(f"sales-warehouse audit load: error: {first}", file=sys.stderr)
        return 1
    print(
        f"Audit log: {report.records:,} new log records in {report.files} files, "
        f"{report.rows:,} rows added to governance.access_log in {time.perf_counter() - began:.1f}s "
        f"(from {config.log_dir})"
    )
    return 0


def add_audit_commands(commands: argparse._SubParsersAction) -> None:
    audit = commands.add_parser("audit", help="the serving PostgreSQL's audit trail (governance.access_log)")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    load = audit_commands.add_parser(
        "load", help="append the server's new log lines (connections, statements, denials) to the mart"
    )
    load.add_argument("--project-dir", default=None, help="dbt project (default: found from here upwards)")
    load.add_argument("--db", default=None, help="published DuckDB file (default $SALES_WAREHOUSE_DB)")
    load.add_argument(
        "--target-path", default=None, help="dbt target path of the manifest (default PROJECT/target)"
    )
    load.set_defaults(handler=_audit_load, serve_command="audit load")
