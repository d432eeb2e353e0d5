"""Which policy is best on each figure, and how sure: multiple comparisons with the best on paired
replications.

For k policies run on the same seeds (common random numbers), Hsu's constrained intervals for mu_i -
best of the other mu_j (Hsu 1984; Nelson & Matejcik 1995 for paired replications), with a Bonferroni
Student t critical value: each of the k - 1 comparisons of a policy gets alpha / (2 (k - 1)) a side,
so the intervals hold together with probability at least 1 - alpha whatever the correlation between
policies. The upper bound is clipped at >= 0 and the lower at <= 0, as in Hsu. A policy whose
unclipped upper bound is below 0 is separated: worse than some other policy, at that confidence.

The probability that each policy is best is a paired bootstrap: replications are resampled with
replacement (a replication keeps every policy's value, so the pairing stays), and each resample's
best mean wins; tied policies share the win.

Figures with no better side (metrics.NO_BETTER_SIDE) are left out. For a lower-is-better figure the
intervals are for mu_i - the lowest of the other mu_j, so worse policies have positive differences.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from recoverysim.metrics import KEY_FIGURES, better_direction, t_quantile

COLUMNS = [
    "metric",
    "policy",
    "diff_from_best",
    "mcb_low",
    "mcb_high",
    "probability_best",
    "best",
    "separated",
    "better",
    "replications",
]
LEVEL = 0.95
RESAMPLES = 2_000
BOOTSTRAP_SEED = 20_260_101
#: Resampled means computed this many replications' worth at a time, to bound memory on long runs.
_CHUNK_VALUES = 2_000_000


def paired_values(replications: pd.DataFrame, policies: list[str], metric: str) -> np.ndarray:
    """Rows: replications every policy ran with a value of `metric`; columns: policies in the order
    given."""
    table = replications.pivot(index="replication", columns="policy", values=metric)
    return table.reindex(columns=policies).dropna().to_numpy(np.float64)


def bonferroni_critical_value(policies: int, replications: int, level: float = LEVEL) -> float:
    """Student t quantile for k - 1 comparisons a policy makes, alpha / (2 (k - 1)) each side; NaN
    below 2 values."""
    if policies < 2 or replications < 2:
        return math.nan
    return t_quantile(1.0 - (1.0 - level) / (2 * (policies - 1)), replications - 1)


def mcb_bounds(values: np.ndarray, critical: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hsu's constrained intervals for mu_i - max over j != i of mu_j, higher being better.

    `values` has replications on the second last axis and policies on the last; leading axes are
    independent data sets (the coverage test runs thousands at once). Returns (low, high,
    separated), each shaped like the means: low <= 0 <= high, and separated where the unclipped
    upper bound is below 0.
    """
    values = np.asarray(values, dtype=np.float64)
    replications, policies = values.shape[-2], values.shape[-1]
    differences = (
        values[..., :, None] - values[..., None, :]
    )  # (..., n, k, k): policy i minus policy j
    mean = differences.mean(axis=-3)
    standard_error = differences.std(axis=-3, ddof=1) / math.sqrt(replications)
    others = ~np.eye(policies, dtype=bool)
    upper = np.where(others, mean + critical * standard_error, np.inf).min(axis=-1)
    lower = np.where(others, mean - critical * standard_error, np.inf).min(axis=-1)
    return np.minimum(lower, 0.0), np.maximum(upper, 0.0), upper < 0.0


def probability_best(
    values: np.ndarray, resamples: int = RESAMPLES, seed: int = BOOTSTRAP_SEED
) -> np.ndarray:
    """Share of bootstrap resamples of the replications (rows, kept whole) in which each column has
    the highest mean.

    Ties (identical policies) share the resample equally, so the shares sum to 1.
    """
    replications, policies = values.shape
    if replications == 0:
        return np.full(policies, math.nan)
    generator = np.random.default_rng(seed)
    wins = np.zeros(policies)
    chunk = max(1, _CHUNK_VALUES // (replications * policies))
    for start in range(0, resamples, chunk):
        rows = generator.integers(
            0, replications, size=(min(chunk, resamples - start), replications)
        )
        means = values[rows].mean(axis=1)  # (resamples, policies)
        top = means.max(axis=1, keepdims=True)
        best = means >= top - 1e-12 * np.abs(
            top
        )  # the same data give the same mean; rounding is not a win
        wins += (best / best.sum(axis=1, keepdims=True)).sum(axis=0)
    return wins / resamples


def metric_selection(
    replications: pd.DataFrame, policies: list[str], metric: str, seed: int = BOOTSTRAP_SEED
) -> pd.DataFrame:
    """The selection rows of one figure that has a better side (COLUMNS)."""
    direction = better_direction(metric)
    if direction is None:
        raise ValueError(f"{metric} has no better side")
    values = paired_values(replications, policies, metric)
    sign = 1.0 if direction == "higher" else -1.0
    oriented = sign * values  # higher is better from here on
    count = len(values)
    raw_means = values.mean(axis=0) if count else np.full(len(policies), math.nan)
    means = sign * raw_means
    critical = bonferroni_critical_value(len(policies), count)
    if math.isnan(critical):
        low = high = np.full(len(policies), math.nan)
        separated = np.zeros(len(policies), dtype=bool)
    else:
        low, high, separated = mcb_bounds(oriented, critical)
    winner = int(np.nanargmax(means)) if count else -1
    chance = probability_best(oriented, seed=seed)
    rows = []
    for index, policy in enumerate(policies):
        low_own, high_own = (low[index], high[index]) if sign > 0 else (-high[index], -low[index])
        low_own, high_own = low_own + 0.0, high_own + 0.0  # -0.0 (a negated clip) reads as 0
        rows.append(
            (
                metric,
                policy,
                float(raw_means[index] - raw_means[winner]) if count else math.nan,
                float(low_own),
                float(high_own),
                float(chance[index]),
                index == winner,
                bool(separated[index]),
                direction,
                count,
            )
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def selection_table(
    replications: pd.DataFrame,
    policies: list[str] | tuple[str, ...],
    metrics: tuple[str, ...] = KEY_FIGURES,
    seed: int = BOOTSTRAP_SEED,
) -> pd.DataFrame:
    """selection.csv: per figure with a better side and per policy, the difference from the best,
    Hsu's simultaneous 95 % MCB interval and the bootstrap probability of being best.

    `replications` is replications.parquet's shape (policy, replication, one column per figure);
    pairs are replications every policy ran. The bootstrap is seeded, so the table is the same every
    time.
    """
    policies = list(policies)
    frames = [
        metric_selection(replications, policies, metric, seed)
        for metric in metrics
        if better_direction(metric) is not None and metric in replications.columns
    ]
    if not frames:
        return pd.DataFrame(columns=COLUMNS)
    return pd.concat(frames, ignore_index=True)
