"""Validation (issue 10): repurchase by outcome class reproduces TARP's rows, for minor and major
problems.

Source: TARP survey for the US Office of Consumer Affairs (c. 1986), as cited in
Barlow & Moller, *A Complaint Is a Gift* (EVIDENCE.md, V2): share who would buy
again after a minor problem fixed quickly 95 %, fixed slowly 70 %, not fixed
46 %, did not complain 37 %; after a major problem 82 / 54 / 19 / 9 %.

The world is recoverysim.fits.tarp.tarp_scenario (a minor and a major component;
a policy each for fast fixes, slow fixes and denials, on the same customers;
unclaimed failures give the "did not complain" rows), on a seed the fit never saw.
The figure is the share of honest claimants (or silent customers) of a class who
bought again at their next purchase occasion, per replication.

In sample: the four minor rows, major fixed quickly and major not fixed were used
by recoverysim/fits/tarp.py to fit loss_aversion, loss_curvature,
unclaimed_failure_satisfaction, major_loyalty_shock, major_loss_factor and the
implied no-problem loyalty (six parameters, six rows: these rows check that the
fit holds on new draws). Held out: major fixed slowly and major did not complain
were never shown to the fit.

How far out of sample the held-out rows are, honestly: the first design of a
major failure lowered its satisfaction by major_satisfaction_drop. Fitted on the
same six rows, it failed the held-out major fixed slowly (45.3 % against TARP's
54 %, beyond the widened interval): the drop landed where the curved loss is
steepest, just below S0, where a slow fix ends. The present design, a loyalty
shock at every major failure whatever its handling (major_loyalty_shock) on top
of major_loss_factor, was chosen after seeing that failure. So the two held-out
rows tested the first design out of sample, but are only partly out of sample
for the second: the fit never saw them, the choice of the form did.

The test can fail: run with loss_aversion = 1, six rows fail (minor fixed slowly
85 %, major not fixed 55 %, ...); with no major effect (major_loyalty_shock 0,
major_loss_factor 1), the four major rows fail (major fixed quickly 94 % against 82 %).

Tolerance: the 95 % t interval of the simulated share over replications, widened
on each side by 5 percentage points (selfcheck.TARP_ALLOWANCE) for a V2 source:
rounded survey intentions of an unknown population and sample, known only
through a secondary citation.
"""

from __future__ import annotations

from functools import lru_cache

import pytest

from recoverysim.fits.tarp import IN_SAMPLE, TARP_ROWS, TarpRows, simulate_rows, tarp_scenario
from recoverysim.metrics import mean_interval
from recoverysim.selfcheck import TARP_ALLOWANCE

SEED = 1987  # fixed before the first run; the fit uses 1986
REPLICATIONS = 4


@lru_cache(maxsize=1)
def rows() -> TarpRows:
    return simulate_rows(tarp_scenario(seed=SEED), REPLICATIONS)


def test_every_row_has_enough_customers_to_judge():
    assert min(float(rows().claimants[row].min()) for row in TARP_ROWS) >= 300


IDS = [f"{r[1]}-{r[0]}-{'in' if r in IN_SAMPLE else 'out'}" for r in TARP_ROWS]


@pytest.mark.parametrize("row", list(TARP_ROWS), ids=IDS)
def test_repurchase_by_outcome_class_matches_tarp(row):
    mean, low, high = mean_interval(rows().share(row))
    target = TARP_ROWS[row]
    assert low - TARP_ALLOWANCE <= target <= high + TARP_ALLOWANCE, (row, target, mean, low, high)
