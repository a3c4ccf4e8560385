"""Shared fixtures for the generator tests: demo data sets generated once per pytest session.

`generated(...)` runs the real `sales-warehouse generate` command line in-process and caches the
output directory per argument set, so every test module asking for the same data set shares one
run. `run` tells apart deliberate repeat runs (the determinism test needs two identical ones).
`demo_warehouse` builds the demo data with dbt up to the intermediates the Python models read, and
`demo_model` reads them, so the Python model tests use the warehouse's rows, not copies of its SQL.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from sales_warehouse.cli import main

START = "2023-01-01"
END = "2025-12-31"
GeneratedFactory = Callable[..., Path]
ModelReader = Callable[..., pd.DataFrame]

# The intermediate models the dbt Python models read (their inputs), built on the demo data so the
# Python tests exercise the numbers the warehouse hands them rather than a re-implementation.
DEMO_MODELS: tuple[str, ...] = (
    "int_opportunity_stage_visits_featurized",
    "int_customers_purchase_behaviour_summarised",
    "int_customers_purchase_mix_counted",
    "int_customers_products_purchased",
    "int_order_lines_effective_priced",
    "int_forecast_calendar",
)


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


@pytest.fixture(scope="session")
def demo_warehouse(demo_raw: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The demo data (`demo_raw`) built by dbt up to DEMO_MODELS and everything they depend on
    (seeds, snapshot, staging, marts), without the data tests: (warehouse file, dbt work dir).

    The dbt builds of the test suite check the models themselves; this one only makes their output
    on the demo data readable (about 15 s on 2 cores).
    """
    from dbt_support import dbt

    work = tmp_path_factory.mktemp("demo_models")
    db = work / "warehouse.duckdb"
    select = [f"+{name}" for name in DEMO_MODELS]
    result = dbt(
        ["build", "--select", *select, "--exclude-resource-type", "test", "unit_test"], demo_raw, db, work
    )
    assert result.returncode == 0, result.stdout[-6000:]
    return db, work


@pytest.fixture(scope="session")
def demo_model(demo_warehouse: tuple[Path, Path]) -> ModelReader:
    """Rows of a model built on the demo data: demo_model("int_x", order_by="key") (schema
    intermediate unless `schema` says otherwise), read through a short read-only connection."""
    db, _ = demo_warehouse

    def read(name: str, order_by: str, schema: str = "intermediate") -> pd.DataFrame:
        with duckdb.connect(str(db), read_only=True) as con:
            return con.sql(f"select * from {schema}.{name} order by {order_by}").df()

    return read
