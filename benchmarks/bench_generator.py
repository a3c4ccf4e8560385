"""Generator benchmark: wall time, order-line throughput and peak memory per scale.

Runs `sales-warehouse generate` in a fresh subprocess per scale (so peak RSS is that run's alone,
read with os.wait4), into a temporary directory that is removed afterwards. Scale 65 is about
10M order lines.

    .venv/bin/python benchmarks/bench_generator.py                 # scales 10 and 65
    .venv/bin/python benchmarks/bench_generator.py --scales 1,10   # others
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Result:
    scale: float
    seconds: float
    order_lines: int
    peak_rss_mb: float
    disk_mb: float

    @property
    def lines_per_second(self) -> float:
        return self.order_lines / self.seconds


def directory_size(path: Path) -> int:
    return sum(item.stat().st_size for item in path.rglob("*") if item.is_file())


def run_once(scale: float, seed: int, out: Path, log: Path) -> Result:
    command = [
        sys.executable,
        "-m",
        "sales_warehouse",
        "generate",
        "--scale",
        str(scale),
        "--seed",
        str(seed),
        "--out",
        str(out),
    ]
    with log.open("wb") as stderr:
        began = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr)
        _, status, usage = os.wait4(process.pid, 0)  # this child's own rusage, not all children's max
        seconds = time.perf_counter() - began
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"scale {scale}: generate failed ({process.returncode}):\n{log.read_text()}")
    manifest = json.loads((out / "manifest.json").read_text())
    return Result(
        scale=scale,
        seconds=seconds,
        order_lines=int(manifest["row_counts"]["order_lines"]),
        peak_rss_mb=usage.ru_maxrss / 1024,  # kilobytes on Linux
        disk_mb=directory_size(out) / 2**20,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scales", default="10,65", help="comma-separated scales to generate")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--tmp-dir", default=None, help="where to write the data (default: system temp)")
    args = parser.parse_args(argv)
    scales = [float(item) for item in args.scales.split(",") if item.strip()]

    print(
        f"{'scale':>6} {'seconds':>8} {'order lines':>12} {'lines/s':>10} {'peak RSS MB':>12} {'disk MB':>8}"
    )
    with tempfile.TemporaryDirectory(prefix="bench_generator_", dir=args.tmp_dir) as tmp:
        for scale in scales:
            out = Path(tmp) / f"scale_{scale:g}"
            result = run_once(scale, args.seed, out, Path(tmp) / f"scale_{scale:g}.log")
            print(
                f"{result.scale:>6g} {result.seconds:>8.1f} {result.order_lines:>12,} "
                f"{result.lines_per_second:>10,.0f} {result.peak_rss_mb:>12,.0f} {result.disk_mb:>8,.0f}",
                flush=True,
            )
            shutil.rmtree(out)  # free the disk before the next scale
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
