"""Fit the fraud attempt rate so that fraud is 12.5 % of claims under the canonical trusting policy.

    python -m recoverysim.fits.fraud [--replications 6] [--table-replications 10] [--workers 2]

Target: retail return fraud and abuse is 10.3 % (2021) to 15.1 % (2024) of returns (NRF / Appriss
Retail; Appriss & Deloitte 2024; V1/V2), and 3-15 % of warranty billing is fraudulent (Kurvinen,
Toyryla & Murthy 2016; V1). The fit aims at 12.5 %, the middle of the first range, under the
trusting policy of scenarios/trust-vs-suspicion.yaml (no proof, no inspection: the policy closest to
a lenient retail return desk). Fitted: `market.segments[].fraud_attempts_per_year`, the rate at
which a willing opportunist inside the warranty files a fraudulent claim; every other fraud
parameter is an assumption.

Method: the odds of the fraud share, F / H (fraudulent over honest claims), are nearly proportional
to the attempt rate, so the rate is scaled by target odds / odds until the share is within the
tolerance (a secant step on the odds; two or three rounds). Every round runs the same replication
numbers (common random numbers), so the share moves only with the rate. The script then prints the
fit table: the fitted rate and the fraud share with its 95 % interval under both policies.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from recoverysim.experiment import run_experiment
from recoverysim.metrics import mean_interval
from recoverysim.scenario.load import load_scenario

CANONICAL = Path(__file__).resolve().parents[2] / "scenarios" / "trust-vs-suspicion.yaml"
TARGET_SHARE = 0.125
PARAMETER = "market.segments.everyone.fraud_attempts_per_year"


def fraud_shares(rate: float, policy: str, replications: int, workers: int) -> np.ndarray:
    """Fraud share of claims per replication of `policy` in the canonical scenario at attempt rate
    `rate`."""
    scenario = load_scenario(CANONICAL, [f"{PARAMETER}={rate!r}"])
    result = run_experiment(
        scenario,
        policies=[policy],
        replications=replications,
        executor="processes",
        workers=workers,
    )
    return result.replications["fraud_share"].to_numpy()


def fit_rate(
    start: float, replications: int, workers: int, tolerance: float, rounds: int = 6
) -> float:
    """The attempt rate at which trusting's mean fraud share is within `tolerance` of the target."""
    rate, target_odds = start, TARGET_SHARE / (1.0 - TARGET_SHARE)
    for step in range(rounds):
        share = float(fraud_shares(rate, "trusting", replications, workers).mean())
        print(
            f"round {step + 1}: {PARAMETER} = {rate:.5f} -> trusting fraud share {share:.4f}",
            flush=True,
        )
        if abs(share - TARGET_SHARE) < tolerance:
            return rate
        rate *= target_odds / (share / (1.0 - share))
    return rate


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    parser.add_argument(
        "--replications", type=int, default=6, help="replications per round of the fit"
    )
    parser.add_argument(
        "--table-replications", type=int, default=10, help="replications of the final table"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--tolerance", type=float, default=0.002, help="accepted distance of the share from 12.5 %%"
    )
    parser.add_argument(
        "--start", type=float, default=None, help="first rate tried (default: the schema's)"
    )
    args = parser.parse_args(argv)
    start = args.start or load_scenario(CANONICAL).market.segments[0].fraud_attempts_per_year
    rate = fit_rate(start, args.replications, args.workers, args.tolerance)
    print(
        f"\nfitted {PARAMETER} = {rate:.3f} per willing opportunist per year "
        f"(target {TARGET_SHARE:.1%})"
    )
    print(
        f"\n{'parameter':<52} {'value':>7}  {'policy':<11} fraud share [95 % interval]"
        f" over {args.table_replications} replications"
    )
    for policy in ("trusting", "suspicious"):
        mean, low, high = mean_interval(
            fraud_shares(round(rate, 3), policy, args.table_replications, args.workers)
        )
        print(
            f"{PARAMETER:<52} {round(rate, 3):>7}  {policy:<11} {mean:.4f} [{low:.4f}, {high:.4f}]"
        )


if __name__ == "__main__":
    main()
