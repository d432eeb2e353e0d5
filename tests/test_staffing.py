"""Staffing that follows load: the exact service level, the sizing rule, the load pilot and what
staff costs.

References are independent of the code under test: the closed form of Erlang C for
P(wait <= t), a simulation of the real ChannelDesk, the sizing rule checked one agent
below its answer, and utilisation against offered load (contacts x handling time).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from experiments_support import cli
from recoverysim.engine import run_replication
from recoverysim.experiment import run_experiment
from recoverysim.queueing import (
    answered_within_erlang_a,
    answered_within_erlang_c,
    erlang_a,
    erlang_c,
    estimate_from,
    predicted_service,
    queue_channel,
    simulate_channel,
    size_servers,
)
from recoverysim.scenario.load import file_json_schema, scenario_from_dict
from recoverysim.staffing import _cached_plan, pilot_load, resolve_staffing, staffing_plan

HORIZON_DAYS = 90


def small_scenario(
    policies: list[dict], channels: dict | None = None, segment: dict | None = None, **sections
) -> dict:
    """3,000 owners with failing devices: a few hundred claims in 90 days, on the channels the
    segment uses."""
    return {
        "name": "staffing-test",
        "horizon_days": HORIZON_DAYS,
        "seed": 5,
        "replications": 2,
        "market": {
            "initial_customers": 3000,
            "prospects": 0,
            "segments": [
                {"name": "all", "share": 1.0, "opportunist_share": 0.0, **(segment or {})}
            ],
        },
        "product": {"components": [{"name": "device", "failures_per_year": 1.5}]},
        "channels": channels
        or {name: {"staff": "auto"} for name in ("chat", "phone", "email", "store")},
        "policies": policies,
        **sections,
    }


PHONE_ONLY = {"chat_share": 0.0, "phone_share": 1.0, "email_share": 0.0, "store_share": 0.0}

# ------------------------------------------------------------------------------ P(answered within
# t), exact


@pytest.mark.parametrize(
    ("arrivals", "service", "servers", "within"),
    [(200.0, 3.0, 12, 0.5), (180.0, 0.5, 2, 0.2), (720.0, 4.0, 55, 1.0)],
)
def test_erlang_a_service_level_tends_to_erlang_c_closed_form(arrivals, service, servers, within):
    """With patience far longer than any wait, Erlang A is Erlang C: 1 - C exp(-(c mu - lambda)
    t)."""
    closed_form = 1.0 - erlang_c(arrivals, service, servers).wait_probability * math.exp(
        -(servers / service - arrivals / 60.0) * within
    )
    assert answered_within_erlang_c(arrivals, service, servers, within) == pytest.approx(
        closed_form, rel=1e-12
    )
    assert answered_within_erlang_a(arrivals, service, 1e7, servers, within) == pytest.approx(
        closed_form, abs=1e-5
    )


def test_erlang_a_service_level_at_zero_is_the_share_not_waiting():
    assert answered_within_erlang_a(200.0, 3.0, 2.0, 10, 0.0) == pytest.approx(
        1.0 - erlang_a(200.0, 3.0, 2.0, 10).wait_probability
    )


def test_erlang_a_service_level_agrees_with_the_simulated_desk():
    """The real ChannelDesk as M/M/10+M: share served within 20 s, 8 replications, exact value in
    the 95 % interval."""
    arrivals, service, patience, servers, within = 200.0, 3.0, 2.0, 10, 1.0 / 3.0
    channel = queue_channel(servers, service, patience)
    shares = []
    for replication in range(8):
        sample = simulate_channel(
            channel, arrivals, days=1.5, seed=3, warmup_days=0.25, replication=replication
        )
        shares.append(float(np.mean(~sample.abandoned & (sample.wait_minutes <= within))))
    estimate = estimate_from(np.asarray(shares))
    exact = answered_within_erlang_a(arrivals, service, patience, servers, within)
    assert estimate.contains(exact), (exact, estimate)
    # The interval can tell: ignoring abandonment (counting every waiter as eventually answered)
    # lies outside it.
    assert not estimate.contains(
        exact + erlang_a(arrivals, service, patience, servers).abandon_probability
    )


def test_service_level_rises_and_abandonment_falls_with_every_agent():
    levels = [answered_within_erlang_a(200.0, 3.0, 2.0, n, 1.0 / 3.0) for n in range(4, 18)]
    abandon = [erlang_a(200.0, 3.0, 2.0, n).abandon_probability for n in range(4, 18)]
    assert all(a < b for a, b in zip(levels, levels[1:]))
    assert all(a > b for a, b in zip(abandon, abandon[1:]))


# ------------------------------------------------------------------------------ the sizing rule


@pytest.mark.parametrize(
    ("arrivals", "service", "patience", "within", "level", "abandon"),
    [
        (200.0, 3.0, 2.0, 1.0 / 3.0, 0.8, 0.05),
        (720.0, 4.0, 3.0, 1.0, 0.8, 0.05),
        (720.0, 4.0, 3.0, 0.5, 0.95, 0.01),  # the stricter target binds
        (200.0, 3.0, None, 1.0, 0.8, 0.05),  # no patience: Erlang C
        (3.0, 8.0, 10.0, 1.0, 0.8, 0.05),
        (0.1, 8.0, 10.0, 1.0, 0.8, 0.05),  # a trickle still needs one agent
    ],
)
def test_sizing_picks_the_fewest_agents_that_meet_both_targets(
    arrivals, service, patience, within, level, abandon
):
    chosen = size_servers(arrivals, service, patience, within, level, abandon)
    assert chosen.service_level >= level and chosen.abandon_probability <= abandon
    if chosen.servers > 1:
        fewer = predicted_service(arrivals, service, patience, chosen.servers - 1, within)
        assert fewer.service_level < level or fewer.abandon_probability > abandon


def test_no_arrivals_need_no_agents():
    assert size_servers(0.0, 8.0, 10.0, 1.0, 0.8, 0.05).servers == 0


# ------------------------------------------------------------------------------ the load pilot and
# the world


def phone_scenario(first_contact: tuple[float, float]) -> dict:
    """Phone only, long calls, two policies that differ only in first-contact resolution."""
    return small_scenario(
        [
            {
                "name": "authority",
                "evidence": "none",
                "first_contact_resolution_probability": first_contact[0],
            },
            {
                "name": "by-the-book",
                "evidence": "none",
                "first_contact_resolution_probability": first_contact[1],
            },
        ],
        channels={
            "phone": {
                "staff": "auto",
                "service_minutes_mean": 240.0,
                "patience_minutes_mean": 10.0,
                "transfer_drop_probability": 0.0,
            },
            "chat": {"staff": "auto"},
            "email": {"staff": 2},
            "store": {"staff": "auto"},
        },
        segment=PHONE_ONLY,
        staffing={"auto_desk_cost": "dedicated"},
    )


@pytest.fixture(scope="module")
def phone_plan():
    return staffing_plan(scenario_from_dict(phone_scenario((0.95, 0.3))))


def test_a_policy_that_makes_more_contacts_gets_and_pays_more_agents(phone_plan):
    staff = {p.name: p.channel_staff for p in phone_plan.scenario.policies}
    assert staff["by-the-book"]["phone"] > staff["authority"]["phone"] >= 1
    arrivals = {
        c.policy: c.arrivals_per_open_hour for c in phone_plan.choices if c.channel == "phone"
    }
    assert arrivals["by-the-book"] > 1.4 * arrivals["authority"]  # 1.7 vs 1.05 contacts per claim
    cost = {p: run_replication(phone_plan.scenario, p, 0).figures["cost_staff_eur"] for p in staff}
    assert cost["by-the-book"] > cost["authority"]
    extra_agents = staff["by-the-book"]["phone"] - staff["authority"]["phone"]
    assert cost["by-the-book"] - cost["authority"] == pytest.approx(
        extra_agents * 12 * 30.0 * HORIZON_DAYS
    )


def test_a_pooled_desk_costs_the_time_its_contacts_take():
    """Pooled (the default): staff cost = busy agent hours / occupancy x hourly cost, so more
    contacts cost more."""
    scenario = resolve_staffing(
        scenario_from_dict({**phone_scenario((0.95, 0.3)), "staffing": {"pooled_occupancy": 0.8}})
    )
    figures = {p: run_replication(scenario, p, 0).figures for p in ("authority", "by-the-book")}
    for name, own in figures.items():
        staffed_hours = scenario.policy(name).channel_staff["phone"] * 12 * HORIZON_DAYS
        busy_hours = own["agent_utilisation_phone"] * staffed_hours
        assert own["cost_staff_eur"] == pytest.approx(busy_hours / 0.8 * 30.0, rel=1e-9)
    assert figures["by-the-book"]["cost_staff_eur"] > 1.4 * figures["authority"]["cost_staff_eur"]
    assert scenario.policy("authority").auto_sized == ("chat", "phone", "store")


def test_a_pooled_bench_costs_the_inspection_hours():
    scenario = resolve_staffing(scenario_from_dict(inspecting("auto", hours_mean=2.0)))
    figures = run_replication(scenario, "inspect", 0).figures
    paid_hours = scenario.policies[0].inspection.technicians * 8.0 * HORIZON_DAYS
    busy_hours = figures["technician_utilisation"] * paid_hours
    assert busy_hours > 0
    assert figures["cost_technicians_eur"] == pytest.approx(busy_hours / 0.85 * 30.0, rel=1e-9)


def test_channels_nobody_uses_are_neither_staffed_nor_paid(phone_plan):
    """Chat and store ('auto') and email (fixed at 2) have share 0: no staff, no cost, utilisation
    NaN."""
    for policy in phone_plan.scenario.policies:
        assert policy.channel_staff["chat"] == policy.channel_staff["store"] == 0
        figures = run_replication(phone_plan.scenario, policy.name, 0).figures
        assert figures["cost_staff_eur"] == pytest.approx(
            policy.channel_staff["phone"] * 12 * 30.0 * HORIZON_DAYS
        )
        for name in ("chat", "email", "store"):
            assert math.isnan(figures[f"agent_utilisation_{name}"])
        assert figures["agent_utilisation"] == pytest.approx(figures["agent_utilisation_phone"])
    email = [c for c in phone_plan.choices if c.channel == "email"]
    assert all(c.staff == 0 and not c.auto for c in email)


def test_utilisation_matches_offered_load():
    """E-mail only, no patience, no transfers: busy hours = contacts x mean handling; utilisation =
    that / staffed hours."""
    scenario = resolve_staffing(
        scenario_from_dict(
            small_scenario(
                [
                    {
                        "name": "plain",
                        "evidence": "none",
                        "first_contact_resolution_probability": 1.0,
                    }
                ],
                channels={
                    "email": {"staff": "auto", "service_minutes_mean": 60.0},
                    "chat": {"staff": 0},
                    "phone": {"staff": 0},
                    "store": {"staff": 0},
                },
                segment={
                    "chat_share": 0.0,
                    "phone_share": 0.0,
                    "email_share": 1.0,
                    "store_share": 0.0,
                },
            )
        )
    )
    result = run_replication(scenario, "plain", 0)
    staff = scenario.policies[0].channel_staff["email"]
    offered = (
        result.claims["contacts"].sum() * 1.0 / (staff * 12.0 * HORIZON_DAYS)
    )  # contacts x 1 h / staffed hours
    utilisation = result.figures["agent_utilisation_email"]
    assert 0.0 < utilisation <= 1.0
    assert utilisation == pytest.approx(offered, rel=0.15)
    assert result.figures["agent_utilisation"] == pytest.approx(utilisation)
    assert math.isnan(result.figures["technician_utilisation"])  # this policy inspects nothing


def inspecting(technicians: int | str, hours_mean: float = 1.0) -> dict:
    return small_scenario(
        [
            {
                "name": "inspect",
                "evidence": "none",
                "return_for_inspection": True,
                "inspection": {"technicians": technicians, "hours_mean": hours_mean},
            }
        ]
    )


def test_more_fixed_technicians_cost_their_hours():
    few = run_replication(scenario_from_dict(inspecting(2)), "inspect", 0).figures
    many = run_replication(scenario_from_dict(inspecting(20)), "inspect", 0).figures
    extra = 18 * 8.0 * 30.0 * HORIZON_DAYS  # technicians x 8 h a day x technician_hour_eur x days
    assert many["cost_technicians_eur"] - few["cost_technicians_eur"] == pytest.approx(extra)
    assert many["cost_total_eur"] - few["cost_total_eur"] == pytest.approx(extra, rel=0.02)
    assert (
        many["cost_inspection_eur"] == few["cost_inspection_eur"]
    )  # the same items inspected, at the same price each
    assert 0.0 < many["technician_utilisation"] < few["technician_utilisation"] <= 1.0
    trusting = scenario_from_dict(
        small_scenario([{"name": "trust", "evidence": "none", "inspection": {"technicians": 20}}])
    )
    assert (
        run_replication(trusting, "trust", 0).figures["cost_technicians_eur"] == 0.0
    )  # no inspection, no bench paid


def test_auto_technicians_follow_the_inspection_load():
    sized = {}
    for hours in (1.0, 8.0):
        scenario = scenario_from_dict(inspecting("auto", hours))
        per_day = pilot_load(scenario, scenario.policies[0]).inspections_per_day
        expected = max(
            1, math.ceil(per_day * hours / 8.0 / scenario.staffing.technician_utilisation)
        )
        sized[hours] = resolve_staffing(scenario).policies[0].inspection.technicians
        assert sized[hours] == expected
    assert sized[8.0] > sized[1.0]


# ------------------------------------------------------------------------------ determinism and the
# CLI


def test_resolution_is_deterministic_and_a_fixed_point(phone_plan):
    scenario = scenario_from_dict(phone_scenario((0.95, 0.3)))
    _cached_plan.cache_clear()
    again = staffing_plan(scenario)
    assert again == phone_plan
    assert (
        resolve_staffing(again.scenario) is again.scenario
    )  # nothing left to size: no second pilot


def test_serial_and_processes_size_and_run_alike():
    scenario = scenario_from_dict(phone_scenario((0.9, 0.5)))
    serial = run_experiment(scenario, replications=2, executor="serial")
    _cached_plan.cache_clear()
    parallel = run_experiment(scenario, replications=2, executor="processes", workers=2)
    pd.testing.assert_frame_equal(serial.replications, parallel.replications)
    assert serial.scenario == parallel.scenario


def test_run_prints_and_stores_the_staff_it_chose(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(json.dumps(phone_scenario((0.95, 0.3))), encoding="utf-8")  # JSON is YAML
    code, output = cli(
        "run",
        path,
        "--replications",
        "1",
        "--executor",
        "serial",
        "--out",
        tmp_path / "out",
        "--quiet",
    )
    assert code == 0, output
    assert "staffing (auto, 80% in 60 s, abandonment <= 5%):" in output
    assert "  by-the-book: chat 0, phone " in output and "email 0 (fixed)" in output
    table = pd.read_csv(tmp_path / "out" / "staffing.csv")
    assert list(table.columns) == [
        "policy",
        "channel",
        "staff",
        "auto",
        "arrivals_per_open_hour",
        "predicted_service_level",
        "predicted_abandonment",
    ]
    phone = table[table["channel"] == "phone"].set_index("policy")
    assert (phone["predicted_service_level"] >= 0.8).all() and (
        phone["predicted_abandonment"] <= 0.05
    ).all()
    figures = pd.read_parquet(tmp_path / "out" / "replications.parquet")
    assert {
        "agent_utilisation",
        "agent_utilisation_phone",
        "technician_utilisation",
        "cost_technicians_eur",
    } <= set(figures.columns)


def test_validate_accepts_auto_and_rejects_other_words(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(
        "channels:\n  phone: {staff: auto}\n"
        "policies:\n  - name: a\n    inspection: {technicians: auto}\n",
        encoding="utf-8",
    )
    code, output = cli("validate", good)
    assert code == 0, output
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "channels:\n  phone:\n    staff: lots\npolicies:\n  - name: a\n", encoding="utf-8"
    )
    code, output = cli("validate", bad)
    assert code == 2
    assert (
        f"{bad}:3: channels.phone.staff: must be an integer >= 0 or 'auto' (got 'lots')" in output
    )
    schema = file_json_schema()
    assert {"const": "auto"} in schema["$defs"]["Channel"]["properties"]["staff"]["anyOf"]


def test_a_file_cannot_write_which_desks_were_sized(tmp_path):
    """auto_sized decides who pays idle time; only the staffing step writes it (a file gets a
    one-line error)."""
    path = tmp_path / "s.yaml"
    path.write_text("policies:\n  - name: p\n    auto_sized: [phone]\n", encoding="utf-8")
    code, output = cli("validate", path)
    assert code == 2
    assert output.strip() == (
        f"{path}:3: policies.0.auto_sized: is written by the staffing step, not by hand: "
        "write staff: auto on the desk instead (got ['phone'])"
    )
