"""dbt-score: every model scores at least 9.0, and every model has an owner that is a dbt group.

The rules and the ones switched off (with the reason) are in pyproject.toml, [tool.dbt-score].
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml
from dbt_support import BIN, ROOT, dbt

MIN_MODEL_SCORE = 9.0


@pytest.fixture(scope="module")
def manifest_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("dbt_score")
    # dbt parse reads no data: the raw directory and the database need not exist.
    result = dbt(["parse", "--no-partial-parse"], work / "raw", work / "warehouse.duckdb", work)
    assert result.returncode == 0, result.stdout + result.stderr
    return work / "target" / "manifest.json"


@pytest.fixture(scope="module")
def scores(manifest_path: Path) -> dict:
    # Run from the project root so dbt-score reads [tool.dbt-score] in pyproject.toml. Its exit code
    # is non-zero when an item is under fail_any_item_under: the assertions below name the items.
    result = subprocess.run(
        [str(BIN / "dbt-score"), "lint", "--manifest", str(manifest_path), "--format", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.stdout.strip(), result.stderr
    return json.loads(result.stdout)


def test_every_model_scores_at_least_nine(scores: dict) -> None:
    models = {name: item for name, item in scores["evaluables"].items() if item["type"] == "model"}
    assert len(models) > 50
    low = {
        name: (
            round(item["score"], 2),
            {rule: result["message"] for rule, result in item["results"].items() if result["result"] != "OK"},
        )
        for name, item in models.items()
        if item["score"] < MIN_MODEL_SCORE
    }
    assert not low, f"models scoring under {MIN_MODEL_SCORE}: {low}"


def test_every_seed_snapshot_source_and_macro_scores_at_least_nine(scores: dict) -> None:
    low = {
        name: round(item["score"], 2)
        for name, item in scores["evaluables"].items()
        if item["type"] != "model" and item["score"] < MIN_MODEL_SCORE
    }
    assert not low


def test_every_model_is_owned_by_a_group_and_a_grouped_model_by_its_own(manifest_path: Path) -> None:
    groups = {
        group["name"] for group in yaml.safe_load((ROOT / "models" / "_groups.yml").read_text())["groups"]
    }
    manifest = json.loads(manifest_path.read_text())
    wrong = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] not in ("model", "seed"):
            continue
        owner = node["meta"].get("owner")
        group = node["config"].get("group")
        if owner not in groups or (group is not None and owner != group):
            wrong[node["name"]] = {"owner": owner, "group": group}
    assert not wrong, (
        f"meta.owner must be a group of models/_groups.yml, the model's own when it has one: {wrong}"
    )
