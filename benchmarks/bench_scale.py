"""Benchmark: the main job (write-audit-publish build) along a scaling curve.

    .venv/bin/python benchmarks/bench_scale.py [--scales 1 10 67] [--work DIR]
    make bench-scale SCALES="1 10 67"

For each scale: generate the demo data, run `sales-warehouse build` (copy, dbt build, metric
exports, atomic publish) and then the same build again with no new data (the incremental path),
and print wall seconds, CPU seconds, the peak RSS of the largest process (dbt with its Python
models), the published file size and the 10 slowest nodes. Prints figures; not a test: these
machines are shared and noisy. Scale 67 is about 10.9M order lines; generating it needs ~1 GB and
the build several minutes.
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

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Run:
    wall_seconds: float
    cpu_seconds: float
    peak_rss_mb: float


def measured(command: list[str], environment: dict[str, str]) -> Run:
    """Wall and CPU time of a command and the peak RSS of its largest process (Linux: KB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    result = subprocess.run(command, env=environment, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        print(result.stdout[-3000:], result.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"failed: {' '.join(command)}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # ru_maxrss of children is the largest of them so far: a lower bound when an earlier run peaked higher.
    return Run(wall, cpu, after.ru_maxrss / 1024)


def slowest_nodes(target: Path, count: int = 10) -> str:
    results = json.loads((target / "run_results.json").read_text())["results"]
    slowest = sorted(results, key=lambda item: item["execution_time"], reverse=True)[:count]
    return ", ".join(f"{item['unique_id'].split('.')[-1]} {item['execution_time']:.1f} s" for item in slowest)


def bench(scale: str, work: Path) -> None:
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
    full = measured([str(BIN / "sales-warehouse"), "build"], environment)
    slowest = slowest_nodes(ROOT / "target")
    size_mb = published.stat().st_size / 1e6
    again = measured([str(BIN / "sales-warehouse"), "build"], environment)
    print(
        f"scale {scale} ({lines:,} order lines): generate {generate.wall_seconds:.0f} s | "
        f"build+exports+publish {full.wall_seconds:.0f} s wall, {full.cpu_seconds:.0f} s CPU, "
        f"peak RSS {full.peak_rss_mb:,.0f} MB | rebuild without new data {again.wall_seconds:.0f} s "
        f"({again.wall_seconds / full.wall_seconds:.0%} of full) | published file {size_mb:,.0f} MB"
    )
    print(f"  slowest nodes: {slowest}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scales", nargs="+", default=["1", "10"])
    parser.add_argument("--work", default=None, help="folder for data and warehouses (default: a temp dir)")
    args = parser.parse_args()
    if args.work:
        Path(args.work).mkdir(parents=True, exist_ok=True)
        for scale in args.scales:
            bench(scale, Path(args.work))
        return
    with tempfile.TemporaryDirectory() as folder:
        for scale in args.scales:
            bench(scale, Path(folder))


if __name__ == "__main__":
    main()
