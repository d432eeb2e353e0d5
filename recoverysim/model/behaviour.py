"""How a customer judges a claim (three justice parts) and how that moves loyalty. Pure functions."""

from __future__ import annotations

import math
from dataclasses import dataclass

from recoverysim.scenario.schema import Behaviour, WordOfMouth


@dataclass(frozen=True)
class Experience:
    """What the customer went through, as far as satisfaction is concerned."""

    outcome: float  # distributive part before goodwill: 1 full remedy, 0 denial, paid_repair_outcome for a paid repair
    goodwill_share_of_price: float
    duration_days: float
    wait_hours: float
    contacts: int
    transfers: int
    drops: int
    customer_shipments: int
    travel_hours: float
    honest_asked_for_proof: bool
    longest_silence_days: float
    suspected: bool
    heard_by_manager: bool = False


def _clip(x: float) -> float:
    return 0.0 if x < 0.0 else 1.0 if x > 1.0 else x


def paid_repair_outcome(charge_eur: float, repair_cost_eur: float) -> float:
    """Outcome of a claim the customer thought covered, repaired for a charge: the share of the repair the firm bore.

    Measured against the repair, not the product's price: a 100 EUR charge on a
    5,000 EUR watch is still the warranty saying no (seed story 003); against the
    price it would count as a 98 % remedy.
    """
    if charge_eur <= 0.0:
        return 1.0
    if repair_cost_eur <= 0.0:
        return 0.0
    return max(0.0, 1.0 - charge_eur / repair_cost_eur)


def distributive(exp: Experience) -> float:
    """Outcome plus goodwill relative to price; may exceed 1 so that goodwill offsets a poor process."""
    return exp.outcome + exp.goodwill_share_of_price


def procedural(exp: Experience, b: Behaviour) -> float:
    """Time beyond expectation decays it; each unit of effort takes a fixed bite."""
    timeliness = math.exp(-max(0.0, exp.duration_days - b.expected_resolution_days) / b.resolution_tolerance_days)
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
    """Silence beyond expectation decays it; being suspected takes a bite; a manager's call restores it."""
    if exp.heard_by_manager:
        return 1.0
    informed = math.exp(-max(0.0, exp.longest_silence_days - b.expected_silence_days) / b.silence_tolerance_days)
    return _clip(informed - (b.distrust_penalty if exp.suspected else 0.0))


def satisfaction(exp: Experience, b: Behaviour, judgement: float = 0.0) -> float:
    """S = w_d D + w_p P + w_i I plus the customer's own judgement (noise), clipped to [0, 1]."""
    return _clip(
        b.distributive_weight * distributive(exp)
        + b.procedural_weight * procedural(exp, b)
        + b.interactional_weight * interactional(exp, b)
        + judgement
    )


def loyalty_change(s: float, b: Behaviour, first_failure: bool) -> float:
    """Prospect-theory step toward S around the reference S0: losses weigh loss_aversion times more.

    Gains above S0 reach loyalty only after a first failure, scaled by the
    recovery paradox strength (Maxham & Netemeyer 2002: no paradox after a second).
    """
    gap = s - b.reference_satisfaction
    if gap < 0.0:
        return b.loyalty_sensitivity * b.loss_aversion * gap
    return b.loyalty_sensitivity * b.recovery_paradox_strength * gap if first_failure else 0.0


def people_told_mean(s: float, w: WordOfMouth, no_failure_satisfaction: float) -> float:
    """Asymmetric U (Anderson 1998) anchored at the no-failure level S0: a customer as satisfied as one
    without failure tells nobody beyond the baseline talk that Bass's imitation term already holds.
    """
    s0 = no_failure_satisfaction
    if s >= s0:
        return w.told_when_satisfied_mean * ((s - s0) / (1.0 - s0) if s0 < 1.0 else 0.0)
    return w.told_when_dissatisfied_mean * (s0 - s) / s0
