"""The opportunists' pools sorted by scruple grow exactly as np.insert would grow them."""

from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from recoverysim.model.customers import Customers
from recoverysim.model.opportunist_pools import _insert_sorted
from recoverysim.scenario.load import load_scenario

SCENARIO = load_scenario(Path(__file__).parent / "golden" / "small.yaml")


@settings(max_examples=120, deadline=None, derandomize=True)
@given(st.integers(0, 2**31 - 1), st.integers(0, 300), st.integers(1, 150))
def test_insert_sorted_is_np_insert(seed, old_size, new_size):
    rng = np.random.default_rng(seed)
    values = np.sort(rng.integers(0, 20, old_size).astype(float))  # ties, so equal scruples meet
    ids = rng.integers(0, 10**6, old_size)
    new_values = np.sort(rng.integers(0, 20, new_size).astype(float))
    new_ids = rng.integers(0, 10**6, new_size)
    at = values.searchsorted(new_values, side="right")
    merged_ids, merged_values = _insert_sorted(ids, values, at, new_ids, new_values)
    expected_ids, expected_values = np.insert(ids, at, new_ids), np.insert(values, at, new_values)
    assert np.array_equal(merged_ids, expected_ids) and merged_ids.dtype == expected_ids.dtype
    assert (
        np.array_equal(merged_values, expected_values)
        and merged_values.dtype == expected_values.dtype
    )


@settings(max_examples=120, deadline=None, derandomize=True)
@given(st.integers(0, 2**31 - 1), st.integers(1, 300), st.integers(0, 150), st.integers(1, 20))
def test_insert_sorted_with_drops_is_np_delete_of_np_insert(seed, old_size, new_size, drops):
    rng = np.random.default_rng(seed)
    values = np.sort(rng.integers(0, 20, old_size).astype(float))
    ids = rng.integers(0, 10**6, old_size)
    new_values = np.sort(rng.integers(0, 20, new_size).astype(float))
    new_ids = rng.integers(0, 10**6, new_size)
    at = values.searchsorted(new_values, side="right")
    drop = sorted(set(rng.integers(0, old_size, drops).tolist()))
    merged_ids, merged_values = _insert_sorted(ids, values, at, new_ids, new_values, drop)
    inserted = np.insert(np.arange(old_size), at, -1)  # where each old item lands
    landed = np.flatnonzero(np.isin(inserted, drop))
    expected_ids = np.delete(np.insert(ids, at, new_ids), landed)
    expected_values = np.delete(np.insert(values, at, new_values), landed)
    assert np.array_equal(merged_ids, expected_ids) and merged_ids.dtype == expected_ids.dtype
    assert np.array_equal(merged_values, expected_values)
    assert merged_values.dtype == expected_values.dtype


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    st.integers(0, 2**31 - 1),
    st.lists(
        st.tuples(st.integers(1, 12), st.integers(0, 4), st.floats(0.0, 3.0)),
        min_size=1,
        max_size=40,
    ),
)
def test_willing_counted_unfiled_is_the_filed_pool(seed, days):
    """willing_count, with opportunists added and lost since the last filing counted apart, is the
    size of the pool filing every day gives, and the pool filed late is that pool."""
    lazy = Customers(SCENARIO, 1000, seed, 1)
    daily = Customers(SCENARIO, 1000, seed, 1)
    for people in (lazy, daily):
        people.segment_opportunists[:] = 0.5  # many opportunists, so that pools move every day
    rng = np.random.default_rng(seed)
    segments = len(SCENARIO.market.segments)
    for day, (added, lost, threshold) in enumerate(days):
        for people in (lazy, daily):
            people.add(added, float(day))
        if lost and lazy.count:
            # some lost twice (a refund brings a lost customer's occasion back)
            ids = np.unique(rng.integers(0, lazy.count, lost))
            lazy.lose(ids)
            daily.lose(ids)
        for segment in range(segments):
            pool = daily.opportunists.willing(segment, threshold)
            assert lazy.opportunists.willing_count(segment, threshold) == pool.size
            if rng.random() < 0.2:  # a fraud attempt files the lazy pools
                assert np.array_equal(lazy.opportunists.willing(segment, threshold), pool)
    for segment in range(segments):
        assert np.array_equal(
            lazy.opportunists.willing(segment, 2.0), daily.opportunists.willing(segment, 2.0)
        )
