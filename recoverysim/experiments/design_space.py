"""The space `recoverysim design` searches: policy levers (ranges, choices, switches), objectives
and constraints.

Levers come from a YAML file (a mapping under `levers:`) or from the scenario's `whatif:` section;
each names a field of a policy, as `recoverysim show` spells it (evidence, goodwill_eur,
inspection.sensitivity, channel_staff.phone), and says what to try:

    levers:
      evidence: [none, receipt, photo_and_receipt]   # choices, in any YAML type
      return_for_inspection: [false, true]            # a switch is a choice of two
      goodwill_eur: 0:40                              # a range lo:hi (whole numbers for
                                                      # staff and technicians)
      first_contact_resolution_probability: {low: 0.5, high: 0.95, step: 0.05}

A candidate policy is the base policy (one of the scenario's) with the levers set to the candidate's
values; every value is checked against the policy schema before anything runs. Objectives are
figures to maximise or minimise (`value_total_eur:max,cost_total_eur:min`), constraints bounds on
the mean of a figure (`honest_unremedied_share<=0.1`).
"""

from __future__ import annotations

import itertools
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from recoverysim.errors import ScenarioError, UsageError
from recoverysim.levers import (
    LENIENCY_LEVERS,
    _leniency_acts,
    _lever_rule,
    _no_claims,
    _used_channels,
)
from recoverysim.metrics import metric_parts
from recoverysim.scenario.messages import in_our_words
from recoverysim.scenario.schema import CHANNEL_NAMES, Inspection, Policy, Scenario, parse_range
from recoverysim.scenario.yaml_source import parse_yaml, read_text

#: Policy fields that are not levers: names, words, and what the staffing step writes.
NOT_LEVERS = ("name", "description", "auto_sized", "inspection", "channel_staff")
#: Levers that hold whole numbers (staff and technicians), searched as integer ranges.
INTEGER_LEVERS = ("inspection.technicians", *(f"channel_staff.{name}" for name in CHANNEL_NAMES))
MAX_LEVERS = 20
MAX_CHOICES = 50
MAX_OBJECTIVES = 4
#: Combinations of lever values tried when asking whether a lever can act at all (levers.py's
#: rules).
MAX_PROBES = 4096
WHATIF_SECTION = "whatif"
_CONSTRAINT = re.compile(
    r"\s*([A-Za-z0-9_+]+)\s*(<=|>=)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*"
)


def lever_paths() -> tuple[str, ...]:
    """Every policy field a design may vary, dotted for the inspection bench and the per-channel
    staff."""
    top = [name for name in Policy.model_fields if name not in NOT_LEVERS]
    return (
        *top,
        *(f"inspection.{name}" for name in Inspection.model_fields),
        *(f"channel_staff.{name}" for name in CHANNEL_NAMES),
    )


@dataclass(frozen=True)
class Lever:
    """One policy field to search: a range (low..high, whole numbers when `integer`, on a grid when
    `step`) or a list of choices."""

    path: str
    low: float | None = None
    high: float | None = None
    integer: bool = False
    step: float | None = None
    log: bool = False
    choices: tuple[Any, ...] = ()

    @property
    def is_range(self) -> bool:
        return not self.choices

    def probe_values(self) -> tuple[Any, ...]:
        """Values that show whether the lever can act: both ends of a range, every choice."""
        return (self.low, self.high) if self.is_range else self.choices

    def describe(self) -> str:
        if self.is_range:
            kind = "whole numbers " if self.integer else ""
            step = f" in steps of {self.step:g}" if self.step else ""
            return (
                f"{self.path}: {kind}{self.low:g} to "
                f"{self.high:g}{step}{' (log scale)' if self.log else ''}"
            )
        return f"{self.path}: one of {', '.join(json.dumps(c) for c in self.choices)}"

    def to_dict(self) -> dict:
        """As the manifest records it (a resumed design must search the same space)."""
        if self.is_range:
            return {
                "path": self.path,
                "low": self.low,
                "high": self.high,
                "integer": self.integer,
                "step": self.step,
                "log": self.log,
            }
        return {
            "path": self.path,
            "choices": [list(c) if isinstance(c, tuple) else c for c in self.choices],
        }


@dataclass(frozen=True)
class Objective:
    """A figure (or a sum of figures joined by '+') to maximise or minimise, in its mean over
    replications."""

    figure: str
    direction: str  # "max" or "min"

    @property
    def sign(self) -> float:
        """+1 when more is better, -1 when less is."""
        return 1.0 if self.direction == "max" else -1.0

    def __str__(self) -> str:
        return f"{self.figure}:{self.direction}"


@dataclass(frozen=True)
class Constraint:
    """The mean of a figure must stay at or below (`<=`) or at or above (`>=`) a bound."""

    figure: str
    operator: str
    bound: float

    def violation(self, mean: float) -> float:
        """Optuna's convention: <= 0 when the constraint holds, the excess otherwise (NaN counts as
        violated)."""
        if math.isnan(mean):
            return math.inf
        return mean - self.bound if self.operator == "<=" else self.bound - mean

    def holds(self, mean: float) -> bool:
        return self.violation(mean) <= 0.0

    def __str__(self) -> str:
        return f"{self.figure}{self.operator}{self.bound:g}"


def parse_objectives(text: str) -> tuple[Objective, ...]:
    """`value_total_eur:max,cost_total_eur:min` as objectives; a wrong figure or direction is a
    one-line error."""
    objectives = []
    for raw in [part.strip() for part in text.split(",")]:
        figure, _, direction = raw.rpartition(":")
        if not raw or not figure or direction not in ("max", "min"):
            raise UsageError(
                f"--objectives {text}: each objective is FIGURE:max or FIGURE:min, e.g. "
                f"value_total_eur:max,cost_total_eur:min (got {raw!r})"
            )
        try:
            metric_parts(figure.strip())
        except UsageError as error:
            raise UsageError(f"--objectives: {error}") from None
        objectives.append(Objective(figure.strip(), direction))
    figures = [o.figure for o in objectives]
    if len(set(figures)) != len(figures):
        raise UsageError(f"--objectives {text}: a figure is named twice")
    if len(objectives) > MAX_OBJECTIVES:
        raise UsageError(
            f"--objectives {text}: at most {MAX_OBJECTIVES} objectives (got {len(objectives)})"
        )
    return tuple(objectives)


def parse_constraint(text: str) -> Constraint:
    """`honest_unremedied_share<=0.1` (or >=) as a constraint on the figure's mean."""
    match = _CONSTRAINT.fullmatch(text)
    if match is None:
        raise UsageError(
            f"--constraint {text}: must look like FIGURE<=NUMBER or FIGURE>=NUMBER, e.g. "
            "honest_unremedied_share<=0.1"
        )
    figure, operator, bound = match.groups()
    try:
        metric_parts(figure)
    except UsageError as error:
        raise UsageError(f"--constraint: {error}") from None
    return Constraint(figure, operator, float(bound))


def _problem(where: str, message: str, got: Any = None) -> UsageError:
    shown = (
        f" (got {json.dumps(got) if not isinstance(got, str) else got})" if got is not None else ""
    )
    return UsageError(f"{where}: {message}{shown}")


def _lever(path: str, spec: Any, where: str) -> Lever:
    """One lever from its YAML spec: a list (choices), 'lo:hi[:steps]', or a mapping {low, high,
    step, log}."""
    if path not in lever_paths():
        raise _problem(
            where, f"{path!r} is not a policy lever; levers are {', '.join(lever_paths())}"
        )
    integer = path in INTEGER_LEVERS
    if isinstance(spec, list):
        if len(spec) < 2 or len(spec) > MAX_CHOICES:
            raise _problem(where, f"give 2 to {MAX_CHOICES} choices", spec)
        choices = tuple(tuple(c) if isinstance(c, list) else c for c in spec)
        if len({json.dumps(c, sort_keys=True) for c in choices}) != len(choices):
            raise _problem(where, "a choice is listed twice", spec)
        if any(isinstance(c, dict) for c in choices):
            raise _problem(where, "choices are plain values or lists, not mappings", spec)
        return Lever(path, choices=choices)
    step = None
    log = False
    if isinstance(spec, str) and parse_range(spec) is not None:
        low, high, steps = parse_range(spec)
        if steps is not None:
            if steps < 2:
                raise _problem(where, "a range lo:hi:steps needs at least 2 steps", spec)
            step = (high - low) / (steps - 1)
    elif isinstance(spec, dict):
        unknown = sorted(set(spec) - {"low", "high", "step", "log"})
        if unknown or "low" not in spec or "high" not in spec:
            raise _problem(
                where, "a range is a mapping with low and high (and optionally step, log)", spec
            )
        low, high, step, log = spec["low"], spec["high"], spec.get("step"), spec.get("log", False)
        numbers = [v for v in (low, high, step) if v is not None]
        if any(
            isinstance(v, bool) or not isinstance(v, (int, float)) for v in numbers
        ) or not isinstance(log, bool):
            raise _problem(where, "low, high and step must be numbers and log true or false", spec)
        low, high = float(low), float(high)
        step = None if step is None else float(step)
    else:
        raise _problem(
            where, "give a list of choices, a range lo:hi, or {low: .., high: .., step: ..}", spec
        )
    if not (math.isfinite(low) and math.isfinite(high)) or not low < high:
        raise _problem(where, "a range needs low below high", spec)
    if step is not None and (
        step <= 0 or not math.isclose((high - low) / step, round((high - low) / step))
    ):
        raise _problem(where, "step must be positive and divide high - low", spec)
    if log and (low <= 0 or step is not None):
        raise _problem(where, "a log-scale range needs low above 0 and no step", spec)
    if integer:
        if low != math.floor(low) or high != math.floor(high):
            raise _problem(where, f"{path} is a whole number; give whole bounds", spec)
        step = None if step is None else max(1.0, round(step))
    return Lever(path, low, high, integer, step, log)


def levers_from_mapping(data: Any, source: str, lines: dict | None = None) -> tuple[Lever, ...]:
    """Levers from a mapping `lever path -> spec` (a levers file's `levers:` section)."""
    if not isinstance(data, dict) or not data:
        raise UsageError(
            f"{source}: levers: must be a mapping of policy levers to ranges or choices, e.g. "
            "'levers: {goodwill_eur: 0:40, evidence: [none, receipt]}'"
        )
    if len(data) > MAX_LEVERS:
        raise UsageError(f"{source}: levers: at most {MAX_LEVERS} levers (got {len(data)})")
    levers = []
    for path, spec in data.items():
        line = (lines or {}).get(("levers", path))
        where = (
            f"{source}:{line[1]}: levers.{path}" if line and line[1] else f"{source}: levers.{path}"
        )
        levers.append(_lever(str(path), spec, where))
    return tuple(levers)


def levers_from_whatif(
    scenario: Scenario, base: str, source: str
) -> tuple[tuple[Lever, ...], list[str]]:
    """The scenario's what-if levers on the base policy's fields (policies.<base>.x or
    policies.*.x), as choices; and a note for each what-if lever left out (the market is the world,
    not a policy)."""
    if scenario.whatif is None:
        raise UsageError(
            f"--levers {WHATIF_SECTION}: {source} has no whatif: section; give a levers file"
        )
    levers, notes = [], []
    for index, item in enumerate(scenario.whatif.levers):
        parts = item.path.split(".")
        if len(parts) < 3 or parts[0] != "policies" or parts[1] not in (base, "*"):
            notes.append(
                f"note: whatif.levers.{index} ({item.path}) is not a lever of policy {base}; not "
                "searched"
            )
            continue
        path = ".".join(parts[2:])
        levers.append(_lever(path, list(item.values), f"{source}: whatif.levers.{index}"))
    if not levers:
        raise UsageError(
            f"--levers {WHATIF_SECTION}: no whatif lever sets a field of policy {base}; give a "
            "levers file"
        )
    return tuple(levers), notes


def read_levers(
    spec: str, scenario: Scenario, base: str, source: str
) -> tuple[tuple[Lever, ...], list[str]]:
    """--levers FILE_OR_SECTION: a YAML file with a `levers:` mapping, or `whatif` for the
    scenario's section."""
    path = Path(spec)
    if spec == WHATIF_SECTION and not path.is_file():
        return levers_from_whatif(scenario, base, source)
    if not path.is_file():
        raise UsageError(
            f"--levers {spec}: no such file, and not a section of the scenario (use a levers file "
            f"or '{WHATIF_SECTION}')"
        )
    try:
        located = parse_yaml(read_text(path, what="a levers file is a few lines"), str(path))
    except ScenarioError as error:
        raise UsageError(str(error.problems[0])) from None
    if "levers" not in located.data:
        raise UsageError(
            f"{path}: has no levers: section (a mapping of policy levers to ranges or choices)"
        )
    extra = sorted(str(k) for k in located.data if k != "levers")
    if extra:
        raise UsageError(f"{path}: unknown section {extra[0]!r}; a levers file holds only levers:")
    return levers_from_mapping(located.data["levers"], str(path), located.lines), []


def _set_path(data: dict, dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    for part in parents:
        data = data.setdefault(part, {})
    data[leaf] = list(value) if isinstance(value, tuple) else value


def candidate_policy(
    base: Policy, values: dict[str, Any], name: str, description: str = ""
) -> Policy:
    """The base policy with each lever set to its value, validated and named; auto staffing is sized
    again."""
    data = base.model_dump(mode="json", exclude={"auto_sized"})
    for path, value in values.items():
        _set_path(data, path, value)
    data["name"], data["description"] = name, description
    try:
        return Policy.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        got = json.dumps(first.get("input"), default=str)
        raise UsageError(f"levers: {where}: {in_our_words(first)} (got {got})") from None


def check_values(scenario: Scenario, base: Policy, levers: tuple[Lever, ...]) -> None:
    """Every value a lever can take makes a valid policy in this scenario, or a one-line error
    naming it."""
    components = {c.name for c in scenario.product.components}
    for lever in levers:
        for value in lever.probe_values():
            value = int(value) if lever.integer and isinstance(value, float) else value
            candidate_policy(base, {lever.path: value}, "probe")
            if lever.path == "excluded_components":
                unknown = [c for c in (value or ()) if c not in components]
                if unknown:
                    raise UsageError(
                        f"levers: excluded_components: no component {unknown[0]!r}; components are "
                        f"{', '.join(sorted(components))}"
                    )


def _acts(scenario: Scenario, policy: Policy, path: str) -> bool:
    """Whether levers.py's rules let `path` act under `policy` in `scenario`."""
    if path.startswith("channel_staff."):
        return path.split(".", 1)[1] in _used_channels(scenario)
    through_market = path in LENIENCY_LEVERS and _leniency_acts(scenario)
    reason = (None if through_market else _no_claims(scenario, policy)) or _lever_rule(path)(
        scenario, policy
    )
    return reason is None


def inert_levers(
    scenario: Scenario, base: Policy, levers: tuple[Lever, ...]
) -> list[tuple[Lever, str]]:
    """Levers that cannot act at any combination of the levers' values (levers.py's rules), with the
    reason under the base policy; the search leaves them out."""
    probes = [lever.probe_values() for lever in levers]
    count = math.prod(len(p) for p in probes)
    if count <= MAX_PROBES:
        combinations = itertools.product(*probes)
    else:  # each lever alone moved from the base
        combinations = [tuple(base_values(base, levers))]
        combinations += [
            tuple(v if j == i else b for j, b in enumerate(base_values(base, levers)))
            for i, lever in enumerate(levers)
            for v in lever.probe_values()
        ]
    acting = set()
    for combination in combinations:
        values = {
            lever.path: (int(v) if lever.integer and isinstance(v, float) else v)
            for lever, v in zip(levers, combination)
        }
        policy = candidate_policy(base, values, "probe")
        acting |= {
            lever.path
            for lever in levers
            if lever.path not in acting and _acts(scenario, policy, lever.path)
        }
        if len(acting) == len(levers):
            return []
    inert = []
    for lever in levers:
        if lever.path in acting:
            continue
        if lever.path.startswith("channel_staff."):
            reason = f"no segment starts claims on {lever.path.split('.', 1)[1]}"
        else:
            reason = (
                _no_claims(scenario, base)
                or _lever_rule(lever.path)(scenario, base)
                or "it never acts here"
            )
        inert.append((lever, reason))
    return inert


def base_values(base: Policy, levers: tuple[Lever, ...]) -> list[Any]:
    """The base policy's own value of each lever."""
    data = base.model_dump(mode="json")
    values = []
    for lever in levers:
        node: Any = data
        for part in lever.path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        values.append(tuple(node) if isinstance(node, list) else node)
    return values


def policy_value(policy: Policy, path: str) -> Any:
    """A policy's value of one lever (None for a channel it does not staff itself)."""
    return base_values(policy, (Lever(path, choices=(0, 1)),))[0]


def checked_base(scenario: Scenario, base: str | None) -> Policy:
    names = [p.name for p in scenario.policies]
    if base is None:
        return scenario.policies[0]
    if base not in names:
        raise UsageError(
            f"--base {base}: unknown policy; the scenario's policies are {', '.join(names)}"
        )
    return scenario.policy(base)


def refuse_overlap(levers: tuple[Lever, ...]) -> None:
    paths = [lever.path for lever in levers]
    if len(set(paths)) != len(paths):
        raise UsageError("levers: a lever is named twice")


__all__ = [
    "Constraint",
    "Lever",
    "Objective",
    "candidate_policy",
    "check_values",
    "checked_base",
    "inert_levers",
    "lever_paths",
    "parse_constraint",
    "parse_objectives",
    "policy_value",
    "read_levers",
]
