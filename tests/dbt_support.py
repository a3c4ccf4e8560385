"""Helpers for tests that run dbt and the project CLI as subprocesses on generated data."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
ALL_OFF = "{enable_sales_team: false, enable_pipeline: false, enable_service: false, enable_marketing: false}"


def generate(out: Path, *extra: str, scale: str = "0.2", seed: str = "7") -> Path:
    subprocess.run(
        [
            str(BIN / "sales-warehouse"),
            "generate",
            "--scale",
            scale,
            "--seed",
            seed,
            "--out",
            str(out),
            *extra,
        ],
        check=True,
        capture_output=True,
    )
    return out


def environment(raw: Path, db: Path) -> dict[str, str]:
    return {
        **os.environ,
        "SALES_WAREHOUSE_RAW": str(raw),
        "SALES_WAREHOUSE_DB": str(db),
        # These tests build straight into their own file (write-audit-publish has its own tests).
        "SALES_WAREHOUSE_BUILD_DB": str(db),
        "DBT_PROFILES_DIR": str(ROOT),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


def dbt(args: list[str], raw: Path, db: Path, work: Path) -> subprocess.CompletedProcess[str]:
    command = [
        str(BIN / "dbt"),
        *args,
        "--project-dir",
        str(ROOT),
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work / "logs"),
    ]
    return subprocess.run(command, env=environment(raw, db), capture_output=True, text=True, cwd=ROOT)


def cli(args: list[str], raw: Path, db: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "sales-warehouse"), *args],
        env=environment(raw, db),
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
