"""Validation (issue 5): acquisition switched to its Bass form reproduces the Bass diffusion curve.

The world is reduced to Bass adoption alone: nobody owns the product at day 0,
nothing fails, nobody cheats or leaves (loyalty 1), so every customer is an
adopter and the prospects are the rest of the market potential M. Each day a
prospect adopts with the probability that Bass's hazard p + q * (adopters / M),
integrated over that day as adopters keep growing, gives (model/bass.py).
Nothing fails, so no claim story enters the hazard, and the policy's leniency
effect is off (market.leniency_purchase_effect = 0): the hazard is Bass's own.

Against Bass (1969): F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t}).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from recoverysim.model.bass import bass_day_probability
from recoverysim.metrics import t_quantile
from recoverysim.selfcheck import bass_errors

DAYS_PER_YEAR = 365


def closed_form(p: float, q: float, years: float) -> float:
    """Bass (1969), written out again here so the test does not trust the code it checks."""
    decay = math.exp(-(p + q) * years)
    return (1.0 - decay) / (1.0 + q / p * decay)


@pytest.mark.parametrize("p, q", [(0.03, 0.38), (0.3, 3.0), (0.01, 0.5)])
def test_one_day_step_follows_the_closed_form_without_discretisation_error(p, q):
    """The expected path of the daily step, iterated for ten years, stays on F(t) to rounding error.

    Why this matters: a step with the hazard frozen at the start of each day,
    1 - exp(-(p + q a) / 365), lags F(t) by up to 3e-4 at p = 0.03, q = 0.38 and
    2e-3 at p = 0.3, q = 3; solving the day's Riccati equation removes that bias.
    """
    adopted, remaining = 0.0, 1.0
    worst = 0.0
    for day in range(10 * DAYS_PER_YEAR):
        moved = remaining * bass_day_probability(p / DAYS_PER_YEAR, q / DAYS_PER_YEAR, adopted, remaining)
        adopted, remaining = adopted + moved, remaining - moved
        worst = max(worst, abs(adopted - closed_form(p, q, (day + 1) / DAYS_PER_YEAR)))
    assert worst < 1e-9


def test_no_imitation_is_a_constant_hazard():
    assert bass_day_probability(0.01, 0.0, 0.2, 0.8) == pytest.approx(-math.expm1(-0.01), rel=1e-12)
    assert bass_day_probability(0.0, 0.5, 0.0, 1.0) == 0.0


@pytest.mark.parametrize(
    "p, q, market, years, replications",
    [
        (0.03, 0.38, 10_000, 8.0, 8),  # the meta-analytic means (Sultan, Farley & Lehmann 1990); the peak is at 6.2 years
        (0.3, 3.0, 20_000, 2.0, 8),  # fast diffusion, where a daily discretisation would show most
    ],
)
def test_simulated_adopters_follow_the_bass_curve(p, q, market, years, replications):
    """At each of 8 check times the 95 % family-wise interval of the mean error contains 0.

    Errors are simulated share minus F(t) per replication; each time's t
    interval is at 1 - 0.05 / 8 (Bonferroni), so a correct model fails this test
    with at most 5 % probability on a fresh seed. The seed is fixed (not tuned).
    The interval must also be narrower than +-0.02, so that the test can see an
    error of that size.
    """
    checkpoints = 8
    years_checked, errors = bass_errors(p, q, market, years, replications, seed=12, checkpoints=checkpoints)
    expected = np.array([closed_form(p, q, t) for t in years_checked])
    assert np.all(expected > 0.0)
    t = t_quantile(1.0 - 0.05 / (2 * checkpoints), replications - 1)
    for k, when in enumerate(years_checked):
        mean = errors[:, k].mean()
        half = t * errors[:, k].std(ddof=1) / math.sqrt(replications)
        assert abs(mean) <= half, f"year {when:.2f}: mean error {mean:+.5f}, interval half-width {half:.5f}"
        assert half < 0.02, f"year {when:.2f}: interval +-{half:.4f} too wide to detect a 0.02 error"
