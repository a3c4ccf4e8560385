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
CSR structure in chunks of customers with integer rule codes, reading from each basket item only
the rules that can reach the customer's top `per_customer`, so time grows with customers x basket
size (not customers x products) and memory stays bounded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

ARGMAX_TAKE = 8  # top-k by k argmax passes up to this k, by np.argpartition above it

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
    chunk_cells: int = 1_000_000  # basket items x candidate products scored at once (int32 codes)

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


def rule_codes(rules: Rules) -> np.ndarray:
    """products x products integer codes whose order is the rank order of rules, antecedent last.

    A rule's rank key is its confidence, then its lift (`confidence * 1e6 + lift / 1e6`, lift
    < 1e6 here); equal keys get equal ranks (1 = the lowest valid key; 0 = no valid rule). The code
    of rule (i -> j) is `rank * P + (P - 1 - i)`: the largest code over a basket's items i is the
    best rule into j, and on a tie in key the lowest antecedent index. Integers (int32 while they
    fit) halve the memory traffic of float64 keys and carry the antecedent along with the score.
    """
    n_products = rules.valid.shape[0]
    key = rules.confidence * 1e6 + np.minimum(rules.lift, 1e6 - 1) / 1e6
    levels = np.unique(key[rules.valid])
    rank = np.where(rules.valid, np.searchsorted(levels, key) + 1, 0)
    dtype = np.int32 if (len(levels) + 1) * n_products < np.iinfo(np.int32).max else np.int64
    antecedent = np.arange(n_products)[:, None]
    return np.where(rules.valid, rank * n_products + (n_products - 1 - antecedent), 0).astype(dtype)


@dataclass(frozen=True)
class RuleLists:
    """Per antecedent, its valid rules into candidate columns, best first (rank, then the lowest
    product): CSR-like `indptr` over `column` (candidate column index) and `code` (rule_codes)."""

    indptr: np.ndarray
    column: np.ndarray
    code: np.ndarray

    @classmethod
    def from_codes(cls, codes: np.ndarray, columns: np.ndarray, n_products: int) -> RuleLists:
        antecedent, column = np.nonzero(codes)
        code = codes[antecedent, column]
        select = (code // n_products) * n_products + (n_products - 1 - columns[column])
        order = np.lexsort((-select, antecedent))
        indptr = np.searchsorted(antecedent[order], np.arange(len(codes) + 1))
        return cls(indptr, column[order], code[order])


def best_codes(
    lists: RuleLists,
    items: np.ndarray,
    owner: np.ndarray,
    basket_size: np.ndarray,
    shape: tuple[int, int],
    take: int,
) -> np.ndarray:
    """Per customer (`owner`, one entry per basket item), the best code of every candidate column
    over the basket, exact for the customer's top `take` candidates (and at most as good for the
    others, which are not kept): a `shape` (customers x candidates) array, 0 = no rule.

    From each item only the first `take + basket size - 1` rules of its best-first list are read:
    the best rule (i -> j) of a top-`take` candidate j can only be preceded in i's list by the
    customer's other bought products (basket size - 1 at most) and by candidates ranked above j
    (take - 1 at most). So the work is basket items x (take + basket size) scattered codes
    (`np.maximum.at`), not basket items x products.
    """
    starts = lists.indptr[items]
    lengths = np.minimum(lists.indptr[items + 1] - starts, take + basket_size[owner] - 1)
    total = int(lengths.sum())
    offsets = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    entry = np.repeat(starts, lengths) + offsets
    best = np.zeros(shape[0] * shape[1], dtype=lists.code.dtype)
    np.maximum.at(best, np.repeat(owner, lengths) * shape[1] + lists.column[entry], lists.code[entry])
    return best.reshape(shape)


def top_candidates(
    best: np.ndarray, columns: np.ndarray, n_products: int, take: int
) -> tuple[np.ndarray, ...]:
    """Top `take` candidates per row of `best` (codes of rule_codes, 0 = none), best rank first,
    the lowest product index on equal ranks: (row, rank 0.., product index, antecedent index)."""
    # Selection key: the rule's rank, then the lowest product index. Unique within a row, so the
    # first `take` by it are exactly what a stable full sort would keep, in the same order.
    select = (best // n_products) * n_products + (n_products - 1 - columns.astype(best.dtype))
    n_rows, n_columns = best.shape
    if take <= ARGMAX_TAKE:  # a few passes of argmax are ~3x faster than argpartition here
        top = np.empty((n_rows, take), dtype=np.int64)
        every_row = np.arange(n_rows)
        for rank in range(take):
            top[:, rank] = select.argmax(axis=1)
            select[every_row, top[:, rank]] = -1
    else:
        top = np.argpartition(select, n_columns - take, axis=1)[:, n_columns - take :]
        order = np.argsort(-np.take_along_axis(select, top, axis=1), axis=1)
        top = np.take_along_axis(top, order, axis=1)
    top_code = np.take_along_axis(best, top, axis=1)
    row, position = np.nonzero(top_code > 0)
    code = top_code[row, position]
    return row, position, columns[top[row, position]], n_products - 1 - code % n_products


def recommend(
    baskets: Baskets,
    rules: Rules,
    config: RecommendationConfig,
    excluded_products: np.ndarray | None = None,
) -> pd.DataFrame:
    """Top products per customer, each with the rule (antecedent, support, confidence, lift).

    Per chunk of customers: the best rule code (rule_codes) of every candidate product over the
    customer's basket, read from each basket item's best-first rule list, truncated to what can
    reach the top `per_customer` (best_codes: basket items x (per_customer + basket size) codes,
    not basket items x products); bought products are zeroed through the CSR indices, and
    top_candidates keeps the top `per_customer` (argmax passes / np.argpartition, no full sort).
    Memory per chunk: about `chunk_cells` codes. Equal to the previous dense float scoring, ties
    included (tests/test_recommendations.py keeps it as the reference).
    """
    matrix = baskets.matrix
    n_products = matrix.shape[1]
    codes = rule_codes(rules)
    blocked = np.zeros(n_products, dtype=bool)
    if excluded_products is not None and len(excluded_products):
        blocked = np.isin(baskets.product_ids, excluded_products)
    columns = np.flatnonzero(rules.valid.any(axis=0) & ~blocked)  # products that can be recommended
    codes = codes[:, columns]
    scoring = codes.any(axis=1)  # basket items with a rule to a candidate
    column_of = np.full(n_products, -1)
    column_of[columns] = np.arange(len(columns))
    take = min(config.per_customer, len(columns))
    n_columns = len(columns)
    lists = RuleLists.from_codes(codes, columns, n_products)
    basket_size = np.diff(matrix.indptr)
    found: list[tuple[np.ndarray, ...]] = []
    if take:
        for start, end in chunk_bounds(matrix.indptr, len(columns), config.chunk_cells):
            items = matrix.indices[matrix.indptr[start] : matrix.indptr[end]]
            owner = np.repeat(np.arange(end - start), np.diff(matrix.indptr[start : end + 1]))
            keep = scoring[items]
            if not keep.any():
                continue
            n_rows = end - start
            best = best_codes(
                lists, items[keep], owner[keep], basket_size[start:end], (n_rows, n_columns), take
            )
            # Already bought: zero the customer's own products (those that are candidates).
            bought = column_of[items] >= 0
            best[owner[bought], column_of[items[bought]]] = 0
            row, rank, product, antecedent = top_candidates(best, columns, n_products, take)
            found.append((start + row, rank, product, antecedent))
    if not found:
        return pd.DataFrame({name: pd.Series(dtype=object) for name in RECOMMENDATION_COLUMNS})
    customer, rank, product, antecedent = (np.concatenate(part) for part in zip(*found, strict=True))
    # Chunks run in customer order and rows in rank order: already sorted by customer, rank.
    return pd.DataFrame(
        {
            "customer_id": baskets.customer_ids[customer],
            "recommendation_rank": rank + 1,
            "product_id": baskets.product_ids[product],
            "antecedent_product_id": baskets.product_ids[antecedent],
            "support": rules.support[antecedent, product],
            "confidence": rules.confidence[antecedent, product],
            "lift": rules.lift[antecedent, product],
            "pair_customer_count": rules.pair_counts[antecedent, product],
        }
    )


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
