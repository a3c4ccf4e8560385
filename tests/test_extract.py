"""Per-role extracts on the embedded side: for every demo login, the extract file holds exactly the
relations the policy lets the role read, no personal-data column for roles without personal-data
access (and none of the customers' e-mails in its bytes), and for row-scoped roles exactly the
login's rows, counted independently here with pandas from the full warehouse."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from sales_warehouse.extract import write_extract
from sales_warehouse.policy import PolicyError, load_policy

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def policy_and_data(built: tuple[Path, Path, Path]):
    _, db, target = built
    with duckdb.connect(str(db), read_only=True) as warehouse:
        policy = load_policy(ROOT, warehouse, target / "manifest.json")
        reps = warehouse.sql("select sales_rep_id, team_id, region_code from marts.dim_sales_reps").df()
        customers = warehouse.sql(
            "select customer_id, owner_sales_rep_id, email from marts.dim_customers"
        ).df()
    return policy, reps, customers


def extract(built: tuple[Path, Path, Path], tmp_path: Path, role: str, login: str | None) -> Path:
    _, db, target = built
    out = tmp_path / f"{login or role}.duckdb"
    write_extract(db, out, role, login, ROOT, target / "manifest.json")
    return out


def relations(path: Path) -> dict[str, list[str]]:
    with duckdb.connect(str(path), read_only=True) as connection:
        rows = connection.execute(
            "select table_schema || '.' || table_name, column_name from information_schema.columns "
            "where table_schema != 'meta' order by table_schema, table_name, ordinal_position"
        ).fetchall()
    found: dict[str, list[str]] = {}
    for relation, column in rows:
        found.setdefault(relation, []).append(column)
    return found


def expected_reps(reps: pd.DataFrame, login) -> set[int]:  # noqa: ANN001 - Login
    if login.sales_rep_id is not None:
        return {login.sales_rep_id}
    if login.team_id is not None:
        return set(reps.loc[reps["team_id"] == login.team_id, "sales_rep_id"])
    return set(reps.loc[reps["region_code"] == login.region_code, "sales_rep_id"])


def expected_region(reps: pd.DataFrame, login) -> set[str]:  # noqa: ANN001 - Login
    return set(reps.loc[reps["sales_rep_id"].isin(expected_reps(reps, login)), "region_code"])


@pytest.mark.parametrize(
    "login_name",
    ["ae_demo", "rep_demo", "manager_demo", "director_demo", "finance_demo", "marketing_demo", "bi_demo"],
)
def test_extract_holds_only_what_the_login_may_read(
    built: tuple[Path, Path, Path], tmp_path: Path, policy_and_data, login_name: str
) -> None:
    policy, reps, customers = policy_and_data
    login = policy.login(login_name)
    scoped = login.role in policy.scoped_roles
    path = extract(built, tmp_path, login.role, login.name if scoped else None)
    found = relations(path)

    allowed = {model.relation: model for model in policy.readable(login.role)}
    assert set(found) == set(allowed)
    denied = set(policy.models) - set(allowed)
    assert denied.isdisjoint(found)
    for relation, model in allowed.items():
        assert found[relation] == list(policy.visible_columns(login.role, model))
        if login.role not in policy.pii_roles:
            assert not model.pii_columns & set(found[relation]), relation

    _, db, _ = built
    with duckdb.connect(str(path), read_only=True) as part, duckdb.connect(str(db), read_only=True) as full:
        scoped_rows = 0
        info = part.execute("select role, login from meta.extract_info").fetchone()
        assert info == (login.role, login.name if scoped else None)
        for relation, model in allowed.items():
            count = part.execute(f"select count(*) from {relation}").fetchone()[0]
            if not scoped or model.row_scope is None:
                assert count == full.execute(f"select count(*) from {relation}").fetchone()[0], relation
                continue
            frame = full.execute(f"select * from {relation}").df()
            scope = model.row_scope
            if scope.sales_rep_column:
                expected = frame[scope.sales_rep_column].isin(expected_reps(reps, login)).sum()
            elif scope.team_column:
                teams = set(reps.loc[reps["sales_rep_id"].isin(expected_reps(reps, login)), "team_id"])
                expected = frame[scope.team_column].isin(teams).sum()
            elif scope.region_column:
                expected = frame[scope.region_column].isin(expected_region(reps, login)).sum()
            else:
                owned = customers.loc[
                    customers["owner_sales_rep_id"].isin(expected_reps(reps, login)), "customer_id"
                ]
                expected = frame[scope.through[0]].isin(set(owned)).sum()
            assert count == expected, relation
            assert count < len(frame), f"{relation}: the scope removed no row"
            scoped_rows += count
        if scoped:
            assert scoped_rows > 0

    if login.role not in policy.pii_roles:
        emails = [email for email in customers["email"].dropna().head(50) if "@" in email]
        content = path.read_bytes()
        assert emails and not any(email.encode() in content for email in emails)


def test_row_scoped_role_needs_a_login(built: tuple[Path, Path, Path], tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="role sales_rep is row-scoped .* name a login with --login"):
        extract(built, tmp_path, "sales_rep", None)
    with pytest.raises(PolicyError, match="login finance_demo has role finance, not sales_rep"):
        extract(built, tmp_path, "sales_rep", "finance_demo")
    assert not list(tmp_path.iterdir())


def test_cli_refuses_to_overwrite_without_force(built: tuple[Path, Path, Path], tmp_path: Path) -> None:
    from dbt_support import cli

    raw, db, target = built
    out = tmp_path / "finance.duckdb"
    out.write_text("keep me")
    result = cli(["extract", "--role", "finance", "--out", str(out), "--db", str(db)], raw, db)
    assert result.returncode == 1 and "exists; pass --force" in result.stderr
    assert out.read_text() == "keep me"
