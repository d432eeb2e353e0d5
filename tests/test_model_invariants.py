"""Invariants that hold in every run, checked over random valid scenarios (hypothesis)."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recoverysim.engine import run_replication
from recoverysim.metrics import COST_FIGURES, KEY_FIGURES
from recoverysim.model.world import World
from recoverysim.scenario import scenario_from_dict

probabilities = st.floats(0.0, 1.0)


@st.composite
def policies(draw, name: str) -> dict:
    return {
        "name": name,
        "evidence": draw(st.sampled_from(["none", "photo", "receipt", "photo_and_receipt"])),
        "return_for_inspection": draw(st.booleans()),
        "inspection": {
            "technicians": draw(st.integers(1, 3)),
            "sensitivity": draw(probabilities),
            "specificity": draw(probabilities),
        },
        "excluded_components": draw(st.sampled_from([[], ["strap"], ["device", "strap"]])),
        "excluded_repair_charge_eur": draw(st.sampled_from([None, 0.0, 50.0])),
        "first_contact_resolution_probability": draw(probabilities),
        "single_case_owner": draw(st.booleans()),
        "remedy": draw(st.sampled_from(["repair", "replace", "refund"])),
        "goodwill_eur": draw(st.sampled_from([0.0, 10.0])),
        "status_update_every_days": draw(st.sampled_from([None, 0.5, 3.0])),
        "escalation_watch": draw(st.booleans()),
    }


@st.composite
def scenarios(draw) -> dict:
    channel = lambda: {  # noqa: E731
        "staff": draw(st.integers(0, 3)),
        "patience_minutes_mean": draw(st.sampled_from([None, 2.0, 30.0])),
        "retry_probability": draw(probabilities),
        "transfer_drop_probability": draw(probabilities),
        "partner_handoff_probability": draw(st.sampled_from([0.0, 0.3])),
        "partner_bounce_probability": draw(st.sampled_from([0.0, 0.5, 1.0])),
    }
    return {
        "name": "property",
        "horizon_days": draw(st.integers(20, 120)),
        "seed": draw(st.integers(0, 10**6)),
        "market": {
            "initial_customers": draw(st.integers(0, 600)),
            "prospects": draw(st.integers(0, 600)),
            "segments": [
                {"name": "honest", "share": 0.7, "opportunist_share": 0.0},
                {
                    "name": "mixed",
                    "share": 0.3,
                    "opportunist_share": draw(probabilities),
                    "fraud_attempts_per_year": draw(st.floats(0.0, 5.0)),
                },
            ],
        },
        "product": {
            "components": [
                {"name": "device", "failures_per_year": draw(st.floats(0.0, 3.0))},
                {
                    "name": "strap",
                    "failures_per_year": draw(st.floats(0.0, 3.0)),
                    "weibull_shape": draw(st.floats(0.5, 3.0)),
                },
            ]
        },
        "channels": {"chat": channel(), "phone": channel(), "email": channel(), "store": channel()},
        "policies": [draw(policies("first")), draw(policies("second"))],
    }


@settings(
    max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(scenarios())
def test_every_run_keeps_its_invariants(data):
    scenario = scenario_from_dict(data)
    for policy in ("first", "second"):
        result = run_replication(scenario, policy, 0)
        claims, figures, daily = result.claims, result.figures, result.daily
        horizon = scenario.horizon_days

        # Each claim ends in exactly one state, and only open claims lack a closing day.
        assert set(claims["decision"]) <= {"approved", "denied", "abandoned", "open"}
        assert claims["claim_id"].is_unique
        is_open = claims["decision"] == "open"
        assert (
            claims.loc[is_open, "closed_day"].isna().all()
            and claims.loc[~is_open, "closed_day"].notna().all()
        )

        # Nothing happens after the horizon, nor before a claim is filed.
        assert (claims["filed_day"] < horizon).all()
        closed = claims.loc[~is_open]
        assert (closed["closed_day"] < horizon).all() and (
            closed["closed_day"] >= closed["filed_day"]
        ).all()
        assert len(daily) == horizon

        # The claims table agrees with the key figures.
        assert figures["claims"] == len(claims)
        assert figures["open_claims"] == is_open.sum()
        if len(claims):
            assert math.isclose(figures["fraud_share"], claims["is_fraud"].mean())
            assert math.isclose(
                figures["abandonment_share"], (claims["decision"] == "abandoned").mean()
            )
            assert math.isclose(figures["contacts_per_claim"], claims["contacts"].mean())

        # Cost components add up to the total, and claims carry every cost but staffed agent and
        # technician hours.
        assert math.isclose(
            sum(figures[c] for c in COST_FIGURES),
            figures["cost_total_eur"],
            rel_tol=1e-9,
            abs_tol=1e-6,
        )
        hours = figures["cost_staff_eur"] + figures["cost_technicians_eur"]
        assert math.isclose(
            claims["cost_eur"].sum() + hours, figures["cost_total_eur"], rel_tol=1e-9, abs_tol=1e-6
        )

        # Shares, satisfaction and loyalty stay in [0, 1].
        for name in KEY_FIGURES:
            if name.endswith("_share") and not math.isnan(figures[name]):
                assert 0.0 <= figures[name] <= 1.0, name
        assert claims["satisfaction"].dropna().between(0.0, 1.0).all()
        assert daily["mean_loyalty"].dropna().between(0.0, 1.0).all()
        assert (
            (claims["contacts"] >= 0).all()
            and (claims["transfers"] >= 0).all()
            and (claims["wait_minutes"] >= 0).all()
        )


@settings(max_examples=10, deadline=None, derandomize=True)
@given(scenarios())
def test_loyalty_of_every_customer_stays_a_probability(data):
    scenario = scenario_from_dict(data)
    world = World(scenario, scenario.policies[0], replication=0)
    world.run()
    loyalty = world.customers.loyalty[: world.customers.count]
    assert np.all((loyalty >= 0.0) & (loyalty <= 1.0))
    assert world.env.now <= scenario.horizon_days
