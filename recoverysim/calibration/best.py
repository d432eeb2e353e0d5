"""The probability that each policy is best on a figure, over parameter uncertainty and randomness.

With `run --posterior`, replication r draws a parameter set and its seeds, and every policy runs
with both; the replications are independent draws of (parameters, randomness). The probability that
a policy is best is the share of replications in which it has the highest figure (a tie shares the
replication equally among the tied policies), with a 95 % Wilson score interval (Wilson 1927), which
stays inside [0, 1] and is not degenerate at 0 % or 100 % as a bootstrap over few replications would
be.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pandas as pd

from recoverysim.verdict import DECISION_FIGURE

COLUMNS = ["metric", "policy", "probability_best", "low", "high"]


def wilson_interval(successes: float, trials: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a share; `successes` may be fractional (shared ties). (nan, nan)
    with no trials."""
    if trials <= 0:
        return math.nan, math.nan
    z = NormalDist().inv_cdf(0.5 + level / 2)  # stdlib: the CLI does not pay scipy's import
    share = successes / trials
    centre = (share + z * z / (2 * trials)) / (1 + z * z / trials)
    half = (
        z
        / (1 + z * z / trials)
        * math.sqrt(share * (1 - share) / trials + z * z / (4 * trials * trials))
    )
    return max(0.0, centre - half), min(1.0, centre + half)


def win_shares(
    replications: pd.DataFrame, policies: list[str], figure: str = DECISION_FIGURE
) -> pd.DataFrame:
    """Per replication (rows) and policy (columns), the share of that replication's win (1, 0, or
    1/k if k tie).

    Only replications that every policy ran count, so each row compares the same parameter set and
    seeds.
    """
    table = replications.pivot(index="replication", columns="policy", values=figure)[
        policies
    ].dropna()
    values = table.to_numpy(np.float64)
    best = values == values.max(axis=1, keepdims=True)
    return pd.DataFrame(best / best.sum(axis=1, keepdims=True), index=table.index, columns=policies)


def probability_best(
    replications: pd.DataFrame, policies: list[str], figure: str = DECISION_FIGURE
) -> pd.DataFrame:
    """One row per policy: metric, policy, probability_best, low, high (95 % Wilson interval)."""
    shares = win_shares(replications, policies, figure)
    trials = len(shares)
    rows = []
    for policy in policies:
        wins = float(shares[policy].sum())
        low, high = wilson_interval(wins, trials)
        rows.append((figure, policy, wins / trials if trials else math.nan, low, high))
    return pd.DataFrame(rows, columns=COLUMNS)


def percent(share: float) -> str:
    return "n/a" if math.isnan(share) else f"{100 * share:.0f} %"


def interval(low: float, high: float) -> str:
    """'86-97 %', or 'n/a'."""
    return "n/a" if math.isnan(low) or math.isnan(high) else f"{100 * low:.0f}-{100 * high:.0f} %"


def best_sentences(table: pd.DataFrame, replications: int) -> list[str]:
    """One plain sentence per policy, the likeliest best first."""
    sentences = []
    for row in table.sort_values("probability_best", ascending=False, kind="stable").itertuples():
        sentences.append(
            f"{row.policy} is best in {percent(row.probability_best)} of {replications} "
            "replications (parameter sets and randomness), 95 % interval "
            f"{interval(row.low, row.high)}"
        )
    return sentences
