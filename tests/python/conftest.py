"""Shared fixtures for the generator tests: demo data sets generated once per pytest session.

`generated(...)` runs the real `sales-warehouse generate` command line in-process and caches the
output directory per argument set, so every test module asking for the same data set shares one
run. `run` tells apart deliberate repeat runs (the determinism test needs two identical ones).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from sales_warehouse.cli import main

START = "2023-01-01"
END = "2025-12-31"
GeneratedFactory = Callable[..., Path]


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> GeneratedFactory:
    cache: dict[tuple[object, ...], Path] = {}

    def make(
        scale: float, seed: int = 42, defect_rate: float = 0.01, domains: str | None = None, run: int = 0
    ) -> Path:
        key = (scale, seed, defect_rate, domains, run)
        if key not in cache:
            out = tmp_path_factory.mktemp(f"raw_s{scale}_seed{seed}_d{defect_rate}_r{run}") / "raw"
            argv = [
                "generate",
                "--scale",
                str(scale),
                "--seed",
                str(seed),
                "--start",
                START,
                "--end",
                END,
                "--defect-rate",
                str(defect_rate),
                "--out",
                str(out),
            ]
            if domains is not None:
                argv += ["--domains", domains]
            assert main(argv) == 0, f"generate {argv} failed"
            cache[key] = out
        return cache[key]

    return make


@pytest.fixture(scope="session")
def demo_raw(generated: GeneratedFactory) -> Path:
    """Scale 1 (about 150k order lines) with the default defect rate: the pattern and defect data set."""
    return generated(1.0)


@pytest.fixture(scope="session")
def demo_manifest(demo_raw: Path) -> dict:
    return json.loads((demo_raw / "manifest.json").read_text())


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A full `dbt build` plus the metric exports on scale-0.2 data: (raw dir, warehouse, target dir)."""
    from dbt_support import cli, dbt, generate

    work = tmp_path_factory.mktemp("full")
    raw = generate(work / "raw")
    db = work / "warehouse.duckdb"
    result = dbt(["build"], raw, db, work)
    assert result.returncode == 0, result.stdout[-6000:]
    exported = cli(["metrics", "export", "--target-path", str(work / "target"), "--db", str(db)], raw, db)
    assert exported.returncode == 0, exported.stderr[-4000:]
    return raw, db, work / "target"
