"""Sampling helpers shared by the domain modules: random streams, timestamps, vectorised choices."""

from __future__ import annotations

import numpy as np

from sales_warehouse.generator.config import GeneratorConfig


def rng_for(config: GeneratorConfig, stream: int, chunk: int = 0) -> np.random.Generator:
    """The random stream (seed, stream, chunk): independent of how many draws other chunks made."""
    return np.random.default_rng([config.seed, stream, chunk])


def to_ts(day: np.ndarray, seconds: np.ndarray | float = 0.0) -> np.ndarray:
    """Days (datetime64[D]) plus seconds -> datetime64[us]."""
    micro = (np.asarray(seconds) * 1e6).astype(np.int64)
    return day.astype("datetime64[us]") + micro.astype("timedelta64[us]")


def hours(values: np.ndarray) -> np.ndarray:
    """Hours (fractional) -> timedelta64[us]."""
    return (np.asarray(values) * 3_600_000_000).astype(np.int64).astype("timedelta64[us]")


def choice(rng: np.random.Generator, options: tuple[str, ...], probs: np.ndarray, size: int) -> np.ndarray:
    """`size` options drawn with the (not necessarily normalised) probabilities, as an object array."""
    return np.asarray(options, dtype=object)[rng.choice(len(options), size=size, p=probs / probs.sum())]


def row_choice(rng: np.random.Generator, prob_rows: np.ndarray) -> np.ndarray:
    """One categorical draw per row of a probability matrix (rows need not be normalised)."""
    cumulative = np.cumsum(prob_rows, axis=1)
    draws = rng.random(len(prob_rows)) * cumulative[:, -1]
    return (cumulative < draws[:, None]).sum(axis=1)


def pick_within(members: list[np.ndarray], group: np.ndarray, draw: np.ndarray) -> np.ndarray:
    """For each row, member number `draw` (mod size) of its group's member list; vectorised."""
    sizes = np.array([len(item) for item in members], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    flat = np.concatenate(members) if len(members) else np.array([], dtype=np.int64)
    return flat[offsets[group] + draw % sizes[group]]


def top_k_rows(rng: np.random.Generator, weight_rows: np.ndarray, k: int) -> np.ndarray:
    """k distinct categories per row, drawn without replacement in proportion to the weights."""
    keys = np.log(weight_rows) + rng.gumbel(size=weight_rows.shape)
    return np.sort(np.argsort(-keys, axis=1)[:, :k], axis=1)


def nightly_load(ts: np.ndarray, cap: np.datetime64) -> np.ndarray:
    """The nightly extract that picks a change up: 02:00 the next day, never after the cap."""
    loaded = ts.astype("datetime64[D]").astype("datetime64[us]") + np.timedelta64(26, "h")
    return np.minimum(loaded, cap)


def sample_group_days(
    rng: np.random.Generator, cdf: np.ndarray, group: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> np.ndarray:
    """One day index per row within [lo, hi], in proportion to its group's daily demand (cdf rows)."""
    out = np.empty(len(group), dtype=np.int64)
    for g in range(cdf.shape[0]):
        mask = group == g
        if not mask.any():
            continue
        row = cdf[g]
        low = np.where(lo[mask] > 0, row[np.maximum(lo[mask] - 1, 0)], 0.0)
        high = row[hi[mask]]
        target = low + rng.random(mask.sum()) * (high - low)
        out[mask] = np.minimum(np.searchsorted(row, target, side="right"), hi[mask])
    return np.maximum(out, lo)
