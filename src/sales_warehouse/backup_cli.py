"""`sales-warehouse backup` and `sales-warehouse restore` (see backup.py)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from sales_warehouse.backup import (
    DEFAULT_KEEP,
    BackupError,
    backup_warehouse,
    catalog_name,
    find_backup,
    restore_warehouse,
)
from sales_warehouse.encryption import EncryptionError, encryption_key, key_from_file
from sales_warehouse.publish import PublishError, find_project_dir


def _project_path(variable: str, default: str) -> Path:
    """An environment setting; a relative path belongs to the project (as for SALES_WAREHOUSE_DB)."""
    value = Path(os.environ.get(variable) or default)
    if value.is_absolute():
        return value
    try:
        return find_project_dir() / value
    except PublishError:
        return value.resolve()


def _warehouse(args: argparse.Namespace) -> Path:
    return (
        Path(args.db).resolve() if args.db else _project_path("SALES_WAREHOUSE_DB", "data/warehouse.duckdb")
    )


def _backup_dir(value: str | None) -> Path:
    return Path(value).resolve() if value else _project_path("SALES_WAREHOUSE_BACKUP_DIR", "data/backups")


def _default_keep() -> int:
    value = os.environ.get("SALES_WAREHOUSE_BACKUP_KEEP")
    return int(value) if value else DEFAULT_KEEP


def _backup(args: argparse.Namespace) -> int:
    began = time.perf_counter()
    try:
        keep = args.keep if args.keep is not None else _default_keep()
        key = encryption_key()
        result = backup_warehouse(_warehouse(args), _backup_dir(args.to), keep, key=key)
    except (BackupError, EncryptionError, ValueError) as error:
        print(f"sales-warehouse backup: error: {error}", file=sys.stderr)
        return 1
    rows = sum(entry.row_count for entry in result.tables)
    print(
        f"Backed up {_warehouse(args)} to {result.path}: {len(result.tables)} tables ({rows:,} rows, "
        f"every file read back and checked), {len(result.views)} views, {result.total_bytes / 1e6:,.1f} MB "
        f"in {time.perf_counter() - began:.1f}s; "
        + ("data files encrypted with the warehouse key." if key else "not encrypted (no key set).")
    )
    for path in result.pruned:
        print(f"pruned {path} (keeping the newest {keep})")
    return 0


def _restore(args: argparse.Namespace) -> int:
    began = time.perf_counter()
    target = Path(args.to).resolve() if args.to else _warehouse(args)
    try:
        backup = find_backup(args.backup, _backup_dir(args.backups_dir))
        backup_key = key_from_file(Path(args.backup_key_file)) if args.backup_key_file else None
        result = restore_warehouse(backup, target, args.force, encryption_key(), backup_key)
    except (BackupError, EncryptionError) as error:
        print(f"sales-warehouse restore: error: {error}", file=sys.stderr)
        return 1
    rows = sum(entry.row_count for entry in result.tables)
    print(
        f"Restored {result.path} from {backup}: {len(result.tables)} tables ({rows:,} rows), each equal to "
        f"the manifest (row count and checksum); {len(result.views_restored)} views in "
        f"{time.perf_counter() - began:.1f}s; "
        + ("encrypted with the warehouse key." if result.encrypted else "not encrypted (no key set).")
    )
    for view, reason in sorted(result.views_skipped.items()):
        print(f"view {view} not restored ({reason}); `dbt build` re-creates it")
    if result.views_restored and catalog_name(result.path) != result.catalog:
        print(
            f"note: dbt qualifies views with the catalog {result.catalog!r}: they resolve when the file is "
            f"named {result.catalog}.duckdb (or after a `dbt build` on it); the tables read under any name"
        )
    return 0


def add_backup_commands(commands: argparse._SubParsersAction) -> None:
    backup = commands.add_parser(
        "backup", help="write a verified, timestamped backup of the published warehouse; keep the newest N"
    )
    backup.add_argument("--db", default=None, help="warehouse to back up (default $SALES_WAREHOUSE_DB)")
    backup.add_argument(
        "--to", default=None, help="backup folder (default $SALES_WAREHOUSE_BACKUP_DIR or data/backups)"
    )
    backup.add_argument(
        "--keep",
        type=int,
        default=None,
        help=f"backups of this warehouse to keep (default $SALES_WAREHOUSE_BACKUP_KEEP or {DEFAULT_KEEP})",
    )
    backup.set_defaults(handler=_backup)

    restore = commands.add_parser(
        "restore", help="rebuild a warehouse file from a backup, verified against its manifest"
    )
    restore.add_argument("backup", help="backup folder, a backup name in the backup folder, or `latest`")
    restore.add_argument("--to", default=None, help="warehouse file to write (default $SALES_WAREHOUSE_DB)")
    restore.add_argument("--force", action="store_true", help="replace --to if it exists")
    restore.add_argument(
        "--backups-dir",
        default=None,
        help="where to look up a backup name (default $SALES_WAREHOUSE_BACKUP_DIR or data/backups)",
    )
    restore.add_argument(
        "--backup-key-file",
        default=None,
        help="key the backup was made with, when it is not the current key (after a key rotation)",
    )
    restore.set_defaults(handler=_restore, db=None)
