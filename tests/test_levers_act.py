"""Every lever acts: moved in a world where it can act, it moves its target figure the expected way.

Each case runs two policies that differ in one lever on the same replication numbers
(common random numbers) and takes the per-replication difference (high minus low) of
its target figure; the 95 % interval of that paired difference must exclude 0 on the
expected side. The tolerance is the interval itself, never a tuned constant.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pytest
from levers_support import LEVERS, scenario_of, with_lever

from recoverysim.experiment import run_experiment
from recoverysim.metrics import mean_interval

REPLICATIONS = 4
UP, DOWN = +1, -1
POSTS = {"public_post_probability": 1.0}
POSTING = {"word_of_mouth": {"public_post_below_satisfaction": 0.9}}
INSPECTED = {"evidence": "none", "return_for_inspection": True}
STRAP_EXCLUDED = {"excluded_components": ["strap"]}
WATCHED = {"escalation_watch": True}
PHONE_ONLY = {"chat_share": 0.0, "phone_share": 1.0, "email_share": 0.0, "store_share": 0.0}
PHONE_LOADED = {
    "channels": {"phone": {"service_minutes_mean": 600.0, "patience_minutes_mean": 60.0}}
}


@dataclass(frozen=True)
class Acts:
    """Lever moved from `low` to `high` in a world where it acts, and the figures it should move
    (name, sign)."""

    lever: str
    low: object
    high: object
    targets: tuple[tuple[str, int], ...]
    policy: dict = field(default_factory=dict)
    world: dict = field(default_factory=dict)
    segment: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.lever}:{self.low}->{self.high}"


CASES = [
    Acts(
        "evidence",
        "none",
        "photo_and_receipt",
        (("fraud_paid_eur", DOWN), ("honest_abandoned_share", UP)),
    ),
    Acts(
        "return_for_inspection",
        False,
        True,
        (("cost_inspection_eur", UP), ("fraud_paid_eur", DOWN)),
        {"evidence": "none"},
    ),
    Acts("inspection.sensitivity", 0.1, 0.95, (("fraud_paid_eur", DOWN),), INSPECTED),
    Acts("inspection.specificity", 0.5, 0.99, (("honest_false_denial_share", DOWN),), INSPECTED),
    Acts(
        "inspection.hours_mean",
        1.0,
        8.0,
        (("resolution_days_mean", UP),),
        {**INSPECTED, "inspection": {"technicians": 1}},
    ),
    Acts(
        "inspection.technicians",
        1,
        5,
        (("resolution_days_mean", DOWN),),
        {**INSPECTED, "inspection": {"hours_mean": 16.0}},
    ),
    Acts("excluded_components", (), ("strap",), (("honest_excluded_share", UP),)),
    Acts("excluded_repair_charge_eur", None, 60.0, (("repair_charges_eur", UP),), STRAP_EXCLUDED),
    Acts("first_contact_resolution_probability", 0.3, 0.95, (("transfers_per_claim", DOWN),)),
    Acts("single_case_owner", False, True, (("resolution_days_mean", DOWN),)),
    Acts(
        "remedy", "repair", "replace", (("resolution_days_mean", DOWN), ("cost_remedies_eur", UP))
    ),
    Acts("shipping_days", 1.0, 6.0, (("resolution_days_mean", UP),)),
    Acts("repair_turnaround_days", 3.0, 14.0, (("resolution_days_mean", UP),)),
    Acts("goodwill_eur", 0.0, 20.0, (("cost_goodwill_eur", UP), ("satisfaction_mean", UP))),
    Acts(
        "goodwill_on_service_failure_eur",
        0.0,
        20.0,
        (("cost_goodwill_eur", UP), ("satisfaction_mean", UP)),
        {"repair_turnaround_days": 20.0},
    ),
    Acts("goodwill_cost_share", 0.2, 0.9, (("cost_goodwill_eur", UP),), {"goodwill_eur": 20.0}),
    Acts(
        "status_update_every_days",
        None,
        1.0,
        (("cost_updates_eur", UP), ("satisfaction_mean", UP)),
        {"repair_turnaround_days": 20.0},
    ),
    Acts(
        "escalation_watch",
        False,
        True,
        (("cost_escalation_eur", UP),),
        world=POSTING,
        segment=POSTS,
    ),
    # Honest claims on the excluded strap are denied: a manager can approve them (a caught fraudster
    # is never rescued).
    Acts(
        "escalation_recovery_probability",
        0.1,
        0.9,
        (("satisfaction_mean", UP), ("approval_share", UP)),
        {**WATCHED, **STRAP_EXCLUDED},
        world=POSTING,
        segment=POSTS,
    ),
    Acts(
        "escalation_response_days",
        1.0,
        20.0,
        (("resolution_days_mean", UP),),
        WATCHED,
        world=POSTING,
        segment=POSTS,
    ),
    Acts(
        "escalation_compensation_eur",
        0.0,
        100.0,
        (("cost_escalation_eur", UP),),
        WATCHED,
        world=POSTING,
        segment=POSTS,
    ),
    Acts(
        "channel_staff",
        {"phone": 1},
        {"phone": 6},
        (("abandonment_share", DOWN),),
        world=PHONE_LOADED,
        segment=PHONE_ONLY,
    ),
]


def test_every_lever_is_shown_to_act():
    assert sorted({case.lever for case in CASES}) == sorted(LEVERS)


def paired_difference(case: Acts, figure: str) -> tuple[float, float, float]:
    """Mean and 95 % interval of (high - low) in `figure` over the paired replications."""
    rows = _replications(case).set_index(["policy", "replication"])[figure]
    return mean_interval((rows["high"] - rows["low"]).to_numpy())


_RUNS: dict[str, object] = {}


def _replications(case: Acts):
    """Both policies' replications, run once per case and shared by its targets."""
    if case.id not in _RUNS:
        policies = [
            with_lever({"name": name, **case.policy}, case.lever, value)
            for name, value in (("low", case.low), ("high", case.high))
        ]
        scenario = scenario_of(case.world, policies, case.segment)
        _RUNS[case.id] = run_experiment(
            scenario, replications=REPLICATIONS, executor="serial"
        ).replications
    return _RUNS[case.id]


@pytest.mark.parametrize(
    ("case", "figure", "sign"),
    [(c, f, s) for c in CASES for f, s in c.targets],
    ids=lambda v: v.id if isinstance(v, Acts) else str(v),
)
def test_a_lever_moves_its_target_the_expected_way(case, figure, sign):
    mean, low, high = paired_difference(case, figure)
    assert not math.isnan(low), f"{case.id}: {figure} has no interval"
    assert low > 0.0 if sign == UP else high < 0.0, (
        f"{case.id}: {figure} moved {mean:+.4g} [{low:+.4g}, {high:+.4g}]"
    )


NO_CLAIMS = {
    "product": {
        "components": [
            {"name": "device", "failures_per_year": 0.0},
            {"name": "strap", "failures_per_year": 0.0},
        ]
    },
    "market": {"initial_customers": 1500, "prospects": 3000},
    "horizon_days": 730,
}
STRICT = {"name": "low", "evidence": "photo_and_receipt", "return_for_inspection": True}
LENIENT = {"name": "high", "evidence": "none", "remedy": "replace", "goodwill_eur": 20.0}


def _leniency_runs(effect: float):
    world = {
        **NO_CLAIMS,
        "market": {
            **NO_CLAIMS["market"],
            "leniency_purchase_effect": effect,
            "leniency_repurchase_effect": effect,
        },
    }
    scenario = scenario_of(world, [STRICT, LENIENT], {"opportunist_share": 0.0})
    replications = run_experiment(
        scenario, replications=REPLICATIONS, executor="serial"
    ).replications
    return replications.set_index(["policy", "replication"])


@pytest.mark.parametrize(
    ("figure", "sign"), [("customers_won_base", UP), ("customers_lost_at_purchase", DOWN)]
)
def test_leniency_reaches_purchase_and_repurchase_without_any_claim(figure, sign):
    """Janakiraman et al. (2016), direction: a lenient policy wins more prospects and keeps more
    customers.

    No component fails and nobody cheats, so the policies differ only in the leniency index; at
    an effect of 0.5 the lenient policy must win more adopters and lose fewer customers at purchase.
    """
    rows = _leniency_runs(0.5)[figure]
    mean, low, high = mean_interval((rows["high"] - rows["low"]).to_numpy())
    assert low > 0.0 if sign == UP else high < 0.0, (
        f"{figure} moved {mean:+.4g} [{low:+.4g}, {high:+.4g}]"
    )


def test_no_leniency_effect_leaves_purchase_identical():
    rows = _leniency_runs(0.0)
    for figure in ("customers_won_base", "customers_lost_at_purchase", "value_total_eur"):
        assert (rows.loc["high", figure] == rows.loc["low", figure]).all(), figure
