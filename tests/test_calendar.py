"""The day calendar finds exactly what a full daily scan of the times would find, in the same order."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from recoverysim.model.calendar import DayCalendar

HORIZON = 20


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.integers(0, 2**32 - 1))
def test_calendar_reads_what_a_scan_finds(seed):
    rng = np.random.default_rng(seed)
    times = np.full((30, 2), np.inf)
    calendar = DayCalendar(HORIZON)

    def set_times(keys, slots, values):
        times[keys, slots] = values
        calendar.file(keys, slots, values)

    keys = np.repeat(np.arange(30), 2)
    slots = np.tile(np.arange(2), 30)
    set_times(keys, slots, rng.uniform(0, HORIZON * 1.5, keys.size))
    for day in range(HORIZON):
        # Changes made before the day is read: some times move, some become never.
        moved = rng.integers(0, 30, 3)
        set_times(moved, np.zeros(3, dtype=int), day + rng.uniform(0, 3, 3))
        times[rng.integers(0, 30), 1] = np.inf
        expected = np.nonzero(times < day + 1)
        found = calendar.read(day, times)
        assert np.array_equal(found[0], expected[0]) and np.array_equal(found[1], expected[1])
        # What was read is renewed after the read, sometimes within the same day, as failures are.
        set_times(found[0], found[1], day + rng.uniform(0, 2, found[0].size))
