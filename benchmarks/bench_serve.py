"""Benchmark: the serving PostgreSQL (`make serve`): publish time at demo scale, rows per second of
the bulk copy at a large scale, and the share of `make serve` spent copying versus applying grants.

Each warehouse is published into a throwaway cluster (own folder under /tmp, free port) exactly as
`make serve` does it: `sales-warehouse serve start`, then `sales-warehouse serve publish` (first
publish on a fresh cluster, then a republish). Without --demo-db the demo warehouse (scale 1) is
generated and built first. --large-db is copied before it is read (its manifest: --large-target,
or the project's policy parsed now). Not a test: these machines are shared and noisy.

    .venv/bin/python benchmarks/bench_serve.py [--demo-db FILE --demo-target DIR]
        [--large-db FILE [--large-target DIR]] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PUBLISHED = re.compile(
    r"Published (\d+) relations \(([\d,]+) rows\) .* in ([\d.]+)s: copy ([\d.]+)s \(([\d,]+) rows/s\), "
    r"swap ([\d.]+)s, policy ([\d.]+)s \((\d+) statements\)"
)


def run(command: list[str], env: dict[str, str]) -> tuple[float, str]:
    began = time.perf_counter()
    result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - began
    if result.returncode != 0:
        print(result.stdout[-3000:], result.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"failed: {' '.join(command)}")
    return seconds, result.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def build_demo(work: Path, env: dict[str, str]) -> tuple[Path, Path]:
    """Scale-1 demo data, dbt build and metric exports straight into work/warehouse.duckdb."""
    db, target = work / "warehouse.duckdb", work / "target"
    env = {**env, "SALES_WAREHOUSE_RAW": str(work / "raw"), "SALES_WAREHOUSE_DB": str(db)}
    env["SALES_WAREHOUSE_BUILD_DB"] = str(db)
    paths = ["--target-path", str(target), "--log-path", str(work / "logs")]
    run([str(BIN / "sales-warehouse"), "generate", "--scale", "1", "--out", str(work / "raw")], env)
    run([str(BIN / "dbt"), "build", *paths], env)
    run(
        [str(BIN / "sales-warehouse"), "metrics", "export", "--db", str(db), "--target-path", str(target)],
        env,
    )
    return db, target


def parse_manifest(work: Path, env: dict[str, str]) -> Path:
    target = work / "target"
    run([str(BIN / "dbt"), "parse", "--target-path", str(target), "--log-path", str(work / "logs")], env)
    return target


def serve(label: str, db: Path, target: Path, env: dict[str, str], workers: int) -> None:
    """`make serve` on a fresh cluster, then a republish; prints the figures."""
    cluster = Path(tempfile.mkdtemp(prefix="bench_serve_", dir="/tmp"))
    cluster.chmod(0o755)
    env = {
        **env,
        "SALES_WAREHOUSE_SERVE_DIR": str(cluster),
        "SALES_WAREHOUSE_SERVE_PORT": str(free_port()),
        "SALES_WAREHOUSE_DB": str(db),
    }
    cli = [str(BIN / "sales-warehouse"), "serve"]
    publish = [*cli, "publish", "--target-path", str(target), "--workers", str(workers)]
    try:
        start_seconds, _ = run([*cli, "start"], env)
        first_seconds, first = run(publish, env)
        running_seconds, _ = run([*cli, "start"], env)  # what make serve pays once it runs
        again_seconds, again = run(publish, env)
        apply_seconds, applied = run([*cli, "apply", "--target-path", str(target)], env)
    except SystemExit:
        log = cluster / "run" / "postgres.log"
        if log.exists():
            print("PostgreSQL log:\n" + "\n".join(log.read_text().splitlines()[-40:]), file=sys.stderr)
        raise
    finally:
        subprocess.run([*cli, "stop"], env=env, cwd=ROOT, capture_output=True)
        shutil.rmtree(cluster, ignore_errors=True)
    for name, start, seconds, output in (
        ("first publish", start_seconds, first_seconds, first),
        ("republish", running_seconds, again_seconds, again),
    ):
        match = PUBLISHED.search(output)
        assert match, output
        relations, rows, total, copy, rate, swap, policy, statements = match.groups()
        make_serve = start + seconds
        other = make_serve - float(copy) - float(swap) - float(policy) - start
        print(
            f"{label} {name}: {relations} relations, {rows} rows | publish {total} s (copy {copy} s at "
            f"{rate} rows/s, swap {swap} s, policy {policy} s / {statements} statements) | make serve "
            f"{make_serve:.1f} s: copy {float(copy) / make_serve:.0%}, grants "
            f"{float(policy) / make_serve:.0%}, swap {float(swap) / make_serve:.0%}, serve start "
            f"{start / make_serve:.0%}, CLI + policy load {other / make_serve:.0%}"
        )
    print(f"{label} apply with nothing to change: {apply_seconds:.1f} s ({applied.strip().splitlines()[-1]})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--demo-db", default=None, help="a built scale-1 warehouse (default: build one)")
    parser.add_argument("--demo-target", default=None, help="its dbt target folder (manifest.json)")
    parser.add_argument("--large-db", default=None, help="a larger warehouse (copied first, never written)")
    parser.add_argument("--large-target", default=None, help="its dbt target folder (default: dbt parse now)")
    parser.add_argument("--workers", type=int, default=2, help="tables copied at a time")
    args = parser.parse_args()
    env = {**os.environ, "DBT_PROFILES_DIR": str(ROOT), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if args.demo_db:
            demo_db, demo_target = Path(args.demo_db).resolve(), Path(args.demo_target or ROOT / "target")
        else:
            began = time.perf_counter()
            demo_db, demo_target = build_demo(work / "demo", env)
            print(f"(built the scale-1 demo warehouse in {time.perf_counter() - began:.0f} s)")
        serve("demo (scale 1)", demo_db, demo_target, env, args.workers)
        if args.large_db:
            source = Path(args.large_db).resolve()
            copy = work / "large" / source.name
            copy.parent.mkdir()
            shutil.copyfile(source, copy)
            target = Path(args.large_target) if args.large_target else parse_manifest(work / "large", env)
            serve(f"large ({source.name})", copy, target, env, args.workers)


if __name__ == "__main__":
    main()
