"""The verdict sentence on the decision figure: ahead, behind, identical, or how many replications
would tell."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from recoverysim.verdict import replications_to_settle, verdict_sentences


def table(differences: list[float], base: float = 1000.0) -> pd.DataFrame:
    rows = [("a", r, base) for r in range(len(differences))]
    rows += [("b", r, base + d) for r, d in enumerate(differences)]
    return pd.DataFrame(rows, columns=["policy", "replication", "value_total_eur"])


def test_a_clear_gain_is_ahead_with_its_interval():
    (sentence,) = verdict_sentences(table([100.0, 110.0, 90.0, 105.0]), ["a", "b"])
    assert sentence.startswith("b vs a on value_total_eur: ahead by 101.2 [")
    assert "4 replications" in sentence


def test_a_clear_loss_is_behind():
    (sentence,) = verdict_sentences(table([-50.0, -60.0, -55.0]), ["a", "b"])
    assert "behind by 55.00" in sentence


def test_identical_replications_say_the_levers_cannot_act():
    (sentence,) = verdict_sentences(table([0.0, 0.0, 0.0]), ["a", "b"])
    assert "identical in all 3 replications" in sentence


def test_an_unsettled_difference_says_how_many_replications_would_settle_it():
    (sentence,) = verdict_sentences(table([30.0, -10.0, 25.0, -5.0]), ["a", "b"])
    assert "cannot tell at 95 % with 4 replications" in sentence
    assert "about" in sentence and "would settle it" in sentence


def test_the_suggested_count_is_the_smallest_whose_interval_excludes_zero():
    """Independent reference: scipy's t quantile, at the suggested n and at n - 1."""
    differences = np.array([30.0, -10.0, 25.0, -5.0, 12.0])
    n = replications_to_settle(differences)
    mean, sd = differences.mean(), differences.std(ddof=1)
    half = lambda k: stats.t.ppf(0.975, k - 1) * sd / math.sqrt(k)  # noqa: E731
    assert half(n) < abs(mean) <= half(n - 1)
