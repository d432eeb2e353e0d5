"""How well a sweep spreads over workers: serial, local processes and a Dask LocalCluster, on this
machine.

    python benchmarks/experiments.py [--quick] [--workers N] [--replications N] [--json]

Runs one small canonical sweep (the canonical scenario, opportunist share at
three values, both policies) three ways, each into a results folder as
`recoverysim sweep` does, and prints tasks per second, the speed-up over
serial and the parallel efficiency (speed-up divided by workers). The Dask
cluster is started before the clock starts and its start-up time is shown
apart ("once started"). The three runs must give identical points.parquet
files; the script says whether they did. --quick shrinks the world and uses
an in-process Dask cluster (threads), so it finishes in seconds: it checks
the script works, its figures mean nothing.

The figures depend on what else the machine is doing: run it on a quiet one.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CANONICAL = HERE.parent / "scenarios" / "trust-vs-suspicion.yaml"
PARAMETER = "market.segments.0.opportunist_share"
VALUES = "0,0.1,0.2"
QUICK_OVERRIDES = ["market.initial_customers=300", "market.prospects=100", "horizon_days=30"]


def timed_sweep(scenario, sweep, folder: Path, executor: str, **options) -> tuple[float, bytes]:
    from recoverysim.experiment import Destination
    from recoverysim.experiments.sweep import run_sweep

    start = time.perf_counter()
    run_sweep(scenario, sweep, executor=executor, store_in=Destination(folder), **options)
    return time.perf_counter() - start, (folder / "points.parquet").read_bytes()


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument(
        "--quick",
        action="store_true",
        help="A tiny world and an in-process Dask cluster: seconds, to check the script.",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="Workers for processes and Dask (default: one per core).",
    )
    parser.add_argument(
        "--replications",
        type=int,
        default=None,
        help="Replications per point and policy (default 4, quick 2).",
    )
    parser.add_argument(
        "--json", action="store_true", help="Also print the figures as one JSON line."
    )
    args = parser.parse_args(argv)

    from recoverysim.experiments.designs import sweep_from_options
    from recoverysim.experiments.executors import default_workers
    from recoverysim.scenario.load import load_scenario

    workers = args.workers or default_workers()
    replications = args.replications or (2 if args.quick else 4)
    scenario = load_scenario(
        CANONICAL, [*(QUICK_OVERRIDES if args.quick else []), f"replications={replications}"]
    )
    sweep = sweep_from_options(scenario, [f"{PARAMETER}={VALUES}"], "grid", None)
    tasks = len(VALUES.split(",")) * len(scenario.policies) * replications
    print(
        f"sweep: {scenario.name}{' (quick: a tiny world)' if args.quick else ''}, {PARAMETER} = "
        f"{VALUES}, {len(scenario.policies)} policies x {replications} replications = {tasks} "
        f"tasks; {workers} workers; {os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}"
    )

    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        serial_seconds, reference = timed_sweep(scenario, sweep, scratch / "serial", "serial")
        rows.append(("serial", 1, serial_seconds, True))
        seconds, data = timed_sweep(
            scenario, sweep, scratch / "processes", "processes", workers=workers
        )
        rows.append(("processes", workers, seconds, data == reference))
        try:
            import dask.distributed  # noqa: F401
        except ImportError:
            print("dask: not installed (pip install 'recoverysim[dask]'); skipped")
            dask_start = None
        else:
            from recoverysim.experiments.executors import local_cluster

            clock = time.perf_counter()
            with (
                local_cluster(workers, processes=not args.quick) as cluster,
                dask.distributed.Client(cluster) as client,
            ):
                client.wait_for_workers(
                    workers
                )  # "once started": every worker is up before the clock runs
                dask_start = time.perf_counter() - clock
                seconds, data = timed_sweep(
                    scenario, sweep, scratch / "dask", "dask", scheduler=cluster.scheduler_address
                )
            rows.append(
                ("dask threads" if args.quick else "dask", workers, seconds, data == reference)
            )

    print(
        f"\n{'executor':<13} {'workers':>7} {'seconds':>8} {'tasks/s':>8} {'speed-up':>8} "
        f"{'efficiency':>10}  identical"
    )
    figures = {
        "tasks": tasks,
        "workers": workers,
        "quick": args.quick,
        "serial_task_seconds": serial_seconds / tasks,
        "runs": [],
    }
    for name, count, seconds, identical in rows:
        speedup = serial_seconds / seconds
        print(
            f"{name:<13} {count:>7} {seconds:>8.2f} {tasks / seconds:>8.2f} {speedup:>8.2f} "
            f"{speedup / count:>10.2f}  {'yes' if identical else 'NO'}"
        )
        figures["runs"].append(
            {
                "executor": name,
                "workers": count,
                "seconds": seconds,
                "tasks_per_second": tasks / seconds,
                "speedup": speedup,
                "efficiency": speedup / count,
                "identical": identical,
            }
        )
    print(f"\nmean task: {serial_seconds / tasks:.3f} s serial")
    if dask_start is not None:
        by_name = {r["executor"]: r for r in figures["runs"]}
        dask_run = by_name.get("dask") or by_name.get("dask threads")
        ratio = dask_run["seconds"] / by_name["processes"]["seconds"]
        figures.update(dask_start_seconds=dask_start, dask_over_processes=ratio)
        print(
            f"dask cluster start-up: {dask_start:.2f} s (not in its time); dask time / processes "
            f"time: {ratio:.2f}"
        )
    if args.json:
        print(json.dumps(figures))
    if not all(r["identical"] for r in figures["runs"]):
        sys.exit("points.parquet differs between executors")
    return figures


if __name__ == "__main__":
    main()
