"""`run --until-settled`: add replications in batches until the choice among the policies is
settled.

The first batch is the run's replications; each further batch adds max(10, first // 2), up to a
budget. After each batch, selection.py's simultaneous 95 % intervals on the decision figure say, for
every policy, whether it is separated from the best (worse, at 95 %) or within the indifference zone
(at most `indifference` behind the best of the others, at 95 %). The run stops when every policy is
one or the other, or when the budget is spent.

Replications go to one results folder: replication r has the same seeds whatever the batch, so the
batches add up to the run `--replications N` would make, and a run stopped at any moment resumes
where it was (the batches are fixed by the rule, so a resumed run makes the same decisions at the
same counts).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd

from recoverysim.engine import ReplicationResult
from recoverysim.errors import UsageError
from recoverysim.experiment import (
    Destination,
    ExperimentResult,
    as_replication,
    executor_for,
    gather,
    plan,
    stored_result,
)
from recoverysim.experiments.driver import drive
from recoverysim.experiments.executors import Executor
from recoverysim.experiments.store import TaskStore
from recoverysim.metrics import KEY_FIGURES, better_direction
from recoverysim.results import write_run_tables
from recoverysim.scenario.schema import Scenario
from recoverysim.selection import metric_selection
from recoverysim.staffing import resolve_staffing
from recoverysim.table import number
from recoverysim.verdict import DECISION_FIGURE

MIN_BATCH = 10
DEFAULT_MAX_REPLICATIONS = 200


@dataclass(frozen=True)
class SettleRule:
    """When to stop adding replications: the figure, the indifference zone, the first batch and the
    budget."""

    metric: str = DECISION_FIGURE
    indifference: float = 0.0
    first_batch: int = MIN_BATCH
    max_replications: int = DEFAULT_MAX_REPLICATIONS

    def __post_init__(self) -> None:
        if self.metric not in KEY_FIGURES:
            raise UsageError(
                f"--metric {self.metric}: not a key figure; choose one of {', '.join(KEY_FIGURES)}"
            )
        if better_direction(self.metric) is None:
            raise UsageError(
                f"--metric {self.metric}: has no better side, so no policy can be best on it"
            )
        if not (self.indifference >= 0.0 and math.isfinite(self.indifference)):
            raise UsageError(f"--indifference must be a number >= 0 (got {self.indifference})")
        if self.first_batch < 2:
            raise UsageError(
                "--until-settled needs at least 2 replications in the first batch (got "
                f"{self.first_batch})"
            )
        if self.max_replications < self.first_batch:
            raise UsageError(
                f"--max-replications {self.max_replications} is below the first batch "
                f"(--replications {self.first_batch})"
            )

    @property
    def batch(self) -> int:
        """Replications added after the first batch, each time."""
        return max(MIN_BATCH, self.first_batch // 2)

    def checkpoints(self) -> list[int]:
        """The replication counts at which the rule looks: the first batch, then every batch, then
        the budget."""
        counts = list(range(self.first_batch, self.max_replications, self.batch))
        return [*counts, self.max_replications]

    def describe(self) -> dict:
        """The rule as the results folder's design records it: a resume must follow the same
        rule."""
        return {
            "metric": self.metric,
            "indifference": self.indifference,
            "first_batch": self.first_batch,
            "batch": self.batch,
            "max_replications": self.max_replications,
        }


@dataclass(frozen=True)
class Standing:
    """One policy after a batch: 'best', 'separated', 'indifferent' or 'open' (none of these
    yet)."""

    policy: str
    state: str
    row: dict


@dataclass(frozen=True)
class Decision:
    """Why the run stopped (or would go on) after `replications`."""

    rule: SettleRule
    replications: int
    best: str
    standings: tuple[Standing, ...]

    @property
    def settled(self) -> bool:
        return all(standing.state != "open" for standing in self.standings)

    def lines(self) -> list[str]:
        """A stop line ('settled: ...' or 'budget spent: ...'), then one line per policy saying
        where it stands."""
        rule = self.rule
        unit = " EUR" if rule.metric.endswith("_eur") else ""
        zone = f"indifference zone {number(rule.indifference)}{unit}"
        if self.settled:
            head = (
                f"settled: after {self.replications} replications every policy is separated from "
                f"the best ({self.best}) on {rule.metric} or within the {zone}."
            )
        else:
            head = (
                f"budget spent: {self.replications} replications (--max-replications "
                f"{rule.max_replications}) and not settled on {rule.metric} ({zone})."
            )
        return [
            head,
            *(f"  {standing.policy}: {self._words(standing)}" for standing in self.standings),
        ]

    def _words(self, standing: Standing) -> str:
        row = standing.row
        interval = f"[{number(row['mcb_low'])}, {number(row['mcb_high'])}]"
        gap = f"worse by {number(abs(row['diff_from_best']))}, MCB interval {interval}"
        chance = f"probability best {100 * row['probability_best']:.0f} %"
        if standing.state == "best":
            return f"the best ({chance})"
        if row["best"]:
            return (
                f"the best so far, but may be behind another by {number(shortfall(row))} "
                f"({chance}, MCB {interval})"
            )
        if standing.state == "separated":
            return f"separated from the best ({gap})"
        if standing.state == "indifferent":
            return f"within the indifference zone of the best ({gap})"
        return f"neither separated from the best nor within the indifference zone ({gap})"


def shortfall(row: dict) -> float:
    """How far the policy may be behind the best of the others, at 95 % (the far end of its MCB
    interval)."""
    return -row["mcb_low"] if row["better"] == "higher" else row["mcb_high"]


def decide(selection: pd.DataFrame, rule: SettleRule) -> Decision:
    """Each policy's standing from one figure's rows of selection.csv."""
    standings = []
    best = ""
    for row in selection.to_dict("records"):
        behind = shortfall(row)
        within = not math.isnan(behind) and behind <= rule.indifference
        if row["best"]:
            best = row["policy"]
            state = "best" if within else "open"
        elif row["separated"]:
            state = "separated"
        else:
            state = "indifferent" if within else "open"
        standings.append(Standing(row["policy"], state, row))
    count = int(selection["replications"].iloc[0]) if len(selection) else 0
    return Decision(rule, count, best, tuple(standings))


def _figures_frame(store: TaskStore, tasks: list) -> pd.DataFrame:
    """replications.parquet's key figures of the finished tasks, read from their records alone."""
    rows = [
        {"policy": t.policy, "replication": t.replication, **store.load_figures(t.key)}
        for t in tasks
    ]
    return pd.DataFrame(rows)


def run_until_settled(
    scenario: Scenario,
    rule: SettleRule,
    store_in: Destination,
    policies: Iterable[str] | None = None,
    executor: str | Executor = "processes",
    workers: int | None = None,
    *,
    scheduler: str | None = None,
    on_result: Callable[[ReplicationResult], None] | None = None,
    on_start: Callable[[int | None, set[str]], None] | None = None,
    on_sizing: Callable[[int, int], None] | None = None,
) -> tuple[ExperimentResult, Decision]:
    """Run batches into `store_in` until `rule` is settled or its budget spent; the run and why it
    stopped.

    The folder's design records the rule, so `store_in.resume` continues only the same rule on the
    same scenario. `on_sizing(done, total)` counts load pilots for 'auto' staff left to size.
    """
    scenario = resolve_staffing(scenario)
    tasks = plan(scenario, policies, rule.max_replications)
    chosen = tuple(dict.fromkeys(t.policy for t in tasks))
    if len(chosen) < 2:
        raise UsageError("--until-settled compares policies: run at least two")
    design = {"policies": list(chosen), "until_settled": rule.describe()}
    store = store_in.open_store("run", scenario, design, None)
    if store.complete:
        result = stored_result(scenario, chosen, store.folder)
        return result, decide(
            metric_selection(result.replications, list(chosen), rule.metric), rule
        )
    if on_start is not None:
        on_start(None, set(store.done))
    notify = None if on_result is None else (lambda output: on_result(as_replication(output)))
    with executor_for(executor, workers, scheduler) as runner:
        for count in rule.checkpoints():
            batch = [t for t in tasks if t.replication < count]
            drive(batch, runner, store, notify, on_sizing)
            decision = decide(
                metric_selection(_figures_frame(store, batch), list(chosen), rule.metric), rule
            )
            if decision.settled or count == rule.max_replications:
                break
    result = gather(scenario, [as_replication(store.load(t.key)) for t in batch], chosen)
    store.finish(
        lambda folder: write_run_tables(result, folder),
        replications=count,
        tasks_total=len(batch),
        until_settled={"settled": decision.settled, "replications": count},
    )
    return result, decision
