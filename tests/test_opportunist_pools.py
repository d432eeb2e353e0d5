"""The opportunists' pools sorted by scruple grow exactly as np.insert would grow them."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from recoverysim.model.customers import _insert_sorted


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
