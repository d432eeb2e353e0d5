"""benchmarks/analyses.py works: --quick runs both measurements and writes them; memory counts the
workers. Not timed."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "benchmarks" / "analyses.py"


def load_analyses():
    sys.path.insert(0, str(SCRIPT.parent))
    spec = importlib.util.spec_from_file_location("bench_analyses", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


analyses = load_analyses()


def test_quick_runs_both_measurements_at_their_sizes(tmp_path):
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    [written] = tmp_path.glob("analyses-*-quick.json")
    figures = {row["name"]: row for row in json.loads(written.read_text())["figures"]}
    # Morris: (inputs + 1) points per trajectory, 2 trajectories in quick mode, 2 policies, 3
    # replications.
    assert (
        figures["morris"]["replications"]
        == (len(analyses.MORRIS_INPUTS) + 1) * 2 * 2 * analyses.REPLICATIONS
    )
    assert (
        figures["sweep"]["replications"] == analyses.QUICK_SWEEP_POINTS * 2 * analyses.REPLICATIONS
    )
    for row in figures.values():
        assert row["seconds"] > 0 and row["peak_mib"] > 0
        assert f"{row['name']:<7} {row['design']}" in done.stdout


def test_tree_memory_counts_a_child_process():
    """A child holding 300 MB shows in the tree's peak, though this process never holds it."""
    hold = (
        "import time; block = bytearray(300 * 2**20); block[::4096] = b'x' * len(block[::4096]); "
        "time.sleep(1.5)"
    )
    alone = analyses.TreeMemory().now()
    with analyses.TreeMemory(every_s=0.05) as memory:
        subprocess.run([sys.executable, "-c", hold], check=True, timeout=60)
    assert memory.peak_bytes > alone + 250 * 2**20
