"""Benchmark: the daily run. One new day of raw data (with late updates) on a published warehouse.

    .venv/bin/python benchmarks/bench_incremental.py [--scales 1 10] [--work DIR]
    make bench-incremental SCALES="1 10"

Real exports arrive every day with everything loaded since the last run: new orders and lines, and
new versions of older rows (late status changes, corrections). The demo data stamps every raw row
with the day it was loaded (`_loaded_at`), so "yesterday's export" is every raw file without the
rows loaded on the last load day (files loaded entirely on one day, full re-deliveries of reference
data, are kept whole). For each scale:

1. full: `sales-warehouse build` on today's export into a fresh warehouse (what a full refresh gives);
2. previous day: `sales-warehouse build` on yesterday's export into a second warehouse;
3. daily run: `sales-warehouse build` on today's export over (2), the incremental path,

and print the wall and CPU seconds of (1) and (3), the share (3)/(1), how many raw rows the new
day brings, the published file's size after each, and whether every published table of (3)
equals (1) (sales_warehouse.checksums): an incremental run must give the same results as a full
refresh. Prints figures; not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from sales_warehouse.checksums import differences, warehouse_checksums

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Run:
    wall_seconds: float
    cpu_seconds: float


def measured(command: list[str], environment: dict[str, str]) -> Run:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    result = subprocess.run(command, env=environment, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        print(result.stdout[-3000:], result.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"failed: {' '.join(command)}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(wall, cpu)


def last_load_day(raw: Path) -> str:
    """The latest load day over every raw file that records loads."""
    days = []
    for path in sorted(raw.glob("*.parquet")):
        names = [row[0] for row in duckdb.sql(f"describe select * from '{path}'").fetchall()]
        if "_loaded_at" in names:
            days.append(duckdb.sql(f"select max(_loaded_at)::date::varchar from '{path}'").fetchone()[0])
    return max(day for day in days if day is not None)


def previous_export(raw: Path, previous: Path, day: str) -> int:
    """Write yesterday's export: every raw file without the rows loaded on `day`. Rows held back."""
    previous.mkdir(parents=True, exist_ok=True)
    held_back = 0
    for path in sorted(raw.iterdir()):
        target = previous / path.name
        if path.is_dir():
            shutil.copytree(path, target, dirs_exist_ok=True)
            continue
        if path.suffix != ".parquet":
            target.write_bytes(path.read_bytes())
            continue
        names = [row[0] for row in duckdb.sql(f"describe select * from '{path}'").fetchall()]
        # A file loaded entirely on one day is a full re-delivery (reference data): kept whole.
        earlier = (
            "_loaded_at" in names
            and duckdb.sql(f"select count(*) from '{path}' where _loaded_at < date '{day}'").fetchone()[0]
        )
        keep = f"where _loaded_at < date '{day}'" if earlier else ""
        duckdb.sql(f"copy (select * from '{path}' {keep}) to '{target}' (format parquet)")
        if keep:
            new_rows = f"select count(*) from '{path}' where _loaded_at >= date '{day}'"
            held_back += duckdb.sql(new_rows).fetchone()[0]
    return held_back


def environment_for(raw: Path, published: Path) -> dict[str, str]:
    return {
        **os.environ,
        "SALES_WAREHOUSE_RAW": str(raw),
        "SALES_WAREHOUSE_DB": str(published),
        "DBT_PROFILES_DIR": str(ROOT),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


def bench(scale: str, work: Path) -> None:
    raw, previous = work / f"raw_{scale}", work / f"raw_{scale}_previous_day"
    full_db, daily_db = work / f"full_{scale}.duckdb", work / f"daily_{scale}.duckdb"
    for path in (full_db, daily_db):
        path.unlink(missing_ok=True)
    subprocess.run(
        [str(BIN / "sales-warehouse"), "generate", "--scale", scale, "--out", str(raw)],
        check=True,
        capture_output=True,
    )
    day = last_load_day(raw)
    held_back = previous_export(raw, previous, day)
    build = [str(BIN / "sales-warehouse"), "build"]
    full = measured(build, environment_for(raw, full_db))
    measured(build, environment_for(previous, daily_db))
    daily = measured(build, environment_for(raw, daily_db))
    changed = differences(
        {name: vars(checksum) for name, checksum in warehouse_checksums(full_db).items()},
        warehouse_checksums(daily_db),
    )
    verdict = f"{len(changed)} tables differ:" if changed else "every published table equals the full build"
    print(
        f"scale {scale}: new day {day} brings {held_back:,} raw rows | "
        f"full build {full.wall_seconds:.0f} s wall, {full.cpu_seconds:.0f} s CPU | "
        f"daily run {daily.wall_seconds:.0f} s wall, {daily.cpu_seconds:.0f} s CPU "
        f"({daily.wall_seconds / full.wall_seconds:.0%} of full) | published file "
        f"{full_db.stat().st_size / 1e6:,.0f} MB after the full build, "
        f"{daily_db.stat().st_size / 1e6:,.0f} MB after the daily run | {verdict}",
        flush=True,
    )
    for line in changed:
        print(f"  {line}")
    results = json.loads((ROOT / "target" / "run_results.json").read_text())["results"]
    slowest = sorted(results, key=lambda item: item["execution_time"], reverse=True)[:10]
    print(
        "  daily run, slowest nodes: "
        + ", ".join(f"{item['unique_id'].split('.')[-1]} {item['execution_time']:.1f} s" for item in slowest)
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scales", nargs="+", default=["1"])
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
