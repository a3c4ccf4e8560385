"""Recommendations benchmark: wall time and peak RSS of `product_recommendations` per scale.

The purchases are synthetic (no generated files, no dbt, no warehouse), shaped like the
warehouse's `int_customers_products_purchased` at a generator scale: ~5,000 x scale customers,
round(200 * sqrt(scale)) products as the generator makes them (`--products 200` fixes it; 15 are
discontinued, i.e. excluded, as in the demo data), and a Poisson number
of distinct products per customer (mean 6 by default; the demo data has ~16.5, try
`--per-customer 16.5`). Customers belong to taste groups that prefer a few products, so there are
association rules with lift > 1 to score, with ties.

Each scale runs in a fresh child process, so its peak RSS (ru_maxrss) is its own: `input MB` is
the RSS once the purchases are built, `peak MB` the process's peak after the run, `extra MB` the
difference (what the recommendation step adds on top of its input). Times are the best of
`--repeat` runs, split into baskets (sparse customer x product matrix), rules (co-occurrence
matrix product, support / confidence / lift) and scoring (best rule per candidate, top-k).

    .venv/bin/python benchmarks/bench_recommendations.py                 # scales 1, 10, 67
    .venv/bin/python benchmarks/bench_recommendations.py --scales 1 10 67 200 --per-customer 16.5
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np
import pandas as pd

from sales_warehouse.recommendations import (
    RecommendationConfig,
    association_rules,
    build_baskets,
    recommend,
)

CUSTOMERS_PER_SCALE = 5_000
DISCONTINUED = 15


def synthetic_purchases(
    scale: float, products: int = 200, per_customer: float = 6.0, seed: int = 0
) -> tuple[pd.DataFrame, np.ndarray]:
    """(customer_id, product_id) rows, one per distinct pair, and the discontinued product ids."""
    rng = np.random.default_rng(seed)
    n_customers = max(int(CUSTOMERS_PER_SCALE * scale), 1)
    product_ids = np.arange(1, products + 1, dtype=np.int64) * 10
    popularity = 1.0 / (np.arange(products) + 5.0)
    popularity /= popularity.sum()
    n_groups = 25
    preferred = np.stack(
        [rng.choice(products, size=min(12, products), replace=False) for _ in range(n_groups)]
    )
    group = rng.integers(0, n_groups, n_customers)
    counts = 1 + rng.poisson(max(per_customer - 1.0, 0.0), n_customers)
    customer = np.repeat(np.arange(n_customers), counts)
    from_group = rng.random(len(customer)) < 0.55
    product = rng.choice(products, size=len(customer), p=popularity)
    pick = rng.integers(0, preferred.shape[1], len(customer))
    product[from_group] = preferred[group[customer[from_group]], pick[from_group]]
    pairs = np.unique(customer.astype(np.int64) * products + product)
    purchases = pd.DataFrame(
        {"customer_id": pairs // products + 1_000_001, "product_id": product_ids[pairs % products]}
    )
    discontinued = rng.choice(product_ids, size=min(DISCONTINUED, products), replace=False)
    return purchases, discontinued


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def run_one(args: argparse.Namespace) -> dict:
    products = args.products or round(200 * max(1.0, args.one**0.5))  # GeneratorConfig's Sizes
    purchases, discontinued = synthetic_purchases(args.one, products, args.per_customer, args.seed)
    input_mb = rss_mb()
    config = RecommendationConfig()
    best: dict[str, float] = {}
    rows = 0
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        baskets = build_baskets(purchases)
        t1 = time.perf_counter()
        rules = association_rules(baskets, config)
        t2 = time.perf_counter()
        result = recommend(baskets, rules, config, discontinued)
        t3 = time.perf_counter()
        rows = len(result)
        del result
        for name, value in (
            ("baskets", t1 - t0),
            ("rules", t2 - t1),
            ("scoring", t3 - t2),
            ("total", t3 - t0),
        ):
            best[name] = min(best.get(name, np.inf), value)
    return {
        "scale": args.one,
        "customers": int(purchases["customer_id"].nunique()),
        "products": products,
        "purchases": len(purchases),
        "rows": rows,
        **best,
        "input_mb": input_mb,
        "peak_mb": rss_mb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scales", type=float, nargs="+", default=[1, 10, 67])
    parser.add_argument(
        "--products", type=int, help="products (default: the generator's round(200 * sqrt(scale)), >= 200)"
    )
    parser.add_argument("--per-customer", type=float, default=6.0, help="mean distinct products per customer")
    parser.add_argument("--repeat", type=int, default=1, help="timed runs per scale (the best is reported)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--one", type=float, help=argparse.SUPPRESS)  # child: run one scale, print JSON
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(run_one(args)))
        return

    print(
        f"product_recommendations, {args.products or 'round(200 * sqrt(scale))'} products, "
        f"~{args.per_customer:g} per customer, "
        f"best of {args.repeat}, one process per scale"
    )
    header = (
        f"{'scale':>6} {'customers':>10} {'products':>8} {'purchases':>10} {'rows out':>9} "
        f"{'baskets s':>9} {'rules s':>8} {'scoring s':>9} {'total s':>8} "
        f"{'input MB':>9} {'peak MB':>8} {'extra MB':>8}"
    )
    print(header)
    for scale in args.scales:
        command = [sys.executable, __file__, "--one", str(scale)]
        command += ["--products", str(args.products)] if args.products else []
        command += ["--per-customer", str(args.per_customer)]
        command += ["--repeat", str(args.repeat), "--seed", str(args.seed)]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        r = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"{r['scale']:>6g} {r['customers']:>10,} {r['products']:>8,} {r['purchases']:>10,} "
            f"{r['rows']:>9,} {r['baskets']:>9.2f} {r['rules']:>8.2f} {r['scoring']:>9.2f} "
            f"{r['total']:>8.2f} {r['input_mb']:>9.0f} {r['peak_mb']:>8.0f} "
            f"{r['peak_mb'] - r['input_mb']:>8.0f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
