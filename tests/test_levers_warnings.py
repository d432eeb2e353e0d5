"""Warnings, in plain words, for levers that cannot act: from the scenario at load, and from a run's
counts."""

from __future__ import annotations

from pathlib import Path

import pytest
from levers_support import scenario_of

from recoverysim.experiment import run_experiment
from recoverysim.levers import (
    REACH_OF_LEVER,
    REACH_UNUSED,
    inert_levers,
    levers_set,
    silent_levers,
)
from recoverysim.metrics import EXTRA_FIGURES
from recoverysim.model.world import LEVER_REACH
from recoverysim.scenario.schema import Scenario

NO_POSTS = {"public_post_probability": 0.0}
NO_LENIENCY = {"market": {"leniency_purchase_effect": 0.0, "leniency_repurchase_effect": 0.0}}
NO_HANDOFF = {
    "channels": {
        name: {"partner_handoff_probability": 0.0} for name in ("chat", "phone", "email", "store")
    }
}

INERT_SCENARIO = """\
name: inert
horizon_days: 30
replications: 2
market:
  initial_customers: 300
  prospects: 0
  segments:
    - {name: everyone, share: 1.0, public_post_probability: 0, phone_share: 0.5,
       store_share: 0.0, chat_share: 0.3}
policies:
  - name: trusting
    evidence: none
    escalation_watch: true
    status_update_every_days: 40
  - name: suspicious
    single_case_owner: true
    inspection: {technicians: 4}
    goodwill_cost_share: 0.9
    excluded_repair_charge_eur: 60
    channel_staff: {store: 3}
"""
INERT_WARNINGS = [
    "policy trusting: status_update_every_days cannot act: no claim can be silent for 40 days "
    "within a horizon of 30 days",
    "policy trusting: escalation_watch cannot act: no segment ever posts publicly "
    "(public_post_probability is 0 everywhere)",
    "policy suspicious: excluded_repair_charge_eur cannot act: no component is excluded",
    "policy suspicious: single_case_owner cannot act: no channel hands cases to a partner "
    "(partner_handoff_probability is 0 everywhere)",
    "policy suspicious: goodwill_cost_share cannot act: goodwill_eur is 0",
    "policy suspicious: channel_staff.store cannot act: no segment starts claims on store (a "
    "channel nobody uses is neither staffed nor paid)",
    "policy suspicious: inspection.technicians cannot act: items are not returned for inspection "
    "(return_for_inspection is false)",
]


def test_inert_levers_names_each_policy_lever_and_why(write_scenario):
    from recoverysim.scenario.load import load_scenario

    assert inert_levers(load_scenario(write_scenario(INERT_SCENARIO))) == INERT_WARNINGS


def test_levers_left_at_their_defaults_are_never_warned_about():
    scenario = scenario_of(
        NO_HANDOFF,
        [{"name": "plain", "single_case_owner": False, "goodwill_cost_share": 0.5}],
        NO_POSTS,
    )
    assert levers_set(scenario.policies[0]) == []
    assert inert_levers(scenario) == []


def test_a_world_without_claims_makes_every_lever_set_inert():
    world = {
        "product": {"components": [{"name": "device", "failures_per_year": 0.0}]},
        **NO_LENIENCY,
    }
    scenario = scenario_of(
        world, [{"name": "p", "remedy": "replace", "goodwill_eur": 5.0}], {"opportunist_share": 0.0}
    )
    assert inert_levers(scenario) == [
        "policy p: remedy cannot act: no claim is ever filed (no component fails and nobody "
        "fakes a failure)",
        "policy p: goodwill_eur cannot act: no claim is ever filed (no component fails and "
        "nobody fakes a failure)",
    ]


def test_levers_that_make_a_policy_lenient_act_through_the_market_without_claims():
    """Leniency moves purchase (market.leniency_purchase_effect), so remedy and goodwill act with no
    claim filed."""
    world = {"product": {"components": [{"name": "device", "failures_per_year": 0.0}]}}
    scenario = scenario_of(
        world,
        [{"name": "p", "remedy": "replace", "goodwill_eur": 5.0, "single_case_owner": True}],
        {"opportunist_share": 0.0},
    )
    assert inert_levers(scenario) == [
        "policy p: single_case_owner cannot act: no claim is ever filed (no component fails and "
        "nobody fakes a failure)",
    ]


def test_a_watching_manager_reaches_claims_even_without_staff():
    """With no staff nobody is served, but a manager who watches posts takes stuck claims over."""
    world = {"channels": {name: {"staff": 0} for name in ("chat", "phone", "email", "store")}}
    world = {**world, **NO_LENIENCY}
    quiet = scenario_of(world, [{"name": "p", "remedy": "replace"}], NO_POSTS)
    watched = scenario_of(world, [{"name": "p", "remedy": "replace", "escalation_watch": True}])
    assert inert_levers(quiet) == [
        "policy p: remedy cannot act: no claim can reach an agent (every channel claims start on "
        "has no staff)"
    ]
    assert inert_levers(watched) == []


def test_validate_prints_warnings_after_ok_and_exits_0(write_scenario, cli):
    path = write_scenario(INERT_SCENARIO)
    result = cli("validate", path)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [f"OK {path}", *(f"warning: {w}" for w in INERT_WARNINGS)]


def test_run_warns_before_simulating_and_notes_levers_that_never_acted(write_scenario, cli):
    path = write_scenario(INERT_SCENARIO)
    result = cli("run", path, "--executor", "serial", "--quiet", "--out", "out")
    assert result.exit_code == 0, result.output
    stderr = result.stderr.splitlines()
    assert stderr[: len(INERT_WARNINGS)] == [f"warning: {w}" for w in INERT_WARNINGS]
    assert (
        "note: under trusting, escalation_watch never acted in 2 replications (no public post "
        "reached a watching manager)" in stderr
    )
    assert (
        "note: under trusting, status_update_every_days never acted in 2 replications (no claim "
        "was silent for 40 days)" in stderr
    )
    assert "warning:" not in result.stdout


def test_reach_counts_agree_with_the_money_they_cost():
    """Each counted mechanism cost exactly its unit price times its count (the counts can be wrong,
    and this would say)."""
    policy = {
        "name": "busy",
        "evidence": "photo",
        "return_for_inspection": True,
        "goodwill_eur": 10.0,
        "goodwill_cost_share": 0.5,
        "status_update_every_days": 2.0,
        "escalation_watch": True,
        "escalation_compensation_eur": 0.0,
    }
    scenario = scenario_of(
        {"word_of_mouth": {"public_post_below_satisfaction": 0.9}},
        [policy],
        {"public_post_probability": 1.0},
    )
    rows = run_experiment(scenario, replications=2, executor="serial").replications
    money = scenario.money
    for _, row in rows.iterrows():
        assert (
            row["lever_reach_return_for_inspection"] > 0 and row["lever_reach_escalation_watch"] > 0
        )
        assert row["cost_inspection_eur"] == pytest.approx(
            row["lever_reach_return_for_inspection"] * money.inspection_eur
        )
        assert row["cost_shipping_eur"] == pytest.approx(
            row["lever_reach_shipping_days"] * money.shipping_eur
        )
        assert row["cost_goodwill_eur"] == pytest.approx(
            row["lever_reach_goodwill_eur"] * 10.0 * 0.5
        )
        assert row["cost_updates_eur"] == pytest.approx(
            row["lever_reach_status_update_every_days"] * money.status_update_eur
        )
        assert row["cost_escalation_eur"] == pytest.approx(
            row["lever_reach_escalation_watch"] * money.escalation_eur
        )


def test_every_reach_count_is_a_figure_and_has_words():
    assert set(REACH_UNUSED) == set(LEVER_REACH) >= set(REACH_OF_LEVER.values())
    assert all(f"lever_reach_{name}" in EXTRA_FIGURES for name in LEVER_REACH)


def test_silent_levers_is_quiet_when_every_lever_acted():
    scenario = Scenario.model_validate(
        {
            "name": "s",
            "horizon_days": 200,
            "market": {"initial_customers": 800, "prospects": 0},
            "policies": [{"name": "p", "goodwill_eur": 5.0, "status_update_every_days": 1.0}],
        }
    )
    rows = run_experiment(scenario, replications=2, executor="serial").replications
    assert silent_levers(scenario, rows) == []


def test_every_shipped_scenario_validates_with_staff_written_auto(cli):
    """The lever checks read staff counts that may be 'auto' (a sized desk staffs a used
    channel)."""
    files = sorted((Path(__file__).parent.parent / "scenarios").glob("*.yaml"))
    result = cli("validate", *files)
    assert result.exit_code == 0, result.output
    assert result.output.count("OK ") == len(files)


def test_a_lever_switched_off_is_not_noted_as_never_acting():
    """evidence: none asks nobody for proof by design; its count of 0 is the lever acting, not
    idle."""
    scenario = Scenario.model_validate(
        {
            "name": "s",
            "horizon_days": 200,
            "market": {"initial_customers": 800, "prospects": 0},
            "policies": [
                {
                    "name": "p",
                    "evidence": "none",
                    "single_case_owner": False,
                    "status_update_every_days": 1.0,
                }
            ],
        }
    )
    rows = run_experiment(scenario, replications=2, executor="serial").replications
    assert rows["lever_reach_evidence"].sum() == 0
    assert silent_levers(scenario, rows) == []


def test_escalation_watch_with_a_threshold_no_claim_reaches_is_warned():
    scenario = scenario_of(
        {
            "word_of_mouth": {
                "public_post_below_satisfaction": 0.0,
                "public_post_after_contacts": 500,
            }
        },
        [{"name": "watched", "escalation_watch": True}],
        {"public_post_probability": 0.5},
    )
    assert inert_levers(scenario) == [
        "policy watched: escalation_watch cannot act: no claim can reach a public post "
        "(word_of_mouth.public_post_below_satisfaction is 0, and a post midway needs 500 contacts)"
    ]
