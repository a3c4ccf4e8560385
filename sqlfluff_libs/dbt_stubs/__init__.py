"""Jinja stand-ins for dbt's `dbt.*` macros, so sqlfluff's jinja templater can lint models offline.

sqlfluff exposes the `dbt` submodule to templates as `dbt`. Each function renders SQL close to what
dbt-duckdb compiles, so the linter sees realistic code without a dbt parse or a database.
"""
