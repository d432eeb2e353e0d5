"""Fraud is a decision (issue 10): who is willing follows from beliefs and scruples, and being
caught costs.

Small worlds where every opportunist considers fraud often, so that beliefs move within a year.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from recoverysim.model.world import World
from recoverysim.scenario.schema import Scenario

WORLD = {
    "name": "fraud",
    "horizon_days": 365,
    "seed": 5,
    "replications": 1,
    "market": {
        "initial_customers": 3000,
        "prospects": 1000,
        "segments": [
            {
                "name": "everyone",
                "share": 1.0,
                "opportunist_share": 0.5,
                "fraud_attempts_per_year": 1.0,
                "public_post_probability": 1.0,
            }
        ],
    },
    "word_of_mouth": {"public_post_below_satisfaction": 0.9},
    "channels": {name: {"staff": "auto"} for name in ("chat", "phone", "email", "store")},
}
POLICIES = [
    {"name": "trusting", "evidence": "none", "remedy": "replace", "escalation_watch": True},
    {
        "name": "suspicious",
        "evidence": "photo_and_receipt",
        "return_for_inspection": True,
        "remedy": "replace",
        "escalation_watch": True,
        "escalation_recovery_probability": 1.0,
    },
    {"name": "trusting_refund", "evidence": "none", "remedy": "refund"},
    {"name": "trusting_repair", "evidence": "none", "remedy": "repair"},
]


@cache
def world(policy: str) -> World:
    from recoverysim.staffing import resolve_staffing

    scenario = resolve_staffing(Scenario.model_validate({**WORLD, "policies": POLICIES}))
    run = World(scenario, scenario.policy(policy), 0, keep_log=True)
    run.run()
    return run


def test_caught_fraudsters_neither_post_nor_talk_nor_are_rescued_and_lose_their_account():
    caught = [c for c in world("suspicious").all_claims() if c.is_fraud and c.decision == "denied"]
    assert len(caught) > 20
    for claim in caught:
        events = [event for _, event, _ in claim.log]
        assert (
            "public post" not in events
            and "told" not in events
            and "recovered by a manager" not in events
        )
        assert events[-1] == "account closed"
        assert not world("suspicious").customers.active[claim.customer_id]
    assert world("suspicious").fraud_accounts_closed == len({c.customer_id for c in caught})


def test_honest_denied_customers_still_post_and_are_rescued():
    """The same world's honest customers who were denied post (satisfaction below 0.9) and a manager
    remedies them."""
    honest = [c for c in world("suspicious").all_claims() if not c.is_fraud and c.escalated]
    assert any("recovered by a manager" in [event for _, event, _ in c.log] for c in honest)


def test_the_willing_pool_grows_under_trust_and_shrinks_under_suspicion():
    """Tips of approvals raise the gain opportunists expect; tips of denials raise the chance of
    being caught."""
    first, last = slice(0, 30), slice(-30, None)
    trusting = world("trusting").daily["fraud_willing_share"]
    suspicious = world("suspicious").daily["fraud_willing_share"]
    assert trusting[last].mean() > trusting[first].mean()
    assert suspicious[last].mean() < 0.5 * suspicious[first].mean()
    assert world("suspicious").fraud_beliefs.caught(0) > world("trusting").fraud_beliefs.caught(0)


def test_a_remedy_worth_more_to_the_cheater_draws_more_cheaters():
    """Refund (the price back) against repair (a unit that was not broken, repaired): opportunists
    learn the value."""
    refund, repair = world("trusting_refund"), world("trusting_repair")
    assert refund.fraud_beliefs.expected_gain_eur(0) > 2 * repair.fraud_beliefs.expected_gain_eur(0)
    assert (
        refund.daily["fraud_willing_share"][-30:].mean()
        > repair.daily["fraud_willing_share"][-30:].mean()
    )


def test_scruples_are_the_same_people_under_every_policy():
    """Common random numbers: a customer's scruple is keyed by the customer, not by the order of
    draws."""
    a, b = world("trusting").customers, world("suspicious").customers
    n = min(a.count, b.count, 3000)
    assert np.array_equal(a.scruple_eur[:n], b.scruple_eur[:n])
    share = a.opportunist[:n].mean()
    assert 0.45 < share < 0.55 and np.isinf(a.scruple_eur[:n][~a.opportunist[:n]]).all()
