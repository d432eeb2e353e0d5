"""A sweep killed with SIGKILL, or stopped with Ctrl-C, and resumed gives the files of an
uninterrupted sweep."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from experiments_support import (
    SWEEP_ARGS,
    SWEEP_FILES,
    cli,
    same_files,
    stable_manifest,
    write_scenario,
)

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
DEADLINE_SECONDS = 60
#: The CLI as a terminal starts it: Ctrl-C raises KeyboardInterrupt even when the test runner itself
#: was started with SIGINT ignored (a background job of a non-interactive shell), which its children
#: would inherit.
CHILD = (
    "import signal; signal.signal(signal.SIGINT, signal.default_int_handler); from "
    "recoverysim.cli import main; main()"
)


def sweep_command(scenario: Path, out: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-c",
        CHILD,
        "sweep",
        str(scenario),
        *SWEEP_ARGS,
        "--replications",
        "3",
        "--out",
        str(out),
        "--quiet",
        *extra,
    ]


def start_and_stop(
    command: list[str], out: Path, after_tasks: int, stop: signal.Signals
) -> subprocess.CompletedProcess:
    """Start a sweep in its own process group, send `stop` once `after_tasks` tasks are on disk, and
    wait."""
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    tasks = out / "tasks"
    deadline = time.monotonic() + DEADLINE_SECONDS
    while process.poll() is None and time.monotonic() < deadline:
        if tasks.is_dir() and len(list(tasks.glob("*.json"))) >= after_tasks:
            break
        time.sleep(0.01)
    assert process.poll() is None, (
        f"the sweep ended before it could be stopped: {process.stderr.read()}"
    )
    os.killpg(
        process.pid, stop
    )  # the whole group, workers too, as a crash or a terminal's Ctrl-C would
    stdout, stderr = process.communicate(timeout=DEADLINE_SECONDS)
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("whole")
    scenario = write_scenario(folder)
    code, output = cli(
        "sweep",
        scenario,
        *SWEEP_ARGS,
        "--replications",
        "3",
        "--out",
        folder / "out",
        "--quiet",
        "--executor",
        "serial",
    )
    assert code == 0, output
    return scenario, folder / "out"


def test_sigkill_at_two_moments_then_resume_gives_identical_files(uninterrupted, tmp_path):
    scenario, whole = uninterrupted
    out = tmp_path / "out"
    killed = start_and_stop(sweep_command(scenario, out, "--workers", "2"), out, 3, signal.SIGKILL)
    assert killed.returncode == -signal.SIGKILL
    assert not (out / "points.parquet").exists()
    # killed again while resuming, then finished
    killed = start_and_stop(
        sweep_command(scenario, out, "--workers", "2", "--resume"), out, 13, signal.SIGKILL
    )
    assert killed.returncode == -signal.SIGKILL
    code, output = cli(
        "sweep",
        scenario,
        *SWEEP_ARGS,
        "--replications",
        "3",
        "--out",
        out,
        "--quiet",
        "--executor",
        "serial",
        "--resume",
    )
    assert code == 0, output
    assert same_files(whole, out, SWEEP_FILES) == []
    assert stable_manifest(whole) == stable_manifest(out)
    assert not (out / "tasks").exists()


def test_ctrl_c_keeps_finished_tasks_and_says_how_to_resume(uninterrupted, tmp_path):
    scenario, whole = uninterrupted
    out = tmp_path / "out"
    stopped = start_and_stop(
        sweep_command(scenario, out, "--executor", "serial"), out, 2, signal.SIGINT
    )
    assert stopped.returncode == 130
    assert "Traceback" not in stopped.stderr
    assert f"finished tasks are kept in {out}" in stopped.stderr
    resume = next(line for line in stopped.stderr.splitlines() if line.startswith("to resume: "))
    assert resume.endswith("--resume") and "sweep" in resume
    code, output = cli(
        "sweep", scenario, *SWEEP_ARGS, "--replications", "3", "--out", out, "--quiet", "--resume"
    )
    assert code == 0, output
    assert same_files(whole, out, SWEEP_FILES) == []
