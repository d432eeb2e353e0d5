"""A day calendar of scheduled times, so the daily step touches only what falls due instead of every customer."""

from __future__ import annotations

import numpy as np


class DayCalendar:
    """Keys (customer, slot) filed under the day their time falls in; stale entries are dropped when the day comes.

    A time set after day d's step has looked is filed under day d + 1, exactly
    as a full scan of the times at each day's step would find it.
    """

    def __init__(self, horizon_days: int):
        self.horizon_days = horizon_days
        self.first_unread_day = 0
        self._days: list[list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = [[] for _ in range(horizon_days)]

    def file(self, keys: np.ndarray, slots: np.ndarray, times: np.ndarray) -> None:
        """Remember that key `keys[i]`, slot `slots[i]` is due at `times[i]` (infinite times are never due)."""
        with np.errstate(invalid="ignore"):
            day = np.maximum(np.floor(np.minimum(times, self.horizon_days)), self.first_unread_day)
        inside = day < self.horizon_days
        if not inside.all():
            keys, slots, times, day = keys[inside], slots[inside], times[inside], day[inside]
        if not keys.size:
            return
        day = day.astype(np.int64)
        if keys.size == 1:
            self._days[int(day[0])].append((keys, slots, times))
            return
        order = np.argsort(day, kind="stable")
        day, keys, slots, times = day[order], keys[order], slots[order], times[order]
        # np.r_ would be clearer but costs ~15 us a call on this hot path
        bounds = [0, *(np.flatnonzero(day[1:] != day[:-1]) + 1).tolist(), day.size]
        days = day.tolist()
        for start, end in zip(bounds[:-1], bounds[1:]):
            self._days[days[start]].append((keys[start:end], slots[start:end], times[start:end]))

    def read(self, day: int, current: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Keys and slots due on `day` whose time is still the one filed (`current[key, slot]`), sorted by key then slot."""
        entries = self._days[day]
        self._days[day] = []
        self.first_unread_day = day + 1
        if not entries:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        keys = np.concatenate([e[0] for e in entries])
        slots = np.concatenate([e[1] for e in entries])
        times = np.concatenate([e[2] for e in entries])
        valid = current[keys, slots] == times
        keys, slots = keys[valid], slots[valid]
        order = np.lexsort((slots, keys))
        keys, slots = keys[order], slots[order]
        if keys.size > 1:  # a key filed twice with the same time appears once
            fresh = np.ones(keys.size, dtype=bool)
            fresh[1:] = (keys[1:] != keys[:-1]) | (slots[1:] != slots[:-1])
            keys, slots = keys[fresh], slots[fresh]
        return keys, slots
