"""Run a sweep: every point of a design, every policy, the same replication seeds at every point.

Replication r of every policy at every point uses the seeds of (scenario seed,
r), so differences between policies at a point are paired (common random
numbers), and so are differences between points.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable, Iterable

import pandas as pd

from recoverysim.errors import UsageError
from recoverysim.experiment import Destination, choose_policies, executor_for
from recoverysim.experiments.designs import Design, make_design, point_scenarios
from recoverysim.experiments.driver import drive
from recoverysim.experiments.executors import Executor
from recoverysim.experiments.progress import with_progress
from recoverysim.experiments.sensitivity import (
    DEFAULT_METRIC,
    check_sensitivity_sweep,
    read_sensitivity,
    sweep_sensitivity,
    write_sensitivity,
)
from recoverysim.experiments.tasks import Task, TaskOutput, task_key
from recoverysim.metrics import EXTRA_FIGURES, KEY_FIGURES, summarize
from recoverysim.results import CSV_FLOAT_FORMAT, atomic_write, read_sweep
from recoverysim.scenario.schema import Scenario, Sweep

FIGURES = (*KEY_FIGURES, *EXTRA_FIGURES)
SUMMARY_COLUMNS = (
    "policy",
    "metric",
    "mean",
    "ci_low",
    "ci_high",
    "diff_vs_baseline",
    "diff_ci_low",
    "diff_ci_high",
)


@dataclass(frozen=True)
class SweepResult:
    """A finished sweep: one row per point, policy and replication, and the summary per point."""

    scenario: Scenario
    design: Design
    policies: tuple[str, ...]
    points: pd.DataFrame
    points_summary: pd.DataFrame
    sensitivity: pd.DataFrame | None = None


def sweep_plan(
    scenario: Scenario, design: Design, policies: tuple[str, ...], replications: int
) -> list[Task]:
    """Tasks ordered point by point, so the first points finish (and can be looked at) first."""
    index = {p.name: i for i, p in enumerate(scenario.policies)}
    scenarios = point_scenarios(scenario, design)
    return [
        Task(task_key(index[p], r, point.index), scenarios[point.index], p, r)
        for point in design.points
        for p in policies
        for r in range(replications)
    ]


def point_of(key: str) -> str:
    return key.split("-", 1)[0]


def points_table(
    outputs: Iterable[TaskOutput], design: Design, policies: tuple[str, ...]
) -> pd.DataFrame:
    """points.parquet: point, policy, replication, the parameters (named by dotted path), then every
    figure."""
    order = {name: i for i, name in enumerate(policies)}
    rows = sorted(outputs, key=lambda o: (int(point_of(o.key)), order[o.policy], o.replication))
    values = {p.index: p.values for p in design.points}
    frame = pd.DataFrame(
        [
            {
                "point": int(point_of(o.key)),
                "policy": o.policy,
                "replication": o.replication,
                **values[int(point_of(o.key))],
                **{f: o.figures[f] for f in FIGURES},
            }
            for o in rows
        ],
        columns=["point", "policy", "replication", *design.parameters, *FIGURES],
    )
    return frame.astype({f: "float64" for f in FIGURES})


def summary_table(points: pd.DataFrame, design: Design, policies: tuple[str, ...]) -> pd.DataFrame:
    """points_summary.csv: per point, policy and key figure the mean with 95 % interval and the
    paired difference."""
    frames = []
    for point in design.points:
        rows = points[points["point"] == point.index]
        summary = summarize(rows, list(policies))
        front = pd.DataFrame(
            {"point": point.index, **{p: [v] * len(summary) for p, v in point.values.items()}}
        )
        frames.append(pd.concat([front, summary], axis=1))
    return pd.concat(frames, ignore_index=True)[["point", *design.parameters, *SUMMARY_COLUMNS]]


def write_sweep_tables(result: SweepResult, folder: Path) -> None:
    atomic_write(folder / "points.parquet", lambda p: result.points.to_parquet(p, index=False))
    atomic_write(
        folder / "points_summary.csv",
        lambda p: result.points_summary.to_csv(p, index=False, float_format=CSV_FLOAT_FORMAT),
    )
    if result.sensitivity is not None:
        write_sensitivity(result.sensitivity, folder)


@with_progress("sweep")
def run_sweep(
    scenario: Scenario,
    sweep: Sweep | None = None,
    policies: Iterable[str] | None = None,
    replications: int | None = None,
    executor: str | Executor = "processes",
    workers: int | None = None,
    *,
    scheduler: str | None = None,
    store_in: Destination | None = None,
    on_start: Callable[[int, set[str]], None] | None = None,
    on_output: Callable[[TaskOutput], None] | None = None,
    sensitivity_metrics: tuple[str, ...] = (DEFAULT_METRIC,),
    on_sizing: Callable[[int, int], None] | None = None,
) -> SweepResult:
    """Run `sweep` (default: the scenario's `sweep:` section) and tabulate it; with `store_in`, into
    a resumable folder.

    `on_start` hears the number of tasks and the keys already done before work starts; `on_output`
    each finished task (for a progress bar); `on_sizing(done, total)` the load pilots that size
    'auto' staff before the tasks, once per point and policy. A morris or sobol design also
    analyses the paired difference of each figure in `sensitivity_metrics` (sensitivity.csv).
    """
    sweep = sweep or scenario.sweep
    if sweep is None:
        raise UsageError(f"nothing to sweep: scenario {scenario.name!r} has no sweep: section")
    chosen = choose_policies(scenario, policies)
    count = scenario.replications if replications is None else replications
    if count < 1:
        raise UsageError(f"replications must be at least 1 (got {count})")
    check_sensitivity_sweep(sweep.design, chosen)
    unknown = [m for m in sensitivity_metrics if m not in FIGURES]
    if unknown:
        raise UsageError(f"unknown figure {unknown[0]!r}; choose one of {', '.join(KEY_FIGURES)}")
    design = make_design(scenario, sweep)
    tasks = sweep_plan(scenario, design, chosen, count)
    store = None
    if store_in is not None:
        recorded = {**design.to_dict(), "policies": list(chosen), "replications": count}
        store = store_in.open_store("sweep", scenario, recorded, len(tasks))
        if store.complete:
            stored = read_sweep(store.folder)
            sensitivity = read_sensitivity(store.folder)
            return SweepResult(
                scenario, design, chosen, stored.points, stored.points_summary, sensitivity
            )
    if on_start is not None:
        on_start(len(tasks), set(store.done) if store else set())
    with executor_for(executor, workers, scheduler) as runner:
        outputs = drive(tasks, runner, store, on_output, on_sizing)
    found = outputs.values() if store is None else [store.load(t.key) for t in tasks]
    points = points_table(found, design, chosen)
    sensitivity = sweep_sensitivity(points, design, chosen, sensitivity_metrics, scenario.seed)
    result = SweepResult(
        scenario, design, chosen, points, summary_table(points, design, chosen), sensitivity
    )
    if store is not None:
        store.finish(lambda folder: write_sweep_tables(result, folder))
    return result
