"""Benchmark: `sales-warehouse backup` and `restore` of a published warehouse.

    .venv/bin/python benchmarks/bench_backup.py [--warehouse LABEL=FILE ...] [--work DIR]

Without --warehouse it builds the demo data (scale 1) into a published warehouse under --work
(about a minute). A given warehouse is copied into --work first and never touched. For each one it
runs the command line as users do (a fresh process each) and prints the published file's size, the
backup's seconds, CPU seconds, peak RSS and size on disk, the restore's seconds and peak RSS (the
restore checks every file's hash and every table's row count and checksum), and the restored
file's size. Prints figures; not a test.

    .venv/bin/python benchmarks/bench_backup.py --warehouse demo=data/warehouse.duckdb \\
        --warehouse scale10=/tmp/bsw/full_10.duckdb
"""

from __future__ import annotations

import argparse
import os
import shutil
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
    output: str


def measured(command: list[str], environment: dict[str, str] | None = None) -> Run:
    """Wall, CPU and peak RSS of one child process (wait4 gives that child's own rusage)."""
    began = time.perf_counter()
    process = subprocess.Popen(
        command, env=environment, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    output = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - began
    if process.returncode != 0:
        raise SystemExit(f"failed ({process.returncode}): {' '.join(command)}\n{output[-3000:]}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, output)


def folder_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def demo_warehouse(work: Path) -> Path:
    raw, db = work / "raw_1", work / "published_1" / "warehouse.duckdb"
    if not db.exists():
        db.parent.mkdir(parents=True, exist_ok=True)
        measured([str(BIN / "sales-warehouse"), "generate", "--scale", "1", "--out", str(raw)])
        environment = {
            **os.environ,
            "SALES_WAREHOUSE_RAW": str(raw),
            "DBT_PROFILES_DIR": str(ROOT),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
        environment.pop("SALES_WAREHOUSE_BUILD_DB", None)
        run = measured([str(BIN / "sales-warehouse"), "build", "--db", str(db)], environment)
        print(f"built the demo warehouse in {run.wall_seconds:.0f}s: {db}")
    return db


def bench(label: str, source: Path, work: Path) -> dict[str, float | str]:
    folder = work / label
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    published = folder / source.name
    shutil.copyfile(source, published)
    command = [str(BIN / "sales-warehouse")]
    backup = measured([*command, "backup", "--db", str(published), "--to", str(folder / "backups")])
    (made,) = [path for path in (folder / "backups").iterdir() if path.is_dir()]
    restored = folder / "restored" / published.name
    restore = measured([*command, "restore", str(made), "--to", str(restored)])
    return {
        "warehouse": label,
        "published MB": published.stat().st_size / 1e6,
        "tables": backup.output.split(": ", 1)[1].split(" tables", 1)[0],
        "backup s": backup.wall_seconds,
        "backup CPU s": backup.cpu_seconds,
        "backup peak RSS MB": backup.peak_rss_mb,
        "backup MB": folder_bytes(made) / 1e6,
        "restore s": restore.wall_seconds,
        "restore CPU s": restore.cpu_seconds,
        "restore peak RSS MB": restore.peak_rss_mb,
        "restored MB": restored.stat().st_size / 1e6,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--warehouse", action="append", default=[], help="LABEL=FILE (repeatable)")
    parser.add_argument("--work", default=None, help="scratch folder (default: a new temporary one)")
    args = parser.parse_args()
    work = Path(args.work or tempfile.mkdtemp(prefix="bench_backup_")).resolve()
    work.mkdir(parents=True, exist_ok=True)
    warehouses = [item.split("=", 1) for item in args.warehouse] or [["demo", str(demo_warehouse(work))]]
    rows = [bench(label, Path(path).resolve(), work) for label, path in warehouses]
    columns = list(rows[0])
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        print(
            "| "
            + " | ".join(f"{value:,.1f}" if isinstance(value, float) else value for value in row.values())
            + " |"
        )
    print(f"(scratch: {work})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
