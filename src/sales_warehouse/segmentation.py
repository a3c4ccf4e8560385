"""Customer segmentation: KMeans on RFM, behavioural and demographic features.

Pipeline (each step a small function, `segment_customers` runs them all):

1. `customer_features` turns per-customer aggregates (one row per buyer) and the channel /
   category mix (long format) into one numeric feature per column, in interpretable units:
   recency, frequency, monetary, average order value, units per line, lines per order,
   promotion share, channel shares, category shares, age and the business flag. Shares are
   shrunk towards the population share with `mix_prior_weight` pseudo-orders (pseudo-lines for
   categories): a customer with one order is not "100% app", which would scatter one-order
   customers over the corners of the share simplex and drown the groups in noise.
2. `standardise` log-transforms the skewed measures and z-scores every column.
3. `choose_k` fits KMeans for every k in [k_min, k_max] on a fixed random sample (`fit_sample_size`
   rows) and scores each fit by the silhouette of a smaller sample (`silhouette_sample_size`);
   the k with the highest silhouette wins (ties: the smaller k). The chosen model then assigns
   every customer (predict), so a million customers cost one pass of distance computations.
4. `name_segments` orders and names the clusters by rules on their profile in original units
   (see its docstring), so the same data always give the same ids and names. A cluster with less
   than `min_segment_share` of the customers is not named by the rules ("small cluster"): one
   odd customer with a huge order is not the "high-value loyal" segment.
5. `build_profiles` summarises the segments (means in original units, silhouettes). It needs only
   the per-customer assignment, so customer_segment_profiles recomputes the (cheap) features and
   reads the segments instead of repeating the k search; `segment_customers` uses the same code.

Real exports are not the demo data. A null or unknown `customer_type` (null `is_business`) counts
as not a business, and the profiles report the share of such customers; a null channel or
category is the value "unknown". Too few customers (fewer than `min_customers`, at least k_min + 1)
give empty results and a logged warning instead of an error, and a best silhouette below
`weak_silhouette` is flagged (`is_weak_structure`) and logged: the segments are then little more
than a partition of a continuum.

Everything is deterministic for a given input: rows are sorted by customer_id, samples and
KMeans use `random_state`.

On the generated demo data the silhouette prefers k = 3: business buyers are far from everyone
and the three consumer groups lie on a value continuum, so splitting it in three lowers the mean
silhouette (0.26 at k = 3, 0.20 at k = 4) although k = 4 matches the planted groups far better
(adjusted Rand index 0.80 vs 0.60). Every internal criterion tried (silhouette, simplified
silhouette, Calinski-Harabasz, Davies-Bouldin, feature weightings, robust scaling, PCA) agrees
with k = 3; fix k with k_min = k_max = 4 to get the four planted groups.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_samples
from threadpoolctl import threadpool_limits

# Measures that are log1p-transformed before standardising (right-skewed, multiplicative spread).
LOG_FEATURES: tuple[str, ...] = (
    "days_since_last_order",
    "lifetime_orders",
    "lifetime_revenue",
    "average_order_value",
    "units_per_line",
    "lines_per_order",
)
BASE_FEATURES: tuple[str, ...] = (*LOG_FEATURES, "promotion_share", "age_years", "business_share")
# customer_type values the warehouse knows (dim_customers compares them exactly); anything else,
# null included, is an unknown type and counts as not a business.
KNOWN_CUSTOMER_TYPES: tuple[str, ...] = ("business", "individual")
# The columns of int_customers_purchase_mix_counted the models read, and its text columns, which
# the dbt models fetch as categoricals (frames.fetch_compact): ~10M mix rows at 30M order lines.
MIX_COLUMNS: tuple[str, ...] = ("customer_id", "mix_dimension", "mix_value", "item_count")
MIX_TEXT_COLUMNS: tuple[str, ...] = ("mix_dimension", "mix_value")
SMALL_SEGMENT_NAME = "small cluster"

logger = logging.getLogger(__name__)

SEGMENT_COLUMNS: dict[str, str] = {
    "customer_id": "bigint",
    "segment_id": "integer",
    "segment_name": "varchar",
    "centroid_distance": "double",
    "silhouette_by_k": "varchar",
    "as_of_date": "date",
}
PROFILE_COLUMNS: dict[str, str] = {
    "segment_id": "integer",
    "segment_name": "varchar",
    "customer_count": "integer",
    "customer_share": "double",
    "is_small_segment": "boolean",
    "segment_silhouette": "double",
    "overall_silhouette": "double",
    "is_weak_structure": "boolean",
    "chosen_k": "integer",
    "silhouette_by_k": "varchar",
    "avg_days_since_last_order": "double",
    "avg_lifetime_orders": "double",
    "avg_lifetime_revenue": "decimal(18,2)",
    "avg_order_value": "decimal(18,2)",
    "avg_units_per_line": "double",
    "avg_lines_per_order": "double",
    "promotion_share": "double",
    "business_share": "double",
    "unknown_type_share": "double",
    "avg_age_years": "double",
    "top_channel": "varchar",
    "top_category": "varchar",
    "channel_shares": "varchar",
    "category_shares": "varchar",
    "as_of_date": "date",
}


@dataclass(frozen=True)
class SegmentationConfig:
    k_min: int = 3
    k_max: int = 8
    silhouette_sample_size: int = 2000
    fit_sample_size: int = 20_000
    n_init: int = 3
    random_state: int = 42
    mix_prior_weight: float = 6.0
    # Clusters with a smaller share of the customers are named "small cluster", not by the rules.
    min_segment_share: float = 0.02
    # A chosen solution with a lower mean silhouette is flagged as weak structure (and logged).
    weak_silhouette: float = 0.15
    # Fewer customers (or fewer than k_min + 1) are not segmented: empty result and a warning.
    min_customers: int = 20
    # KMeans on a 20k-row sample is overhead-bound: OpenMP threads cost more than they save
    # (7x slower with 2 threads on a busy 2-core machine), so one thread by default.
    threads: int = 1

    def __post_init__(self) -> None:
        if not 2 <= self.k_min <= self.k_max:
            raise ValueError(f"need 2 <= k_min <= k_max, got {self.k_min}..{self.k_max}")
        if self.silhouette_sample_size < 10 or self.fit_sample_size < 10:
            raise ValueError("sample sizes must be at least 10")
        if self.mix_prior_weight < 0:
            raise ValueError("mix_prior_weight must be >= 0")
        if not 0 <= self.min_segment_share < 1:
            raise ValueError(f"min_segment_share must be in [0, 1), got {self.min_segment_share}")
        if not -1 <= self.weak_silhouette <= 1:
            raise ValueError(f"weak_silhouette must be in [-1, 1], got {self.weak_silhouette}")

    @property
    def customers_needed(self) -> int:
        """Fewest customers that are segmented: min_customers, and at least k_min + 1."""
        return max(self.min_customers, self.k_min + 1)


@dataclass(frozen=True)
class KChoice:
    k: int
    silhouettes: dict[int, float]


def shrunk_shares(counts: pd.DataFrame, totals: pd.Series, prior_weight: float) -> pd.DataFrame:
    """Shares of each column in a row, shrunk towards the column's population share.

    share = (count + w * population_share) / (total + w), population_share = sum(count) /
    sum(total); w = 0 gives the raw shares.
    """
    population = counts.sum(axis=0) / max(float(totals.sum()), 1.0)
    return counts.add(prior_weight * population, axis=1).div(totals + prior_weight, axis=0)


def mix_counts(mix: pd.DataFrame, dimension: str, index: pd.Index) -> pd.DataFrame:
    """Wide counts (customer x value) of one mix dimension; columns sorted by value name.

    Built with bincount rather than pivot_table: a million customers have ~10 million mix rows.
    """
    part = mix.loc[mix["mix_dimension"] == dimension]
    rows = index.get_indexer(part["customer_id"])
    known = rows >= 0
    # A null channel or category (real exports have them) is its own value, "unknown".
    codes, values = pd.factorize(part["mix_value"].astype(object).fillna("unknown"), sort=True)
    flat = rows[known].astype(np.int64) * len(values) + codes[known]
    weights = part["item_count"].astype(float).fillna(0.0).to_numpy(dtype=float)[known]
    counts = np.bincount(flat, weights=weights, minlength=len(index) * len(values))
    return pd.DataFrame(counts.reshape(len(index), len(values)), index=index, columns=list(values))


def business_flag(behaviour: pd.DataFrame) -> pd.Series:
    """is_business with null (customer_type null or unknown) as False."""
    return behaviour["is_business"].astype("boolean").fillna(False).astype(bool)


def unknown_customer_type(behaviour: pd.DataFrame) -> pd.Series:
    """True where customer_type is null or not one of KNOWN_CUSTOMER_TYPES (null is_business
    when the column is absent)."""
    if "customer_type" in behaviour.columns:
        return ~behaviour["customer_type"].isin(KNOWN_CUSTOMER_TYPES)
    return behaviour["is_business"].isna()


def customer_features(behaviour: pd.DataFrame, mix: pd.DataFrame, config: SegmentationConfig) -> pd.DataFrame:
    """One row per customer (index customer_id, sorted), every feature in its original unit.

    behaviour: customer_id, lifetime_orders, lifetime_revenue, days_since_last_order,
    promotion_order_count, line_count, unit_count, is_business (null = unknown type, counted as
    not a business), age_years; customer_type is optional (see unknown_customer_type).
    mix: customer_id, mix_dimension ('channel' | 'category'), mix_value, item_count.
    """
    frame = behaviour.set_index("customer_id").sort_index()
    frame = frame.loc[frame["lifetime_orders"] > 0]
    orders = frame["lifetime_orders"].astype(float)
    lines = frame["line_count"].astype(float).clip(lower=1.0)
    revenue = frame["lifetime_revenue"].astype(float).clip(lower=0.0)
    features = pd.DataFrame(index=frame.index)
    features["days_since_last_order"] = frame["days_since_last_order"].astype(float).clip(lower=0.0)
    features["lifetime_orders"] = orders
    features["lifetime_revenue"] = revenue
    features["average_order_value"] = revenue / orders
    features["units_per_line"] = frame["unit_count"].astype(float) / lines
    features["lines_per_order"] = lines / orders
    promotion = frame[["promotion_order_count"]].astype(float)
    features["promotion_share"] = shrunk_shares(promotion, orders, config.mix_prior_weight).iloc[:, 0]
    ages = frame["age_years"].astype(float)
    # Businesses have no age: give them the median so that age only separates individuals.
    features["age_years"] = ages.fillna(ages.median() if ages.notna().any() else 0.0)
    features["business_share"] = business_flag(frame).astype(float)
    for dimension in ("channel", "category"):
        counts = mix_counts(mix, dimension, features.index)
        if counts.shape[1]:
            shares = shrunk_shares(counts, counts.sum(axis=1), config.mix_prior_weight)
            for value in shares.columns:
                features[f"{dimension}_share__{value}"] = shares[value]
    return features


def standardise(features: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """log1p of the skewed measures, then z-scores. Returns (matrix, means, scales)."""
    values = features.to_numpy(dtype=float).copy()
    for position, column in enumerate(features.columns):
        if column in LOG_FEATURES:
            values[:, position] = np.log1p(values[:, position])
    means = values.mean(axis=0)
    scales = values.std(axis=0)
    scales = np.where(scales > 0, scales, 1.0)
    return (values - means) / scales, means, scales


def sample_rows(n_rows: int, size: int, seed: int) -> np.ndarray:
    """Sorted positions of a reproducible random sample (all rows when size >= n_rows)."""
    if size >= n_rows:
        return np.arange(n_rows)
    return np.sort(np.random.default_rng(seed).choice(n_rows, size=size, replace=False))


def fit_kmeans(matrix: np.ndarray, k: int, config: SegmentationConfig) -> KMeans:
    return KMeans(n_clusters=k, n_init=config.n_init, random_state=config.random_state).fit(matrix)


def choose_k(matrix: np.ndarray, config: SegmentationConfig) -> tuple[KChoice, KMeans]:
    """Fit every k of the range on the fit sample; keep the best silhouette (sampled)."""
    with threadpool_limits(limits=config.threads):
        return choose_k_unlimited(matrix, config)


def choose_k_unlimited(matrix: np.ndarray, config: SegmentationConfig) -> tuple[KChoice, KMeans]:
    n_rows = len(matrix)
    k_max = min(config.k_max, n_rows - 1)
    if k_max < config.k_min:
        raise ValueError(f"{n_rows} customers are too few for k >= {config.k_min}")
    fit_rows = sample_rows(n_rows, config.fit_sample_size, config.random_state)
    score_rows = sample_rows(n_rows, config.silhouette_sample_size, config.random_state + 1)
    fit_matrix, score_matrix = matrix[fit_rows], matrix[score_rows]
    silhouettes: dict[int, float] = {}
    models: dict[int, KMeans] = {}
    for k in range(config.k_min, k_max + 1):
        model = fit_kmeans(fit_matrix, k, config)
        labels = model.predict(score_matrix)
        silhouettes[k] = (
            float(silhouette_samples(score_matrix, labels).mean()) if len(set(labels)) > 1 else -1.0
        )
        models[k] = model
    best = max(silhouettes, key=lambda k: (round(silhouettes[k], 6), -k))
    return KChoice(best, silhouettes), models[best]


def segment_profiles(features: pd.DataFrame, labels: np.ndarray) -> pd.DataFrame:
    """Mean of every feature per cluster label, in original units, plus size."""
    profiles = features.groupby(labels).mean()
    profiles["customer_count"] = pd.Series(labels).value_counts().sort_index().to_numpy()
    return profiles


def name_segments(profiles: pd.DataFrame, min_share: float = 0.0) -> dict[int, tuple[int, str]]:
    """Cluster label -> (segment_id, segment_name), by rules on the profile in original units.

    Rules, in order:
    - "small cluster": clusters with less than `min_share` of the customers (needs the
      customer_count column); the rules below rank only the other clusters, so a handful of
      atypical customers is never "high-value loyal";
    - "business bulk": clusters whose customers are mostly businesses (business_share >= 0.5);
    - among the others (consumer clusters), "high-value loyal" is the cluster with the highest
      yearly value proxy, lifetime revenue; "price-sensitive occasional" the one with the lowest
      average order value (when it is a different cluster);
    - every other consumer cluster is "mainstream regular".
    A name used by more than one cluster gets " 2", " 3"... in order of lifetime revenue.
    segment_id orders the segments by average lifetime revenue, highest first (1 = most valuable).
    """
    order = profiles.sort_values(
        ["lifetime_revenue", "lifetime_orders"], ascending=False, kind="stable"
    ).index.tolist()
    names: dict[int, str] = {}
    if "customer_count" in profiles.columns and min_share > 0:
        total = float(profiles["customer_count"].sum())
        for label in order:
            if profiles.loc[label, "customer_count"] < min_share * total:
                names[label] = SMALL_SEGMENT_NAME
    ranked = [label for label in order if label not in names]
    consumer = [label for label in ranked if profiles.loc[label, "business_share"] < 0.5]
    for label in ranked:
        if label not in consumer:
            names[label] = "business bulk"
    if consumer:
        names[consumer[0]] = "high-value loyal"
        cheapest = min(consumer, key=lambda label: (profiles.loc[label, "average_order_value"], label))
        if cheapest != consumer[0]:
            names[cheapest] = "price-sensitive occasional"
        for label in consumer:
            names.setdefault(label, "mainstream regular")
    result: dict[int, tuple[int, str]] = {}
    seen: dict[str, int] = {}
    for segment_id, label in enumerate(order, start=1):
        base = names[label]
        seen[base] = seen.get(base, 0) + 1
        result[int(label)] = (segment_id, base if seen[base] == 1 else f"{base} {seen[base]}")
    return result


def share_text(row: pd.Series, prefix: str) -> tuple[str, str]:
    """(value with the highest share, JSON object value -> share) of one mix dimension."""
    shares = {
        column.removeprefix(prefix): round(float(value), 4)
        for column, value in row.items()
        if str(column).startswith(prefix)
    }
    if not shares:
        return "", "{}"
    top = max(shares, key=lambda value: (shares[value], value))
    return top, json.dumps(shares, sort_keys=True)


def silhouette_json(silhouettes: dict[int, float]) -> str:
    """JSON object k -> mean sample silhouette (4 decimals), as stored in silhouette_by_k."""
    return json.dumps({str(k): round(v, 4) for k, v in silhouettes.items()})


@dataclass(frozen=True)
class PreparedCustomers:
    """The buyers' features (index customer_id, sorted) and everything derived from them."""

    features: pd.DataFrame  # original units
    matrix: np.ndarray  # standardised, rows in the order of features
    unknown_type: np.ndarray  # customer_type null or unknown (bool per row)


def prepare_customers(
    behaviour: pd.DataFrame, mix: pd.DataFrame, config: SegmentationConfig
) -> PreparedCustomers:
    features = customer_features(behaviour, mix, config)
    matrix, _, _ = standardise(features)
    unknown = unknown_customer_type(behaviour.set_index("customer_id")).reindex(features.index)
    return PreparedCustomers(features, matrix, unknown.fillna(True).to_numpy(dtype=bool))


def build_profiles(
    data: PreparedCustomers, segments: pd.DataFrame, config: SegmentationConfig
) -> pd.DataFrame:
    """PROFILE_COLUMNS, one row per segment, from the per-customer segments (SEGMENT_COLUMNS).

    Needs only the assignment: means per segment in original units, the sample silhouette of the
    assignment (the same sample rows as the k search, so overall_silhouette is the chosen k's
    silhouette) and the silhouette_by_k of the search, which customer_segments carries.
    """
    assigned = segments.set_index("customer_id").reindex(data.features.index)
    keep = assigned["segment_id"].notna().to_numpy()
    if not keep.any():
        return pd.DataFrame(columns=list(PROFILE_COLUMNS))
    features, matrix, assigned = data.features.loc[keep], data.matrix[keep], assigned.loc[keep]
    labels = assigned["segment_id"].astype(np.int64).to_numpy()
    profiles = segment_profiles(features, labels)
    names = assigned.groupby(labels)["segment_name"].first()
    unknown_share = pd.Series(data.unknown_type[keep]).groupby(labels).mean()

    score_rows = sample_rows(len(matrix), config.silhouette_sample_size, config.random_state + 1)
    score_labels = labels[score_rows]
    sample_silhouette = (
        silhouette_samples(matrix[score_rows], score_labels)
        if len(set(score_labels)) > 1
        else np.zeros(len(score_rows))
    )
    per_label = pd.Series(sample_silhouette).groupby(score_labels).mean()
    overall = float(sample_silhouette.mean())

    rows = []
    for label, row in profiles.iterrows():
        top_channel, channel_shares = share_text(row, "channel_share__")
        top_category, category_shares = share_text(row, "category_share__")
        share = float(row["customer_count"]) / len(features)
        rows.append(
            {
                "segment_id": int(label),
                "segment_name": names[label],
                "customer_count": int(row["customer_count"]),
                "customer_share": share,
                "is_small_segment": share < config.min_segment_share,
                "segment_silhouette": float(per_label.get(label, np.nan)),
                "overall_silhouette": overall,
                "is_weak_structure": overall < config.weak_silhouette,
                "chosen_k": len(profiles),
                "silhouette_by_k": assigned["silhouette_by_k"].iloc[0],
                "avg_days_since_last_order": row["days_since_last_order"],
                "avg_lifetime_orders": row["lifetime_orders"],
                "avg_lifetime_revenue": row["lifetime_revenue"],
                "avg_order_value": row["average_order_value"],
                "avg_units_per_line": row["units_per_line"],
                "avg_lines_per_order": row["lines_per_order"],
                "promotion_share": row["promotion_share"],
                "business_share": row["business_share"],
                "unknown_type_share": float(unknown_share[label]),
                "avg_age_years": row["age_years"],
                "top_channel": top_channel,
                "top_category": top_category,
                "channel_shares": channel_shares,
                "category_shares": category_shares,
                "as_of_date": assigned["as_of_date"].iloc[0],
            }
        )
    return pd.DataFrame(rows).sort_values("segment_id", ignore_index=True)[list(PROFILE_COLUMNS)]


@dataclass(frozen=True)
class SegmentationResult:
    segments: pd.DataFrame  # one row per customer (SEGMENT_COLUMNS)
    profiles: pd.DataFrame  # one row per segment (PROFILE_COLUMNS)
    choice: KChoice | None  # None when there were too few customers to segment
    issues: tuple[str, ...] = field(default=())  # why the result is empty or weak (also logged)


def too_few_customers(n_customers: int, config: SegmentationConfig) -> str | None:
    """Why n_customers cannot be segmented, or None when they can."""
    if n_customers >= config.customers_needed:
        return None
    return (
        f"customer segmentation skipped: {n_customers} customers with orders are too few "
        f"(need at least {config.customers_needed}); customer_segments and "
        "customer_segment_profiles are empty"
    )


def structure_issues(profiles: pd.DataFrame, choice: KChoice, config: SegmentationConfig) -> tuple[str, ...]:
    """Warnings about a segmentation that ran: weak structure, clusters below the size floor."""
    issues = []
    overall = float(profiles["overall_silhouette"].iloc[0])
    if overall < config.weak_silhouette:
        issues.append(
            f"customer segments have weak structure: mean silhouette {overall:.3f} at k = {choice.k} "
            f"is below {config.weak_silhouette} (silhouette by k: {silhouette_json(choice.silhouettes)}); "
            "the segments split a continuum rather than separate distinct groups"
        )
    small = int(profiles["is_small_segment"].sum())
    if small:
        issues.append(
            f"{small} of {len(profiles)} customer clusters hold less than {config.min_segment_share:.1%} "
            f"of the customers each and are named '{SMALL_SEGMENT_NAME}' instead of by the naming rules"
        )
    return tuple(issues)


def segment_customers(
    behaviour: pd.DataFrame, mix: pd.DataFrame, config: SegmentationConfig
) -> SegmentationResult:
    """Cluster the buyers; return per-customer segments and per-segment profiles.

    Never raises on too little data: fewer than config.customers_needed buyers give empty frames
    and a logged warning (SegmentationResult.issues says why).
    """
    data = prepare_customers(behaviour, mix, config)
    reason = too_few_customers(len(data.features), config)
    if reason:
        logger.warning(reason)
        empty_segments = pd.DataFrame(columns=list(SEGMENT_COLUMNS))
        return SegmentationResult(
            empty_segments, pd.DataFrame(columns=list(PROFILE_COLUMNS)), None, (reason,)
        )
    choice, model = choose_k(data.matrix, config)
    with threadpool_limits(limits=config.threads):
        labels = model.predict(data.matrix)
    distances = np.linalg.norm(data.matrix - model.cluster_centers_[labels], axis=1)
    naming = name_segments(segment_profiles(data.features, labels), config.min_segment_share)

    as_of = behaviour.set_index("customer_id")["as_of_date"].reindex(data.features.index)
    segments = pd.DataFrame(
        {
            "customer_id": data.features.index.to_numpy(),
            "segment_id": [naming[int(label)][0] for label in labels],
            "segment_name": [naming[int(label)][1] for label in labels],
            "centroid_distance": distances,
            "silhouette_by_k": silhouette_json(choice.silhouettes),
            "as_of_date": as_of.to_numpy(),
        }
    )
    profiles = build_profiles(data, segments, config)
    issues = structure_issues(profiles, choice, config)
    for issue in issues:
        logger.warning(issue)
    return SegmentationResult(segments, profiles, choice, issues)


def profile_segments(
    behaviour: pd.DataFrame, mix: pd.DataFrame, segments: pd.DataFrame, config: SegmentationConfig
) -> pd.DataFrame:
    """PROFILE_COLUMNS from segments already assigned (the customer_segments table): recomputes
    the features, not the k search, and gives the same numbers as segment_customers."""
    if segments.empty:
        return pd.DataFrame(columns=list(PROFILE_COLUMNS))
    return build_profiles(prepare_customers(behaviour, mix, config), segments, config)
