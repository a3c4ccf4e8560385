"""Prove each generic test in macros/generic_tests passes on good data and fails on bad data.

Runs `dbt build` once on the small project in tests/generic_test_project (its own DuckDB file,
target and log folders under pytest's tmp_path) and checks every test's status and failure count
in run_results.json.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
PROJECT_DIR = REPO_ROOT / "tests" / "generic_test_project"

# test name -> (status, failures). Names ending in __passes run on good data, __fails on bad data.
EXPECTED: dict[str, tuple[str, int]] = {
    "accepted_range__passes": ("pass", 0),
    "accepted_range_min_only__passes": ("pass", 0),
    "accepted_range_exclusive__fails": ("fail", 2),
    "accepted_range__fails": ("fail", 2),
    "accepted_range_where__fails": ("fail", 1),
    "expression_is_true__passes": ("pass", 0),
    "expression_is_true_column__passes": ("pass", 0),
    "expression_is_true__fails": ("fail", 1),
    "expression_is_true_where__passes": ("pass", 0),
    "expression_is_true_column__fails": ("fail", 1),
    "not_null_columns__passes": ("pass", 0),
    "not_null_columns__fails": ("fail", 3),
    "not_null_columns_where__fails": ("fail", 2),
    "not_null_columns_single__fails": ("fail", 1),
    "unique_combination_of_columns__passes": ("pass", 0),
    "unique_combination_of_columns__fails": ("fail", 2),
    "not_in_future__passes": ("pass", 0),
    "not_in_future_date__passes": ("pass", 0),
    "not_in_future_as_of__fails": ("fail", 1),
    "not_in_future__fails": ("fail", 2),
    "not_in_future_date__fails": ("fail", 1),
    "equal_row_count__passes": ("pass", 0),
    "equal_row_count__fails": ("fail", 1),
    "equal_sum__passes": ("pass", 0),
    "equal_sum_tolerance__fails": ("fail", 1),
    "equal_sum__fails": ("fail", 1),
    "equal_sum_compare_where__passes": ("pass", 0),
    "equal_sum_where__fails": ("fail", 1),
    "at_least_one_row__passes": ("pass", 0),
    "at_least_one_row__fails": ("fail", 1),
}


def _dbt_executable() -> str:
    candidate = Path(sys.executable).parent / "dbt"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("dbt")
    if found is None:
        pytest.skip("dbt is not installed")
    return found


@pytest.fixture(scope="module")
def run_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    work_dir = tmp_path_factory.mktemp("generic_tests")
    target_dir = work_dir / "target"
    env = {
        **os.environ,
        "GENERIC_TEST_PROJECT_DB": str(work_dir / "generic_tests.duckdb"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    completed = subprocess.run(
        [
            _dbt_executable(),
            "build",
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
            "--target-path",
            str(target_dir),
            "--log-path",
            str(work_dir / "logs"),
            "--no-partial-parse",
        ],
        cwd=work_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    results_file = target_dir / "run_results.json"
    assert results_file.exists(), f"no run_results.json:\n{completed.stdout}\n{completed.stderr}"
    # Failing tests make dbt exit 1; anything else (2 = error before running) is a broken project.
    assert completed.returncode == 1, f"unexpected dbt exit code {completed.returncode}:\n{completed.stdout}"
    results = json.loads(results_file.read_text())["results"]
    return {result["unique_id"]: result for result in results}


def _test_name(unique_id: str) -> str:
    # test.<project>.<name>.<hash>
    return unique_id.split(".")[2]


def test_every_model_builds(run_results: dict[str, dict]) -> None:
    models = {uid: r["status"] for uid, r in run_results.items() if uid.startswith("model.")}
    assert models, "no models ran"
    assert all(status == "success" for status in models.values()), models


def test_exactly_the_expected_tests_ran(run_results: dict[str, dict]) -> None:
    ran = {_test_name(uid) for uid in run_results if uid.startswith("test.")}
    assert ran == set(EXPECTED)


@pytest.mark.parametrize("test_name", sorted(EXPECTED))
def test_generic_test_outcome(run_results: dict[str, dict], test_name: str) -> None:
    expected_status, expected_failures = EXPECTED[test_name]
    (result,) = [
        result
        for unique_id, result in run_results.items()
        if unique_id.startswith("test.") and _test_name(unique_id) == test_name
    ]
    assert (result["status"], result["failures"]) == (expected_status, expected_failures), result["message"]
