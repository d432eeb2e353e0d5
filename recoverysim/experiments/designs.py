"""Which points a sweep runs: grid, one-at-a-time, or a sampled design (Latin hypercube, Sobol
sequence, Morris, Sobol).

A design turns a `sweep:` section (or `--vary` options) into points; a point
is a set of `dotted.path: value` pairs applied to the base scenario with the
loader's override machinery, so each point is validated exactly like --set.
Sampled designs draw unit-cube points (experiments.sampling) and map them
through each parameter's quantile function (experiments.distributions).
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass
from typing import Any
from collections.abc import Iterable

import pydantic

from recoverysim.errors import Problem, ScenarioError, UsageError
from recoverysim.experiments.distributions import quantiles
from recoverysim.experiments.sampling import unit_points
from recoverysim.scenario.load import scenario_from_dict, scenario_to_dict
from recoverysim.scenario.messages import in_our_words
from recoverysim.scenario.overrides import parse_override
from recoverysim.scenario.schema import (
    DISTRIBUTION_FIELDS,
    SAMPLED_DESIGNS,
    Scenario,
    Sweep,
    parse_range,
)

SIGNIFICANT_DIGITS = 12
"""Range values are rounded to 12 significant digits, so 0:0.3:4 gives 0.1, not
0.09999999999999999."""
#: Designs analysed for global sensitivity: the manifest also records their unit points, which the
#: analysis reads.
SENSITIVITY_DESIGNS = ("morris", "sobol")
_DISTRIBUTION_CALL = re.compile(r"\s*([a-z]+)\s*\((.*)\)\s*")


@dataclass(frozen=True)
class Point:
    """One point of a design: the value of every swept parameter, and which one moved
    (one-at-a-time)."""

    index: int
    values: dict[str, Any]
    varied: str | None = None


@dataclass(frozen=True)
class Design:
    """The points of a sweep, in the order they are numbered."""

    kind: str
    parameters: tuple[str, ...]
    points: tuple[Point, ...]
    unit_points: tuple[tuple[float, ...], ...] = ()
    levels: int | None = None

    def to_dict(self) -> dict:
        """The design as the manifest records it: a resumed sweep must produce exactly this
        again."""
        recorded = {
            "design": self.kind,
            "parameters": list(self.parameters),
            "points": [
                {
                    "point": p.index,
                    "values": p.values,
                    **({"varied": p.varied} if self.kind == "one_at_a_time" else {}),
                }
                for p in self.points
            ],
        }
        if self.kind in SENSITIVITY_DESIGNS:
            recorded["unit_points"] = [list(row) for row in self.unit_points]
            recorded["levels"] = self.levels
        return recorded


def tidy(value: float) -> float | int:
    """A computed value as a person would write it: 12 significant digits, and integral floats of
    integer ranges as ints."""
    return float(f"{value:.{SIGNIFICANT_DIGITS}g}")


def range_values(low: float, high: float, steps: int) -> list[float | int]:
    """`steps` evenly spaced values from `low` to `high`, both included."""
    values = [tidy(low + (high - low) * i / (steps - 1)) for i in range(steps)]
    if low.is_integer() and high.is_integer() and all(float(v).is_integer() for v in values):
        return [int(v) for v in values]
    return values


def parse_distribution(text: str) -> dict | None:
    """`triangular(0.02,0.05,0.2)` as {distribution: triangular, low: 0.02, mode: 0.05, high: 0.2};
    None if no call.

    Arguments come in the order of DISTRIBUTION_FIELDS: uniform(low,high),
    triangular(low,mode,high), normal(mean,sd[,low,high]), lognormal(mean,sd[,low,high]),
    beta(a,b,low,high).
    """
    match = _DISTRIBUTION_CALL.fullmatch(text)
    if match is None or match.group(1) not in DISTRIBUTION_FIELDS:
        return None
    name, arguments = match.group(1), [a.strip() for a in match.group(2).split(",")]
    needed, optional = DISTRIBUTION_FIELDS[name]
    if len(arguments) not in (len(needed), len(needed) + len(optional)):
        shapes = " or ".join(
            f"{name}({','.join(fields)})"
            for fields in dict.fromkeys((needed, (*needed, *optional)))
        )
        raise UsageError(f"{text}: takes {shapes}")
    try:
        numbers = [float(a) for a in arguments]
    except ValueError:
        raise UsageError(f"{text}: the arguments must be numbers") from None
    return {"distribution": name, **dict(zip((*needed, *optional), numbers))}


def parse_vary(text: str) -> tuple[str, tuple[Any, ...] | str | dict]:
    """`path=v1,v2,...`, `path=lo:hi[:steps]` or `path=name(arguments)` from the command line, as
    (path, spec)."""
    if "=" not in text:
        raise UsageError(
            f"--vary {text}: must look like dotted.path=v1,v2,... or dotted.path=lo:hi:steps"
        )
    path, spec = (part.strip() for part in text.split("=", 1))
    if not spec:
        raise UsageError(f"--vary {text}: no values after '='")
    if parse_range(spec) is not None:
        return path, spec
    try:
        distribution = parse_distribution(spec)
    except UsageError as error:
        raise UsageError(f"--vary {path}={error}") from None
    if distribution is not None:
        return path, distribution
    values = []
    for raw in spec.split(","):
        _, value = parse_override(f"{path}={raw.strip()}")
        values.append(value)
    return path, tuple(values)


def sweep_from_options(
    scenario: Scenario,
    vary: Iterable[str],
    design: str | None,
    points: int | None,
    levels: int | None = None,
) -> Sweep:
    """The sweep to run: the scenario's `sweep:` section, with --vary replacing its parameters and
    --design/--points/--levels its shape."""
    vary = list(vary)
    base = scenario.sweep
    if not vary and base is None:
        raise UsageError(
            f"nothing to sweep: scenario {scenario.name!r} has no sweep: section; give parameters "
            "with --vary dotted.path=v1,v2,..."
        )
    parameters: dict[str, Any] = dict(base.parameters) if base is not None and not vary else {}
    for text in vary:
        path, spec = parse_vary(text)
        if path in parameters:
            raise UsageError(f"--vary {text}: {path} is varied twice")
        parameters[path] = spec
    if "replications" in parameters:
        raise UsageError(
            "sweep: replications is the same at every point (common random numbers); set it with "
            "--replications"
        )
    kind = design or (base.design if base is not None else "grid")
    same = base is not None and kind == base.design
    count = points if points is not None else (base.points if same else None)
    levels = levels if levels is not None else (base.levels if same else None)
    try:
        return Sweep(design=kind, points=count, levels=levels, parameters=parameters)
    except pydantic.ValidationError as error:
        messages = "; ".join(in_our_words(e) for e in error.errors())
        raise UsageError(f"sweep: {messages}") from None


def _values(spec: tuple[Any, ...] | str) -> list[Any]:
    if isinstance(spec, str):
        low, high, steps = parse_range(spec)
        return range_values(low, high, steps if steps is not None else 2)
    return list(spec)


def base_value(data: dict, path: str) -> Any:
    """The value at a dotted path of a resolved scenario (list items by name or number), for
    one-at-a-time designs."""
    node: Any = data
    for part in path.split("."):
        if isinstance(node, list):
            names = [item.get("name") for item in node if isinstance(item, dict)]
            if part in names:
                node = node[names.index(part)]
            elif part.lstrip("-").isdigit() and -len(node) <= int(part) < len(node):
                node = node[int(part)]
            else:
                raise UsageError(f"{path}: the scenario has no item {part!r} there")
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise UsageError(f"{path}: not a field of the scenario (see `recoverysim show FILE`)")
    return node


def latin_hypercube(ranges: list[tuple[float, float]], count: int, seed: int) -> list[list[float]]:
    """`count` points, one in each of `count` equal slices of every range, from the scenario seed's
    own stream."""
    unit = unit_points("latin_hypercube", len(ranges), count, seed)
    return [[tidy(low + (high - low) * u) for u, (low, high) in zip(row, ranges)] for row in unit]


def sample_design(sweep: Sweep, seed: int, integral: tuple[bool, ...] = ()) -> Design:
    """A sampled design's points: unit-cube rows mapped through each parameter's quantile function.

    `integral` marks parameters the scenario holds as integers, rounded after mapping. This is the
    one path from a sweep to its points, for simulations and for the tests' analytic functions
    alike.
    """
    paths = tuple(sweep.parameters)
    unit = unit_points(sweep.design, len(paths), sweep.sample_count, seed, sweep.level_count)
    columns = [quantiles(sweep.parameters[path], unit[:, j]) for j, path in enumerate(paths)]
    whole = integral or (False,) * len(paths)
    rows = [
        [round(float(v)) if whole[j] else tidy(float(v)) for j, v in enumerate(row)]
        for row in zip(*columns)
    ]
    points = tuple(Point(i, dict(zip(paths, row))) for i, row in enumerate(rows))
    levels = sweep.level_count if sweep.design == "morris" else None
    return Design(
        sweep.design, paths, points, tuple(tuple(float(u) for u in row) for row in unit), levels
    )


def make_design(scenario: Scenario, sweep: Sweep) -> Design:
    """Number the points of `sweep` around `scenario`."""
    paths = tuple(sweep.parameters)
    if sweep.design == "grid":
        combos = itertools.product(*(_values(sweep.parameters[p]) for p in paths))
        points = tuple(Point(i, dict(zip(paths, combo))) for i, combo in enumerate(combos))
    elif sweep.design in SAMPLED_DESIGNS:
        data = scenario_to_dict(scenario)
        return sample_design(sweep, scenario.seed, tuple(is_integer_field(data, p) for p in paths))
    else:
        data = scenario_to_dict(scenario)
        base = {p: base_value(data, p) for p in paths}
        moved = [Point(0, dict(base), None)]
        for path in paths:
            for value in _values(sweep.parameters[path]):
                moved.append(Point(len(moved), {**base, path: value}, path))
        points = tuple(moved)
    return Design(sweep.design, paths, points)


def point_scenario(base: dict, point: Point, source: str = "sweep") -> Scenario:
    """The base scenario with the point's values set as --set would set them, validated; errors name
    the point."""
    overrides = [f"{path}={json.dumps(value)}" for path, value in point.values.items()]
    try:
        return scenario_from_dict(base, overrides, source=f"{source} point {point.index}")
    except ScenarioError as error:
        where = ", ".join(f"{k}={v}" for k, v in point.values.items())
        raise ScenarioError(
            [
                Problem(f"{source} point {point.index} ({where})", None, p.path, p.message, p.got)
                for p in error.problems
            ]
        ) from None


def point_scenarios(scenario: Scenario, design: Design) -> list[Scenario]:
    """Every point's scenario, all validated before any work starts."""
    base = scenario_to_dict(scenario)
    base["sweep"] = (
        None  # a point is a plain scenario; its sweep section would only add weight to every task
    )
    return [point_scenario(base, point) for point in design.points]


def is_integer_field(data: dict, path: str) -> bool:
    """Whether the scenario holds an integer at `path` (staff, customers), so sampled values are
    rounded."""
    try:
        value = base_value(data, path)
    except UsageError:
        return False  # validating the point will name the bad path
    return isinstance(value, int) and not isinstance(value, bool)
