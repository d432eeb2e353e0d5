"""Are the numbers still the same? Dump replications' tables, then compare two dumps exactly.

    python benchmarks/same_results.py dump DIR [--quick]    # from the checkout to test
    python benchmarks/same_results.py compare DIR_A DIR_B

A speed change must leave every number as it was (issue 15). This dumps the claims, daily and
figures tables of 9 scenario cases x 2 policies x 2 replications (the golden world, the story
scenarios, the TARP world, and the canonical scenario at 200,000 people over 400 days so that the
bulk numpy paths run), each as parquet, and `compare` checks them with pandas' exact comparison.
Run `dump` in a checkout of the commit before and of the change (PYTHONPATH=that checkout), then
`compare`. About 20 s for a dump on one core; `--quick` keeps the first three cases.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
CASES = [
    ("tests/golden/small.yaml", []),
    (
        "scenarios/trust-vs-suspicion.yaml",
        ["market.initial_customers=2000", "market.prospects=2000"],
    ),
    ("scenarios/targets/tarp-world.yaml", []),
    ("scenarios/excluded-strap.yaml", []),
    ("scenarios/goodwill-gestures.yaml", []),
    ("scenarios/silent-repair.yaml", []),
    ("scenarios/call-centre-staffing.yaml", []),
    (
        "scenarios/trust-vs-suspicion-bundles.yaml",
        ["market.initial_customers=3000", "market.prospects=3000", "horizon_days=365"],
    ),
    (
        "scenarios/trust-vs-suspicion.yaml",
        ["market.initial_customers=100000", "market.prospects=100000", "horizon_days=400"],
    ),
]
TABLES = ("claims", "daily", "figures")


def dump(folder: Path, quick: bool) -> int:
    """Write every case's tables to `folder`, one parquet file per case, policy, replication and
    table."""
    from recoverysim.engine import run_replication
    from recoverysim.scenario.load import load_scenario

    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    for number, (path, overrides) in enumerate(CASES[:3] if quick else CASES):
        scenario = load_scenario(ROOT / path, overrides)
        for policy in [p.name for p in scenario.policies][:2]:
            for replication in range(2):
                result = run_replication(scenario, policy, replication)
                figures = pd.DataFrame({"value": pd.Series(result.figures, dtype=float)})
                tables = {"claims": result.claims, "daily": result.daily, "figures": figures}
                for name in TABLES:
                    file = folder / f"{number:02d}-{policy}-{replication}-{name}.parquet"
                    tables[name].to_parquet(file)
                    written += 1
        print(f"{path} {' '.join(overrides)}: done", file=sys.stderr)
    return written


def compare(first: Path, second: Path) -> list[str]:
    """The differences between two dumps, one line each; empty when every table is identical."""
    names = sorted(p.name for p in first.glob("*.parquet"))
    others = sorted(p.name for p in second.glob("*.parquet"))
    if names != others:
        return [f"the dumps hold different tables ({len(names)} against {len(others)} files)"]
    problems = []
    for name in names:
        try:
            pd.testing.assert_frame_equal(
                pd.read_parquet(first / name), pd.read_parquet(second / name), check_exact=True
            )
        except AssertionError as error:
            problems.append(f"{name}: {str(error).splitlines()[0]}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    commands = parser.add_subparsers(dest="command", required=True)
    dumping = commands.add_parser("dump", help="write this checkout's tables to DIR")
    dumping.add_argument("folder", type=Path)
    dumping.add_argument("--quick", action="store_true", help="the first three cases only")
    comparing = commands.add_parser("compare", help="compare two dumps exactly")
    comparing.add_argument("first", type=Path)
    comparing.add_argument("second", type=Path)
    args = parser.parse_args(argv)
    if args.command == "dump":
        print(f"{dump(args.folder, args.quick)} tables written to {args.folder}")
        return 0
    problems = compare(args.first, args.second)
    for line in problems:
        print(line)
    count = len(list(args.first.glob("*.parquet")))
    print("identical" if not problems else "DIFFERENT", f"({count} tables)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
