"""Next-best products per customer from item-to-item association rules.

A basket is everything a customer has bought (customer-level baskets: cross-selling over time,
not only within one order). For products A and B, over N customers:

    support(A -> B)    = customers who bought A and B / N
    confidence(A -> B) = customers who bought A and B / customers who bought A
    lift(A -> B)       = confidence(A -> B) / (customers who bought B / N)

A rule counts when at least `min_pair_customers` customers bought both and its lift exceeds
`min_lift` (a positive association, not just a popular product). A customer's candidates are the
products they have not bought (and that are still on sale); each candidate is scored by its best
rule from a product in the basket (highest confidence, then lift), and that product is reported
as the antecedent. The top `per_customer` candidates per customer are kept.

Rows without a customer (guest orders in real exports) or without a product are left out: a
guest has no basket over time, gets no recommendations and does not count in N.

Co-occurrence counts are one sparse matrix product (baskets^T x baskets); scoring works on the
CSR structure in chunks of customers, so memory stays bounded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

RECOMMENDATION_COLUMNS: dict[str, str] = {
    "customer_id": "bigint",
    "recommendation_rank": "integer",
    "product_id": "bigint",
    "antecedent_product_id": "bigint",
    "support": "double",
    "confidence": "double",
    "lift": "double",
    "pair_customer_count": "integer",
}


@dataclass(frozen=True)
class RecommendationConfig:
    per_customer: int = 5
    min_pair_customers: int = 5
    min_lift: float = 1.0
    chunk_cells: int = 4_000_000  # basket items x products scored at once (memory bound)

    def __post_init__(self) -> None:
        if self.per_customer < 1 or self.min_pair_customers < 1 or self.chunk_cells < 1:
            raise ValueError("per_customer, min_pair_customers and chunk_cells must be >= 1")


@dataclass(frozen=True)
class Baskets:
    matrix: sparse.csr_matrix  # customers x products, 1 = bought
    customer_ids: np.ndarray
    product_ids: np.ndarray


@dataclass(frozen=True)
class Rules:
    pair_counts: np.ndarray  # products x products, customers who bought both
    support: np.ndarray
    confidence: np.ndarray  # row = antecedent, column = consequent
    lift: np.ndarray
    valid: np.ndarray  # rule passes the support and lift thresholds


def known_purchases(purchases: pd.DataFrame) -> pd.DataFrame:
    """(customer_id, product_id) rows with both ids, as int64 (a null id makes pandas use floats)."""
    known = purchases.loc[purchases["customer_id"].notna() & purchases["product_id"].notna()]
    return known.astype({"customer_id": "int64", "product_id": "int64"})


def build_baskets(purchases: pd.DataFrame) -> Baskets:
    """Binary customer x product matrix from (customer_id, product_id) rows; ids sorted.

    Rows with a null customer (guest orders) or product are ignored.
    """
    purchases = known_purchases(purchases[["customer_id", "product_id"]])
    customer_codes, customer_ids = pd.factorize(purchases["customer_id"], sort=True)
    product_codes, product_ids = pd.factorize(purchases["product_id"], sort=True)
    matrix = sparse.csr_matrix(
        (np.ones(len(purchases)), (customer_codes, product_codes)),
        shape=(len(customer_ids), len(product_ids)),
    )
    matrix.data[:] = 1.0  # a customer who bought a product twice still counts once
    matrix.sort_indices()
    return Baskets(matrix, np.asarray(customer_ids), np.asarray(product_ids))


def association_rules(baskets: Baskets, config: RecommendationConfig) -> Rules:
    """Support, confidence and lift of every ordered product pair (dense products x products)."""
    matrix = baskets.matrix
    n_customers = max(matrix.shape[0], 1)
    pair_counts = np.asarray((matrix.T @ matrix).todense())
    item_counts = np.diag(pair_counts).astype(float)
    support = pair_counts / n_customers
    with np.errstate(divide="ignore", invalid="ignore"):
        confidence = np.where(item_counts[:, None] > 0, pair_counts / item_counts[:, None], 0.0)
        base_rate = item_counts / n_customers
        lift = np.where(base_rate[None, :] > 0, confidence / base_rate[None, :], 0.0)
    valid = (pair_counts >= config.min_pair_customers) & (lift > config.min_lift)
    np.fill_diagonal(valid, False)
    return Rules(pair_counts, support, confidence, lift, valid)


def chunk_bounds(indptr: np.ndarray, n_products: int, cells: int) -> list[tuple[int, int]]:
    """Consecutive customer ranges whose basket items x products stay within `cells`."""
    budget = max(cells // max(n_products, 1), 1)
    bounds = []
    start = 0
    n_rows = len(indptr) - 1
    while start < n_rows:
        end = int(np.searchsorted(indptr, indptr[start] + budget, side="right")) - 1
        end = min(max(end, start + 1), n_rows)
        bounds.append((start, end))
        start = end
    return bounds


def recommend(
    baskets: Baskets,
    rules: Rules,
    config: RecommendationConfig,
    excluded_products: np.ndarray | None = None,
) -> pd.DataFrame:
    """Top products per customer, each with the rule (antecedent, support, confidence, lift)."""
    matrix = baskets.matrix
    n_products = matrix.shape[1]
    score = np.where(rules.valid, rules.confidence, 0.0)
    # Rank key within a customer: confidence first, lift breaks ties (lift < 1e6 here).
    key = np.where(rules.valid, rules.confidence * 1e6 + np.minimum(rules.lift, 1e6 - 1) / 1e6, 0.0)
    blocked = np.zeros(n_products, dtype=bool)
    if excluded_products is not None and len(excluded_products):
        blocked = np.isin(baskets.product_ids, excluded_products)
    frames = []
    for start, end in chunk_bounds(matrix.indptr, n_products, config.chunk_cells):
        chunk = matrix[start:end]
        n_rows = chunk.shape[0]
        if chunk.nnz == 0:
            continue
        # Best rule key per (customer, candidate) over the customer's basket.
        best = np.zeros((n_rows, n_products))
        filled = np.diff(chunk.indptr) > 0
        best[filled] = np.maximum.reduceat(key[chunk.indices], chunk.indptr[:-1][filled], axis=0)
        best[chunk.toarray() > 0] = 0.0  # already bought
        best[:, blocked] = 0.0
        take = min(config.per_customer, n_products)
        top = np.argsort(-best, axis=1, kind="stable")[:, :take]
        top_key = np.take_along_axis(best, top, axis=1)
        row, rank = np.nonzero(top_key > 0)
        if not len(row):
            continue
        product = top[row, rank]
        # Antecedent: the basket item whose rule to `product` has the best key (lowest id on ties).
        starts, ends = chunk.indptr[row], chunk.indptr[row + 1]
        lengths = ends - starts
        pair = np.repeat(np.arange(len(row)), lengths)
        offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        items = chunk.indices[np.repeat(starts, lengths) + offsets]
        values = key[items, product[pair]]
        order = np.lexsort((items, -values, pair))
        first = order[np.r_[0, np.flatnonzero(np.diff(pair[order])) + 1]]
        antecedent = items[first]
        frames.append(
            pd.DataFrame(
                {
                    "customer_id": baskets.customer_ids[start + row],
                    "recommendation_rank": rank + 1,
                    "product_id": baskets.product_ids[product],
                    "antecedent_product_id": baskets.product_ids[antecedent],
                    "support": rules.support[antecedent, product],
                    "confidence": score[antecedent, product],
                    "lift": rules.lift[antecedent, product],
                    "pair_customer_count": rules.pair_counts[antecedent, product],
                }
            )
        )
    if not frames:
        return pd.DataFrame({name: pd.Series(dtype=object) for name in RECOMMENDATION_COLUMNS})
    result = pd.concat(frames, ignore_index=True)
    return result.sort_values(["customer_id", "recommendation_rank"], ignore_index=True)


def product_recommendations(
    purchases: pd.DataFrame,
    config: RecommendationConfig,
    excluded_products: np.ndarray | None = None,
) -> pd.DataFrame:
    """purchases: one row per (customer_id, product_id) bought; rows without a customer (guest
    orders) or product are ignored. Returns RECOMMENDATION_COLUMNS."""
    baskets = build_baskets(purchases)
    rules = association_rules(baskets, config)
    return recommend(baskets, rules, config, excluded_products)[list(RECOMMENDATION_COLUMNS)]
