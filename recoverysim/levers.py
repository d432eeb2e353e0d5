"""Which policy levers cannot act in a scenario, in plain words: found from the scenario alone, or
after a run.

A lever that cannot act leaves every replication unchanged (common random numbers
hold), so comparing policies that differ only in it shows nothing. `inert_levers`
reads the scenario; `silent_levers` reads the `lever_reach_*` counts of a run (the world counts
how often each lever's mechanism was reached).
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from recoverysim.model.desks import used_channels
from recoverysim.scenario.schema import CHANNEL_NAMES, Inspection, Policy, Scenario

#: What a zero `lever_reach_<name>` count (recoverysim.model.world.LEVER_REACH) means, in words.
REACH_UNUSED = {
    "evidence": "no claim was asked for proof",
    "return_for_inspection": "no item was inspected",
    "inspection_queue": "no inspection waited for a technician",
    "excluded_components": "no honest claim was on an excluded component",
    "first_contact_resolution_probability": "no first agent was asked to settle a claim",
    "single_case_owner": "no partner hand-off was prevented",
    "shipping_days": "nothing was shipped",
    "repair_turnaround_days": "nothing was repaired",
    "goodwill_eur": "no goodwill was paid",
    "goodwill_on_service_failure_eur": "no approved claim overran its expected time or needed a "
    "second contact",
    "status_update_every_days": "no claim was silent for {every:g} days",
    "escalation_watch": "no public post reached a watching manager",
    "escalation_recovery": "no manager recovered a customer",
}
#: The policy lever (as written in a scenario) whose mechanism each count measures.
REACH_OF_LEVER = {
    "evidence": "evidence",
    "return_for_inspection": "return_for_inspection",
    "inspection.technicians": "inspection_queue",
    "inspection.hours_mean": "return_for_inspection",
    "inspection.sensitivity": "return_for_inspection",
    "inspection.specificity": "return_for_inspection",
    "excluded_components": "excluded_components",
    "excluded_repair_charge_eur": "excluded_components",
    "first_contact_resolution_probability": "first_contact_resolution_probability",
    "single_case_owner": "single_case_owner",
    "shipping_days": "shipping_days",
    "repair_turnaround_days": "repair_turnaround_days",
    "goodwill_eur": "goodwill_eur",
    "goodwill_on_service_failure_eur": "goodwill_on_service_failure_eur",
    "goodwill_cost_share": "goodwill_eur",
    "status_update_every_days": "status_update_every_days",
    "escalation_watch": "escalation_watch",
    "escalation_recovery_probability": "escalation_watch",
    "escalation_response_days": "escalation_recovery",
    "escalation_compensation_eur": "escalation_recovery",
}


def levers_set(policy: Policy) -> list[str]:
    """The levers a policy writes with a value other than the default, as dotted names."""
    defaults = Policy(name=policy.name)
    written = [
        name
        for name in policy.model_fields_set
        if name not in ("name", "description", "inspection")
        and getattr(policy, name) != getattr(defaults, name)
    ]
    written += [
        f"inspection.{name}"
        for name in policy.inspection.model_fields_set
        if getattr(policy.inspection, name) != getattr(defaults.inspection, name)
    ]
    order = {
        name: index
        for index, name in enumerate(
            [*Policy.model_fields, *(f"inspection.{n}" for n in Inspection.model_fields)]
        )
    }
    return sorted(written, key=order.__getitem__)


def _used_channels(scenario: Scenario) -> list[str]:
    """Channels some segment starts claims on, in the schema's order."""
    used = used_channels(scenario)
    return [name for name in CHANNEL_NAMES if name in used]


def _anyone_posts(scenario: Scenario) -> bool:
    return any(s.public_post_probability > 0.0 for s in scenario.market.segments)


#: Contacts on one claim beyond which a post midway is out of reach in practice (claims take 1 to a
#: few dozen).
UNREACHED_CONTACTS = 100


def _posts_out_of_reach(scenario: Scenario) -> bool:
    """No satisfaction is below 0, so nobody posts at the close, and a post midway needs absurdly
    many contacts."""
    wom = scenario.word_of_mouth
    return (
        wom.public_post_below_satisfaction <= 0.0
        and wom.public_post_after_contacts >= UNREACHED_CONTACTS
    )


def _no_claims(scenario: Scenario, policy: Policy) -> str | None:
    """Why no claim can reach a decision under this policy, or None."""
    market = scenario.market
    honest = any(c.failures_per_year > 0.0 for c in scenario.product.components) and any(
        s.complaint_probability > 0.0 for s in market.segments
    )
    fraud = any(
        s.opportunist_share > 0.0 and s.fraud_attempts_per_year > 0.0 for s in market.segments
    )
    if market.initial_customers + market.prospects == 0 or not (honest or fraud):
        return "no claim is ever filed (no component fails and nobody fakes a failure)"
    staffed = [
        name
        for name in _used_channels(scenario)
        if policy.staff_for(name, getattr(scenario.channels, name).staff) != 0
    ]  # 'auto' staffs a used channel
    if not staffed and not (policy.escalation_watch and _anyone_posts(scenario)):
        return "no claim can reach an agent (every channel claims start on has no staff)"
    return None


#: Levers that also act through the market: they make the policy more or less lenient
#: (bass.leniency_index), which moves purchase and repurchase even when no claim is filed
#: (market.leniency_*_effect above 0).
LENIENCY_LEVERS = (
    "evidence",
    "return_for_inspection",
    "excluded_components",
    "remedy",
    "goodwill_eur",
)


def _leniency_acts(scenario: Scenario) -> bool:
    """Whether a policy's leniency reaches anyone: an effect above 0 and someone who buys or may
    buy."""
    market = scenario.market
    effect = market.leniency_purchase_effect > 0.0 or market.leniency_repurchase_effect > 0.0
    return effect and market.initial_customers + market.prospects > 0


def _no_paid_repairs(policy: Policy) -> bool:
    return not policy.excluded_components or policy.excluded_repair_charge_eur is None


def _lever_rule(lever: str) -> Callable[[Scenario, Policy], str | None]:
    """The condition under which `lever` cannot act beyond no claim reaching a decision."""

    def rule(scenario: Scenario, policy: Policy) -> str | None:
        used = _used_channels(scenario)
        handoff = [getattr(scenario.channels, name).partner_handoff_probability for name in used]
        components = {c.name: c for c in scenario.product.components}
        if lever.startswith("inspection.") and not policy.return_for_inspection:
            return "items are not returned for inspection (return_for_inspection is false)"
        if lever == "excluded_components" and all(
            components[n].failures_per_year == 0.0 for n in policy.excluded_components
        ):
            return (
                f"no excluded component ever fails ({', '.join(policy.excluded_components)}: "
                "failures_per_year 0)"
            )
        if lever == "excluded_repair_charge_eur":
            if not policy.excluded_components:
                return "no component is excluded"
            if all(components[n].failures_per_year == 0.0 for n in policy.excluded_components):
                return "no excluded component ever fails"
        if (
            lever == "first_contact_resolution_probability"
            and handoff
            and min(handoff) >= 1.0
            and not policy.single_case_owner
        ):
            return (
                "every contact is handed to a partner first (partner_handoff_probability is 1 on "
                "every channel used)"
            )
        if lever == "single_case_owner" and max(handoff, default=0.0) == 0.0:
            return (
                "no channel hands cases to a partner (partner_handoff_probability is 0 everywhere)"
            )
        if (
            lever == "shipping_days"
            and policy.remedy == "refund"
            and not policy.return_for_inspection
            and _no_paid_repairs(policy)
        ):
            return "nothing is shipped (remedy refund, no return for inspection, no paid repairs)"
        if (
            lever == "repair_turnaround_days"
            and policy.remedy != "repair"
            and _no_paid_repairs(policy)
        ):
            return (
                f"nothing is repaired (remedy {policy.remedy}, no paid repairs of excluded "
                "components)"
            )
        if (
            lever == "goodwill_cost_share"
            and policy.goodwill_eur == 0.0 == policy.goodwill_on_service_failure_eur
        ):
            return "goodwill_eur is 0"
        if (
            lever == "status_update_every_days"
            and policy.status_update_every_days is not None
            and policy.status_update_every_days >= scenario.horizon_days
        ):
            return (
                f"no claim can be silent for {policy.status_update_every_days:g} days within a "
                f"horizon of {scenario.horizon_days} days"
            )
        if lever.startswith("escalation_"):
            if not _anyone_posts(scenario):
                return "no segment ever posts publicly (public_post_probability is 0 everywhere)"
            if _posts_out_of_reach(scenario):
                wom = scenario.word_of_mouth
                return (
                    "no claim can reach a public post "
                    "(word_of_mouth.public_post_below_satisfaction is 0, and a post midway needs "
                    f"{wom.public_post_after_contacts} contacts)"
                )
            if lever != "escalation_watch" and not policy.escalation_watch:
                return "no manager watches public posts (escalation_watch is false)"
        return None

    return rule


def inert_levers(scenario: Scenario) -> list[str]:
    """Plain-words warnings, one per (policy, lever) that the policy sets but that cannot act in
    this scenario."""
    warnings = []
    for policy in scenario.policies:
        no_claims = _no_claims(scenario, policy)
        for lever in levers_set(policy):
            if lever == "channel_staff":
                used = _used_channels(scenario)
                for name in policy.channel_staff:
                    if name not in used:
                        warnings.append(
                            f"policy {policy.name}: channel_staff.{name} cannot act: no segment "
                            f"starts claims on {name} (a channel nobody uses is neither staffed "
                            "nor paid)"
                        )
                continue
            through_market = lever in LENIENCY_LEVERS and _leniency_acts(scenario)
            reason = (None if through_market else no_claims) or _lever_rule(lever)(scenario, policy)
            if reason:
                warnings.append(f"policy {policy.name}: {lever} cannot act: {reason}")
    return warnings


#: Values that switch a lever's mechanism off: set so, the lever acts by its absence and its count
#: is 0 by design.
SWITCHED_OFF = {
    "evidence": "none",
    "return_for_inspection": False,
    "excluded_components": (),
    "single_case_owner": False,
    "goodwill_eur": 0.0,
    "goodwill_on_service_failure_eur": 0.0,
    "status_update_every_days": None,
    "escalation_watch": False,
}


def silent_levers(scenario: Scenario, replications: pd.DataFrame) -> list[str]:
    """Notes for levers a policy sets whose mechanism was never reached in any replication of a
    run."""
    notes = []
    for policy_name, rows in replications.groupby("policy", sort=False):
        policy = scenario.policy(policy_name)
        for lever in levers_set(policy):
            if lever in SWITCHED_OFF and getattr(policy, lever) == SWITCHED_OFF[lever]:
                continue
            reach = REACH_OF_LEVER.get(lever)
            column = f"lever_reach_{reach}"
            if reach is None or column not in rows or rows[column].sum() > 0:
                continue
            why = REACH_UNUSED[reach].format(every=policy.status_update_every_days or 0.0)
            notes.append(
                f"note: under {policy_name}, {lever} never acted in {len(rows)} replications "
                f"({why})"
            )
    return notes
