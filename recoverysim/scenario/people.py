"""Scenario sections about people: how customers judge a claim, what they tell, and how opportunists
decide.

Split from schema.py, which re-exports every name here.
"""

from __future__ import annotations

import math

from pydantic import Field, model_validator

from recoverysim.scenario.fields import Frozen, nonnegative, probability, refuse_removed_fields

#: Behaviour parameters calibrated to TARP's repurchase rows: the posterior means of
#: `python -m recoverysim.fits.published` (ABC-SMC, 4 replications a particle, 10,000 owners;
#: docs/calibration.md, "Calibrating the defaults"). unclaimed_failure_satisfaction is only weakly
#: identified (posterior sd 0.73 of the prior's). The least-squares fit of recoverysim/fits/tarp.py,
#: the defaults before, gave 2.1726, 0.3609, 0.1133, 1.3406 and 0.0763; its no-problem loyalty L0
#: still sets the TARP world.
TARP_FIT = {
    "loss_aversion": 2.2434,
    "loss_curvature": 0.3838,
    "major_loyalty_shock": 0.1285,
    "major_loss_factor": 1.3218,
    "unclaimed_failure_satisfaction": 0.1656,
}


#: Fields of behaviour removed in version 0.2, and what replaced them (delay is counted once, in
#: procedural justice).
REMOVED_BEHAVIOUR_FIELDS = {
    name: "interactional justice now counts expected updates missed: see "
    "expected_update_every_days, missed_updates_penalty and missed_updates_bound"
    for name in ("expected_silence_days", "silence_tolerance_days")
}


class Behaviour(Frozen):
    """How customers judge a claim's handling and how that moves their loyalty."""

    distributive_weight: float = probability(
        0.6,
        "Weight of the outcome in satisfaction, clearly the largest. Order distributive > "
        "interactional > procedural from Orsingher, Valentini & de Angelis (2010) (V1); the "
        "values are an assumption.",
    )
    interactional_weight: float = probability(
        0.25,
        "Weight of communication and respect: updates kept to the expected cadence, a decision "
        "explained, not being suspected. Order from Orsingher et al. (2010); value an assumption.",
    )
    procedural_weight: float = probability(
        0.15,
        "Weight of time and effort, the smallest. Order from Orsingher et al. (2010); value an "
        "assumption.",
    )
    expected_resolution_days: float = nonnegative(
        5.0,
        "Time to resolution a customer of the base price tier expects; only the excess lowers "
        "satisfaction. Assumption.",
        3650.0,
    )
    expectation_price_elasticity: float = nonnegative(
        0.5,
        "Expectations rise with price tier: a segment with price_multiplier m expects resolution "
        "within expected_resolution_days / m^this (seed story 003: 'the dearer the product, the "
        "more after-sales service is worth'). Assumption, direction only.",
        5.0,
    )
    resolution_tolerance_days: float = Field(
        10.0,
        gt=0.0,
        le=3650.0,
        description="Excess days that cut the time part of procedural justice to 1/e, for a "
        "customer of loyalty 0. Assumption.",
    )
    patience_from_loyalty: float = nonnegative(
        0.2,
        "Trust buys patience, a little: the tolerance of delay is multiplied by 1 + this x the "
        "customer's loyalty before the claim. Assumption; direction from Tax, Brown & "
        "Chandrashekaran (1998): good prior experience buffers a bad complaint only a little.",
        10.0,
    )
    effort_penalty_per_wait_hour: float = probability(
        0.1, "Procedural justice lost per hour spent waiting in queues. Assumption."
    )
    effort_penalty_per_contact: float = probability(
        0.08, "Procedural justice lost per contact beyond the first. Assumption."
    )
    effort_penalty_per_transfer: float = probability(
        0.08,
        "Lost per transfer. Assumption, in line with SQM's 12 % lower top-box satisfaction of "
        "transferred callers (vendor figure).",
    )
    effort_penalty_per_drop: float = probability(0.15, "Lost per dropped contact. Assumption.")
    effort_penalty_per_shipment: float = probability(
        0.1, "Lost per shipment the customer arranges. Assumption."
    )
    effort_penalty_per_travel_hour: float = probability(
        0.1, "Lost per hour of travel to a store. Assumption."
    )
    effort_penalty_for_proof: float = probability(
        0.1, "Lost when an honest customer is asked for proof. Assumption."
    )
    expected_update_every_days: float = Field(
        4.0,
        gt=0.0,
        le=3650.0,
        description="Cadence of news customers expect while a claim is open: each whole cadence of "
        "silence is one expected update missed. Assumption.",
    )
    missed_updates_bound: int = Field(
        2,
        ge=1,
        le=1000,
        description="Missed updates at which the communication penalty is full; more silence adds "
        "nothing (delay itself is procedural). Assumption.",
    )
    missed_updates_penalty: float = probability(
        0.5,
        "Interactional justice lost when missed_updates_bound or more expected updates were "
        "missed (in proportion below). Assumption.",
    )
    unexplained_penalty: float = probability(
        0.3,
        "Interactional justice lost when the outcome comes without an explanation: a denial "
        "after inspection ('no trouble found' to a customer whose product fails) or a claim "
        "abandoned unanswered. Assumption.",
    )
    distrust_penalty: float = probability(
        0.2,
        "Interactional justice lost when the item must be returned for inspection (being "
        "suspected). Assumption.",
    )
    satisfaction_noise_sd: float = nonnegative(
        0.1,
        "Standard deviation of individual differences in how the same handling is judged "
        "(normal, added to S before clipping). Assumption.",
        1.0,
    )
    reference_satisfaction: float = probability(
        0.9,
        "Satisfaction S0 of a customer with no failure; claims below it cost loyalty, above it "
        "may add a little after a first minor failure. Assumption.",
    )
    loyalty_sensitivity: float = nonnegative(
        0.3,
        "alpha: loyalty change per unit of (curved) satisfaction gain; gains reach loyalty only "
        "through recovery_paradox_strength. Assumption (TARP's rows are all losses and identify "
        "alpha x lambda, not alpha).",
        10.0,
    )
    loss_aversion: float = Field(
        TARP_FIT["loss_aversion"],
        ge=1.0,
        le=100.0,
        description="lambda: a shortfall below S0 weighs this many times more than an equal gain. "
        "Source: calibrated to TARP's repurchase rows (V2, via Barlow & Moller) by "
        "recoverysim/fits/published.py; not Tversky & Kahneman's 2.25, which comes from money "
        "gambles.",
    )
    loss_curvature: float = Field(
        TARP_FIT["loss_curvature"],
        gt=0.0,
        le=1.0,
        description="beta: loyalty moves with (S0 - S)^beta, so a first shortfall weighs more "
        "than the next (diminishing sensitivity). Source: calibrated to TARP's rows (V2) by "
        "recoverysim/fits/published.py.",
    )
    recovery_paradox_strength: float = nonnegative(
        0.1,
        "Share of the curved gain above S0 that reaches loyalty, after a first failure that is "
        "not major (Maxham & Netemeyer 2002; Magnini et al. 2007, V1). Assumption: small, since "
        "de Matos, Henrique & Rossi (2007) find no significant effect on repurchase intention "
        "(V1 direction).",
        1.0,
    )
    major_loyalty_shock: float = probability(
        TARP_FIT["major_loyalty_shock"],
        (
            "Loyalty lost at a major failure whatever its handling (stranded, data lost: the "
            "failure itself is a loss), once per major failure, claimed or not; satisfaction "
            "judges the handling only. Source: calibrated to TARP's major-problem rows (V2) by "
            "recoverysim/fits/published.py."
        ),
    )
    major_loss_factor: float = Field(
        TARP_FIT["major_loss_factor"],
        ge=1.0,
        le=10.0,
        description=(
            "A major failure's satisfaction-driven loyalty loss (below S0) is multiplied by this; "
            "major_loyalty_shock comes on top. Source: calibrated to TARP's major-problem rows "
            "(V2) by recoverysim/fits/published.py."
        ),
    )
    unclaimed_failure_satisfaction: float = probability(
        TARP_FIT["unclaimed_failure_satisfaction"],
        "Satisfaction of a customer who does not claim a failure. Source: calibrated to TARP's "
        "37 % repurchase of customers who did not complain about a minor problem (V2) by "
        "recoverysim/fits/published.py; weakly identified.",
    )
    honest_lacks_receipt_probability: float = probability(
        0.2, "Probability an honest customer cannot find the receipt. Assumption."
    )
    honest_lacks_photo_probability: float = probability(
        0.05, "Probability an honest customer cannot provide a usable photo. Assumption."
    )
    stalled_claim_abandon_probability: float = probability(
        0.5,
        "Probability a customer who cannot provide the proof asked gives up; the rest find it "
        "after evidence_delay_days. Assumption.",
    )
    evidence_delay_days: float = nonnegative(5.0, "Days lost finding proof. Assumption.", 3650.0)

    @model_validator(mode="before")
    @classmethod
    def _no_removed_fields(cls, data):
        return refuse_removed_fields(data, REMOVED_BEHAVIOUR_FIELDS)

    @model_validator(mode="after")
    def _weights_sum_to_one(self) -> Behaviour:
        total = self.distributive_weight + self.interactional_weight + self.procedural_weight
        if not math.isclose(total, 1.0, abs_tol=1e-6):
            raise ValueError(
                "distributive_weight + interactional_weight + procedural_weight must sum to 1 "
                f"(they sum to {total:g})"
            )
        return self


#: Fields of word of mouth removed in version 0.2, and what replaced them (word of mouth now acts
#: inside Bass's hazard).
REMOVED_WOM_FIELDS = {
    "neutral_satisfaction": "people told is now 0 at behaviour.reference_satisfaction, the "
    "no-failure level",
    "positive_purchase_probability": "a positive impression now raises the Bass hazard: see "
    "impression_weight_positive",
    "negative_loss_probability": "a negative impression now lowers the Bass hazard: see "
    "impression_weight_negative",
}


class WordOfMouth(Frozen):
    """Who hears about a claim, and what hearing does to them."""

    told_when_satisfied_mean: float = nonnegative(
        0.5,
        "People told, beyond the baseline talk of a customer without failure, by a delighted "
        "customer (S = 1); 0 at the no-failure satisfaction S0, linear in between. Assumption "
        "constrained to the direction of de Matos, Henrique & Rossi (2007) (V1 direction: an "
        "excellent recovery has no significant effect on word of mouth), hence small.",
        1e4,
    )
    told_when_dissatisfied_mean: float = nonnegative(
        5.0,
        "People told by a furious customer (S = 0); 0 at the no-failure satisfaction S0, linear "
        "in between. Assumption; Anderson (1998) finds both extremes talk, the dissatisfied a "
        "bit more; the often quoted 9-10 is attributed to TARP and unverified (folklore).",
        1e4,
    )
    baseline_told_per_year: float | None = Field(
        None,
        gt=0.0,
        le=1e4,
        description="People a customer without failure tells about the product in a year: the talk "
        "Bass's imitation term q*F stands for. It counts as positive impressions in "
        "wom_positive_to_negative and sets what one claim story weighs in the market (a "
        "remembered in-market story weighs 1 / (baseline_told_per_year * in_market_share * "
        "mean memory in years) adopters). Null: market.imitation_per_year / in_market_share, "
        "the least talk that can carry Bass's imitation with at most one purchase per "
        "in-market story. Assumption; fitting it to East, Hammond & Wright (2007)'s 3:1 (V1) "
        "would need more than one purchase per story (recoverysim/fits/wom.py shows it).",
    )
    impression_memory_half_life_days: float = Field(
        90.0,
        gt=0.0,
        le=36_500.0,
        description="Half-life of a heard story in a prospect's mind (exponential memory): the "
        "stock of remembered impressions decays by half in this many days. Assumption.",
    )
    impression_weight_positive: float = Field(
        1.0,
        ge=0.0,
        le=100.0,
        description="Effect on a prospect's purchase hazard of one remembered positive claim "
        "story, relative to one of the baseline recommendations inside Bass's q*F. "
        "Assumption: 1, as strong as a recommendation.",
    )
    impression_weight_negative: float = Field(
        1.0,
        ge=0.0,
        le=100.0,
        description="Effect on a prospect's purchase hazard (downward) of one remembered "
        "negative claim story, relative to one baseline recommendation. Assumption: 1, no "
        "stronger than a positive one, as East, Hammond & Lomax (2008) (V1) find for "
        "familiar brands.",
    )
    in_market_share: float = probability(
        0.3,
        "Share of people told who are in this product's market (customer or prospect). Assumption.",
    )
    customer_loyalty_effect: float = probability(
        0.02,
        "Loyalty change of a customer who hears a story (up if positive, down if negative). "
        "Assumption.",
    )
    public_post_below_satisfaction: float = probability(
        0.3, "Customers whose satisfaction ends below this may post publicly. Assumption."
    )
    public_post_after_contacts: int = Field(
        4,
        ge=1,
        le=1000,
        description="A customer whose claim has taken this many contacts without a decision may "
        "post publicly there and then (with the segment's public_post_probability, once per "
        "claim), as the blogger of seed story 004 did halfway through. Assumption.",
    )
    public_post_reach_mean: float = nonnegative(
        200.0, "People reached by a public post. Assumption.", 1e7
    )
    post_update_share: float = probability(
        0.5,
        "Share of a public post's readers who also read the positive update a customer adds when "
        "a manager recovers the case (seed story 004: the blogger added 'full marks'). "
        "Assumption.",
    )
    fraud_tips_per_outcome: float = nonnegative(
        2.0,
        "Opportunists told about each fraudulent claim's outcome; tips shape their belief in "
        "success. Assumption.",
        1e4,
    )

    @model_validator(mode="before")
    @classmethod
    def _no_removed_fields(cls, data):
        return refuse_removed_fields(data, REMOVED_WOM_FIELDS)


class Fraud(Frozen):
    """How opportunists decide to try, what they believe, and how well they fake proof.

    A customer who would consider fraud (segment.opportunist_share) is willing when the gain they
    expect from a claim exceeds the penalty they expect plus their own scruple (a moral cost in
    EUR).
    """

    prior_success_belief: float = probability(
        0.5, "Success chance opportunists believe in before hearing any tips. Assumption."
    )
    prior_caught_belief: float = probability(
        0.2,
        "Chance of being caught (the claim denied) opportunists believe in before hearing any "
        "tips. Assumption.",
    )
    belief_weight: float = nonnegative(
        20.0,
        "Pseudo-count of the prior beliefs: tips needed to move them halfway. Assumption.",
        1e6,
    )
    prior_value_share: float = nonnegative(
        0.6,
        "Value to the cheater of a successful claim, as a share of the price, that opportunists "
        "expect before hearing any tips. Assumption: as a replacement (replace_value_share).",
        10.0,
    )
    refund_value_share: float = nonnegative(
        1.0,
        "Value to the cheater of a refund, as a share of the price: the money back. Assumption: 1.",
        10.0,
    )
    replace_value_share: float = nonnegative(
        0.6,
        "Value to the cheater of a replacement unit, as a share of the price: what a new unit "
        "sells for second hand. Assumption.",
        10.0,
    )
    repair_value_share: float = nonnegative(
        0.1,
        "Value to the cheater of a repair of a unit that was not broken, as a share of the "
        "price. Assumption: little.",
        10.0,
    )
    caught_penalty_eur: float = nonnegative(
        20.0,
        "What being caught costs a cheater, in EUR: the account closed (the brand sells them "
        "nothing more) and the embarrassment of being found out. Assumption; the value of future "
        "purchases to the customer is not known.",
        1e6,
    )
    scruple_scale_eur: float = Field(
        100.0,
        gt=0.0,
        le=1e6,
        description="Mean moral cost of cheating, in EUR, among those who would consider it "
        "(exponential across people). Assumption.",
    )
    photo_forged_probability: float = probability(
        0.6, "Probability a fraudulent claimant supplies a convincing photo. Assumption."
    )
    receipt_forged_probability: float = probability(
        0.8,
        "Probability a fraudulent claimant supplies a receipt (they often own the product). "
        "Assumption.",
    )
