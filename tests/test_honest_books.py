"""The review's bugs (issue 9), each pinned by a test that failed on version 0.1, and the new
figures' definitions."""

from __future__ import annotations

import math

import numpy as np
import pytest

from recoverysim.engine import run_replication
from recoverysim.experiment import run_experiment
from recoverysim.metrics import mean_interval, outcomes_table
from recoverysim.model.world import World
from recoverysim.scenario.load import scenario_from_dict


def small(policies: list[dict], **sections) -> dict:
    """A small world: 2,000 owners, one year, failures frequent enough to see every path."""
    data = {
        "name": "books",
        "horizon_days": 365,
        "seed": 5,
        "replications": 3,
        "market": {"initial_customers": 2000, "prospects": 1000},
        "product": {
            "components": [
                {"name": "device", "failures_per_year": 0.3},
                {"name": "strap", "failures_per_year": 0.2},
            ]
        },
        "policies": policies,
    }
    data.update(sections)
    return data


def world_after(data: dict, policy: str, replication: int = 0) -> World:
    scenario = scenario_from_dict(data)
    world = World(scenario, scenario.policy(policy), replication)
    world.run()
    return world


def test_fraud_is_filed_only_inside_the_warranty_window():
    """0.1 filtered honest failures by warranty age but not fraud: 43.5 % of trusting's fraud was
    out of warranty."""
    data = small(
        [{"name": "trusting", "evidence": "none", "remedy": "replace"}],
        market={
            "initial_customers": 3000,
            "prospects": 0,
            "segments": [
                {
                    "name": "all",
                    "share": 1.0,
                    "opportunist_share": 0.5,
                    "fraud_attempts_per_year": 1.0,
                }
            ],
        },
        product={
            "warranty_days": 60,
            "replacement_cycle_days": 365,
            "components": [{"name": "device", "failures_per_year": 0.1}],
        },
    )
    scenario = scenario_from_dict(data)
    world = World(scenario, scenario.policy("trusting"), 0, keep_log=True)
    world.run()
    fraud = [c for c in world.all_claims() if c.is_fraud]
    assert len(fraud) > 20
    ages = np.array(
        [c.filed_day - c.log[0][2]["purchase_day"] for c in fraud]
    )  # the product's age when filed
    assert ages.max() <= 60.0 + 0.01


def test_silent_failures_count_as_failures():
    """A claim after an unclaimed failure is not a 'first failure' (0.1 counted only claims)."""
    data = small(
        [{"name": "p", "evidence": "none"}],
        market={
            "initial_customers": 2000,
            "prospects": 0,
            "segments": [
                {
                    "name": "all",
                    "share": 1.0,
                    "opportunist_share": 0.0,
                    "complaint_probability": 0.5,
                }
            ],
        },
    )
    world = world_after(data, "p")
    totals = world.totals()
    claims = world.all_claims()
    assert totals.unclaimed_failures > 50
    assert int(world.customers.failures.sum()) == len(claims) + totals.unclaimed_failures


def excluded_strap(charge: float, **policy) -> dict:
    return small(
        [
            {
                "name": "p",
                "evidence": "none",
                "excluded_components": ["strap"],
                "excluded_repair_charge_eur": charge,
                **policy,
            }
        ],
        market={
            "initial_customers": 2000,
            "prospects": 0,
            "segments": [
                {
                    "name": "all",
                    "share": 1.0,
                    "opportunist_share": 0.0,
                    "complaint_probability": 1.0,
                    "public_post_probability": 1.0,
                }
            ],
        },
        product={
            "components": [
                {"name": "device", "failures_per_year": 0.0},
                {"name": "strap", "failures_per_year": 0.4},
            ]
        },
    )


def test_a_repair_at_no_charge_is_a_remedy_not_a_denial():
    frame = run_replication(scenario_from_dict(excluded_strap(0.0)), "p", 0).claims
    repaired = frame[frame["remedy"] == "paid_repair"]
    assert len(repaired) > 20
    assert (repaired["decision"] == "approved").all()


def test_a_manager_refunds_a_paid_repair_instead_of_repairing_again():
    """0.1 repaired again at the firm's cost after an escalation and kept the charge."""
    data = excluded_strap(100.0, escalation_watch=True, escalation_recovery_probability=1.0)
    data["word_of_mouth"] = {
        "public_post_below_satisfaction": 1.0,
        "public_post_after_contacts": 1000,
    }
    result = run_replication(scenario_from_dict(data), "p", 0)
    frame, figures = result.claims, result.figures
    repaired = frame[frame["remedy"] == "paid_repair"]
    assert repaired["escalated"].all() and len(repaired) > 20
    awaiting_manager = int(
        (repaired["decision"] == "open").sum()
    )  # repaired, the manager's call still to come
    assert figures["repair_charges_eur"] == pytest.approx(
        100.0 * awaiting_manager
    )  # every other charge refunded
    in_the_post = int(
        ((frame["decision"] == "open") & (frame["remedy"] == "none")).sum()
    )  # repaired, not yet back
    assert (
        40.0 * len(repaired) <= figures["cost_remedies_eur"] <= 40.0 * (len(repaired) + in_the_post)
    )  # one repair each


def test_transfers_drop_only_on_the_phone_by_default():
    data = small(
        [{"name": "p", "evidence": "none", "first_contact_resolution_probability": 0.0}],
        market={
            "initial_customers": 2000,
            "prospects": 0,
            "segments": [
                {
                    "name": "all",
                    "share": 1.0,
                    "chat_share": 0.5,
                    "phone_share": 0.0,
                    "email_share": 0.5,
                    "store_share": 0.0,
                }
            ],
        },
    )
    frame = run_replication(scenario_from_dict(data), "p", 0).claims
    assert frame["transfers"].sum() > 50
    assert frame["drops"].sum() == 0


def test_single_case_owner_changes_nothing_where_no_partner_takes_cases():
    """0.1 drew the hand-off only without a case owner, so toggling it reshuffled later draws."""
    data = small(
        [
            {"name": "a", "evidence": "receipt"},
            {"name": "b", "evidence": "receipt", "single_case_owner": True},
        ]
    )
    scenario = scenario_from_dict(data)
    a, b = (run_replication(scenario, name, 1) for name in ("a", "b"))
    assert a.figures == b.figures
    assert a.claims.equals(b.claims)


def test_a_different_purchase_does_not_reshuffle_other_customers_failures():
    """0.1 drew repurchases and component renewals from one stream: one buy decision moved every
    later failure.

    Refunds bring a purchase occasion forward for refunded customers only. With
    nothing else linking customers (no prospects, no opportunists, no word of mouth
    reaching customers, no public posts), every owner's first claim must come at
    exactly the same time under both policies: nothing differs for anyone before it.
    """
    data = small(
        [
            {"name": "replace", "evidence": "none", "remedy": "replace"},
            {"name": "refund", "evidence": "none", "remedy": "refund"},
        ],
        market={
            "initial_customers": 3000,
            "prospects": 0,
            "segments": [
                {
                    "name": "all",
                    "share": 1.0,
                    "opportunist_share": 0.0,
                    "public_post_probability": 0.0,
                }
            ],
        },
        product={
            "replacement_cycle_days": 200,
            "components": [
                {"name": "device", "failures_per_year": 0.5},
                {"name": "strap", "failures_per_year": 0.2},
            ],
        },
        word_of_mouth={"customer_loyalty_effect": 0.0},
        horizon_days=730,
    )
    scenario = scenario_from_dict(data)
    frames = {name: run_replication(scenario, name, 0).claims for name in ("replace", "refund")}
    first = {
        name: frame.sort_values("filed_day").groupby("customer_id")["filed_day"].first()
        for name, frame in frames.items()
    }
    assert len(first["replace"]) > 500
    assert first["replace"].index.equals(first["refund"].index)
    assert np.array_equal(first["replace"].to_numpy(), first["refund"].to_numpy())
    second = {
        name: frame.sort_values("filed_day").groupby("customer_id")["filed_day"].nth(1)
        for name, frame in frames.items()
    }
    assert len(second["replace"]) > 50  # later claims do differ: refunds gave new products


def test_value_total_is_net_result_plus_customer_value_when_nothing_is_discounted():
    data = small([{"name": "p", "evidence": "none"}], money={"discount_rate_per_year": 0.0})
    figures = run_replication(scenario_from_dict(data), "p", 0).figures
    assert figures["value_total_eur"] == pytest.approx(
        figures["net_result_eur"] + figures["customer_value_eur"]
    )


def test_customer_value_uses_the_expected_discount_of_exponential_cycles():
    """Independent reference: Monte Carlo of exponential purchase times against the model's closed
    form.

    One customer with loyalty L buys at occasions T1 < T2 < ... (exponential gaps of
    mean C) while they keep buying; value = margin * E[sum_k L^k exp(-r T_k)].
    """
    rate_per_year, cycle_days, loyalty, margin = 0.08, 1095.0, 0.8, 60.0
    data = small(
        [{"name": "p", "evidence": "none"}],
        market={
            "initial_customers": 500,
            "prospects": 0,
            "segments": [
                {"name": "all", "share": 1.0, "initial_loyalty": loyalty, "opportunist_share": 0.0}
            ],
        },
        product={
            "replacement_cycle_days": cycle_days,
            "components": [{"name": "device", "failures_per_year": 0.0}],
        },
        money={"discount_rate_per_year": rate_per_year, "price_eur": 200.0, "margin_share": 0.3},
        horizon_days=1,
    )
    world = world_after(data, "p")
    model_value_each = world.totals().customer_value_eur / world.customers.active_count
    rng = np.random.default_rng(3)
    r = math.log1p(rate_per_year) / 365.0
    gaps = rng.exponential(cycle_days, size=(200_000, 60))
    times = gaps.cumsum(axis=1)
    values = margin * (loyalty ** np.arange(1, 61) * np.exp(-r * times)).sum(axis=1)
    mean, low, high = mean_interval(values)
    assert low <= model_value_each <= high
    wrong_discount = (
        margin * (x := loyalty * (1 + rate_per_year) ** (-cycle_days / 365)) / (1 - x)
    )  # 0.1's factor
    assert not low <= wrong_discount <= high


def test_nps_counts_honest_claimants_only():
    data = small(
        [{"name": "p", "evidence": "none"}],
        market={
            "initial_customers": 2000,
            "prospects": 0,
            "segments": [
                {
                    "name": "all",
                    "share": 1.0,
                    "opportunist_share": 0.3,
                    "fraud_attempts_per_year": 0.5,
                }
            ],
        },
    )
    result = run_replication(scenario_from_dict(data), "p", 0)
    frame = result.claims
    honest = frame[~frame["is_fraud"] & (frame["decision"] != "open")]
    score = np.round(honest["satisfaction"] * 10)
    expected = 100.0 * ((score >= 9).sum() - (score <= 6).sum()) / len(honest)
    assert frame["is_fraud"].sum() > 20
    assert result.figures["nps"] == pytest.approx(expected)


def test_honest_unremedied_share_adds_its_three_parts():
    data = small(
        [
            {
                "name": "s",
                "evidence": "photo_and_receipt",
                "return_for_inspection": True,
                "excluded_components": ["strap"],
            }
        ]
    )
    figures = run_replication(scenario_from_dict(data), "s", 0).figures
    parts = (
        figures["honest_false_denial_share"]
        + figures["honest_excluded_share"]
        + figures["honest_abandoned_share"]
    )
    assert figures["honest_unremedied_share"] == pytest.approx(parts)
    assert figures["honest_excluded_share"] > 0 and figures["honest_false_denial_share"] > 0


def test_repurchase_by_outcome_orders_as_tarp_does():
    """Customers whose claim was denied buy again less often than those fixed fast (TARP's order,
    direction only)."""
    data = small(
        [
            {"name": "fast", "evidence": "none", "remedy": "replace"},
            {"name": "deny", "evidence": "none", "excluded_components": ["device", "strap"]},
        ],
        product={
            "replacement_cycle_days": 200,
            "components": [{"name": "device", "failures_per_year": 0.4}],
        },
        horizon_days=730,
    )
    data["product"]["components"].append({"name": "strap", "failures_per_year": 0.0})
    result = run_experiment(scenario_from_dict(data), executor="serial")
    table = outcomes_table(result.replications, ["fast", "deny"]).set_index(["policy", "outcome"])
    assert list(outcomes_table(result.replications, ["fast"]).columns) == [
        "policy",
        "outcome",
        "claimants",
        "repurchase_share",
        "ci_low",
        "ci_high",
    ]
    fast, denied = table.loc[("fast", "fast_fix")], table.loc[("deny", "denied")]
    assert fast["claimants"] > 50 and denied["claimants"] > 50
    assert denied["ci_high"] < fast["ci_low"]
    shares = result.replications.set_index("policy")["claimant_repurchase_share"]
    assert shares.loc["deny"].mean() < shares.loc["fast"].mean()
