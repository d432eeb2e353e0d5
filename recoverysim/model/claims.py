"""The life of one warranty claim as a SimPy process: reach someone, prove it, inspect, decide,
remedy."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING


from recoverysim.model.behaviour import (
    Experience,
    paid_repair_outcome,
    patience,
    satisfaction,
)

if TYPE_CHECKING:
    from recoverysim.model.claim_record import Claim
    from recoverysim.model.services import ClaimServices

DECISIONS = ("approved", "denied", "abandoned", "open")
INSPECTION_HOURS_PER_DAY = 8.0
REDIAL_DELAY_DAYS = 5.0 / (24 * 60)


def handle_claim(world: ClaimServices, claim: Claim, delay_days: float = 0.0):
    """SimPy process: the claim from filing to its decision, remedy, feelings and word of mouth."""
    env = world.env
    if delay_days > 0.0:
        yield env.timeout(delay_days)
    claim.filed_day = claim.silent_since = env.now
    world.open_claims[claim.claim_id] = claim
    if claim.log is not None:
        world.note(
            claim,
            "filed",
            channel=claim.channel,
            fraud=claim.is_fraud,
            **world.customer_facts(claim),
        )
    reached = yield from reach_decider(world, claim)
    if not reached:
        yield from close(world, claim, "abandoned", outcome=0.0)
        return
    yield from decide(world, claim)


def reach_decider(world: ClaimServices, claim: Claim):
    """Contacts until someone can decide: queues, retries, transfers, drops and partner
    hand-offs."""
    env, policy, route = world.env, world.policy, claim.luck
    desk = world.desks[claim.channel]
    channel = desk.channel
    while True:
        if (
            claim.contacts >= world.scenario.word_of_mouth.public_post_after_contacts
            and not claim.escalated
        ):
            taken_over = yield from post_midway(world, claim)
            if taken_over:
                return True
        claim.contacts += 1
        claim.travel_hours += 2.0 * channel.travel_minutes_each_way / 60.0
        served = yield from desk.contact(claim)
        if claim.log is not None:  # the round() is not free on the hot path
            world.note(
                claim, "contact", served=served, wait_minutes=round(claim.wait_days * 1440, 1)
            )
        if not served:
            if route.uniform() < channel.retry_probability:
                yield env.timeout(route.exponential(channel.retry_delay_hours_mean / 24.0))
                continue
            return False
        world.heard(claim)
        handed_off = (
            route.uniform() < channel.partner_handoff_probability
        )  # drawn whatever the policy (common random numbers)
        if handed_off and policy.single_case_owner:
            world.reach["single_case_owner"] += 1
        elif handed_off:
            claim.transfers += 1
            yield env.timeout(route.exponential(channel.partner_delay_days_mean))
            claim.contacts += 1
            world.note(claim, "partner hand-off")
            if route.uniform() < channel.partner_bounce_probability:
                world.note(claim, "sent back by partner")
                continue
            world.heard(claim)
            return True
        world.reach["first_contact_resolution_probability"] += 1
        if route.uniform() < policy.first_contact_resolution_probability:
            return True
        claim.transfers += 1
        if route.uniform() < channel.transfer_drop_probability:
            claim.drops += 1
            world.note(claim, "transfer dropped")
            if route.uniform() < channel.retry_probability:
                yield env.timeout(REDIAL_DELAY_DAYS)
                continue
            return False
        world.note(claim, "transferred")
        served = yield from desk.contact(claim)
        if served:
            world.heard(claim)
            return True
        if route.uniform() < channel.retry_probability:
            yield env.timeout(route.exponential(channel.retry_delay_hours_mean / 24.0))
            continue
        return False


def post_midway(world: ClaimServices, claim: Claim):
    """A customer stuck in contacts may post publicly before any decision (seed story 004's blog
    post).

    Returns True when a manager watching posts takes the case over: no more queues, one owner.
    """
    segment = world.scenario.market.segments[claim.segment]
    if claim.luck.slot("post_midway") >= segment.public_post_probability:
        return False
    claim.escalated = True
    world.public_post(claim)
    if not world.policy.escalation_watch:
        return False
    world.reach["escalation_watch"] += 1
    world.spend(claim, "escalation", world.scenario.money.escalation_eur)
    if claim.luck.slot("midway_recovery") >= world.policy.escalation_recovery_probability:
        return False
    world.reach["escalation_recovery"] += 1
    yield world.env.timeout(world.policy.escalation_response_days)
    claim.manager_owned = True
    claim.compensation_eur = world.policy.escalation_compensation_eur
    world.spend(claim, "escalation", claim.compensation_eur)
    world.heard(claim)
    world.note(claim, "a manager takes the case over", compensation_eur=claim.compensation_eur)
    return True


def decide(world: ClaimServices, claim: Claim):
    """Evidence, coverage, inspection and remedy, in that order, ending in close()."""
    env, policy, scenario, luck = world.env, world.policy, world.scenario, claim.luck
    behaviour, money = scenario.behaviour, scenario.money
    honest = not claim.is_fraud
    needs_photo = policy.evidence in ("photo", "photo_and_receipt")
    needs_receipt = policy.evidence in ("receipt", "photo_and_receipt")
    if needs_photo or needs_receipt:
        if claim.log is not None:
            world.note(claim, "proof asked", evidence=policy.evidence)
        world.reach["evidence"] += 1
        if honest:
            claim.honest_asked_for_proof = True
            lacks = (
                needs_receipt
                and luck.slot("lacks_receipt") < behaviour.honest_lacks_receipt_probability
            ) or (
                needs_photo and luck.slot("lacks_photo") < behaviour.honest_lacks_photo_probability
            )
            if lacks:
                world.note(claim, "proof missing")
                if luck.slot("stalled_abandon") < behaviour.stalled_claim_abandon_probability:
                    yield from close(world, claim, "abandoned", outcome=0.0)
                    return
                yield env.timeout(behaviour.evidence_delay_days)
                claim.contacts += 1
                world.note(claim, "proof found later", days=behaviour.evidence_delay_days)
                world.heard(claim)
        else:
            forged = (
                not needs_photo
                or luck.slot("photo_forged") < scenario.fraud.photo_forged_probability
            ) and (
                not needs_receipt
                or luck.slot("receipt_forged") < scenario.fraud.receipt_forged_probability
            )
            if not forged:
                world.note(claim, "proof not convincing")
                yield from close(world, claim, "denied", outcome=0.0)
                return
    if honest and not claim.covered:
        world.reach["excluded_components"] += 1
        if policy.excluded_repair_charge_eur is None:
            world.note(claim, "component excluded")
            yield from close(world, claim, "denied", outcome=0.0)
            return
        charge = policy.excluded_repair_charge_eur
        world.note(claim, "component excluded; paid repair", charge_eur=charge)
        yield from ship(world, claim, by_customer=True)
        world.reach["repair_turnaround_days"] += 1
        yield env.timeout(policy.repair_turnaround_days)
        world.spend(claim, "remedies", money.repair_cost_eur)
        yield from ship(world, claim, by_customer=False)
        world.earn_repair_charge(charge)  # paid on delivery
        claim.remedy = "paid_repair"
        # A repair at no charge is a remedy, not a denial.
        yield from close(
            world,
            claim,
            "denied" if charge > 0.0 else "approved",
            outcome=paid_repair_outcome(charge, money.repair_cost_eur),
        )
        return
    returned = False
    if policy.return_for_inspection:
        claim.suspected = True
        yield from ship(world, claim, by_customer=True)
        returned = True
        bench = world.bench
        if not bench.take():
            world.reach["inspection_queue"] += 1
            yield bench.wait()  # no patience at the bench: the turn comes
        hours = -math.log(luck.slot("inspection_hours")) * policy.inspection.hours_mean
        yield env.timeout(hours / INSPECTION_HOURS_PER_DAY)
        bench.release()
        world.spend(claim, "inspection", money.inspection_eur)
        world.reach["return_for_inspection"] += 1
        draw = luck.slot("inspection_pass")
        passed = (
            draw < policy.inspection.specificity
            if honest
            else draw >= policy.inspection.sensitivity
        )
        if claim.log is not None:
            world.note(claim, "inspected", passed=passed)
        if not passed:
            yield from ship(world, claim, by_customer=False)
            yield from close(world, claim, "denied", outcome=0.0)
            return
    yield from remedy(world, claim, returned)
    goodwill = policy.goodwill_eur
    if goodwill > 0.0:
        world.reach["goodwill_eur"] += 1
        world.spend(claim, "goodwill", goodwill * policy.goodwill_cost_share)
    goodwill += service_failure_gesture(world, claim)
    yield from close(world, claim, "approved", outcome=1.0, goodwill_eur=goodwill)


def service_failed(world: ClaimServices, claim: Claim) -> bool:
    """Service failed on this claim: it overran the customer's expected resolution time or took a
    second contact."""
    return world.env.now - claim.filed_day > expected_days_of(world, claim) or claim.contacts > 1


def service_failure_gesture(world: ClaimServices, claim: Claim) -> float:
    """Targeted goodwill (seed story 001): a gesture only when service failed, doubled for a major
    failure.

    Returns its value to the customer; the firm pays goodwill_cost_share of it.
    """
    value = world.policy.goodwill_on_service_failure_eur
    if value <= 0.0 or not service_failed(world, claim):
        return 0.0
    value *= 2.0 if is_major(world, claim) else 1.0
    world.reach["goodwill_on_service_failure_eur"] += 1
    world.spend(claim, "goodwill", value * world.policy.goodwill_cost_share)
    return value


def is_major(world: ClaimServices, claim: Claim) -> bool:
    return world.major_component[claim.component]


def expected_days_of(world: ClaimServices, claim: Claim) -> float:
    """The claimant's expected resolution time: shorter in a dearer price tier
    (behaviour.expected_resolution_days)."""
    return world.expected_days_of_segment[claim.segment]


def remedy(world: ClaimServices, claim: Claim, returned: bool):
    """Carry out the policy's remedy; its cost is fraud paid out when the claim is fraudulent."""
    env, policy, money = world.env, world.policy, world.scenario.money
    ledger = "fraud_paid" if claim.is_fraud else "remedies"
    if policy.remedy == "repair":
        if not returned:
            yield from ship(world, claim, by_customer=True)
        world.reach["repair_turnaround_days"] += 1
        yield env.timeout(policy.repair_turnaround_days)
        world.spend(claim, ledger, money.repair_cost_eur)
        yield from ship(world, claim, by_customer=False)
    elif policy.remedy == "replace":
        world.spend(claim, ledger, money.unit_cost_eur)
        yield from ship(world, claim, by_customer=False)
    else:
        world.spend(claim, ledger, world.price_of(claim))
        world.refunded(claim.customer_id)
    claim.remedy = policy.remedy
    if claim.log is not None:  # the keyword arguments are not free on the hot path
        world.note(claim, "remedy", remedy=policy.remedy)


def ship(world: ClaimServices, claim: Claim, by_customer: bool):
    """One shipment: the firm pays, the customer waits, and a customer who packs it makes an
    effort."""
    if by_customer:
        claim.customer_shipments += 1
    world.spend(claim, "shipping", world.scenario.money.shipping_eur)
    world.reach["shipping_days"] += 1
    world.note(claim, "shipped to firm" if by_customer else "shipped to customer")
    yield world.env.timeout(world.policy.shipping_days)


def experience(
    world: ClaimServices,
    claim: Claim,
    outcome: float,
    goodwill_eur: float,
    heard_by_manager: bool = False,
) -> Experience:
    """What the claimant went through; a denial after inspection or an abandoned claim came without
    explanation."""
    explained = claim.decision == "approved" or (claim.decision == "denied" and not claim.suspected)
    loyalty_before = float(world.customers.loyalty[claim.customer_id])
    return Experience(
        outcome=outcome,
        goodwill_share_of_price=goodwill_eur / world.price_of(claim),
        duration_days=claim.closed_day - claim.filed_day,
        wait_hours=claim.wait_days * 24.0,
        contacts=claim.contacts,
        transfers=claim.transfers,
        drops=claim.drops,
        customer_shipments=claim.customer_shipments,
        travel_hours=claim.travel_hours,
        honest_asked_for_proof=claim.honest_asked_for_proof,
        missed_updates=claim.missed_updates,
        suspected=claim.suspected,
        heard_by_manager=heard_by_manager,
        explained=explained,
        major=is_major(world, claim),
        expected_days=expected_days_of(world, claim),
        patience=patience(world.scenario.behaviour, loyalty_before),
    )


def close(
    world: ClaimServices, claim: Claim, decision: str, outcome: float, goodwill_eur: float = 0.0
):
    """Decision made: the customer judges it, may post publicly, updates loyalty and talks."""
    claim.closed_day = world.env.now
    claim.decision = decision
    world.heard(claim)
    behaviour = world.scenario.behaviour
    judgement = behaviour.satisfaction_noise_sd * claim.luck.normal("feelings")
    goodwill_eur += claim.compensation_eur
    s = satisfaction(
        experience(world, claim, outcome, goodwill_eur, heard_by_manager=claim.manager_owned),
        behaviour,
        judgement,
    )
    if claim.log is not None:
        world.note(
            claim,
            "decision",
            decision=decision,
            satisfaction=round(s, 3),
            updates=claim.updates,
            longest_silence_days=round(claim.longest_silence_days, 2),
            missed_updates=claim.missed_updates,
        )
    segment = world.scenario.market.segments[claim.segment]
    luck = claim.luck
    # A caught fraudster (a fraudulent claim denied) has nothing to complain about in public.
    caught = claim.is_fraud and decision == "denied"
    posts = (
        s < world.scenario.word_of_mouth.public_post_below_satisfaction
        and luck.slot("post_after_close") < segment.public_post_probability
    )
    if not claim.escalated and posts and not caught:
        claim.escalated = True
        world.public_post(claim)
        if world.policy.escalation_watch:
            world.reach["escalation_watch"] += 1
            world.spend(claim, "escalation", world.scenario.money.escalation_eur)
            if luck.slot("close_recovery") < world.policy.escalation_recovery_probability:
                world.reach["escalation_recovery"] += 1
                yield world.env.timeout(world.policy.escalation_response_days)
                if claim.remedy == "paid_repair":
                    # Already repaired: the manager refunds the charge rather than repairing again.
                    charge = world.policy.excluded_repair_charge_eur or 0.0
                    world.earn_repair_charge(-charge)
                    claim.decision = "approved"
                elif claim.decision != "approved":
                    yield from remedy(world, claim, returned=False)
                    claim.decision = "approved"
                compensation = world.policy.escalation_compensation_eur
                world.spend(claim, "escalation", compensation)
                claim.closed_day = world.env.now
                world.heard(claim)
                s = satisfaction(
                    experience(
                        world, claim, 1.0, goodwill_eur + compensation, heard_by_manager=True
                    ),
                    behaviour,
                    judgement,
                )
                world.note(claim, "recovered by a manager", satisfaction=round(s, 3))
                world.post_update(claim)
    claim.satisfaction = s
    if claim.is_fraud:
        rescued = (
            claim.decision != decision
        )  # a manager remedied it after a public post, with compensation
        compensation = world.policy.escalation_compensation_eur if rescued else 0.0
        world.fraud_tip(claim, received_eur=goodwill_eur + compensation)
    if caught:
        # Found out: the account is closed, and nobody hears a story from them.
        world.close_account(claim)
        world.finish(claim)
        return
    major = is_major(world, claim)
    if not claim.is_fraud:
        outcome = outcome_class(claim, expected_days_of(world, claim))
        world.note_outcome(claim.customer_id, outcome, major)
    loyalty_before = (
        float(world.customers.loyalty[claim.customer_id]) if claim.log is not None else 0.0
    )
    world.feel(claim.customer_id, s, claim.first_failure, major)
    if claim.log is not None:
        world.note(
            claim,
            "loyalty",
            before=round(loyalty_before, 3),
            after=round(float(world.customers.loyalty[claim.customer_id]), 3),
        )
    if claim.manager_owned and claim.decision == "approved":
        world.post_update(claim)  # the midway poster's "full marks" (seed story 004)
    world.word_of_mouth(claim, s)
    world.finish(claim)


def outcome_class(claim: Claim, fast_within_days: float) -> str:
    """TARP's classes: remedied within the expected time (fast_fix) or later (slow_fix), denied, or
    abandoned."""
    if claim.decision == "approved":
        return "fast_fix" if claim.closed_day - claim.filed_day <= fast_within_days else "slow_fix"
    return "abandoned" if claim.decision == "abandoned" else "denied"
