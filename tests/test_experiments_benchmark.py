"""benchmarks/experiments.py works in --quick mode: every executor runs and gives identical files.
Nothing is timed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "experiments.py"


def test_quick_benchmark_reports_every_executor():
    pytest.importorskip("dask.distributed")
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--workers", "2", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert [r["executor"] for r in figures["runs"]] == ["serial", "processes", "dask threads"]
    assert all(r["identical"] for r in figures["runs"])
    assert all(
        r["tasks_per_second"] > 0 and r["efficiency"] == pytest.approx(r["speedup"] / r["workers"])
        for r in figures["runs"]
    )
    assert (
        "tasks/s" in done.stdout
        and "efficiency" in done.stdout
        and "dask cluster start-up" in done.stdout
    )
