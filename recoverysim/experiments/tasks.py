"""The unit of work shipped to an executor: one replication of one scenario under one policy.

Tasks and the function that runs them live at module level so that every
executor (a worker process, a Dask worker on another machine) can unpickle
them. A task carries its whole scenario: sweep points differ in scenario, and
a scenario pickles to a few kilobytes, nothing next to a replication's cost.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from recoverysim.engine import run_replication
from recoverysim.scenario.schema import Scenario


def task_key(policy_index: int, replication: int, point: int | None = None) -> str:
    """A task's name in a results folder, e.g. 000-000007 (run) or 000012-001-000007 (sweep point
    12)."""
    key = f"{policy_index:03d}-{replication:06d}"
    return key if point is None else f"{point:06d}-{key}"


@dataclass(frozen=True)
class Task:
    """Run `policy` on `scenario` with the seeds of `replication`; `key` names the task in a results
    folder."""

    key: str
    scenario: Scenario
    policy: str
    replication: int
    keep_tables: bool = False


@dataclass(frozen=True)
class TaskOutput:
    """What a task sends back: its key figures, and its claims and daily tables when asked for."""

    key: str
    policy: str
    replication: int
    figures: dict[str, float]
    claims: pd.DataFrame | None = None
    daily: pd.DataFrame | None = None


def run_task(task: Task) -> TaskOutput:
    """Run one task; pure, so the same task gives the same output on any machine."""
    result = run_replication(task.scenario, task.policy, task.replication)
    figures = {name: float(value) for name, value in result.figures.items()}
    if not task.keep_tables:
        return TaskOutput(task.key, task.policy, task.replication, figures)
    return TaskOutput(task.key, task.policy, task.replication, figures, result.claims, result.daily)
