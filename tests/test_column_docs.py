"""Shared columns are described once: by a doc block of models/docs/common_columns.md.

Every model YAML describes such a column as "{{ doc('<block>') }}", optionally followed by what is
particular to the model ("Here: ..."). The rep-month models may use their own block of
models/intermediate/sales/_int_sales__docs.md (sales_rep_month__<column>) for the measures.
The sources YAML files are generated from src/sales_warehouse/contract.py and are not checked.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
COMMON = ROOT / "models" / "docs" / "common_columns.md"

# Column name -> the doc blocks that may define it.
SHARED: dict[str, set[str]] = {
    **{
        name: {name}
        for name in [
            "customer_id",
            "order_id",
            "order_line_id",
            "line_number",
            "product_id",
            "sales_rep_id",
            "team_id",
            "lead_id",
            "opportunity_id",
            "campaign_id",
            "ticket_id",
            "credited_order_id",
            "region_code",
            "customer_type",
            "lead_source",
            "stage_name",
            "stage_order",
            "month_start_date",
            "placed_at",
            "placed_date",
            "as_of_date",
            "loaded_at",
            "updated_at",
            "source_row_id",
            "content_hash",
            "is_latest_version",
            "is_superseded_version",
            "is_duplicate_row",
            "is_conflicting_duplicate",
            "quantity",
            "unit_price",
            "unit_cost",
            "gross_amount",
            "discount_amount",
            "net_amount",
            "cost_amount",
            "margin_amount",
            "revenue_target",
        ]
    },
    "owner_sales_rep_id": {"sales_rep_id"},
    "category": {"product_category", "ticket_category"},
    "channel": {"order_channel", "ticket_channel"},
    # The monthly grain under the other names it still has.
    **{name: {"month_start_date"} for name in ("target_month", "cohort_month", "created_month")},
}
FIRST_DOC = re.compile(r"^\{\{ doc\('(\w+)'\) \}\}")


def model_columns() -> list[tuple[str, str, str, str]]:
    rows = []
    for path in sorted([*ROOT.glob("models/**/*.yml"), *ROOT.glob("python_models/**/*.yml")]):
        if path.name.endswith("__sources.yml"):
            continue
        for model in (yaml.safe_load(path.read_text()) or {}).get("models") or []:
            for column in model.get("columns") or []:
                description = (column.get("description") or "").strip()
                rows.append((str(path.relative_to(ROOT)), model["name"], column["name"], description))
    return rows


def common_blocks() -> set[str]:
    return set(re.findall(r"\{% docs (\w+) %\}", COMMON.read_text()))


def test_every_shared_column_is_described_by_its_doc_block() -> None:
    blocks = common_blocks()
    assert {block for allowed in SHARED.values() for block in allowed} <= blocks
    wrong = []
    for path, model, column, description in model_columns():
        if column not in SHARED:
            continue
        match = FIRST_DOC.match(description)
        allowed = SHARED[column] | {f"sales_rep_month__{column}"}
        if not match or match.group(1) not in allowed:
            wrong.append(f"{path}: {model}.{column}: {description[:60]!r}")
    assert not wrong, "describe these with {{ doc('<block>') }} [Here: ...]:\n" + "\n".join(wrong)


def test_every_common_block_is_used() -> None:
    used = set()
    for *_, description in model_columns():
        used |= set(re.findall(r"doc\('(\w+)'\)", description))
    assert not common_blocks() - used
