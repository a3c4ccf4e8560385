"""The semantic layer: MetricFlow's numbers equal independent SQL over the marts, every saved query
exports a non-empty table, configs validate, and the README lists every metric."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from dbt_support import BIN, ROOT, environment

from sales_warehouse import metrics
from sales_warehouse.metrics import (
    SemanticLayerError,
    check_manifest,
    export_saved_queries,
    query_metrics,
    saved_query_names,
)

REVENUE = "sum(case when orders.is_revenue then orders.net_amount else 0 end)"
ORDERS = "marts.fct_orders as orders"
BY_REGION = (
    f"{ORDERS} inner join marts.dim_customers as customers on orders.customer_id = customers.customer_id"
)
YEAR = "date_trunc('year', {})"
MONTH = "date_trunc('month', {})"

# (metric, MetricFlow group-by, independent SQL returning key, value)
CASES: list[tuple[str, str, str]] = [
    (
        "revenue",
        "metric_time__month",
        f"select {MONTH.format('placed_date')}, {REVENUE} from {ORDERS} group by 1",
    ),
    (
        "revenue",
        "customer__region_code",
        f"select customers.region_code, {REVENUE} from {BY_REGION} group by 1",
    ),
    (
        "orders",
        "order__channel",
        f"select channel, count(*) filter (where is_revenue) from {ORDERS} group by 1",
    ),
    (
        "orders",
        "metric_time__year",
        f"select {YEAR.format('placed_date')}, count(*) filter (where is_revenue) from {ORDERS} group by 1",
    ),
    (
        "average_order_value",
        "order__channel",
        f"select channel, {REVENUE} / count(*) filter (where is_revenue) from {ORDERS} group by 1",
    ),
    (
        "average_order_value",
        "metric_time__year",
        f"select {YEAR.format('placed_date')}, {REVENUE} / count(*) filter (where is_revenue) from {ORDERS} group by 1",
    ),
    (
        "gross_margin",
        "metric_time__year",
        f"select {YEAR.format('placed_date')}, sum(margin_amount) filter (where is_revenue) from {ORDERS} group by 1",
    ),
    (
        "gross_margin",
        "customer__region_code",
        f"select customers.region_code, sum(orders.margin_amount) filter (where orders.is_revenue) from {BY_REGION} "
        "group by 1",
    ),
    (
        "margin_pct",
        "order__channel",
        f"select channel, sum(margin_amount) filter (where is_revenue) / {REVENUE} from {ORDERS} group by 1",
    ),
    (
        "margin_pct",
        "metric_time__quarter",
        f"select date_trunc('quarter', placed_date), sum(margin_amount) filter (where is_revenue) / {REVENUE} "
        f"from {ORDERS} group by 1",
    ),
    (
        "discount_rate",
        "order__channel",
        f"select channel, sum(discount_amount) filter (where is_revenue) / sum(gross_amount) filter (where is_revenue) "
        f"from {ORDERS} group by 1",
    ),
    (
        "discount_rate",
        "metric_time__year",
        f"select {YEAR.format('placed_date')}, sum(discount_amount) filter (where is_revenue) "
        f"/ sum(gross_amount) filter (where is_revenue) from {ORDERS} group by 1",
    ),
    (
        "new_customers",
        "metric_time__year",
        f"select {YEAR.format('placed_date')}, count(*) filter (where is_first_order) from {ORDERS} group by 1",
    ),
    (
        "new_customers",
        "customer__region_code",
        f"select customers.region_code, count(*) filter (where orders.is_first_order) from {BY_REGION} group by 1",
    ),
    (
        "active_customers",
        "metric_time__month",
        f"select {MONTH.format('placed_date')}, count(distinct customer_id) filter (where is_revenue) from {ORDERS} "
        "group by 1",
    ),
    (
        "active_customers",
        "customer__region_code",
        f"select customers.region_code, count(distinct orders.customer_id) filter (where orders.is_revenue) "
        f"from {BY_REGION} group by 1",
    ),
    (
        "product_revenue",
        "product__category",
        "select products.category, sum(lines.net_amount) filter (where lines.is_revenue) from marts.fct_order_lines as "
        "lines inner join marts.dim_products as products on lines.product_id = products.product_id group by 1",
    ),
    (
        "product_revenue",
        "metric_time__year",
        f"select {YEAR.format('placed_date')}, sum(net_amount) filter (where is_revenue) from marts.fct_order_lines "
        "group by 1",
    ),
    (
        "repeat_purchase_rate",
        "customer__rfm_segment",
        "select rfm_segment, count(*) filter (where is_repeat_buyer) / count(*) filter (where lifetime_orders > 0) "
        "from marts.dim_customers group by 1 having count(*) filter (where lifetime_orders > 0) > 0",
    ),
    (
        "repeat_purchase_rate",
        "customer__region_code",
        "select region_code, count(*) filter (where is_repeat_buyer) / count(*) filter (where lifetime_orders > 0) "
        "from marts.dim_customers group by 1",
    ),
    (
        "win_rate",
        "opportunity__lead_source",
        "select lead_source, count(*) filter (where is_won) / count(*) filter (where is_closed) "
        "from marts.fct_opportunities group by 1",
    ),
    (
        "win_rate",
        "metric_time__year",
        f"select {YEAR.format('closed_date')}, count(*) filter (where is_won) / count(*) filter (where is_closed) "
        "from marts.fct_opportunities where closed_date is not null group by 1",
    ),
    (
        "average_deal_size",
        "opportunity__region_code",
        "select region_code, sum(amount) filter (where is_won) / count(*) filter (where is_won) "
        "from marts.fct_opportunities group by 1",
    ),
    (
        "average_deal_size",
        "metric_time__year",
        f"select {YEAR.format('closed_date')}, sum(amount) filter (where is_won) / count(*) filter (where is_won) "
        "from marts.fct_opportunities where closed_date is not null group by 1",
    ),
    (
        "quota",
        "sales_rep__team_name",
        "select reps.team_name, sum(targets.revenue_target) from marts.fct_sales_targets as targets inner join "
        "marts.dim_sales_reps as reps on targets.sales_rep_id = reps.sales_rep_id group by 1",
    ),
    (
        "quota",
        "metric_time__year",
        f"select {YEAR.format('target_month')}, sum(revenue_target) from marts.fct_sales_targets group by 1",
    ),
    (
        "sla_breach_rate",
        "ticket__priority",
        "select priority, avg(case when is_sla_breached then 1.0 else 0 end) from marts.fct_support_tickets group by 1",
    ),
    (
        "sla_breach_rate",
        "metric_time__year",
        f"select {YEAR.format('opened_date')}, avg(case when is_sla_breached then 1.0 else 0 end) "
        "from marts.fct_support_tickets group by 1",
    ),
    (
        "nps",
        "metric_time__year",
        f"select {YEAR.format('responded_date')}, 100.0 * (count(*) filter (where nps_score >= 9) "
        "- count(*) filter (where nps_score <= 6)) / count(*) from marts.fct_survey_responses group by 1",
    ),
    (
        "nps",
        "customer__region_code",
        "select customers.region_code, 100.0 * (count(*) filter (where surveys.nps_score >= 9) "
        "- count(*) filter (where surveys.nps_score <= 6)) / count(*) from marts.fct_survey_responses as surveys "
        "inner join marts.dim_customers as customers on surveys.customer_id = customers.customer_id group by 1",
    ),
]


def normalise(value: object) -> str:
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def test_at_least_twelve_metrics_are_checked_two_ways() -> None:
    groupings: dict[str, set[str]] = {}
    for metric, group_by, _ in CASES:
        groupings.setdefault(metric, set()).add(group_by)
    assert len([metric for metric, groups in groupings.items() if len(groups) >= 2]) >= 12


@pytest.mark.parametrize(("metric", "group_by", "sql"), CASES, ids=[f"{m}-by-{g}" for m, g, _ in CASES])
def test_metricflow_equals_independent_sql(
    built: tuple[Path, Path, Path], metric: str, group_by: str, sql: str
) -> None:
    _, db, target = built
    _, frame = query_metrics(
        db, target / "semantic_manifest.json", ROOT, metrics=[metric], group_by=[group_by]
    )
    from_metricflow = {
        normalise(key): float(value)
        for key, value in zip(frame[group_by], frame[metric], strict=True)
        if not pd.isna(value) and not (isinstance(key, float) and math.isnan(key))
    }
    with duckdb.connect(str(db), read_only=True) as connection:
        expected = {
            normalise(key): float(value) for key, value in connection.sql(sql).fetchall() if value is not None
        }
    assert from_metricflow.keys() == expected.keys()
    assert len(expected) >= 2
    for key, value in expected.items():
        assert from_metricflow[key] == pytest.approx(value, rel=1e-9, abs=1e-6), key


def test_every_saved_query_exports_a_non_empty_table(built: tuple[Path, Path, Path]) -> None:
    _, db, target = built
    names = saved_query_names(target / "semantic_manifest.json")
    assert len(names) >= 6
    with duckdb.connect(str(db), read_only=True) as connection:
        logged = dict(
            connection.sql("select saved_query, row_count from metrics.saved_query_exports").fetchall()
        )
        compiled = dict(
            connection.sql("select saved_query, compiled_sql from metrics.saved_query_exports").fetchall()
        )
        for name in names:
            count = connection.sql(f"select count(*) from metrics.{name}").fetchone()[0]
            assert count > 0, name
            assert logged[name] == count
            kept = (target / "metric_exports" / f"{name}.sql").read_text()
            assert kept.strip() == compiled[name].strip()
            assert "select" in kept.lower()


def test_unknown_saved_query_is_named_in_the_error(built: tuple[Path, Path, Path], tmp_path: Path) -> None:
    _, db, target = built
    with pytest.raises(SemanticLayerError, match="unknown saved query.*no_such_query"):
        export_saved_queries(db, target / "semantic_manifest.json", ROOT, tmp_path, ["no_such_query"])


def test_a_failing_saved_query_does_not_stop_the_others(
    built: tuple[Path, Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Every saved query but the broken one is exported; the failure is reported at the end, by name."""
    _, db, target = built
    # Work on copies, so the shared warehouse and its exports stay as they are.
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(db, copy)
    (tmp_path / "target").mkdir()
    manifest = Path(shutil.copy(target / "semantic_manifest.json", tmp_path / "target"))
    names = saved_query_names(manifest)
    broken = names[0]
    compile_for_real = metrics.compile_sql

    def compile_or_fail(engine: object, *, saved_query: str | None = None, **kwargs: object) -> str:
        if saved_query == broken:
            raise RuntimeError("injected failure\nsecond line")
        return compile_for_real(engine, saved_query=saved_query, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(metrics, "compile_sql", compile_or_fail)
    with pytest.raises(
        SemanticLayerError, match=f"saved query '{broken}' failed: .*injected failure"
    ) as caught:
        export_saved_queries(copy, manifest, ROOT, tmp_path / "sql")
    assert sorted(path.stem for path in (tmp_path / "sql").glob("*.sql")) == names[1:]
    assert [item.saved_query for item in getattr(caught.value, "failures", [])] == [broken]
    assert sorted(item.saved_query for item in getattr(caught.value, "results", [])) == names[1:]

    # The command line exports the others too, exits non-zero and names each failure on one line.
    from sales_warehouse.cli import main

    capsys.readouterr()
    argv = ["metrics", "export", "--project-dir", str(ROOT), "--target-path", str(tmp_path / "target")]
    status = main([*argv, "--db", str(copy), "--saved-query", ",".join(names[:3])])
    out, err = capsys.readouterr()
    assert status == 1
    assert [line.split()[1] for line in out.splitlines() if line.startswith("exported ")] == names[1:3]
    failed = [line.strip() for line in err.splitlines() if line.strip().startswith("failed ")]
    assert failed == [f"failed {broken}: RuntimeError: injected failure second line"]


def test_stale_or_missing_manifest_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SemanticLayerError, match="does not exist: run `dbt parse`"):
        check_manifest(tmp_path / "semantic_manifest.json", ROOT)
    old = tmp_path / "semantic_manifest.json"
    old.write_text("{}")
    import os

    os.utime(old, (0, 0))
    with pytest.raises(SemanticLayerError, match="is stale"):
        check_manifest(old, ROOT)


def test_mf_validate_configs_reports_no_errors(built: tuple[Path, Path, Path]) -> None:
    raw, db, _ = built
    # mf reads target/semantic_manifest.json of the project: parse into it for the test warehouse.
    env = environment(raw, db)
    parsed = subprocess.run(
        [str(BIN / "dbt"), "parse", "--project-dir", str(ROOT)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert parsed.returncode == 0, parsed.stdout[-3000:]
    result = subprocess.run(
        [str(BIN / "mf"), "validate-configs"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=900
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert not re.search(r"\bERROR\b", output), output[-4000:]


def test_readme_lists_every_metric(built: tuple[Path, Path, Path]) -> None:
    _, _, target = built
    manifest = json.loads((target / "semantic_manifest.json").read_text())
    readme = (ROOT / "README.md").read_text()
    missing = [metric["name"] for metric in manifest["metrics"] if f"`{metric['name']}`" not in readme]
    assert missing == []
    assert len(manifest["metrics"]) >= 30
