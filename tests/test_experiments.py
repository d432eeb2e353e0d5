"""Sweeps and executors: the same scenario and seed give identical files wherever they run; designs;
folder rules."""

from __future__ import annotations

import io
import json
import sys

import numpy as np
import pandas as pd
import pytest

from experiments_support import (
    RUN_FILES,
    SCENARIO,
    SWEEP_ARGS,
    SWEEP_FILES,
    cli,
    same_files,
    stable_manifest,
    write_scenario,
)
from click.testing import CliRunner

from recoverysim import load_scenario, run_experiment, write_results
from recoverysim.cli import main
from recoverysim.errors import RecoverySimError, ScenarioError, UsageError
from recoverysim.experiment import Destination
from recoverysim.experiments.designs import (
    latin_hypercube,
    make_design,
    range_values,
    sweep_from_options,
)
from recoverysim.experiments.executors import make_executor
from recoverysim.experiments.progress import Progress
from recoverysim.experiments.sweep import run_sweep
from recoverysim.metrics import KEY_FIGURES, summarize
from recoverysim.results import now_utc, read_sweep


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory):
    return write_scenario(tmp_path_factory.mktemp("scenario"))


def test_run_gives_identical_files_with_every_executor(scenario_file, tmp_path, dask_cluster):
    runs = {
        "serial": ("--executor", "serial"),
        "one": ("--executor", "processes", "--workers", "1"),
        "two": ("--executor", "processes", "--workers", "2"),
        "dask": ("--executor", "dask", "--scheduler", dask_cluster.scheduler_address),
    }
    for name, options in runs.items():
        code, output = cli("run", scenario_file, "--out", tmp_path / name, "--quiet", *options)
        assert code == 0, output
    for name in ("one", "two", "dask"):
        assert same_files(tmp_path / "serial", tmp_path / name, RUN_FILES) == [], name
        assert stable_manifest(tmp_path / "serial") == stable_manifest(tmp_path / name)
    # the command stores what the library computes in memory, byte for byte
    scenario = load_scenario(scenario_file)
    write_results(run_experiment(scenario, executor="serial"), tmp_path / "api", now_utc())
    assert same_files(tmp_path / "serial", tmp_path / "api", RUN_FILES) == []
    assert not (tmp_path / "serial" / "tasks").exists()


def test_sweep_gives_identical_files_with_every_executor(scenario_file, tmp_path, dask_cluster):
    scenario = load_scenario(scenario_file)
    sweep = sweep_from_options(scenario, [SWEEP_ARGS[1], SWEEP_ARGS[3]], None, None)
    for name, executor, options in (
        ("serial", "serial", {}),
        ("two", "processes", {"workers": 2}),
        ("dask", "dask", {"scheduler": dask_cluster.scheduler_address}),
    ):
        run_sweep(
            scenario, sweep, executor=executor, store_in=Destination(tmp_path / name), **options
        )
    assert same_files(tmp_path / "serial", tmp_path / "two", SWEEP_FILES) == []
    assert same_files(tmp_path / "serial", tmp_path / "dask", SWEEP_FILES) == []
    assert stable_manifest(tmp_path / "serial") == stable_manifest(tmp_path / "dask")


def test_sweep_tables_hold_every_point_policy_and_replication(scenario_file, tmp_path):
    code, output = cli(
        "sweep",
        scenario_file,
        *SWEEP_ARGS,
        "--replications",
        "3",
        "--out",
        tmp_path,
        "--quiet",
        "--executor",
        "serial",
    )
    assert code == 0, output
    stored = read_sweep(tmp_path)
    points, summary = stored.points, stored.points_summary
    share, sensitivity = (
        "market.segments.bold.opportunist_share",
        "policies.suspicious.inspection.sensitivity",
    )
    assert list(points.columns[:5]) == ["point", "policy", "replication", sensitivity, share]
    assert set(KEY_FIGURES) <= set(points.columns)
    assert len(points) == 4 * 2 * 3  # 2 x 2 grid, 2 policies, 3 replications
    grid = points.drop_duplicates("point")[[sensitivity, share]].to_numpy().tolist()
    assert grid == [[0.5, 0.1], [0.5, 0.5], [0.9, 0.1], [0.9, 0.5]]  # first parameter slowest
    # common random numbers: sensitivity is read by no trusting replication, so trusting is
    # identical across it
    trusting = points[points["policy"] == "trusting"].set_index(["point", "replication"])
    for low, high in ((0, 2), (1, 3)):
        pd.testing.assert_frame_equal(
            trusting.loc[low].drop(columns=[sensitivity]),
            trusting.loc[high].drop(columns=[sensitivity]),
        )
    # the summary is summarize() point by point, with the paired difference against the baseline
    for point in range(4):
        expected = summarize(points[points["point"] == point], ["trusting", "suspicious"])
        got = summary[summary["point"] == point].reset_index(drop=True)
        assert list(got["metric"]) == list(expected["metric"])
        np.testing.assert_allclose(
            got["diff_vs_baseline"], expected["diff_vs_baseline"], rtol=1e-9, equal_nan=True
        )
        np.testing.assert_allclose(got["ci_low"], expected["ci_low"], rtol=1e-9, equal_nan=True)
    assert "suspicious - trusting" in output


def test_sweep_section_in_a_scenario_file(tmp_path):
    sweep_line = SCENARIO.count("\n") + 1
    path = write_scenario(
        tmp_path,
        "sweep:\n  design: latin_hypercube\n  parameters:\n    channels.phone.staff: [1, 2]\n",
    )
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    problem = error.value.problems[0]
    assert (problem.line, problem.path) == (
        sweep_line,
        "sweep",
    ) and "needs points" in problem.message
    path = write_scenario(
        tmp_path, "sweep:\n  design: one_at_a_time\n  parameters:\n    goodwill: [1]\n"
    )
    scenario = load_scenario(path)
    with pytest.raises(UsageError, match="goodwill: not a field of the scenario"):
        make_design(scenario, sweep_from_options(scenario, [], None, None))
    path = write_scenario(
        tmp_path,
        "sweep:\n  design: one_at_a_time\n  parameters:\n"
        "    policies.trusting.goodwill_eur: [0, 30]\n    channels.phone.staff: 1:3:2\n",
    )
    scenario = load_scenario(path)
    design = make_design(scenario, sweep_from_options(scenario, [], None, None))
    base = {"policies.trusting.goodwill_eur": 10.0, "channels.phone.staff": 2}
    assert [p.values for p in design.points] == [
        base,
        {**base, "policies.trusting.goodwill_eur": 0},
        {**base, "policies.trusting.goodwill_eur": 30},
        {**base, "channels.phone.staff": 1},
        {**base, "channels.phone.staff": 3},
    ]
    assert [p.varied for p in design.points] == [
        None,
        "policies.trusting.goodwill_eur",
        "policies.trusting.goodwill_eur",
        "channels.phone.staff",
        "channels.phone.staff",
    ]
    # --vary replaces the file's parameters
    design = make_design(
        scenario, sweep_from_options(scenario, ["money.price_eur=100,300"], "grid", None)
    )
    assert [p.values for p in design.points] == [{"money.price_eur": 100}, {"money.price_eur": 300}]


def test_range_values_are_tidy_and_latin_hypercube_fills_every_slice():
    assert range_values(0.0, 0.3, 4) == [0.0, 0.1, 0.2, 0.3]
    assert range_values(1.0, 5.0, 3) == [1, 3, 5] and all(
        isinstance(v, int) for v in range_values(1.0, 5.0, 3)
    )
    rows = latin_hypercube([(0.0, 1.0), (10.0, 20.0)], 8, seed=3)
    assert rows == latin_hypercube(
        [(0.0, 1.0), (10.0, 20.0)], 8, seed=3
    )  # from the seed, not global randomness
    assert rows != latin_hypercube([(0.0, 1.0), (10.0, 20.0)], 8, seed=4)
    for column, (low, high) in enumerate([(0.0, 1.0), (10.0, 20.0)]):
        slices = sorted(int((row[column] - low) / (high - low) * 8) for row in rows)
        assert slices == list(range(8))


def test_latin_hypercube_rounds_whole_number_fields(scenario_file):
    scenario = load_scenario(scenario_file)
    design = make_design(
        scenario,
        sweep_from_options(
            scenario, ["channels.phone.staff=1:6", "money.price_eur=100:300"], "latin_hypercube", 5
        ),
    )
    staff = [p.values["channels.phone.staff"] for p in design.points]
    assert all(isinstance(v, int) and 1 <= v <= 6 for v in staff)
    assert len(design.points) == 5


@pytest.mark.parametrize(
    ("vary", "message"),
    [
        (
            "market.segments.bold.opportunist_share=0:1.5:2",
            "sweep point 1 (market.segments.bold.opportunist_share=1.5): "
            "market.segments.1.opportunist_share",
        ),
        ("market.segments.bold.oportunist_share=0,1", "did you mean 'opportunist_share'"),
        ("channels.phone.staff", "must look like dotted.path=v1,v2"),
        ("channels.phone.staff=1:3", "a grid needs 'lo:hi:steps'"),
    ],
)
def test_bad_sweeps_are_one_line_errors_before_any_work(scenario_file, tmp_path, vary, message):
    code, output = cli("sweep", scenario_file, "--vary", vary, "--out", tmp_path / "out", "--quiet")
    assert code == 2
    assert message in output and "Traceback" not in output
    assert not (tmp_path / "out").exists()


def test_output_folder_rules(scenario_file, tmp_path):
    out = tmp_path / "out"
    common = ("--out", out, "--quiet", "--executor", "serial")
    assert cli("run", scenario_file, *common)[0] == 0
    # the same run again is simply run again; another seed is another run
    assert cli("run", scenario_file, *common)[0] == 0
    code, output = cli("run", scenario_file, *common, "--seed", "5")
    assert (
        code == 2
        and "holds a different run (the scenario differs: seed: 11 -> 5)" in output
        and "--overwrite" in output
    )
    code, output = cli("run", scenario_file, *common, "--replications", "3", "--resume")
    assert code == 2 and "replications: 2 -> 3" in output
    code, output = cli("sweep", scenario_file, *SWEEP_ARGS, *common)
    assert code == 2 and "a run, not a sweep" in output
    assert cli("run", scenario_file, *common, "--seed", "5", "--overwrite")[0] == 0
    assert stable_manifest(out)["seed"] == 5
    code, output = cli("run", scenario_file, *common, "--resume", "--overwrite")
    assert code == 2 and "exclude each other" in output
    # a folder with someone else's files, or one that cannot be made, is refused before work starts
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "mine.txt").write_text("keep me")
    code, output = cli("run", scenario_file, "--out", tmp_path / "notes", "--quiet", "--overwrite")
    assert (
        code == 2
        and "not recoverysim results" in output
        and (tmp_path / "notes" / "mine.txt").exists()
    )
    code, output = cli(
        "run", scenario_file, "--out", tmp_path / "notes" / "mine.txt" / "sub", "--quiet"
    )
    assert code == 2 and "cannot create the output folder" in output


def test_interrupted_run_resumes_to_identical_files(scenario_file, tmp_path):
    scenario = load_scenario(scenario_file, ["replications=3"])
    run_experiment(scenario, executor="serial", store_in=Destination(tmp_path / "whole"))
    seen = []

    def stop_after_two(_):
        seen.append(1)
        if len(seen) == 2:
            raise KeyboardInterrupt

    from recoverysim.experiments.driver import Interrupted

    with pytest.raises(Interrupted) as stopped:
        run_experiment(
            scenario,
            executor="serial",
            on_result=stop_after_two,
            store_in=Destination(tmp_path / "cut"),
        )
    assert (stopped.value.done, stopped.value.total) == (2, 6)
    code, output = cli(
        "run",
        scenario_file,
        "--replications",
        "3",
        "--out",
        tmp_path / "cut",
        "--quiet",
        "--executor",
        "serial",
    )
    assert (
        code == 2
        and "unfinished run of this scenario (2 of 6 tasks done)" in output
        and "--resume" in output
    )
    code, output = cli(
        "run",
        scenario_file,
        "--replications",
        "3",
        "--out",
        tmp_path / "cut",
        "--quiet",
        "--executor",
        "serial",
        "--resume",
    )
    assert code == 0 and "4 run in" in output, output
    assert same_files(tmp_path / "whole", tmp_path / "cut", RUN_FILES) == []
    assert stable_manifest(tmp_path / "whole") == stable_manifest(tmp_path / "cut")
    code, output = cli(
        "run",
        scenario_file,
        "--replications",
        "3",
        "--out",
        tmp_path / "cut",
        "--quiet",
        "--resume",
    )
    assert code == 0 and "nothing left to run" in output


def test_dask_missing_names_the_extra(monkeypatch):
    monkeypatch.setitem(
        sys.modules, "dask.distributed", None
    )  # import fails as if Dask were not installed
    with pytest.raises(UsageError, match=r"pip install 'recoverysim\[dask\]'"):
        make_executor("dask")
    with pytest.raises(UsageError, match="--scheduler is for the dask executor"):
        make_executor("processes", scheduler="tcp://localhost:8786")


def test_unreachable_scheduler_is_a_clear_error(scenario_file, tmp_path, monkeypatch):
    pytest.importorskip("dask.distributed")
    monkeypatch.setattr("recoverysim.experiments.executors.SCHEDULER_TIMEOUT_SECONDS", 0.5)
    code, output = cli(
        "run",
        scenario_file,
        "--out",
        tmp_path,
        "--quiet",
        "--executor",
        "dask",
        "--scheduler",
        "tcp://127.0.0.1:9",
    )
    assert code == 2 and "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in output
    code, output = cli(
        "run",
        scenario_file,
        "--out",
        tmp_path,
        "--quiet",
        "--executor",
        "dask",
        "--scheduler",
        "nonsense",
        "--overwrite",
    )
    assert code == 2 and "cannot reach the Dask scheduler at nonsense" in output


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_shows_points_rate_and_time_left_only_on_a_terminal():
    stream = Terminal()
    bar = Progress(
        "sweep",
        8,
        {"000000-000-000000"},
        point_of=lambda k: k[:6],
        tasks_per_point=4,
        stream=stream,
    )
    for key in ("000000-000-000001", "000000-001-000000", "000000-001-000001"):
        bar.advance(key)
    line = bar.line()
    assert (
        line.startswith("sweep:  50%|")
        and "| 4/8 replications [" in line
        and line.endswith(", 1/2 points]")
    )
    assert "<" in line and " replications/s" in line  # time left and this session's rate
    bar.close()
    assert stream.getvalue().endswith("\n") and "\r" in stream.getvalue()
    piped = io.StringIO()
    Progress("sweep", 8, stream=piped).advance("x")
    quiet = Terminal()
    Progress("sweep", 8, stream=quiet, quiet=True).advance("x")
    assert piped.getvalue() == "" and quiet.getvalue() == ""


def test_unfinished_folder_is_not_read_as_results(scenario_file, tmp_path):
    scenario = load_scenario(scenario_file)
    sweep = sweep_from_options(scenario, ["money.price_eur=150,250"], None, None)

    def stop(_):
        raise KeyboardInterrupt

    from recoverysim.experiments.driver import Interrupted

    with pytest.raises(Interrupted):
        run_sweep(
            scenario, sweep, executor="serial", store_in=Destination(tmp_path), on_output=stop
        )
    with pytest.raises(RecoverySimError, match="did not finish"):
        read_sweep(tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert (
        manifest["complete"] is False
        and manifest["tasks_done"] == ["000000-000-000000"]
        and manifest["tasks_total"] == 8
    )


def test_the_api_draws_a_bar_only_when_asked_and_keeps_the_callers_hooks(scenario_file, capsys):
    """progress=True draws tqdm's bar on stderr even off a terminal (a notebook); the default draws
    nothing; the caller's own hooks hear every replication either way."""
    scenario = load_scenario(scenario_file)
    heard = []
    run_experiment(scenario, replications=2, executor="serial", on_result=heard.append)
    assert capsys.readouterr().err == "" and len(heard) == 2 * len(scenario.policies)
    heard.clear()
    run_experiment(
        scenario, replications=2, executor="serial", on_result=heard.append, progress=True
    )
    drawn = capsys.readouterr().err
    total = 2 * len(scenario.policies)
    assert (
        "run: 100%|" in drawn and f"{total}/{total} replications" in drawn and len(heard) == total
    )


@pytest.mark.parametrize(
    "command",
    [
        [
            "queuecheck",
            "--servers",
            "2",
            "--arrivals-per-hour",
            "60",
            "--service-minutes",
            "1",
            "--replications",
            "2",
            "--days",
            "0.2",
        ],
        [
            "whatif",
            "--workers",
            "1",
            "--set",
            "whatif.levers.0.values=[0.1, 0.3]",
            "--set",
            "whatif.levers.1.values=[0, 10]",
        ],
    ],
)
def test_commands_leave_nothing_on_stderr_off_a_terminal(command, tmp_path):
    from visual_support import write_small_scenario

    if command[0] == "whatif":
        command = [
            command[0],
            str(write_small_scenario(tmp_path)),
            "-o",
            str(tmp_path / "w.html"),
            *command[1:],
        ]
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
