"""Validation (issue 5): with default parameters the model shows the meta-analytic service-recovery
paradox pattern.

Source: de Matos, Henrique & Rossi (2007), "Service Recovery Paradox: A
Meta-Analysis", J. Service Research 10(1):60-77 (EVIDENCE.md, V1 direction):
after a failure followed by an excellent recovery, customers are *more
satisfied* than customers who had no failure, but their *repurchase intention*
and *word of mouth* are not significantly different.

The exact effects checked, each per replication and then as a 95 % t interval
over replications (recoverysim.selfcheck.recovery_effects):

- satisfaction: mean satisfaction S after an excellent recovery of a first
  failure, minus S0 (behaviour.reference_satisfaction), the satisfaction the
  model gives a customer without failure; S is computed from what the claim
  went through (outcome, goodwill, time, effort, updates), not from S0, so a
  poorer recovery or a higher S0 fails this test;
- repurchase intention: mean loyalty L (the probability of buying again at the
  next purchase occasion) of customers whose only failure was so recovered,
  minus mean L of the customers without any failure simulated in the same runs,
  at the end of the year. Gains above S0 do reach loyalty after a first minor
  failure (recovery_paradox_strength, a small assumption constrained to the
  direction of Maxham & Netemeyer 2002 and Magnini et al. 2007), so the gap is
  not zero by construction: a strength of 1 fails the test;
- word of mouth: people told per recovered customer, against none told by a
  customer without failure (outside the Bass imitation term, which both feed).

Defaults everywhere (behaviour, word of mouth, money, channels) except the
policy, which is an excellent recovery (no proof asked, no return, immediate
replacement, first agent settles, daily updates, a 20 EUR gesture), and the
population, in which every failure is claimed and nobody cheats, so the two
groups are exactly "one failure, recovered" and "no failure".
"""

from __future__ import annotations

from functools import lru_cache

from recoverysim.metrics import mean_interval
from recoverysim.selfcheck import (
    EQUIVALENCE_MARGIN_LOYALTY,
    EQUIVALENCE_MARGIN_TOLD,
    RecoveryEffects,
    recovery_effects,
    recovery_scenario,
)

SEED = 2007  # fixed before the first run


@lru_cache(maxsize=1)
def effects() -> RecoveryEffects:
    return recovery_effects(
        recovery_scenario(customers=10_000, days=365, seed=SEED), replications=8
    )


def test_there_are_enough_recoveries_to_judge():
    assert effects().recoveries.min() >= 100


def test_excellent_recovery_raises_satisfaction_above_the_no_failure_level():
    """de Matos et al. (2007): the paradox holds for satisfaction. Here S - S0 > 0 with its whole
    interval."""
    mean, low, high = mean_interval(effects().satisfaction_gap)
    assert low > 0.0, (mean, low, high)


def test_excellent_recovery_leaves_repurchase_intention_unchanged():
    """de Matos et al. (2007): no significant effect on repurchase intention.

    A simulation can detect any effect, however small, with enough replications,
    so "no effect" is checked as practical equivalence: the whole 95 % interval of
    the loyalty gap lies within +-0.01 (one percentage point of repurchase
    probability). Mechanism: gains above S0 reach loyalty only through the small
    recovery_paradox_strength (0.1 of the curved gain), and the few recoveries judged
    below S0 (individual noise) cost a little; the two nearly cancel.
    """
    mean, low, high = mean_interval(effects().loyalty_gap)
    assert -EQUIVALENCE_MARGIN_LOYALTY <= low and high <= EQUIVALENCE_MARGIN_LOYALTY, (
        mean,
        low,
        high,
    )


def test_excellent_recovery_leaves_word_of_mouth_unchanged():
    """de Matos et al. (2007): no significant effect on word of mouth, checked as practical
    equivalence.

    Both groups feed Bass's imitation term alike (the baseline talk of a customer,
    word_of_mouth.baseline_told_per_year), so the comparison is the word of mouth
    a claim adds: people told per recovered customer, against 0 for a customer
    without failure. Equivalence: the whole 95 % interval lies within +-0.5 people
    (assumption for the margin: under half a person, against the 1-2 people a
    customer tells about the product in a year anyway). Mechanism: the U of
    people told is anchored at the no-failure satisfaction S0 (a customer as
    satisfied as one without failure tells nobody more), and its satisfied arm is
    small (told_when_satisfied_mean, an assumption constrained to this finding's
    direction). Anchoring the U at 0.6 with 3 people at S = 1, as version 0.1 did,
    makes this test fail (about 2.6 people).
    """
    mean, low, high = mean_interval(effects().told_per_recovery)
    assert -EQUIVALENCE_MARGIN_TOLD <= low and high <= EQUIVALENCE_MARGIN_TOLD, (mean, low, high)
