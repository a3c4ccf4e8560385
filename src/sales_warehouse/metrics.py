"""The semantic layer without dbt Cloud: MetricFlow's Python engine over the DuckDB warehouse.

dbt Core marks saved-query exports NO-OP, so `export_saved_queries` runs every saved query
through MetricFlow itself and materialises each result as a table in the `metrics` schema,
keeping the compiled SQL next to it (a `.sql` file and the `metrics.saved_query_exports` log).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from sales_warehouse import encryption

EXPORT_SCHEMA = "metrics"
EXPORT_LOG = "saved_query_exports"
# YAML files that define the semantic layer; a change to one of them makes the manifest stale.
SEMANTIC_KEYS = re.compile(r"^(semantic_models|metrics|saved_queries):", re.MULTILINE)


class SemanticLayerError(RuntimeError):
    """A problem a user can fix: stale manifest, unknown saved query, failing query."""


@dataclass(frozen=True)
class ExportResult:
    saved_query: str
    table: str
    row_count: int
    seconds: float
    sql_path: Path


@dataclass(frozen=True)
class ExportFailure:
    saved_query: str
    error: str


class SavedQueryExportError(SemanticLayerError):
    """Some saved queries failed; every other one was exported (`results`)."""

    def __init__(self, results: list[ExportResult], failures: list[ExportFailure]) -> None:
        self.results = results
        self.failures = failures
        total = len(results) + len(failures)
        details = "; ".join(f"saved query {item.saved_query!r} failed: {item.error}" for item in failures)
        super().__init__(f"{len(failures)} of {total} saved queries failed: {details}")


class DuckDbSqlClient:
    """The small SqlClient protocol MetricFlow needs, on a DuckDB connection."""

    def __init__(self, connection: duckdb.DuckDBPyConnection) -> None:
        from metricflow.protocols.sql_client import SqlEngine
        from metricflow.sql.render.duckdb_renderer import DuckDbSqlPlanRenderer

        self._connection = connection
        self._engine = SqlEngine.DUCKDB
        self._renderer = DuckDbSqlPlanRenderer()

    @property
    def sql_engine_type(self) -> object:
        return self._engine

    @property
    def sql_plan_renderer(self) -> object:
        return self._renderer

    def query(self, stmt: str, sql_bind_parameter_set: object = None) -> object:
        from metricflow.data_table.mf_table import MetricFlowDataTable

        result = self._connection.sql(stmt)
        rows = result.fetchall()
        return MetricFlowDataTable.create_from_rows(column_names=result.columns, rows=rows)

    def execute(self, stmt: str, sql_bind_parameter_set: object = None) -> None:
        self._connection.execute(stmt)

    def dry_run(self, stmt: str, sql_bind_parameter_set: object = None) -> None:
        self._connection.execute(f"explain {stmt}")

    def close(self) -> None:
        self._connection.close()

    def render_bind_parameter_key(self, bind_parameter_key: str) -> str:
        return f"${bind_parameter_key}"


def semantic_manifest_path(project_dir: Path, target_path: Path | None = None) -> Path:
    return (target_path or project_dir / "target") / "semantic_manifest.json"


def stale_sources(manifest_path: Path, project_dir: Path) -> list[Path]:
    """YAML files changed after the semantic manifest was written (the manifest is then stale)."""
    if not manifest_path.exists():
        return []
    written = manifest_path.stat().st_mtime
    return sorted(
        path
        for path in (project_dir / "models").rglob("*.yml")
        if path.stat().st_mtime > written and SEMANTIC_KEYS.search(path.read_text())
    )


def check_manifest(manifest_path: Path, project_dir: Path) -> None:
    if not manifest_path.exists():
        raise SemanticLayerError(
            f"{manifest_path} does not exist: run `dbt parse` (or `make build`) first so MetricFlow can read "
            "the semantic layer."
        )
    stale = stale_sources(manifest_path, project_dir)
    if stale:
        names = ", ".join(str(path.relative_to(project_dir)) for path in stale[:5])
        raise SemanticLayerError(
            f"{manifest_path} is stale: {names} changed after it was written. Run `dbt parse` and try again."
        )


def load_engine(manifest_path: Path, connection: duckdb.DuckDBPyConnection) -> object:
    from metricflow.engine.metricflow_engine import MetricFlowEngine
    from metricflow_semantics.model.dbt_manifest_parser import parse_manifest_from_dbt_generated_manifest
    from metricflow_semantics.model.semantic_manifest_lookup import SemanticManifestLookup

    manifest = parse_manifest_from_dbt_generated_manifest(manifest_path.read_text())
    return MetricFlowEngine(SemanticManifestLookup(manifest), DuckDbSqlClient(connection))


def saved_query_names(manifest_path: Path) -> list[str]:
    manifest = json.loads(manifest_path.read_text())
    return sorted(item["name"] for item in manifest.get("saved_queries", []))


def metric_definitions(manifest_path: Path) -> list[dict[str, str]]:
    """Name, type, label and description of every metric, sorted by name."""
    manifest = json.loads(manifest_path.read_text())
    return sorted(
        (
            {
                "name": metric["name"],
                "type": metric["type"],
                "label": metric.get("label") or "",
                "description": " ".join((metric.get("description") or "").split()),
            }
            for metric in manifest.get("metrics", [])
        ),
        key=lambda item: item["name"],
    )


def compile_sql(
    engine: object,
    *,
    saved_query: str | None = None,
    metrics: Sequence[str] = (),
    group_by: Sequence[str] = (),
    where: Sequence[str] = (),
    order_by: Sequence[str] = (),
    limit: int | None = None,
) -> str:
    from metricflow.engine.metricflow_engine import MetricFlowQueryRequest

    request = MetricFlowQueryRequest.create(
        saved_query_name=saved_query,
        metric_names=list(metrics) or None,
        group_by_names=list(group_by) or None,
        where_constraints=list(where) or None,
        order_by_names=list(order_by) or None,
        limit=limit,
    )
    return engine.explain(request).sql_statement.sql  # type: ignore[attr-defined]


def export_table_name(saved_query: str) -> str:
    return f"{EXPORT_SCHEMA}.{saved_query}"


def one_line(error: BaseException) -> str:
    """An error message on one line (MetricFlow and DuckDB messages span several)."""
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def export_saved_query(
    connection: duckdb.DuckDBPyConnection, engine: object, name: str, sql_dir: Path
) -> ExportResult:
    """Materialise one saved query as a table in `metrics`, keep its SQL and log it."""
    began = time.perf_counter()
    sql = compile_sql(engine, saved_query=name)
    table = export_table_name(name)
    connection.execute(f"create or replace table {table} as {sql}")
    row_count = connection.sql(f"select count(*) from {table}").fetchone()[0]  # type: ignore[index]
    sql_path = sql_dir / f"{name}.sql"
    sql_path.write_text(sql.rstrip() + "\n")
    connection.execute(
        f"insert or replace into {EXPORT_SCHEMA}.{EXPORT_LOG} values (?, ?, ?, ?, now()::timestamp)",
        [name, table, row_count, sql],
    )
    return ExportResult(name, table, int(row_count), time.perf_counter() - began, sql_path)


def export_saved_queries(
    db_path: Path, manifest_path: Path, project_dir: Path, sql_dir: Path, names: Iterable[str] | None = None
) -> list[ExportResult]:
    """Run saved queries through MetricFlow and materialise each as a table in `metrics`.

    A failing saved query does not stop the others: every one is attempted, and if any failed a
    `SavedQueryExportError` naming each failure (and carrying the successful results) is raised
    at the end.
    """
    check_manifest(manifest_path, project_dir)
    available = saved_query_names(manifest_path)
    wanted = list(names) if names else available
    unknown = sorted(set(wanted) - set(available))
    if unknown:
        raise SemanticLayerError(f"unknown saved query {unknown}; defined: {available}")
    sql_dir.mkdir(parents=True, exist_ok=True)
    results: list[ExportResult] = []
    failures: list[ExportFailure] = []
    with encryption.connect(str(db_path)) as connection:
        engine = load_engine(manifest_path, connection)
        connection.execute(f"create schema if not exists {EXPORT_SCHEMA}")
        connection.execute(
            f"create table if not exists {EXPORT_SCHEMA}.{EXPORT_LOG} (saved_query varchar primary key, "
            "table_name varchar, row_count bigint, compiled_sql varchar, exported_at timestamp)"
        )
        for name in wanted:
            try:
                results.append(export_saved_query(connection, engine, name, sql_dir))
            except Exception as error:  # record which saved query failed and why, and go on
                failures.append(ExportFailure(name, one_line(error)))
    if failures:
        raise SavedQueryExportError(results, failures)
    return results


def query_metrics(
    db_path: Path,
    manifest_path: Path,
    project_dir: Path,
    *,
    metrics: Sequence[str],
    group_by: Sequence[str] = (),
    where: Sequence[str] = (),
    order_by: Sequence[str] = (),
    limit: int | None = None,
    saved_query: str | None = None,
) -> tuple[str, pd.DataFrame]:
    """Compile and run one metric query read-only; returns the SQL and the result."""
    check_manifest(manifest_path, project_dir)
    # A reader: read-only, no access to other host files (see publish.open_published).
    with encryption.connect(
        str(db_path), read_only=True, config={"enable_external_access": False}
    ) as connection:
        engine = load_engine(manifest_path, connection)
        try:
            sql = compile_sql(
                engine,
                saved_query=saved_query,
                metrics=metrics,
                group_by=group_by,
                where=where,
                order_by=order_by,
                limit=limit,
            )
        except Exception as error:
            raise SemanticLayerError(f"MetricFlow could not compile the query: {error}") from error
        try:
            return sql, connection.sql(sql).df()
        except duckdb.Error as error:
            raise SemanticLayerError(
                f"the query failed in {db_path}: {error} (is the warehouse built? run `make build`)"
            ) from error
