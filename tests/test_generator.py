"""Generator basics: determinism, the raw contract, linear scaling and argument checking."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sales_warehouse import contract, generator
from sales_warehouse.cli import main

# Scale 1 is the smallest data set the pattern tests need anyway, and it takes about a second, so the
# file-level checks reuse it (and generate a second copy for determinism) rather than a tiny scale.

# The contract's SQL types as arrow types, written out here rather than imported from the generator so
# that a wrong mapping in the generator is caught.
EXPECTED_ARROW = {
    "BIGINT": pa.int64(),
    "INTEGER": pa.int32(),
    "DOUBLE": pa.float64(),
    "VARCHAR": pa.string(),
    "DATE": pa.date32(),
    "TIMESTAMP": pa.timestamp("us"),
    "BOOLEAN": pa.bool_(),
}


def file_hashes(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def manifest(root: Path) -> dict:
    return json.loads((root / "manifest.json").read_text())


def distinct_keys(root: Path, name: str) -> int:
    key = ", ".join(contract.entity(name).primary_key)
    query = f"select count(*) from (select distinct {key} from read_parquet('{root / name}.parquet'))"
    return duckdb.sql(query).fetchone()[0]


# --------------------------------------------------------------------------- determinism


def test_same_seed_gives_byte_identical_files(generated):
    first = file_hashes(generated(1.0))
    second = file_hashes(generated(1.0, run=1))
    expected = {f"{item.name}.parquet" for item in contract.ENTITIES} | {
        "manifest.json",
        "truth/customer_groups.parquet",
        "truth/rep_skill.parquet",
    }
    assert set(first) == expected
    assert first == second


def test_different_seed_gives_different_orders(generated):
    base, other = generated(1.0), generated(1.0, seed=7)
    assert file_hashes(base)["orders.parquet"] != file_hashes(other)["orders.parquet"]
    columns = ["customer_id", "placed_at", "channel"]
    a = pq.read_table(base / "orders.parquet", columns=columns).to_pandas()
    b = pq.read_table(other / "orders.parquet", columns=columns).to_pandas()
    n = min(len(a), len(b))
    # Not just a different file: the orders themselves differ (most rows, not a handful).
    differing = (a.iloc[:n].reset_index(drop=True) != b.iloc[:n].reset_index(drop=True)).any(axis=1).mean()
    assert differing > 0.9


# --------------------------------------------------------------------------- contract


@pytest.mark.parametrize("item", contract.ENTITIES, ids=lambda item: item.name)
def test_every_file_matches_the_contract(demo_raw, item):
    root = demo_raw
    schema = pq.read_schema(root / f"{item.name}.parquet")
    actual = [(field.name, field.type) for field in schema]
    expected = [(column.name, EXPECTED_ARROW[column.data_type]) for column in item.columns]
    assert actual == expected
    assert pq.ParquetFile(root / f"{item.name}.parquet").metadata.num_rows > 0


def test_manifest_row_counts_match_the_files(demo_raw):
    root = demo_raw
    counts = manifest(root)["row_counts"]
    assert counts == {
        item.name: pq.ParquetFile(root / f"{item.name}.parquet").metadata.num_rows
        for item in contract.ENTITIES
    }


def test_truth_files_cover_every_customer_and_rep(demo_raw):
    root = demo_raw
    groups = pq.read_table(root / "truth" / "customer_groups.parquet").to_pandas()
    skills = pq.read_table(root / "truth" / "rep_skill.parquet").to_pandas()
    customers = pq.read_table(root / "customers.parquet", columns=["customer_id"]).to_pandas()
    reps = pq.read_table(root / "sales_reps.parquet", columns=["sales_rep_id"]).to_pandas()
    assert set(groups["customer_id"]) == set(customers["customer_id"])
    assert groups["customer_id"].is_unique
    assert set(groups["group_name"]) == set(manifest(root)["patterns"]["customer_groups"]["names"])
    assert set(skills["sales_rep_id"]) == set(reps["sales_rep_id"])


def test_commerce_only_writes_commerce_files(generated):
    # Also the boundary of --defect-rate: 0.2 itself is allowed.
    root = generated(1.0, defect_rate=0.2, domains="commerce")
    commerce = {item.name for item in contract.ENTITIES if item.domain == "commerce"}
    assert commerce == {"customers", "products", "orders", "order_lines", "returns"}
    written = {path.stem for path in root.glob("*.parquet")}
    assert written == commerce
    data = manifest(root)
    assert data["config"]["domains"] == ["commerce"]
    assert data["config"]["defect_rate"] == 0.2
    assert set(data["row_counts"]) == commerce
    assert set(data["defects"]) <= commerce
    for name in commerce:
        schema = pq.read_schema(root / f"{name}.parquet")
        assert schema.names == [column.name for column in contract.entity(name).columns]


# --------------------------------------------------------------------------- scale


@pytest.mark.parametrize("scale", [0.1, 0.5])
def test_scales_below_one_generate(generated, scale):
    """The CLI documents --scale as any value > 0 and linear; small scales are what CI and demos use."""
    root = generated(scale)
    assert distinct_keys(root, "customers") == pytest.approx(5_000 * scale, rel=0.15)
    assert distinct_keys(root, "orders") == pytest.approx(60_000 * scale, rel=0.15)


@pytest.mark.parametrize(("small", "large"), [(0.5, 1.0), (1.0, 2.0)], ids=["0.5-to-1", "1-to-2"])
def test_order_lines_grow_linearly_with_scale(generated, small, large):
    ratio = distinct_keys(generated(large), "order_lines") / distinct_keys(generated(small), "order_lines")
    assert ratio == pytest.approx(large / small, rel=0.15)


def test_pipeline_keys_stay_unique_across_lead_chunks(generated):
    """Above scale 2.5 leads come in several chunks; activity ids used to repeat across them."""
    root = generated(3.0, domains="commerce,pipeline")
    assert manifest(root)["row_counts"]["leads"] > generator.LEAD_CHUNK
    for name in ("leads", "opportunities", "opportunity_stage_history", "activities"):
        rows = pq.read_metadata(root / f"{name}.parquet").num_rows
        assert distinct_keys(root, name) == rows, name


def test_scale_1_meets_the_size_targets(demo_raw):
    assert distinct_keys(demo_raw, "orders") == pytest.approx(60_000, rel=0.15)
    assert distinct_keys(demo_raw, "order_lines") == pytest.approx(150_000, rel=0.20)
    assert distinct_keys(demo_raw, "customers") == pytest.approx(5_000, rel=0.15)
    assert distinct_keys(demo_raw, "sales_reps") == pytest.approx(40, rel=0.15)
    assert 5 <= distinct_keys(demo_raw, "sales_teams") <= 8
    assert distinct_keys(demo_raw, "leads") == pytest.approx(20_000, rel=0.15)
    assert distinct_keys(demo_raw, "opportunities") == pytest.approx(6_000, rel=0.25)
    assert distinct_keys(demo_raw, "support_tickets") == pytest.approx(8_000, rel=0.15)
    regions = duckdb.sql(
        "select distinct lower(trim(region_code)) as region"
        f" from read_parquet('{demo_raw}/customers.parquet')"
    ).fetchall()
    rep_regions = duckdb.sql(
        f"select distinct region_code from read_parquet('{demo_raw}/sales_reps.parquet')"
    ).fetchall()
    assert len(regions) == 7
    assert set(rep_regions) <= set(regions)


# --------------------------------------------------------------------------- bad arguments


def run_cli(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as error:  # argparse errors exit instead of returning
        return int(error.code)


@pytest.mark.parametrize(
    ("extra", "fragments"),
    [
        (["--scale", "0"], ["--scale", "got 0"]),
        (["--scale", "-1"], ["--scale", "got -1"]),
        (["--start", "2024-06-01", "--end", "2024-01-01"], ["--end", "2024-01-01", "2024-06-01"]),
        (["--start", "2024-13-01"], ["not a date", "2024-13-01"]),
        (["--end", "31/12/2025"], ["not a date", "31/12/2025"]),
        (["--domains", "commerce,payroll"], ["unknown domain", "payroll"]),
        (["--domains", "pipeline,service"], ["commerce domain is required"]),
        (["--defect-rate", "0.25"], ["--defect-rate", "0.25"]),
    ],
    ids=[
        "scale-zero",
        "scale-negative",
        "end-before-start",
        "bad-start",
        "bad-end",
        "unknown-domain",
        "no-commerce",
        "defect-rate-too-high",
    ],
)
def test_cli_rejects_bad_arguments(tmp_path, capsys, extra, fragments):
    out = tmp_path / "raw"
    code = run_cli(["generate", "--out", str(out), *extra])
    captured = capsys.readouterr()
    assert code == 2
    for fragment in fragments:  # names the problem and quotes the bad value back
        assert fragment in captured.err
    assert "Traceback" not in captured.err
    assert not out.exists(), "nothing may be written for rejected arguments"
