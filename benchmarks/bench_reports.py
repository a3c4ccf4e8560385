"""Benchmark: `sales-warehouse reports build`, the whole report site, at demo scale.

    .venv/bin/python benchmarks/bench_reports.py                      # builds a demo warehouse first
    .venv/bin/python benchmarks/bench_reports.py --db data/warehouse.duckdb --target-path target

Without --db it generates demo data (--scale, default 1) into a temporary directory and builds a
warehouse there (dbt build + metric exports, as bench_build.py does). It then times the command
end to end (process start, every query, every page written) --repeat times, and once for a row-
scoped login and for an aggregate-only role, and prints the pages, queries, site size and seconds
against the 15 s budget. Prints figures; not a test (the machines are shared and noisy).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
BUDGET_SECONDS = 15.0


def run(command: list[str], environment: dict[str, str]) -> tuple[float, str]:
    began = time.perf_counter()
    result = subprocess.run(command, env=environment, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - began
    if result.returncode != 0:
        print(result.stdout[-3000:], result.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"failed: {' '.join(command)}")
    return seconds, result.stdout


def demo_warehouse(work: Path, scale: str, environment: dict[str, str]) -> tuple[Path, Path]:
    db, target = work / "warehouse.duckdb", work / "target"
    environment.update(
        SALES_WAREHOUSE_RAW=str(work / "raw"),
        SALES_WAREHOUSE_DB=str(db),
        SALES_WAREHOUSE_BUILD_DB=str(db),  # straight into the file: this benchmark times the reports
        DBT_PROFILES_DIR=str(ROOT),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    run([str(BIN / "sales-warehouse"), "generate", "--scale", scale, "--out", str(work / "raw")], environment)
    paths = ["--target-path", str(target), "--log-path", str(work / "logs")]
    seconds, _ = run([str(BIN / "dbt"), "build", *paths], environment)
    run([str(BIN / "sales-warehouse"), "metrics", "export", "--target-path", str(target)], environment)
    print(f"built a scale-{scale} warehouse in {seconds:.0f} s (dbt build) at {db}")
    return db, target


def size_mb(folder: Path) -> float:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default=None, help="published warehouse (default: build a demo one)")
    parser.add_argument("--target-path", default=None, help="dbt target path of that warehouse's manifests")
    parser.add_argument("--scale", default="1", help="demo scale when building a warehouse")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    environment = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="bench_reports_") as tmp:
        work = Path(tmp)
        if args.db:
            db = Path(args.db).resolve()
            target = Path(args.target_path).resolve() if args.target_path else ROOT / "target"
        else:
            db, target = demo_warehouse(work, args.scale, environment)
        out = work / "site"
        command = [
            str(BIN / "sales-warehouse"), "reports", "build", "--db", str(db),
            "--target-path", str(target), "--out", str(out),
        ]  # fmt: skip
        timings, printed = [], ""
        for _ in range(args.repeat):
            seconds, printed = run(command, environment)
            timings.append(seconds)
        pages = int(re.search(r"Wrote (\d+) pages", printed).group(1))
        queries = int(re.search(r"\((\d+) queries\)", printed).group(1))
        best, median = min(timings), statistics.median(timings)
        verdict = "within" if median < BUDGET_SECONDS else "OVER"
        print(
            f"reports build: {pages} pages, {queries} queries, site {size_mb(out):.1f} MB | "
            f"best {best:.1f} s, median {median:.1f} s of {args.repeat} "
            f"({verdict} the {BUDGET_SECONDS:.0f} s budget; {median / pages * 1000:.0f} ms per page)"
        )
        for role in (["--role", "sales_rep", "--login", "rep_demo"], ["--role", "bi_reader"]):
            seconds, printed = run([*command, *role], environment)
            pages = int(re.search(r"Wrote (\d+) pages", printed).group(1))
            left_out = printed.count("left out ")
            print(
                f"reports build {' '.join(role)}: {pages} pages, {left_out} left out, {seconds:.1f} s "
                "(extract included)"
            )


if __name__ == "__main__":
    main()
