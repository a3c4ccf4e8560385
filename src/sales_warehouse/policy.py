"""The access-control policy: who may read which served relation, which columns, which rows.

Declared once, in two places dbt users expect: `meta.readers` on models (dbt_project.yml folders and
models; dbt docs show it) and `policy/access.yml` (roles, personal-data access, row scopes, metric
export readers, demo logins). Personal-data columns are the ones whose YAML says `meta: {pii: true}`.
`load_policy` validates all of it before anything is applied: an unknown role, model or column, a
scoped model without its scoping column, a row-level relation given to an aggregates-only role or
to a row-scoped role without a scope, each stops with a message naming it.

Enforcement lives elsewhere: the serving PostgreSQL (serve.py: grants, column grants, row-level
security) and per-role DuckDB extracts (extract.py). Both use `scope_predicate` for row scopes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import yaml

ROLES: tuple[str, ...] = (
    "analytics_engineer",
    "sales_rep",
    "sales_manager",
    "regional_director",
    "finance",
    "marketing",
    "bi_reader",
)
SCOPE_KINDS: tuple[str, ...] = ("rep", "team", "region")
SERVED_SCHEMAS: tuple[str, ...] = ("marts", "quality")
METRICS_SCHEMA = "metrics"
# Bookkeeping tables of the metrics schema that are not exports.
METRICS_BOOKKEEPING: frozenset[str] = frozenset({"saved_query_exports"})
POLICY_FILE = Path("policy") / "access.yml"


class PolicyError(ValueError):
    """The policy names something that does not exist or breaks a rule (the message says what)."""


@dataclass(frozen=True)
class RowScope:
    sales_rep_column: str | None = None
    team_column: str | None = None
    region_column: str | None = None
    # (column here, other served model, its column)
    through: tuple[str, str, str] | None = None


@dataclass(frozen=True)
class ServedModel:
    name: str
    schema: str
    columns: tuple[str, ...]
    pii_columns: frozenset[str]
    readers: frozenset[str]
    row_scope: RowScope | None = None

    @property
    def relation(self) -> str:
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True)
class Login:
    name: str
    role: str
    sales_rep_id: int | None = None
    team_id: int | None = None
    region_code: str | None = None


@dataclass(frozen=True)
class Policy:
    models: dict[str, ServedModel]
    pii_roles: frozenset[str]
    scoped_roles: dict[str, str]
    logins: tuple[Login, ...]
    role_descriptions: dict[str, str] = field(default_factory=dict)

    def readable(self, role: str) -> list[ServedModel]:
        check_role(role)
        return [model for _, model in sorted(self.models.items()) if role in model.readers]

    def visible_columns(self, role: str, model: ServedModel) -> tuple[str, ...]:
        if role in self.pii_roles:
            return model.columns
        return tuple(column for column in model.columns if column not in model.pii_columns)

    def by_name(self, name: str) -> ServedModel:
        matches = [model for model in self.models.values() if model.name == name]
        if len(matches) != 1:
            raise PolicyError(f"no served model named {name!r}")
        return matches[0]

    def login(self, name: str) -> Login:
        for login in self.logins:
            if login.name == name:
                return login
        raise PolicyError(
            f"unknown login {name!r}; logins in {POLICY_FILE}: "
            + ", ".join(login.name for login in self.logins)
        )


def check_role(role: str) -> None:
    if role not in ROLES:
        raise PolicyError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")


def _column_is_pii(column: dict[str, Any]) -> bool:
    meta = {**(column.get("meta") or {}), **((column.get("config") or {}).get("meta") or {})}
    return bool(meta.get("pii"))


def models_from_manifest(manifest: dict[str, Any]) -> dict[str, ServedModel]:
    """Every model of a served schema with meta.readers, as ServedModel (no row scope yet)."""
    models: dict[str, ServedModel] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or node["schema"] not in SERVED_SCHEMAS:
            continue
        if node["config"].get("materialized") == "ephemeral" or not node["config"].get("enabled", True):
            continue
        readers = node["config"].get("meta", {}).get("readers")
        if readers is None:
            continue
        for role in readers:
            if role not in ROLES:
                raise PolicyError(
                    f"model {node['name']}: meta.readers names unknown role {role!r}; "
                    f"roles: {', '.join(ROLES)}"
                )
        columns = tuple(node["columns"])
        pii = frozenset(name for name, column in node["columns"].items() if _column_is_pii(column))
        served = ServedModel(node["name"], node["schema"], columns, pii, frozenset(readers))
        models[served.relation] = served
    return models


def metric_export_models(
    warehouse: duckdb.DuckDBPyConnection, settings: dict[str, Any]
) -> dict[str, ServedModel]:
    """The metric export tables the warehouse holds, with their readers from the policy file."""
    defaults = settings.get("default_readers") or []
    listed = settings.get("readers") or {}
    for role in [*defaults, *(role for roles in listed.values() for role in roles)]:
        check_role(role)
    tables = [
        name
        for (name,) in warehouse.execute(
            "select table_name from information_schema.tables where table_schema = ? order by 1",
            [METRICS_SCHEMA],
        ).fetchall()
        if name not in METRICS_BOOKKEEPING
    ]
    for name in listed:
        if name not in tables:
            raise PolicyError(
                f"{POLICY_FILE}: metric_exports.readers names {name!r}, which is not a metric export "
                f"in the warehouse ({', '.join(tables) or 'none exported yet'})"
            )
    models = {}
    for name in tables:
        columns = tuple(
            column
            for (column,) in warehouse.execute(
                "select column_name from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position",
                [METRICS_SCHEMA, name],
            ).fetchall()
        )
        served = ServedModel(
            name, METRICS_SCHEMA, columns, frozenset(), frozenset(listed.get(name, defaults))
        )
        models[served.relation] = served
    return models


def _row_scope(model: str, raw: dict[str, Any]) -> RowScope:
    known = {"sales_rep_column", "team_column", "region_column", "through"}
    unknown = set(raw) - known
    if unknown:
        raise PolicyError(
            f"{POLICY_FILE}: row_scopes.{model} has unknown keys {sorted(unknown)}; known: {sorted(known)}"
        )
    through = raw.get("through")
    if through is not None and (not isinstance(through, list) or len(through) != 3):
        raise PolicyError(
            f"{POLICY_FILE}: row_scopes.{model}.through must be [column, other model, its column]"
        )
    scope = RowScope(
        raw.get("sales_rep_column"),
        raw.get("team_column"),
        raw.get("region_column"),
        tuple(through) if through else None,
    )
    if not any((scope.sales_rep_column, scope.team_column, scope.region_column, scope.through)):
        raise PolicyError(f"{POLICY_FILE}: row_scopes.{model} names no scoping column")
    return scope


def _check_scope_columns(model: ServedModel, scope: RowScope, models: dict[str, ServedModel]) -> None:
    for column in (scope.sales_rep_column, scope.team_column, scope.region_column):
        if column is not None and column not in model.columns:
            raise PolicyError(
                f"{POLICY_FILE}: row_scopes.{model.name} names column {column!r}, which {model.relation} "
                f"does not have (columns: {', '.join(model.columns)})"
            )
    if scope.through is not None:
        column, other_name, other_column = scope.through
        if column not in model.columns:
            raise PolicyError(
                f"{POLICY_FILE}: row_scopes.{model.name}.through names column {column!r}, "
                f"which {model.relation} does not have"
            )
        others = [other for other in models.values() if other.name == other_name]
        if not others:
            raise PolicyError(
                f"{POLICY_FILE}: row_scopes.{model.name}.through names unknown model {other_name!r}"
            )
        if other_column not in others[0].columns:
            raise PolicyError(
                f"{POLICY_FILE}: row_scopes.{model.name}.through names column {other_column!r}, "
                f"which {others[0].relation} does not have"
            )


def build_policy(models: dict[str, ServedModel], settings: dict[str, Any]) -> Policy:
    """Validate the policy file against the served models and attach row scopes."""
    roles = settings.get("roles") or {}
    for role in roles:
        check_role(role)
    missing = [role for role in ROLES if role not in roles]
    if missing:
        raise PolicyError(f"{POLICY_FILE}: roles {', '.join(missing)} are not described")
    scoped_roles = {}
    for role, spec in roles.items():
        kind = spec.get("row_scope")
        if kind is not None:
            if kind not in SCOPE_KINDS:
                raise PolicyError(
                    f"{POLICY_FILE}: role {role} has row_scope {kind!r}; one of {', '.join(SCOPE_KINDS)}"
                )
            scoped_roles[role] = kind
    pii_roles = frozenset(role for role, spec in roles.items() if spec.get("personal_data"))
    aggregates_only = {role for role, spec in roles.items() if spec.get("aggregates_only")}
    row_level_columns = set(settings.get("row_level_columns") or [])

    scopes = settings.get("row_scopes") or {}
    scoped: dict[str, ServedModel] = dict(models)
    for name, raw in scopes.items():
        matches = [key for key, model in models.items() if model.name == name]
        if not matches:
            raise PolicyError(
                f"{POLICY_FILE}: row_scopes names unknown model {name!r} "
                "(not a served model with meta.readers)"
            )
        scope = _row_scope(name, raw)
        model = models[matches[0]]
        _check_scope_columns(model, scope, models)
        scoped[matches[0]] = ServedModel(
            model.name, model.schema, model.columns, model.pii_columns, model.readers, scope
        )

    for model in scoped.values():
        level_columns = sorted(row_level_columns & set(model.columns))
        for role in sorted(model.readers & aggregates_only):
            if level_columns:
                raise PolicyError(
                    f"{model.relation} is readable by {role} (aggregates only) but has row-level columns "
                    f"{', '.join(level_columns)}: remove {role} from its meta.readers"
                )
        for role in sorted(model.readers & set(scoped_roles)):
            if level_columns and model.row_scope is None:
                raise PolicyError(
                    f"{model.relation} is readable by {role} (row-scoped) but has no row scope in "
                    f"{POLICY_FILE} (it has row-level columns {', '.join(level_columns)}): "
                    f"add one or remove {role} from its meta.readers"
                )
    logins = []
    for raw in settings.get("logins") or []:
        login = Login(
            raw["name"], raw["role"], raw.get("sales_rep_id"), raw.get("team_id"), raw.get("region_code")
        )
        check_role(login.role)
        kind = scoped_roles.get(login.role)
        needed = {"rep": login.sales_rep_id, "team": login.team_id, "region": login.region_code}.get(
            kind or "", 0
        )
        if needed is None:
            raise PolicyError(
                f"{POLICY_FILE}: login {login.name} has role {login.role} (row scope {kind}) "
                f"but names no {kind}"
            )
        logins.append(login)
    descriptions = {role: str(spec.get("description", "")) for role, spec in roles.items()}
    return Policy(scoped, pii_roles, scoped_roles, tuple(logins), descriptions)


def load_policy(
    project_dir: Path,
    warehouse: duckdb.DuckDBPyConnection | None = None,
    manifest_path: Path | None = None,
) -> Policy:
    """The validated policy: target/manifest.json (run `dbt parse` first; or manifest_path) +
    policy/access.yml, and with a warehouse connection the metric export tables too."""
    manifest_path = manifest_path or project_dir / "target" / "manifest.json"
    if not manifest_path.exists():
        raise PolicyError(f"{manifest_path} is missing: run `dbt parse` (or a build) first")
    settings = yaml.safe_load((project_dir / POLICY_FILE).read_text()) or {}
    models = models_from_manifest(json.loads(manifest_path.read_text()))
    if warehouse is not None:
        models.update(metric_export_models(warehouse, settings.get("metric_exports") or {}))
    return build_policy(models, settings)


def login_scopes(
    policy: Policy, warehouse: duckdb.DuckDBPyConnection
) -> list[tuple[str, int | None, int | None, str | None]]:
    """(login, sales_rep_id, team_id, region_code) rows, from marts.dim_sales_reps: a rep's own
    rep, team and region; a manager's every rep of the team (and the team's region); a
    director's every rep and team of the region. Unscoped logins get no rows."""
    reps = warehouse.execute("select sales_rep_id, team_id, region_code from marts.dim_sales_reps").fetchall()
    rows: list[tuple[str, int | None, int | None, str | None]] = []
    for login in policy.logins:
        kind = policy.scoped_roles.get(login.role)
        if kind == "rep":
            chosen = [rep for rep in reps if rep[0] == login.sales_rep_id]
        elif kind == "team":
            chosen = [rep for rep in reps if rep[1] == login.team_id]
        elif kind == "region":
            chosen = [rep for rep in reps if rep[2] == login.region_code]
        else:
            continue
        if not chosen:
            raise PolicyError(
                f"login {login.name} ({login.role}) matches no sales rep in marts.dim_sales_reps"
            )
        rows.extend(
            (login.name, rep_id, team_id, region) for rep_id, team_id, region in sorted(chosen, key=str)
        )
    return rows


def scope_predicate(
    policy: Policy,
    model: ServedModel,
    role: str,
    login_scopes_relation: str,
    user_expression: str,
    relation_of: dict[str, str] | None = None,
) -> str | None:
    """SQL boolean restricting model's rows to the login given by user_expression (e.g.
    current_user in PostgreSQL, a quoted name in DuckDB), reading login_scopes_relation
    (login, sales_rep_id, team_id, region_code). None when the role or the model is not scoped.
    relation_of maps a served relation to the name to read it by (default: schema.name)."""
    kind = policy.scoped_roles.get(role)
    scope = model.row_scope
    if kind is None or scope is None:
        return None
    scopes = f"select {{column}} from {login_scopes_relation} where login = {user_expression}"
    if scope.sales_rep_column:
        return f"{scope.sales_rep_column} in ({scopes.format(column='sales_rep_id')})"
    if scope.team_column:
        return f"{scope.team_column} in ({scopes.format(column='team_id')})"
    if scope.region_column:
        return f"{scope.region_column} in ({scopes.format(column='region_code')})"
    assert scope.through is not None
    column, other_name, other_column = scope.through
    other = policy.by_name(other_name)
    inner = scope_predicate(policy, other, role, login_scopes_relation, user_expression, relation_of)
    relation = (relation_of or {}).get(other.relation, other.relation)
    where = f" where {inner}" if inner else ""
    return f"{column} in (select {other_column} from {relation}{where})"


def access_matrix_markdown(policy: Policy) -> str:
    """The README's role x model table: R = reads every column, R* = reads without personal-data
    columns; a trailing (rep/team/region) says the rows are scoped."""
    header = "| Relation | " + " | ".join(f"`{role}`" for role in ROLES) + " |"
    lines = [header, "|---|" + "---|" * len(ROLES)]
    for relation, model in sorted(policy.models.items()):
        cells = []
        for role in ROLES:
            if role not in model.readers:
                cells.append("")
                continue
            cell = "R*" if model.pii_columns and role not in policy.pii_roles else "R"
            kind = policy.scoped_roles.get(role)
            if kind and model.row_scope is not None:
                cell += f" ({kind})"
            cells.append(cell)
        lines.append(f"| `{relation}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)
