"""'auto' staff is sized once per (scenario, policy) before the replications of an experiment run,
the pilots spread over the workers, and the replications' numbers do not change.

Before, each worker sized a task's whole scenario itself: every policy of a sweep point (also those
it did not run), once in each worker that met the point.
"""

from __future__ import annotations

import dataclasses
import os

import pandas as pd
import pytest

from recoverysim import staffing
from recoverysim.experiments.driver import presized
from recoverysim.experiments.executors import SerialExecutor
from recoverysim.experiments.designs import make_design
from recoverysim.experiments.sweep import run_sweep, sweep_plan
from recoverysim.experiments.tasks import run_task
from recoverysim.scenario.load import scenario_from_dict
from recoverysim.scenario.tools import Sweep
from recoverysim.staffing import needs_sizing
from test_staffing import phone_scenario

SWEEP = Sweep(design="grid", parameters={"market.initial_customers": [2000, 2500, 3000]})


@pytest.fixture
def scenario():
    return scenario_from_dict(phone_scenario((0.9, 0.5)))


@pytest.fixture
def pilots(monkeypatch, tmp_path):
    """Counts load pilots in this process and in forked workers (a line each in a file)."""
    path = tmp_path / "pilots.txt"
    real = staffing.pilot_load

    def counted(scenario, policy):
        with open(path, "a") as file:
            file.write(f"{os.getpid()} {scenario.market.initial_customers} {policy.name}\n")
        return real(scenario, policy)

    monkeypatch.setattr(staffing, "pilot_load", counted)
    staffing._cached_plan.cache_clear()
    yield lambda: path.read_text().splitlines() if path.exists() else []
    staffing._cached_plan.cache_clear()


def test_presized_tasks_need_no_pilot_and_run_as_before(scenario):
    tasks = sweep_plan(scenario, make_design(scenario, SWEEP), ("authority", "by-the-book"), 1)
    sized = presized(tasks, SerialExecutor())
    assert [t.key for t in sized] == [t.key for t in tasks]
    assert all(not needs_sizing(t.scenario) for t in sized)
    for before, after in zip(tasks[:2], sized[:2]):
        assert dataclasses.replace(before, scenario=after.scenario) == after
        assert run_task(before).figures == run_task(after).figures


def test_a_sweep_of_one_policy_pilots_only_that_policy(scenario, pilots):
    run_sweep(scenario, SWEEP, policies=["by-the-book"], replications=2, executor="serial")
    seen = pilots()
    assert sorted(line.split(" ", 1)[1] for line in seen) == [
        f"{n} by-the-book" for n in (2000, 2500, 3000)
    ]


def test_workers_pilot_each_point_and_policy_once_with_the_same_numbers(scenario, pilots):
    serial = run_sweep(scenario, SWEEP, replications=2, executor="serial")
    assert len(pilots()) == 6
    staffing._cached_plan.cache_clear()
    parallel = run_sweep(scenario, SWEEP, replications=2, executor="processes", workers=2)
    seen = pilots()[6:]
    assert sorted(line.split(" ", 1)[1] for line in seen) == sorted(
        f"{n} {p}" for n in (2000, 2500, 3000) for p in ("authority", "by-the-book")
    )
    pd.testing.assert_frame_equal(serial.points, parallel.points)
