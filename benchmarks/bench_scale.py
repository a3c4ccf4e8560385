"""Benchmark: the main job (write-audit-publish build) along a scaling curve.

    .venv/bin/python benchmarks/bench_scale.py [--scales 1 10 67 200] [--work DIR]
    make bench-scale SCALES="1 10 67 200"

For each scale: generate the demo data, run `sales-warehouse build` from an empty warehouse (copy,
dbt build, metric exports, atomic publish), replay the compiled SQL of that build directly on a copy
of the published file (benchmarks/sql_direct.py), then run the build again with no new data (the
incremental path). Prints per scale wall seconds, CPU seconds, the peak RSS of the build's process
tree (sampled every 0.5 s: sales-warehouse, dbt with its Python models, the metric exports), the
published file size, the 10 slowest nodes and the compiled-SQL comparison; then one table of the
whole curve. Prints figures; not a test: these machines are shared and noisy.

The default `--scales 1 10` takes a few minutes. `make bench-scale SCALES="1 10 67 200"` prints the
full curve in about 45 min on 2 cores: scale 67 (about 10.9M order lines; generating it needs
~1 GB) builds in ~3 min, scale 200 (32.5M) generates in 1.5-4 min and builds in ~10 min. Scales up
to --rebuild-max-scale (67) build twice (the rebuild without new data takes about as long); every
scale is replayed. The builds write PROJECT/target: do not run another dbt build in this project
meanwhile.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from rss import TreeRssSampler
from sql_direct import Replay, replay, summary

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Run:
    wall_seconds: float
    cpu_seconds: float
    peak_rss_mb: float  # largest sum of RSS over the process tree, sampled
    largest_process_mb: float  # largest VmHWM of any one process in the tree


@dataclass(frozen=True)
class Row:
    """One scale of the curve."""

    scale: str
    order_lines: int
    full: Run
    again: Run | None  # None: not measured at this scale (--rebuild-max-scale)
    file_mb: float
    direct: Replay | None


def measured(command: list[str], environment: dict[str, str]) -> Run:
    """Wall and CPU time of a command and the peak RSS of its process tree."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    process = subprocess.Popen(
        command, env=environment, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    with TreeRssSampler(process.pid) as sampler:
        stdout, stderr = process.communicate()
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode != 0:
        print(stdout[-3000:], stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"failed: {' '.join(command)}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(wall, cpu, sampler.peak_mb, sampler.largest_process_mb)


def slowest_nodes(target: Path, count: int = 10) -> str:
    results = json.loads((target / "run_results.json").read_text())["results"]
    slowest = sorted(results, key=lambda item: item["execution_time"], reverse=True)[:count]
    return ", ".join(f"{item['unique_id'].split('.')[-1]} {item['execution_time']:.1f} s" for item in slowest)


def remove_warehouse(published: Path) -> None:
    """Start the full build from nothing, also when --work holds a warehouse of an earlier run."""
    candidate = published.with_name(published.name.removesuffix(".duckdb") + ".candidate.duckdb")
    for path in (published, candidate):
        for suffix in ("", ".wal"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)


def bench(scale: str, work: Path, rebuild: bool = True) -> Row:
    raw, published = work / f"raw_{scale}", work / f"warehouse_{scale}.duckdb"
    environment = {
        **os.environ,
        "SALES_WAREHOUSE_RAW": str(raw),
        "SALES_WAREHOUSE_DB": str(published),
        "DBT_PROFILES_DIR": str(ROOT),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    generate = measured(
        [str(BIN / "sales-warehouse"), "generate", "--scale", scale, "--out", str(raw)], environment
    )
    lines = json.loads((raw / "manifest.json").read_text())["row_counts"].get("order_lines", 0)
    remove_warehouse(published)
    full = measured([str(BIN / "sales-warehouse"), "build"], environment)
    slowest = slowest_nodes(ROOT / "target")
    size_mb = published.stat().st_size / 1e6
    direct = replay(ROOT / "target", published, work)
    again = measured([str(BIN / "sales-warehouse"), "build"], environment) if rebuild else None
    rebuilt = "rebuild not measured"
    if again:
        share = again.wall_seconds / full.wall_seconds
        rebuilt = f"rebuild without new data {again.wall_seconds:.0f} s ({share:.0%} of full)"
    print(
        f"scale {scale} ({lines:,} order lines): generate {generate.wall_seconds:.0f} s | "
        f"build+exports+publish {full.wall_seconds:.0f} s wall, {full.cpu_seconds:.0f} s CPU, "
        f"peak RSS {full.peak_rss_mb:,.0f} MB (largest process {full.largest_process_mb:,.0f} MB) | "
        f"{rebuilt} | published file {size_mb:,.0f} MB"
    )
    print(f"  slowest nodes: {slowest}")
    print("\n".join(summary(direct, full.wall_seconds)), flush=True)
    return Row(scale, lines, full, again, size_mb, direct)


def curve(rows: list[Row]) -> str:
    """The table of the whole curve. dbt/SQL: dbt's execution time of the SQL models and data tests
    over the same compiled SQL run directly; build/SQL: the full build's wall time over it."""
    header = (
        f"{'scale':>5} {'order lines':>12} {'wall s':>7} {'CPU s':>7} {'peak RSS MB':>11} "
        f"{'file MB':>8} {'rebuild %':>9} {'SQL s':>7} {'dbt/SQL':>7} {'build/SQL':>9}"
    )
    lines = [header]
    for row in rows:
        direct, sql = row.direct, f"{'-':>7} {'-':>7} {'-':>9}"
        if direct is not None:
            sql = f"{direct.seconds:7.1f} {direct.ratio:7.2f} {row.full.wall_seconds / direct.seconds:9.2f}"
        lines.append(
            f"{row.scale:>5} {row.order_lines:>12,} {row.full.wall_seconds:7.0f} {row.full.cpu_seconds:7.0f} "
            f"{row.full.peak_rss_mb:11,.0f} {row.file_mb:8,.0f} "
            + (f"{row.again.wall_seconds / row.full.wall_seconds:9.0%} " if row.again else f"{'-':>9} ")
            + sql
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scales", nargs="+", default=["1", "10"])
    parser.add_argument("--work", default=None, help="folder for data and warehouses (default: a temp dir)")
    parser.add_argument(
        "--rebuild-max-scale",
        type=float,
        default=67,
        help="measure the rebuild without new data only up to this scale (default 67; at 200 it is 10 min)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(args.work or folder)
        work.mkdir(parents=True, exist_ok=True)
        rows = [bench(scale, work, float(scale) <= args.rebuild_max_scale) for scale in args.scales]
    print("\nscaling curve (full build; rebuild % = rebuild without new data over full build):")
    print(curve(rows))


if __name__ == "__main__":
    main()
