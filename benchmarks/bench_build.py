"""Benchmark: the main job at demo scale, once setup is done.

Generates demo data into a temporary directory, then times `dbt build` and the metric exports
(what `make build` runs) and prints the figures. Not a test: these machines are shared and noisy.

    .venv/bin/python benchmarks/bench_build.py [--scale 1]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def timed(command: list[str], env: dict[str, str]) -> float:
    began = time.perf_counter()
    result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - began
    if result.returncode != 0:
        print(result.stdout[-3000:], result.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"failed: {' '.join(command)}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="1")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = {
            **os.environ,
            "SALES_WAREHOUSE_RAW": str(work / "raw"),
            "SALES_WAREHOUSE_DB": str(work / "warehouse.duckdb"),
            # dbt writes this file directly (no publish step here: it times dbt build and the exports).
            "SALES_WAREHOUSE_BUILD_DB": str(work / "warehouse.duckdb"),
            "DBT_PROFILES_DIR": str(ROOT),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
        target = ["--target-path", str(work / "target"), "--log-path", str(work / "logs")]
        generate = timed(
            [str(BIN / "sales-warehouse"), "generate", "--scale", args.scale, "--out", str(work / "raw")], env
        )
        build = timed([str(BIN / "dbt"), "build", *target], env)
        export = timed(
            [str(BIN / "sales-warehouse"), "metrics", "export", "--target-path", str(work / "target")], env
        )
        results = json.loads((work / "target" / "run_results.json").read_text())["results"]
        slowest = sorted(results, key=lambda item: item["execution_time"], reverse=True)[:5]
        size_mb = (work / "warehouse.duckdb").stat().st_size / 1e6
    print(
        f"scale {args.scale}: generate {generate:.1f} s | dbt build {build:.1f} s ({len(results)} nodes) | "
        f"metric exports {export:.1f} s | main job (build + exports) {build + export:.1f} s | "
        f"warehouse {size_mb:.0f} MB"
    )
    print(
        "slowest nodes: "
        + ", ".join(f"{item['unique_id'].split('.')[-1]} {item['execution_time']:.1f} s" for item in slowest)
    )


if __name__ == "__main__":
    main()
