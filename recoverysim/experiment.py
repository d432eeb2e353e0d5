"""Map replications over an executor and gather their tables, sorted by run key so order never matters."""

from __future__ import annotations

import os
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

import pandas as pd

from recoverysim.engine import ReplicationResult, run_replication
from recoverysim.errors import UsageError
from recoverysim.metrics import EXTRA_FIGURES, KEY_FIGURES, summarize
from recoverysim.scenario.schema import Scenario

EXECUTORS = ("serial", "processes")


@dataclass(frozen=True)
class Task:
    """One replication to run: which policy, which replication number (and so which seeds)."""

    policy: str
    replication: int


@dataclass(frozen=True)
class ExperimentResult:
    """All replications of all policies, as tidy tables."""

    scenario: Scenario
    policies: tuple[str, ...]
    replications: pd.DataFrame
    claims: pd.DataFrame
    daily: pd.DataFrame
    summary: pd.DataFrame


def plan(scenario: Scenario, policies: Iterable[str] | None = None, replications: int | None = None) -> list[Task]:
    """Every (policy, replication) pair; unknown policy names are a UsageError."""
    names = [p.name for p in scenario.policies]
    chosen = list(policies) if policies else names
    unknown = [p for p in chosen if p not in names]
    if unknown:
        raise UsageError(f"unknown policy {', '.join(map(repr, unknown))}; the scenario's policies are {', '.join(names)}")
    count = scenario.replications if replications is None else replications
    if count < 1:
        raise UsageError(f"replications must be at least 1 (got {count})")
    return [Task(policy, r) for policy in dict.fromkeys(chosen) for r in range(count)]


_worker_scenario: Scenario | None = None


def _init_worker(scenario: Scenario) -> None:
    global _worker_scenario
    _worker_scenario = scenario


def _run_in_worker(task: Task) -> ReplicationResult:
    assert _worker_scenario is not None
    return run_replication(_worker_scenario, task.policy, task.replication)


def execute(scenario: Scenario, tasks: list[Task], executor: str = "processes", workers: int | None = None) -> Iterator[ReplicationResult]:
    """Yield results as they finish, serially or in worker processes (the scenario is sent once per worker)."""
    if executor not in EXECUTORS:
        raise UsageError(f"unknown executor {executor!r}; choose one of {', '.join(EXECUTORS)}")
    workers = workers or os.cpu_count() or 1
    if executor == "serial" or workers == 1 or len(tasks) == 1:
        for task in tasks:
            yield run_replication(scenario, task.policy, task.replication)
        return
    pool = ProcessPoolExecutor(max_workers=min(workers, len(tasks)), initializer=_init_worker, initargs=(scenario,))
    try:
        pending = {pool.submit(_run_in_worker, task) for task in tasks}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def gather(scenario: Scenario, results: list[ReplicationResult], policies: tuple[str, ...]) -> ExperimentResult:
    """Sort by (policy order, replication) and stack into the output tables."""
    order = {name: i for i, name in enumerate(policies)}
    results = sorted(results, key=lambda r: (order[r.policy], r.replication))
    keys = lambda r: {"policy": r.policy, "replication": r.replication}  # noqa: E731
    replications = pd.DataFrame([{**keys(r), **r.figures} for r in results], columns=["policy", "replication", *KEY_FIGURES, *EXTRA_FIGURES])
    claims = pd.concat([r.claims.assign(**keys(r)) for r in results], ignore_index=True)
    daily = pd.concat([r.daily.assign(**keys(r)) for r in results], ignore_index=True)
    front = ["policy", "replication"]
    claims = claims[front + [c for c in claims.columns if c not in front]]
    daily = daily[front + [c for c in daily.columns if c not in front]]
    return ExperimentResult(scenario, policies, replications, claims, daily, summarize(replications, list(policies)))


def run_experiment(
    scenario: Scenario,
    policies: Iterable[str] | None = None,
    replications: int | None = None,
    executor: str = "processes",
    workers: int | None = None,
    on_result: Callable[[ReplicationResult], None] | None = None,
) -> ExperimentResult:
    """Run every chosen policy for the same replication numbers (common random numbers) and summarise."""
    tasks = plan(scenario, policies, replications)
    chosen = tuple(dict.fromkeys(t.policy for t in tasks))
    results = []
    for result in execute(scenario, tasks, executor, workers):
        results.append(result)
        if on_result is not None:
            on_result(result)
    return gather(scenario, results, chosen)
