"""Where one whole-model replication spends its time: cProfile by function and by source file.

    python benchmarks/profile_model.py [--customers N] [--policy NAME] [--top K] [--pyinstrument]

Runs the canonical scenario scaled to N customers exactly as benchmarks/run.py
does (staff and inspection bench scaled by N / 100,000), so the profile
explains the figures of the benchmark. Profiling slows the run down (about
2x under cProfile); read the shares, not the seconds.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import CANONICAL, scaled_overrides


def where(filename: str, function: str = "") -> str:
    """A short name for the place a function lives: a package, or a recoverysim module."""
    if filename.startswith(("~", "<")):
        return "numpy (C)" if "numpy" in function else "builtins (C)"
    path = Path(filename)
    parts = path.parts
    if "recoverysim" in parts:
        return "recoverysim/" + "/".join(parts[parts.index("recoverysim") + 1 :])
    for package in ("simpy", "numpy", "pandas", "pydantic", "ruamel"):
        if package in parts:
            return package
    return path.name


def profile(customers: int, policy: str, top: int) -> None:
    from recoverysim.engine import run_replication
    from recoverysim.scenario.load import load_scenario
    from recoverysim.staffing import resolve_staffing

    # Sized first: the unprofiled time would otherwise include the load pilot of 'auto' staff.
    scenario = resolve_staffing(load_scenario(CANONICAL, scaled_overrides(customers, None)))
    start = time.perf_counter()
    run_replication(scenario, policy, 0)
    plain_s = time.perf_counter() - start
    profiler = cProfile.Profile()
    profiler.enable()
    run_replication(scenario, policy, 0)
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = stats.total_tt
    print(
        f"{customers:,} customers, policy {policy}: {plain_s:.2f} s unprofiled, {total:.2f} s "
        "under cProfile"
    )

    rows = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)
    print(f"\nTop {top} functions by own time (tottime), share of the profiled total:")
    print(f"  {'own %':>6} {'cum %':>6} {'calls':>10}  function")
    for (filename, line, name), (_, calls, own, cumulative, _) in rows[:top]:
        print(
            f"  {own / total:>6.1%} {cumulative / total:>6.1%} {calls:>10,}  "
            f"{where(filename, name)}:{line} {name}"
        )

    by_cumulative = sorted(stats.stats.items(), key=lambda item: item[1][3], reverse=True)
    print(f"\nTop {top} functions by cumulative time (time inside, callees included):")
    for (filename, line, name), (_, calls, _own, cumulative, _) in by_cumulative[:top]:
        print(f"  {cumulative / total:>6.1%} {calls:>10,}  {where(filename, name)}:{line} {name}")

    by_place: dict[str, float] = defaultdict(float)
    for (filename, _, name), (_, _, own, _, _) in stats.stats.items():
        by_place[where(filename, name)] += own
    print("\nOwn time by place:")
    for place, seconds in sorted(by_place.items(), key=lambda item: item[1], reverse=True)[:15]:
        print(f"  {seconds / total:>6.1%}  {place}")


def profile_pyinstrument(customers: int, policy: str) -> None:
    from pyinstrument import Profiler

    from recoverysim.engine import run_replication
    from recoverysim.scenario.load import load_scenario
    from recoverysim.staffing import resolve_staffing

    scenario = resolve_staffing(load_scenario(CANONICAL, scaled_overrides(customers, None)))
    profiler = Profiler(interval=0.0005)
    profiler.start()
    run_replication(scenario, policy, 0)
    profiler.stop()
    print(profiler.output_text(unicode=False, color=False, show_all=False))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--policy", default="trusting")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument(
        "--pyinstrument",
        action="store_true",
        help="also print a pyinstrument call tree (pip install pyinstrument)",
    )
    args = parser.parse_args(argv)
    if args.customers < 1 or args.top < 1:
        parser.error("--customers and --top must be at least 1")
    from recoverysim.scenario.load import load_scenario

    names = [p.name for p in load_scenario(CANONICAL).policies]
    if args.policy not in names:
        parser.error(f"--policy must be one of {', '.join(names)} (got {args.policy!r})")
    profile(args.customers, args.policy, args.top)
    if args.pyinstrument:
        profile_pyinstrument(args.customers, args.policy)
    return 0


if __name__ == "__main__":
    sys.exit(main())
