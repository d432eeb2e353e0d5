"""One sentence per policy on the decision figure: ahead, behind, or how many replications would tell."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from recoverysim.metrics import mean_interval, t_quantile_975
from recoverysim.table import number

DECISION_FIGURE = "value_total_eur"
MAX_SUGGESTED_REPLICATIONS = 100_000


def replications_to_settle(differences: np.ndarray) -> int | None:
    """Replications for the paired 95 % interval to exclude 0 if the mean and spread stay as they are.

    The smallest n with t(n-1) * sd / sqrt(n) < |mean|; None when the mean is 0.
    """
    mean, sd = float(np.mean(differences)), float(np.std(differences, ddof=1))
    if mean == 0.0:
        return None
    n = max(2, math.ceil((1.96 * sd / abs(mean)) ** 2))
    while n < MAX_SUGGESTED_REPLICATIONS and t_quantile_975(n - 1) * sd / math.sqrt(n) >= abs(mean):
        n += 1
    return n


def verdict_sentences(replications: pd.DataFrame, policies: list[str], figure: str = DECISION_FIGURE) -> list[str]:
    """Each policy against the first on `figure`, paired by replication (common random numbers)."""
    if figure not in replications.columns or len(policies) < 2:
        return []
    baseline = replications[replications["policy"] == policies[0]].set_index("replication")[figure]
    sentences = []
    for policy in policies[1:]:
        own = replications[replications["policy"] == policy].set_index("replication")[figure]
        paired = own.index.intersection(baseline.index)
        differences = (own.loc[paired] - baseline.loc[paired]).to_numpy(dtype=float)
        n = differences.size
        mean, low, high = mean_interval(differences)
        against = f"{policy} vs {policies[0]} on {figure}"
        if n == 0 or math.isnan(mean):
            sentences.append(f"{against}: no paired replications.")
        elif np.all(differences == 0.0):
            sentences.append(f"{against}: identical in all {n} replications (the levers that differ cannot act here).")
        elif n >= 2 and (low > 0.0 or high < 0.0):
            word = "ahead" if mean > 0 else "behind"
            sentences.append(
                f"{against}: {word} by {number(abs(mean))} [{number(low)}, {number(high)}] "
                f"(paired 95 % interval, {n} replications)."
            )
        else:
            needed = replications_to_settle(differences) if n >= 2 else None
            hint = f" — about {needed:,} would settle it" if needed else ""
            sentences.append(
                f"{against}: cannot tell at 95 % with {n} replications "
                f"({number(mean)} [{number(low)}, {number(high)}]){hint}."
            )
    return sentences
