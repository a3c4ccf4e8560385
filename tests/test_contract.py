"""The committed sources YAML is exactly what the contract renders (docs and data cannot drift)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sales_warehouse.contract import ENTITIES, SOURCES, entity
from sales_warehouse.sources_yaml import render_source, sources_path

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("source", SOURCES, ids=lambda source: source.name)
def test_sources_yaml_is_rendered_from_the_contract(source) -> None:
    committed = sources_path(ROOT / "models", source).read_text()
    assert committed == render_source(source), "run `sales-warehouse contract` and commit the result"


@pytest.mark.parametrize("source", SOURCES, ids=lambda source: source.name)
def test_sources_yaml_lists_every_entity_column_with_a_description(source) -> None:
    document = yaml.safe_load(render_source(source))
    tables = {table["name"]: table for table in document["sources"][0]["tables"]}
    expected = {item.name for item in ENTITIES if item.source == source.name}
    assert set(tables) == expected
    for name, table in tables.items():
        columns = [column["name"] for column in table["columns"]]
        assert columns == [column.name for column in entity(name).columns]
        assert all(column["description"] and column["data_type"] for column in table["columns"])


def test_every_primary_key_column_exists() -> None:
    for item in ENTITIES:
        names = {column.name for column in item.columns}
        assert set(item.primary_key) <= names, item.name


def test_unknown_entity_is_a_clear_error() -> None:
    with pytest.raises(KeyError, match="unknown raw entity 'nope'"):
        entity("nope")
