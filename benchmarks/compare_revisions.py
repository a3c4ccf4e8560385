"""Prove a refactor changed no number: build two revisions on the same demo data and compare.

    .venv/bin/python benchmarks/compare_revisions.py BASE_REV [HEAD_REV] [--scale 1]

Each revision is checked out in a git worktree under a temporary folder and built there (dbt build
with its own Python package first on the path, then the metric exports) on the same generated
data with `as_of` pinned. Then `sales_warehouse.checksums` compares every mart, data-quality mart,
metric export and Python-model output and prints one line per table that differs. Prints
figures; not a test (two full builds take minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from sales_warehouse.checksums import TableChecksum, differences, warehouse_checksums

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
AS_OF = '{as_of: "2026-06-01 00:00:00"}'


def build(revision: str, raw: Path, work: Path) -> dict[str, TableChecksum]:
    tree = work / revision.replace("/", "_")
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "-f", str(tree), revision], check=True)
    database = work / f"{tree.name}.duckdb"
    environment = {
        **os.environ,
        "PYTHONPATH": str(tree / "src"),
        "DBT_PROFILES_DIR": str(tree),
        "SALES_WAREHOUSE_RAW": str(raw),
        "SALES_WAREHOUSE_DB": str(database),
        "SALES_WAREHOUSE_BUILD_DB": str(database),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    try:
        for command in (
            [str(BIN / "dbt"), "build", "--vars", AS_OF],
            [str(BIN / "python"), "-m", "sales_warehouse", "metrics", "export", "--db", str(database)],
        ):
            result = subprocess.run(command, cwd=tree, env=environment, capture_output=True, text=True)
            if result.returncode != 0:
                raise SystemExit(f"{revision}: {' '.join(command[:2])} failed:\n{result.stdout[-3000:]}")
        return warehouse_checksums(database)
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("base")
    parser.add_argument("head", nargs="?", default="HEAD")
    parser.add_argument("--scale", default="1")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        raw = work / "raw"
        subprocess.run(
            [str(BIN / "sales-warehouse"), "generate", "--scale", args.scale, "--out", str(raw)],
            check=True,
            capture_output=True,
        )
        base = build(args.base, raw, work)
        head = build(args.head, raw, work)
    before = json.loads(json.dumps({name: vars(item) for name, item in base.items()}))
    changed = differences(before, head)
    for line in changed:
        print(line)
    print(f"{len(changed)} of {len(head)} tables differ: {args.base} vs {args.head}, scale {args.scale}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
