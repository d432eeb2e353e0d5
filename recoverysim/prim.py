"""PRIM, the patient rule induction method (Friedman & Fisher 1999): boxes of the input space where
a label dominates.

Peeling: from the box holding every point, remove at each step the alpha-quantile slice at the low
or high end of one input that leaves the highest density of the target label in the box (ties: the
slice that keeps more points), until the box would hold fewer than `min_points` points or holds only
target points. Each step is recorded:

- coverage: share of all target points that lie in the box,
- density: share of the box's points that are target points,
- mass: share of all points that lie in the box.

The chosen box is the step whose density reaches `threshold` with the largest coverage (the earliest
such box while density rises; on equal coverage the later, denser one). Pasting then widens each
bound of the chosen box by an alpha slice of the points just outside it while the density does not
drop. Covering repeats the search on the points no earlier box holds, for the few boxes a label
needs (each box's coverage still counts all target points).

Inputs with few distinct values (a grid) are peeled a whole value at a time when the alpha quantile
is the end value itself. Bounds are inclusive and are values the data hold, so a box reads exactly
on the points.

Why written here: EMA Workbench's PRIM is the reference implementation, but it brings a long list of
dependencies for about a hundred lines of numpy; this one follows its rules (alpha = 0.05 peeling,
pasting, coverage/density/mass) and is tested on a planted box.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

PEEL_ALPHA = 0.05
PASTE_ALPHA = 0.05


@dataclass(frozen=True)
class Step:
    """One box on a PRIM trajectory: how it was made and how well it holds the target."""

    box: int
    step: int
    kind: str  # "start", "peel" or "paste"
    low: tuple[float, ...]
    high: tuple[float, ...]
    coverage: float
    density: float
    mass: float
    points: int


@dataclass(frozen=True)
class Trajectory:
    """Every step of one box's search; `chosen` indexes the chosen (and pasted) box, None when none
    is dense enough."""

    steps: tuple[Step, ...]
    chosen: int | None

    @property
    def box(self) -> Step | None:
        return None if self.chosen is None else self.steps[self.chosen]


def inside(inputs: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Which rows of `inputs` lie in the box [low, high] (bounds inclusive)."""
    return np.all((inputs >= low) & (inputs <= high), axis=1)


def _measure(
    inputs: np.ndarray, target: np.ndarray, pool: np.ndarray, low: np.ndarray, high: np.ndarray
) -> tuple[int, int]:
    """(points in the box, target points in the box), counting only rows in `pool`."""
    members = pool & inside(inputs, low, high)
    return int(members.sum()), int(target[members].sum())


def _step(
    box: int, index: int, kind: str, low, high, counts: tuple[int, int], targets: int, total: int
) -> Step:
    points, hits = counts
    return Step(
        box,
        index,
        kind,
        tuple(float(v) for v in low),
        tuple(float(v) for v in high),
        hits / targets if targets else math.nan,
        hits / points if points else math.nan,
        points / total,
        points,
    )


def _peel_cuts(values: np.ndarray, alpha: float) -> list[tuple[str, float]]:
    """The low and high cut of one input's values in the box: ('low', new low bound), ('high', new
    high bound)."""
    distinct = np.unique(values)
    if distinct.size < 2:
        return []
    low = float(np.quantile(values, alpha, method="higher"))
    if low <= distinct[0]:
        low = float(distinct[1])  # the quantile is the end value itself: peel that whole value
    high = float(np.quantile(values, 1.0 - alpha, method="lower"))
    if high >= distinct[-1]:
        high = float(distinct[-2])
    return [("low", low), ("high", high)]


def peel(
    inputs: np.ndarray,
    target: np.ndarray,
    pool: np.ndarray,
    box: int = 0,
    alpha: float = PEEL_ALPHA,
    min_points: int = 1,
) -> list[Step]:
    """The peeling trajectory on the rows in `pool`, from their bounding box down to `min_points`
    points."""
    total, targets = len(target), int(target.sum())
    low, high = inputs[pool].min(axis=0), inputs[pool].max(axis=0)
    steps = [
        _step(box, 0, "start", low, high, _measure(inputs, target, pool, low, high), targets, total)
    ]
    while steps[-1].density < 1.0:
        members = pool & inside(inputs, low, high)
        best = None
        for dimension in range(inputs.shape[1]):
            for side, cut in _peel_cuts(inputs[members, dimension], alpha):
                new_low, new_high = low.copy(), high.copy()
                (new_low if side == "low" else new_high)[dimension] = cut
                points, hits = _measure(inputs, target, pool, new_low, new_high)
                if points < min_points:
                    continue
                score = (hits / points, points)
                if best is None or score > best[0]:
                    best = (score, new_low, new_high, (points, hits))
        if best is None:
            break
        _, low, high, counts = best
        steps.append(_step(box, len(steps), "peel", low, high, counts, targets, total))
    return steps


def choose(steps: list[Step], threshold: float) -> int | None:
    """The step with density >= threshold and the largest coverage (on equal coverage the later);
    None if none."""
    dense = [i for i, s in enumerate(steps) if s.density >= threshold]
    if not dense:
        return None
    return max(dense, key=lambda i: (steps[i].coverage, i))


def _paste_cuts(values: np.ndarray, bound: float, side: str, amount: int) -> float | None:
    """The bound that lets in the `amount` points nearest the box on this side (whole values at a
    time)."""
    outside = (
        np.sort(values[values < bound])[::-1] if side == "low" else np.sort(values[values > bound])
    )
    if outside.size == 0:
        return None
    return float(outside[min(amount, outside.size) - 1])


def paste(
    inputs: np.ndarray,
    target: np.ndarray,
    pool: np.ndarray,
    start: Step,
    first_step: int,
    alpha: float = PASTE_ALPHA,
) -> list[Step]:
    """Widen the box one alpha slice at a time, the widening with the highest density first, while
    density holds.

    The steps are numbered from `first_step` on (they follow the whole peeling trajectory)."""
    total, targets = len(target), int(target.sum())
    low, high = np.array(start.low), np.array(start.high)
    current, steps = start, []
    while True:
        best = None
        amount = max(1, round(alpha * current.points))
        for dimension in range(inputs.shape[1]):
            others = np.delete(np.arange(inputs.shape[1]), dimension)
            beside = pool & inside(inputs[:, others], low[others], high[others])
            for side in ("low", "high"):
                bound = low[dimension] if side == "low" else high[dimension]
                cut = _paste_cuts(inputs[beside, dimension], bound, side, amount)
                if cut is None:
                    continue
                new_low, new_high = low.copy(), high.copy()
                (new_low if side == "low" else new_high)[dimension] = cut
                points, hits = _measure(inputs, target, pool, new_low, new_high)
                score = (hits / points, points)
                if score[0] >= current.density and (best is None or score > best[0]):
                    best = (score, new_low, new_high, (points, hits))
        if best is None:
            return steps
        _, low, high, counts = best
        current = _step(
            start.box, first_step + len(steps), "paste", low, high, counts, targets, total
        )
        steps.append(current)


def find_boxes(
    inputs: np.ndarray,
    target: np.ndarray,
    threshold: float,
    min_points: int,
    max_boxes: int = 3,
    alpha: float = PEEL_ALPHA,
) -> list[Trajectory]:
    """PRIM with covering: up to `max_boxes` trajectories, each searched on the points earlier boxes
    left out.

    Stops at the first search with no box of density >= threshold (that trajectory is still
    returned, with chosen None, so the caller can say how dense the label got), or when the chosen
    box is every point left.
    """
    inputs = np.asarray(inputs, dtype=float)
    target = np.asarray(target, dtype=bool)
    pool = np.ones(len(target), dtype=bool)
    found: list[Trajectory] = []
    while len(found) < max_boxes and target[pool].any() and pool.sum() >= min_points:
        peeled = peel(inputs, target, pool, len(found), alpha, min_points)
        chosen = choose(peeled, threshold)
        if chosen is None:
            found.append(Trajectory(tuple(peeled), None))
            break
        pasted = paste(inputs, target, pool, peeled[chosen], len(peeled), PASTE_ALPHA)
        trajectory = Trajectory(
            tuple(peeled + pasted), len(peeled) + len(pasted) - 1 if pasted else chosen
        )
        found.append(trajectory)
        box = trajectory.box
        members = pool & inside(inputs, np.array(box.low), np.array(box.high))
        if members.sum() == pool.sum():
            break
        pool &= ~members
    return found
