"""Each segment's active opportunists in order of scruple, so that the willing (scruple below the
segment's threshold) are a prefix: what fraud attempts draw from (model/daily_step.py).

Opportunists join and leave many times a day and the pools are asked for rarely, so joiners and
leavers are filed when the willing are next asked for; a count of the willing needs no filing while
they are few. Kept apart from model/customers.py, which owns the columns read here.
"""

from __future__ import annotations

import numpy as np

_NO_IDS = np.empty(0, dtype=np.int64)
#: Up to this many opportunists added or lost since the last filing, willing_count counts them on
#: Python lists instead of filing them (OpportunistPools._file).
_FEW_UNFILED = 32


def _insert_sorted(
    ids: np.ndarray,
    values: np.ndarray,
    at: np.ndarray,
    new_ids: np.ndarray,
    new_values: np.ndarray,
    drop: list[int] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """np.insert(ids, at, new_ids) and np.insert(values, at, new_values) for a non-decreasing `at`,
    sharing one mask; the old items at the increasing positions `drop` (of `ids`) are left out.

    np.insert places the j-th new item at at[j] + j when `at` is sorted, and the old ones in the
    other places in order; so does this, without np.insert's own overhead twice (it runs every day).
    """
    if drop:
        return _merge_runs(ids, values, at.tolist(), new_ids, new_values, drop)
    if new_ids.size <= 64:  # a few new opportunists a day: copy the runs between insertion points
        cuts = [0, *at.tolist(), ids.size]
        id_runs, value_runs = [ids[: cuts[1]]], [values[: cuts[1]]]
        for j in range(new_ids.size):
            id_runs += (new_ids[j : j + 1], ids[cuts[j + 1] : cuts[j + 2]])
            value_runs += (new_values[j : j + 1], values[cuts[j + 1] : cuts[j + 2]])
        return np.concatenate(id_runs).astype(ids.dtype, copy=False), np.concatenate(value_runs)
    size = ids.size + new_ids.size
    places = at + np.arange(new_ids.size)
    old = np.ones(size, dtype=bool)
    old[places] = False
    merged_ids, merged_values = np.empty(size, dtype=ids.dtype), np.empty(size, dtype=values.dtype)
    merged_ids[places], merged_values[places] = new_ids, new_values
    merged_ids[old], merged_values[old] = ids, values
    return merged_ids, merged_values


def _merge_runs(
    ids: np.ndarray,
    values: np.ndarray,
    at: list[int],
    new_ids: np.ndarray,
    new_values: np.ndarray,
    drop: list[int],
) -> tuple[np.ndarray, np.ndarray]:
    """_insert_sorted with old items dropped: copy the runs between insertions and drops."""
    events = [(place, 0, j) for j, place in enumerate(at)] + [(place, 1, -1) for place in drop]
    events.sort()
    id_runs, value_runs, start = [], [], 0
    for place, is_drop, j in events:  # insert before old item p; drop it
        id_runs.append(ids[start:place])
        value_runs.append(values[start:place])
        if is_drop:
            start = place + 1
        else:
            id_runs.append(new_ids[j : j + 1])
            value_runs.append(new_values[j : j + 1])
            start = place
    id_runs.append(ids[start:])
    value_runs.append(values[start:])
    return np.concatenate(id_runs).astype(ids.dtype, copy=False), np.concatenate(value_runs)


class OpportunistPools:
    """Per segment, the active opportunists' ids and scruples by rising scruple, filed lazily.

    Reads the customers' `active`, `segment` and `scruple_eur` columns (preallocated, so the
    references stay theirs); `added` and `lost` are told who joins and who leaves.
    """

    def __init__(
        self, segments: int, active: np.ndarray, segment: np.ndarray, scruple_eur: np.ndarray
    ):
        self._active, self._segment, self._scruple_eur = active, segment, scruple_eur
        self._by_scruple = [(np.empty(0, dtype=np.int64), np.empty(0)) for _ in range(segments)]
        # New opportunists (scruples drawn), filed when the willing are next asked for.
        self._new: list[np.ndarray] = []
        # Lost opportunists, taken out of their pool when the willing are next asked for.
        self._lost: list[np.ndarray] = []
        # The same, as (customer, segment, scruple), while few (willing_count); lost by customer.
        self._unfiled_new: list[tuple[int, int, float]] = []
        self._unfiled_lost: dict[int, tuple[int, int, float]] = {}
        self._too_many_unfiled = False

    def added(self, ids: np.ndarray) -> None:
        """New opportunists, their scruples already in the column."""
        self._new.append(ids)
        self._note_unfiled(ids, lost=False)

    def lost(self, ids: np.ndarray) -> None:
        """Opportunists lost to a competitor or a closed account."""
        self._lost.append(ids)
        self._note_unfiled(ids, lost=True)

    def willing(self, segment: int, threshold_eur: float) -> np.ndarray:
        """Active opportunists of a segment whose scruple is below `threshold_eur`, by rising
        scruple."""
        if self._new or self._lost:
            self._file()
        ids, scruples = self._by_scruple[segment]
        return ids[: scruples.searchsorted(threshold_eur, side="left")]

    def willing_count(self, segment: int, threshold_eur: float) -> int:
        """willing(segment, threshold_eur).size, without filing the few opportunists new or lost
        since the last filing: they are counted apart, on Python lists.

        Filing merges into sorted arrays (~15 numpy calls); a day at 10k-100k customers adds or
        loses an opportunist or two and, most days, draws no fraud attempt that needs the pool.
        """
        if self._too_many_unfiled:
            self._file()
        count = int(self._by_scruple[segment][1].searchsorted(threshold_eur, side="left"))
        if self._unfiled_new:
            active = self._active
            for customer, in_segment, scruple in self._unfiled_new:
                if in_segment == segment and scruple < threshold_eur and active[customer]:
                    count += 1
        if self._unfiled_lost:
            unfiled = {customer for customer, _, _ in self._unfiled_new}
            for customer, in_segment, scruple in self._unfiled_lost.values():
                if in_segment == segment and scruple < threshold_eur and customer not in unfiled:
                    count -= 1  # filed earlier, so in the pool until the next filing
        return count

    def _note_unfiled(self, ids: np.ndarray, lost: bool) -> None:
        """Keep (customer, segment, scruple) of opportunists added (or lost) since the last filing,
        for willing_count; past _FEW_UNFILED the next count files them instead."""
        if self._too_many_unfiled:
            return
        if len(self._unfiled_new) + len(self._unfiled_lost) + ids.size > _FEW_UNFILED:
            self._too_many_unfiled = True
            return
        rows = zip(ids.tolist(), self._segment[ids].tolist(), self._scruple_eur[ids].tolist())
        if lost:
            self._unfiled_lost.update((row[0], row) for row in rows)
        else:
            self._unfiled_new.extend(rows)

    def _file(self) -> None:
        """Merge the new opportunists that are still active into their segment's order (their
        scruples were drawn when they were added); take out those lost since (the rest keep their
        order).

        Done when the willing are asked for, not at every sale: customers are added many times a
        day. Filing several days' new opportunists at once gives the order filing each day's would:
        a stable sort keeps them in the order added, and each goes after the equal scruples filed.
        """
        new = np.concatenate(self._new) if self._new else _NO_IDS
        self._new.clear()
        self._unfiled_new.clear()
        self._unfiled_lost.clear()
        self._too_many_unfiled = False
        if new.size and self._lost:
            new = new[self._active[new]]  # added and lost before being filed
        lost = self._lost_ids_by_segment()
        segments = self._segment[new]
        for index, (pool, scruples) in enumerate(self._by_scruple):
            mine = new[segments == index] if len(self._by_scruple) > 1 else new
            drop = self._positions(pool, scruples, lost.get(index, ()))
            if mine.size or drop:
                values = self._scruple_eur[mine]
                order = np.argsort(values, kind="stable")
                at = scruples.searchsorted(values[order], side="right")
                self._by_scruple[index] = _insert_sorted(
                    pool, scruples, at, mine[order], values[order], drop
                )

    def _lost_ids_by_segment(self) -> dict[int, list[int]]:
        """The opportunists lost since the last filing, by segment (each once)."""
        if not self._lost:
            return {}
        lost = np.concatenate(self._lost).tolist()
        self._lost.clear()
        by_segment: dict[int, list[int]] = {}
        for customer, segment in zip(lost, self._segment[lost].tolist()):
            by_segment.setdefault(segment, []).append(customer)
        return by_segment

    def _positions(self, pool: np.ndarray, scruples: np.ndarray, customers: list[int]) -> list[int]:
        """Increasing positions in a pool of those of `customers` it holds (found by scruple)."""
        positions = set()
        for customer in customers:
            scruple = self._scruple_eur[customer]
            place = int(scruples.searchsorted(scruple, side="left"))
            while place < pool.size and scruples[place] == scruple:  # a tie: look along it
                if pool[place] == customer:
                    positions.add(place)
                    break
                place += 1
        return sorted(positions)
