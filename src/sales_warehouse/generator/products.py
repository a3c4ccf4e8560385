"""The product catalogue: categories, prices, launch and discontinuation dates."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sales_warehouse.generator.config import GeneratorConfig, Sizes
from sales_warehouse.generator.params import (
    BRANDS,
    CATEGORIES,
    CATEGORY_PRICE,
    DECLINING_CATEGORY,
    SUBCATEGORIES,
)


def build_products(sizes: Sizes, config: GeneratorConfig, rng: np.random.Generator) -> pd.DataFrame:
    """Products spread evenly over the categories; the first of each category is always on sale (the
    fallback for lines of products not yet launched or discontinued)."""
    n = sizes.products
    category = np.arange(n) % len(CATEGORIES)
    sub = rng.integers(0, 3, n)
    price = np.round(CATEGORY_PRICE[category] * rng.lognormal(0, 0.5, n), 2)
    start = np.datetime64(config.start, "D")
    span = (np.datetime64(config.end, "D") - start).astype(int)
    launched = start - rng.integers(30, 1500, n).astype("timedelta64[D]")
    late_launch = rng.random(n) < 0.15
    launched = np.where(
        late_launch, start + rng.integers(0, span * 2 // 3, n).astype("timedelta64[D]"), launched
    )
    discontinued = start + rng.integers(span * 2 // 3, span, n).astype("timedelta64[D]")
    is_discontinued = (rng.random(n) < 0.08) | (
        (category == CATEGORIES.index(DECLINING_CATEGORY)) & (rng.random(n) < 0.3)
    )
    evergreen = np.arange(n) < len(CATEGORIES)  # first product of each category is always on sale
    launched = np.where(evergreen, start - np.timedelta64(2000, "D"), launched)
    is_discontinued &= ~evergreen
    names = [
        f"{BRANDS[int(b)]} {SUBCATEGORIES[CATEGORIES[int(c)]][int(s)]} {i + 1:04d}"
        for i, (b, c, s) in enumerate(zip(rng.integers(0, len(BRANDS), n), category, sub, strict=True))
    ]
    updated = launched.astype("datetime64[us]")
    return pd.DataFrame(
        {
            "product_id": np.arange(1, n + 1, dtype=np.int64),
            "product_name": names,
            "category": np.asarray(CATEGORIES, dtype=object)[category],
            "subcategory": [
                SUBCATEGORIES[CATEGORIES[int(c)]][int(s)] for c, s in zip(category, sub, strict=True)
            ],
            "brand": [name.split(" ")[0] for name in names],
            "list_price": price,
            "unit_cost": np.round(price * rng.uniform(0.45, 0.7, n), 2),
            "launched_on": launched,
            "discontinued_on": np.where(is_discontinued, discontinued, np.datetime64("NaT")),
            "updated_at": updated,
            "_category_index": category,
        }
    )
