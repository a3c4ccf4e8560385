"""`sales-warehouse` command line."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from sales_warehouse.contract import DOMAINS

DEMO_START = "2023-01-01"
DEMO_END = "2025-12-31"


def _generate(args: argparse.Namespace) -> int:
    if args.profile == "real-export":
        return _generate_real_export(args)
    from sales_warehouse.generator import GeneratorConfig, generate, parse_date

    if args.variant is not None:
        print(
            "sales-warehouse generate: error: --variant applies to --profile real-export only",
            file=sys.stderr,
        )
        return 2
    try:
        domains = tuple(
            item.strip() for item in (args.domains or ",".join(DOMAINS)).split(",") if item.strip()
        )
        config = GeneratorConfig(
            scale=1.0 if args.scale is None else args.scale,
            seed=args.seed,
            start=parse_date(args.start or DEMO_START),
            end=parse_date(args.end or DEMO_END),
            defect_rate=0.01 if args.defect_rate is None else args.defect_rate,
            domains=domains,
        )
    except ValueError as error:
        print(f"sales-warehouse generate: error: {error}", file=sys.stderr)
        return 2
    began = time.perf_counter()
    manifest = generate(config, Path(args.out))
    _print_generated(args.out, manifest, time.perf_counter() - began)
    return 0


def _generate_real_export(args: argparse.Namespace) -> int:
    from sales_warehouse.generator import parse_date
    from sales_warehouse.real_exports import ALLOWED_DOMAINS, RealExportConfig, generate_real_export

    fixed = [name for name in ("scale", "defect_rate") if getattr(args, name) is not None]
    if fixed:
        flags = ", ".join("--" + name.replace("_", "-") for name in fixed)
        print(f"sales-warehouse generate: error: {flags} not used by --profile real-export", file=sys.stderr)
        return 2
    defaults = RealExportConfig()
    try:
        domains = tuple(
            item.strip() for item in (args.domains or ",".join(ALLOWED_DOMAINS)).split(",") if item.strip()
        )
        config = RealExportConfig(
            seed=args.seed,
            start=parse_date(args.start) if args.start else defaults.start,
            end=parse_date(args.end) if args.end else defaults.end,
            variant=args.variant or defaults.variant,
            domains=domains,
        )
    except ValueError as error:
        print(f"sales-warehouse generate: error: {error}", file=sys.stderr)
        return 2
    began = time.perf_counter()
    manifest = generate_real_export(config, Path(args.out))
    _print_generated(args.out, manifest, time.perf_counter() - began)
    print(f"build with: dbt build --vars '{json.dumps(manifest['dbt_vars'])}'")
    return 0


def _print_generated(out: str, manifest: dict[str, object], seconds: float) -> None:
    counts = manifest["row_counts"]
    assert isinstance(counts, dict)
    summary = ", ".join(f"{name} {count:,}" for name, count in counts.items())
    print(f"generated {out} in {seconds:.1f}s: {summary}")


def _contract(args: argparse.Namespace) -> int:
    from sales_warehouse.sources_yaml import write_sources_yaml

    for path in write_sources_yaml(Path(args.models_dir)):
        print(f"wrote {path}")
    return 0


def _split(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def _paths(args: argparse.Namespace, for_writing: bool = False) -> tuple[Path, Path, Path]:
    """Project, DuckDB file and target path. Reads go to the published warehouse; writes (metric
    exports) to the candidate being built ($SALES_WAREHOUSE_BUILD_DB), never to what users read."""
    from sales_warehouse.publish import warehouse_paths

    project = Path(args.project_dir).resolve()
    published = Path(os.environ.get("SALES_WAREHOUSE_DB", "data/warehouse.duckdb"))
    default = published
    if for_writing:
        default = Path(os.environ.get("SALES_WAREHOUSE_BUILD_DB") or warehouse_paths(published).candidate)
    db = Path(args.db or default).resolve()
    target = Path(args.target_path).resolve() if args.target_path else project / "target"
    return project, db, target


def _publish_environment(project: Path) -> tuple[Path, dict[str, str]]:
    """The published path and the environment of a build: relative paths belong to the project."""
    environment = dict(os.environ)
    for name, default in (
        ("SALES_WAREHOUSE_DB", "data/warehouse.duckdb"),
        ("SALES_WAREHOUSE_RAW", "data/raw"),
    ):
        value = Path(environment.get(name) or default)
        environment[name] = str(value if value.is_absolute() else project / value)
    environment["SALES_WAREHOUSE_PUBLISHING"] = "1"
    return Path(environment["SALES_WAREHOUSE_DB"]), environment


def _build(args: argparse.Namespace) -> int:
    from sales_warehouse.publish import (
        PublishError,
        Step,
        build_and_publish,
        default_steps,
        failure_line,
        find_project_dir,
        warehouse_paths,
    )

    try:
        project = find_project_dir(Path(args.project_dir) if args.project_dir else None)
    except PublishError as error:
        print(f"sales-warehouse {args.command}: error: {error}", file=sys.stderr)
        return 1
    published, environment = _publish_environment(project)
    if args.db:
        published = Path(args.db).resolve()
        environment["SALES_WAREHOUSE_DB"] = str(published)
    dbt_args = [item for item in args.dbt_args if item != "--"]

    def plan(paths: object) -> list[Step]:
        steps = default_steps(project, warehouse_paths(published).candidate, dbt_args, args.unit_tests)
        return steps if args.command == "build" else steps[1:]

    try:
        paths = build_and_publish(
            published,
            project,
            plan,
            environment,
            prepare=args.command == "build",
            # dbt arguments (a selection, say) build part of the warehouse: the rest must stay.
            whole_copy=bool(dbt_args),
        )
    except PublishError as error:
        print(failure_line(warehouse_paths(published), error), file=sys.stderr)
        return 1
    print(f"Published {paths.published}: every model, test, Python model and metric export passed.")
    return 0


def _metrics_export(args: argparse.Namespace) -> int:
    from sales_warehouse.metrics import (
        SavedQueryExportError,
        SemanticLayerError,
        export_saved_queries,
        semantic_manifest_path,
    )

    project, db, target = _paths(args, for_writing=True)
    failures: list[tuple[str, str]] = []
    try:
        results = export_saved_queries(
            db,
            semantic_manifest_path(project, target),
            project,
            target / "metric_exports",
            _split(args.saved_query) or None,
        )
    except SavedQueryExportError as error:
        results = error.results
        failures = [(item.saved_query, item.error) for item in error.failures]
    except SemanticLayerError as error:
        print(f"sales-warehouse metrics export: error: {error}", file=sys.stderr)
        return 1
    for result in results:
        print(
            f"exported {result.saved_query:<28} -> {result.table:<40} {result.row_count:>7,} rows "
            f"{result.seconds:5.2f}s  sql: {result.sql_path}"
        )
    if failures:
        print(
            f"sales-warehouse metrics export: error: {len(failures)} of {len(results) + len(failures)} "
            "saved queries failed (the others were exported):",
            file=sys.stderr,
        )
        for name, message in failures:
            print(f"  failed {name}: {message}", file=sys.stderr)
        return 1
    return 0


def _metrics_query(args: argparse.Namespace) -> int:
    from sales_warehouse.metrics import SemanticLayerError, query_metrics, semantic_manifest_path

    project, db, target = _paths(args)
    try:
        sql, frame = query_metrics(
            db,
            semantic_manifest_path(project, target),
            project,
            metrics=_split(args.metrics),
            group_by=_split(args.group_by),
            where=[args.where] if args.where else [],
            order_by=_split(args.order_by),
            limit=args.limit,
            saved_query=args.saved_query,
        )
    except SemanticLayerError as error:
        print(f"sales-warehouse metrics query: error: {error}", file=sys.stderr)
        return 1
    if args.explain:
        print(sql)
    if args.csv:
        frame.to_csv(args.csv, index=False)
        print(f"wrote {len(frame)} rows to {args.csv}")
    else:
        print(frame.to_string(index=False, max_rows=args.max_rows))
    return 0


def _metrics_list(args: argparse.Namespace) -> int:
    from sales_warehouse.metrics import metric_definitions, semantic_manifest_path

    project, _, target = _paths(args)
    definitions = metric_definitions(semantic_manifest_path(project, target))
    if args.markdown:
        print("| Metric | Type | Label | Definition |\n|---|---|---|---|")
    for metric in definitions:
        if args.markdown:
            print(f"| `{metric['name']}` | {metric['type']} | {metric['label']} | {metric['description']} |")
        else:
            print(f"{metric['name']:<34} {metric['type']:<11} {metric['label']}")
    return 0


def _checksums(args: argparse.Namespace) -> int:
    from sales_warehouse.checksums import differences, to_json, warehouse_checksums

    checksums = warehouse_checksums(
        Path(args.db or os.environ.get("SALES_WAREHOUSE_DB", "data/warehouse.duckdb"))
    )
    if args.out:
        Path(args.out).write_text(to_json(checksums) + "\n")
        print(f"wrote checksums of {len(checksums)} tables to {args.out}")
    if args.compare:
        changed = differences(json.loads(Path(args.compare).read_text()), checksums)
        for line in changed:
            print(line)
        print(f"{len(changed)} of {len(checksums)} tables differ from {args.compare}")
        return 1 if changed else 0
    return 0


def _serve_setup(args: argparse.Namespace) -> tuple[object, Path]:
    """The serving configuration (environment) and the dbt project."""
    from sales_warehouse.publish import find_project_dir
    from sales_warehouse.serve import config_from_environment

    project = find_project_dir(Path(args.project_dir) if args.project_dir else None)
    return config_from_environment(project), project


def _serve_error(args: argparse.Namespace, error: Exception) -> int:
    print(f"sales-warehouse serve {args.serve_command}: error: {error}", file=sys.stderr)
    return 1


def _serve_start(args: argparse.Namespace) -> int:
    from sales_warehouse.publish import PublishError
    from sales_warehouse.serve import ServeError, start

    try:
        config, _ = _serve_setup(args)
        print(start(config))
    except (ServeError, PublishError) as error:
        return _serve_error(args, error)
    return 0


def _serve_stop(args: argparse.Namespace) -> int:
    from sales_warehouse.publish import PublishError
    from sales_warehouse.serve import ServeError, stop

    try:
        config, _ = _serve_setup(args)
        print("PostgreSQL stopped." if stop(config) else "PostgreSQL was not running.")
    except (ServeError, PublishError) as error:
        return _serve_error(args, error)
    return 0


def _serve_status(args: argparse.Namespace) -> int:
    from sales_warehouse.publish import PublishError
    from sales_warehouse.serve import ServeError, served_summary, server_status

    try:
        config, _ = _serve_setup(args)
        status = server_status(config)
        if not status.running:
            state = "stopped" if status.initialised else "not initialised"
            print(f"PostgreSQL {state} ({config.pgdata}); start it with `make serve`.")
            return 3
        print(f"PostgreSQL running: {config.host}:{status.port}, pid {status.pid}, data {config.pgdata}")
        summary = served_summary(config)
        print("Relations: " + ", ".join(f"{schema} {count}" for schema, count in summary.relations.items()))
        if summary.last_publish:
            published_at, warehouse, relations, rows = summary.last_publish
            print(
                f"Last publish: {published_at:%Y-%m-%d %H:%M:%S %Z}, {relations} relations, "
                f"{rows:,} rows from {warehouse}"
            )
        print(f"Demo login passwords: {config.logins_file} (mode 0600)")
    except (ServeError, PublishError) as error:
        return _serve_error(args, error)
    return 0


def _serve_warehouse(args: argparse.Namespace, project: Path) -> tuple[Path, Path]:
    """The published warehouse and the dbt manifest the policy reads (parsed first if missing)."""
    import subprocess

    published, environment = _publish_environment(project)
    warehouse = Path(args.db).resolve() if args.db else published
    target = Path(args.target_path).resolve() if args.target_path else project / "target"
    manifest = target / "manifest.json"
    if not manifest.exists():
        dbt = Path(sys.executable).parent / "dbt"
        command = [str(dbt), "parse", "--project-dir", str(project), "--target-path", str(target)]
        environment.setdefault("DBT_PROFILES_DIR", str(project))
        print(f"no {manifest}: {' '.join(command)}", flush=True)
        parsed = subprocess.run(command, env=environment, cwd=project, capture_output=True, text=True)
        if parsed.returncode != 0:
            print(parsed.stdout[-2000:], file=sys.stderr)
    return warehouse, manifest


def _serve_publish(args: argparse.Namespace) -> int:
    from sales_warehouse.policy import PolicyError
    from sales_warehouse.publish import PublishError
    from sales_warehouse.serve import ServeError, connection_strings, publish

    try:
        config, project = _serve_setup(args)
        warehouse, manifest = _serve_warehouse(args, project)
        print(f"Publishing {warehouse} into {config.host}:{config.port}/{config.database} ...", flush=True)
        report = publish(config, warehouse, project, manifest, workers=args.workers)
    except (ServeError, PolicyError, PublishError) as error:
        return _serve_error(args, error)
    seconds = report.copy_seconds + report.swap_seconds + report.apply_seconds
    rate = report.rows / max(report.copy_seconds, 1e-9)
    print(
        f"Published {len(report.tables)} relations ({report.rows:,} rows) from {warehouse} "
        f"in {seconds:.1f}s: copy {report.copy_seconds:.1f}s ({rate:,.0f} rows/s), swap "
        f"{report.swap_seconds:.2f}s, policy {report.apply_seconds:.2f}s "
        f"({len(report.statements)} statements)"
    )
    for schema in report.left_over:
        print(
            f"warning: {schema} is still held by a session; it has no grants and goes with the next publish"
        )
    print(f"Demo logins (passwords in {config.logins_file}, mode 0600):")
    for login, role, url in connection_strings(config, report.logins):
        print(f"  {login:<16} {role:<19} {url}")
    return 0


def _serve_apply(args: argparse.Namespace) -> int:
    from sales_warehouse.policy import PolicyError
    from sales_warehouse.publish import PublishError
    from sales_warehouse.serve import ServeError, apply, printable

    try:
        config, project = _serve_setup(args)
        warehouse, manifest = _serve_warehouse(args, project)
        statements = apply(config, warehouse, project, manifest, dry_run=args.dry_run)
    except (ServeError, PolicyError, PublishError) as error:
        return _serve_error(args, error)
    for statement in statements if args.dry_run or args.verbose else []:
        print(printable(statement) + ";")
    verb = "would run" if args.dry_run else "ran"
    done = f"{verb} {len(statements)} statements" if statements else "already applied: nothing to change"
    print(f"Policy {done}.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sales-warehouse", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    generate = commands.add_parser("generate", help="write deterministic demo data (one parquet per entity)")
    generate.add_argument(
        "--profile",
        choices=("demo", "real-export"),
        default="demo",
        help="demo: the full demo data set; real-export: small files with real exports' shapes",
    )
    generate.add_argument(
        "--variant",
        choices=("multi-product", "single-product"),
        default=None,
        help="real-export only: single-product writes a catalogue of exactly one product",
    )
    generate.add_argument("--scale", type=float, default=None, help="demo: 1 = ~150k order lines; linear")
    generate.add_argument("--seed", type=int, default=42)
    generate.add_argument("--start", default=None, help=f"first day of data (YYYY-MM-DD; demo {DEMO_START})")
    generate.add_argument("--end", default=None, help=f"last day of data (YYYY-MM-DD; demo {DEMO_END})")
    generate.add_argument(
        "--defect-rate", type=float, default=None, help="demo: share of dirty rows per defect kind (0.01)"
    )
    generate.add_argument(
        "--domains",
        default=None,
        help=f"comma-separated domains to write (commerce is required): {','.join(DOMAINS)}; "
        "real-export writes commerce,pipeline",
    )
    generate.add_argument("--out", default="data/raw", help="output directory")
    generate.set_defaults(handler=_generate)

    for name, help_text in (
        (
            "build",
            "build a candidate (dbt build + metric exports); publish it only if all passed",
        ),
        (
            "publish",
            "publish a candidate built by a plain `dbt build`: run the metric exports on it, then swap it in",
        ),
    ):
        command = commands.add_parser(name, help=help_text)
        command.add_argument(
            "--project-dir", default=None, help="dbt project (default: found from here upwards)"
        )
        command.add_argument("--db", default=None, help="published DuckDB file (default $SALES_WAREHOUSE_DB)")
        if name == "build":
            command.add_argument(
                "--unit-tests",
                action="store_true",
                help="also run dbt's unit tests (fixed inputs, not the data: by default only CI runs them)",
            )
            command.add_argument("dbt_args", nargs=argparse.REMAINDER, help="passed to dbt build after --")
        else:
            command.set_defaults(dbt_args=[], unit_tests=False)
        command.set_defaults(handler=_build)

    checksums = commands.add_parser(
        "checksums",
        help="order-independent checksums of every published table (prove a refactor changed nothing)",
    )
    checksums.add_argument("--db", default=None, help="DuckDB file (default $SALES_WAREHOUSE_DB)")
    checksums.add_argument("--out", default=None, help="write the checksums to this JSON file")
    checksums.add_argument("--compare", default=None, help="compare with a JSON file written by --out")
    checksums.set_defaults(handler=_checksums)

    contract = commands.add_parser("contract", help="render the dbt sources YAML from the raw contract")
    contract.add_argument("--models-dir", default="models", help="dbt models directory")
    contract.set_defaults(handler=_contract)

    metrics = commands.add_parser("metrics", help="semantic layer: export saved queries, query metrics")
    metric_commands = metrics.add_subparsers(dest="metrics_command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--project-dir", default=".", help="dbt project directory")
    common.add_argument("--target-path", default=None, help="dbt target path (default PROJECT/target)")
    common.add_argument("--db", default=None, help="DuckDB file (default $SALES_WAREHOUSE_DB)")
    export = metric_commands.add_parser(
        "export", parents=[common], help="materialise every saved query as a table in schema metrics"
    )
    export.add_argument("--saved-query", default=None, help="comma-separated names (default: all)")
    export.set_defaults(handler=_metrics_export)
    query = metric_commands.add_parser("query", parents=[common], help="query metrics through MetricFlow")
    query.add_argument("--metrics", default="", help="comma-separated metric names")
    query.add_argument("--group-by", default="", help="e.g. metric_time__month,customer__region_code")
    query.add_argument(
        "--where", default=None, help="MetricFlow filter, e.g. \"{{ Dimension('order__channel') }} = 'web'\""
    )
    query.add_argument("--order-by", default="", help="comma-separated; prefix - for descending")
    query.add_argument("--limit", type=int, default=None)
    query.add_argument("--saved-query", default=None, help="run a saved query instead of --metrics")
    query.add_argument("--explain", action="store_true", help="print the SQL MetricFlow generated")
    query.add_argument("--csv", default=None, help="write the result to this CSV file")
    query.add_argument("--max-rows", type=int, default=60, help="rows to print")
    query.set_defaults(handler=_metrics_query)
    listing = metric_commands.add_parser("list", parents=[common], help="list the metrics")
    listing.add_argument("--markdown", action="store_true", help="print a markdown table (for the README)")
    listing.set_defaults(handler=_metrics_list)

    serve = commands.add_parser("serve", help="the serving PostgreSQL: start, publish the warehouse, stop")
    serve_commands = serve.add_subparsers(dest="serve_command", required=True)
    serving = argparse.ArgumentParser(add_help=False)
    serving.add_argument("--project-dir", default=None, help="dbt project (default: found from here upwards)")
    for name, help_text, handler in (
        (
            "start",
            "initialise (once) and start PostgreSQL 15 on 127.0.0.1:$SALES_WAREHOUSE_SERVE_PORT",
            _serve_start,
        ),
        ("stop", "stop the serving PostgreSQL (fast shutdown)", _serve_stop),
        ("status", "is it running, what does it serve, when was it last published", _serve_status),
    ):
        serve_commands.add_parser(name, parents=[serving], help=help_text).set_defaults(handler=handler)
    policy_inputs = argparse.ArgumentParser(add_help=False, parents=[serving])
    policy_inputs.add_argument(
        "--db", default=None, help="published DuckDB file (default $SALES_WAREHOUSE_DB)"
    )
    policy_inputs.add_argument(
        "--target-path", default=None, help="dbt target path of the manifest (default PROJECT/target)"
    )
    serve_publish = serve_commands.add_parser(
        "publish",
        parents=[policy_inputs],
        help="copy the served relations in bulk, swap each schema in atomically, apply the policy",
    )
    serve_publish.add_argument("--workers", type=int, default=2, help="tables copied at a time")
    serve_publish.set_defaults(handler=_serve_publish)
    serve_apply = serve_commands.add_parser(
        "apply",
        parents=[policy_inputs],
        help="re-apply the policy only (roles, grants, row security, revokes)",
    )
    serve_apply.add_argument("--dry-run", action="store_true", help="print the statements, change nothing")
    serve_apply.add_argument("--verbose", action="store_true", help="print the statements run")
    serve_apply.set_defaults(handler=_serve_apply)

    from sales_warehouse.access_cli import add_access_commands

    add_access_commands(commands)
    from sales_warehouse.reports_cli import add_reports_commands

    add_reports_commands(commands)
    from sales_warehouse.backup_cli import add_backup_commands

    add_backup_commands(commands)
    from sales_warehouse.audit_cli import add_audit_commands

    add_audit_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    from sales_warehouse.encryption import EncryptionError

    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except EncryptionError as error:
        print(f"sales-warehouse {args.command}: error: {error}", file=sys.stderr)
        return 1
