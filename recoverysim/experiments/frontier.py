"""Which candidates form the frontier, and which hold their place only by noise. Pure functions of
tables.

Objectives are oriented so that higher is better (a minimised figure is negated). A point dominates
another when it is at least as good on every objective and better on one. On the confirmation
replications (every policy on the same fresh seeds), policy j *dominates i beyond noise* when j is
better than i on some objective with confidence and i is better than j on none with confidence: i's
own advantages are within noise. The confidence is selection.py's (issue 10): paired differences
over the replications, with a Bonferroni Student t critical value shared by all the comparisons a
policy makes on all objectives, so that the statement about a policy holds with probability at least
95 % whatever the correlation between policies.
"""

from __future__ import annotations

import math

import numpy as np

from recoverysim.selection import LEVEL, bonferroni_critical_value


def non_dominated(points: np.ndarray) -> np.ndarray:
    """Boolean mask of the rows of `points` (rows: candidates, columns: objectives, higher better)
    that no other row dominates; NaN rows are never on it. Equal rows are all kept."""
    points = np.asarray(points, dtype=float)
    valid = ~np.isnan(points).any(axis=1)
    keep = valid.copy()
    for i in np.flatnonzero(valid):
        others = points[valid]
        at_least = (others >= points[i]).all(axis=1)
        better = (others > points[i]).any(axis=1)
        keep[i] = not (at_least & better).any()
    return keep


def paired_intervals(
    values: np.ndarray, critical: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For values shaped (replications, policies, objectives), higher better: the mean of j - i
    and its interval mean ± critical x standard error, each shaped (policies i, policies j,
    objectives)."""
    differences = (
        values[:, None, :, :] - values[:, :, None, :]
    )  # (n, i, j, k): policy j minus policy i
    count = values.shape[0]
    mean = differences.mean(axis=0)
    if count < 2 or math.isnan(critical):
        return mean, np.full_like(mean, np.nan), np.full_like(mean, np.nan)
    half = critical * differences.std(axis=0, ddof=1) / math.sqrt(count)
    return mean, mean - half, mean + half


def dominance_beyond_noise(values: np.ndarray, level: float = LEVEL) -> np.ndarray:
    """Matrix D with D[i, j] true when policy j dominates policy i beyond noise (module docstring).

    `values`: (replications, policies, objectives), oriented so higher is better, on common random
    numbers.
    """
    count, policies, objectives = values.shape
    comparisons = max(1, (policies - 1) * objectives)
    critical = bonferroni_critical_value(comparisons + 1, count, level)
    _, low, high = paired_intervals(values, critical)
    if np.isnan(low).all():
        return np.zeros((policies, policies), dtype=bool)
    j_better_somewhere = (low > 0).any(axis=2)
    i_better_somewhere = (high < 0).any(axis=2)
    dominated = j_better_somewhere & ~i_better_somewhere
    np.fill_diagonal(dominated, False)
    return dominated


def critical_value(
    policies: int, objectives: int, replications: int, level: float = LEVEL
) -> float:
    """The Bonferroni t critical value dominance_beyond_noise uses, for the report."""
    return bonferroni_critical_value(max(1, (policies - 1) * objectives) + 1, replications, level)
