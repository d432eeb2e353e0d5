"""Where one replication's wall time goes, by part: World() setup, the daily step's pieces,
per-claim work, tables.

    python benchmarks/parts.py [--customers N] [--policy NAME] [--horizon DAYS] [--repeats R]

Wall-clock timers wrapped around the World's daily methods (exclusive times: a claim filed from the
daily step counts as per-claim work), nothing inside the claim path, so the figures are close to an
unprofiled run (cProfile inflates small Python calls 1.7-1.9x). Per-claim work is the time inside
`env.run` outside the daily step: claim processes, their SimPy events, word of mouth and the ledger.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import simpy

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import CANONICAL, scaled_overrides

#: The World's methods the daily step calls, in the order it calls them, and the part each is
#: counted in.
DAILY_PARTS = {
    "_record_day": "daily: record the day",
    "_pay_staff": "daily: book fixed pay",
    "_due_today": "daily: calendar read",
    "_purchase_occasions": "daily: purchase occasions",
    "_failures": "daily: failures",
    "_fraud_attempts": "daily: fraud attempts",
    "_adoption": "daily: adoption",
    "_file": "per claim: filing (luck, Claim, process)",
}
PARTS = (
    "setup: World()",
    *dict.fromkeys(DAILY_PARTS.values()),
    "per claim: claim processes",
    "tables at the end",
)


class PartTimer:
    """Exclusive wall time of wrapped functions: a wrapped call inside another is taken off its
    caller."""

    def __init__(self, clock=time.perf_counter) -> None:
        self.clock = clock
        self.seconds: dict[str, float] = dict.fromkeys(PARTS, 0.0)
        self._stack: list[float] = []  # time taken by wrapped callees of each open call

    def wrap(self, function, part: str):
        clock, stack, seconds = self.clock, self._stack, self.seconds

        def timed(*args, **kwargs):
            stack.append(0.0)
            start = clock()
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = clock() - start
                inner = stack.pop()
                seconds[part] += elapsed - inner
                if stack:
                    stack[-1] += elapsed

        return timed


def timed_replication(scenario, policy: str, replication: int, clock=time.perf_counter) -> dict:
    """Run one replication with the World's daily methods timed; returns seconds by part, events and
    claims.

    `clock` is wall time by default; time.process_time (CPU time of this process) is steadier on a
    loaded machine.
    """
    from recoverysim.engine import run_replication
    from recoverysim.model import world as world_module

    timer = PartTimer(clock)
    World = world_module.World
    originals = {name: getattr(World, name) for name in DAILY_PARTS if hasattr(World, name)}
    original_init, original_run = World.__init__, World.run
    worlds: list = []
    run_seconds = [0.0]

    def init(self, *args, **kwargs):
        start = clock()
        original_init(self, *args, **kwargs)
        timer.seconds["setup: World()"] += clock() - start
        worlds.append(self)
        if not hasattr(self.customers, "_timed"):
            due = self.customers.due_today
            self.customers.due_today = timer.wrap(due, DAILY_PARTS["_due_today"])

    def run(self):
        start = clock()
        original_run(self)
        run_seconds[0] += clock() - start

    try:
        for name, function in originals.items():
            setattr(World, name, timer.wrap(function, DAILY_PARTS[name]))
        World.__init__, World.run = init, run
        start = clock()
        result = run_replication(scenario, policy, replication)
        total = clock() - start
    finally:
        for name, function in originals.items():
            setattr(World, name, function)
        World.__init__, World.run = original_init, original_run
    (world,) = worlds
    env: simpy.Environment = world.env
    seconds = timer.seconds
    daily = sum(v for k, v in seconds.items() if k.startswith("daily"))
    seconds["per claim: claim processes"] = run_seconds[0] - daily - seconds[DAILY_PARTS["_file"]]
    seconds["tables at the end"] = total - seconds["setup: World()"] - run_seconds[0]
    days = scenario.horizon_days
    events = next(env._eid) - len(env._queue)
    return {
        "seconds": seconds,
        "total": total,
        "claims": len(result.claims),
        "events": events,
        "claim_events": events - (days + 1),  # the daily step: one Initialize and one timeout a day
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--policy", default="trusting")
    parser.add_argument("--horizon", type=int, default=730, help="days (default 730, two years)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--cpu", action="store_true", help="CPU time of the process instead of wall time"
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print each replication's parts as one JSON line instead",
    )
    args = parser.parse_args(argv)
    from recoverysim.scenario.load import load_scenario
    from recoverysim.staffing import resolve_staffing

    scenario = resolve_staffing(
        load_scenario(CANONICAL, scaled_overrides(args.customers, args.horizon))
    )
    clock = time.process_time if args.cpu else time.perf_counter
    runs = [timed_replication(scenario, args.policy, 0, clock) for _ in range(args.repeats)]
    if args.json:
        for run in runs:
            print(json.dumps(run))
        return 0
    print(
        f"{args.customers:,} customers, {args.horizon} days, policy {args.policy}, median of "
        f"{args.repeats}{' (CPU time)' if args.cpu else ''}"
    )
    for part in PARTS:
        print(f"  {part:<44} {statistics.median(r['seconds'][part] for r in runs):8.3f} s")
    print(f"  {'total':<44} {statistics.median(r['total'] for r in runs):8.3f} s")
    claims = runs[0]["claims"]
    per_claim = statistics.median(
        r["seconds"]["per claim: claim processes"] + r["seconds"][DAILY_PARTS["_file"]]
        for r in runs
    )
    print(
        f"  {claims:,} claims, {runs[0]['claim_events'] / max(claims, 1):.2f} SimPy events a "
        f"claim, {per_claim / max(claims, 1) * 1e6:.1f} us a claim"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
