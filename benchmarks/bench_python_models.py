"""Python-model benchmark: seconds and peak RSS of driver_importance and category_effects.

Synthetic inputs shaped like the demo data at scale 1, 10 and 67 (scale 67 is ~10M order lines),
so neither generated files nor dbt are needed:

- driver_importance: the held-out stage visits model_metrics shuffles (4,654 rows x scale, the
  demo's test share; ten features, 26 preprocessed columns as on the demo data) and a
  build_model pipeline fitted on 20,000 synthetic visits. `reference` is what it cost before:
  sklearn's permutation_importance through the whole pipeline; the benchmark checks that both
  give the same importances (within 1e-12: the AUC by ranks differs in the last bits).
- category_effects as price_promo_effects runs it: int_order_lines_effective_priced (154,918
  lines x scale, fifteen columns, ~4,200 customers x scale) in an in-memory DuckDB; `compact` is
  the model today (compact_sample: seven columns, text as categoricals, two passes), `every column` what it
  did before (`.df()` of all fifteen). Both must give identical effects.

Every measurement runs in a fresh process: seconds of the step and the process's peak RSS
(VmHWM) during the step, next to its RSS before it (inputs built, imports loaded).

    .venv/bin/python benchmarks/bench_python_models.py                 # scales 1, 10, 67
    .venv/bin/python benchmarks/bench_python_models.py --scales 1 10 --reference-at-67
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

DEMO_TEST_VISITS = 4_654
DEMO_LINES = 154_918
DEMO_CUSTOMERS = 4_192
STAGES = ("prospecting", "qualification", "needs_analysis", "proposal", "negotiation")
SOURCES = ("web", "referral", "partner", "event", "outbound", "inbound")
REGIONS = ("north", "south", "east", "west", "central", "coastal", "mountain")
LEVELS = ("junior", "senior")
CATEGORIES = {
    "Electronics": 0.285,
    "Office Supplies": 0.168,
    "Home & Kitchen": 0.160,
    "Sports & Outdoors": 0.119,
    "Beauty": 0.114,
    "Apparel": 0.112,
    "Audio Players": 0.042,
}
# The reference (sklearn's permutation_importance) at scale 67 takes about a minute more.
REFERENCE_MAX_SCALE = 10
# `.df()` of all fifteen columns at scale 67 adds ~6 GB; run it only when asked.
EVERY_COLUMN_MAX_SCALE = 10


def memory_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux 4.0+); False if not allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def synthetic_visits(rows: int, seed: int) -> pd.DataFrame:
    """Stage visits with model_metrics' features after add_model_features, and a label."""
    rng = np.random.default_rng(seed)
    stage = rng.integers(0, len(STAGES), rows)
    source = rng.integers(0, len(SOURCES), rows)
    frame = pd.DataFrame(
        {
            "log_amount": rng.normal(10.5, 0.8, rows),
            "days_in_stage": rng.exponential(12, rows),
            "activity_count": rng.poisson(4 + stage).astype(float),
            "stage_activity_count": rng.poisson(2, rows).astype(float),
            "rep_win_rate": rng.beta(4, 12, rows),
            "rep_tenure_years": np.where(rng.random(rows) < 0.05, np.nan, rng.gamma(2, 2, rows)),
            "stage_name": np.array(STAGES, dtype=object)[stage],
            "lead_source": np.array(SOURCES, dtype=object)[source],
            "region_code": np.array(REGIONS, dtype=object)[rng.integers(0, len(REGIONS), rows)],
            "rep_level": np.array(LEVELS, dtype=object)[rng.integers(0, len(LEVELS), rows)],
        }
    )
    logit = -2.0 + 0.6 * stage + 0.3 * (source % 3) - 0.5 * (frame["log_amount"] - 10.5)
    frame["is_won"] = rng.random(rows) < 1 / (1 + np.exp(-logit))
    return frame


def run_importance(scale: float, variant: str) -> dict[str, object]:
    from sklearn.inspection import permutation_importance

    from sales_warehouse.scoring import (
        CATEGORICAL_FEATURES,
        NUMERIC_FEATURES,
        ScoringConfig,
        build_model,
        driver_importance,
    )

    config = ScoringConfig()
    numeric, categorical = list(NUMERIC_FEATURES), list(CATEGORICAL_FEATURES)
    features = numeric + categorical
    train = synthetic_visits(20_000, seed=1)
    model = build_model(numeric, categorical, config).fit(train[features], train["is_won"].astype(int))
    test = synthetic_visits(int(DEMO_TEST_VISITS * scale), seed=2)
    rss_before = memory_kib("VmRSS")
    reset_peak()
    start = time.perf_counter()
    if variant == "new":
        importance = driver_importance(model, test, features, config)
    else:
        result = permutation_importance(
            model,
            test[features],
            test["is_won"].astype(int),
            scoring="roc_auc",
            n_repeats=config.permutation_repeats,
            random_state=config.random_state,
        )
        importance = pd.Series(result.importances_mean, index=features).sort_values(
            ascending=False, kind="stable"
        )
    seconds = time.perf_counter() - start
    return {
        "rows": len(test),
        "seconds": seconds,
        "rss_before_mb": rss_before / 1024,
        "peak_mb": memory_kib("VmHWM") / 1024,
        "result": importance.to_dict(),
    }


def synthetic_lines_table(con: duckdb.DuckDBPyConnection, scale: float) -> None:
    """int_order_lines_effective_priced's fifteen columns, with a planted elasticity of -1.5."""
    lines = int(DEMO_LINES * scale)
    customers = max(int(DEMO_CUSTOMERS * scale), 50)
    bounds, total = [], 0.0
    for name, share in CATEGORIES.items():
        total += share
        bounds.append(f"when u_cat < {total:.3f} then '{name}'")
    category = "case " + " ".join(bounds[:-1]) + f" else '{list(CATEGORIES)[-1]}' end"
    con.execute(
        f"""
        create table lines as
        with draws as (
            select
                i,
                1 + (hash(i, 1) % {customers}) as customer_id,
                (hash(i, 2) % 1000000) / 1e6 as u_cat,
                0.85 + 0.3 * (hash(i, 3) % 1000000) / 1e6 as price_multiplier,
                (hash(i, 4) % 1000000) / 1e6 < 0.22 as is_promotion,
                greatest((hash(i, 5) % 1000000) / 1e6, 1e-6) as u_units
            from range({lines}) as t(i)
        )
        select
            'L' || i as order_line_id,
            i // 3 as order_id,
            customer_id,
            1 + hash(i, 6) % 500 as product_id,
            {category} as category,
            'sub ' || (hash(i, 7) % 40) as subcategory,
            case when customer_id % 20 = 0 then 'business' else 'individual' end as customer_type,
            case hash(i, 8) % 4 when 0 then 'web' when 1 then 'app' when 2 then 'store' else 'phone' end
                as channel,
            -- 1 + a geometric number of extra units, mean 1.8 * (effective price) ^ -1.5
            (1 + floor(ln(u_units) / ln(1 - 1 / (1 + 1.8 * pow(price_multiplier
                * (1 - case when is_promotion then 0.15 else 0 end), -1.5)))))::integer as quantity,
            cast(100 * price_multiplier as decimal(18, 4)) as unit_price,
            cast(100 as decimal(18, 2)) as list_price,
            price_multiplier,
            case when is_promotion then 0.15 else 0.0 end as discount_rate,
            is_promotion,
            date '2023-01-01' + (i % 1000)::integer as placed_date
        from draws
        """
    )


def run_effects(scale: float, variant: str) -> dict[str, object]:
    from sales_warehouse.elasticity import ElasticityConfig, category_effects, compact_sample

    con = duckdb.connect(config={"preserve_insertion_order": True, "threads": 2})
    synthetic_lines_table(con, scale)
    relation = con.table("lines")
    rss_before = memory_kib("VmRSS")
    reset_peak()
    start = time.perf_counter()
    # How price_promo_effects fetches (compact_sample), or `.df()` of all. The bound here is 10M (the
    # default until elasticity_max_lines became 3M): this measures the fetch at every scale, sampled
    # or not; the `.df()` variant runs up to scale 10, where neither samples.
    lines = compact_sample(relation, 10_000_000) if variant == "new" else relation.df()
    fetched = time.perf_counter() - start
    effects = category_effects(lines, ElasticityConfig())
    seconds = time.perf_counter() - start
    return {
        "rows": len(lines),
        "fetch_seconds": fetched,
        "seconds": seconds,
        "frame_mb": lines.memory_usage(deep=True).sum() / 2**20,
        "rss_before_mb": rss_before / 1024,
        "peak_mb": memory_kib("VmHWM") / 1024,
        "result": effects.set_index("category")["own_price_elasticity"].to_dict(),
    }


def child(step: str, scale: float, variant: str) -> dict[str, object]:
    command = [sys.executable, __file__, "--child", step, str(scale), variant]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{step} at scale {scale} ({variant}) failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def line(step: str, scale: float, variant: str, figures: dict[str, object]) -> str:
    extra = (
        f", fetch {figures['fetch_seconds']:.2f} s, frame {figures['frame_mb']:.0f} MB"
        if "frame_mb" in figures
        else ""
    )
    return (
        f"{step:<17} scale {scale:>4g} {variant:<13} {figures['rows']:>11,} rows  {figures['seconds']:7.2f} s"
        f"  peak RSS {figures['peak_mb']:7.0f} MB (+{figures['peak_mb'] - figures['rss_before_mb']:.0f} MB"
        f" over {figures['rss_before_mb']:.0f} MB before){extra}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 10.0, 67.0])
    parser.add_argument(
        "--reference-at-67", action="store_true", help="also run the before variants above scale 10"
    )
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        step, scale, variant = args.child
        run = run_importance if step == "driver_importance" else run_effects
        print(json.dumps(run(float(scale), variant)))
        return
    if not reset_peak():
        print("note: /proc/self/clear_refs not writable; peak RSS includes building the inputs")
    for step, names, limit in (
        ("driver_importance", ("new", "reference"), REFERENCE_MAX_SCALE),
        ("category_effects", ("new", "every column"), EVERY_COLUMN_MAX_SCALE),
    ):
        for scale in args.scales:
            results = {}
            for variant in names:
                if variant != "new" and scale > limit and not args.reference_at_67:
                    why = (
                        "sklearn's permutation_importance takes about a minute here"
                        if step == "driver_importance"
                        else "`.df()` of every column adds ~6 GB here"
                    )
                    print(f"{step:<17} scale {scale:>4g} {variant:<13} skipped: {why} (--reference-at-67)")
                    continue
                label = "before" if variant != "new" else "new"
                results[label] = child(step, scale, variant)
                print(line(step, scale, variant, results[label]), flush=True)
            if "before" in results:
                before, new = results["before"]["result"], results["new"]["result"]
                # Importances: the AUC by ranks (binary_auc) differs from sklearn's in the last bits.
                gap = (
                    max((abs(before[key] - new[key]) for key in before), default=0.0)
                    if before.keys() == new.keys()
                    else None
                )
                same = before == new or (gap is not None and gap <= 1e-12)
                print(
                    f"{step:<17} scale {scale:>4g} results equal to before (within 1e-12): {same}"
                    f" (largest difference {gap})",
                    flush=True,
                )


if __name__ == "__main__":
    main()
