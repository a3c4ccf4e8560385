"""Own-price elasticity and promotion lift per product category.

Demand model (one order line i of customer j):

    E[quantity_i - 1 | j, x_i] = alpha_j * exp(e * log(price_multiplier_i * (1 - discount_rate_i))
                                            + b * is_promotion_i)

`price_multiplier` is unit price / list price, `discount_rate` the order's promotion discount, so
their product is the effective price relative to the list price and `e` the elasticity of the
extra units per line (units beyond the first). `b` is what a promotion adds beyond its discount
(promo lift = exp(b) - 1).

What is identifiable: customers differ a lot in how many units they buy (a business buyer takes
ten times the units of a consumer) and the customers who take promotions are not the ones who buy
in bulk. A pooled regression therefore mixes "discounted lines" with "lines of small buyers" and
biases the elasticity towards zero. The warehouse does not know each customer's latent type, but
it knows the customer: a fixed effect alpha_j per customer absorbs every customer trait that does
not change with the price. `e` and `b` are then identified from the variation within a customer
- the same customer facing different shelf prices (the price moves month to month) and buying
with and without a promotion - which is as good as random in these data.

Estimation: Poisson fixed-effects regression via the conditional (multinomial) likelihood, which
gives exactly the Poisson-with-dummies estimates without estimating the dummies (Hausman, Hall &
Griliches 1984). Standard errors are clustered by customer (robust to over-dispersion and to any
within-customer correlation; Wooldridge 1999). A pooled Poisson GLM without fixed effects (with
a business-customer control) is reported next to it as the naive estimate.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
from scipy import stats

from sales_warehouse.frames import fetch_compact, quote_identifier

logger = logging.getLogger(__name__)

EFFECT_COLUMNS: dict[str, str] = {
    "category": "varchar",
    "line_count": "integer",
    "customer_count": "integer",
    "own_price_elasticity": "double",
    "elasticity_std_error": "double",
    "elasticity_ci_low": "double",
    "elasticity_ci_high": "double",
    "promo_lift": "double",
    "promo_lift_ci_low": "double",
    "promo_lift_ci_high": "double",
    "units_elasticity_at_mean": "double",
    "naive_elasticity": "double",
    "average_units_per_line": "double",
    "promotion_line_share": "double",
    "effective_price_p05": "double",
    "effective_price_p95": "double",
    "guidance": "varchar",
}


# The columns category_effects reads (of int_order_lines_effective_priced's fifteen).
LINE_COLUMNS: tuple[str, ...] = (
    "category",
    "customer_id",
    "customer_type",
    "quantity",
    "price_multiplier",
    "discount_rate",
    "is_promotion",
)
# Text columns fetched as a DuckDB ENUM, i.e. a pandas categorical: a byte per line, not a string.
ENUM_COLUMNS: tuple[str, ...] = ("category", "customer_type")


@dataclass(frozen=True)
class ElasticityConfig:
    confidence: float = 0.95
    max_iterations: int = 50
    tolerance: float = 1e-10
    min_customers: int = 20

    def __post_init__(self) -> None:
        if not 0 < self.confidence < 1:
            raise ValueError(f"confidence must be in (0, 1), got {self.confidence}")


@dataclass(frozen=True)
class FixedEffectsFit:
    coefficients: np.ndarray
    covariance: np.ndarray
    groups_used: int
    rows_used: int
    converged: bool


def group_sums(values: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Column-wise sums of `values` (rows x columns, or a vector) per group code."""
    if values.ndim == 1:
        return np.bincount(groups, weights=values, minlength=n_groups)
    return np.column_stack(
        [np.bincount(groups, weights=values[:, j], minlength=n_groups) for j in range(values.shape[1])]
    )


def poisson_fixed_effects(
    counts: np.ndarray, design: np.ndarray, groups: np.ndarray, config: ElasticityConfig
) -> FixedEffectsFit:
    """Poisson regression with one fixed effect per group, by Newton on the conditional likelihood.

    counts: outcome (>= 0) per row; design: rows x parameters (no intercept - the fixed effects
    take its place); groups: group label per row. Groups with a zero total or a single row carry
    no information about the slopes and are dropped. Covariance: clustered by group.
    """
    counts = np.asarray(counts, dtype=float)
    design = np.asarray(design, dtype=float)
    if design.ndim == 1:
        design = design[:, None]
    codes, _ = pd.factorize(np.asarray(groups))
    n_groups = int(codes.max()) + 1 if len(codes) else 0
    totals = group_sums(counts, codes, n_groups)
    sizes = np.bincount(codes, minlength=n_groups)
    keep = (totals[codes] > 0) & (sizes[codes] > 1)
    counts, design, codes = counts[keep], design[keep], codes[keep]
    codes, _ = pd.factorize(codes)
    n_groups = int(codes.max()) + 1 if len(codes) else 0
    n_params = design.shape[1]
    if n_groups == 0:
        nan = np.full(n_params, np.nan)
        return FixedEffectsFit(nan, np.full((n_params, n_params), np.nan), 0, 0, False)
    totals = group_sums(counts, codes, n_groups)

    # Centre the regressors within group: the conditional likelihood is invariant to it and the
    # exponentials stay well scaled.
    design = design - group_sums(design, codes, n_groups)[codes] / np.bincount(codes)[codes, None]
    beta = np.zeros(n_params)
    converged = False
    for _ in range(config.max_iterations):
        weights = np.exp(design @ beta)
        shares = weights / group_sums(weights, codes, n_groups)[codes]
        expected = totals[codes] * shares  # fitted counts given each group's total
        group_mean = group_sums(shares[:, None] * design, codes, n_groups)
        centred = design - group_mean[codes]
        score = centred.T @ (counts - expected)
        hessian = (centred * expected[:, None]).T @ centred
        step = np.linalg.solve(hessian, score)
        beta = beta + step
        if np.max(np.abs(step)) < config.tolerance**0.5:
            converged = True
            break
    weights = np.exp(design @ beta)
    shares = weights / group_sums(weights, codes, n_groups)[codes]
    expected = totals[codes] * shares
    group_mean = group_sums(shares[:, None] * design, codes, n_groups)
    centred = design - group_mean[codes]
    hessian = (centred * expected[:, None]).T @ centred
    cluster_scores = group_sums(centred * (counts - expected)[:, None], codes, n_groups)
    bread = np.linalg.inv(hessian)
    correction = n_groups / max(n_groups - 1, 1)
    covariance = correction * bread @ (cluster_scores.T @ cluster_scores) @ bread
    return FixedEffectsFit(beta, covariance, n_groups, len(counts), converged)


def pooled_poisson(counts: np.ndarray, design: np.ndarray, config: ElasticityConfig) -> np.ndarray:
    """Poisson GLM (log link) with an intercept, by Newton; returns the coefficients (intercept first)."""
    matrix = np.column_stack([np.ones(len(counts)), np.asarray(design, dtype=float)])
    counts = np.asarray(counts, dtype=float)
    beta = np.zeros(matrix.shape[1])
    beta[0] = np.log(max(counts.mean(), 1e-9))
    for _ in range(config.max_iterations):
        mean = np.exp(matrix @ beta)
        step = np.linalg.solve((matrix * mean[:, None]).T @ matrix, matrix.T @ (counts - mean))
        beta = beta + step
        if np.max(np.abs(step)) < config.tolerance**0.5:
            break
    return beta


def guidance(elasticity: float, low: float, high: float, lift_low: float, lift_high: float) -> str:
    """One line of advice for "a product's units fall: change the price or run a promotion?"."""
    if np.isnan(elasticity):
        return "not enough repeat buyers to estimate"
    if high < -1:
        price = "elastic: a 1% lower effective price adds more than 1% extra units - price cuts pay in volume"
    elif low > -1:
        price = "inelastic: a 1% lower effective price adds less than 1% extra units - prefer other levers"
    else:
        price = "elasticity near -1: price cuts roughly keep extra-unit revenue flat"
    if lift_low > 0:
        promo = "promotions lift units beyond their discount"
    elif lift_high < 0:
        promo = "promotions sell fewer units than their discount alone would"
    else:
        promo = "promotions add nothing measurable beyond their discount"
    return f"{price}; {promo}"


def sample_threshold(line_count: int, max_lines: int) -> int | None:
    """The customers kept above the bound: those whose id modulo 1000 is below the returned value
    (about max_lines of line_count lines); None when every line fits."""
    if max_lines < 1:
        raise ValueError(f"max_lines must be >= 1, got {max_lines}")
    if line_count <= max_lines:
        return None
    per_mille = max(1, max_lines * 1000 // line_count)
    logger.info(
        "price_promo_effects: %d lines, above the %d-line bound: estimating on the customers whose "
        "id modulo 1000 is below %d (about %d lines)",
        line_count,
        max_lines,
        per_mille,
        line_count * per_mille // 1000,
    )
    return per_mille


def sampled_customers(lines: duckdb.DuckDBPyRelation, max_lines: int) -> duckdb.DuckDBPyRelation:
    """Every line of a fixed subset of customers, about `max_lines` lines in all; the relation
    itself when it has no more lines. The subset is customer_id modulo 1000 below a threshold:
    whole customers, so each fixed effect keeps all its lines and the estimator stays consistent
    (only the intervals widen); the same customers on every run."""
    if max_lines < 1:
        raise ValueError(f"max_lines must be >= 1, got {max_lines}")
    line_count = lines.aggregate("count(*)").fetchone()[0]  # type: ignore[index]
    per_mille = sample_threshold(line_count, max_lines)
    return lines if per_mille is None else lines.filter(f"customer_id % 1000 < {per_mille}")


def compact_sample(lines: duckdb.DuckDBPyRelation, max_lines: int) -> pd.DataFrame:
    """compact_lines(sampled_customers(lines, max_lines)) in two passes over `lines` instead of
    three. The relation is a view over four joins, so each pass recomputes them (~2-4 s at ten
    million lines): one grouped count by customer bucket and text values gives the line count,
    the threshold and the categorical levels of the kept lines at once; the second fetches."""
    texts = ", ".join(quote_identifier(column) for column in ENUM_COLUMNS)
    summary = lines.aggregate(
        f"customer_id % 1000 as bucket, {texts}, count(*) as line_count", f"customer_id % 1000, {texts}"
    ).fetchall()
    per_mille = sample_threshold(sum(row[-1] for row in summary), max_lines)
    if per_mille is not None:
        lines = lines.filter(f"customer_id % 1000 < {per_mille}")
        summary = [row for row in summary if row[0] is not None and row[0] < per_mille]
    levels = {
        column: sorted({str(row[position]) for row in summary if row[position] is not None})
        for position, column in enumerate(ENUM_COLUMNS, start=1)
    }
    return fetch_compact(lines, LINE_COLUMNS, ENUM_COLUMNS, levels)


def compact_lines(lines: duckdb.DuckDBPyRelation) -> pd.DataFrame:
    """The order lines as category_effects needs them: only LINE_COLUMNS, the text ones as
    categoricals (their distinct values, sorted, as the categories), numbers as DuckDB types
    them (quantity int32, prices float64). At ten million lines this is ~0.3 GB of pandas
    instead of the several GB that `.df()` of every column costs."""
    return fetch_compact(lines, LINE_COLUMNS, ENUM_COLUMNS)


def category_rows(category: pd.Series) -> list[tuple[object, np.ndarray]]:
    """(category, positions of its rows in their original order) per category, sorted by name;
    rows without a category are left out (as groupby(category, sort=True) does, without copying
    every column of every group)."""
    codes, names = pd.factorize(category)
    order = np.argsort(codes, kind="stable")
    ends = np.cumsum(np.bincount(codes + 1, minlength=len(names) + 1))
    groups = [(names[code], order[ends[code] : ends[code + 1]]) for code in range(len(names))]
    return sorted(groups, key=lambda group: group[0])


def category_effects(lines: pd.DataFrame, config: ElasticityConfig) -> pd.DataFrame:
    """One row per category: elasticity, promo lift with confidence intervals, naive estimate.

    lines: category, customer_id, customer_type, quantity, price_multiplier, discount_rate,
    is_promotion (one row per order line; other columns are ignored). category and customer_type
    may be strings or categoricals. Only these columns are read, one category's rows at a time.
    """
    z = float(stats.norm.ppf(0.5 + config.confidence / 2))
    quantity_all = lines["quantity"].to_numpy()
    multiplier_all = lines["price_multiplier"].to_numpy(dtype=float)
    discount_all = lines["discount_rate"].to_numpy(dtype=float)
    promotion_all = lines["is_promotion"]
    customer_all = lines["customer_id"].to_numpy()
    business_all = (lines["customer_type"] == "business").to_numpy(dtype=bool)
    rows = []
    for category, index in category_rows(lines["category"]):
        quantity = quantity_all[index]
        counts = quantity.astype(float) - 1.0
        effective = multiplier_all[index] * (1.0 - discount_all[index])
        log_price = np.log(effective)
        promotion = promotion_all.iloc[index].astype(bool).to_numpy(dtype=float)
        design = np.column_stack([log_price, promotion])
        fit = poisson_fixed_effects(counts, design, customer_all[index], config)
        enough = fit.groups_used >= config.min_customers and fit.converged
        beta = fit.coefficients if enough else np.full(2, np.nan)
        errors = np.sqrt(np.diag(fit.covariance)) if enough else np.full(2, np.nan)
        business = business_all[index].astype(float)
        naive = pooled_poisson(counts, np.column_stack([log_price, promotion, business]), config)
        low, high = beta[0] - z * errors[0], beta[0] + z * errors[0]
        lift_low, lift_high = np.expm1(beta[1] - z * errors[1]), np.expm1(beta[1] + z * errors[1])
        mean_quantity = float(pd.Series(quantity).mean())
        rows.append(
            {
                "category": category,
                "line_count": fit.rows_used,
                "customer_count": fit.groups_used,
                "own_price_elasticity": beta[0],
                "elasticity_std_error": errors[0],
                "elasticity_ci_low": low,
                "elasticity_ci_high": high,
                "promo_lift": np.expm1(beta[1]),
                "promo_lift_ci_low": lift_low,
                "promo_lift_ci_high": lift_high,
                "units_elasticity_at_mean": beta[0] * (mean_quantity - 1.0) / mean_quantity,
                "naive_elasticity": naive[1],
                "average_units_per_line": mean_quantity,
                "promotion_line_share": float(promotion.mean()),
                "effective_price_p05": float(np.quantile(effective, 0.05)),
                "effective_price_p95": float(np.quantile(effective, 0.95)),
                "guidance": guidance(beta[0], low, high, lift_low, lift_high),
            }
        )
    return pd.DataFrame(rows, columns=list(EFFECT_COLUMNS))
