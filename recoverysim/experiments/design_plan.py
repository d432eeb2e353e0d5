"""What a design searches and how: the plan, checked in full before anything runs.

Kept apart from the search (design_search.py) and the confirmation (design_confirm.py) because both
read it: the levers, objectives, constraints, budget and replications, and how a lever's value is
stored in the study.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from recoverysim.errors import UsageError
from recoverysim.experiments.design_space import (
    Constraint,
    Lever,
    Objective,
    check_values,
    inert_levers,
)
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
        notes,
    )


def choice_text(value: Any) -> str:
    """A choice as Optuna stores it: its JSON text (choices may be lists, null, booleans)."""
    return json.dumps(list(value) if isinstance(value, tuple) else value, sort_keys=True)


def lever_values(plan: DesignPlan, params: dict[str, Any]) -> dict[str, Any]:
    """A trial's parameters as the values the policy takes."""
    values = {}
    for lever in plan.levers:
        raw = params[lever.path]
        if lever.choices:
            value = json.loads(raw)
            values[lever.path] = tuple(value) if isinstance(value, list) else value
        else:
            values[lever.path] = int(raw) if lever.integer else float(raw)
    return values
