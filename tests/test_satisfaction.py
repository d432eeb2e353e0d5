"""The satisfaction and loyalty functions (model/behaviour.py): each aspect of a claim counted once,
in the directions the literature gives (issue 10)."""

from __future__ import annotations

import dataclasses

import pytest

from recoverysim.model.behaviour import (
    Experience,
    expected_resolution_days,
    interactional,
    loyalty_change,
    patience,
    procedural,
    satisfaction,
)
from recoverysim.scenario.schema import Behaviour

B = Behaviour()
REPAIR_IN_14_DAYS = Experience(
    outcome=1.0,
    goodwill_share_of_price=0.0,
    duration_days=14.0,
    wait_hours=0.0,
    contacts=1,
    transfers=0,
    drops=0,
    customer_shipments=1,
    travel_hours=0.0,
    honest_asked_for_proof=False,
    missed_updates=3,
    suspected=False,
)
DENIED_AT_ONCE = dataclasses.replace(
    REPAIR_IN_14_DAYS, outcome=0.0, duration_days=0.1, customer_shipments=0, missed_updates=0
)


def test_weights_follow_orsingher_et_al_distributive_clearly_first():
    assert B.distributive_weight > B.interactional_weight + B.procedural_weight
    assert B.interactional_weight > B.procedural_weight


def test_a_free_repair_in_two_weeks_beats_an_honest_denial_at_once_by_far():
    """Version 0.1 gave 0.55 against 0.48: delay counted twice weighed as much as the outcome."""
    assert satisfaction(REPAIR_IN_14_DAYS, B) - satisfaction(DENIED_AT_ONCE, B) > 0.3


@pytest.mark.parametrize("days", [14.0, 30.0, 90.0])
def test_elapsed_time_reaches_interactional_justice_only_through_missed_updates(days):
    longer = dataclasses.replace(
        REPAIR_IN_14_DAYS, duration_days=days, missed_updates=int(days // 4)
    )
    assert interactional(longer, B) == interactional(REPAIR_IN_14_DAYS, B)
    assert procedural(longer, B) <= procedural(REPAIR_IN_14_DAYS, B)


def test_a_decision_without_explanation_and_suspicion_each_cost_interactional_justice():
    plain = interactional(DENIED_AT_ONCE, B)
    assert interactional(dataclasses.replace(DENIED_AT_ONCE, explained=False), B) == pytest.approx(
        plain - B.unexplained_penalty
    )
    assert interactional(dataclasses.replace(DENIED_AT_ONCE, suspected=True), B) == pytest.approx(
        plain - B.distrust_penalty
    )
    assert (
        interactional(dataclasses.replace(DENIED_AT_ONCE, suspected=True, heard_by_manager=True), B)
        == 1.0
    )


def test_a_major_failure_costs_a_loyalty_shock_whatever_its_handling_and_weighs_more_below_s0():
    """Satisfaction judges the handling only; the major failure itself costs major_loyalty_shock,
    once."""
    major = dataclasses.replace(REPAIR_IN_14_DAYS, major=True)
    assert satisfaction(major, B) == satisfaction(REPAIR_IN_14_DAYS, B)
    assert B.major_loyalty_shock > 0.0 and B.major_loss_factor > 1.0
    assert loyalty_change(0.5, B, True, major=True) == pytest.approx(
        -B.major_loyalty_shock + B.major_loss_factor * loyalty_change(0.5, B, True)
    )
    for s in (
        B.reference_satisfaction,
        1.0,
    ):  # handled perfectly: the failure itself is still a loss
        assert loyalty_change(s, B, True, major=True) == pytest.approx(-B.major_loyalty_shock)


def test_losses_weigh_more_than_gains_and_gains_need_a_first_minor_failure():
    step = 0.05
    gain = loyalty_change(B.reference_satisfaction + step, B, first_failure=True)
    loss = loyalty_change(B.reference_satisfaction - step, B, first_failure=True)
    assert 0.0 < gain < -loss
    assert -loss / gain == pytest.approx(B.loss_aversion / B.recovery_paradox_strength)
    assert loyalty_change(B.reference_satisfaction + step, B, first_failure=False) == 0.0
    assert (
        loyalty_change(B.reference_satisfaction + step, B, first_failure=True, major=True)
        == -B.major_loyalty_shock
    )


def test_trust_buys_patience_a_little():
    """Tax, Brown & Chandrashekaran (1998): good prior experience buffers a bad complaint only a
    little."""
    trusting = dataclasses.replace(REPAIR_IN_14_DAYS, patience=patience(B, 1.0))
    wary = dataclasses.replace(REPAIR_IN_14_DAYS, patience=patience(B, 0.0))
    assert 0.0 < satisfaction(trusting, B) - satisfaction(wary, B) < 0.05


def test_owners_of_dearer_products_expect_their_claims_settled_sooner():
    assert (
        expected_resolution_days(B, 4.0)
        < expected_resolution_days(B, 1.0)
        == B.expected_resolution_days
    )
    dear = dataclasses.replace(REPAIR_IN_14_DAYS, expected_days=expected_resolution_days(B, 4.0))
    assert satisfaction(dear, B) < satisfaction(REPAIR_IN_14_DAYS, B)
