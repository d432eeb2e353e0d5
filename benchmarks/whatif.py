"""How long a trainer waits for the canonical what-if page (issue 14: under 30 s on 2 cores).

    python benchmarks/whatif.py [--runs quick,customers,full] [--repeats N] [--workers N]
                                [--out DIR]
    python benchmarks/whatif.py --smoke     # a 60-day horizon: seconds, to check the script

Each run is the real command in a fresh process, start-up and imports included, as a trainer
types it on scenarios/trust-vs-suspicion.yaml:

- quick:     `recoverysim whatif FILE --quick` (5,000 customers, 1 replication, staff held)
- customers: `recoverysim whatif FILE --customers 5000 --replications 1` (before --quick)
- full:      `recoverysim whatif FILE` (50,000 customers, the file's 2 replications: minutes)

Printed per run: wall seconds (median, min and max of the repeats), CPU seconds of the command
and its workers (user + sys), and the range of the 1-minute load average around them; the runs
are taken in turn (a, b, a, b). On a shared machine other work stretches the wall time; CPU
seconds / cores is, about, what the run needs of a quiet machine. The figures are also written
as JSON under --out (default benchmarks/results/, which git ignores).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CANONICAL = ROOT / "scenarios" / "trust-vs-suspicion.yaml"
#: The options of each run after `recoverysim whatif FILE`.
RUNS = {
    "quick": ["--quick"],
    "customers": ["--customers", "5000", "--replications", "1"],
    "full": [],
}
TARGET_SECONDS = 30.0


def children_cpu_seconds() -> float:
    """User + system CPU of every finished child process and the children they waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(options: list[str], folder: Path, extra: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one `recoverysim whatif` in a fresh Python process."""
    command = [
        sys.executable,
        "-c",
        "from recoverysim.cli import main; main()",
        "whatif",
        str(CANONICAL),
        "--quiet",
        "-o",
        str(folder / "whatif.html"),
        *options,
        *extra,
    ]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    cpu = children_cpu_seconds()
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[3:])} failed:\n{done.stdout}{done.stderr}")
    return wall, children_cpu_seconds() - cpu


def measure(names: list[str], repeats: int, extra: list[str]) -> list[dict]:
    """Time each run `repeats` times, the runs taken in turn (a, b, a, b) so that a change in the
    machine's load falls on all of them alike."""
    walls: dict[str, list[float]] = {name: [] for name in names}
    cpus: dict[str, list[float]] = {name: [] for name in names}
    loads: dict[str, list[float]] = {name: [] for name in names}
    with tempfile.TemporaryDirectory(prefix="bench-whatif-") as scratch:
        for _ in range(repeats):
            for name in names:
                loads[name].append(os.getloadavg()[0])
                wall, cpu = run_once(RUNS[name], Path(scratch), extra)
                walls[name].append(wall)
                cpus[name].append(cpu)
                loads[name].append(os.getloadavg()[0])
    return [
        {
            "name": name,
            "command": " ".join(
                ["recoverysim whatif", str(CANONICAL.relative_to(ROOT)), *RUNS[name], *extra]
            ),
            "wall_seconds": statistics.median(walls[name]),
            "wall_min": min(walls[name]),
            "wall_max": max(walls[name]),
            "cpu_seconds": statistics.median(cpus[name]),
            "repeats": repeats,
            "load_min": min(loads[name]),
            "load_max": max(loads[name]),
        }
        for name in names
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--runs", default="quick,customers", help="Comma-separated: quick, customers, full."
    )
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument(
        "--workers", type=int, help="Passed to `whatif --workers` (default: one per core)."
    )
    parser.add_argument(
        "--smoke", action="store_true", help="A 60-day horizon, one repeat: checks the script."
    )
    parser.add_argument("--out", type=Path, default=HERE / "results")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.runs.split(",") if n.strip()]
    unknown = [n for n in names if n not in RUNS]
    if unknown or not names:
        parser.error(f"--runs: choose among {', '.join(RUNS)} (got {args.runs!r})")
    extra = ["--workers", str(args.workers)] if args.workers else []
    if args.smoke:
        extra += ["--set", "horizon_days=60"]
        names, args.repeats = ["quick"], 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"{cores} cores; load average {'/'.join(f'{x:.2f}' for x in os.getloadavg())}")
    rows = measure(names, args.repeats, extra)
    for row in rows:
        verdict = ""
        if row["name"] == "quick" and not args.smoke:
            verdict = (
                "  (under 30 s)" if row["wall_seconds"] < TARGET_SECONDS else "  (NOT under 30 s)"
            )
        spread = f"(min {row['wall_min']:.1f}, max {row['wall_max']:.1f})"
        load = f"load {row['load_min']:.2f}-{row['load_max']:.2f}"
        print(
            f"{row['name']:<9} wall {row['wall_seconds']:6.1f} s {spread}"
            f"  CPU {row['cpu_seconds']:6.1f} s  {load}{verdict}\n          {row['command']}"
        )
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = args.out / f"whatif-{stamp}{'-smoke' if args.smoke else ''}.json"
    path.write_text(
        json.dumps({"cores": cores, "smoke": args.smoke, "runs": rows}, indent=2), encoding="utf-8"
    )
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
