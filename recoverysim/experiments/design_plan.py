"""What a design searches and how: the plan, checked in full before anything runs.

Kept apart from the search (design_search.py) and the confirmation (design_confirm.py) because both
read it: the levers, objectives, constraints, budget and replications, and how a lever's value is
stored in the study.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from recoverysim.errors import UsageError
from recoverysim.experiments.design_space import (
    Constraint,
    Lever,
    Objective,
    base_values,
    candidate_policy,
    check_values,
    inert_levers,
)
from recoverysim.scenario.fields import same_setting
from recoverysim.scenario.schema import Policy, Scenario

SAMPLERS = ("tpe", "nsga2")
#: Default sampler: multi-objective TPE. A design's budget is tens of candidates, each several
#: replications of a whole world; TPE models the good and the bad candidates from the first few,
#: while NSGA-II needs several generations of a population (hundreds of candidates) before its
#: crossover pays. Both honour constraints. TPE models the levers jointly (multivariate): levers act
#: together (a remedy is cheap only with the proof and the cover that keep honest claimants
#: remedied), and one lever at a time learns the wrong lesson.
DEFAULT_SAMPLER = "tpe"
#: Candidates proposed together before any of them is told (so the cores stay busy). Fixed, not the
#: worker count, so that serial, processes and dask runs of a design give the same frontier.
TPE_BATCH = 4
#: Candidates TPE draws at random before it models (at most; half the budget for small budgets).
TPE_STARTUP = 10
#: NSGA-II's population: a fifth of the budget within these bounds (a generation is one batch).
NSGA2_POPULATION = (4, 50)
DEFAULT_CONFIRM_MIN = 10
STUDY_NAME = "design"
JOURNAL_FILE = "optuna.journal"


def default_confirm_replications(search_replications: int) -> int:
    """Twice the search's, at least 10: the confirmation must tell apart what the search could
    not."""
    return max(DEFAULT_CONFIRM_MIN, 2 * search_replications)


@dataclass(frozen=True)
class Seed:
    """A named policy that the design space holds, tried first: its name(s) and its parameters as
    the study stores them."""

    name: str
    params: tuple[tuple[str, Any], ...]

    def as_dict(self) -> dict[str, Any]:
        return dict(self.params)


@dataclass(frozen=True)
class DesignPlan:
    """What a design searches and how: checked in full before anything runs."""

    scenario: Scenario
    base: Policy
    levers: tuple[Lever, ...]
    objectives: tuple[Objective, ...]
    constraints: tuple[Constraint, ...]
    budget: int
    replications: int
    confirm_replications: int
    sampler: str
    inert: tuple[tuple[str, str], ...] = ()  # (lever, why) left out of the search
    notes: tuple[str, ...] = ()
    #: the named policies the space holds, enqueued as the first trials (within the budget)
    seeds: tuple[Seed, ...] = ()

    @property
    def batch(self) -> int:
        return self.population if self.sampler == "nsga2" else TPE_BATCH

    @property
    def population(self) -> int:
        low, high = NSGA2_POPULATION
        return min(high, max(low, self.budget // 5))

    @property
    def startup(self) -> int:
        return min(TPE_STARTUP, max(2, self.budget // 2))

    @property
    def figures(self) -> tuple[str, ...]:
        """Objective and constraint figures, each once."""
        figures = [*(o.figure for o in self.objectives), *(c.figure for c in self.constraints)]
        return tuple(dict.fromkeys(figures))

    def design(self) -> dict:
        """What the manifest records and --resume checks."""
        return {
            "base": self.base.name,
            "policies": [p.name for p in self.scenario.policies],
            "levers": [lever.to_dict() for lever in self.levers],
            "left_out": [{"lever": lever, "why": why} for lever, why in self.inert],
            "objectives": [str(o) for o in self.objectives],
            "constraints": [str(c) for c in self.constraints],
            "budget": self.budget,
            "replications": self.replications,
            "confirm_replications": self.confirm_replications,
            "confirm_first_replication": self.replications,
            "sampler": self.sampler,
            "batch": self.batch,
            "named_first": [seed.name for seed in self.seeds],
            **(
                {"population": self.population}
                if self.sampler == "nsga2"
                else {"startup": self.startup}
            ),
        }


def plan_design(
    scenario: Scenario,
    base: Policy,
    levers: tuple[Lever, ...],
    objectives: tuple[Objective, ...],
    constraints: tuple[Constraint, ...] = (),
    budget: int = 40,
    replications: int | None = None,
    confirm_replications: int | None = None,
    sampler: str = DEFAULT_SAMPLER,
    notes: tuple[str, ...] = (),
) -> DesignPlan:
    """Check the levers against the policy schema and the scenario, and leave out (with a note)
    those that cannot act in this scenario at any of the values given."""
    if sampler not in SAMPLERS:
        raise UsageError(f"--sampler {sampler}: choose one of {', '.join(SAMPLERS)}")
    if budget < 1:
        raise UsageError(f"--budget must be at least 1 candidate (got {budget})")
    count = scenario.replications if replications is None else replications
    if count < 1:
        raise UsageError(f"--replications must be at least 1 (got {count})")
    confirm = confirm_replications
    if confirm is None:
        confirm = default_confirm_replications(count)
    if confirm < 2:
        raise UsageError(
            f"--confirm-replications must be at least 2 to give intervals (got {confirm})"
        )
    check_values(scenario, base, levers)
    inert = inert_levers(scenario, base, levers)
    left_out = {lever.path for lever, _ in inert}
    acting = tuple(lever for lever in levers if lever.path not in left_out)
    if not acting:
        why = "; ".join(f"{lever.path}: {reason}" for lever, reason in inert)
        raise UsageError(f"no lever can act in this scenario, nothing to search ({why})")
    plain = scenario.model_copy(update={"whatif": None, "sweep": None})
    seeds, outside = named_seeds(plain, base, acting, budget)
    return DesignPlan(
        plain,
        base,
        acting,
        objectives,
        constraints,
        budget,
        count,
        confirm,
        sampler,
        tuple((lever.path, reason) for lever, reason in inert),
        (*notes, *outside),
        seeds,
    )


def choice_text(value: Any) -> str:
    """A choice as Optuna stores it: its JSON text (choices may be lists, null, booleans)."""
    return json.dumps(list(value) if isinstance(value, tuple) else value, sort_keys=True)


def lever_values(plan: DesignPlan, params: dict[str, Any]) -> dict[str, Any]:
    """A trial's parameters as the values the policy takes."""
    return _values(plan.levers, params)


def _values(levers: tuple[Lever, ...], params: dict[str, Any]) -> dict[str, Any]:
    values = {}
    for lever in levers:
        raw = params[lever.path]
        if lever.choices:
            value = json.loads(raw)
            values[lever.path] = tuple(value) if isinstance(value, list) else value
        else:
            values[lever.path] = int(raw) if lever.integer else float(raw)
    return values


# ------------------------------------------------------------------------- named policies first


def study_value(lever: Lever, value: Any) -> str | int | float | None:
    """A policy's value of a lever as the study stores it, or None when the lever's space does not
    hold it (not one of the choices, outside the range, off its step or not a whole number)."""
    if lever.choices:
        return next((choice_text(c) for c in lever.choices if same_setting(c, value)), None)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    if not lever.low <= value <= lever.high:
        return None
    if lever.integer:
        steps = (value - lever.low) / (lever.step or 1)
        return int(value) if value == int(value) and steps == int(steps) else None
    if lever.step:
        steps = (value - lever.low) / lever.step
        if abs(steps - round(steps)) >= 1e-8:  # Optuna's own test of a stepped float
            return None
    return float(value)


def _shown(value: Any) -> str:
    return json.dumps(list(value) if isinstance(value, tuple) else value)


def _first_difference(base: dict, policy: dict, prefix: str = "") -> tuple[str, Any, Any] | None:
    """The first field (dotted) where two dumped policies differ, with the two values."""
    for key in sorted(set(base) | set(policy)):
        mine, theirs = base.get(key), policy.get(key)
        if isinstance(mine, dict) and isinstance(theirs, dict):
            inner = _first_difference(mine, theirs, f"{prefix}{key}.")
            if inner:
                return inner
        elif mine != theirs:
            return f"{prefix}{key}", mine, theirs
    return None


def _seed_of(base: Policy, levers: tuple[Lever, ...], policy: Policy) -> tuple[dict, str]:
    """The study's parameters that make `policy` from the base, or why none do (a line's end)."""
    params = {}
    for lever, value in zip(levers, base_values(policy, levers)):
        stored = study_value(lever, value)
        if stored is None:
            space = lever.describe().split(": ", 1)[1]
            return {}, f"its {lever.path} ({_shown(value)}) lies outside the levers ({space})"
        params[lever.path] = stored
    try:
        made = candidate_policy(base, _values(levers, params), policy.name, policy.description)
    except UsageError as error:
        return {}, f"its levers on {base.name} are not a valid policy ({error})"
    dumped = [p.model_dump(mode="json", exclude={"auto_sized"}) for p in (made, policy)]
    difference = _first_difference(*dumped)
    if difference:
        field, mine, theirs = difference
        return {}, (
            f"its {field} ({_shown(theirs)}) is not a lever and differs from the base policy "
            f"{base.name}'s ({_shown(mine)})"
        )
    return params, ""


def named_seeds(
    scenario: Scenario, base: Policy, levers: tuple[Lever, ...], budget: int
) -> tuple[tuple[Seed, ...], list[str]]:
    """The named policies (the base first) that the design space holds, as the search's first
    trials, each set of levers once and within the budget; and a note for each one it cannot hold,
    naming the lever."""
    named = [base, *(p for p in scenario.policies if p.name != base.name)]
    seeds: dict[str, tuple[list[str], dict]] = {}
    notes = []
    for policy in named:
        params, why = _seed_of(base, levers, policy)
        key = json.dumps(params, sort_keys=True)
        if why:
            notes.append(f"note: policy {policy.name} is not searched first: {why}")
        elif key in seeds:
            seeds[key][0].append(policy.name)
        elif len(seeds) == budget:
            notes.append(
                f"note: policy {policy.name} is not searched first: the budget of {budget} "
                "candidates is spent before it"
            )
        else:
            seeds[key] = ([policy.name], params)
    return tuple(
        Seed(", ".join(names), tuple(params.items())) for names, params in seeds.values()
    ), notes
