"""`sales-warehouse policy check|matrix` and `sales-warehouse extract`: the access-control policy
from the command line (see policy.py and extract.py)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from sales_warehouse import encryption
from sales_warehouse.policy import ROLES, PolicyError, access_matrix_markdown, load_policy
from sales_warehouse.publish import find_project_dir


def _project_dir(args: argparse.Namespace) -> Path:
    return Path(args.project_dir) if args.project_dir else find_project_dir()


def _published(args: argparse.Namespace) -> Path:
    return Path(args.db or os.environ.get("SALES_WAREHOUSE_DB", "data/warehouse.duckdb"))


def _policy(args: argparse.Namespace):  # noqa: ANN202 - Policy
    published = _published(args)
    if published.exists():
        with encryption.connect(str(published), read_only=True) as warehouse:
            return load_policy(_project_dir(args), warehouse)
    return load_policy(_project_dir(args))


def _policy_check(args: argparse.Namespace) -> int:
    try:
        policy = _policy(args)
    except PolicyError as error:
        print(f"sales-warehouse policy check: error: {error}", file=sys.stderr)
        return 1
    print(
        f"policy ok: {len(policy.models)} served relations, {len(ROLES)} roles, "
        f"{sum(model.row_scope is not None for model in policy.models.values())} row-scoped relations, "
        f"{len(policy.logins)} demo logins"
    )
    return 0


def _policy_matrix(args: argparse.Namespace) -> int:
    try:
        print(access_matrix_markdown(_policy(args)))
    except PolicyError as error:
        print(f"sales-warehouse policy matrix: error: {error}", file=sys.stderr)
        return 1
    return 0


def _extract(args: argparse.Namespace) -> int:
    from sales_warehouse.extract import write_extract

    out = Path(args.out)
    if out.exists() and not args.force:
        print(f"sales-warehouse extract: error: {out} exists; pass --force to replace it", file=sys.stderr)
        return 1
    try:
        extracted = write_extract(_published(args), out, args.role, args.login, _project_dir(args))
    except PolicyError as error:
        print(f"sales-warehouse extract: error: {error}", file=sys.stderr)
        return 1
    for item in extracted:
        print(f"{item.relation:<48} {item.columns:>3} columns {item.rows:>10,} rows")
    who = f"login {args.login}" if args.login else f"role {args.role}"
    print(f"Wrote {out}: {len(extracted)} relations that {who} may read.")
    return 0


def add_access_commands(commands: argparse._SubParsersAction) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--project-dir", default=None, help="dbt project (default: found from here upwards)")
    common.add_argument("--db", default=None, help="published DuckDB file (default $SALES_WAREHOUSE_DB)")

    policy = commands.add_parser("policy", help="the access-control policy: validate it, print its matrix")
    policy_commands = policy.add_subparsers(dest="policy_command", required=True)
    check = policy_commands.add_parser(
        "check", parents=[common], help="validate the policy (names and rules)"
    )
    check.set_defaults(handler=_policy_check)
    matrix = policy_commands.add_parser(
        "matrix", parents=[common], help="print the role x relation matrix (markdown, as in the README)"
    )
    matrix.set_defaults(handler=_policy_matrix)

    extract = commands.add_parser(
        "extract",
        parents=[common],
        help="write a DuckDB file holding only what a role (and login) may read, personal data left out",
    )
    extract.add_argument("--role", required=True, choices=ROLES)
    extract.add_argument("--login", default=None, help="demo login (required for row-scoped roles)")
    extract.add_argument("--out", required=True, help="extract file to write (.duckdb)")
    extract.add_argument("--force", action="store_true", help="replace --out if it exists")
    extract.set_defaults(handler=_extract)
