"""The metrics catalogue: every metric of the semantic layer with its definition, type, owner and
a small monthly trend, as a query result pages use like any other (`metric_catalogue`).

Definitions come from the semantic manifest dbt writes (target/semantic_manifest.json); the owner
is the dbt group of the model behind the metric's first measure (target/manifest.json); the trend
is read from a metric export (schema metrics) that has the metric by `metric_time__month`: as is
when the export has no other group-by, summed over them when the metric is a plain sum.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from sales_warehouse.reports.queries import Result

TREND_MONTHS = 24
COLUMNS: tuple[str, ...] = ("name", "label", "type", "description", "owner", "model", "trend", "trend_source")


def _measure_models(semantic: dict) -> dict[str, tuple[str, str]]:
    """measure -> (dbt model name, aggregation)."""
    found = {}
    for model in semantic.get("semantic_models", []):
        relation = (model.get("node_relation") or {}).get("alias") or model["name"]
        for measure in model.get("measures", []):
            found[measure["name"]] = (relation, str(measure.get("agg", "")).lower())
    return found


def _owners(manifest: dict) -> dict[str, str]:
    """dbt model name -> owner name of its group."""
    groups = {
        group["name"]: (group.get("owner") or {}).get("name") or group["name"]
        for group in manifest.get("groups", {}).values()
    }
    return {
        node["name"]: groups.get(node.get("group") or "", "")
        for node in manifest.get("nodes", {}).values()
        if node.get("resource_type") == "model"
    }


def _first_measure(metric: dict, metrics: dict[str, dict]) -> str | None:
    params = metric.get("type_params") or {}
    for measure in params.get("input_measures") or []:
        return measure["name"]
    measure = params.get("measure")
    if measure:
        return measure["name"]
    for inner in params.get("metrics") or []:
        if inner["name"] in metrics and inner["name"] != metric["name"]:
            return _first_measure(metrics[inner["name"]], metrics)
    return None


def _export_columns(connection: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    rows = connection.execute(
        "select table_name, column_name from information_schema.columns "
        "where table_schema = 'metrics' order by table_name, ordinal_position"
    ).fetchall()
    tables: dict[str, list[str]] = {}
    for table, column in rows:
        tables.setdefault(table, []).append(column)
    return tables


def _trend(
    connection: duckdb.DuckDBPyConnection, name: str, summable: bool, tables: dict[str, list[str]]
) -> tuple[list[float] | None, str]:
    candidates = sorted(
        (sum("__" in column for column in columns), table)
        for table, columns in tables.items()
        if name in columns and "metric_time__month" in columns
    )
    for group_bys, table in candidates:
        if group_bys > 1 and not summable:
            continue
        rows = connection.execute(
            f'select sum("{name}")::double from metrics."{table}" where "{name}" is not null '
            "group by metric_time__month order by metric_time__month"
        ).fetchall()
        values = [row[0] for row in rows][-TREND_MONTHS:]
        if len(values) >= 2:
            return values, table
    return None, ""


def metric_catalogue(
    semantic_manifest: Path, manifest: Path | None, connection: duckdb.DuckDBPyConnection
) -> Result:
    if not semantic_manifest.exists():
        raise FileNotFoundError(f"{semantic_manifest} is missing: run `dbt parse` (or `make build`) first")
    semantic = json.loads(semantic_manifest.read_text())
    owners = _owners(json.loads(manifest.read_text())) if manifest and manifest.exists() else {}
    measures = _measure_models(semantic)
    metrics = {metric["name"]: metric for metric in semantic.get("metrics", [])}
    tables = _export_columns(connection)
    rows = []
    for name in sorted(metrics):
        metric = metrics[name]
        measure = _first_measure(metric, metrics)
        model, agg = measures.get(measure or "", ("", ""))
        summable = metric["type"] == "simple" and agg == "sum"
        trend, source = _trend(connection, name, summable, tables)
        description = " ".join((metric.get("description") or "").split())
        rows.append(
            (
                name,
                metric.get("label") or "",
                metric["type"],
                description,
                owners.get(model, ""),
                model,
                trend,
                source,
            )
        )
    return Result(
        "metric_catalogue", COLUMNS, tuple(rows), "-- the semantic manifest (target/semantic_manifest.json)"
    )
