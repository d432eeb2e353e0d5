"""Customers as columns of numpy arrays: idle customers cost no SimPy process.

Failures and purchase occasions are drawn in bulk as absolute days and filed
in day calendars; the daily step of the world reads only those that fall due.
Every draw is keyed by the customer and how many purchases or renewals they
have had (rng.KeyedDraws), so one customer's different fate under another
policy never reshuffles anybody else's failures.
"""

from __future__ import annotations

import numpy as np

from recoverysim.model.calendar import DayCalendar
from recoverysim.model.opportunist_pools import OpportunistPools
from recoverysim.rng import KeyedDraws
from recoverysim.scenario.schema import Scenario

NEVER = np.inf
_WHO_SLOTS = np.array([[0, 1]])  # a new customer's segment draw and opportunist draw
#: Up to this many customers bought at once, their keyed draws are made on Python integers
#: (KeyedDraws.uniform_rows; 1 customer 7 us, 5 21 us, 8 32 us against ~29 us for the numpy call).
_FEW_PRODUCTS = 6
#: New customer ids whose keyed draws are made at once, ahead of their purchase
#: (Customers._drawn_ahead).
_AHEAD_IDS = 4096


class Customers:
    """Every person who is or was a customer, in preallocated columns indexed by customer id."""

    def __init__(self, scenario: Scenario, capacity: int, seed: int, replication: int):
        self._scenario = scenario
        self._who = KeyedDraws(seed, replication, "customers.who")
        self.lifetime_draws = KeyedDraws(seed, replication, "customers.lifetimes")
        self._slots = np.arange(len(scenario.product.components) + 1)[None, :]
        self._renewals = KeyedDraws(seed, replication, "customers.renewals")
        self._scruples = KeyedDraws(seed, replication, "customers.scruple")
        self._scruple_scale_eur = scenario.fraud.scruple_scale_eur
        segments = scenario.market.segments
        components = scenario.product.components
        self.segment_shares = np.array([s.share for s in segments])
        self.segment_opportunists = np.array([s.opportunist_share for s in segments])
        self.segment_loyalty = np.array([s.initial_loyalty for s in segments])
        self.segment_price = (
            np.array([s.price_multiplier for s in segments]) * scenario.money.price_eur
        )
        self.segment_cdf = self.segment_shares.cumsum() / self.segment_shares.sum()
        self.weibull_shape = np.array([c.weibull_shape for c in components])
        rates = np.array([c.failures_per_year for c in components])
        with np.errstate(divide="ignore"):
            self.weibull_scale_days = np.where(
                rates > 0, 365.0 / rates ** (1.0 / self.weibull_shape), np.inf
            )
        self._inverse_shape = 1.0 / self.weibull_shape
        self._fails = np.isfinite(self.weibull_scale_days)
        self._all_fail = bool(self._fails.all())
        self.count = 0
        self.active = np.zeros(capacity, dtype=bool)
        self.segment = np.zeros(capacity, dtype=np.int16)
        self.opportunist = np.zeros(capacity, dtype=bool)
        self.scruple_eur = np.full(
            capacity, np.inf
        )  # an opportunist's moral cost of cheating (EUR), drawn once
        self.loyalty = np.zeros(capacity)
        # The sum of loyalty[:count], kept up by every change to loyalty (see loyalty_mean).
        self.loyalty_total = 0.0
        self.failures = np.zeros(capacity, dtype=np.int32)
        self.purchases = np.zeros(capacity, dtype=np.int32)
        self.renewals = np.zeros((capacity, len(components)), dtype=np.int32)
        self.pending_outcome = np.full(capacity, -1, dtype=np.int8)
        self.purchase_day = np.zeros(capacity)
        # One day calendar for everything that falls due: columns 0..k-1 are the components'
        # failure days, column k the next purchase occasion (views share the one array).
        k = len(components)
        self.due_day = np.full((capacity, k + 1), NEVER)
        self.failure_day = self.due_day[:, :k]
        self.next_occasion_day = self.due_day[:, k]
        self.active_count = 0
        self.calendar = DayCalendar(scenario.horizon_days)
        # Slot numbers of up to 4,096 products filed at once, sliced instead of tiled (np.tile costs
        # ~10 us a call).
        self._slot_pattern = np.tile(np.arange(k + 1), 4096)
        # Per segment, active opportunists by scruple: the willing are a prefix (fraud attempts).
        self.opportunists = OpportunistPools(
            len(segments), self.active, self.segment, self.scruple_eur
        )
        # New customers' segments, opportunist flags and first products' offsets, drawn ahead (add).
        self._ahead_first = 0
        self._ahead_segment = self._ahead_offsets = np.empty(0, dtype=np.int64)
        self._ahead_opportunist = np.empty(0, dtype=bool)
        self._ahead_scruple = self._ahead_loyalty = np.empty(0)
        self._ahead_keys = np.empty(0, dtype=np.int64)
        self._ahead_opportunists = [0]

    def _file_product(
        self, ids: np.ndarray, due_days: np.ndarray, keys: np.ndarray | None = None
    ) -> None:
        """File every component's failure and the next occasion of these customers' new products
        (their due_day rows); `keys`, when given, is each id repeated once a slot."""
        slots = self.due_day.shape[1]
        pattern = self._slot_pattern
        slot = (
            pattern[: ids.size * slots]
            if ids.size * slots <= pattern.size
            else np.tile(np.arange(slots), ids.size)
        )
        keys = np.repeat(ids, slots) if keys is None else keys
        self.calendar.file(keys, slot, due_days.ravel())

    def due_today(self, day: int) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """What falls due before the end of `day`: customers at a purchase occasion (in id order),
        and (customer, component, failure day) triples (customer then component order).

        The failure days are returned so that the caller can drop failures made stale by a
        purchase taken the same day (a new product, or a customer lost)."""
        keys, slots = self.calendar.read(day, self.due_day)
        occasion = slots == self.due_day.shape[1] - 1
        rows, components = keys[~occasion], slots[~occasion]
        return keys[occasion], (rows, components, self.failure_day[rows, components])

    @property
    def loyalty_mean(self) -> float:
        """Mean loyalty of active customers (a lost customer's loyalty is kept at 0).

        From the running total, not a sum over every customer each day (0.2 ms a day at 1M
        customers); resum_loyalty() keeps its rounding from piling up.
        """
        return self.loyalty_total / self.active_count if self.active_count else float("nan")

    def resum_loyalty(self) -> None:
        """Replace the running total of loyalty by a fresh sum: between two, rounding drifts it by
        about 1e-16 of the total a change."""
        self.loyalty_total = float(self.loyalty[: self.count].sum())

    def moved_loyalty(self, change: float) -> None:
        """Loyalty moved outside Customers (feelings, word of mouth) by `change` in all."""
        self.loyalty_total += change

    def add(self, n: int, day: float, product_age_days: np.ndarray | None = None) -> np.ndarray:
        """Add n new customers who bought at `day` (minus their product's age); returns their
        ids."""
        ids = np.arange(self.count, self.count + n)
        if product_age_days is None:  # who they are and their first product were drawn ahead
            rows = self._drawn_ahead(n)
            seg, opportunist = self._ahead_segment[rows], self._ahead_opportunist[rows]
        else:
            seg, opportunist = self._who_they_are(ids)
        self.count += n
        self.active[ids] = True
        self.segment[ids] = seg
        self.opportunist[ids] = opportunist
        self.loyalty[ids] = (
            self.segment_loyalty[seg] if product_age_days is not None else self._ahead_loyalty[rows]
        )
        self.loyalty_total += float(self.loyalty[ids].sum())
        self.purchase_day[ids] = day if product_age_days is None else day - product_age_days
        if product_age_days is None:
            due = self._ahead_offsets[rows] + day  # _new_product's sums, element by element
            self.due_day[ids] = due
            slots = self.due_day.shape[1]
            self._file_product(ids, due, self._ahead_keys[rows.start * slots : rows.stop * slots])
            any_opportunist = (
                self._ahead_opportunists[rows.stop] > self._ahead_opportunists[rows.start]
            )
        else:
            self._new_product(ids, np.full(n, day), product_age_days)
            any_opportunist = opportunist.any()
        self.active_count += n
        if any_opportunist:
            opportunists = ids[opportunist]
            # An opportunist's moral cost of cheating, keyed by customer (drawn ahead when it can)
            self.scruple_eur[opportunists] = (
                self._ahead_scruple[rows][opportunist]
                if product_age_days is None
                else self._scruples.exponential(opportunists) * self._scruple_scale_eur
            )
            self.opportunists.added(opportunists)
        return ids

    def _who_they_are(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The segment and opportunist flag of these customers (keyed by customer)."""
        n, cdf = ids.size, self.segment_cdf
        if n <= _FEW_PRODUCTS:  # Python integers beat numpy's ~15 us
            who = np.array(self._who.uniform_rows([(i,) for i in ids.tolist()], 2)).reshape(n, 2)
        else:  # one call: a keyed call costs ~15 us however small
            who = self._who.uniform(ids[:, None], _WHO_SLOTS)
        seg = np.minimum(cdf.searchsorted(who[:, 0], side="right"), cdf.size - 1)
        return seg, who[:, 1] < self.segment_opportunists[seg]

    def _drawn_ahead(self, n: int) -> slice:
        """Rows of the drawn-ahead tables for the next n ids; a new block when they run past.

        A customer's segment, opportunist flag and first product's lives are keyed by their id
        alone (no purchase yet), so a block of ids drawn in one call gives the same floats as each
        day's few: a day's adopters then cost slices instead of ~40 small numpy calls.
        """
        start = self.count - self._ahead_first
        if start + n > self._ahead_segment.size:
            first = self.count
            ids = np.arange(first, min(first + max(n, _AHEAD_IDS), self.active.size))
            self._ahead_segment, self._ahead_opportunist = self._who_they_are(ids)
            self._ahead_offsets = self._first_product_offsets(ids)
            self._ahead_scruple = self._scruples.exponential(ids) * self._scruple_scale_eur
            # What add would work out from these each day: the loyalty of the segment, the keys
            # _file_product repeats, and how many opportunists come before each row.
            self._ahead_loyalty = self.segment_loyalty[self._ahead_segment]
            self._ahead_keys = np.repeat(ids, self.due_day.shape[1])
            self._ahead_opportunists = [0, *np.cumsum(self._ahead_opportunist).tolist()]
            self._ahead_first, start = first, 0
        return slice(start, start + n)

    def _first_product_offsets(self, ids: np.ndarray) -> np.ndarray:
        """Days from a new customer's first purchase to each component's failure (columns
        0..k-1) and to the next purchase occasion (column k): _new_product's terms, before the
        purchase day is added."""
        k = self.weibull_shape.size
        unit = self.lifetime_draws.exponential(
            ids[:, None], self.purchases[ids][:, None], self._slots
        )
        offsets = np.empty_like(unit)
        offsets[:, :k] = self.time_to_first_failure(unit[:, :k])
        offsets[:, k] = unit[:, k] * self._scenario.product.replacement_cycle_days
        return offsets

    def initial_ages(self, n: int) -> np.ndarray:
        """Product ages of the owners at day 0: bought at some point in the last replacement
        cycle."""
        return self._who.uniform(np.arange(n), 2) * self._scenario.product.replacement_cycle_days

    def _new_product(
        self,
        ids: np.ndarray,
        day_of: np.ndarray,
        age_days: np.ndarray | None = None,
        uniforms: np.ndarray | None = None,
    ) -> None:
        """Failure times of a product bought at `day_of` (aged `age_days`, new when None) and the
        owner's next occasion; `uniforms` are its keyed draws when already made."""
        k = self.weibull_shape.size
        # Column j < k: component j's life; column k: the gap to the next purchase occasion.
        # The same uniforms as the numpy call below, bit for bit (KeyedDraws.uniform_list).
        if uniforms is not None:
            unit = -np.log(uniforms)
        elif ids.size <= _FEW_PRODUCTS:
            rows = list(zip(ids.tolist(), self.purchases[ids].tolist()))
            unit = -np.log(
                np.array(self.lifetime_draws.uniform_rows(rows, k + 1)).reshape(ids.size, k + 1)
            )
        else:
            unit = self.lifetime_draws.exponential(
                ids[:, None], self.purchases[ids][:, None], self._slots
            )
        lives = unit[:, :k]
        if age_days is None:
            failures = day_of[:, None] + self.time_to_first_failure(lives)
        else:
            ages = np.broadcast_to(np.asarray(age_days, dtype=float).reshape(-1, 1), lives.shape)
            failures = day_of[:, None] + self.time_to_failure(ages, lives)
        occasions = day_of + unit[:, k] * self._scenario.product.replacement_cycle_days
        # The due days in the calendar's columns, written and filed in one go (unit is this call's
        # own array).
        unit[:, :k] = failures
        unit[:, k] = occasions
        self.due_day[ids] = unit
        self._file_product(ids, unit)

    def time_to_failure(self, age_days: np.ndarray, unit_exponential: np.ndarray) -> np.ndarray:
        """Days to the next Weibull failure of a component that has survived to `age_days`."""
        k, scale = self.weibull_shape, self.weibull_scale_days
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            cumulative = (age_days / scale) ** k + unit_exponential
            remaining = scale * cumulative ** (1.0 / k) - age_days
        return np.where(np.isfinite(scale), np.maximum(remaining, 0.0), NEVER)

    def time_to_first_failure(self, unit_exponential: np.ndarray) -> np.ndarray:
        """time_to_failure at age 0, with its no-op terms left out (bit for bit the same: 0 ** k + u
        is u, x - 0 is x).

        A new product's components (every purchase after day 0) take this path: it saves ten small
        numpy calls.
        """
        with np.errstate(over="ignore"):
            lives = self.weibull_scale_days * unit_exponential**self._inverse_shape
            return (
                lives if self._all_fail else np.where(self._fails, lives, NEVER)
            )  # np.where(True, x, y) is x

    def repurchase(
        self, ids: np.ndarray, day_of: np.ndarray, uniforms: np.ndarray | None = None
    ) -> None:
        """A new product for customers who bought again: fresh failure times and next occasion.

        `uniforms`, when given, are the new product's keyed draws already made (rng.DrawAndNextRow:
        keyed by id, the purchase count after this one and slot, as _new_product draws them)."""
        self.purchases[ids] += 1
        self.purchase_day[ids] = day_of
        self._new_product(ids, day_of, uniforms=uniforms)

    def lose(self, ids: np.ndarray) -> None:
        """Active customers lost to a competitor: nothing of theirs falls due again."""
        if not ids.size:  # most days at 10k customers nobody is lost
            return
        # Those lost before (a refund brought their occasion back) are out of the pools already.
        opportunists = ids[self.opportunist[ids] & self.active[ids]]
        self.active[ids] = False
        if opportunists.size:
            self.opportunists.lost(opportunists)
        self.active_count -= ids.size
        self.loyalty_total -= float(self.loyalty[ids].sum())  # ids are distinct: a day's due
        self.loyalty[ids] = 0.0
        self.failure_day[ids] = NEVER
        self.next_occasion_day[ids] = NEVER

    def occasion_now(self, customer: int, day: float) -> None:
        """Bring a customer's purchase occasion forward (after a refund they own nothing)."""
        self.next_occasion_day[customer] = day
        self.calendar.file(
            np.array([customer]), np.array([self.due_day.shape[1] - 1]), np.array([day])
        )

    def renew_components(
        self, customers: np.ndarray, components: np.ndarray, day_of: np.ndarray
    ) -> None:
        """After a failure the component starts a fresh life (repaired, replaced or fixed
        elsewhere)."""
        # (customer, component) pairs are distinct: a day's failures read from the calendar
        renewals = self.renewals[customers, components] + 1
        self.renewals[customers, components] = renewals
        unit = self._renewals.exponential(customers, components, renewals)
        self._file_renewed(customers, components, day_of, unit)

    def renew_few(self, customers: list[int], components: list[int], day_of: list[float]) -> None:
        """renew_components for a day's few failures, given as Python lists: the same renewal
        counts and keyed draws (KeyedDraws.uniform's own path for a few keys), ~5 numpy calls
        fewer."""
        renewals, draws = self.renewals, []
        for customer, component in zip(customers, components):
            count = int(renewals[customer, component]) + 1
            renewals[customer, component] = count
            draws.append(self._renewals.python_uniform((customer, component, count)))
        self._file_renewed(
            np.array(customers, dtype=np.int64),
            np.array(components, dtype=np.int64),
            np.array(day_of, dtype=np.float64),
            -np.log(np.array(draws, dtype=np.float64)),
        )

    def _file_renewed(
        self, customers: np.ndarray, components: np.ndarray, day_of: np.ndarray, unit: np.ndarray
    ) -> None:
        """The renewed components' next failure days, from unit exponentials, filed."""
        # 1.0 / shape, as _inverse_shape holds it: the same division, element by element
        scale = self.weibull_scale_days[components]
        failure_day = day_of + scale * unit ** self._inverse_shape[components]
        self.failure_day[customers, components] = failure_day
        self.calendar.file(customers, components, failure_day)
