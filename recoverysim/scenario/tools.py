"""Scenario sections that configure tools rather than the model: the what-if page and sweeps.

Split from schema.py, which re-exports every name here.
"""

from __future__ import annotations

import math
import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from recoverysim.scenario.fields import Frozen


LeverValue = bool | int | float | str | None


class WhatIfLever(Frozen):
    """One lever of the what-if page: a dotted scenario path (``*`` for every list item) and the values to try."""

    path: str = Field(
        pattern=r"^[A-Za-z0-9_*.-]+$",
        max_length=200,
        description="Dotted path as for --set, e.g. policies.suspicious.return_for_inspection; '*' stands for every "
        "item of a list (policies.*.goodwill_eur).",
    )
    label: str = Field("", max_length=80, description="What the page calls the lever; the path when empty.")
    values: tuple[LeverValue, ...] = Field(
        min_length=2,
        max_length=12,
        description="Values the page offers, in slider order; the grid runs every combination.",
    )


class WhatIf(Frozen):
    """Levers of the self-contained what-if page (`recoverysim whatif`); every combination of their values is run."""

    levers: tuple[WhatIfLever, ...] = Field(
        min_length=1, max_length=3, description="Two or three levers; more would make the grid too slow to precompute."
    )
    replications: int = Field(
        2,
        ge=1,
        le=100,
        description="Replications per grid point and policy. Assumption: 2 keeps the grid quick; the page says how "
        "many.",
    )

    @model_validator(mode="after")
    def _grid_is_small(self) -> "WhatIf":
        points = math.prod(len(lever.values) for lever in self.levers)
        if points > 60:
            raise ValueError(f"the what-if grid has {points} points (product of the levers' value counts); at most 60")
        paths = [lever.path for lever in self.levers]
        if len(set(paths)) != len(paths):
            raise ValueError("what-if lever paths must be different")
        return self


SweepValue = bool | int | float | str
_NUMBER = r"\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*"
_RANGE = re.compile(rf"{_NUMBER}:{_NUMBER}(?::\s*(\d+)\s*)?")
SWEEP_DESIGNS = ("grid", "latin_hypercube", "one_at_a_time")
MAX_SWEEP_POINTS = 100_000  # Assumption: beyond this a sweep is a mistake (days of work), not a plan


def parse_range(text: str) -> tuple[float, float, int | None] | None:
    """'lo:hi' or 'lo:hi:steps' as numbers, or None when `text` is not a range."""
    match = _RANGE.fullmatch(text)
    if match is None:
        return None
    low, high, steps = match.groups()
    return float(low), float(high), None if steps is None else int(steps)


class Sweep(Frozen):
    """Which points `recoverysim sweep` runs: a design over parameters named by dotted paths, as for --set."""

    design: Literal["grid", "latin_hypercube", "one_at_a_time"] = Field(
        "grid",
        description="grid: every combination of the values; latin_hypercube: `points` points spread evenly over the "
        "ranges; one_at_a_time: the base scenario, then each parameter moved alone to each of its values (a"
        " tornado chart).",
    )
    points: int | None = Field(
        None,
        ge=2,
        le=MAX_SWEEP_POINTS,
        description="Number of points of a latin_hypercube design; the other designs take theirs from the values.",
    )
    parameters: dict[str, tuple[SweepValue, ...] | str] = Field(
        min_length=1,
        max_length=100,
        description="dotted.path: [v1, v2, ...] or 'lo:hi:steps' (steps evenly spaced values, both ends included); "
        "latin_hypercube takes 'lo:hi'.",
    )

    @field_validator("parameters")
    @classmethod
    def _specs_are_well_formed(cls, parameters: dict) -> dict:
        for path, spec in parameters.items():
            if not re.fullmatch(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*", path):
                raise ValueError(f"{path!r} is not a dotted path such as market.segments.0.opportunist_share")
            if isinstance(spec, str):
                bounds = parse_range(spec)
                if bounds is None:
                    raise ValueError(f"{path}: {spec!r} must be a list of values, 'lo:hi:steps' or 'lo:hi'")
                if bounds[2] is not None and bounds[2] < 2:
                    raise ValueError(f"{path}: {spec!r} needs at least 2 steps")
            elif not spec:
                raise ValueError(f"{path}: needs at least one value")
        return parameters

    @model_validator(mode="after")
    def _design_fits_the_parameters(self) -> "Sweep":
        ranges = {path: parse_range(spec) for path, spec in self.parameters.items() if isinstance(spec, str)}
        if self.design == "latin_hypercube":
            if self.points is None:
                raise ValueError("a latin_hypercube design needs points: the number of points to run")
            lists = [path for path in self.parameters if path not in ranges or ranges[path][2] is not None]
            if lists:
                raise ValueError(
                    f"a latin_hypercube design needs a range 'lo:hi' for every parameter ({', '.join(lists)})"
                )
            return self
        if self.points is not None:
            raise ValueError(f"points is only used by the latin_hypercube design, not by {self.design}")
        if self.design == "grid":
            missing = [path for path, bounds in ranges.items() if bounds[2] is None]
            if missing:
                raise ValueError(f"a grid needs 'lo:hi:steps' or a list of values ({', '.join(missing)} have no steps)")
            size = math.prod(ranges[path][2] if path in ranges else len(spec) for path, spec in self.parameters.items())
            if size > MAX_SWEEP_POINTS:
                raise ValueError(f"the grid has {size} points; at most {MAX_SWEEP_POINTS}")
        return self
