"""Shortcuts of the daily step that rest on an equivalence, checked against the long way exactly."""

import math
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from recoverysim.model.customers import Customers
from recoverysim.model.fraud import FraudBeliefs
from recoverysim.model.ledger import Ledger
from recoverysim.scenario.load import load_scenario

SCENARIO = load_scenario(Path(__file__).parent / "golden" / "small.yaml")


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.integers(0, 2**63 - 1), st.integers(1, 2**40), st.integers(1, 6))
def test_choice_with_replacement_is_integers(seed, pool_size, size):
    """_fraud_attempts picks by integers(0, n, size): rng.choice's own draws, pick for pick."""
    chosen = np.random.default_rng(seed)
    picked = np.random.default_rng(seed)
    pool = np.arange(min(pool_size, 4096)) * 7
    assert np.array_equal(
        chosen.choice(pool, size=size), pool[picked.integers(0, pool.size, size=size)]
    )
    assert np.array_equal(chosen.choice(pool_size, size=size), picked.integers(0, pool_size, size))
    assert chosen.random() == picked.random()  # and the stream goes on the same


@settings(max_examples=30, deadline=None, derandomize=True)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["approved", "denied", "open"]),
            st.floats(0, 2000, allow_nan=False),
            st.booleans(),
        ),
        max_size=12,
    )
)
def test_kept_fraud_threshold_is_the_fresh_one(tips):
    """threshold_eur kept until the next tip equals the one worked out afresh after every tip."""
    price = Customers(SCENARIO, 1, 0, 0).segment_price
    kept, fresh = FraudBeliefs(SCENARIO, price), FraudBeliefs(SCENARIO, price)
    segments = range(len(SCENARIO.market.segments))
    for decision, value, ask_between in tips:
        if ask_between:
            assert [kept.threshold_eur(s) for s in segments] == [
                FraudBeliefs.threshold_eur(_unkept(fresh), s) for s in segments
            ]
        kept.tip(0, decision, value)
        fresh.tip(0, decision, value)
    assert [kept.threshold_eur(s) for s in segments] == [
        FraudBeliefs.threshold_eur(_unkept(fresh), s) for s in segments
    ]


def _unkept(beliefs: FraudBeliefs) -> FraudBeliefs:
    """The beliefs with nothing kept: threshold_eur works it out again."""
    beliefs._thresholds.clear()
    return beliefs


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([0.0, -0.0, 1.5, 250.0, 1e-9]), st.floats(0, 3000, allow_nan=False)
        ),
        max_size=30,
    )
)
def test_pay_of_nothing_is_not_booked(payments):
    """_pay_staff books no zero amount: the ledger is the one that booked them, bit for bit."""
    booked, skipped = Ledger(0.03), Ledger(0.03)
    for eur, day in payments:
        booked.spend("staff", eur, day)
        if eur:
            skipped.spend("staff", eur, day)
    assert booked.costs == skipped.costs
    assert [booked.cost_total, booked.net_day0_eur] == [skipped.cost_total, skipped.net_day0_eur]
    assert [math.copysign(1, x) for x in (booked.cost_total, booked.net_day0_eur)] == [
        math.copysign(1, x) for x in (skipped.cost_total, skipped.net_day0_eur)
    ]
