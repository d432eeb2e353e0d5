"""KeyedDraws.uniform_list, on Python integers, gives the very floats of the numpy path."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from recoverysim.rng import DrawAndNextRow, KeyedDraws, row_draw


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


@settings(max_examples=150, deadline=None, derandomize=True)
@given(
    st.integers(0, 2**31 - 1),
    st.integers(0, 20),
    st.lists(st.sampled_from(["int64", "int32", "scalar"]), min_size=1, max_size=4),
)
def test_few_draws_on_python_integers_are_the_numpy_draws(seed, count, kinds):
    """Up to 8 one-dimensional keys take the Python path; as a column of a 2-D call they take
    numpy's."""
    rng = np.random.default_rng(seed)
    draws = KeyedDraws(seed, 1, "complaints")
    keys = [
        int(rng.integers(0, 2**40))
        if kind == "scalar"
        else rng.integers(0, 2**31 - 1, count).astype(kind)
        for kind in kinds
    ]
    if all(kind == "scalar" for kind in kinds):
        keys.append(rng.integers(0, 100, count))
    few = draws.uniform(*keys)
    columns = [key[:, None] if isinstance(key, np.ndarray) else key for key in keys]
    numpy_path = draws.uniform(*columns)[:, 0]  # two-dimensional keys never take the Python path
    assert few.dtype == np.float64 and few.shape == (count,)
    assert np.array_equal(few, numpy_path)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(
    st.integers(0, 2**31 - 1),
    st.lists(st.tuples(st.integers(0, 2**40), st.integers(0, 1000)), min_size=0, max_size=10),
    st.integers(1, 5),
)
def test_uniform_rows_are_the_numpy_grid_bit_for_bit(seed, rows, count):
    """uniform_rows: each row's keys then a slot number, as the two-dimensional numpy call draws
    them."""
    draws = KeyedDraws(seed, 2, "customers.lifetimes")
    ids = np.array([row[0] for row in rows], dtype=np.int64)
    purchases = np.array([row[1] for row in rows], dtype=np.int32)
    expected = (
        draws.uniform(ids[:, None], purchases[:, None], np.arange(count)[None, :]).ravel().tolist()
    )
    assert draws.uniform_rows(rows, count) == expected


@settings(max_examples=150, deadline=None, derandomize=True)
@given(
    st.integers(0, 2**31 - 1),
    st.lists(st.integers(0, 2**62), min_size=0, max_size=4),
    st.integers(1, 70),
)
def test_a_row_drawn_when_read_is_the_uniform_list(seed, keys, count):
    """row_draw(row_word(keys), len(keys), i) is uniform_list(keys, count)[i], on both its paths."""
    draws = KeyedDraws(seed, 3, "listeners")
    word = draws.row_word(tuple(keys))
    row = [row_draw(word, len(keys), index) for index in range(count)]
    assert row == draws.uniform_list(tuple(keys), count)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(
    st.integers(0, 2**31 - 1),
    st.lists(st.tuples(st.integers(0, 2**40), st.integers(0, 1000)), min_size=0, max_size=40),
    st.integers(1, 5),
)
def test_a_draw_and_the_next_row_are_the_two_keyed_calls(seed, rows, width):
    """DrawAndNextRow: column 0 is first.uniform(key, count), the rest second.uniform(key,
    count + 1, slot), bit for bit."""
    first, second = KeyedDraws(seed, 2, "purchases"), KeyedDraws(seed, 2, "customers.lifetimes")
    keys = np.array([row[0] for row in rows], dtype=np.int64)
    counts = np.array([row[1] for row in rows], dtype=np.int32)
    draws = DrawAndNextRow(first, second, width).draw(keys, counts)
    assert draws.shape == (keys.size, 1 + width) and draws.dtype == np.float64
    assert np.array_equal(draws[:, 0], first.uniform(keys[:, None], counts[:, None])[:, 0])
    row = second.uniform(keys[:, None], counts[:, None] + 1, np.arange(width)[None, :])
    assert np.array_equal(draws[:, 1:], row)
