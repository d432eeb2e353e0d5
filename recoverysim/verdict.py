"""One sentence per policy on the decision figure: ahead, behind, or how many replications would
tell.

Two policies: the second against the first, on the paired 95 % interval. More: each against the
best, on the simultaneous 95 % intervals and the probability best of selection.py, since k - 1
separate pairwise intervals against a baseline would claim more confidence than they hold.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from recoverysim.metrics import better_direction, mean_interval, t_quantile_975
from recoverysim.selection import metric_selection
from recoverysim.table import number

DECISION_FIGURE = "value_total_eur"
MAX_SUGGESTED_REPLICATIONS = 100_000


def replications_to_settle(differences: np.ndarray) -> int | None:
    """Replications for the paired 95 % interval to exclude 0 if the mean and spread stay as they
    are.

    The smallest n with t(n-1) * sd / sqrt(n) < |mean|; None when the mean is 0.
    """
    mean, sd = float(np.mean(differences)), float(np.std(differences, ddof=1))
    if mean == 0.0:
        return None
    n = max(2, math.ceil((1.96 * sd / abs(mean)) ** 2))
    while n < MAX_SUGGESTED_REPLICATIONS and t_quantile_975(n - 1) * sd / math.sqrt(n) >= abs(mean):
        n += 1
    return n


def verdict_sentences(
    replications: pd.DataFrame,
    policies: list[str],
    figure: str = DECISION_FIGURE,
    suggest: bool = True,
) -> list[str]:
    """Each policy against the first on `figure`, paired by replication (common random numbers).

    With more than two policies, each against the best instead (selection_sentences).
    """
    if figure not in replications.columns or len(policies) < 2:
        return []
    if len(policies) > 2 and better_direction(figure) is not None:
        return selection_sentences(replications, policies, figure, suggest)
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
            sentences.append(
                f"{against}: identical in all {n} replications (the levers that differ cannot act "
                "here)."
            )
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


def selection_sentences(
    replications: pd.DataFrame,
    policies: list[str],
    figure: str = DECISION_FIGURE,
    suggest: bool = True,
) -> list[str]:
    """The best policy on `figure` and each other policy against it: separated, or not yet, with how
    sure.

    `suggest` points an unsettled comparison to `run --until-settled` (not wanted when that already
    ran).
    """
    table = metric_selection(replications, policies, figure)
    count = int(table["replications"].iloc[0])
    if count == 0:
        return [f"{figure}: no replication that every policy ran."]
    best = table[table["best"]].iloc[0]
    lower = best["better"] == "lower"

    def chance(row: pd.Series) -> str:
        return f"{100 * row['probability_best']:.0f} %"

    def interval(row: pd.Series) -> str:
        return f"[{number(row['mcb_low'])}, {number(row['mcb_high'])}]"

    values = replications.pivot(index="replication", columns="policy", values=figure)
    ahead_of_all = (
        best["mcb_high"] == 0.0 if lower else best["mcb_low"] == 0.0
    )  # the interval excludes behind
    lead = "; ahead of every other policy at 95 %" if ahead_of_all else ""
    sentences = [
        (
            f"best on {figure}: {best['policy']} (probability best {chance(best)}, paired "
            f"bootstrap over {count} replications{lead})."
        )
    ]
    for row in table[~table["best"]].to_dict("records"):
        against = f"{row['policy']} vs the best ({best['policy']})"
        gap = abs(row["diff_from_best"])
        if (values[row["policy"]] == values[best["policy"]]).all():
            sentences.append(f"{against}: identical in all {count} replications.")
        elif row["separated"]:
            sentences.append(
                f"{against}: worse by {number(gap)}, separated from the best; "
                f"{row['policy']} minus the best of the others in {interval(row)} "
                f"(simultaneous 95 % MCB interval, {count} replications)."
            )
        else:
            sentences.append(
                f"{against}: cannot tell at 95 % with {count} replications (worse by "
                f"{number(gap)}; {row['policy']} minus the best of the others in {interval(row)}, "
                f"probability best {chance(row)})"
                + (
                    " — run --until-settled adds replications until it is settled."
                    if suggest
                    else "."
                )
            )
    return sentences
