"""A lever that cannot act leaves a replication byte-identical (common random numbers hold).

For each policy lever, a small world where the lever provably cannot act: toggling it
must leave every figure and the whole claims table unchanged. A difference is a leak of
common random numbers in the model (a draw taken on one branch only, a stream consumed
in another order), not noise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from levers_support import LEVERS, run, same_number, scenario_of, with_lever

from recoverysim.levers import inert_levers
from recoverysim.scenario.schema import Policy

ZERO_FAILURES = {
    "product": {
        "components": [
            {"name": "device", "failures_per_year": 0.0},
            {"name": "strap", "failures_per_year": 0.0},
        ]
    }
}
NO_STAFF = {"channels": {name: {"staff": 0} for name in ("chat", "phone", "email", "store")}}
NO_POSTS = {"public_post_probability": 0.0}
ALL_HANDED_OFF = {
    "channels": {
        name: {"partner_handoff_probability": 1.0} for name in ("chat", "phone", "email", "store")
    }
}
NO_HANDOFF = {
    "channels": {
        name: {"partner_handoff_probability": 0.0} for name in ("chat", "phone", "email", "store")
    }
}
STRAP_NEVER_FAILS = {
    "product": {
        "components": [
            {"name": "device", "failures_per_year": 0.25},
            {"name": "strap", "failures_per_year": 0.0},
        ]
    }
}
#: Leniency moves purchase through the market even when no claim is filed
#: (recoverysim.levers.LENIENCY_LEVERS).
NO_LENIENCY = {"market": {"leniency_purchase_effect": 0.0, "leniency_repurchase_effect": 0.0}}
#: Figures that staff on a channel moves even when no claim ever reaches it.
STAFF_COST_FIGURES = {
    "cost_staff_eur",
    "cost_total_eur",
    "net_result_eur",
    "net_result_day0_eur",
    "value_total_eur",
}


@dataclass(frozen=True)
class Inert:
    """A world where `lever` cannot act, the policy it sits in, and two values to toggle between."""

    lever: str
    why: str
    world: dict = field(default_factory=dict)
    segment: dict = field(default_factory=dict)
    policy: dict = field(default_factory=dict)
    values: tuple = ()
    strategy: st.SearchStrategy | None = None
    claims_expected: bool = True
    unmoved_except: frozenset = frozenset()


CASES = [
    Inert(
        "evidence",
        "no claim is ever filed",
        {**ZERO_FAILURES, **NO_LENIENCY},
        {"opportunist_share": 0.0},
        values=("none", "photo_and_receipt"),
        claims_expected=False,
    ),
    # A bench sized 'auto' is paid for the inspections it does (pooled); a fixed bench would be paid
    # idle.
    Inert(
        "return_for_inspection",
        "no claim reaches an agent",
        {**NO_STAFF, **NO_LENIENCY},
        NO_POSTS,
        {"inspection": {"technicians": "auto"}},
        values=(False, True),
        unmoved_except=frozenset({"technician_utilisation"}),
    ),  # NaN without a bench, 0 with an idle one
    Inert("inspection.technicians", "items are not returned", strategy=st.integers(1, 20)),
    Inert("inspection.hours_mean", "items are not returned", strategy=st.floats(0.01, 100.0)),
    Inert("inspection.sensitivity", "items are not returned", strategy=st.floats(0.0, 1.0)),
    Inert("inspection.specificity", "items are not returned", strategy=st.floats(0.0, 1.0)),
    Inert(
        "excluded_components",
        "the strap never fails and nobody fakes a failure",
        STRAP_NEVER_FAILS,
        {"opportunist_share": 0.0},
        values=((), ("strap",)),
    ),
    Inert(
        "excluded_repair_charge_eur",
        "no component is excluded",
        strategy=st.none() | st.floats(0.0, 500.0),
    ),
    Inert(
        "first_contact_resolution_probability",
        "every contact is handed to a partner first",
        ALL_HANDED_OFF,
        strategy=st.floats(0.0, 1.0),
    ),
    Inert(
        "single_case_owner", "no channel hands cases to a partner", NO_HANDOFF, values=(False, True)
    ),
    Inert(
        "remedy",
        "no claim reaches an agent",
        {**NO_STAFF, **NO_LENIENCY},
        NO_POSTS,
        values=("repair", "replace", "refund"),
    ),
    Inert(
        "shipping_days",
        "remedy refund, no return and no exclusions",
        policy={"remedy": "refund"},
        strategy=st.floats(0.0, 60.0),
    ),
    Inert(
        "repair_turnaround_days",
        "remedy replace and no exclusions",
        policy={"remedy": "replace"},
        strategy=st.floats(0.0, 60.0),
    ),
    Inert(
        "goodwill_eur",
        "no claim reaches an agent",
        {**NO_STAFF, **NO_LENIENCY},
        NO_POSTS,
        strategy=st.floats(0.0, 200.0),
    ),
    Inert(
        "goodwill_on_service_failure_eur",
        "no claim reaches an agent",
        NO_STAFF,
        NO_POSTS,
        strategy=st.floats(0.0, 200.0),
    ),
    Inert(
        "goodwill_cost_share",
        "no goodwill of either kind",
        policy={"goodwill_eur": 0.0},
        strategy=st.floats(0.0, 1.0),
    ),
    Inert(
        "status_update_every_days",
        "no claim can stay silent that long within the horizon",
        strategy=st.none() | st.floats(366.0, 3650.0),
    ),
    Inert("escalation_watch", "nobody posts publicly", segment=NO_POSTS, values=(False, True)),
    Inert(
        "escalation_recovery_probability",
        "no manager watches posts",
        policy={"escalation_watch": False},
        strategy=st.floats(0.0, 1.0),
    ),
    Inert(
        "escalation_response_days",
        "no manager watches posts",
        policy={"escalation_watch": False},
        strategy=st.floats(0.0, 30.0),
    ),
    Inert(
        "escalation_compensation_eur",
        "no manager watches posts",
        policy={"escalation_watch": False},
        strategy=st.floats(0.0, 500.0),
    ),
    Inert(
        "channel_staff",
        "no claim starts in a store; only the staff cost moves",
        segment={"chat_share": 0.3, "phone_share": 0.5, "email_share": 0.2, "store_share": 0.0},
        values=({}, {"store": 0}, {"store": 9}),
        unmoved_except=frozenset(STAFF_COST_FIGURES),
    ),
]
BY_LEVER = {case.lever: case for case in CASES}


def test_every_lever_has_a_case():
    assert sorted(BY_LEVER) == sorted(LEVERS)


def assert_identical(a, b, unmoved_except=frozenset()):
    moved = sorted(
        k
        for k in a.figures
        if k not in unmoved_except and not same_number(a.figures[k], b.figures[k])
    )
    assert not moved, {k: (a.figures[k], b.figures[k]) for k in moved}
    assert a.claims.equals(b.claims)
    assert a.daily.drop(columns="cost_cumulative_eur").equals(
        b.daily.drop(columns="cost_cumulative_eur")
    )
    if not unmoved_except:
        assert a.daily.equals(b.daily)


def check(case: Inert, values: tuple, replication: int = 0) -> None:
    policies = [
        with_lever({"name": f"p{i}", **case.policy}, case.lever, value)
        for i, value in enumerate(values)
    ]
    scenario = scenario_of(case.world, policies, case.segment)
    results = [run(scenario, p["name"], replication) for p in policies]
    assert (len(results[0].claims) > 0) == case.claims_expected
    for other in results[1:]:
        assert_identical(results[0], other, case.unmoved_except)
    if any(
        with_lever({"name": "x"}, case.lever, v) != {"name": "x"} and lever_differs(case.lever, v)
        for v in values
    ):
        flagged = {
            p.name: [
                w
                for w in inert_levers(scenario)
                if w.startswith(
                    (f"policy {p.name}: {case.lever} ", f"policy {p.name}: {case.lever}.")
                )
            ]
            for p in scenario.policies
        }
        assert any(flagged.values()), inert_levers(scenario)


def lever_differs(lever: str, value: object) -> bool:
    """Whether `value` differs from the lever's default (only then is a policy warned about it)."""
    default = Policy(name="x")
    if lever.startswith("inspection."):
        return getattr(default.inspection, lever.split(".", 1)[1]) != value
    return getattr(default, lever) != (tuple(value) if isinstance(value, list) else value)


@pytest.mark.parametrize("case", [c for c in CASES if c.values], ids=lambda c: c.lever)
def test_toggling_an_inert_lever_changes_nothing(case):
    check(case, case.values)


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.strategy is not None], ids=lambda c: c.lever
)
def test_any_value_of_an_inert_lever_changes_nothing(case):
    @settings(
        max_examples=3,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(st.tuples(case.strategy, case.strategy), st.integers(0, 3))
    def toggled(values, replication):
        check(case, values, replication)

    toggled()


def test_excluding_a_part_that_never_fails_only_relabels_fraud_claims():
    """Opportunists fake a failure of a covered part: excluding a part that never fails moves their
    pick, nothing else.

    This failed before fraud components were drawn from all components and then mapped to a
    covered one: choosing among one covered component draws nothing, among two it draws,
    so excluding the strap shifted every later fraud attempt.
    """
    policies = [
        {"name": "covers_all"},
        {"name": "excludes_strap", "excluded_components": ["strap"]},
    ]
    scenario = scenario_of(STRAP_NEVER_FAILS, policies)
    a, b = (run(scenario, p["name"]) for p in policies)
    assert a.claims["is_fraud"].sum() > 0 and (a.claims["component"] == "strap").any()
    assert not (b.claims["component"] == "strap").any()
    assert a.claims.drop(columns="component").equals(b.claims.drop(columns="component"))
    moved = sorted(k for k in a.figures if not same_number(a.figures[k], b.figures[k]))
    assert not moved, {k: (a.figures[k], b.figures[k]) for k in moved}
