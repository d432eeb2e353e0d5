"""How a customer judges a claim (three justice parts) and how that moves loyalty. Pure
functions."""

from __future__ import annotations

import math
from dataclasses import dataclass

from recoverysim.scenario.schema import Behaviour, WordOfMouth


@dataclass(slots=True)
class Experience:
    """What the customer went through, as far as satisfaction is concerned.

    Not frozen: each claim builds one, and a frozen dataclass's init costs ~1.4 us more.
    """

    # distributive part before goodwill: 1 full remedy, 0 denial, paid_repair_outcome for a paid
    # repair
    outcome: float
    goodwill_share_of_price: float
    duration_days: float
    wait_hours: float
    contacts: int
    transfers: int
    drops: int
    customer_shipments: int
    travel_hours: float
    honest_asked_for_proof: bool
    missed_updates: int
    suspected: bool
    heard_by_manager: bool = False
    explained: bool = True
    major: bool = False  # recorded, not judged: a major failure's own harm is in loyalty_change
    expected_days: float | None = (
        None  # this customer's expected resolution time; None: behaviour's own
    )
    patience: float = 1.0  # multiplies the tolerance of delay (trust buys patience)


def _clip(x: float) -> float:
    return 0.0 if x < 0.0 else 1.0 if x > 1.0 else x


def paid_repair_outcome(charge_eur: float, repair_cost_eur: float) -> float:
    """Outcome of a claim the customer thought covered, repaired for a charge: the share of the
    repair the firm bore.

    Measured against the repair, not the product's price: a 100 EUR charge on a
    5,000 EUR watch is still the warranty saying no (seed story 003); against the
    price it would count as a 98 % remedy.
    """
    if charge_eur <= 0.0:
        return 1.0
    if repair_cost_eur <= 0.0:
        return 0.0
    return max(0.0, 1.0 - charge_eur / repair_cost_eur)


def expected_resolution_days(b: Behaviour, price_multiplier: float) -> float:
    """Expectations rise with price tier: a dearer product's owner expects it back sooner (seed
    story 003)."""
    return b.expected_resolution_days / price_multiplier**b.expectation_price_elasticity


def patience(b: Behaviour, loyalty_before: float) -> float:
    """Trust buys patience, a little (Tax, Brown & Chandrashekaran 1998): tolerance grows with prior
    loyalty."""
    return 1.0 + b.patience_from_loyalty * loyalty_before


def missed_updates(gap_days: float, every_days: float | None, cadence_days: float) -> int:
    """Expected updates missed in a silent gap: whole cadences of silence between two pieces of
    news.

    Status updates every k days split the gap; since floor(a) + floor(b) <= floor(a + b),
    updates never add a missed update.
    """
    if every_days is None or gap_days <= every_days:
        return int(gap_days // cadence_days)
    updates = int(gap_days // every_days)
    return updates * int(every_days // cadence_days) + int(
        (gap_days - updates * every_days) // cadence_days
    )


def distributive(exp: Experience) -> float:
    """Outcome plus goodwill relative to price; may exceed 1 so that goodwill offsets a poor
    process."""
    return exp.outcome + exp.goodwill_share_of_price


def procedural(exp: Experience, b: Behaviour) -> float:
    """Delay is counted here and only here: time beyond expectation decays it; each unit of effort
    takes a bite."""
    expected = b.expected_resolution_days if exp.expected_days is None else exp.expected_days
    tolerance = b.resolution_tolerance_days * exp.patience
    timeliness = math.exp(-max(0.0, exp.duration_days - expected) / tolerance)
    effort = (
        b.effort_penalty_per_wait_hour * exp.wait_hours
        + b.effort_penalty_per_contact * max(0, exp.contacts - 1)
        + b.effort_penalty_per_transfer * exp.transfers
        + b.effort_penalty_per_drop * exp.drops
        + b.effort_penalty_per_shipment * exp.customer_shipments
        + b.effort_penalty_per_travel_hour * exp.travel_hours
        + (b.effort_penalty_for_proof if exp.honest_asked_for_proof else 0.0)
    )
    return _clip(timeliness - effort)


def interactional(exp: Experience, b: Behaviour) -> float:
    """Communication and respect, not elapsed time: updates missed against the expected cadence
    (bounded), a decision without explanation, being suspected; a manager's call restores it."""
    if exp.heard_by_manager:
        return 1.0
    missed = min(exp.missed_updates, b.missed_updates_bound) / b.missed_updates_bound
    return _clip(
        1.0
        - b.missed_updates_penalty * missed
        - (0.0 if exp.explained else b.unexplained_penalty)
        - (b.distrust_penalty if exp.suspected else 0.0)
    )


def satisfaction(exp: Experience, b: Behaviour, judgement: float = 0.0) -> float:
    """S = w_d D + w_p P + w_i I plus the customer's own judgement, in [0, 1].

    Judges the handling only: the harm of a major failure itself reaches loyalty in
    loyalty_change (major_loyalty_shock), not through satisfaction.
    """
    return _clip(
        b.distributive_weight * distributive(exp)
        + b.procedural_weight * procedural(exp, b)
        + b.interactional_weight * interactional(exp, b)
        + judgement
    )


def loyalty_change(s: float, b: Behaviour, first_failure: bool, major: bool = False) -> float:
    """Value function around the no-failure satisfaction S0: losses weigh lambda times more, both
    curved by beta.

    A shortfall below S0 costs alpha * lambda * (S0 - S)^beta, times the major loss factor
    for a major failure. A major failure also costs major_loyalty_shock whatever its handling
    (stranded, data lost: the failure itself is a loss); called once per failure, claimed or
    not, so the shock is counted once. A gain above S0 reaches loyalty only after a first
    failure that is not major, scaled by the recovery paradox strength (Maxham & Netemeyer
    2002; Magnini et al. 2007).
    """
    gap = s - b.reference_satisfaction
    shock = b.major_loyalty_shock if major else 0.0
    if gap < 0.0:
        factor = b.major_loss_factor if major else 1.0
        return (
            -shock - b.loyalty_sensitivity * b.loss_aversion * factor * (-gap) ** b.loss_curvature
        )
    if first_failure and not major and gap > 0.0:
        return b.loyalty_sensitivity * b.recovery_paradox_strength * gap**b.loss_curvature
    return -shock


def people_told_mean(s: float, w: WordOfMouth, no_failure_satisfaction: float) -> float:
    """Asymmetric U (Anderson 1998) anchored at the no-failure level S0: a customer as satisfied as
    one without failure tells nobody beyond the baseline talk that Bass's imitation term already
    holds.
    """
    s0 = no_failure_satisfaction
    if s >= s0:
        return w.told_when_satisfied_mean * ((s - s0) / (1.0 - s0) if s0 < 1.0 else 0.0)
    return w.told_when_dissatisfied_mean * (s0 - s) / s0
