"""Shapley values of a set function over levers: exact over all subsets, or over sampled orderings
and their reverses.

A coalition is a bit mask: bit i set means lever i takes the target policy's
value. `values[mask]` is v(S) (any numpy shape, e.g. one value per
replication); the Shapley value of lever i is its marginal contribution
v(S ∪ {i}) − v(S) averaged over the orderings in which the levers are switched.
Both methods sum to v(all) − v(none): the exact weights because they are
Shapley's, the sampled orderings because each ordering's contributions telescope.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from recoverysim.rng import stream_key

Ordering = tuple[int, ...]


def full_mask(levers: int) -> int:
    return (1 << levers) - 1


def exact_weight(coalition_size: int, levers: int) -> float:
    """|S|! (n − |S| − 1)! / n!: the share of orderings in which exactly S comes before a given
    lever."""
    return (
        math.factorial(coalition_size)
        * math.factorial(levers - coalition_size - 1)
        / math.factorial(levers)
    )


def all_coalitions(levers: int) -> tuple[int, ...]:
    """Every subset of n levers, smallest first."""
    return tuple(sorted(range(1 << levers), key=lambda mask: (mask.bit_count(), mask)))


def sample_orderings(levers: int, count: int, seed: int) -> tuple[Ordering, ...]:
    """`count` random orderings, each followed by its reverse (antithetic), reproducible from
    `seed`."""
    sequence = np.random.SeedSequence(entropy=seed, spawn_key=(stream_key("decompose.orderings"),))
    generator = np.random.Generator(np.random.PCG64(sequence))
    orderings: list[Ordering] = []
    for _ in range(count):
        ordering = tuple(int(i) for i in generator.permutation(levers))
        orderings += [ordering, ordering[::-1]]
    return tuple(orderings)


def prefixes(ordering: Ordering) -> list[int]:
    """The coalitions an ordering passes through, from none to all."""
    masks, mask = [0], 0
    for lever in ordering:
        mask |= 1 << lever
        masks.append(mask)
    return masks


def coalitions_of(orderings: Sequence[Ordering], levers: int) -> tuple[int, ...]:
    """The coalitions the orderings need, each once, smallest first."""
    needed = {mask for ordering in orderings for mask in prefixes(ordering)} | {
        0,
        full_mask(levers),
    }
    return tuple(sorted(needed, key=lambda mask: (mask.bit_count(), mask)))


def exact_shapley(values: Mapping[int, np.ndarray], levers: int) -> np.ndarray:
    """φ_i = Σ_{S ⊆ N∖{i}} |S|!(n−|S|−1)!/n! (v(S ∪ {i}) − v(S)); shape (levers, *value shape)."""
    shape = np.shape(values[0])
    shapley = np.zeros((levers, *shape))
    for i in range(levers):
        bit = 1 << i
        for mask in range(1 << levers):
            if mask & bit:
                continue
            weight = exact_weight(mask.bit_count(), levers)
            shapley[i] += weight * (
                np.asarray(values[mask | bit], dtype=float) - np.asarray(values[mask], dtype=float)
            )
    return shapley


def sampled_shapley(
    values: Mapping[int, np.ndarray], levers: int, orderings: Sequence[Ordering]
) -> np.ndarray:
    """Marginal contributions averaged over the given orderings; shape (levers, *value shape)."""
    shape = np.shape(values[0])
    shapley = np.zeros((levers, *shape))
    for ordering in orderings:
        masks = prefixes(ordering)
        for lever, before, after in zip(ordering, masks, masks[1:]):
            shapley[lever] += np.asarray(values[after], dtype=float) - np.asarray(
                values[before], dtype=float
            )
    return shapley / len(orderings)


def shapley(
    values: Mapping[int, np.ndarray], levers: int, orderings: Sequence[Ordering] | None = None
) -> np.ndarray:
    """Exact Shapley values without `orderings`, else the average over them."""
    if levers < 1:
        raise ValueError("Shapley values need at least one lever")
    return (
        exact_shapley(values, levers)
        if orderings is None
        else sampled_shapley(values, levers, orderings)
    )
