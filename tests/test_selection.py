"""Selection among k policies: Hsu's MCB intervals cover the truth, the bootstrap's chances add up,
sides are right."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from recoverysim.metrics import (
    HIGHER_IS_BETTER,
    KEY_FIGURES,
    LOWER_IS_BETTER,
    NO_BETTER_SIDE,
    better_direction,
)
from recoverysim.selection import (
    COLUMNS,
    bonferroni_critical_value,
    mcb_bounds,
    probability_best,
    selection_table,
)
from recoverysim.verdict import verdict_sentences

TRIALS = 4_000
REPLICATIONS = 10


def synthetic(means: list[float], seed: int, common: float = 0.5) -> np.ndarray:
    """TRIALS data sets of REPLICATIONS paired rows: a shared draw per row (common random numbers)
    plus noise whose spread differs by policy."""
    generator = np.random.default_rng(seed)
    k = len(means)
    shared = common * generator.normal(size=(TRIALS, REPLICATIONS, 1))
    noise = generator.normal(size=(TRIALS, REPLICATIONS, k)) * np.linspace(0.5, 1.5, k)
    return np.asarray(means) + shared + noise


def truth(means: list[float]) -> np.ndarray:
    """mu_i - max over j != i of mu_j: what Hsu's interval i is for."""
    means = np.asarray(means, dtype=float)
    return np.array([means[i] - np.delete(means, i).max() for i in range(len(means))])


def joint_coverage_upper_bound(means: list[float], seed: int) -> tuple[float, float]:
    """Share of trials where every interval holds its true value, and the top of its 99.9 %
    Clopper-Pearson interval."""
    values = synthetic(means, seed)
    low, high, _ = mcb_bounds(values, bonferroni_critical_value(len(means), REPLICATIONS))
    held = ((low <= truth(means)) & (truth(means) <= high)).all(axis=-1)
    interval = stats.binomtest(int(held.sum()), TRIALS).proportion_ci(0.999)
    return float(held.mean()), float(interval.high)


@pytest.mark.parametrize(
    "means",
    [
        [
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            3.0,
        ],  # one far ahead, five tied: every comparison of the best binds
        [0.0, 1.0, 2.0, 3.0, 4.0],  # evenly spread
        [0.0, 0.0, 0.0, 0.0, 0.5],  # one a little ahead
    ],
)
def test_simultaneous_intervals_cover_the_true_differences_at_95_percent(means):
    """Bonferroni MCB holds jointly; with a plain t(0.975) the first case covers about 92 % and this
    test fails."""
    coverage, top = joint_coverage_upper_bound(means, seed=len(means) + int(10 * means[-1]))
    assert top >= 0.95, coverage


def test_intervals_follow_hsus_definition_computed_pair_by_pair():
    """An independent reference: loops over pairs, scipy's t quantile, Hsu's clipping."""
    generator = np.random.default_rng(3)
    values = generator.normal(size=(8, 4)) + np.array([0.0, 0.3, 0.9, 1.0])
    n, k = values.shape
    critical = stats.t.ppf(1 - 0.05 / (2 * (k - 1)), n - 1)
    low, high, separated = mcb_bounds(values, bonferroni_critical_value(k, n))
    for i in range(k):
        margins = []
        for j in range(k):
            if j != i:
                difference = values[:, i] - values[:, j]
                half = critical * difference.std(ddof=1) / math.sqrt(n)
                margins.append((difference.mean() - half, difference.mean() + half))
        assert low[i] == pytest.approx(min(0.0, min(m[0] for m in margins)), rel=1e-9)
        assert high[i] == pytest.approx(max(0.0, min(m[1] for m in margins)), rel=1e-9)
        assert separated[i] == (min(m[1] for m in margins) < 0)


def test_probability_best_sums_to_one_and_splits_ties():
    generator = np.random.default_rng(5)
    values = generator.normal(size=(12, 4))
    assert probability_best(values).sum() == pytest.approx(1.0)
    tied = np.repeat(generator.normal(size=(12, 1)), 3, axis=1)
    assert probability_best(tied) == pytest.approx([1 / 3] * 3)
    far_ahead = values + np.array([0.0, 0.0, 0.0, 50.0])
    assert probability_best(far_ahead)[-1] == 1.0


def replications_frame(columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """replications.parquet's shape for the given policy -> per-replication values of two
    figures."""
    rows = []
    for policy, values in columns.items():
        for replication, value in enumerate(values):
            rows.append(
                {
                    "policy": policy,
                    "replication": replication,
                    "value_total_eur": value,
                    "cost_total_eur": value,
                }
            )
    return pd.DataFrame(rows)


def test_a_lower_is_better_figure_calls_the_lowest_best_and_the_others_worse_by_positive_gaps():
    generator = np.random.default_rng(7)
    base = generator.normal(size=20)
    frame = replications_frame(
        {"a": base + 100.0, "b": base + 90.0, "c": base + 110.0 + 0.1 * generator.normal(size=20)}
    )
    table = selection_table(
        frame, ["a", "b", "c"], metrics=("value_total_eur", "cost_total_eur")
    ).set_index(["metric", "policy"])
    assert list(table.reset_index().columns) == COLUMNS
    assert (
        table.loc[("cost_total_eur", "b"), "best"] and table.loc[("value_total_eur", "c"), "best"]
    )
    assert table.loc[("cost_total_eur", "a"), "diff_from_best"] == pytest.approx(10.0)
    assert table.loc[("value_total_eur", "a"), "diff_from_best"] == pytest.approx(-10.0, abs=0.1)
    assert (
        table.loc[("cost_total_eur", "a"), "separated"]
        and table.loc[("cost_total_eur", "c"), "separated"]
    )
    assert (
        table.loc[("cost_total_eur", "b"), "mcb_high"] == 0.0
    )  # b's lead is settled: never above the others
    a_low, a_high = table.loc[("cost_total_eur", "a"), ["mcb_low", "mcb_high"]]
    assert (
        math.copysign(1.0, a_low) == 1.0 and a_low == 0.0 and a_high > 0.0
    )  # a minus the lowest of the others
    assert table.loc[("cost_total_eur", "b"), "diff_from_best"] == 0.0
    for metric in ("value_total_eur", "cost_total_eur"):
        assert table.loc[metric, "probability_best"].sum() == pytest.approx(1.0)


def test_every_key_figure_has_exactly_one_side_and_sideless_figures_are_left_out():
    sides = [HIGHER_IS_BETTER, LOWER_IS_BETTER, NO_BETTER_SIDE]
    assert sorted(name for side in sides for name in side) == sorted(KEY_FIGURES)
    assert (
        better_direction("value_total_eur") == "higher"
        and better_direction("cost_total_eur") == "lower"
    )
    frame = replications_frame({"a": np.arange(3.0), "b": np.arange(3.0) + 1}).assign(claims=1.0)
    assert set(selection_table(frame, ["a", "b"])["metric"]) == {
        "value_total_eur",
        "cost_total_eur",
    }


def test_the_verdict_of_three_policies_speaks_of_the_best():
    generator = np.random.default_rng(11)
    base = generator.normal(size=10)
    frame = replications_frame(
        {"a": base, "b": base + 5.0 + 0.1 * generator.normal(size=10), "c": base.copy()}
    )
    best, *others = verdict_sentences(frame, ["a", "b", "c"])
    assert best.startswith("best on value_total_eur: b (probability best 100 %")
    assert all("separated from the best" in sentence for sentence in others)
    two = verdict_sentences(frame[frame["policy"] != "c"], ["a", "b"])
    assert two[0].startswith("b vs a on value_total_eur: ahead by")
