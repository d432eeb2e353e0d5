"""A day calendar of scheduled times, so the daily step touches only what falls due instead of every
customer."""

from __future__ import annotations

import itertools
import math

import numpy as np

#: Days per bucket: entries wait by bucket and are sorted into days once, when the bucket's first
#: day is read.
BUCKET_DAYS = 128
#: Up to this many entries due on a day, read sorts them on Python lists (faster below ~20: numpy
#: costs ~1 us a call).
_FEW_ENTRIES = 16
#: Up to this many entries filed since the last read, _place works on Python lists: ~15 us + 0.7 us
#: an entry against ~70-100 us for the numpy path (a 10k-customer day files ~25, a 100k one ~220 and
#: keeps numpy).
_FEW_PLACED = 96

_NO_KEYS = np.empty(0, dtype=np.int64)
_NO_KEYS.flags.writeable = False
_NO_TIMES = np.empty(0)
_NO_TIMES.flags.writeable = False


class DayCalendar:
    """Keys (customer, slot) filed under the day their time falls in; stale entries are dropped when
    the day comes.

    A time set after day d's step has looked is filed under day d + 1, exactly
    as a full scan of the times at each day's step would find it.

    Filing only appends; the entries filed since the last read are placed at the
    next read, in one batch (the daily step files several small batches a day).
    Days are grouped in buckets of `bucket_days`: entries of a bucket not yet
    open wait unsorted, and the first read of a bucket sorts them by day once;
    entries that fall in the open bucket join a small pool that each read
    filters. What a day reads is the same set of entries as a list per day would
    hold, and `read` sorts it, so neither batching nor buckets change a result.
    """

    def __init__(self, horizon_days: int, bucket_days: int = BUCKET_DAYS):
        self.horizon_days = horizon_days
        self.first_unread_day = 0
        self._bucket_days = bucket_days
        self._filed: list[
            tuple[np.ndarray, np.ndarray, np.ndarray]
        ] = []  # since the last read, not yet placed
        # Chunks (keys, slots, times, days) waiting in buckets not yet opened.
        self._waiting: list[list[tuple[np.ndarray, ...]]] = [
            [] for _ in range(-(-horizon_days // bucket_days))
        ]
        # The open bucket's entries sorted by day, and where each of its days starts.
        self._open_bucket = -1
        self._sorted: tuple[np.ndarray, np.ndarray, np.ndarray] = (_NO_KEYS, _NO_KEYS, _NO_TIMES)
        self._starts: list[int] = [0] * (bucket_days + 1)
        # Entries (keys, slots, times, days) placed in the open bucket after it was opened, not yet
        # read.
        self._pool: tuple[np.ndarray, ...] = (_NO_KEYS, _NO_KEYS, _NO_TIMES, _NO_KEYS)

    def file(self, keys: np.ndarray, slots: np.ndarray, times: np.ndarray) -> None:
        """Remember that key `keys[i]`, slot `slots[i]` is due at `times[i]` (infinite times are
        never due)."""
        self._filed.append((keys, slots, times))

    def _place(self) -> None:
        """Put the entries filed since the last read under their buckets, or in the open bucket's
        pool."""
        filed = self._filed
        self._filed = []
        if sum(chunk[0].size for chunk in filed) <= _FEW_PLACED:
            self._place_few(filed)
            return
        if len(filed) == 1:
            keys, slots, times = filed[0]
        else:
            keys, slots, times = (np.concatenate([chunk[i] for chunk in filed]) for i in range(3))
        # min, floor and max raise no floating-point warning, even for infinite times
        day = np.maximum(np.floor(np.minimum(times, self.horizon_days)), self.first_unread_day)
        inside = day < self.horizon_days
        if not inside.all():
            keys, slots, times, day = keys[inside], slots[inside], times[inside], day[inside]
        if not keys.size:
            return
        day = day.astype(np.int64)
        bucket = day // self._bucket_days
        low, high = int(bucket.min()), int(bucket.max())
        if low == high and low > self._open_bucket:  # often: one bucket, nothing due soon
            self._waiting[low].append((keys, slots, times, day))
            return
        order = np.argsort(bucket, kind="stable")
        bucket, columns = bucket[order], (keys[order], slots[order], times[order], day[order])
        # np.r_ would be clearer but costs ~15 us a call on this hot path
        bounds = [0, *(np.flatnonzero(bucket[1:] != bucket[:-1]) + 1).tolist(), bucket.size]
        buckets = bucket.tolist()
        for start, end in itertools.pairwise(bounds):
            chunk = tuple(column[start:end] for column in columns)
            if buckets[start] <= self._open_bucket:
                self._pool = tuple(np.concatenate(pair) for pair in zip(self._pool, chunk))
            else:
                self._waiting[buckets[start]].append(chunk)

    def _place_few(self, filed: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> None:
        """_place on Python lists, for the few entries of a quiet day: the same entries in the same
        places.

        A waiting chunk may be lists (np.concatenate in _open makes them int64 and float64 arrays,
        as filed).
        """
        horizon, first = self.horizon_days, self.first_unread_day
        by_bucket: dict[int, tuple[list, list, list, list]] = {}
        for keys, slots, times in filed:
            for key, slot, time in zip(keys.tolist(), slots.tolist(), times.tolist()):
                if not time < horizon:  # never due inside the horizon (infinite, or not a number)
                    continue
                day = max(math.floor(time), first)
                columns = by_bucket.get(day // self._bucket_days)
                if columns is None:
                    columns = by_bucket[day // self._bucket_days] = ([], [], [], [])
                columns[0].append(key)
                columns[1].append(slot)
                columns[2].append(time)
                columns[3].append(day)
        for bucket, columns in by_bucket.items():
            if bucket <= self._open_bucket:
                chunk = (
                    np.array(columns[0], dtype=np.int64),
                    np.array(columns[1], dtype=np.int64),
                    np.array(columns[2], dtype=np.float64),
                    np.array(columns[3], dtype=np.int64),
                )
                self._pool = tuple(np.concatenate(pair) for pair in zip(self._pool, chunk))
            else:
                self._waiting[bucket].append(columns)

    def _open(self, bucket: int) -> None:
        """Sort a bucket's waiting entries by day, once, and note where each of its days starts."""
        chunks = self._waiting[bucket]
        self._waiting[bucket] = []
        self._open_bucket = bucket
        if not chunks:
            self._sorted = (_NO_KEYS, _NO_KEYS, _NO_TIMES)
            self._starts = [0] * (self._bucket_days + 1)
            return
        day = np.concatenate([chunk[3] for chunk in chunks])
        order = np.argsort(day, kind="stable")
        self._sorted = tuple(
            np.concatenate([chunk[i] for chunk in chunks])[order] for i in range(3)
        )
        first = bucket * self._bucket_days
        self._starts = (
            day[order].searchsorted(np.arange(first, first + self._bucket_days + 1)).tolist()
        )

    def read(self, day: int, current: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Keys and slots due on `day` whose time is still the one filed (`current[key, slot]`),
        sorted by key then slot."""
        if self._filed:
            self._place()
        bucket = day // self._bucket_days
        while self._open_bucket < bucket:
            self._open(self._open_bucket + 1)
        self.first_unread_day = day + 1
        parts = []
        into = day - bucket * self._bucket_days
        start, end = self._starts[into], self._starts[into + 1]
        if start < end:
            parts.append(tuple(column[start:end] for column in self._sorted))
        pool = self._pool
        if pool[3].size:
            due = pool[3] == day
            if due.any():
                parts.append((pool[0][due], pool[1][due], pool[2][due]))
                later = ~due
                self._pool = tuple(column[later] for column in pool)
        if not parts:
            return _NO_KEYS, _NO_KEYS
        if len(parts) == 1:
            keys, slots, times = parts[0]
        else:
            keys, slots, times = (np.concatenate([part[i] for part in parts]) for i in range(3))
        valid = current[keys, slots] == times
        if keys.size <= _FEW_ENTRIES:  # the same sorted, distinct pairs on Python lists
            pairs = sorted(
                {pair for pair, ok in zip(zip(keys.tolist(), slots.tolist()), valid.tolist()) if ok}
            )
            return (
                np.array([pair[0] for pair in pairs], dtype=keys.dtype),
                np.array([pair[1] for pair in pairs], dtype=slots.dtype),
            )
        keys, slots = keys[valid], slots[valid]
        order = np.lexsort((slots, keys))
        keys, slots = keys[order], slots[order]
        if keys.size > 1:  # a key filed twice with the same time appears once
            fresh = np.ones(keys.size, dtype=bool)
            fresh[1:] = (keys[1:] != keys[:-1]) | (slots[1:] != slots[:-1])
            keys, slots = keys[fresh], slots[fresh]
        return keys, slots
