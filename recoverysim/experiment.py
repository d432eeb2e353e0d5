"""Map replications over an executor and gather their tables, sorted by run key so order never
matters.

In memory for a notebook (`run_experiment`), or into a results folder that
survives interruption and can be resumed (`run_experiment(..., store_in=...)`,
what `recoverysim run` does).
"""

from __future__ import annotations

import contextlib
import dataclasses
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from collections.abc import Callable, Iterable, Iterator

import pandas as pd

from recoverysim.calibration.best import probability_best
from recoverysim.calibration.posterior import Posterior, posterior_columns
from recoverysim.engine import ReplicationResult
from recoverysim.errors import UsageError
from recoverysim.experiments.driver import drive
from recoverysim.experiments.executors import EXECUTORS, Executor, make_executor
from recoverysim.experiments.progress import with_progress
from recoverysim.experiments.store import TaskStore
from recoverysim.experiments.tasks import Task, TaskOutput, task_key
from recoverysim.metrics import EXTRA_FIGURES, KEY_FIGURES, summarize
from recoverysim.results import PROBABILITY_BEST_FILE, read_results, run_design, write_run_tables
from recoverysim.scenario.schema import Scenario
from recoverysim.selection import selection_table
from recoverysim.staffing import resolve_staffing

__all__ = [
    "EXECUTORS",
    "Destination",
    "ExperimentResult",
    "gather",
    "plan",
    "run_experiment",
    "stored_result",
]


@dataclass(frozen=True)
class ExperimentResult:
    """All replications of all policies, as tidy tables."""

    scenario: Scenario
    policies: tuple[str, ...]
    replications: pd.DataFrame
    claims: pd.DataFrame
    daily: pd.DataFrame
    summary: pd.DataFrame
    #: With a posterior: each policy's probability of being best on value_total_eur
    #: (calibration/best.py).
    probability_best: pd.DataFrame | None = None

    @cached_property
    def selection(self) -> pd.DataFrame:
        """selection.csv: each policy's difference from the best, simultaneous 95 % MCB interval,
        probability best."""
        return selection_table(self.replications, self.policies)


@dataclass(frozen=True)
class Destination:
    """A results folder to fill task by task: `resume` continues a run there, `overwrite` replaces
    it."""

    folder: Path
    resume: bool = False
    overwrite: bool = False
    command: str = ""
    #: What the scenario file and --set wrote (scenario.load.load_with_provenance), kept in the
    #: manifest so that the report says who set each value as `recoverysim params` does.
    written: dict[str, str] | None = None

    def open_store(
        self, kind: str, scenario: Scenario, design: dict, tasks_total: int | None
    ) -> TaskStore:
        """The task store of this folder for a `kind` of work (run, sweep, breakeven, decompose)."""
        return TaskStore.open(
            self.folder,
            kind,
            scenario,
            design,
            tasks_total=tasks_total,
            resume=self.resume,
            overwrite=self.overwrite,
            command=self.command,
            written=self.written,
        )


def choose_policies(scenario: Scenario, policies: Iterable[str] | None) -> tuple[str, ...]:
    """The policies to run, in the order given (the first is the baseline); unknown names are a
    UsageError."""
    names = [p.name for p in scenario.policies]
    chosen = list(dict.fromkeys(policies)) if policies else names
    unknown = [p for p in chosen if p not in names]
    if unknown:
        raise UsageError(
            f"unknown policy {', '.join(map(repr, unknown))}; the scenario's policies are "
            f"{', '.join(names)}"
        )
    return tuple(chosen)


def plan(
    scenario: Scenario,
    policies: Iterable[str] | None = None,
    replications: int | None = None,
    keep_tables: bool = True,
    posterior: Posterior | None = None,
) -> list[Task]:
    """Every (policy, replication) task; replication r has the same seeds under every policy.

    Tasks carry the scenario with its 'auto' staff sized here, once, so workers do not repeat the
    load pilots. With a posterior, replication r runs every policy with the same drawn parameter set
    (paired); the staff stays as sized for the scenario given, so a parameter set changes behaviour,
    not the firm's staffing.
    """
    scenario = resolve_staffing(scenario)
    chosen = choose_policies(scenario, policies)
    count = scenario.replications if replications is None else replications
    if count < 1:
        raise UsageError(f"replications must be at least 1 (got {count})")
    index = {p.name: i for i, p in enumerate(scenario.policies)}
    worlds = [scenario] * count if posterior is None else posterior.scenarios(scenario, count)
    return [
        Task(task_key(index[p], r), worlds[r], p, r, keep_tables)
        for p in chosen
        for r in range(count)
    ]


def as_replication(output: TaskOutput) -> ReplicationResult:
    return ReplicationResult(
        output.policy, output.replication, output.figures, output.claims, output.daily
    )


def gather(
    scenario: Scenario, results: list[ReplicationResult], policies: tuple[str, ...]
) -> ExperimentResult:
    """Sort by (policy order, replication) and stack into the output tables."""
    order = {name: i for i, name in enumerate(policies)}
    results = sorted(results, key=lambda r: (order[r.policy], r.replication))
    keys = lambda r: {"policy": r.policy, "replication": r.replication}  # noqa: E731
    replications = pd.DataFrame(
        [{**keys(r), **r.figures} for r in results],
        columns=["policy", "replication", *KEY_FIGURES, *EXTRA_FIGURES],
    )
    claims = pd.concat([r.claims.assign(**keys(r)) for r in results], ignore_index=True)
    daily = pd.concat([r.daily.assign(**keys(r)) for r in results], ignore_index=True)
    front = ["policy", "replication"]
    claims = claims[front + [c for c in claims.columns if c not in front]]
    daily = daily[front + [c for c in daily.columns if c not in front]]
    return ExperimentResult(
        scenario, policies, replications, claims, daily, summarize(replications, list(policies))
    )


@contextlib.contextmanager
def executor_for(
    executor: str | Executor, workers: int | None, scheduler: str | None
) -> Iterator[Executor]:
    """The executor named (made here, and closed after) or given (left open for its owner)."""
    if not isinstance(executor, str):
        yield executor
        return
    made = make_executor(executor, workers, scheduler)
    try:
        yield made
    finally:
        made.close()


@with_progress("run", each="on_result")
def run_experiment(
    scenario: Scenario,
    policies: Iterable[str] | None = None,
    replications: int | None = None,
    executor: str | Executor = "processes",
    workers: int | None = None,
    on_result: Callable[[ReplicationResult], None] | None = None,
    *,
    scheduler: str | None = None,
    store_in: Destination | None = None,
    on_start: Callable[[int, set[str]], None] | None = None,
    posterior: Posterior | None = None,
    on_sizing: Callable[[int, int], None] | None = None,
) -> ExperimentResult:
    """Run every chosen policy for the same replication numbers (common random numbers) and
    summarise.

    With `store_in`, each replication is saved to that folder as it finishes and the
    complete results are written there (as `recoverysim run` does); a folder holding
    the same unfinished run is continued when `store_in.resume` is set. `on_start`
    hears the number of tasks and the keys already done, before any work starts; `on_sizing(done,
    total)` the load pilots of any 'auto' staff left to size (see driver.drive).

    With `posterior` (a calibration's, calibration/posterior.py), replication r runs every policy
    with parameter set r drawn from it; replications gain a column `posterior.<path>` per parameter,
    and the result carries each policy's probability of being best (also written to
    probability_best.csv in a results folder).
    """
    scenario = resolve_staffing(scenario)  # stored resolved, whether the CLI or a notebook called
    tasks = plan(scenario, policies, replications, posterior=posterior)
    chosen = tuple(dict.fromkeys(t.policy for t in tasks))
    count = len(tasks) // len(chosen)
    finish = _Finish(posterior, count, scenario.seed)
    store = None
    if store_in is not None:
        design = run_design(chosen, count) | finish.design()
        store = store_in.open_store("run", scenario, design, len(tasks))
        if store.complete:
            return stored_result(scenario, chosen, store.folder)
    if on_start is not None:
        on_start(len(tasks), set(store.done) if store else set())
    notify = None if on_result is None else (lambda output: on_result(as_replication(output)))
    with executor_for(executor, workers, scheduler) as runner:
        outputs = drive(tasks, runner, store, notify, on_sizing)
    if store is None:
        return finish.result(
            gather(scenario, [as_replication(o) for o in outputs.values()], chosen)
        )
    result = finish.result(
        gather(scenario, [as_replication(store.load(t.key)) for t in tasks], chosen)
    )
    store.finish(lambda folder: write_run_tables(result, folder), **finish.manifest_fields())
    return result


@dataclass(frozen=True)
class _Finish:
    """What a posterior adds to a run: its fingerprint in the design, its draws and the probability
    best."""

    posterior: Posterior | None
    replications: int
    seed: int

    def design(self) -> dict:
        return {} if self.posterior is None else {"posterior": self.posterior.describe()}

    def manifest_fields(self) -> dict:
        if self.posterior is None:
            return {}
        posterior = self.posterior
        return {
            "posterior": {
                "folder": str(posterior.folder),
                "calibrated_scenario": posterior.calibrated_scenario,
                **posterior.describe(),
            }
        }

    def result(self, result: ExperimentResult) -> ExperimentResult:
        if self.posterior is None:
            return result
        drawn = posterior_columns(self.posterior.draw(self.replications, self.seed))
        replications = result.replications.join(drawn, on="replication")
        table = probability_best(replications, list(result.policies))
        return dataclasses.replace(result, replications=replications, probability_best=table)


def stored_result(scenario: Scenario, policies: tuple[str, ...], folder: Path) -> ExperimentResult:
    """The complete run a results folder holds, as the result that made it."""
    stored = read_results(folder)
    best = folder / PROBABILITY_BEST_FILE
    table = pd.read_csv(best) if best.is_file() else None
    return ExperimentResult(
        scenario, policies, stored.replications, stored.claims, stored.daily, stored.summary, table
    )
