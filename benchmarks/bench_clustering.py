"""Customer-segmentation benchmark: wall time to segment N customers (default one million).

The customers are synthetic (four latent groups, numpy draws shaped like the demo data's
aggregates), so the benchmark needs neither generated files nor a warehouse. It times the three
steps of `sales_warehouse.segmentation.segment_customers` separately:

- features: per-customer features from the aggregates and the long channel / category mix;
- clustering: standardise, choose k (KMeans per k on the fit sample, silhouette on a 2000-row
  sample), assign every customer;
- total: `segment_customers` end to end (features + clustering + naming + profiles).

    .venv/bin/python benchmarks/bench_clustering.py                  # 1,000,000 customers
    .venv/bin/python benchmarks/bench_clustering.py --customers 200000
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from sales_warehouse.segmentation import (
    SegmentationConfig,
    choose_k,
    customer_features,
    segment_customers,
    standardise,
)

CHANNELS = ("web", "app", "store", "phone")
CATEGORIES = ("Electronics", "Home & Kitchen", "Apparel", "Beauty", "Sports", "Office", "Audio")
# Per group: orders, lines per order, extra units, promo affinity, age, business, channel, category.
GROUPS = (
    (30.0, 3.0, 0.6, 0.2, 42.0, 0.03, (0.3, 0.5, 0.15, 0.05), (3, 2, 1, 1, 1, 0.5, 1)),
    (5.0, 1.6, 0.3, 0.5, 26.0, 0.03, (0.3, 0.6, 0.08, 0.02), (0.4, 1, 3, 3, 1, 0.2, 1)),
    (11.0, 2.3, 0.5, 0.25, 35.0, 0.03, (0.35, 0.35, 0.25, 0.05), (1.5, 2, 1.5, 1.5, 1.5, 0.5, 1)),
    (14.0, 3.5, 6.0, 0.15, 45.0, 1.0, (0.45, 0.05, 0.1, 0.4), (2, 0.5, 0.2, 0.2, 0.5, 5, 1)),
)
SHARES = (0.15, 0.35, 0.35, 0.15)


def synthetic_customers(n: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    group = rng.choice(len(GROUPS), size=n, p=SHARES)
    param = [np.array([item[i] for item in GROUPS]) for i in range(6)]
    orders = 1 + rng.poisson(param[0][group] - 1)
    lines = orders + rng.poisson((param[1][group] - 1) * orders)
    units = lines + rng.poisson(param[2][group] * lines)
    is_business = rng.random(n) < param[5][group]
    behaviour = pd.DataFrame(
        {
            "customer_id": np.arange(1, n + 1, dtype=np.int64),
            "lifetime_orders": orders,
            "lifetime_revenue": np.round(units * rng.lognormal(np.log(400), 0.6, n), 2),
            "days_since_last_order": rng.integers(0, 1000, n),
            "promotion_order_count": rng.binomial(orders, param[3][group]),
            "line_count": lines,
            "unit_count": units,
            "is_business": is_business,
            "age_years": np.where(is_business, np.nan, rng.normal(param[4][group], 7)),
            "as_of_date": pd.Timestamp("2025-12-31"),
        }
    )
    frames = []
    for dimension, values, totals, index in (
        ("channel", CHANNELS, orders, 6),
        ("category", CATEGORIES, lines, 7),
    ):
        probs = np.array([item[index] for item in GROUPS], dtype=float)
        probs = probs / probs.sum(axis=1, keepdims=True)
        counts = np.zeros((n, len(values)), dtype=np.int64)
        for g in range(len(GROUPS)):
            members = group == g
            counts[members] = rng.multinomial(totals[members], probs[g])
        customer, value = np.nonzero(counts)
        frames.append(
            pd.DataFrame(
                {
                    "customer_id": customer + 1,
                    "mix_dimension": dimension,
                    "mix_value": np.asarray(values, dtype=object)[value],
                    "item_count": counts[customer, value],
                }
            )
        )
    return behaviour, pd.concat(frames, ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000)
    args = parser.parse_args()
    config = SegmentationConfig()
    behaviour, mix = synthetic_customers(args.customers)
    print(f"{args.customers:,} customers, {len(mix):,} mix rows, config {config}")

    start = time.perf_counter()
    features = customer_features(behaviour, mix, config)
    features_seconds = time.perf_counter() - start

    start = time.perf_counter()
    matrix, _, _ = standardise(features)
    choice, model = choose_k(matrix, config)
    labels = model.predict(matrix)
    clustering_seconds = time.perf_counter() - start

    start = time.perf_counter()
    result = segment_customers(behaviour, mix, config)
    total_seconds = time.perf_counter() - start

    silhouettes = ", ".join(f"k={k}: {value:.3f}" for k, value in choice.silhouettes.items())
    print(f"silhouette by k: {silhouettes}; chosen k={choice.k}")
    print(f"segment sizes: {np.bincount(labels).tolist()}")
    print(f"features:   {features_seconds:6.2f} s")
    print(f"clustering: {clustering_seconds:6.2f} s  (standardise + choose k + assign all)")
    print(
        f"total:      {total_seconds:6.2f} s  (segment_customers end to end, {len(result.segments):,} rows)"
    )


if __name__ == "__main__":
    main()
