"""Make `scenarios/example-claims.csv`, the README's example of a firm's claims.

    python -m recoverysim.calibration.example_data


The "firm" is the canonical scenario at 5,000 owners and 5,000 prospects over two years, under the
suspicious policy, with two behaviour values set to known "true" values (TRUE below), so that
`calibrate` on this file can be checked against them. One replication the fit never uses
(EXAMPLE_REPLICATION) gives the claims: filed and closed dates from the simulated days, the decision
as outcome, the contacts. The claims table has no per-claim repurchase, so `repurchased` is drawn
for 70 % of the decided or abandoned claims from that replication's repurchase share of the claim's
outcome class (the rest are "not yet known"), and `survey_score` is round(10 S) of the claim's
satisfaction S for 40 % of closed claims, as the model scores NPS.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np

from recoverysim.engine import run_replication
from recoverysim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios" / "trust-vs-suspicion.yaml"
WORLD = ("market.initial_customers=5000", "market.prospects=5000", "horizon_days=730")
TRUE = {"behaviour.loss_aversion": 3.0, "behaviour.unexplained_penalty": 0.45}
EXAMPLE_REPLICATION = 100
START = dt.date(2025, 1, 1)


def _class_shares(figures: dict[str, float]) -> dict[str, float]:
    shares = {}
    for outcome in ("slow_fix", "fast_fix", "denied", "abandoned"):
        claimants = figures[f"repurchase_claimants_{outcome}"]
        shares[outcome] = (
            figures[f"repurchase_buyers_{outcome}"] / claimants if claimants else np.nan
        )
    return shares


def make(path: Path = ROOT / "scenarios" / "example-claims.csv", seed: int = 11) -> int:
    """Write the example CSV; returns the number of claims."""
    scenario = load_scenario(SCENARIO, [*WORLD, *(f"{k}={v!r}" for k, v in TRUE.items())])
    result = run_replication(scenario, "suspicious", EXAMPLE_REPLICATION)
    shares = _class_shares(result.figures)
    rng = np.random.default_rng(seed)
    fast_days = scenario.behaviour.expected_resolution_days
    rows = []
    for claim in result.claims.sort_values("filed_day").itertuples():
        filed = START + dt.timedelta(days=int(claim.filed_day))
        closed = (
            "" if claim.decision == "open" else START + dt.timedelta(days=int(claim.closed_day))
        )
        outcome = claim.decision
        if outcome == "approved":
            kind = "fast_fix" if claim.closed_day - claim.filed_day <= fast_days else "slow_fix"
        else:
            kind = outcome
        share = shares.get(kind, np.nan)
        known = outcome != "open" and np.isfinite(share) and rng.random() < 0.7
        repurchased = ("yes" if rng.random() < share else "no") if known else ""
        surveyed = outcome != "open" and rng.random() < 0.4
        score = str(int(round(10 * claim.satisfaction))) if surveyed else ""
        rows.append(
            (
                f"C{10000 + claim.claim_id}",
                filed,
                closed,
                outcome,
                claim.contacts,
                repurchased,
                score,
            )
        )
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ("claim_id", "filed", "closed", "outcome", "contacts", "repurchased", "survey_score")
        )
        writer.writerows(rows)
    return len(rows)


if __name__ == "__main__":
    print(f"{make()} claims written")
