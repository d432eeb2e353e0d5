"""One customer's journey: the log changes nothing, each story fits its definition, the timeline
tells it in order."""

from __future__ import annotations

import json
import math

import pytest
from click.testing import CliRunner
from visual_support import write_small_scenario

from recoverysim import load_scenario, run_replication
from recoverysim.cli import main
from recoverysim.errors import UsageError
from recoverysim.model.behaviour import loyalty_change
from recoverysim.views.trace import (
    TROUBLE_EVENTS,
    handoffs,
    honest_claimants,
    journey,
    pick_story,
    simulate,
    timeline,
    when,
)


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory):
    return write_small_scenario(tmp_path_factory.mktemp("trace"))


@pytest.fixture(scope="module")
def scenario(scenario_file):
    return load_scenario(scenario_file)


@pytest.fixture(scope="module")
def worlds(scenario):
    return {
        policy: simulate(scenario, policy, 0) for policy in ("trusting", "middle", "suspicious")
    }


def test_keeping_the_log_changes_no_number(scenario):
    plain = run_replication(scenario, "suspicious", 1)
    logged = run_replication(scenario, "suspicious", 1, keep_log=True)
    assert plain.figures == logged.figures and plain.journeys is None
    assert plain.claims.equals(logged.claims)
    assert set(logged.journeys) == set(logged.claims["claim_id"])


def test_every_logged_claim_starts_filed_and_ends_with_loyalty_and_word_of_mouth(worlds):
    """A caught fraudster (a fraudulent claim denied) ends with the account closed instead: they
    tell nobody."""
    for world in worlds.values():
        for claim in world.all_claims():
            events = [e for _, e, _ in claim.log]
            days = [d for d, _, _ in claim.log]
            assert events[0] == "filed" and days == sorted(days)
            if claim.decision != "open":
                caught = claim.is_fraud and claim.decision == "denied"
                ending = ["decision", "account closed"] if caught else ["loyalty", "told"]
                assert events.count("decision") == 1 and events[-2:] == ending, events


def test_loyalty_notes_follow_the_behaviour_model(worlds, scenario):
    behaviour = scenario.behaviour
    exact = 0
    for world in worlds.values():
        for claim in world.all_claims():
            notes = {e: d for _, e, d in claim.log}
            if "loyalty" not in notes:
                continue
            before, after = notes["loyalty"]["before"], notes["loyalty"]["after"]
            expected = min(
                1.0,
                max(
                    0.0,
                    before
                    + loyalty_change(claim.satisfaction, behaviour, claim.first_failure, False),
                ),
            )
            # notes are rounded to 3 decimals; a customer already lost at a purchase occasion feels
            # nothing
            assert after == pytest.approx(expected, abs=1.5e-3) or after == before
            exact += after == pytest.approx(expected, abs=1.5e-3)
    assert exact > 100


@pytest.mark.parametrize(
    "policy, story",
    [
        ("suspicious", "honest-denied"),
        ("trusting", "fraud-paid"),
        ("trusting", "recovered"),
        ("suspicious", "runaround"),
    ],
)
def test_each_story_picks_a_claim_that_fits_its_definition(worlds, scenario, policy, story):
    claims = worlds[policy].all_claims()
    chosen = pick_story(claims, story, scenario.behaviour.reference_satisfaction)
    assert chosen is not None
    events = {e for _, e, _ in chosen.log}
    if story == "honest-denied":
        assert not chosen.is_fraud and chosen.decision == "denied"
    elif story == "fraud-paid":
        assert chosen.is_fraud and chosen.decision == "approved"
    elif story == "recovered":
        assert not chosen.is_fraud and chosen.decision == "approved"
        assert "recovered by a manager" in events or (
            TROUBLE_EVENTS & events
            and chosen.satisfaction >= scenario.behaviour.reference_satisfaction
        )
    else:
        assert handoffs(chosen) == max(handoffs(c) for c in claims) >= 2
    # it is the first such claim: no earlier claim fits
    earlier = [c for c in claims if c.claim_id < chosen.claim_id]
    if story != "runaround":
        assert pick_story(earlier, story, scenario.behaviour.reference_satisfaction) is None


@pytest.mark.parametrize(
    "policy, story",
    [
        ("suspicious", "honest-denied"),
        ("trusting", "recovered"),
        ("suspicious", "runaround"),
        ("middle", "runaround"),
    ],
)
def test_stories_tell_honest_claimants_unless_asked(worlds, scenario, policy, story):
    """Not an opportunist and no fraudulent claim, read from the customers' table and the claims
    themselves."""
    world = worlds[policy]
    claims = world.all_claims()
    j = journey(scenario, policy, 0, story=story)
    assert not world.customers.opportunist[j.customer_id] and not j.opportunist
    assert not any(c.is_fraud for c in claims if c.customer_id == j.customer_id)
    anyone = pick_story(claims, story, scenario.behaviour.reference_satisfaction)
    honest = pick_story(
        claims,
        story,
        scenario.behaviour.reference_satisfaction,
        honest_claimants(claims, world.customers.opportunist),
    )
    assert honest.customer_id == j.customer_id and (anyone.claim_id <= honest.claim_id)


def test_every_sentence_follows_from_its_event(worlds, scenario):
    """Word of mouth speaks well exactly when the claim's satisfaction is at or above S0; proof that
    was missing and did not end the claim is found later, in the log; e-mail contacts never queue on
    a line or get cut off."""
    s0 = scenario.behaviour.reference_satisfaction
    shipping = 3.0
    seen = {"well": 0, "badly": 0, "found": 0, "email": 0}
    for world in worlds.values():
        for claim in world.all_claims():
            events = [e for _, e, _ in claim.log]
            if "proof missing" in events and claim.decision not in ("abandoned", "open"):
                assert events[events.index("proof missing") + 1] == "proof found later", events
                seen["found"] += 1
            j_events = [(d, claim.claim_id, e, x) for d, e, x in claim.log]
            fake = type("J", (), {"events": j_events})
            for record in timeline(fake, shipping):
                if record["event"] == "told" and record["details"]["people"]:
                    well = claim.satisfaction >= s0
                    assert ("speaking well" in record["text"]) == well, (
                        record["text"],
                        claim.satisfaction,
                    )
                    seen["well" if well else "badly"] += 1
                if claim.channel == "email" and record["event"] in (
                    "contact",
                    "transfer dropped",
                    "transferred",
                ):
                    text = record["text"]
                    assert "e-mail" in text and "queue" not in text and "cut off" not in text, text
                    seen["email"] += 1
    assert min(seen.values()) > 0, seen


def test_a_story_that_cannot_happen_under_a_policy_is_a_clear_error(scenario_file):
    no_fraud = load_scenario(
        scenario_file, [f"market.segments.{i}.opportunist_share=0" for i in (0, 1)]
    )
    with pytest.raises(
        UsageError, match="no fraud-paid story under policy 'suspicious' in replication 0"
    ):
        journey(no_fraud, "suspicious", 0, story="fraud-paid")


def test_timeline_is_dated_in_order_and_tells_purchase_decision_loyalty_and_people_told(scenario):
    j = journey(scenario, "suspicious", 0, story="honest-denied")
    records = timeline(j, scenario.policy("suspicious").shipping_days)
    days = [r["day"] for r in records]
    assert days == sorted(days)
    kinds = [r["event"] for r in records]
    assert (
        kinds[0] == "purchase"
        and "filed" in kinds
        and "decision" in kinds
        and "loyalty" in kinds
        and "told" in kinds
    )
    assert all(r["when"] == when(r["day"]) for r in records)
    decision = next(
        r for r in records if r["event"] == "decision" and r["details"]["decision"] == "denied"
    )
    assert "decision: denied" in decision["text"]


def test_when_prints_day_and_clock():
    assert when(12.5) == "day 12, 12:00"
    assert when(-0.25) == "day -1, 18:00"
    assert when(3.9999999) == "day 4, 00:00"


def test_trace_command_tells_a_customer_in_text_and_json(scenario_file, scenario):
    runner = CliRunner()
    text = runner.invoke(
        main, ["trace", str(scenario_file), "--policy", "trusting", "--story", "fraud-paid"]
    )
    assert text.exit_code == 0, text.output
    assert (
        "Chosen as an example of: fraud-paid" in text.output
        and "claims a defect that is not there" in text.output
    )
    assert "end of the simulation" in text.output
    data = runner.invoke(
        main,
        [
            "trace",
            str(scenario_file),
            "--policy",
            "trusting",
            "--story",
            "fraud-paid",
            "--format",
            "json",
        ],
    )
    payload = json.loads(data.output)
    assert payload["story"] == "fraud-paid" and payload["opportunist"] is True
    assert any(c["fraud"] and c["decision"] == "approved" for c in payload["claims"])
    customer = payload["customer_id"]
    again = json.loads(
        runner.invoke(
            main,
            [
                "trace",
                str(scenario_file),
                "--policy",
                "trusting",
                "--customer",
                str(customer),
                "--format",
                "json",
            ],
        ).output
    )
    assert again["events"] == payload["events"] and again["story"] is None
    assert all(
        not (isinstance(v, float) and math.isnan(v)) for c in payload["claims"] for v in c.values()
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (["--policy", "lenient", "--story", "runaround"], "unknown policy 'lenient'"),
        (["--policy", "trusting"], "name exactly one of --customer ID or --story KIND"),
        (["--policy", "trusting", "--customer", "999999"], "customer 999999 filed no claim"),
    ],
)
def test_trace_errors_are_one_line(scenario_file, args, message):
    result = CliRunner().invoke(main, ["trace", str(scenario_file), *args])
    assert result.exit_code == 2 and message in result.output
    assert len(result.output.strip().splitlines()) == 1
