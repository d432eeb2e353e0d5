"""Direction checks on the canonical scenario, each with the reason it must hold."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from recoverysim import load_scenario, run_experiment
from recoverysim.metrics import mean_interval

CANONICAL = Path(__file__).parent.parent / "scenarios" / "trust-vs-suspicion.yaml"


@pytest.fixture(scope="module")
def comparison():
    scenario = load_scenario(CANONICAL, ["replications=4"])
    return run_experiment(scenario, executor="processes", workers=2).summary.set_index(
        ["policy", "metric"]
    )


def paired(comparison, metric):
    row = comparison.loc[("suspicious", metric)]
    return row["diff_vs_baseline"], row["diff_ci_low"], row["diff_ci_high"]


def test_the_two_policies_are_trusting_and_suspicious():
    assert [p.name for p in load_scenario(CANONICAL).policies] == ["trusting", "suspicious"]


def test_suspicious_pays_out_less_fraud(comparison):
    # Proof and inspection catch part of the fraud that the trusting policy pays without looking,
    # and opportunists who hear of denials try less often.
    _, _, high = paired(comparison, "fraud_paid_eur")
    assert high < 0


def test_suspicious_denies_more_honest_claims(comparison):
    # Imperfect inspection (specificity < 1), the strap exclusion and missing receipts deny honest
    # claims; the trusting policy denies none.
    low = paired(comparison, "honest_denied_share")[1]
    assert low > 0


def test_suspicious_takes_longer_to_resolve(comparison):
    # Shipping the item both ways and queueing at the inspection bench add days before the remedy.
    assert paired(comparison, "resolution_days_mean")[1] > 0


def test_suspicious_ends_with_lower_satisfaction(comparison):
    # Denials, delays, requests for proof and being suspected lower every part of justice.
    assert paired(comparison, "satisfaction_mean")[2] < 0


def test_without_opportunists_no_policy_pays_fraud():
    # Fraud comes only from opportunists; with none there is nothing to pay out, whatever the
    # policy.
    scenario = load_scenario(
        CANONICAL, ["replications=2", "market.segments.everyone.opportunist_share=0"]
    )
    result = run_experiment(scenario, executor="serial")
    assert (result.replications["fraud_paid_eur"] == 0).all()
    assert not result.claims["is_fraud"].any()


def test_more_phone_staff_never_lengthens_waits():
    # More servers on the same arrivals can only shorten queues; on the same seeds (common random
    # numbers) the mean phone wait must fall from 1 to 2 agents and not rise from 2 to 4.
    def phone_waits(staff: int) -> np.ndarray:
        scenario = load_scenario(
            CANONICAL,
            [
                "replications=4",
                f"channels.phone.staff={staff}",
                "channels.phone.patience_minutes_mean=null",
                "market.initial_customers=20000",
                "market.prospects=0",
                "product.components.device.failures_per_year=0.5",
            ],
        )
        claims = run_experiment(
            scenario, policies=["trusting"], executor="processes", workers=2
        ).claims
        phone = claims[claims["channel"] == "phone"]
        return phone.groupby("replication")["wait_minutes"].mean().to_numpy()

    one, two, four = phone_waits(1), phone_waits(2), phone_waits(4)
    mean, low, high = mean_interval(one - two)
    assert low > 0, (mean, low, high)
    mean, low, high = mean_interval(two - four)
    assert high > 0 and mean >= 0, (mean, low, high)
