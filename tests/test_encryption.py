"""Encryption at rest: dbt builds an encrypted warehouse through the dbt-duckdb plugin in
sales_warehouse.encryption, its bytes (and those of a backup made with the key) hold none of the
customers' e-mails, names and phones that a plain build's file holds, a missing or wrong key fails
in one clear line and changes nothing, and a key is rotated by a restore.

The dbt builds use a copy of the project's profiles.yml with the plugin added (`plugins:`), and
build the incremental models, the customer snapshot and a Python model (customer_segments) from a
commerce-only export: table, incremental, snapshot and Python materialisations all write the file.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import subprocess
from pathlib import Path

import duckdb
import pytest
from dbt_support import ALL_OFF, BIN, ROOT, environment, generate

from sales_warehouse.backup import BackupError, backup_warehouse, restore_warehouse
from sales_warehouse.cli import main
from sales_warehouse.encryption import (
    KEY_FILE_VARIABLE,
    KEY_VARIABLE,
    EncryptionError,
    connect,
    encryption_key,
    key_from_file,
)

SELECT = ["--select", "+config.materialized:incremental", "customers_snapshot", "+customer_segments"]
BUILD = ["build", *SELECT, "--vars", ALL_OFF, "--exclude", "resource_type:test", "resource_type:unit_test"]
PII = {
    "email": "select distinct email from snapshots.customers_snapshot where email like '%_@_%.__%'",
    "name": "select distinct customer_name from snapshots.customers_snapshot where length(customer_name) >= 8",
    "phone": "select distinct phone from snapshots.customers_snapshot where length(phone) >= 8",
}


def new_key() -> str:
    return secrets.token_urlsafe(32)


def key_file(folder: Path, key: str) -> Path:
    path = folder / f"key-{hashlib.sha256(key.encode()).hexdigest()[:8]}"
    path.write_text(key + "\n")
    path.chmod(0o600)
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def dbt_with_key(
    args: list[str], raw: Path, db: Path, profiles: Path, key: str | None
) -> subprocess.CompletedProcess:
    env = {**environment(raw, db), "DBT_PROFILES_DIR": str(profiles)}
    env.pop(KEY_FILE_VARIABLE, None)
    env.pop(KEY_VARIABLE, None)
    if key is not None:
        env[KEY_VARIABLE] = key
    command = [
        str(BIN / "dbt"),
        *args,
        "--project-dir",
        str(ROOT),
        "--target-path",
        str(db.parent / "target"),
    ]
    return subprocess.run(
        [*command, "--log-path", str(db.parent / "logs")], env=env, capture_output=True, text=True, cwd=ROOT
    )


@pytest.fixture(scope="module")
def profiles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's profiles.yml with the encryption plugin added."""
    folder = tmp_path_factory.mktemp("profiles")
    text = (ROOT / "profiles.yml").read_text()
    if "sales_warehouse.encryption" not in text:
        anchor = "      threads: 2\n"
        assert anchor in text, "profiles.yml changed shape: add the plugin where the target's keys are"
        text = text.replace(anchor, anchor + "      plugins:\n        - module: sales_warehouse.encryption\n")
    (folder / "profiles.yml").write_text(text)
    return folder


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory, profiles: Path) -> dict[str, Path | str]:
    """The same build twice: plain and encrypted (raw folder, files and the key)."""
    work = tmp_path_factory.mktemp("encryption")
    raw = generate(work / "raw", "--domains", "commerce")
    key = new_key()
    found: dict[str, Path | str] = {"raw": raw, "key": key}
    for name, build_key in (("plain", None), ("encrypted", key)):
        db = work / name / "warehouse.duckdb"
        db.parent.mkdir()
        result = dbt_with_key(BUILD, raw, db, profiles, build_key)
        assert result.returncode == 0, result.stdout[-5000:]
        assert not db.with_name(db.name + ".wal").exists()
        found[name] = db
    return found


def personal_data(plain: Path) -> dict[str, list[bytes]]:
    """Samples of each kind of personal data that the plain file's bytes do contain."""
    data = plain.read_bytes()
    with duckdb.connect(str(plain), read_only=True) as con:
        samples = {kind: [row[0].encode() for row in con.sql(sql).fetchall()] for kind, sql in PII.items()}
    present = {kind: [value for value in values if value in data][:200] for kind, values in samples.items()}
    assert all(len(values) >= 20 for values in present.values()), {k: len(v) for k, v in present.items()}
    return present


# ------------------------------------------------------------------------------------------- the key


def test_the_key_comes_from_the_variable_or_an_owner_only_file(tmp_path: Path) -> None:
    key = new_key()
    assert encryption_key({}) is None
    assert encryption_key({KEY_VARIABLE: key}) == key
    path = key_file(tmp_path, key)
    assert encryption_key({KEY_FILE_VARIABLE: str(path)}) == key
    with pytest.raises(EncryptionError, match="not both"):
        encryption_key({KEY_VARIABLE: key, KEY_FILE_VARIABLE: str(path)})
    with pytest.raises(EncryptionError, match="shorter than 16"):
        encryption_key({KEY_VARIABLE: "short"})
    path.chmod(0o644)
    with pytest.raises(EncryptionError, match="readable by others"):
        key_from_file(path)
    with pytest.raises(EncryptionError, match="cannot read the key file"):
        key_from_file(tmp_path / "missing")


# ------------------------------------------------------------------------------------- dbt and bytes


def test_dbt_builds_an_encrypted_warehouse_with_no_personal_data_in_its_bytes(builds: dict) -> None:
    plain, encrypted, key = builds["plain"], builds["encrypted"], builds["key"]
    samples = personal_data(plain)
    data = encrypted.read_bytes()
    leaked = {kind: [value for value in values if value in data] for kind, values in samples.items()}
    assert leaked == {kind: [] for kind in samples}
    with pytest.raises(duckdb.Error, match="encrypted"):
        duckdb.connect(str(encrypted), read_only=True)
    with connect(encrypted, read_only=True, key=key) as con:
        assert con.sql(
            "select encrypted from duckdb_databases() where database_name = 'warehouse'"
        ).fetchone() == (True,)
        with duckdb.connect(str(plain), read_only=True) as reference:
            for table in ("marts.fct_order_lines", "snapshots.customers_snapshot", "marts.customer_segments"):
                count = f"select count(*) from {table}"
                assert con.sql(count).fetchone() == reference.sql(count).fetchone(), table


@pytest.mark.parametrize("key", [None, "a-wrong-key-of-sufficient-length"])
def test_dbt_without_the_key_or_with_a_wrong_one_fails_in_one_line_and_changes_nothing(
    builds: dict, profiles: Path, key: str | None
) -> None:
    encrypted = builds["encrypted"]
    before = sha(encrypted)
    result = dbt_with_key(BUILD, builds["raw"], encrypted, profiles, key)
    assert result.returncode != 0
    expected = "is encrypted: set SALES_WAREHOUSE_ENCRYPTION_KEY" if key is None else "(wrong key)"
    assert expected in result.stdout, result.stdout[-3000:]
    assert "Traceback" not in result.stdout + result.stderr
    assert sha(encrypted) == before


@pytest.mark.parametrize("key", [None, "a-wrong-key-of-sufficient-length"])
def test_project_connections_without_the_key_or_with_a_wrong_one_fail_in_one_line(
    builds: dict, key: str | None
) -> None:
    with pytest.raises(EncryptionError) as raised:
        connect(builds["encrypted"], read_only=True, key=key, environ={})
    assert "\n" not in str(raised.value)
    assert ("wrong key" if key else "is encrypted") in str(raised.value)
    with pytest.raises(EncryptionError, match="is not encrypted"):
        connect(builds["plain"], read_only=True, key=new_key())


# ---------------------------------------------------------------------------------- backups, rotation


def test_a_backup_made_with_the_key_holds_no_personal_data_and_needs_the_key(
    builds: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    encrypted, key = builds["encrypted"], builds["key"]
    backup = backup_warehouse(encrypted, tmp_path / "backups", key=key).path
    samples = personal_data(builds["plain"])
    data = b"".join(path.read_bytes() for path in backup.iterdir())
    assert {kind: [v for v in values if v in data] for kind, values in samples.items()} == {
        k: [] for k in samples
    }

    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    monkeypatch.delenv(KEY_FILE_VARIABLE, raising=False)
    assert main(["backup", "--db", str(encrypted), "--to", str(tmp_path / "other")]) == 1
    assert main(["restore", str(backup), "--to", str(tmp_path / "out.duckdb")]) == 1
    errors = capsys.readouterr().err.splitlines()
    assert len(errors) == 2 and "is encrypted" in errors[0] and "is encrypted" in errors[1], errors
    assert not (tmp_path / "out.duckdb").exists()

    monkeypatch.setenv(KEY_VARIABLE, key)
    restored = tmp_path / "restored" / "warehouse.duckdb"
    assert main(["restore", str(backup), "--to", str(restored)]) == 0
    assert "encrypted with the warehouse key" in capsys.readouterr().out
    with pytest.raises(EncryptionError):
        connect(restored, read_only=True, environ={})
    with connect(restored, read_only=True, key=key) as con:
        assert con.sql("select count(*) from snapshots.customers_snapshot").fetchone()[0] > 0


def test_a_key_is_rotated_by_restoring_a_backup_with_the_new_key(builds: dict, tmp_path: Path) -> None:
    old, new = builds["key"], new_key()
    backup = backup_warehouse(builds["encrypted"], tmp_path / "backups", key=old).path
    target = tmp_path / "warehouse.duckdb"
    with pytest.raises(BackupError, match="made with another key"):
        restore_warehouse(backup, target, key=new)
    restore_warehouse(backup, target, key=new, backup_key=old)
    with pytest.raises(EncryptionError, match="wrong key"):
        connect(target, read_only=True, key=old)
    with (
        connect(target, read_only=True, key=new) as con,
        connect(builds["encrypted"], read_only=True, key=old) as was,
    ):
        for table in ("marts.fct_order_lines", "snapshots.customers_snapshot"):
            query = f"select count(*), sum(hash(t))::hugeint from {table} as t"
            assert con.sql(query).fetchone() == was.sql(query).fetchone()


def test_a_plain_warehouse_is_encrypted_by_a_backup_and_restore_with_the_key(
    builds: dict, tmp_path: Path
) -> None:
    key = new_key()
    backup = backup_warehouse(builds["plain"], tmp_path / "backups", key=key)
    target = restore_warehouse(backup.path, tmp_path / "warehouse.duckdb", key=key).path
    assert all(value not in target.read_bytes() for value in personal_data(builds["plain"])["email"])
    with connect(target, read_only=True, key=key, config={"enable_external_access": False}) as con:
        assert con.sql("select current_database()").fetchone() == ("warehouse",)
        with pytest.raises(duckdb.Error, match="external access|disabled"):
            con.sql(f"select * from read_csv('{os.devnull}')").fetchall()


def test_attach_file_opens_plain_and_encrypted_files_under_an_alias(builds: dict) -> None:
    from sales_warehouse.encryption import attach_file

    with duckdb.connect() as con:
        attach_file(con, builds["plain"], "plain_copy", read_only=True, environ={})
        attach_file(
            con, builds["encrypted"], "encrypted_copy", read_only=True, environ={KEY_VARIABLE: builds["key"]}
        )
        query = "select count(*) from {}.marts.fct_order_lines"
        assert (
            con.sql(query.format("plain_copy")).fetchone()
            == con.sql(query.format("encrypted_copy")).fetchone()
        )
        with pytest.raises(EncryptionError, match="is encrypted"):
            attach_file(con, builds["encrypted"], "no_key", read_only=True, environ={})
