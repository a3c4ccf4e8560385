"""Backup and restore: a round trip gives back every table of every schema, a damaged backup is refused
naming the table, nothing is overwritten or half-written, pruning keeps the newest N, and dbt carries
on from a restored warehouse (incremental models merge, snapshot history kept).

The round trip uses the session's full build (`built`) published with a `meta.publish_log` row; the
dbt test builds the incremental models and the customer snapshot from a commerce export cut at one
night, restores a backup of it and builds the next night on the restored file and on the original.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from dbt_support import ALL_OFF, dbt, generate

from sales_warehouse import backup as backup_module
from sales_warehouse.backup import BackupError, backup_warehouse, content_checksum, quoted, restore_warehouse
from sales_warehouse.checksums import differences, to_json, warehouse_checksums
from sales_warehouse.cli import main
from sales_warehouse.publish import build_lock, record_publish, warehouse_paths


def schemas(path: Path) -> tuple[str, ...]:
    with duckdb.connect(str(path), read_only=True) as con:
        return tuple(row[0] for row in con.sql("select distinct schema_name from duckdb_tables()").fetchall())


def exact_checksums(path: Path) -> dict[str, tuple[int, str]]:
    """Row count and exact checksum of every table, from an independent connection."""
    with duckdb.connect(str(path), read_only=True) as con:
        found = {}
        for schema, table in con.sql("select schema_name, table_name from duckdb_tables()").fetchall():
            columns = [quoted(row[0]) for row in con.sql(f'describe "{schema}"."{table}"').fetchall()]
            found[f"{schema}.{table}"] = content_checksum(con, f'"{schema}"."{table}"', columns)
        return found


def views(path: Path) -> list[str]:
    with duckdb.connect(str(path), read_only=True) as con:
        return sorted(
            f"{s}.{v}"
            for s, v in con.sql(
                "select schema_name, view_name from duckdb_views() where not internal"
            ).fetchall()
        )


def small_warehouse(path: Path, rows: int = 100) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute("create schema snapshots")
        con.execute(
            f"create table marts.orders as select range as order_id, range * 1.5 as amount from range({rows})"
        )
        con.execute(
            f"create table snapshots.customers_snapshot as select range as customer_id, 'c' || range as name, "
            f"timestamp '2024-01-01' + to_days(range::integer) as dbt_valid_from from range({rows // 2})"
        )
    return path


@pytest.fixture(scope="module")
def published(built: tuple[Path, Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's full build, published: a copy with its meta.publish_log row."""
    _, db, _ = built
    path = tmp_path_factory.mktemp("published") / "warehouse.duckdb"
    shutil.copyfile(db, path)
    record_publish(path, ["dbt build", "metric exports"], datetime.now(UTC))
    return path


@pytest.fixture(scope="module")
def backed_up(published: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("backups")
    assert main(["backup", "--db", str(published), "--to", str(folder)]) == 0
    (found,) = [path for path in folder.iterdir() if path.is_dir()]
    return found


def damaged_copy(backup: Path, tmp_path: Path) -> Path:
    copy = tmp_path / backup.name
    shutil.copytree(backup, copy)
    return copy


def file_of(backup: Path, table: str) -> Path:
    manifest = json.loads((backup / "manifest.json").read_text())
    (entry,) = [item for item in manifest["tables"] if item["table"] == table]
    return backup / entry["file"]


# ------------------------------------------------------------------------------------------ round trip


def test_round_trip_gives_back_every_table_of_every_schema(
    published: Path, backed_up: Path, tmp_path: Path, capsys
) -> None:
    target = tmp_path / "restored" / "warehouse.duckdb"
    assert main(["restore", str(backed_up), "--to", str(target)]) == 0
    assert "each equal to the manifest" in capsys.readouterr().out
    every = schemas(published)
    assert {"snapshots", "meta", "marts", "metrics", "quality", "staging", "reference"} <= set(every)
    original, restored = exact_checksums(published), exact_checksums(target)
    assert original == restored
    assert {"snapshots.customers_snapshot", "meta.publish_log", "marts.fct_order_lines"} <= set(original)
    assert all(
        count > 0 for count, _ in (original["snapshots.customers_snapshot"], original["meta.publish_log"])
    )
    # The project's own checksums (floats with a tolerance, run times left out) agree as well.
    before = json.loads(to_json(warehouse_checksums(published, every)))
    assert differences(before, warehouse_checksums(target, every)) == []
    assert views(target) == views(published) and views(target)
    with duckdb.connect(str(target), read_only=True) as con:
        assert con.sql("select count(*) from staging.stg_shop__customers").fetchone()[0] > 0


def test_manifest_records_counts_checksums_files_and_versions(published: Path, backed_up: Path) -> None:
    manifest = json.loads((backed_up / "manifest.json").read_text())
    assert manifest["duckdb_version"] == duckdb.__version__
    assert manifest["warehouse_published_at"] is not None
    assert datetime.strptime(manifest["created_at"], "%Y-%m-%dT%H:%M:%SZ")
    recorded = {item["table"]: (item["row_count"], item["checksum"]) for item in manifest["tables"]}
    assert recorded == exact_checksums(published)
    for item in manifest["tables"]:
        assert (backed_up / item["file"]).stat().st_size == item["bytes"]
    assert not (backed_up / "load.sql").exists()


# --------------------------------------------------------------------------------------- damaged backups


def assert_refused(backup: Path, target: Path, capsys, *expected: str) -> None:
    assert main(["restore", str(backup), "--to", str(target)]) == 1
    error = capsys.readouterr().err
    assert all(text in error for text in expected), error
    assert error.count("\n") == 1, error
    assert not target.exists()
    assert not list(target.parent.glob("*.restoring*"))


def test_flipped_bytes_stop_the_restore_naming_the_table(backed_up: Path, tmp_path: Path, capsys) -> None:
    backup = damaged_copy(backed_up, tmp_path)
    path = file_of(backup, "snapshots.customers_snapshot")
    data = bytearray(path.read_bytes())
    for offset in range(len(data) // 2, len(data) // 2 + 4):
        data[offset] ^= 0xFF
    path.write_bytes(bytes(data))
    assert_refused(backup, tmp_path / "out.duckdb", capsys, "table snapshots.customers_snapshot", "altered")


def test_a_truncated_file_stops_the_restore_naming_the_table(backed_up: Path, tmp_path: Path, capsys) -> None:
    backup = damaged_copy(backed_up, tmp_path)
    path = file_of(backup, "marts.fct_order_lines")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])
    assert_refused(backup, tmp_path / "out.duckdb", capsys, "table marts.fct_order_lines", "truncated")


def test_a_replaced_file_with_matching_hash_is_caught_by_the_table_checksum(
    backed_up: Path, tmp_path: Path, capsys
) -> None:
    """A consistent but wrong file (manifest hash updated too) fails on the restored rows' checksum."""
    backup = damaged_copy(backed_up, tmp_path)
    path = file_of(backup, "marts.dim_customers")
    with duckdb.connect() as con:
        con.execute(
            f"copy (select * from read_parquet('{path}') limit 10 offset 1) to '{path}.new' (format parquet)"
        )
    os.replace(f"{path}.new", path)
    manifest = json.loads((backup / "manifest.json").read_text())
    (entry,) = [item for item in manifest["tables"] if item["table"] == "marts.dim_customers"]
    entry["bytes"], entry["sha256"] = backup_module.file_digest(path)
    (backup / "manifest.json").write_text(json.dumps(manifest))
    assert_refused(backup, tmp_path / "out.duckdb", capsys, "table marts.dim_customers", "restored 10 rows")


def test_a_folder_without_manifest_is_not_a_backup(tmp_path: Path, capsys) -> None:
    (tmp_path / "empty").mkdir()
    assert_refused(tmp_path / "empty", tmp_path / "out.duckdb", capsys, "is not a backup")


# ------------------------------------------------------------------------------------- overwrite, prune


def test_restore_refuses_to_overwrite_without_force(tmp_path: Path, capsys) -> None:
    source = small_warehouse(tmp_path / "warehouse.duckdb")
    result = backup_warehouse(source, tmp_path / "backups")
    target = small_warehouse(tmp_path / "existing" / "warehouse.duckdb", rows=7)
    before = target.read_bytes()
    assert main(["restore", str(result.path), "--to", str(target)]) == 1
    assert "exists; pass --force" in capsys.readouterr().err
    assert target.read_bytes() == before
    stale_wal = target.with_name(target.name + ".wal")
    stale_wal.write_bytes(b"a log of the file being replaced must not replay onto the restored one")
    assert main(["restore", str(result.path), "--to", str(target), "--force"]) == 0
    assert not stale_wal.exists()
    assert exact_checksums(target) == exact_checksums(source)


def test_restore_waits_for_no_build_it_refuses_while_one_runs(tmp_path: Path, capsys) -> None:
    source = small_warehouse(tmp_path / "warehouse.duckdb")
    result = backup_warehouse(source, tmp_path / "backups")
    target = small_warehouse(tmp_path / "published" / "warehouse.duckdb", rows=7)
    before = target.read_bytes()
    with build_lock(warehouse_paths(target)):
        assert main(["restore", str(result.path), "--to", str(target), "--force"]) == 1
    error = capsys.readouterr().err
    assert "another build" in error and error.count("\n") == 1, error
    assert target.read_bytes() == before


def test_pruning_keeps_the_newest_n_of_this_warehouse_only(tmp_path: Path, capsys) -> None:
    source = small_warehouse(tmp_path / "warehouse.duckdb")
    other = small_warehouse(tmp_path / "other.duckdb")
    folder = tmp_path / "backups"
    start = datetime(2026, 1, 1, tzinfo=UTC)
    other_backup = backup_warehouse(other, folder, keep=1, now=lambda: start).path
    (folder / "notes").mkdir()
    made = [
        backup_warehouse(source, folder, keep=3, now=lambda day=day: start + timedelta(days=day)).path
        for day in range(4)
    ]
    assert sorted(path.name for path in folder.iterdir() if path.is_dir()) == sorted(
        [other_backup.name, "notes", *(path.name for path in made[1:])]
    )
    assert main(["backup", "--db", str(source), "--to", str(folder), "--keep", "2"]) == 0
    output = capsys.readouterr().out
    assert f"pruned {made[1]}" in output and f"pruned {made[2]}" in output and f"{made[3]}" not in output
    kept = sorted(path.name for path in folder.glob("warehouse-*"))
    assert len(kept) == 2 and kept[0] == made[3].name
    assert other_backup.exists() and (folder / "notes").exists()


def test_keep_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="at least 1"):
        backup_warehouse(small_warehouse(tmp_path / "warehouse.duckdb"), tmp_path / "backups", keep=0)


def test_a_backup_is_one_version_while_a_build_publishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build renames a new file over the published one mid-backup: the backup keeps the version it opened."""
    published = small_warehouse(tmp_path / "warehouse.duckdb", rows=100)
    newer = small_warehouse(tmp_path / "newer.duckdb", rows=30)
    first_version = exact_checksums(published)
    checksum = backup_module.content_checksum
    swapped = []

    def publish_during_backup(*args: object) -> tuple[int, str]:
        if not swapped:
            os.replace(newer, published)
            swapped.append(True)
        return checksum(*args)

    monkeypatch.setattr(backup_module, "content_checksum", publish_during_backup)
    result = backup_warehouse(published, tmp_path / "backups")
    monkeypatch.undo()
    assert swapped
    restored = restore_warehouse(result.path, tmp_path / "restored.duckdb").path
    assert exact_checksums(restored) == first_version != exact_checksums(published)


def test_a_failed_backup_leaves_no_partial_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = small_warehouse(tmp_path / "warehouse.duckdb")

    def broken(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(backup_module, "_fsync_tree", broken)
    with pytest.raises(OSError, match="disk full"):
        backup_warehouse(source, tmp_path / "backups")
    assert [path.name for path in (tmp_path / "backups").iterdir()] == [".backup.lock"]


# -------------------------------------------------------------------------------- dbt after a restore


SELECT = ["--select", "+config.materialized:incremental", "customers_snapshot", "--vars", ALL_OFF]


def cut(raw: Path, out: Path, cutoff: str) -> Path:
    """The raw files as an export taken at `cutoff` would have had them."""
    out.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        for path in raw.glob("*.parquet"):
            con.execute(
                f"copy (select * from read_parquet('{path}') where _loaded_at <= timestamp '{cutoff}') "
                f"to '{out / path.name}' (format parquet)"
            )
    return out


def build(raw: Path, db: Path, *args: str) -> None:
    result = dbt(["build", *SELECT, *args], raw, db, db.parent)
    assert result.returncode == 0, result.stdout[-5000:]


def test_dbt_carries_on_from_a_restored_warehouse(tmp_path_factory: pytest.TempPathFactory) -> None:
    work = tmp_path_factory.mktemp("dbt_restore")
    full_raw = generate(work / "full_raw", "--domains", "commerce")
    raw = cut(full_raw, work / "raw", "2024-06-14 03:00:00")
    original = work / "original" / "warehouse.duckdb"
    original.parent.mkdir()
    build(raw, original, "--exclude", "resource_type:test", "resource_type:unit_test")

    backup = backup_warehouse(original, work / "backups").path
    restored = restore_warehouse(backup, work / "restored" / "warehouse.duckdb").path
    assert exact_checksums(restored) == exact_checksums(original)

    cut(full_raw, raw, "2024-06-21 03:00:00")  # a week of new and late-changed rows
    build(raw, restored, "--indirect-selection", "cautious")  # with its data tests
    runtime_sql = restored.parent / "target" / "run" / "sales_warehouse" / "models" / "marts" / "core"
    assert "merge into" in (runtime_sql / "fct_order_lines.sql").read_text().lower(), "fully refreshed"
    build(raw, original, "--exclude", "resource_type:test", "resource_type:unit_test")

    after_original, after_restored = exact_checksums(original), exact_checksums(restored)
    for table in ("marts.fct_order_lines", "marts.sales_daily"):
        assert after_restored[table] == after_original[table], table
    # Snapshot history carries on: every version recorded before the backup is still there.
    history = file_of(backup, "snapshots.customers_snapshot")
    with duckdb.connect() as con:
        con.execute(f"attach '{restored}' as restored (read_only)")
        before = con.sql(f"select count(*) from read_parquet('{history}')").fetchone()[0]
        kept = con.sql(
            "select count(*) from restored.snapshots.customers_snapshot as now "
            f"semi join read_parquet('{history}') as was using (dbt_scd_id)"
        ).fetchone()[0]
        grown = con.sql("select count(*) from restored.snapshots.customers_snapshot").fetchone()[0]
    assert kept == before and grown > before
    assert (
        after_restored["snapshots.customers_snapshot"][0] == after_original["snapshots.customers_snapshot"][0]
    )
