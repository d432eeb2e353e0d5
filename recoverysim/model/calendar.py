"""A day calendar of scheduled times, so the daily step touches only what falls due instead of every
customer."""

from __future__ import annotations

import math

import numpy as np

#: Days per bucket: entries wait by bucket and are sorted into days once, when the bucket's first
#: day is read.
BUCKET_DAYS = 128
#: Up to this many entries due on a day, read sorts them on Python lists (faster below ~20: numpy
#: costs ~1 us a call).
_FEW_ENTRIES = 16
#: Up to this many entries filed since the last read, _place works on Python lists (~15 us + 0.7 us
#: an entry); above, numpy parts them in ~10 calls (a 10k-customer day files ~20, a 50k one ~110).
#: 32 to 96 read the same within noise at 10k; 32 reads a 50k run's calendar 15 % faster than 96.
_FEW_PLACED = 32

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
    entries that fall in the open bucket after it opened are kept by day, on
    Python lists (few: those due within weeks). A day's read only parts the
    entries it places into those for the open bucket and the others, set aside;
    the next bucket's opening puts those under their buckets in one go (a few
    numpy calls a day instead of ~30). What
    a day reads is the same set of entries as a list per day would hold, and
    `read` sorts it, so neither batching nor buckets change a result.

    Inside, a (key, slot) pair is one cell number, key * slots + slot, its flat
    index in the times array `read` is given (slots = its number of columns): one
    column to concatenate, sort and filter instead of two, in the same order. A
    waiting entry keeps no day: its bucket's first read computes it again.
    """

    def __init__(self, horizon_days: int, bucket_days: int = BUCKET_DAYS):
        self.horizon_days = horizon_days
        self.first_unread_day = 0
        self._bucket_days = bucket_days
        self._filed: list[
            tuple[np.ndarray, np.ndarray, np.ndarray]
        ] = []  # since the last read, not yet placed
        # Chunks (cells, times) waiting in buckets not yet opened.
        buckets = -(-horizon_days // bucket_days)
        self._waiting: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in range(buckets)]
        # The open bucket's entries (cells, times) sorted by day, and where each of its days starts.
        self._open_bucket = -1
        self._sorted: tuple[np.ndarray, np.ndarray] = (_NO_KEYS, _NO_TIMES)
        self._starts: list[int] = [0] * (bucket_days + 1)
        # Entries (cells, times, days) placed in the open bucket after it was opened, not yet read.
        # Entries (cells, times) placed in the open bucket after it was opened, by day: a day's few
        # on Python lists, instead of a pool that each read filters.
        self._soon: dict[int, tuple[list[int], list[float]]] = {}
        # Chunks (cells, times) due after the open bucket, not yet put under their buckets.
        self._unsorted: list[tuple[np.ndarray, np.ndarray]] = []

    def file(self, keys: np.ndarray, slots: np.ndarray, times: np.ndarray) -> None:
        """Remember that key `keys[i]`, slot `slots[i]` is due at `times[i]` (infinite times are
        never due)."""
        self._filed.append((keys, slots, times))

    def _place(self, slots_per_key: int) -> None:
        """Put the entries filed since the last read under their day when they fall in the open
        bucket, the others aside, unsorted, until the next bucket opens (_distribute)."""
        filed = self._filed
        self._filed = []
        if sum(chunk[0].size for chunk in filed) <= _FEW_PLACED:
            self._place_few(filed, slots_per_key)
            return
        if len(filed) == 1:
            keys, slots, times = filed[0]
        else:
            keys, slots, times = (np.concatenate([chunk[i] for chunk in filed]) for i in range(3))
        cells = keys * slots_per_key + slots
        first = self.first_unread_day
        # Before the open bucket's end (and the horizon), a time falls on a day of the open bucket;
        # at or after it, on a later bucket's day: the entry's day is max(floor(time), first), and
        # first is at most the open bucket's end.
        near_end = min((self._open_bucket + 1) * self._bucket_days, self.horizon_days)
        if first < near_end:
            near = times < near_end
            if near.any():
                near_times = times[near]
                day = np.maximum(np.floor(near_times), first).astype(np.int64)
                self._place_soon(cells[near].tolist(), near_times.tolist(), day.tolist())
                far = ~near
                cells, times = cells[far], times[far]
        if cells.size:
            self._unsorted.append((cells, times))

    def _distribute(self, bucket: int) -> None:
        """Put the entries set aside unsorted under their buckets, when `bucket` (the next) opens.

        Each was filed when the first unread day was before the open bucket's end with a time at or
        after it, or when it was that end (the start of `bucket`): its day, max(floor(time), first
        unread day then), is max(floor(time), start of `bucket`).
        """
        chunks = self._unsorted
        self._unsorted = []
        cells = np.concatenate([chunk[0] for chunk in chunks])
        times = np.concatenate([chunk[1] for chunk in chunks])
        inside = times < self.horizon_days
        if not inside.all():
            cells, times = cells[inside], times[inside]
        if not cells.size:
            return
        day = np.maximum(np.floor(times), bucket * self._bucket_days).astype(np.int64)
        buckets = day // self._bucket_days
        order = np.argsort(buckets, kind="stable")
        buckets, cells, times = buckets[order], cells[order], times[order]
        low, high = bucket, int(buckets[-1])
        bounds = buckets.searchsorted(np.arange(low, high + 2)).tolist()
        for index in range(high - low + 1):
            start, end = bounds[index], bounds[index + 1]
            if start < end:
                self._waiting[low + index].append((cells[start:end], times[start:end]))

    def _place_few(
        self, filed: list[tuple[np.ndarray, np.ndarray, np.ndarray]], slots_per_key: int
    ) -> None:
        """_place on Python lists, for the few entries of a quiet day: the same entries in the same
        places.

        A waiting chunk may be lists (np.concatenate in _open makes them int64 and float64 arrays,
        as filed).
        """
        horizon, first = self.horizon_days, self.first_unread_day
        by_bucket: dict[int, tuple[list, list, list]] = {}
        for keys, slots, times in filed:
            for key, slot, time in zip(keys.tolist(), slots.tolist(), times.tolist()):
                if not time < horizon:  # never due inside the horizon (infinite, or not a number)
                    continue
                day = max(math.floor(time), first)
                columns = by_bucket.get(day // self._bucket_days)
                if columns is None:
                    columns = by_bucket[day // self._bucket_days] = ([], [], [])
                columns[0].append(key * slots_per_key + slot)
                columns[1].append(time)
                columns[2].append(day)
        for bucket, (cells, times, days) in by_bucket.items():
            if bucket <= self._open_bucket:
                self._place_soon(cells, times, days)
            else:
                self._waiting[bucket].append((cells, times))

    def _place_soon(self, cells: list[int], times: list[float], days: list[int]) -> None:
        """Entries that fall in the open bucket, under their days (each read takes its day's)."""
        soon = self._soon
        for cell, time, day in zip(cells, times, days):
            columns = soon.get(day)
            if columns is None:
                columns = soon[day] = ([], [])
            columns[0].append(cell)
            columns[1].append(time)

    def _open(self, bucket: int) -> None:
        """Sort a bucket's waiting entries by day, once, and note where each of its days starts."""
        if self._unsorted:
            self._distribute(bucket)
        chunks = self._waiting[bucket]
        self._waiting[bucket] = []
        self._open_bucket = bucket
        if not chunks:
            self._sorted = (_NO_KEYS, _NO_TIMES)
            self._starts = [0] * (self._bucket_days + 1)
            return
        cells = np.concatenate([chunk[0] for chunk in chunks]).astype(np.int64, copy=False)
        times = np.concatenate([chunk[1] for chunk in chunks]).astype(np.float64, copy=False)
        first = bucket * self._bucket_days
        # The day each was placed under: a time before the bucket that waits in it was filed
        # after the read of the day before the bucket, and was placed under the bucket's first day.
        day = np.maximum(np.floor(np.minimum(times, self.horizon_days)), first).astype(np.int64)
        order = np.argsort(day, kind="stable")
        self._sorted = (cells[order], times[order])
        self._starts = (
            day[order].searchsorted(np.arange(first, first + self._bucket_days + 1)).tolist()
        )

    def read(self, day: int, current: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Keys and slots due on `day` whose time is still the one filed (`current[key, slot]`),
        sorted by key then slot.

        `current` is the same (keys, slots) array at every read."""
        slots_per_key = current.shape[1]
        if self._filed:
            self._place(slots_per_key)
        bucket = day // self._bucket_days
        while self._open_bucket < bucket:
            self._open(self._open_bucket + 1)
        self.first_unread_day = day + 1
        parts = []
        into = day - bucket * self._bucket_days
        start, end = self._starts[into], self._starts[into + 1]
        if start < end:
            parts.append((self._sorted[0][start:end], self._sorted[1][start:end]))
        soon = self._soon.pop(day, None)
        if soon is not None:
            parts.append((np.array(soon[0], dtype=np.int64), np.array(soon[1], dtype=np.float64)))
        if not parts:
            return _NO_KEYS, _NO_KEYS
        if len(parts) == 1:
            cells, times = parts[0]
        else:
            cells = np.concatenate([part[0] for part in parts])
            times = np.concatenate([part[1] for part in parts])
        valid = current.reshape(-1)[cells] == times
        if cells.size <= _FEW_ENTRIES:  # the same sorted, distinct cells on Python lists
            distinct = sorted({cell for cell, ok in zip(cells.tolist(), valid.tolist()) if ok})
            return (
                np.array([cell // slots_per_key for cell in distinct], dtype=np.int64),
                np.array([cell % slots_per_key for cell in distinct], dtype=np.int64),
            )
        cells = np.sort(cells[valid])  # by key, then slot
        if cells.size > 1:  # a key filed twice with the same time appears once
            fresh = np.empty(cells.size, dtype=bool)
            fresh[0] = True
            np.not_equal(cells[1:], cells[:-1], out=fresh[1:])
            cells = cells[fresh]
        return np.divmod(cells, slots_per_key)
