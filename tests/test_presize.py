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
from recoverysim.experiment import Destination
from recoverysim.experiments.driver import Interrupted, presized
from recoverysim.experiments.executors import SerialExecutor
from recoverysim.experiments.designs import make_design
from recoverysim.experiments.progress import Progress, Sizing
from recoverysim.experiments.store import TaskStore
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


# ------------------------------------------------------------ pilots kept in a results folder


def _cut_while_sizing(after: int):
    """An on_sizing hook that presses Ctrl-C once `after` pilots are done."""

    def hook(done: int, total: int) -> None:
        if done == after:
            raise KeyboardInterrupt

    return hook


def _lines(seen: list[str]) -> list[str]:
    return sorted(line.split(" ", 1)[1] for line in seen)


def test_a_run_stopped_while_sizing_keeps_its_pilots_and_resumes_to_the_same_tables(
    scenario, pilots, tmp_path
):
    whole = run_sweep(
        scenario, SWEEP, replications=2, executor="serial", store_in=Destination(tmp_path / "a")
    )
    everything = _lines(pilots())
    assert len(everything) == 6
    staffing._cached_plan.cache_clear()
    with pytest.raises(Interrupted) as stopped:
        run_sweep(
            scenario,
            SWEEP,
            replications=2,
            executor="serial",
            store_in=Destination(tmp_path / "b"),
            on_sizing=_cut_while_sizing(2),
        )
    assert str(stopped.value).startswith(
        "interrupted while sizing staff, after 2 of 6 load pilots; finished load pilots and tasks "
        f"are kept in {tmp_path / 'b'}"
    )
    assert (stopped.value.done, stopped.value.total) == (0, 12)
    assert len(list((tmp_path / "b" / "tasks" / "pilots").glob("*.json"))) == 2
    before = _lines(pilots()[6:])
    assert len(before) == 2
    staffing._cached_plan.cache_clear()
    heard = []
    resumed = run_sweep(
        scenario,
        SWEEP,
        replications=2,
        executor="serial",
        store_in=Destination(tmp_path / "b", resume=True),
        on_sizing=lambda done, total: heard.append((done, total)),
    )
    after = _lines(pilots()[8:])
    assert len(after) == 4 and sorted(before + after) == everything  # only the missing pilots
    assert heard == [(done, 6) for done in range(2, 7)]
    pd.testing.assert_frame_equal(whole.points, resumed.points)
    for name in ("points.parquet", "points_summary.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_a_run_stopped_after_sizing_pilots_nothing_again(scenario, pilots, tmp_path):
    def stop(_):
        raise KeyboardInterrupt

    with pytest.raises(Interrupted, match="interrupted after 1 of 6 tasks"):
        run_sweep(
            scenario,
            SWEEP,
            policies=["by-the-book"],
            replications=2,
            executor="serial",
            store_in=Destination(tmp_path),
            on_output=stop,
        )
    assert len(pilots()) == 3
    staffing._cached_plan.cache_clear()
    heard = []
    run_sweep(
        scenario,
        SWEEP,
        policies=["by-the-book"],
        replications=2,
        executor="serial",
        store_in=Destination(tmp_path, resume=True),
        on_sizing=lambda done, total: heard.append(done),
    )
    assert len(pilots()) == 3 and heard == []  # every policy sized from its saved pilot: no bar
    assert not (tmp_path / "tasks").exists()  # the pilots go with the finished run's task files


def test_a_saved_pilot_is_the_sized_policy_and_a_damaged_one_is_piloted_again(scenario, tmp_path):
    store = TaskStore.open(tmp_path, "sweep", scenario, {}, tasks_total=None)
    sized = staffing.resolve_staffing(scenario).policies[1]
    store.save_sized("f" * 64, sized)
    assert store.sized("f" * 64) == sized and store.sized("e" * 64) is None
    (store.pilots_folder / f"{'f' * 64}.json").write_text('{"name": ', encoding="utf-8")
    assert store.sized("f" * 64) is None
    with pytest.raises(ValueError, match="not a safe file name"):
        store.save_sized("../x", sized)


def test_the_sweep_command_stopped_while_sizing_says_how_to_resume(scenario, tmp_path, monkeypatch):
    real, calls = staffing.pilot_load, []

    def pilot_then_ctrl_c(scenario, policy):
        calls.append(policy.name)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(scenario, policy)

    monkeypatch.setattr(staffing, "pilot_load", pilot_then_ctrl_c)
    staffing._cached_plan.cache_clear()
    path = tmp_path / "phone.yaml"
    path.write_text(yaml.safe_dump(phone_scenario((0.9, 0.5))), encoding="utf-8")
    args = ["sweep", str(path), "--vary", "market.initial_customers=2000,2500", "--quiet"]
    args += ["--replications", "1", "--executor", "serial", "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 130, result.output
    assert "interrupted while sizing staff, after 2 of 4 load pilots" in result.stderr
    assert "to resume: " in result.stderr and "Traceback" not in result.output
    assert len(list((tmp_path / "out" / "tasks" / "pilots").glob("*.json"))) == 2
    staffing._cached_plan.cache_clear()
