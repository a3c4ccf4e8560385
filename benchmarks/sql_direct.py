"""The compiled SQL a dbt build ran, replayed directly on one DuckDB connection: dbt's own cost shows.

Reads target/manifest.json and target/run_results.json of the build just done and replays, on a copy
of the published warehouse (the published file is never written), every SQL model that ran
(`create or replace table|view <relation> as (<compiled code>)`, in DAG order) and then every data
test that ran (`select count(*) from (<compiled code>)`). Ephemeral models are already inlined as
CTEs in their consumers' compiled code; Python models, seeds and snapshots are not SQL replays and
their tables are already in the copy. An incremental model whose compiled code reads its own
relation (the is_incremental() branch) is skipped: the replay is of a full build only.

The replay runs one statement at a time while dbt ran 2 threads, so it is compared with the sum of
dbt's execution_time for the same nodes, not with the build's wall time.
"""

from __future__ import annotations

import graphlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from sales_warehouse.encryption import KEY_FILE_VARIABLE, KEY_VARIABLE

# dbt materialization -> what the replay creates
REPLAYED = {"table": "table", "incremental": "table", "view": "view"}
RAN = {"success", "pass", "fail", "warn"}


@dataclass(frozen=True)
class Statement:
    unique_id: str
    sql: str
    dbt_seconds: float


@dataclass(frozen=True)
class Timing:
    """Statements that ran directly: their count and seconds, dbt's execution time for the same nodes."""

    count: int
    seconds: float
    dbt_seconds: float
    failures: tuple[str, ...] = ()

    @property
    def ratio(self) -> float:
        """dbt's execution time over the direct time: 1.0 means dbt adds nothing."""
        return self.dbt_seconds / self.seconds if self.seconds else float("nan")


@dataclass(frozen=True)
class Replay:
    models: Timing
    tests: Timing
    skipped: tuple[str, ...]  # incremental models compiled with their is_incremental() branch
    dbt_wall_seconds: float  # elapsed_time of the dbt invocation (run_results.json)

    @property
    def seconds(self) -> float:
        return self.models.seconds + self.tests.seconds

    @property
    def dbt_seconds(self) -> float:
        return self.models.dbt_seconds + self.tests.dbt_seconds

    @property
    def ratio(self) -> float:
        return self.dbt_seconds / self.seconds if self.seconds else float("nan")


def encrypted(environ: Mapping[str, str] | None = None) -> bool:
    """A key is configured: the warehouse cannot be opened by a plain duckdb.connect."""
    environ = os.environ if environ is None else environ
    return bool(environ.get(KEY_VARIABLE) or environ.get(KEY_FILE_VARIABLE))


def load_build(target: Path) -> tuple[dict[str, Any], dict[str, Any], float]:
    """Manifest nodes, run results (by unique_id) and wall seconds of the last dbt invocation."""
    nodes = json.loads((target / "manifest.json").read_text())["nodes"]
    run_results = json.loads((target / "run_results.json").read_text())
    results = {result["unique_id"]: result for result in run_results["results"]}
    return nodes, results, run_results["elapsed_time"]


def dag_order(nodes: Mapping[str, Any]) -> list[str]:
    """Every node after all it depends on, through ephemeral models and other nodes too."""
    graph = {uid: node.get("depends_on", {}).get("nodes", []) for uid, node in nodes.items()}
    return list(graphlib.TopologicalSorter(graph).static_order())


def compiled(node: Mapping[str, Any], result: Mapping[str, Any]) -> str:
    """The compiled code dbt ran, without a trailing semicolon."""
    return (result.get("compiled_code") or node.get("compiled_code") or "").strip().rstrip(";")


def model_statements(
    nodes: Mapping[str, Any], results: Mapping[str, Any]
) -> tuple[list[Statement], list[str]]:
    """`create or replace` statements of the SQL models that ran, in DAG order, and the skipped ones."""
    statements, skipped = [], []
    for uid in dag_order(nodes):
        node, result = nodes.get(uid), results.get(uid)
        if node is None or result is None or node["resource_type"] != "model":
            continue
        kind = REPLAYED.get(node["config"].get("materialized"))
        sql = compiled(node, result)
        if node.get("language") != "sql" or kind is None or result["status"] not in RAN or not sql:
            continue
        relation = node["relation_name"]
        if relation.lower() in sql.lower():
            skipped.append(uid)
            continue
        create = f"create or replace {kind} {relation} as (\n{sql}\n)"
        statements.append(Statement(uid, create, result["execution_time"]))
    return statements, skipped


def test_statements(nodes: Mapping[str, Any], results: Mapping[str, Any]) -> list[Statement]:
    """`select count(*)` over each data test that ran (unit tests are not replayed)."""
    statements = []
    for uid, result in results.items():
        node, sql = nodes.get(uid), compiled(nodes.get(uid) or {}, result)
        if node is None or node["resource_type"] != "test" or result["status"] not in RAN or not sql:
            continue
        count = f"select count(*) from (\n{sql}\n) as dbt_internal_test"
        statements.append(Statement(uid, count, result["execution_time"]))
    return statements


def run_statements(connection: duckdb.DuckDBPyConnection, statements: Iterable[Statement]) -> Timing:
    """Run and time each statement; a failing one is counted in neither sum and named."""
    count, seconds, dbt_seconds, failures = 0, 0.0, 0.0, []
    for statement in statements:
        began = time.perf_counter()
        try:
            connection.execute(statement.sql).fetchall()
        except duckdb.Error as error:
            failures.append(f"{statement.unique_id}: {str(error).splitlines()[0]}")
            continue
        count, seconds = count + 1, seconds + time.perf_counter() - began
        dbt_seconds += statement.dbt_seconds
    return Timing(count, seconds, dbt_seconds, tuple(failures))


def connect_copy(copy: Path) -> duckdb.DuckDBPyConnection:
    """The profile's settings; the copy keeps the file name, so its catalog name matches the manifest."""
    config = {
        "memory_limit": os.environ.get("SALES_WAREHOUSE_MEMORY_LIMIT", "2GB"),
        "preserve_insertion_order": False,
        "threads": 2,
    }
    return duckdb.connect(str(copy), config=config)


def replay(target: Path, published: Path, scratch: Path) -> Replay | None:
    """Replay the build in `target` on a copy of `published` made in a temporary folder under
    `scratch` (same file system as the warehouse, not a RAM-backed /tmp); None when encrypted."""
    if encrypted():
        return None
    nodes, results, dbt_wall = load_build(target)
    models, skipped = model_statements(nodes, results)
    tests = test_statements(nodes, results)
    with tempfile.TemporaryDirectory(dir=scratch, prefix="sql_direct_") as folder:
        copy = Path(folder) / published.name
        shutil.copyfile(published, copy)
        with connect_copy(copy) as connection:
            model_timing = run_statements(connection, models)
            test_timing = run_statements(connection, tests)
    return Replay(model_timing, test_timing, tuple(skipped), dbt_wall)


def summary(result: Replay | None, build_wall_seconds: float) -> list[str]:
    """The lines a benchmark prints about a replay."""
    if result is None:
        return [f"  compiled SQL direct: skipped ({KEY_VARIABLE}(_FILE) set: the warehouse is encrypted)"]
    models, tests = result.models, result.tests
    lines = [
        f"  compiled SQL direct: {models.count} SQL models {models.seconds:.1f} s (dbt's execution time "
        f"for the same nodes {models.dbt_seconds:.1f} s, ratio {models.ratio:.2f}); "
        f"dbt build wall {result.dbt_wall_seconds:.0f} s (build+exports+publish {build_wall_seconds:.0f} s)",
        f"  compiled SQL direct: {tests.count} data tests {tests.seconds:.1f} s (dbt's execution time "
        f"for the same nodes {tests.dbt_seconds:.1f} s, ratio {tests.ratio:.2f})",
    ]
    if result.skipped:
        lines.append(f"  not replayed (is_incremental branch): {', '.join(result.skipped)}")
    for failure in models.failures + tests.failures:
        lines.append(f"  replay failed: {failure}")
    return lines
