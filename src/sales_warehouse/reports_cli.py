"""`sales-warehouse reports build`: the report pages of reports/ as a static site (see reports/)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def _reports_build(args: argparse.Namespace) -> int:
    from sales_warehouse.policy import PolicyError
    from sales_warehouse.publish import PublishError, find_project_dir
    from sales_warehouse.reports import ReportError, SiteOptions, build_site

    if args.login and not args.role:
        print("sales-warehouse reports build: error: --login needs --role", file=sys.stderr)
        return 2
    try:
        project = find_project_dir(Path(args.project_dir) if args.project_dir else None)
    except PublishError as error:
        print(f"sales-warehouse reports build: error: {error}", file=sys.stderr)
        return 1
    db = Path(args.db or os.environ.get("SALES_WAREHOUSE_DB") or "data/warehouse.duckdb")
    options = SiteOptions(
        reports_dir=Path(args.reports_dir) if args.reports_dir else project / "reports",
        out=Path(args.out) if args.out else project / "target" / "reports",
        db=db if db.is_absolute() else project / db,
        project_dir=project,
        target_path=Path(args.target_path) if args.target_path else project / "target",
        role=args.role,
        login=args.login,
    )
    try:
        report = build_site(options)
    except (ReportError, PolicyError, FileNotFoundError) as error:
        print(f"sales-warehouse reports build: error: {error}", file=sys.stderr)
        return 1
    for page, why in report.left_out:
        print(f"left out {page}: {why}")
    print(
        f"Wrote {len(report.pages)} pages ({report.queries} queries) to {report.out} "
        f"in {report.seconds:.1f}s; "
        f"open {report.out / 'index.html'}"
    )
    return 0


def add_reports_commands(commands: argparse._SubParsersAction) -> None:
    from sales_warehouse.policy import ROLES

    reports = commands.add_parser(
        "reports", help="report pages: build the static site (reports/ -> target/reports)"
    )
    report_commands = reports.add_subparsers(dest="reports_command", required=True)
    build = report_commands.add_parser(
        "build", help="render every page of reports/ into plain HTML that opens from file:// (no network)"
    )
    build.add_argument("--out", default=None, help="site folder (default PROJECT/target/reports)")
    build.add_argument("--db", default=None, help="published DuckDB file (default $SALES_WAREHOUSE_DB)")
    build.add_argument("--role", default=None, choices=ROLES, help="build only what this role may read")
    build.add_argument("--login", default=None, help="demo login of a row-scoped role (its rows only)")
    build.add_argument("--project-dir", default=None, help="dbt project (default: found from here upwards)")
    build.add_argument("--reports-dir", default=None, help="pages folder (default PROJECT/reports)")
    build.add_argument(
        "--target-path", default=None, help="dbt target path with manifest.json and semantic_manifest.json"
    )
    build.set_defaults(handler=_reports_build)
