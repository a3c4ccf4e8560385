"""Backup and restore of the published warehouse, verified table by table.

A backup is a folder `<warehouse>-<UTC time>` holding DuckDB's `EXPORT DATABASE` output: one zstd
parquet file per table of every schema (snapshots and meta included: snapshot history cannot be
rebuilt from raw data), `schema.sql` (schemas, tables, views; a restore retries a view until the
views it reads exist) and `manifest.json`: per table its row count, an order-independent content
checksum and the SHA-256 and size of its file. Parquet + SQL rather than a copy of the DuckDB
file: per-table files let a damaged backup name the damaged table, and the format does not depend
on the DuckDB storage version.

Consistent: everything is read in one transaction of one read-only attachment. A build never
writes the published file (it renames a finished candidate over it), so the file opened once is
one published version from start to end, even while a build publishes a new one.

Verified twice: the backup reads its own parquet files back and compares them with the checksums
of the source tables before it is named complete (a backup that would not restore is never kept);
a restore checks every file's size and hash before loading anything and every loaded table's
count and checksum after, writes a temporary file and renames it over the target only at the end.

`sales_warehouse.checksums.table_checksum` does not fit here: it leaves out columns that record when
something ran (a backup must keep them) and sums floats with a tolerance (parallel float sums vary
in the last bits). A backup's checksum is exact: the sum of the hashes of whole rows.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from sales_warehouse.encryption import (
    PARQUET_KEY_NAME,
    EncryptionError,
    attach,
    explain,
    httpfs_extension,
    key_fingerprint,
    parquet_key,
)
from sales_warehouse.publish import PublishError, build_lock, warehouse_paths

FORMAT = "sales-warehouse-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SCHEMA_FILE = "schema.sql"
PARTIAL_PREFIX = ".partial-"
DEFAULT_KEEP = 7
_COPY_LINE = re.compile(r"""^COPY ((?:"(?:[^"]|"")*"|[^."\s]+)\.(?:"(?:[^"]|"")*"|[^."\s]+)) FROM '(.+?)' """)
_IDENTIFIER = re.compile(r'"((?:[^"]|"")*)"|([^."]+)')


class BackupError(RuntimeError):
    """A backup could not be written or a restore was refused; nothing was left half-written."""


@dataclass(frozen=True)
class TableEntry:
    table: str  # schema.table
    file: str  # parquet file name inside the backup folder
    row_count: int
    checksum: str
    bytes: int
    sha256: str


@dataclass(frozen=True)
class BackupResult:
    path: Path
    tables: list[TableEntry]
    views: list[str]
    pruned: list[Path]
    total_bytes: int


@dataclass(frozen=True)
class RestoreResult:
    path: Path
    tables: list[TableEntry]
    views_restored: list[str]
    views_skipped: dict[str, str]  # view -> why it could not be created (dbt build re-creates it)
    catalog: str  # the catalog name dbt qualified the views with
    encrypted: bool


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def catalog_name(path: Path) -> str:
    """The catalog name DuckDB gives a file (what dbt's views are qualified with): up to the first dot."""
    return path.name.split(".")[0]


def file_digest(path: Path) -> tuple[int, str]:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return path.stat().st_size, digest.hexdigest()


def content_checksum(
    connection: duckdb.DuckDBPyConnection, relation: str, columns: list[str]
) -> tuple[int, str]:
    """(row count, sum of the hashes of every row over every column): independent of row order."""
    row = ", ".join(columns) or "1"
    count, total = connection.execute(
        f"select count(*), coalesce(sum(hash(row({row}))::hugeint), 0) from {relation}"
    ).fetchone()
    return int(count), str(total)


def table_columns(
    connection: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str
) -> list[tuple[str, str]]:
    return connection.execute(
        "select column_name, data_type from duckdb_columns() "
        "where database_name = ? and schema_name = ? and table_name = ? order by column_index",
        [catalog, schema, table],
    ).fetchall()


def _split_qualified(name: str) -> tuple[str, str]:
    parts = [
        quoted_part.replace('""', '"') if quoted_part else plain
        for quoted_part, plain in _IDENTIFIER.findall(name)
    ]
    if len(parts) != 2:
        raise BackupError(f"cannot read the table name {name!r} in DuckDB's export")
    return parts[0], parts[1]


def _exported_files(folder: Path) -> dict[tuple[str, str], str]:
    """(schema, table) -> parquet file name, from the load.sql EXPORT DATABASE writes."""
    files = {}
    for line in (folder / "load.sql").read_text().splitlines():
        match = _COPY_LINE.match(line)
        if match:
            files[_split_qualified(match.group(1))] = Path(match.group(2)).name
    return files


@contextmanager
def _connection(key: str | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB; with a key, able to write and read the backup's encrypted parquet files."""
    connection = duckdb.connect()
    try:
        connection.execute("set enable_progress_bar = false")
        limit = os.environ.get("SALES_WAREHOUSE_MEMORY_LIMIT", "2GB")
        connection.execute(f"set memory_limit = {literal(limit)}")
        if key is not None:
            connection.execute(f"load {literal(str(httpfs_extension()))}")  # OpenSSL: writes encrypted
            connection.execute(
                f"pragma add_parquet_key({literal(PARQUET_KEY_NAME)}, {literal(parquet_key(key))})"
            )
            connection.execute("set temp_file_encryption = true")
        yield connection
    finally:
        connection.close()


def _parquet_options(encrypted: bool, assign: str = " ") -> str:
    """The option that encrypts (COPY, EXPORT) or decrypts (COPY, read_parquet with assign=" = ") parquet."""
    return f", encryption_config{assign}{{footer_key: {literal(PARQUET_KEY_NAME)}}}" if encrypted else ""


def _attach_warehouse(
    connection: duckdb.DuckDBPyConnection, warehouse: Path, alias: str, key: str | None, read_only: bool
) -> bool:
    """Attach the warehouse, with `key` when it is encrypted; returns whether it is. With a key a plain
    source is still read, so a plain warehouse can be backed up encrypted, then restored encrypted."""
    if key is not None:
        try:
            attach(connection, warehouse, key, alias, read_only=read_only)
            return True
        except EncryptionError as error:
            if not read_only or "is not encrypted" not in str(error):
                raise BackupError(str(error)) from None
    mode = " (read_only)" if read_only else ""
    try:
        connection.execute(f"attach {literal(str(warehouse))} as {quoted(alias)}{mode}")
    except duckdb.Error as error:
        explained = explain(error, warehouse, None)
        if explained is None:
            raise
        raise BackupError(str(explained)) from None
    return False


# --------------------------------------------------------------------------------------------- backup


def _backup_name(folder: Path, warehouse: Path, created: datetime) -> str:
    name = f"{catalog_name(warehouse)}-{created:%Y%m%dT%H%M%SZ}"
    candidate, number = name, 1
    while (folder / candidate).exists():
        number += 1
        candidate = f"{name}-{number}"
    return candidate


def _export(
    connection: duckdb.DuckDBPyConnection, catalog: str, out: Path, encrypted: bool
) -> tuple[list[TableEntry], list[str], str | None]:
    """Checksums and EXPORT DATABASE in one transaction: one version of the warehouse."""
    connection.execute("begin transaction")
    tables = connection.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = ? order by 1, 2", [catalog]
    ).fetchall()
    views = [
        f"{schema}.{view}"
        for schema, view in connection.execute(
            "select schema_name, view_name from duckdb_views() "
            "where database_name = ? and not internal order by 1, 2",
            [catalog],
        ).fetchall()
    ]
    sums = {
        (schema, table): content_checksum(
            connection,
            f"{quoted(catalog)}.{quoted(schema)}.{quoted(table)}",
            [quoted(name) for name, _ in table_columns(connection, catalog, schema, table)],
        )
        for schema, table in tables
    }
    published_at = None
    if ("meta", "publish_log") in sums:
        value = connection.execute(
            f"select max(published_at) from {quoted(catalog)}.meta.publish_log"
        ).fetchone()[0]
        published_at = None if value is None else value.isoformat()
    connection.execute(
        f"export database {quoted(catalog)} to {literal(str(out))} "
        f"(format parquet, compression zstd{_parquet_options(encrypted)})"
    )
    files = _exported_files(out)
    missing = [f"{schema}.{table}" for schema, table in tables if (schema, table) not in files]
    if missing:
        raise BackupError(f"DuckDB's export left out tables {', '.join(missing)}")
    # Check the files against the same snapshot before the transaction ends.
    entries = []
    for schema, table in tables:
        name = f"{schema}.{table}"
        file = out / files[schema, table]
        columns = table_columns(connection, catalog, schema, table)
        read_back = content_checksum(
            connection,
            "(select "
            + ", ".join(f"cast({quoted(c)} as {t}) as {quoted(c)}" for c, t in columns)
            + f" from read_parquet({literal(str(file))}{_parquet_options(encrypted, ' = ')}))",
            [quoted(c) for c, _ in columns],
        )
        if read_back != sums[schema, table]:
            raise BackupError(
                f"table {name}: its exported file does not read back equal "
                f"({read_back} != {sums[schema, table]})"
            )
        size, sha = file_digest(file)
        entries.append(TableEntry(name, file.name, sums[schema, table][0], sums[schema, table][1], size, sha))
    connection.execute("commit")
    (out / "load.sql").unlink()  # absolute paths of the folder it was written to: restore reads the manifest
    return entries, views, published_at


def backup_warehouse(
    warehouse: Path,
    folder: Path,
    keep: int = DEFAULT_KEEP,
    now: Callable[[], datetime] | None = None,
    key: str | None = None,
) -> BackupResult:
    """Write a verified backup of `warehouse` into `folder`/<name>-<UTC time> and keep the newest `keep`.
    With `key` the warehouse is opened with it (if encrypted) and the backup's parquet files are encrypted."""
    if keep < 1:
        raise BackupError(f"--keep must be at least 1 (got {keep})")
    warehouse = warehouse.resolve()
    if not warehouse.is_file():
        raise BackupError(f"no warehouse at {warehouse}: nothing to back up")
    folder.mkdir(parents=True, exist_ok=True)
    with _folder_lock(folder):
        created = (now or (lambda: datetime.now(UTC)))()
        name = _backup_name(folder, warehouse, created)
        partial = folder / f"{PARTIAL_PREFIX}{name}"
        catalog = catalog_name(warehouse)
        try:
            with _connection(key) as connection:
                was_encrypted = _attach_warehouse(connection, warehouse, catalog, key, read_only=True)
                entries, views, published_at = _export(connection, catalog, partial, key is not None)
            schema_bytes, schema_sha = file_digest(partial / SCHEMA_FILE)
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "name": name,
                "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "warehouse": str(warehouse),
                "catalog": catalog,
                "warehouse_published_at": published_at,
                "warehouse_encrypted": was_encrypted,
                "encrypted": key is not None,
                "key_fingerprint": None if key is None else key_fingerprint(key),
                "duckdb_version": duckdb.__version__,
                "checksum": "count(*) and sum(hash(row(every column))::hugeint) per table",
                "schema_file": {"file": SCHEMA_FILE, "bytes": schema_bytes, "sha256": schema_sha},
                "tables": [entry.__dict__ for entry in entries],
                "views": views,
            }
            (partial / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
            _fsync_tree(partial)
            os.replace(partial, folder / name)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        pruned = prune_backups(folder, catalog, keep)
    total = sum(path.stat().st_size for path in (folder / name).iterdir())
    return BackupResult(folder / name, entries, views, pruned, total)


@contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """One backup or prune at a time per folder; partial folders left by a killed backup are removed."""
    import fcntl

    with open(folder / ".backup.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise BackupError(f"another backup into {folder} is running") from error
        for stale in folder.glob(f"{PARTIAL_PREFIX}*"):
            shutil.rmtree(stale, ignore_errors=True)
        yield


def _fsync_tree(folder: Path) -> None:
    for path in [*folder.iterdir(), folder]:
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def list_backups(folder: Path, catalog: str | None = None) -> list[tuple[str, Path]]:
    """(created_at, path) of the complete backups in `folder` (of one warehouse if given), oldest first."""
    found = []
    for manifest_path in folder.glob(f"*/{MANIFEST}"):
        try:
            manifest = json.loads(manifest_path.read_text())
        except (OSError, ValueError):
            continue
        if manifest.get("format") == FORMAT and (catalog is None or manifest.get("catalog") == catalog):
            found.append((str(manifest.get("created_at")), manifest_path.parent))
    return sorted(found)


def prune_backups(folder: Path, catalog: str, keep: int) -> list[Path]:
    """Delete all but the newest `keep` backups of one warehouse; never touches anything else."""
    backups = list_backups(folder, catalog)
    pruned = [path for _, path in backups[: max(len(backups) - keep, 0)]]
    for path in pruned:
        shutil.rmtree(path)
    return pruned


# -------------------------------------------------------------------------------------------- restore


def read_manifest(backup: Path) -> dict:
    try:
        manifest = json.loads((backup / MANIFEST).read_text())
    except FileNotFoundError as error:
        raise BackupError(f"{backup} is not a backup: it has no {MANIFEST}") from error
    except ValueError as error:
        raise BackupError(f"{backup / MANIFEST} is damaged: {error}") from error
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"{backup} is not a backup this version can restore (format {manifest.get('format')!r})"
        )
    return manifest


def verify_files(backup: Path, manifest: dict) -> list[TableEntry]:
    """Every file present, of the recorded size and hash; raises naming the table otherwise."""
    entries = [TableEntry(**item) for item in manifest["tables"]]
    schema = manifest["schema_file"]
    checks = [(f"the schema file {SCHEMA_FILE}", schema["file"], schema["bytes"], schema["sha256"])]
    checks += [
        (f"table {entry.table} (file {entry.file})", entry.file, entry.bytes, entry.sha256)
        for entry in entries
    ]
    for what, file, expected_bytes, expected_sha in checks:
        path = backup / file
        if not path.is_file():
            raise BackupError(f"backup {backup.name}: {what} is missing; not restoring")
        size, sha = file_digest(path)
        if size != expected_bytes:
            raise BackupError(
                f"backup {backup.name}: {what} is truncated or altered ({size:,} bytes, the manifest records "
                f"{expected_bytes:,}); not restoring"
            )
        if sha != expected_sha:
            raise BackupError(
                f"backup {backup.name}: {what} was altered (its SHA-256 differs from the manifest); "
                "not restoring"
            )
    return entries


def _load(
    connection: duckdb.DuckDBPyConnection, backup: Path, manifest: dict, entries: list[TableEntry]
) -> tuple[list[str], dict[str, str]]:
    options = _parquet_options(manifest.get("encrypted", False))
    catalog = manifest["catalog"]
    connection.execute(f"use {quoted(catalog)}")
    restored, skipped = [], {}
    pending: list[tuple[str, str]] = []  # (view, statement) that failed: retried below
    for statement in duckdb.extract_statements((backup / SCHEMA_FILE).read_text()):
        view = re.match(r"\s*CREATE VIEW (\S+)", statement.query)
        try:
            connection.execute(statement.query)
        except duckdb.Error as error:
            if view is None:
                raise BackupError(
                    f"backup {backup.name}: {statement.query[:80]!r} failed: {error}"
                ) from error
            pending.append((view.group(1), statement.query))
            skipped[view.group(1)] = str(error).splitlines()[0]
            continue
        if view is not None:
            restored.append(view.group(1))
    # EXPORT DATABASE writes views schema by schema, not in dependency order: a view over a view of a
    # later schema (intermediate over staging) fails the first time. Retry while any succeeds.
    while pending:
        still = []
        for name, query in pending:
            try:
                connection.execute(query)
            except duckdb.Error as error:
                skipped[name] = str(error).splitlines()[0]
                still.append((name, query))
                continue
            skipped.pop(name, None)
            restored.append(name)
        if len(still) == len(pending):
            break
        pending = still
    # What is left reads the raw files (a staging view), which are not here: dbt build re-creates it.
    tables = {
        f"{schema}.{table}"
        for schema, table in connection.execute(
            "select schema_name, table_name from duckdb_tables() where database_name = ?", [catalog]
        ).fetchall()
    }
    if tables != {entry.table for entry in entries}:
        raise BackupError(
            f"backup {backup.name}: {SCHEMA_FILE} and the manifest list different tables; not restoring"
        )
    versions = f" (backup made with DuckDB {manifest['duckdb_version']}, restoring with {duckdb.__version__})"
    for entry in entries:
        schema, table = entry.table.split(".", 1)
        relation = f"{quoted(catalog)}.{quoted(schema)}.{quoted(table)}"
        try:
            connection.execute(
                f"copy {relation} from {literal(str(backup / entry.file))} (format parquet{options})"
            )
        except duckdb.Error as error:
            raise BackupError(
                f"backup {backup.name}: table {entry.table} cannot be loaded: {error}"
            ) from error
        columns = [quoted(name) for name, _ in table_columns(connection, catalog, schema, table)]
        found = content_checksum(connection, relation, columns)
        if found != (entry.row_count, entry.checksum):
            raise BackupError(
                f"backup {backup.name}: table {entry.table} restored {found[0]:,} rows with checksum "
                f"{found[1]}, the manifest records {entry.row_count:,} rows with {entry.checksum}"
                + (versions if manifest["duckdb_version"] != duckdb.__version__ else "")
            )
    return restored, skipped


def _backup_key(backup: Path, manifest: dict, key: str | None) -> str | None:
    """The key that reads the backup's files: the one it was made with, told by its fingerprint."""
    if not manifest.get("encrypted"):
        return None
    if key is None:
        raise BackupError(
            f"backup {backup.name} is encrypted: set SALES_WAREHOUSE_ENCRYPTION_KEY (or _FILE) "
            "or pass --backup-key-file"
        )
    if key_fingerprint(key) != manifest["key_fingerprint"]:
        raise BackupError(
            f"backup {backup.name} was made with another key (fingerprint {manifest['key_fingerprint']}): "
            "pass the key it was made with as --backup-key-file"
        )
    return key


def restore_warehouse(
    backup: Path, target: Path, force: bool = False, key: str | None = None, backup_key: str | None = None
) -> RestoreResult:
    """Rebuild `target` from `backup`, verified; replaces an existing target only with force=True.
    The target is encrypted with `key` if given; `backup_key` (default `key`) reads an encrypted backup."""
    target = target.resolve()
    manifest = read_manifest(backup)
    if target.exists() and not force:
        raise BackupError(f"{target} exists; pass --force to replace it")
    reading_key = _backup_key(backup, manifest, backup_key or key)
    entries = verify_files(backup, manifest)
    target.parent.mkdir(parents=True, exist_ok=True)
    # A restore over the published warehouse must not race a build publishing a candidate over it.
    try:
        with build_lock(warehouse_paths(target)):
            return _restore_locked(backup, target, manifest, entries, key, reading_key)
    except PublishError as error:
        raise BackupError(f"{error}; not restoring now") from None


def _restore_locked(
    backup: Path,
    target: Path,
    manifest: dict,
    entries: list[TableEntry],
    key: str | None,
    reading_key: str | None,
) -> RestoreResult:
    temporary = target.with_name(target.name + ".restoring")
    leftovers = [temporary, temporary.with_name(temporary.name + ".wal")]
    for path in leftovers:
        path.unlink(missing_ok=True)
    try:
        with _connection(reading_key) as connection:
            _attach_warehouse(connection, temporary, manifest["catalog"], key, read_only=False)
            restored, skipped = _load(connection, backup, manifest, entries)
            connection.execute("checkpoint")
        if leftovers[1].exists():
            raise BackupError(
                f"{temporary} still has a write-ahead log after the checkpoint; not replacing {target}"
            )
        # A stale log of the file being replaced must not replay onto the restored one.
        target.with_name(target.name + ".wal").unlink(missing_ok=True)
        os.replace(temporary, target)
    except BaseException:
        for path in leftovers:
            path.unlink(missing_ok=True)
        raise
    directory = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return RestoreResult(target, entries, restored, skipped, manifest["catalog"], key is not None)


def find_backup(reference: str, folder: Path) -> Path:
    """A backup folder from a path, a backup name inside `folder`, or `latest` (newest in `folder`)."""
    if reference == "latest":
        backups = list_backups(folder)
        if not backups:
            raise BackupError(f"no backups in {folder}")
        return backups[-1][1]
    for path in (Path(reference), folder / reference):
        if path.is_dir():
            return path.resolve()
    raise BackupError(f"no backup {reference!r} (neither a folder nor a backup in {folder})")
