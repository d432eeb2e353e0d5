"""Scenario sections that configure tools rather than the model: the what-if page and sweeps.

Split from schema.py, which re-exports every name here.
"""

from __future__ import annotations

import math
import re
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from recoverysim.scenario.fields import Frozen
from recoverysim.scenario.messages import in_our_words

LeverValue = bool | int | float | str | None


class WhatIfLever(Frozen):
    """One lever of the what-if page: a dotted scenario path (``*`` for every list item) and the
    values to try."""

    path: str = Field(
        pattern=r"^[A-Za-z0-9_*.-]+$",
        max_length=200,
        description="Dotted path as for --set, e.g. policies.suspicious.return_for_inspection; '*' "
        "stands for every item of a list (policies.*.goodwill_eur).",
    )
    label: str = Field(
        "", max_length=80, description="What the page calls the lever; the path when empty."
    )
    values: tuple[LeverValue, ...] = Field(
        min_length=2,
        max_length=12,
        description="Values the page offers, in slider order; the grid runs every combination.",
    )


class WhatIf(Frozen):
    """Levers of the self-contained what-if page (`recoverysim whatif`); every combination of their
    values is run."""

    levers: tuple[WhatIfLever, ...] = Field(
        min_length=1,
        max_length=3,
        description="Two or three levers; more would make the grid too slow to precompute.",
    )
    replications: int = Field(
        2,
        ge=1,
        le=100,
        description="Replications per grid point and policy. Assumption: 2 keeps the grid quick; "
        "the page says how many.",
    )

    @model_validator(mode="after")
    def _grid_is_small(self) -> WhatIf:
        points = math.prod(len(lever.values) for lever in self.levers)
        if points > 60:
            raise ValueError(
                f"the what-if grid has {points} points (product of the levers' value counts); at "
                "most 60"
            )
        paths = [lever.path for lever in self.levers]
        if len(set(paths)) != len(paths):
            raise ValueError("what-if lever paths must be different")
        return self


SweepValue = bool | int | float | str
_NUMBER = r"\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*"
_RANGE = re.compile(rf"{_NUMBER}:{_NUMBER}(?::\s*(\d+)\s*)?")
#: Designs that sample the unit cube and map it through each parameter's distribution (a range
#: 'lo:hi' is uniform).
SAMPLED_DESIGNS = ("latin_hypercube", "sobol_sequence", "morris", "sobol")
SWEEP_DESIGNS = ("grid", "one_at_a_time", *SAMPLED_DESIGNS)
#: Morris trajectories and Sobol base samples when `points` is not given (Sobol's must be a power of
#: 2).
DEFAULT_POINTS = {"morris": 10, "sobol": 64}
DEFAULT_LEVELS = 4
MAX_SWEEP_POINTS = (
    100_000  # Assumption: beyond this a sweep is a mistake (days of work), not a plan
)
#: Each distribution's fields: those it needs, then those it may have (bounds that truncate it).
DISTRIBUTION_FIELDS = {
    "uniform": (("low", "high"), ()),
    "triangular": (("low", "mode", "high"), ()),
    "normal": (("mean", "sd"), ("low", "high")),
    "lognormal": (("mean", "sd"), ("low", "high")),
    "beta": (("a", "b", "low", "high"), ()),
}


def parse_range(text: str) -> tuple[float, float, int | None] | None:
    """'lo:hi' or 'lo:hi:steps' as numbers, or None when `text` is not a range."""
    match = _RANGE.fullmatch(text)
    if match is None:
        return None
    low, high, steps = match.groups()
    return float(low), float(high), None if steps is None else int(steps)


def _normal_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


class Distribution(Frozen):
    """An uncertain sweep input: sampled designs map their unit-cube points through its quantile
    function.

    normal and lognormal take the mean and standard deviation of the value itself, and are truncated
    to [low, high] when bounds are given; beta's a and b shape it on [low, high].
    """

    distribution: Literal["uniform", "triangular", "normal", "lognormal", "beta"] = Field(
        description="uniform (low, high), triangular (low, mode, high), normal or lognormal "
        "(mean, sd; low and high truncate), beta (a, b on low..high)."
    )
    low: float | None = Field(
        None, description="Lowest value (a bound that truncates normal and lognormal)."
    )
    high: float | None = Field(
        None, description="Highest value (a bound that truncates normal and lognormal)."
    )
    mode: float | None = Field(None, description="Most likely value of a triangular distribution.")
    mean: float | None = Field(
        None, description="Mean of the value (normal, lognormal), before truncation."
    )
    sd: float | None = Field(
        None, gt=0, description="Standard deviation of the value (normal, lognormal)."
    )
    a: float | None = Field(None, gt=0, description="First shape parameter of a beta distribution.")
    b: float | None = Field(
        None, gt=0, description="Second shape parameter of a beta distribution."
    )

    @model_validator(mode="after")
    def _fields_fit_the_distribution(self) -> Distribution:
        needed, optional = DISTRIBUTION_FIELDS[self.distribution]
        given = {
            name
            for name in ("low", "high", "mode", "mean", "sd", "a", "b")
            if getattr(self, name) is not None
        }
        missing = [name for name in needed if name not in given]
        if missing:
            raise ValueError(
                f"a {self.distribution} distribution needs {', '.join(needed)} "
                f"({', '.join(missing)} missing)"
            )
        extra = sorted(given - set(needed) - set(optional))
        if extra:
            allowed = ", ".join((*needed, *optional))
            raise ValueError(
                f"a {self.distribution} distribution takes {allowed}, not {', '.join(extra)}"
            )
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(f"low must be below high (got low={self.low:g}, high={self.high:g})")
        if self.distribution == "triangular" and not self.low <= self.mode <= self.high:
            raise ValueError(
                f"mode must lie in [low, high] (got {self.low:g}, {self.mode:g}, {self.high:g})"
            )
        if self.distribution == "lognormal" and self.mean <= 0:
            raise ValueError(f"a lognormal distribution needs mean > 0 (got {self.mean:g})")
        if self.distribution in ("normal", "lognormal") and self.truncated_mass() < 1e-9:
            raise ValueError(
                f"[{self.low:g}, {self.high:g}] holds almost none of the {self.distribution} "
                "distribution's probability"
            )
        return self

    def log_parameters(self) -> tuple[float, float]:
        """Mean and standard deviation of the logarithm of a lognormal value with this mean and
        sd."""
        sigma_squared = math.log1p((self.sd / self.mean) ** 2)
        return math.log(self.mean) - sigma_squared / 2, math.sqrt(sigma_squared)

    def truncated_mass(self) -> float:
        """Probability that a normal or lognormal value falls between the bounds (1 without
        bounds)."""
        if self.distribution == "normal":
            centre, spread, transform = self.mean, self.sd, lambda x: x
        else:
            (centre, spread), transform = (
                self.log_parameters(),
                lambda x: math.log(x) if x > 0 else -math.inf,
            )
        low = 0.0 if self.low is None else _normal_cdf((transform(self.low) - centre) / spread)
        high = 1.0 if self.high is None else _normal_cdf((transform(self.high) - centre) / spread)
        return high - low

    @property
    def bounded(self) -> bool:
        """Whether both ends are finite, as Morris levels at 0 and 1 need (lognormal is bounded
        below by 0)."""
        low = self.low is not None or self.distribution == "lognormal"
        return low and self.high is not None


def _as_distribution(path: str, spec: dict) -> Distribution:
    """A mapping from a scenario file or --vary as a Distribution, its errors naming the dotted
    path."""
    if "distribution" not in spec:
        raise ValueError(
            f"{path}: a mapping must name its distribution ({', '.join(DISTRIBUTION_FIELDS)})"
        )
    if spec["distribution"] not in DISTRIBUTION_FIELDS:
        raise ValueError(
            f"{path}: distribution must be one of {', '.join(DISTRIBUTION_FIELDS)} (got "
            f"{spec['distribution']!r})"
        )
    try:
        return Distribution(**spec)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        message = in_our_words(first)
        if first["type"] == "extra_forbidden":
            message = (
                "unknown key (allowed: "
                f"{', '.join(sum(DISTRIBUTION_FIELDS[spec['distribution']], ()))})"
            )
        elif first["type"].endswith(("_than", "_parsing", "_type")):
            message = f"{message} (got {first['input']!r})"
        raise ValueError(f"{path}{'.' + where if where else ''}: {message}") from None


def is_power_of_two(count: int) -> bool:
    return count >= 1 and count & (count - 1) == 0


class Sweep(Frozen):
    """Which points `recoverysim sweep` runs: a design over parameters named by dotted paths, as for
    --set."""

    design: Literal[
        "grid", "one_at_a_time", "latin_hypercube", "sobol_sequence", "morris", "sobol"
    ] = Field(
        "grid",
        description="grid: every combination of the values; one_at_a_time: the base scenario, "
        "then each parameter moved alone to each of its values (a tornado chart); "
        "latin_hypercube or sobol_sequence (scrambled Sobol points): `points` points spread "
        "over the ranges and distributions; morris (elementary effects, `points` "
        "trajectories) and sobol (Saltelli sampling, `points` base samples): global "
        "sensitivity of the paired difference, written to sensitivity.csv.",
    )
    points: int | None = Field(
        None,
        ge=2,
        le=MAX_SWEEP_POINTS,
        description="latin_hypercube and sobol_sequence: number of points (sobol_sequence: a "
        "power of 2); morris: trajectories r (default 10; r x (inputs + 1) points); sobol: "
        "base samples N, a power of 2 (default 64; N x (inputs + 2) points). Grid and "
        "one_at_a_time take theirs from the values.",
    )
    levels: int | None = Field(
        None,
        ge=2,
        le=100,
        description="Levels of the Morris grid, even (default 4); only the morris design uses it.",
    )
    parameters: dict[str, tuple[SweepValue, ...] | str | Distribution] = Field(
        min_length=1,
        max_length=100,
        description="dotted.path: [v1, v2, ...], 'lo:hi:steps' (steps evenly spaced values, both "
        "ends included), 'lo:hi' (uniform, for the sampled designs) or a distribution such "
        "as {distribution: triangular, low: 0.02, mode: 0.05, high: 0.2}.",
    )

    @field_validator("parameters", mode="before")
    @classmethod
    def _mappings_are_distributions(cls, parameters: object) -> object:
        if not isinstance(parameters, dict):
            return parameters
        return {
            path: _as_distribution(str(path), spec) if isinstance(spec, dict) else spec
            for path, spec in parameters.items()
        }

    @field_validator("parameters")
    @classmethod
    def _specs_are_well_formed(cls, parameters: dict) -> dict:
        for path, spec in parameters.items():
            if not re.fullmatch(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*", path):
                raise ValueError(
                    f"{path!r} is not a dotted path such as market.segments.0.opportunist_share"
                )
            if isinstance(spec, str):
                bounds = parse_range(spec)
                if bounds is None:
                    raise ValueError(
                        f"{path}: {spec!r} must be a list of values, 'lo:hi:steps', 'lo:hi' or a "
                        "distribution"
                    )
                if bounds[2] is not None and bounds[2] < 2:
                    raise ValueError(f"{path}: {spec!r} needs at least 2 steps")
            elif isinstance(spec, tuple) and not spec:
                raise ValueError(f"{path}: needs at least one value")
        return parameters

    @model_validator(mode="after")
    def _design_fits_the_parameters(self) -> Sweep:
        ranges = {
            path: parse_range(spec)
            for path, spec in self.parameters.items()
            if isinstance(spec, str)
        }
        if self.levels is not None and self.design != "morris":
            raise ValueError(f"levels is only used by the morris design, not by {self.design}")
        if self.design in SAMPLED_DESIGNS:
            return self._sampled_design_fits(ranges)
        if self.points is not None:
            raise ValueError(
                f"points is only used by the sampled designs ({', '.join(SAMPLED_DESIGNS)}), not "
                f"by {self.design}"
            )
        uncertain = [
            path for path, spec in self.parameters.items() if isinstance(spec, Distribution)
        ]
        if uncertain:
            raise ValueError(
                f"a {self.design} design takes values or ranges, not distributions "
                f"({', '.join(uncertain)}); distributions are for {', '.join(SAMPLED_DESIGNS)}"
            )
        if self.design == "grid":
            missing = [path for path, bounds in ranges.items() if bounds[2] is None]
            if missing:
                raise ValueError(
                    f"a grid needs 'lo:hi:steps' or a list of values ({', '.join(missing)} have "
                    "no steps)"
                )
            size = math.prod(
                ranges[path][2] if path in ranges else len(spec)
                for path, spec in self.parameters.items()
            )
            if size > MAX_SWEEP_POINTS:
                raise ValueError(f"the grid has {size} points; at most {MAX_SWEEP_POINTS}")
        return self

    def _sampled_design_fits(self, ranges: dict) -> Sweep:
        if self.points is None and self.design not in DEFAULT_POINTS:
            raise ValueError(f"a {self.design} design needs points: the number of points to run")
        lists = [
            path
            for path, spec in self.parameters.items()
            if not isinstance(spec, Distribution)
            and (path not in ranges or ranges[path][2] is not None)
        ]
        if lists:
            raise ValueError(
                f"a {self.design} design needs a range 'lo:hi' or a distribution for every "
                f"parameter ({', '.join(lists)})"
            )
        backwards = [path for path, bounds in ranges.items() if not bounds[0] < bounds[1]]
        if backwards:
            raise ValueError(
                f"a {self.design} design needs ranges 'lo:hi' with lo < hi ({', '.join(backwards)})"
            )
        if self.design in ("sobol_sequence", "sobol") and not is_power_of_two(self.sample_count):
            raise ValueError(
                f"a {self.design} design needs points a power of 2 (got {self.sample_count}): "
                "the Sobol sequence is balanced only then"
            )
        if self.design == "morris":
            if self.level_count % 2:
                raise ValueError(
                    f"a morris design needs an even number of levels (got {self.level_count})"
                )
            unbounded = [
                p
                for p, s in self.parameters.items()
                if isinstance(s, Distribution) and not s.bounded
            ]
            if unbounded:
                raise ValueError(
                    "a morris design reaches both ends of every input: give low and high to "
                    f"{', '.join(unbounded)}"
                )
        inputs = len(self.parameters)
        size = {
            "morris": self.sample_count * (inputs + 1),
            "sobol": self.sample_count * (inputs + 2),
        }.get(self.design, self.sample_count)
        if size > MAX_SWEEP_POINTS:
            raise ValueError(
                f"the {self.design} design has {size} points; at most {MAX_SWEEP_POINTS}"
            )
        if self.design in ("morris", "sobol") and inputs < 2:
            raise ValueError(f"a {self.design} design compares inputs: vary at least 2")
        return self

    @property
    def sample_count(self) -> int:
        """points, or the design's default (Morris trajectories, Sobol base samples)."""
        return self.points if self.points is not None else DEFAULT_POINTS[self.design]

    @property
    def level_count(self) -> int:
        return self.levels if self.levels is not None else DEFAULT_LEVELS
