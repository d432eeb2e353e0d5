"""benchmarks/whatif.py works: --smoke times the --quick command and writes it. Not timed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "whatif.py"


def test_smoke_times_the_quick_command_and_writes_json(tmp_path):
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--smoke", "--workers", "1", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    [written] = tmp_path.glob("whatif-*-smoke.json")
    [row] = json.loads(written.read_text())["runs"]
    assert row["name"] == "quick" and "--quick" in row["command"]
    assert row["wall_seconds"] > 0 and row["cpu_seconds"] > 0
    assert "quick     wall" in done.stdout and "load average" in done.stdout
