"""Each claim's own luck: keyed uniforms in fixed slots, so a claim meets the same draws under every
policy.

Draws for a claim depend only on (seed, replication, customer, the customer's
n-th failure or claim), never on how many other claims came before it. A
decision the policy skips leaves its slot unread and moves nothing else;
routing, whose number of draws varies, reads its own cursor after the slots.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

from recoverysim.rng import KeyedDraws, row_draw

#: Fixed slots: one per kind of decision a claim may meet.
SLOTS = (
    "channel",
    "lacks_receipt",
    "lacks_photo",
    "stalled_abandon",
    "photo_forged",
    "receipt_forged",
    "inspection_pass",
    "inspection_hours",
    "feelings",
    "post_midway",
    "midway_recovery",
    "post_after_close",
    "close_recovery",
    "people_told",
    "post_readers",
    "post_update",
)
SLOT = {name: index for index, name in enumerate(SLOTS)}
ROUTING_START = 16
WIDTH = 32
_NORMAL = NormalDist()


class ClaimLuck:
    """The keyed draws of one claim: `slot(name)` for decisions, `uniform()`/`exponential()` for
    routing.

    A draw is made when read (a claim reads about 5 of its row's 32): the same floats as the
    whole row drawn at once, since each is keyed by (customer, claim number, block, index).
    """

    __slots__ = ("_row", "_cursor", "_keys", "_source", "_block")

    def __init__(self, keys: tuple[int, int], source: KeyedDraws):
        self._row = source.row_word((*keys, 0))
        self._cursor = ROUTING_START
        self._keys = keys
        self._source = source
        self._block = 0

    @property
    def keys(self) -> tuple[int, int]:
        """(customer, the customer's failure or claim number): what keys this claim's draws."""
        return self._keys

    def slot(self, name: str) -> float:
        # The current row's, as when whole rows were kept: a claim whose routing ran past its
        # first row reads its later slots in the further block.
        return row_draw(self._row, 3, SLOT[name])

    def uniform(self) -> float:
        """The next routing draw; a claim that loops past its row gets a further keyed block."""
        if self._cursor >= WIDTH:
            self._block += 1
            self._row = self._source.row_word((*self._keys, self._block))
            self._cursor = 0
        value = row_draw(self._row, 3, self._cursor)
        self._cursor += 1
        return value

    def exponential(self, mean: float) -> float:
        return -math.log(self.uniform()) * mean

    def normal(self, name: str) -> float:
        return _NORMAL.inv_cdf(self.slot(name))

    def poisson(self, name: str, mean: float) -> int:
        return poisson_quantile(self.slot(name), mean)


def binomial_quantile(u: float, n: int, p: float) -> int:
    """The Binomial(n, p) count at cumulative probability u, by inversion (normal approximation
    above 50 expected).

    Like poisson_quantile, one keyed uniform gives the count, so common random numbers hold.
    """
    if n <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    if p > 0.5:  # count the failures instead, so that (1 - p) ** n cannot underflow
        return n - binomial_quantile(1.0 - u, n, 1.0 - p)
    mean = n * p
    if mean > 50.0:
        return min(n, max(0, int(round(mean + math.sqrt(mean * (1.0 - p)) * _NORMAL.inv_cdf(u)))))
    k, term = 0, (1.0 - p) ** n
    total, odds = term, p / (1.0 - p)
    while total < u and k < n:
        term *= odds * (n - k) / (k + 1)
        k += 1
        total += term
    return k


def poisson_quantile(u: float, mean: float) -> int:
    """The Poisson(mean) count at cumulative probability u, by inversion (normal approximation above
    50)."""
    if mean <= 0.0:
        return 0
    if mean > 50.0:
        return max(0, int(round(mean + math.sqrt(mean) * _NORMAL.inv_cdf(u))))
    k, term = 0, math.exp(-mean)
    total = term
    while total < u and k < 1000:
        k += 1
        term *= mean / k
        total += term
    return k


class ClaimLuckSource:
    """Makes the luck of a day's batch of claims (each draws when read)."""

    def __init__(self, seed: int, replication: int):
        self._draws = KeyedDraws(seed, replication, "claims")

    def batch(self, customers: np.ndarray, ordinals: np.ndarray) -> list[ClaimLuck]:
        return [ClaimLuck(keys, self._draws) for keys in zip(customers.tolist(), ordinals.tolist())]
