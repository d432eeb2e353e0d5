"""How long and how much memory the analyses of issue 12 take: a Morris screening and a
4,500-replication sweep.

    python benchmarks/analyses.py [--quick] [--only morris|sweep] [--workers N] [--scale S]
        [--out DIR]

Two measurements on the canonical scenario (scenarios/trust-vs-suspicion.yaml),
each a `recoverysim sweep` into a scratch folder with the processes executor:

- morris: 8 uncertain inputs, 10 trajectories (90 points), both policies, 3
  replications: 540 replications. Issue 12 asks for under 10 minutes on 2 cores.
- sweep: a Latin hypercube of 750 points over the opportunist share, both
  policies, 3 replications: 4,500 replications. Issue 12 asks it to hold under
  1 GiB of memory.

Memory is the peak of the summed resident sets of this process and every
process under it (the workers), sampled every 0.2 s from /proc (Linux); where
/proc is missing, the largest single process (getrusage) is shown instead.

--scale S shrinks the world to S times the canonical customers (staff and the
inspection bench scaled with it, as benchmarks/run.py does) and --horizon-days
D shortens its six years, while keeping the number of replications, so that
the bookkeeping of 4,500 replications can be measured on a machine where
full-size runs would take hours; the line printed says what was measured.
--quick is a tiny world and horizon and a 12-replication sweep: seconds, to
check the script; its figures mean nothing.
The figures are written as JSON under --out (default benchmarks/results/,
which git ignores).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Self

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import CANONICAL, CANONICAL_CUSTOMERS, scaled_overrides  # noqa: E402 (after sys.path)

#: Eight inputs a policy maker is unsure of, with plausible ranges (assumptions, around the
#: scenario's defaults).
MORRIS_INPUTS = (
    "market.segments.everyone.opportunist_share=0.01:0.2",
    "market.segments.everyone.fraud_attempts_per_year=0.05:0.3",
    "market.segments.everyone.complaint_probability=0.3:0.9",
    "product.components.device.failures_per_year=0.015:0.06",
    "behaviour.loss_aversion=1.5:3",
    "word_of_mouth.in_market_share=0.1:0.5",
    "word_of_mouth.customer_loyalty_effect=0:0.04",
    "policies.suspicious.inspection.sensitivity=0.5:0.95",
)
MORRIS_TRAJECTORIES = 10
SWEEP_INPUT = "market.segments.everyone.opportunist_share=0:0.2"
SWEEP_POINTS = 750
REPLICATIONS = 3
TARGETS = {"morris": ("seconds", 600.0), "sweep": ("peak_mib", 1024.0)}
QUICK_HORIZON_DAYS = 60
QUICK_SWEEP_POINTS = 2


class TreeMemory:
    """The peak of the summed resident sets of this process and its descendants, sampled in a
    thread."""

    def __init__(self, every_s: float = 0.2):
        self.every_s = every_s
        self.peak_bytes = 0
        self.readable = Path("/proc/self/status").exists()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_bytes = max(self.peak_bytes, self.now())

    def _sample(self) -> None:
        while not self._stop.wait(self.every_s):
            self.peak_bytes = max(self.peak_bytes, self.now())

    def now(self) -> int:
        if not self.readable:
            largest = max(
                resource.getrusage(who).ru_maxrss
                for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
            )
            return largest * 1024  # kilobytes on Linux
        parents: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    parents[int(entry.name)] = int(
                        (entry / "stat").read_text().rsplit(")", 1)[1].split()[1]
                    )
                except (OSError, IndexError, ValueError):
                    continue  # the process ended while we looked
        tree, grew = {os.getpid()}, True
        while grew:
            more = {pid for pid, parent in parents.items() if parent in tree} - tree
            tree |= more
            grew = bool(more)
        return sum(resident_bytes(pid) for pid in tree)


def resident_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def measure(
    name: str, vary: list[str], design: str, points: int, overrides: list[str], workers: int
) -> dict:
    from recoverysim.experiment import Destination
    from recoverysim.experiments.designs import sweep_from_options
    from recoverysim.experiments.sweep import run_sweep
    from recoverysim.scenario.load import load_scenario

    scenario = load_scenario(CANONICAL, overrides)
    sweep = sweep_from_options(scenario, vary, design, points)
    with tempfile.TemporaryDirectory() as scratch, TreeMemory() as memory:
        start = time.perf_counter()
        result = run_sweep(
            scenario,
            sweep,
            replications=REPLICATIONS,
            workers=workers,
            store_in=Destination(Path(scratch)),
        )
        seconds = time.perf_counter() - start
    replications = len(result.points)  # one row per point, policy and replication
    return {
        "name": name,
        "design": design,
        "inputs": len(vary),
        "replications": replications,
        "seconds": seconds,
        "seconds_per_replication": seconds / replications,
        "peak_mib": memory.peak_bytes / 2**20,
        "memory_measure": "process tree" if memory.readable else "largest process",
    }


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument(
        "--quick",
        action="store_true",
        help="A tiny world and a short horizon: seconds, to check the script.",
    )
    parser.add_argument("--only", choices=("morris", "sweep"), help="Run one measurement only.")
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        help="Worker processes (default 2, the cores issue 12 names).",
    )
    parser.add_argument(
        "--scale",
        type=float,
        default=None,
        help="World size as a share of the canonical 100,000 customers (default 1; --quick 0.01).",
    )
    parser.add_argument(
        "--horizon-days",
        type=int,
        default=None,
        help="Simulate this many days instead of the scenario's six years (default; --quick 60).",
    )
    parser.add_argument("--out", type=Path, default=HERE / "results", help="Where the JSON goes.")
    args = parser.parse_args(argv)
    scale = args.scale if args.scale is not None else (0.01 if args.quick else 1.0)
    horizon = (
        args.horizon_days
        if args.horizon_days is not None
        else (QUICK_HORIZON_DAYS if args.quick else None)
    )
    if not 0 < scale <= 10 or args.workers < 1 or (horizon is not None and horizon < 1):
        parser.error("--scale must be in (0, 10], --workers and --horizon-days at least 1")
    customers = max(2, round(CANONICAL_CUSTOMERS * scale))
    overrides = [
        *(scaled_overrides(customers, None) if scale != 1 else []),
        *([f"horizon_days={horizon}"] if horizon else []),
    ]
    changed = scale != 1 or horizon is not None
    period = f"{horizon} days" if horizon else "the six years of the scenario"
    print(
        f"analyses of issue 12 on {customers:,} customers ({scale:g} x canonical), "
        f"{period}{' (quick)' if args.quick else ''}, "
        f"{args.workers} workers, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}"
    )

    plan = {
        "morris": (list(MORRIS_INPUTS), "morris", 2 if args.quick else MORRIS_TRAJECTORIES),
        "sweep": (
            [SWEEP_INPUT],
            "latin_hypercube",
            QUICK_SWEEP_POINTS if args.quick else SWEEP_POINTS,
        ),
    }
    figures = []
    for name, (vary, design, points) in plan.items():
        if args.only and name != args.only:
            continue
        row = measure(name, vary, design, points, overrides, args.workers)
        key, limit = TARGETS[name]
        row.update(target=f"{key} < {limit:g}", met=row[key] < limit)
        figures.append(row)
        print(
            f"{name:<7} {row['design']:<16} {row['replications']:>6,} replications  "
            f"{row['seconds']:>8.1f} s  {row['seconds_per_replication']:.3f} s each  peak "
            f"{row['peak_mib']:,.0f} MiB ({row['memory_measure']})  issue 12: {row['target']}: "
            f"{'met' if row['met'] else 'NOT met'}{' (on this smaller world)' if changed else ''}"
        )
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = args.out / f"analyses-{stamp}{'-quick' if args.quick else ''}.json"
    path.write_text(
        json.dumps(
            {
                "scale": scale,
                "customers": customers,
                "horizon_days": horizon,
                "workers": args.workers,
                "quick": args.quick,
                "load_average": os.getloadavg()[0],
                "figures": figures,
            },
            indent=1,
        )
    )
    print(f"written: {path}")
    return figures


if __name__ == "__main__":
    main()
