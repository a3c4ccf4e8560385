"""Encryption at rest of the warehouse file: DuckDB's AES-GCM database encryption, key from the environment.

With `SALES_WAREHOUSE_ENCRYPTION_KEY` (or `SALES_WAREHOUSE_ENCRYPTION_KEY_FILE`, a file holding the
key, readable by its owner only) set, every DuckDB file the project writes for the warehouse is
encrypted: dbt opens the candidate through the dbt-duckdb plugin below (profiles.yml `plugins:`),
the project's own code through `connect()`. Without a key, nothing changes.

DuckDB can read an encrypted file with its built-in crypto module but writes one only with the
OpenSSL cipher of the httpfs extension: `connect()` and the plugin load it by file path from the
`duckdb-extension-httpfs` wheel (no download). DuckDB cannot open an encrypted file by
`duckdb.connect(path)`: it is attached to an in-memory connection under the catalog name the file
would have had (dbt's views and MetricFlow's SQL name it) and made the default with `USE`.

The key never reaches dbt's profile, logs or `duckdb_databases()` (1.5.5 shows `options {}`).
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb

KEY_VARIABLE = "SALES_WAREHOUSE_ENCRYPTION_KEY"
KEY_FILE_VARIABLE = "SALES_WAREHOUSE_ENCRYPTION_KEY_FILE"
MINIMUM_KEY_LENGTH = 16
PARQUET_KEY_NAME = "sales_warehouse_backup"


class EncryptionError(RuntimeError):
    """The warehouse cannot be opened or written as configured (missing, wrong or unreadable key)."""


def encryption_key(environ: Mapping[str, str] | None = None) -> str | None:
    """The configured key, or None when the warehouse is not encrypted."""
    environ = os.environ if environ is None else environ
    key, key_file = environ.get(KEY_VARIABLE), environ.get(KEY_FILE_VARIABLE)
    if key and key_file:
        raise EncryptionError(f"set {KEY_VARIABLE} or {KEY_FILE_VARIABLE}, not both")
    if key_file:
        return key_from_file(Path(key_file))
    return _checked(key) if key else None


def key_from_file(path: Path) -> str:
    """A key kept in a file: the file's text without surrounding white space; owner-only access."""
    try:
        mode = path.stat().st_mode
        key = path.read_text().strip()
    except OSError as error:
        raise EncryptionError(f"cannot read the key file {path}: {error.strerror}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise EncryptionError(f"the key file {path} is readable by others: chmod 600 {path}")
    return _checked(key)


def _checked(key: str) -> str:
    if len(key) < MINIMUM_KEY_LENGTH:
        raise EncryptionError(
            f"the encryption key is shorter than {MINIMUM_KEY_LENGTH} characters; "
            "make one with `openssl rand -base64 32`"
        )
    return key


def key_fingerprint(key: str) -> str:
    """Tells which key a file was written with, without revealing it (a backup records it)."""
    return hashlib.sha256(b"sales-warehouse key fingerprint\0" + key.encode()).hexdigest()[:16]


def parquet_key(key: str) -> str:
    """A 256-bit parquet encryption key (base64) derived from the warehouse key."""
    return base64.b64encode(hashlib.sha256(b"sales-warehouse parquet\0" + key.encode()).digest()).decode()


def httpfs_extension() -> Path:
    """The httpfs extension of the installed wheel: it brings the OpenSSL cipher DuckDB writes with."""
    spec = importlib.util.find_spec("duckdb_extension_httpfs")
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        path = Path(folder) / "extensions" / f"v{duckdb.__version__}" / "httpfs.duckdb_extension"
        if path.is_file():
            return path
    raise EncryptionError(
        f"writing an encrypted warehouse needs the duckdb-extension-httpfs=={duckdb.__version__} wheel "
        "(pip install it; it is in requirements.lock)"
    )


def catalog_name(path: Path) -> str:
    """The catalog name DuckDB gives a file: its name up to the first dot."""
    return Path(path).name.lstrip(".").split(".")[0]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def explain(error: duckdb.Error, path: Path, key: str | None) -> EncryptionError | None:
    """One clear line for the errors a missing or wrong key gives; None for any other error."""
    text = str(error)
    if "without a key" in text or "encrypted database" in text and key is None:
        return EncryptionError(f"{path} is encrypted: set {KEY_VARIABLE} or {KEY_FILE_VARIABLE} to open it")
    if "Wrong encryption key" in text or "AES tag" in text:
        return EncryptionError(f"the encryption key does not open {path} (wrong key)")
    if "is not encrypted" in text:
        return EncryptionError(
            f"{path} is not encrypted but {KEY_VARIABLE} is set: encrypt it first "
            "(`sales-warehouse backup` without the key, then `sales-warehouse restore --force` with it)"
        )
    return None


def attach(
    connection: duckdb.DuckDBPyConnection,
    path: Path,
    key: str,
    alias: str,
    read_only: bool = False,
    make_default: bool = True,
) -> None:
    """Attach an encrypted file (created if missing, unless read-only); by default make it the default
    catalog."""
    connection.execute(f"load {_literal(str(httpfs_extension()))}")
    options = f"encryption_key {_literal(key)}" + (", read_only" if read_only else "")
    try:
        connection.execute(f"attach {_literal(str(path))} as {_quoted(alias)} ({options})")
    except duckdb.Error as error:
        raise (explain(error, path, key) or error) from None
    if make_default:
        connection.execute(f"use {_quoted(alias)}")
    # Spilled intermediate results hold warehouse rows too.
    connection.execute("set temp_file_encryption = true")


def attach_file(
    connection: duckdb.DuckDBPyConnection,
    path: Path,
    alias: str,
    read_only: bool = False,
    make_default: bool = False,
    environ: Mapping[str, str] | None = None,
) -> None:
    """`attach 'path' as alias` on an existing connection, with the configured key if there is one."""
    key = encryption_key(environ)
    if key is not None:
        attach(connection, Path(path), key, alias, read_only, make_default)
        return
    try:
        connection.execute(
            f"attach {_literal(str(path))} as {_quoted(alias)}" + (" (read_only)" if read_only else "")
        )
    except duckdb.Error as error:
        raise (explain(error, Path(path), None) or error) from None
    if make_default:
        connection.execute(f"use {_quoted(alias)}")


def connect(
    path: Path | str,
    read_only: bool = False,
    config: dict[str, Any] | None = None,
    key: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> duckdb.DuckDBPyConnection:
    """`duckdb.connect(path, read_only, config)` that honours the configured key (or `key`)."""
    path = Path(path)
    key = key or encryption_key(environ)
    config = dict(config or {})
    if key is None:
        try:
            return duckdb.connect(str(path), read_only=read_only, config=config)
        except duckdb.Error as error:
            raise (explain(error, path, None) or error) from None
    external_access = config.pop("enable_external_access", True)
    connection = duckdb.connect(config=config)
    try:
        attach(connection, path, key, catalog_name(path), read_only)
        if not external_access:  # after the attach and the extension load, which read files
            connection.execute("set enable_external_access = false")
    except BaseException:
        connection.close()
        raise
    return connection


def _refuse_if_encrypted(path: Path) -> None:
    """A clear line instead of DuckDB's error when dbt would open an encrypted file without a key."""
    from dbt_common.exceptions import DbtRuntimeError

    try:
        duckdb.connect(str(path), read_only=True).close()
    except duckdb.Error as error:
        explained = explain(error, path, None)
        if explained is not None:
            raise DbtRuntimeError(str(explained)) from None


def __getattr__(name: str) -> Any:
    """`Plugin`, the dbt-duckdb plugin, built on first use so that importing this module does not
    import dbt (profiles.yml: `plugins: [{module: sales_warehouse.encryption}]`)."""
    if name != "Plugin":
        raise AttributeError(name)
    from dbt.adapters.duckdb.plugins import BasePlugin
    from dbt_common.exceptions import DbtRuntimeError

    class Plugin(BasePlugin):
        """With a key: connect dbt to an in-memory database and attach the warehouse file to it,
        encrypted, under the catalog name dbt derived from the profile's `path`."""

        def initialize(self, plugin_config: dict[str, Any]) -> None:
            try:
                self.key = encryption_key()
            except EncryptionError as error:
                raise DbtRuntimeError(str(error)) from None
            self.warehouse: Path | None = None

        def update_connection_config(self, creds: Any, config: dict[str, Any]) -> None:
            if self.key is None:
                if creds.path != ":memory:" and Path(creds.path).is_file():
                    _refuse_if_encrypted(Path(creds.path))
                return
            if creds.path != ":memory:":
                self.warehouse, self.alias = Path(creds.path), creds.database
                creds.path = ":memory:"

        def configure_connection(self, conn: duckdb.DuckDBPyConnection) -> None:
            if self.key is None or self.warehouse is None:
                return
            try:
                attach(conn, self.warehouse, self.key, self.alias)
            except EncryptionError as error:
                raise DbtRuntimeError(str(error)) from None

        def configure_cursor(self, cursor: duckdb.DuckDBPyConnection) -> None:
            if self.key is not None and self.warehouse is not None:
                cursor.execute(f"use {_quoted(self.alias)}")

    return Plugin
