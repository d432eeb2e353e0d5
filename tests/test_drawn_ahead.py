"""New customers drawn ahead by block (Customers._drawn_ahead) are those the plain path draws."""

from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from recoverysim.model import customers as customers_module
from recoverysim.model.customers import Customers
from recoverysim.scenario.load import load_scenario

SCENARIO = load_scenario(Path(__file__).parent / "golden" / "small.yaml")


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    st.integers(0, 2**31 - 1),
    st.lists(st.integers(1, 40), min_size=1, max_size=12),
    st.sampled_from([8, 64, customers_module._AHEAD_IDS]),
)
def test_drawn_ahead_customers_are_the_plain_ones(seed, batches, block):
    capacity = sum(batches) + 10
    ahead = Customers(SCENARIO, capacity, seed, 2)
    plain = Customers(SCENARIO, capacity, seed, 2)
    original = customers_module._AHEAD_IDS
    customers_module._AHEAD_IDS = block
    try:
        for day, n in enumerate(batches):
            ids = ahead.add(n, float(day) + 0.25)
            # the plain path: who they are and their first product, drawn for these ids alone
            seg, opportunist = plain._who_they_are(ids)
            plain.segment[ids], plain.opportunist[ids] = seg, opportunist
            plain.loyalty[ids] = plain.segment_loyalty[seg]
            plain._new_product(ids, np.full(n, float(day) + 0.25))
            plain.count += n
    finally:
        customers_module._AHEAD_IDS = original
    assert np.array_equal(ahead.loyalty, plain.loyalty)
    # and both calendars hold the same entries: every day reads the same keys and slots
    for day in range(ahead.calendar.horizon_days):
        found, expected = (
            ahead.calendar.read(day, ahead.due_day),
            plain.calendar.read(day, plain.due_day),
        )
        assert all(np.array_equal(a, b) for a, b in zip(found, expected)), day
    assert np.array_equal(ahead.segment, plain.segment)
    assert np.array_equal(ahead.opportunist, plain.opportunist)
    assert np.array_equal(ahead.due_day, plain.due_day)  # failure and occasion days, bit for bit
    # opportunists' scruples, drawn ahead too, are the keyed draws of their ids
    opportunists = np.flatnonzero(ahead.opportunist)
    expected = plain._scruples.exponential(opportunists) * SCENARIO.fraud.scruple_scale_eur
    assert np.array_equal(ahead.scruple_eur[opportunists], expected)
    assert np.isinf(np.delete(ahead.scruple_eur, opportunists)).all()
