"""The day calendar finds exactly what a full daily scan of the times would find, in the same
order."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from recoverysim.model import calendar as calendar_module
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


class PlainDayCalendar:
    """The calendar before buckets (one list of chunks per day): the reference the bucketed one must
    match."""

    def __init__(self, horizon_days: int):
        self.horizon_days = horizon_days
        self.first_unread_day = 0
        self._days = [[] for _ in range(horizon_days)]

    def file(self, keys, slots, times):
        day = np.maximum(np.floor(np.minimum(times, self.horizon_days)), self.first_unread_day)
        inside = day < self.horizon_days
        for key, slot, time, when in zip(
            keys[inside], slots[inside], times[inside], day[inside].astype(np.int64)
        ):
            self._days[when].append((key, slot, time))

    def read(self, day, current):
        entries = sorted({(int(k), int(s)) for k, s, t in self._days[day] if current[k, s] == t})
        self._days[day] = []
        self.first_unread_day = day + 1
        return np.array([e[0] for e in entries], dtype=np.int64), np.array(
            [e[1] for e in entries], dtype=np.int64
        )


@settings(max_examples=80, deadline=None, derandomize=True)
@given(
    st.integers(0, 2**32 - 1),
    st.sampled_from([1, 2, 3, 7, 128]),
    st.integers(1, 60),
    st.sampled_from([0, calendar_module._FEW_PLACED]),
)
def test_bucketed_calendar_reads_what_the_plain_one_reads(seed, bucket_days, horizon, few_placed):
    """Files of one key, of many keys across buckets, into the open bucket and past the horizon,
    with stale times; placed on Python lists (a quiet day) or with numpy (few_placed 0)."""
    original = calendar_module._FEW_PLACED
    calendar_module._FEW_PLACED = few_placed
    try:
        _bucketed_against_plain(seed, bucket_days, horizon)
    finally:
        calendar_module._FEW_PLACED = original


def _bucketed_against_plain(seed, bucket_days, horizon):
    rng = np.random.default_rng(seed)
    keys_n, slots_n = 12, 3
    times = np.full((keys_n, slots_n), np.inf)
    bucketed, plain = DayCalendar(horizon, bucket_days=bucket_days), PlainDayCalendar(horizon)

    def set_times(keys, slots, values):
        times[keys, slots] = values
        bucketed.file(keys, slots, values)
        plain.file(keys, slots, values)

    every = np.arange(keys_n * slots_n)
    set_times(every // slots_n, every % slots_n, rng.uniform(0, horizon * 1.3, every.size))
    for day in range(horizon):
        for _ in range(rng.integers(0, 4)):
            n = int(rng.integers(1, 6))
            ahead = rng.choice([0.5, 3.0, horizon * 1.5])
            set_times(
                rng.integers(0, keys_n, n),
                rng.integers(0, slots_n, n),
                day + rng.uniform(-1, ahead, n),
            )
        if rng.random() < 0.3:  # the same time filed twice
            key, slot = int(rng.integers(0, keys_n)), int(rng.integers(0, slots_n))
            set_times(
                np.array([key, key]), np.array([slot, slot]), np.full(2, day + rng.uniform(0, 2))
            )
        times[rng.integers(0, keys_n), rng.integers(0, slots_n)] = np.inf
        found, expected = bucketed.read(day, times), plain.read(day, times)
        assert all(np.array_equal(a, b) and a.dtype == b.dtype for a, b in zip(found, expected))
        # Most of what was read is renewed; the rest keeps its time, and must not be read again.
        renewed = rng.random(found[0].size) < 0.8
        keys, slots = found[0][renewed], found[1][renewed]
        set_times(keys, slots, day + rng.uniform(0, 2, keys.size))
