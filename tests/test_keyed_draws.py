"""KeyedDraws.uniform_list, on Python integers, gives the very floats of the numpy path."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from recoverysim.rng import KeyedDraws


@settings(max_examples=150, deadline=None, derandomize=True)
@given(
    st.integers(0, 2**31 - 1),
    st.lists(st.integers(0, 2**62), min_size=0, max_size=4),
    st.integers(0, 40),
)
def test_uniform_list_is_the_numpy_uniform_bit_for_bit(seed, keys, count):
    draws = KeyedDraws(seed, 3, "listeners")
    expected = draws.uniform(*keys, np.arange(count)).tolist()
    assert draws.uniform_list(tuple(keys), count) == expected
