"""What baseline talk would give East, Hammond & Wright (2007)'s ~3:1, and why the default is not
it.

Run: python -m recoverysim.fits.wom (under a minute).

Target (EVIDENCE.md, V1): positive word of mouth is about 3 times as common as
negative, across 15 studies. In the model, negative impressions come from claim
stories (claims, silent failures, public posts); positive ones from claim
stories and from the baseline talk of customers that Bass's q*F stands for,
baseline_told_per_year per customer-year. The fit solves, on the canonical
scenario (both policies, the same seeds),

    (claim positive + c * customer-years) / negative = 3   for c,

and repeats with the new c (c sets what a story weighs in the market, which
moves the customer count a little) until c settles. It then prints the
purchases per in-market story that c implies, q / (in_market_share * c): Bass's
imitation term needs that many. Above 1 the fit is impossible (a story cannot
make a prospect buy more than once), which is why the default is not this fit
but the least talk that carries q: c = q / in_market_share (one purchase per
story). The gap to 3:1 is a known deviation: in the model every negative story
comes from a failure, while real negative talk has other causes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from recoverysim.engine import run_replication
from recoverysim.model.bass import baseline_told_per_year
from recoverysim.scenario.load import load_scenario

TARGET_RATIO = 3.0
SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "trust-vs-suspicion.yaml"
REPLICATIONS = 2
ROUNDS = 2


def impressions(baseline: float) -> dict[str, float]:
    """Claim-positive, negative impressions and customer-years, summed over both policies and the
    replications."""
    scenario = load_scenario(SCENARIO, [f"word_of_mouth.baseline_told_per_year={baseline}"])
    totals = {"claim_positive": 0.0, "negative": 0.0, "customer_years": 0.0}
    for policy in scenario.policies:
        for replication in range(REPLICATIONS):
            figures = run_replication(scenario, policy.name, replication).figures
            totals["claim_positive"] += figures["wom_positive"]
            totals["negative"] += figures["wom_negative"]
            totals["customer_years"] += figures["wom_baseline_positive"] / baseline
    return totals


def solve(totals: dict[str, float]) -> float:
    return (TARGET_RATIO * totals["negative"] - totals["claim_positive"]) / totals["customer_years"]


def main() -> int:
    scenario = load_scenario(SCENARIO)
    baseline = baseline_told_per_year(scenario)
    print(f"default (q / in_market_share): c = {baseline:.3f} people per customer-year")
    print(
        f"target: positive / negative impressions = {TARGET_RATIO:g} (East, Hammond & Wright "
        "2007, V1)"
    )
    header = ("round", "c used", "claim +", "negative", "cust-years", "ratio", "c fitted")
    print("  ".join(f"{name:>{width}}" for name, width in zip(header, (5, 8, 9, 9, 11, 6, 8))))
    for round_number in range(1, ROUNDS + 1):
        totals = impressions(baseline)
        ratio = (totals["claim_positive"] + baseline * totals["customer_years"]) / totals[
            "negative"
        ]
        fitted = solve(totals)
        print(
            f"{round_number:>5}  {baseline:>8.3f}  {totals['claim_positive']:>9.0f}  "
            f"{totals['negative']:>9.0f}  {totals['customer_years']:>11.0f}  {ratio:>6.2f}  "
            f"{fitted:>8.3f}"
        )
        if np.isclose(fitted, baseline, rtol=0.01):
            break
        baseline = float(fitted)
    needed = scenario.market.imitation_per_year / (scenario.word_of_mouth.in_market_share * fitted)
    print(
        f"c for 3:1 = {fitted:.3f} people per customer-year; it needs {needed:.2f} purchases per "
        f"in-market story ({'impossible' if needed > 1 else 'possible'}: at most 1)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
