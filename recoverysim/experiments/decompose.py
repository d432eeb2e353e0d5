"""Decompose the paired difference between two policies into the share of each lever (Shapley
values).

From policy A to policy B, the levers are the policy fields where they differ
(a nested section such as `inspection` counts field by field). A coalition S
of levers is the hybrid policy that takes B's values for the levers in S and
A's for the rest. Every hybrid runs the same replication numbers, so
replication r faces the same customers under each (common random numbers), and
in each replication the levers' Shapley values sum to v_r(B) − v_r(A) exactly.
A lever's contribution is the mean of its Shapley values over replications,
with a 95 % t interval across them.

With few levers every coalition is simulated (exact Shapley values); with many,
`orderings` random orderings and their reverses are, and the Shapley value is
the mean marginal contribution over them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd
from pydantic import BaseModel, ValidationError

from recoverysim.errors import RecoverySimError, UsageError
from recoverysim.experiment import Destination, choose_policies, executor_for
from recoverysim.experiments.driver import drive
from recoverysim.experiments.executors import Executor
from recoverysim.experiments.progress import with_progress
from recoverysim.experiments.shapley import (
    Ordering,
    all_coalitions,
    coalitions_of,
    full_mask,
    sample_orderings,
    shapley,
)
from recoverysim.experiments.tasks import Task, TaskOutput, task_key
from recoverysim.metrics import EXTRA_FIGURES, KEY_FIGURES, mean_interval
from recoverysim.results import CSV_FLOAT_FORMAT, atomic_write
from recoverysim.scenario.messages import in_our_words
from recoverysim.scenario.schema import Policy, Scenario

DEFAULT_METRIC = "value_total_eur"
DEFAULT_ORDERINGS = 8
MAX_EXACT_LEVERS = 6
"""Up to 6 levers (64 coalitions) every coalition is simulated; beyond, orderings are sampled.
Assumption: 64 coalitions is about the work of a large run."""
NOT_LEVERS = ("name", "description", "auto_sized")  # auto_sized is written by the staffing step
TOTAL = "total"
COLUMNS = ("metric", "lever", "contribution", "ci_low", "ci_high")


def known_figures() -> tuple[str, ...]:
    return (*KEY_FIGURES, *EXTRA_FIGURES)


@dataclass(frozen=True)
class Lever:
    """One policy field (dotted for nested sections, e.g. inspection.sensitivity) where A and B
    differ."""

    name: str
    baseline_value: Any
    target_value: Any


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, tuple) and isinstance(
        b, tuple
    ):  # excluded components: a set, whatever the order written
        return sorted(map(str, a)) == sorted(map(str, b))
    return a == b


def _differing(a: BaseModel, b: BaseModel, prefix: str) -> Iterator[Lever]:
    for name in type(a).model_fields:
        if not prefix and name in NOT_LEVERS:
            continue
        value_a, value_b = getattr(a, name), getattr(b, name)
        if isinstance(value_a, BaseModel):
            yield from _differing(value_a, value_b, f"{prefix}{name}.")
        elif not _same(value_a, value_b):
            yield Lever(f"{prefix}{name}", value_a, value_b)


def levers_between(baseline: Policy, target: Policy) -> tuple[Lever, ...]:
    """The levers that differ from `baseline` to `target`, in the order of the Policy fields."""
    return tuple(_differing(baseline, target, ""))


def _set_path(data: dict, dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    for part in parents:
        data = data[part]
    data[leaf] = value


def members(mask: int, levers: tuple[Lever, ...]) -> list[Lever]:
    return [lever for i, lever in enumerate(levers) if mask >> i & 1]


def hybrid_policy(baseline: Policy, levers: tuple[Lever, ...], mask: int, name: str) -> Policy:
    """`baseline` with the target's value for each lever in the coalition `mask`, validated, named
    `name`."""
    data = baseline.model_dump()
    chosen = members(mask, levers)
    for lever in chosen:
        _set_path(data, lever.name, lever.target_value)
    data["description"] = (
        f"{baseline.name} with {', '.join(lever.name for lever in chosen) or 'no lever'} switched"
    )
    data["name"] = (
        name  # within the name rule: coalition_name keeps it to 64 characters of allowed ones
    )
    try:
        return Policy.model_validate(data)
    except ValidationError as error:
        raise UsageError(
            f"the hybrid policy {name} is not valid: {in_our_words(error.errors()[0])}"
        ) from None


def coalition_name(
    baseline: str, target: str, mask: int, levers: tuple[Lever, ...], taken: set[str]
) -> str:
    """A for no lever, B for all, else A+lever+lever; made unique against the names taken."""
    if mask == 0:
        return baseline
    if mask == full_mask(len(levers)):
        return target
    chosen = members(mask, levers)
    name = "+".join([baseline, *(lever.name for lever in chosen)])
    if len(name) > 56:  # room for a suffix within the 64 characters of a name (scenario/fields.py)
        name = f"{baseline[:36].rstrip()}+{len(chosen)} levers ({mask})"
    unique, suffix = name, 2
    while unique in taken:
        unique, suffix = f"{name} ({suffix})", suffix + 1
    return unique


@dataclass(frozen=True)
class DecompositionPlan:
    """Which coalitions to simulate, as policies, and how their values combine (exact or sampled
    orderings)."""

    baseline: str
    target: str
    levers: tuple[Lever, ...]
    coalitions: tuple[int, ...]
    policies: tuple[Policy, ...]
    orderings: tuple[Ordering, ...] | None

    @property
    def exact(self) -> bool:
        return self.orderings is None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(policy.name for policy in self.policies)

    def lever_names(self, mask: int) -> list[str]:
        return [lever.name for lever in members(mask, self.levers)]

    def method(self) -> str:
        """One line saying how the order of the levers is handled."""
        n = len(self.levers)
        if self.exact:
            return (
                f"Shapley values over all {math.factorial(n)} orderings "
                f"(exact: all {len(self.coalitions)} coalitions simulated)"
            )
        return (
            f"Shapley values over {len(self.orderings) // 2} sampled orderings and their reverses "
            f"({len(self.coalitions)} of the {2**n} coalitions simulated)"
        )

    def design(self, replications: int) -> dict:
        """What the results folder's manifest records, and what --resume checks."""
        return {
            "from": self.baseline,
            "to": self.target,
            "policies": [self.baseline, self.target],
            "replications": replications,
            "method": "exact" if self.exact else "sampled_orderings",
            "levers": [
                {
                    "lever": lever.name,
                    "from": _plain(lever.baseline_value),
                    "to": _plain(lever.target_value),
                }
                for lever in self.levers
            ],
            "orderings": None if self.exact else [list(o) for o in self.orderings],
            "coalitions": [
                {"policy": name, "levers": self.lever_names(mask)}
                for name, mask in zip(self.names, self.coalitions)
            ],
        }

    def scenario(self, scenario: Scenario) -> Scenario:
        """The scenario whose policies are the coalitions' hybrids, in coalition order."""
        return scenario.model_copy(update={"policies": self.policies})


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def plan_decomposition(
    scenario: Scenario,
    baseline: str,
    target: str,
    orderings: int = DEFAULT_ORDERINGS,
    max_exact_levers: int = MAX_EXACT_LEVERS,
) -> DecompositionPlan:
    """The coalitions from `baseline` to `target`: all of them with few levers, else those of
    sampled orderings."""
    choose_policies(scenario, [baseline, target])  # a clear error for unknown names
    if baseline == target:
        raise UsageError(f"--from and --to both name {baseline}; choose two different policies")
    if orderings < 1:
        raise UsageError(f"orderings must be at least 1 (got {orderings})")
    levers = levers_between(scenario.policy(baseline), scenario.policy(target))
    if not levers:
        raise UsageError(
            f"{baseline} and {target} set every lever alike: there is no difference to decompose"
        )
    n = len(levers)
    sampled = None if n <= max_exact_levers else sample_orderings(n, orderings, scenario.seed)
    masks = all_coalitions(n) if sampled is None else coalitions_of(sampled, n)
    taken = {baseline, target}
    policies = []
    for mask in masks:
        name = coalition_name(baseline, target, mask, levers, taken)
        taken.add(name)
        policies.append(
            scenario.policy(name)
            if name in (baseline, target)
            else hybrid_policy(scenario.policy(baseline), levers, mask, name)
        )
    return DecompositionPlan(baseline, target, levers, masks, tuple(policies), sampled)


def present_figures(replications: pd.DataFrame) -> list[str]:
    return [f for f in known_figures() if f in replications.columns]


def contributions_by_replication(
    replications: pd.DataFrame, plan: DecompositionPlan
) -> pd.DataFrame:
    """Per metric, lever and replication the Shapley value, and the paired difference B − A as lever
    `total`."""
    figures = present_figures(replications)
    numbers = sorted(int(r) for r in replications["replication"].unique())
    values = {}
    for name, mask in zip(plan.names, plan.coalitions):
        own = replications[replications["policy"] == name].set_index("replication")
        if sorted(own.index) != numbers:
            raise RecoverySimError(
                f"coalition {name}: replications {sorted(own.index)} do not match {numbers}"
            )
        values[mask] = own.loc[numbers, figures].to_numpy(dtype=float)  # (replications, figures)
    n = len(plan.levers)
    shares = shapley(values, n, plan.orderings)  # (levers, replications, figures)
    totals = values[full_mask(n)] - values[0]
    stacked = np.concatenate([shares, totals[np.newaxis]]).transpose(
        2, 0, 1
    )  # (figures, levers then total, replications)
    labels = [lever.name for lever in plan.levers] + [TOTAL]
    figure_index, lever_index, replication_index = np.indices(stacked.shape)
    return pd.DataFrame(
        {
            "metric": np.array(figures, dtype=object)[figure_index.ravel()],
            "lever": np.array(labels, dtype=object)[lever_index.ravel()],
            "replication": np.array(numbers)[replication_index.ravel()],
            "contribution": stacked.ravel(),
        }
    )


def decompose(replications: pd.DataFrame, plan: DecompositionPlan) -> pd.DataFrame:
    """decomposition.csv: per metric, each lever's mean Shapley value with a 95 % t interval, then
    the total."""
    per_replication = contributions_by_replication(replications, plan)
    rows = []
    for (metric, lever), group in per_replication.groupby(["metric", "lever"], sort=False):
        rows.append((metric, lever, *mean_interval(group["contribution"].to_numpy())))
    return pd.DataFrame(rows, columns=list(COLUMNS))


@dataclass(frozen=True)
class Decomposition:
    """The decomposition of B − A into levers, and the replications of every coalition it rests
    on."""

    plan: DecompositionPlan
    metric: str
    replications: pd.DataFrame
    table: pd.DataFrame

    def companion_text(self, scenario: Scenario) -> str:
        """decomposition.txt: what the csv's numbers are and how they were computed."""
        count = int(self.replications["replication"].nunique())
        levers = "\n".join(
            f"  {lever.name}: {_plain(lever.baseline_value)} -> {_plain(lever.target_value)}"
            for lever in self.plan.levers
        )
        return (
            f"Decomposition of {self.plan.target} - {self.plan.baseline} into "
            f"{len(self.plan.levers)} levers (scenario {scenario.name}, seed {scenario.seed}, "
            f"{count} replications on common random numbers).\n"
            f"Method: {self.plan.method()}.\n"
            "contribution: mean over replications of the lever's Shapley value, the average over "
            "orderings of the lever's marginal effect when switched from the first policy's value "
            "to the second's;\n"
            "ci_low, ci_high: 95 % Student t interval across replications.\n"
            f"lever `{TOTAL}`: the paired difference {self.plan.target} - {self.plan.baseline}; "
            "in every replication the "
            "levers' contributions sum to it exactly.\n"
            f"Levers ({self.plan.baseline} -> {self.plan.target}):\n{levers}\n"
        )


def coalitions_table(outputs: list[TaskOutput], plan: DecompositionPlan) -> pd.DataFrame:
    """replications.parquet: one row per coalition and replication, with the levers it switched and
    every figure."""
    index = {name: i for i, name in enumerate(plan.names)}
    outputs = sorted(outputs, key=lambda o: (index[o.policy], o.replication))
    figures = [f for f in known_figures() if outputs and f in outputs[0].figures]
    rows = [
        {
            "policy": o.policy,
            "levers": "+".join(plan.lever_names(plan.coalitions[index[o.policy]])),
            "replication": o.replication,
            **{f: o.figures[f] for f in figures},
        }
        for o in outputs
    ]
    return pd.DataFrame(rows, columns=["policy", "levers", "replication", *figures]).astype(
        {f: "float64" for f in figures}
    )


def write_decomposition(result: Decomposition, scenario: Scenario, folder: Path) -> None:
    atomic_write(
        folder / "replications.parquet", lambda p: result.replications.to_parquet(p, index=False)
    )
    atomic_write(
        folder / "decomposition.csv",
        lambda p: result.table.to_csv(p, index=False, float_format=CSV_FLOAT_FORMAT),
    )
    atomic_write(
        folder / "decomposition.txt",
        lambda p: p.write_text(result.companion_text(scenario), encoding="utf-8"),
    )


def _checked_metric(metric: str, figures: list[str] | tuple[str, ...]) -> str:
    if metric not in figures:
        raise UsageError(
            f"no figure {metric!r} in the results; available figures: {', '.join(figures)}"
        )
    return metric


@with_progress("decompose")
def decompose_policies(
    scenario: Scenario,
    baseline: str,
    target: str,
    replications: int | None = None,
    orderings: int = DEFAULT_ORDERINGS,
    executor: str | Executor = "processes",
    workers: int | None = None,
    *,
    metric: str = DEFAULT_METRIC,
    scheduler: str | None = None,
    store_in: Destination | None = None,
    on_start: Callable[[int, set[str]], None] | None = None,
    on_output: Callable[[TaskOutput], None] | None = None,
    on_sizing: Callable[[int, int], None] | None = None,
) -> Decomposition:
    """Attribute the paired difference `target` − `baseline` in every figure to each lever (Shapley
    values).

    `metric` is the figure the caller will show (it must exist); every figure is decomposed.
    With `store_in`, each replication is saved as it finishes and the folder can be resumed.
    `on_sizing(done, total)` counts the load pilots that size the hybrids' 'auto' staff first.
    """
    plan = plan_decomposition(scenario, baseline, target, orderings)
    _checked_metric(metric, known_figures())
    count = scenario.replications if replications is None else replications
    if count < 1:
        raise UsageError(f"replications must be at least 1 (got {count})")
    hybrids = plan.scenario(scenario)
    tasks = [
        Task(task_key(i, r), hybrids, name, r)
        for i, name in enumerate(plan.names)
        for r in range(count)
    ]
    store = None
    if store_in is not None:
        store = store_in.open_store("decompose", scenario, plan.design(count), len(tasks))
        if store.complete:
            frame = pd.read_parquet(store.folder / "replications.parquet")
            return Decomposition(
                plan, _checked_metric(metric, present_figures(frame)), frame, decompose(frame, plan)
            )
    if on_start is not None:
        on_start(len(tasks), set(store.done) if store else set())
    with executor_for(executor, workers, scheduler) as runner:
        outputs = drive(tasks, runner, store, on_output, on_sizing)
    found = (
        [store.load(t.key) for t in tasks] if store is not None else [outputs[t.key] for t in tasks]
    )
    frame = coalitions_table(found, plan)
    result = Decomposition(plan, metric, frame, decompose(frame, plan))
    if store is not None:
        store.finish(
            lambda folder: write_decomposition(result, scenario, folder),
            metric=metric,
            method=plan.method(),
        )
    _checked_metric(metric, present_figures(frame))
    return result
