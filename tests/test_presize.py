"""'auto' staff is sized once per (scenario, policy) before the replications of an experiment run,
the pilots spread over the workers, and the replications' numbers do not change.

Before, each worker sized a task's whole scenario itself: every policy of a sweep point (also those
it did not run), once in each worker that met the point.
"""

from __future__ import annotations

import dataclasses
import io
import os
import time

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from recoverysim import staffing
from recoverysim.cli import main
from recoverysim.experiments import progress
from recoverysim.experiments.driver import presized
from recoverysim.experiments.executors import SerialExecutor
from recoverysim.experiments.designs import make_design
from recoverysim.experiments.progress import Progress, Sizing
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


# ------------------------------------------------------------------------ the sizing phase's bar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_sizing_hook_hears_the_total_then_each_pilot(scenario, pilots):
    heard = []
    run_sweep(
        scenario,
        SWEEP,
        replications=1,
        executor="serial",
        on_sizing=lambda done, total: heard.append((done, total)),
    )
    assert len(pilots()) == 6
    assert heard == [(done, 6) for done in range(7)]


def test_no_auto_staff_no_sizing_hook_and_no_bar(pilots, capsys):
    fixed = phone_scenario((0.9, 0.5))
    fixed["channels"] = {name: {**c, "staff": 3} for name, c in fixed["channels"].items()}
    heard = []
    run_sweep(
        scenario_from_dict(fixed),
        SWEEP,
        replications=1,
        executor="serial",
        on_sizing=lambda done, total: heard.append((done, total)),
        progress=True,
    )
    assert heard == [] and pilots() == []
    drawn = capsys.readouterr().err
    assert "sweep: 100%" in drawn and "sizing staff" not in drawn


def test_the_api_draws_the_sizing_bar_when_asked_and_keeps_the_callers_hook(scenario, capsys):
    heard = []
    run_sweep(
        scenario,
        SWEEP,
        replications=1,
        executor="serial",
        on_sizing=lambda done, total: heard.append(done),
        progress=True,
    )
    drawn = capsys.readouterr().err
    assert "sizing staff:   0%|" in drawn and "| 0/6 load pilots [" in drawn
    assert heard == list(range(7))


def test_the_sizing_bar_counts_pilots_then_gives_way_and_its_time_to_the_task_bar():
    stream = Terminal()
    tasks = Progress("sweep", 4, stream=stream)
    sizing = Sizing(stream=stream, beneath=lambda: tasks)
    started = tasks.bar.start_t
    sizing(1, 3)  # one pilot found saved
    assert "sizing staff:  33%|" in stream.getvalue() and "| 1/3 load pilots [" in str(sizing.bar)
    time.sleep(0.05)
    sizing(2, 3)
    assert str(sizing.bar).startswith("sizing staff:  67%|")
    sizing(3, 3)
    assert sizing.bar is None and tasks.bar.start_t - started >= 0.05
    quiet = Terminal()
    Sizing(quiet=True, stream=quiet)(0, 3)
    assert quiet.getvalue() == ""


@pytest.mark.parametrize("quiet", [False, True])
def test_the_sweep_command_draws_the_sizing_bar_unless_quiet(tmp_path, monkeypatch, quiet):
    # CliRunner's stderr is no terminal: pretend it is one, so that only --quiet can hide the bar.
    monkeypatch.setattr(progress, "on_terminal", lambda stream, quiet=False: not quiet)
    path = tmp_path / "phone.yaml"
    path.write_text(yaml.safe_dump(phone_scenario((0.9, 0.5))), encoding="utf-8")
    args = ["sweep", str(path), "--vary", "market.initial_customers=2000,2500"]
    args += ["--replications", "1", "--executor", "serial", "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(main, args + (["--quiet"] if quiet else []))
    assert result.exit_code == 0, result.output
    assert ("sizing staff:" in result.stderr) is not quiet
    assert ("| 0/4 load pilots" in result.stderr) is not quiet
    assert ("sweep:" in result.stderr) is not quiet
