"""Frozen, validated types for a scenario; every default says where it comes from.

Each field's description ends with its provenance: ``Source: ...`` for a figure
taken from the literature listed in docs/model.md, ``Assumption: ...`` for the
rest. `recoverysim params` prints these descriptions as a table.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, WithJsonSchema, WrapValidator, field_validator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

SCHEMA_VERSION = 1
CHANNEL_NAMES = ("chat", "phone", "email", "store")
#: The value of a staff count that recoverysim sizes itself from the load (see recoverysim/staffing.py).
AUTO = "auto"
MAX_STAFF = 100_000
#: Behaviour parameters fitted to TARP's repurchase rows by `python -m recoverysim.fits.tarp` (its last run's output).
TARP_FIT = {"loss_aversion": 2.1726, "loss_curvature": 0.3609, "major_loyalty_shock": 0.1133,
            "major_loss_factor": 1.3406, "unclaimed_failure_satisfaction": 0.0763}



class Frozen(BaseModel):
    """Base for every section: immutable, no unknown keys, no NaN or infinity."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


def probability(default: float, why: str) -> float:
    return Field(default, ge=0.0, le=1.0, description=why)


def nonnegative(default: float, why: str, upper: float = 1e9) -> float:
    return Field(default, ge=0.0, le=upper, description=why)


def _count_or_auto(minimum: int) -> WrapValidator:
    """Accept 'auto' or an integer in [minimum, MAX_STAFF], with pydantic's own wording for a number out of range."""

    def check(value: object, handler: object) -> int | str:
        if value == AUTO:
            return AUTO
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise PydanticCustomError("count_or_auto", "must be an integer >= {minimum} or 'auto'", {"minimum": minimum})
        try:
            number = float(value)
        except ValueError:
            raise PydanticCustomError("count_or_auto", "must be an integer >= {minimum} or 'auto'", {"minimum": minimum}) from None
        if not number.is_integer():
            raise PydanticCustomError("count_or_auto", "must be an integer >= {minimum} or 'auto'", {"minimum": minimum})
        if number < minimum:
            raise PydanticCustomError("greater_than_equal", "Input should be greater than or equal to {ge}", {"ge": minimum})
        if number > MAX_STAFF:
            raise PydanticCustomError("less_than_equal", "Input should be less than or equal to {le}", {"le": MAX_STAFF})
        return int(number)

    return WrapValidator(check)


def _count_or_auto_schema(minimum: int) -> WithJsonSchema:
    return WithJsonSchema({"anyOf": [{"type": "integer", "minimum": minimum, "maximum": MAX_STAFF}, {"const": AUTO}]})


#: Agents at a desk: an integer >= 0, or 'auto' (sized by recoverysim.staffing from the load).
StaffCount = Annotated[int | Literal["auto"], _count_or_auto(0), _count_or_auto_schema(0)]
#: Technicians at a bench: an integer >= 1, or 'auto'.
TechnicianCount = Annotated[int | Literal["auto"], _count_or_auto(1), _count_or_auto_schema(1)]


class Segment(Frozen):
    """A group of customers who behave alike."""

    name: str = Field(description="Segment name, used in outputs.")
    share: float = Field(ge=0.0, le=1.0, description="Share of customers and prospects in this segment; shares sum to 1.")
    price_multiplier: float = Field(1.0, gt=0.0, le=100.0, description="Price tier: price paid relative to money.price_eur. Assumption: 1.")
    opportunist_share: float = probability(0.05, "Share of the segment who would ever consider a claim without a real defect; the rest never would (an infinite scruple). Whether one who would does so depends on their scruple and the segment's beliefs (see fraud). Assumption, inside the 3-15 % of warranty billing that Kurvinen, Toyryla & Murthy (2016) call fraudulent.")
    fraud_attempts_per_year: float = nonnegative(0.102, "Fraudulent claims per year by a customer who is willing (expected gain above the expected penalty plus their scruple) and whose product is inside the warranty. Fitted by recoverysim/fits/fraud.py so that fraud is 12.5 % of claims under the canonical trusting policy, the middle of retail return fraud at 10.3-15.1 % of returns. Source: NRF / Appriss Retail (2021-2024) (V1/V2).", 365.0)
    complaint_probability: float = probability(0.6, "Probability that a customer whose product fails files a claim rather than leaving silently. Assumption (TARP's 'for every complaint, 26 stay silent' is folklore and concerns complaints to head office).")
    social_reach_multiplier: float = nonnegative(1.0, "How many more people than average this segment tells. Assumption: 1.", 100.0)
    public_post_probability: float = probability(0.15, "Probability that a customer whose claim ends badly posts about it publicly. Assumption, below the 32 % of problem-experiencers who posted in the National Customer Rage Study 2023.")
    initial_loyalty: float = probability(0.85, "Loyalty (probability of buying again at the next purchase occasion) of a customer with no bad experience. Assumption.")
    chat_share: float = probability(0.3, "Share of this segment's claims that start on chat. Assumption.")
    phone_share: float = probability(0.4, "Share of claims that start on the phone. Assumption.")
    email_share: float = probability(0.2, "Share of claims that start by e-mail. Assumption.")
    store_share: float = probability(0.1, "Share of claims that start in a store. Assumption.")

    @model_validator(mode="after")
    def _channel_mix_sums_to_one(self) -> "Segment":
        total = self.chat_share + self.phone_share + self.email_share + self.store_share
        if not math.isclose(total, 1.0, abs_tol=1e-6):
            raise ValueError(f"chat_share + phone_share + email_share + store_share must sum to 1 (they sum to {total:g})")
        return self


def _default_segments() -> tuple[Segment, ...]:
    return (Segment(name="everyone", share=1.0),)


class Market(Frozen):
    """Who owns the product, who might buy it, and how prospects are won."""

    initial_customers: int = Field(50_000, ge=0, le=10_000_000, description="Customers who own the product at day 0. Assumption.")
    prospects: int = Field(50_000, ge=0, le=10_000_000, description="People who might buy during the horizon (the Bass market potential not yet served). Assumption.")
    innovation_per_year: float = nonnegative(0.03, "Bass coefficient of innovation p. Source: Sultan, Farley & Lehmann (1990), mean of 213 applications (V2).", 100.0)
    imitation_per_year: float = nonnegative(0.38, "Bass coefficient of imitation q. Source: Sultan, Farley & Lehmann (1990), mean of 213 applications (V2).", 100.0)
    leniency_purchase_effect: float = Field(0.1, ge=0.0, le=1.0, description="Relative change of a prospect's purchase hazard (Bass p and q alike) from the strictest warranty policy (leniency index 0) to the most lenient (1), centred on an index of 0.5; 0 switches it off. Assumption constrained to the direction of Janakiraman, Syrdal & Freling (2016) (V1 direction: lenient return policies raise purchases); small, well below the 55 % of consumers who said a restrictive return policy stopped a purchase (Appriss Retail & Deloitte 2024, V2).")
    leniency_repurchase_effect: float = Field(0.02, ge=0.0, le=1.0, description="Relative change of a customer's repurchase probability at a purchase occasion from the strictest policy (leniency index 0) to the most lenient (1), centred on 0.5; 0 switches it off. Assumption constrained to the direction of Janakiraman, Syrdal & Freling (2016) (V1 direction).")
    segments: tuple[Segment, ...] = Field(default_factory=_default_segments, min_length=1, description="Customer segments; shares sum to 1.")

    @model_validator(mode="after")
    def _segments_are_consistent(self) -> "Market":
        total = sum(s.share for s in self.segments)
        if not math.isclose(total, 1.0, abs_tol=1e-6):
            raise ValueError(f"segment shares must sum to 1 (they sum to {total:g})")
        names = [s.name for s in self.segments]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"segment names must be unique (repeated: {', '.join(duplicates)})")
        return self


class Component(Frozen):
    """A part of the product that can fail; failure times are Weibull from the day of purchase."""

    name: str = Field(description="Component name; policies exclude components by this name.")
    failures_per_year: float = nonnegative(0.05, "Failure rate in the first year (Weibull scale chosen so the expected count in year one is this). Assumption, giving claim costs near the 1.5 % of revenue Warranty Week (2019) reports.", 100.0)
    weibull_shape: float = Field(1.0, gt=0.1, le=10.0, description="Weibull shape: 1 is a constant hazard, above 1 wear-out, below 1 infant mortality. Assumption: 1.")
    severity: Literal["minor", "major"] = Field("minor", description="How badly a failure hurts: a major one lowers the satisfaction of the whole episode and weighs more on loyalty, as in TARP's major-problem rows (V2). Assumption: minor.")


def _default_components() -> tuple[Component, ...]:
    return (Component(name="device", failures_per_year=0.03), Component(name="strap", failures_per_year=0.01))


class Product(Frozen):
    """What customers own: its components, warranty and replacement cycle."""

    components: tuple[Component, ...] = Field(default_factory=_default_components, min_length=1, description="Components that can fail.")
    warranty_days: float = nonnegative(730.0, "Warranty length from purchase; failures after it are not claimed. Assumption: the EU legal guarantee of two years.", 36_500.0)
    replacement_cycle_days: float = Field(1095.0, gt=0.0, le=36_500.0, description="Mean time between purchase occasions (exponential); at each the customer rebuys with their loyalty. Assumption: three years.")

    @field_validator("components")
    @classmethod
    def _unique_component_names(cls, components: tuple[Component, ...]) -> tuple[Component, ...]:
        names = [c.name for c in components]
        if len(set(names)) != len(names):
            raise ValueError("component names must be unique")
        return components


class Channel(Frozen):
    """A contact channel served by staff in opening hours, with a queue customers may leave."""

    staff: StaffCount = Field(5, description="Agents serving this channel at once while it is open, or 'auto': as few as meet the scenario's staffing targets for this channel's load under each policy (see staffing). Assumption.")
    opens_hour: float = Field(8.0, ge=0.0, le=24.0, description="Hour of day the channel opens. Assumption.")
    closes_hour: float = Field(20.0, ge=0.0, le=24.0, description="Hour of day the channel closes (24 with opens_hour 0 is round the clock). Assumption.")
    service_minutes_mean: float = Field(8.0, gt=0.0, le=100_000.0, description="Mean handling time of one contact. Assumption.")
    service_minutes_cv: float = nonnegative(1.0, "Coefficient of variation of handling time (lognormal; 1 with service_distribution exponential). Source for the lognormal form: Brown et al. (2005), JASA 100(469):36-50.", 10.0)
    service_distribution: Literal["exponential", "lognormal"] = Field("lognormal", description="Distribution of handling time. Source: Brown et al. (2005) find call-centre service times lognormal.")
    patience_minutes_mean: float | None = Field(10.0, gt=0.0, le=1e6, description="Mean patience in the queue (exponential, as in Erlang A); null for customers who never leave the queue. Assumption.")
    retry_probability: float = probability(0.7, "Probability that a customer who left the queue or was cut off tries again. Assumption.")
    retry_delay_hours_mean: float = Field(4.0, gt=0.0, le=1e5, description="Mean delay before a retry (exponential); above 0 so that a retry takes time. Assumption.")
    transfer_drop_probability: float = probability(0.1, "Probability that a transferred contact is dropped on the way (a phone line cut; 0 by default on chat, e-mail and store). Assumption.")
    partner_handoff_probability: float = probability(0.0, "Probability that the case is sent to a partner organisation (operator, manufacturer) instead of being handled, unless the policy keeps one owner. Assumption: 0.")
    partner_bounce_probability: float = probability(0.5, "Probability that the partner sends the customer back again. Assumption.")
    partner_delay_days_mean: float = nonnegative(2.0, "Mean days lost per hand-off to the partner. Assumption.", 3650.0)
    response_hours_mean: float = nonnegative(0.0, "Mean delay before a written contact is picked up at all (e-mail); 0 for live channels. Assumption.", 1e5)
    travel_minutes_each_way: float = nonnegative(0.0, "Customer travel to reach the channel (store); counts as effort. Assumption.", 1e5)

    @model_validator(mode="after")
    def _hours_are_ordered(self) -> "Channel":
        if self.closes_hour <= self.opens_hour:
            raise ValueError(f"closes_hour must be after opens_hour ({self.opens_hour:g} to {self.closes_hour:g})")
        return self

    @property
    def open_hours_per_day(self) -> float:
        return self.closes_hour - self.opens_hour


#: Each channel's own defaults (Assumptions); a channel written in part keeps these for the fields it leaves out.
#: Only a phone transfer can drop the line; a chat, e-mail or store hand-over cannot (transfer_drop_probability 0).
CHANNEL_DEFAULTS: dict[str, dict] = {
    "chat": {"staff": 1, "opens_hour": 0.0, "closes_hour": 24.0, "service_minutes_mean": 12.0, "patience_minutes_mean": 5.0,
             "transfer_drop_probability": 0.0},
    "phone": {"staff": 2, "service_minutes_mean": 8.0},
    "email": {"staff": 1, "service_minutes_mean": 10.0, "patience_minutes_mean": None, "response_hours_mean": 12.0,
              "transfer_drop_probability": 0.0},
    "store": {"staff": 1, "opens_hour": 10.0, "closes_hour": 18.0, "service_minutes_mean": 15.0, "patience_minutes_mean": None,
              "travel_minutes_each_way": 30.0, "transfer_drop_probability": 0.0},
}


class Channels(Frozen):
    """The four ways a claim can reach the firm."""

    chat: Channel = Field(default_factory=lambda: Channel(**CHANNEL_DEFAULTS["chat"]), description="Live chat, round the clock.")
    phone: Channel = Field(default_factory=lambda: Channel(**CHANNEL_DEFAULTS["phone"]), description="Phone queue.")
    email: Channel = Field(default_factory=lambda: Channel(**CHANNEL_DEFAULTS["email"]), description="E-mail.")
    store: Channel = Field(default_factory=lambda: Channel(**CHANNEL_DEFAULTS["store"]), description="Store counter.")

    @model_validator(mode="before")
    @classmethod
    def _channel_defaults_under_written_fields(cls, data: object) -> object:
        """A channel written in part (e.g. `chat: {staff: 3}`) keeps the rest of its own defaults, not the generic ones."""
        if not isinstance(data, dict):
            return data
        return {name: {**CHANNEL_DEFAULTS[name], **value} if name in CHANNEL_DEFAULTS and isinstance(value, dict) else value
                for name, value in data.items()}

    def items(self) -> list[tuple[str, Channel]]:
        return [(name, getattr(self, name)) for name in CHANNEL_NAMES]


def refuse_removed_fields(data, removed: dict[str, str]):
    """Say what replaced a field of version 0.1 instead of only 'extra inputs are not permitted'."""
    if isinstance(data, dict):
        for name, replacement in removed.items():
            if name in data:
                raise ValueError(f"{name} was removed in version 0.2 ({replacement})")
    return data


#: Fields of behaviour removed in version 0.2, and what replaced them (delay is counted once, in procedural justice).
REMOVED_BEHAVIOUR_FIELDS = {
    name: "interactional justice now counts expected updates missed: see expected_update_every_days, "
          "missed_updates_penalty and missed_updates_bound"
    for name in ("expected_silence_days", "silence_tolerance_days")
}


class Behaviour(Frozen):
    """How customers judge a claim's handling and how that moves their loyalty."""

    distributive_weight: float = probability(0.6, "Weight of the outcome in satisfaction, clearly the largest. Order distributive > interactional > procedural from Orsingher, Valentini & de Angelis (2010) (V1); the values are an assumption.")
    interactional_weight: float = probability(0.25, "Weight of communication and respect: updates kept to the expected cadence, a decision explained, not being suspected. Order from Orsingher et al. (2010); value an assumption.")
    procedural_weight: float = probability(0.15, "Weight of time and effort, the smallest. Order from Orsingher et al. (2010); value an assumption.")
    expected_resolution_days: float = nonnegative(5.0, "Time to resolution a customer of the base price tier expects; only the excess lowers satisfaction. Assumption.", 3650.0)
    expectation_price_elasticity: float = nonnegative(0.5, "Expectations rise with price tier: a segment with price_multiplier m expects resolution within expected_resolution_days / m^this (seed story 003: 'the dearer the product, the more after-sales service is worth'). Assumption, direction only.", 5.0)
    resolution_tolerance_days: float = Field(10.0, gt=0.0, le=3650.0, description="Excess days that cut the time part of procedural justice to 1/e, for a customer of loyalty 0. Assumption.")
    patience_from_loyalty: float = nonnegative(0.2, "Trust buys patience, a little: the tolerance of delay is multiplied by 1 + this x the customer's loyalty before the claim. Assumption; direction from Tax, Brown & Chandrashekaran (1998): good prior experience buffers a bad complaint only a little.", 10.0)
    effort_penalty_per_wait_hour: float = probability(0.1, "Procedural justice lost per hour spent waiting in queues. Assumption.")
    effort_penalty_per_contact: float = probability(0.08, "Procedural justice lost per contact beyond the first. Assumption.")
    effort_penalty_per_transfer: float = probability(0.08, "Lost per transfer. Assumption, in line with SQM's 12 % lower top-box satisfaction of transferred callers (vendor figure).")
    effort_penalty_per_drop: float = probability(0.15, "Lost per dropped contact. Assumption.")
    effort_penalty_per_shipment: float = probability(0.1, "Lost per shipment the customer arranges. Assumption.")
    effort_penalty_per_travel_hour: float = probability(0.1, "Lost per hour of travel to a store. Assumption.")
    effort_penalty_for_proof: float = probability(0.1, "Lost when an honest customer is asked for proof. Assumption.")
    expected_update_every_days: float = Field(4.0, gt=0.0, le=3650.0, description="Cadence of news customers expect while a claim is open: each whole cadence of silence is one expected update missed. Assumption.")
    missed_updates_bound: int = Field(2, ge=1, le=1000, description="Missed updates at which the communication penalty is full; more silence adds nothing (delay itself is procedural). Assumption.")
    missed_updates_penalty: float = probability(0.5, "Interactional justice lost when missed_updates_bound or more expected updates were missed (in proportion below). Assumption.")
    unexplained_penalty: float = probability(0.3, "Interactional justice lost when the outcome comes without an explanation: a denial after inspection ('no trouble found' to a customer whose product fails) or a claim abandoned unanswered. Assumption.")
    distrust_penalty: float = probability(0.2, "Interactional justice lost when the item must be returned for inspection (being suspected). Assumption.")
    satisfaction_noise_sd: float = nonnegative(0.1, "Standard deviation of individual differences in how the same handling is judged (normal, added to S before clipping). Assumption.", 1.0)
    reference_satisfaction: float = probability(0.9, "Satisfaction S0 of a customer with no failure; claims below it cost loyalty, above it may add a little after a first minor failure. Assumption.")
    loyalty_sensitivity: float = nonnegative(0.3, "alpha: loyalty change per unit of (curved) satisfaction gain; gains reach loyalty only through recovery_paradox_strength. Assumption (TARP's rows are all losses and identify alpha x lambda, not alpha).", 10.0)
    loss_aversion: float = Field(TARP_FIT["loss_aversion"], ge=1.0, le=100.0, description="lambda: a shortfall below S0 weighs this many times more than an equal gain. Source: fitted to TARP's repurchase rows (V2, via Barlow & Moller) by recoverysim/fits/tarp.py; not Tversky & Kahneman's 2.25, which comes from money gambles.")
    loss_curvature: float = Field(TARP_FIT["loss_curvature"], gt=0.0, le=1.0, description="beta: loyalty moves with (S0 - S)^beta, so a first shortfall weighs more than the next (diminishing sensitivity). Source: fitted to TARP's rows (V2) by recoverysim/fits/tarp.py.")
    recovery_paradox_strength: float = nonnegative(0.1, "Share of the curved gain above S0 that reaches loyalty, after a first failure that is not major (Maxham & Netemeyer 2002; Magnini et al. 2007, V1). Assumption: small, since de Matos, Henrique & Rossi (2007) find no significant effect on repurchase intention (V1 direction).", 1.0)
    major_loyalty_shock: float = probability(TARP_FIT["major_loyalty_shock"], (
        "Loyalty lost at a major failure whatever its handling (stranded, data lost: the failure itself is a loss), "
        "once per major failure, claimed or not; satisfaction judges the handling only. "
        "Source: fitted to TARP's major-problem rows (V2) by recoverysim/fits/tarp.py."))
    major_loss_factor: float = Field(TARP_FIT["major_loss_factor"], ge=1.0, le=10.0, description=(
        "A major failure's satisfaction-driven loyalty loss (below S0) is multiplied by this; major_loyalty_shock "
        "comes on top. Source: fitted to TARP's major-problem rows (V2) by recoverysim/fits/tarp.py."))
    unclaimed_failure_satisfaction: float = probability(TARP_FIT["unclaimed_failure_satisfaction"], "Satisfaction of a customer who does not claim a failure. Source: fitted to TARP's 37 % repurchase of customers who did not complain about a minor problem (V2) by recoverysim/fits/tarp.py.")
    honest_lacks_receipt_probability: float = probability(0.2, "Probability an honest customer cannot find the receipt. Assumption.")
    honest_lacks_photo_probability: float = probability(0.05, "Probability an honest customer cannot provide a usable photo. Assumption.")
    stalled_claim_abandon_probability: float = probability(0.5, "Probability a customer who cannot provide the proof asked gives up; the rest find it after evidence_delay_days. Assumption.")
    evidence_delay_days: float = nonnegative(5.0, "Days lost finding proof. Assumption.", 3650.0)

    @model_validator(mode="before")
    @classmethod
    def _no_removed_fields(cls, data):
        return refuse_removed_fields(data, REMOVED_BEHAVIOUR_FIELDS)

    @model_validator(mode="after")
    def _weights_sum_to_one(self) -> "Behaviour":
        total = self.distributive_weight + self.interactional_weight + self.procedural_weight
        if not math.isclose(total, 1.0, abs_tol=1e-6):
            raise ValueError(f"distributive_weight + interactional_weight + procedural_weight must sum to 1 (they sum to {total:g})")
        return self


#: Fields of word of mouth removed in version 0.2, and what replaced them (word of mouth now acts inside Bass's hazard).
REMOVED_WOM_FIELDS = {
    "neutral_satisfaction": "people told is now 0 at behaviour.reference_satisfaction, the no-failure level",
    "positive_purchase_probability": "a positive impression now raises the Bass hazard: see impression_weight_positive",
    "negative_loss_probability": "a negative impression now lowers the Bass hazard: see impression_weight_negative",
}


class WordOfMouth(Frozen):
    """Who hears about a claim, and what hearing does to them."""

    told_when_satisfied_mean: float = nonnegative(0.5, "People told, beyond the baseline talk of a customer without failure, by a delighted customer (S = 1); 0 at the no-failure satisfaction S0, linear in between. Assumption constrained to the direction of de Matos, Henrique & Rossi (2007) (V1 direction: an excellent recovery has no significant effect on word of mouth), hence small.", 1e4)
    told_when_dissatisfied_mean: float = nonnegative(5.0, "People told by a furious customer (S = 0); 0 at the no-failure satisfaction S0, linear in between. Assumption; Anderson (1998) finds both extremes talk, the dissatisfied a bit more; the often quoted 9-10 is attributed to TARP and unverified (folklore).", 1e4)
    baseline_told_per_year: float | None = Field(None, gt=0.0, le=1e4, description="People a customer without failure tells about the product in a year: the talk Bass's imitation term q*F stands for. It counts as positive impressions in wom_positive_to_negative and sets what one claim story weighs in the market (a remembered in-market story weighs 1 / (baseline_told_per_year * in_market_share * mean memory in years) adopters). Null: market.imitation_per_year / in_market_share, the least talk that can carry Bass's imitation with at most one purchase per in-market story. Assumption; fitting it to East, Hammond & Wright (2007)'s 3:1 (V1) would need more than one purchase per story (recoverysim/fits/wom.py shows it).")
    impression_memory_half_life_days: float = Field(90.0, gt=0.0, le=36_500.0, description="Half-life of a heard story in a prospect's mind (exponential memory): the stock of remembered impressions decays by half in this many days. Assumption.")
    impression_weight_positive: float = Field(1.0, ge=0.0, le=100.0, description="Effect on a prospect's purchase hazard of one remembered positive claim story, relative to one of the baseline recommendations inside Bass's q*F. Assumption: 1, as strong as a recommendation.")
    impression_weight_negative: float = Field(1.0, ge=0.0, le=100.0, description="Effect on a prospect's purchase hazard (downward) of one remembered negative claim story, relative to one baseline recommendation. Assumption: 1, no stronger than a positive one, as East, Hammond & Lomax (2008) (V1) find for familiar brands.")
    in_market_share: float = probability(0.3, "Share of people told who are in this product's market (customer or prospect). Assumption.")
    customer_loyalty_effect: float = probability(0.02, "Loyalty change of a customer who hears a story (up if positive, down if negative). Assumption.")
    public_post_below_satisfaction: float = probability(0.3, "Customers whose satisfaction ends below this may post publicly. Assumption.")
    public_post_after_contacts: int = Field(4, ge=1, le=1000, description="A customer whose claim has taken this many contacts without a decision may post publicly there and then (with the segment's public_post_probability, once per claim), as the blogger of seed story 004 did halfway through. Assumption.")
    public_post_reach_mean: float = nonnegative(200.0, "People reached by a public post. Assumption.", 1e7)
    post_update_share: float = probability(0.5, "Share of a public post's readers who also read the positive update a customer adds when a manager recovers the case (seed story 004: the blogger added 'full marks'). Assumption.")
    fraud_tips_per_outcome: float = nonnegative(2.0, "Opportunists told about each fraudulent claim's outcome; tips shape their belief in success. Assumption.", 1e4)

    @model_validator(mode="before")
    @classmethod
    def _no_removed_fields(cls, data):
        return refuse_removed_fields(data, REMOVED_WOM_FIELDS)


class Fraud(Frozen):
    """How opportunists decide to try, what they believe, and how well they fake proof.

    A customer who would consider fraud (segment.opportunist_share) is willing when the gain they expect
    from a claim exceeds the penalty they expect plus their own scruple (a moral cost in EUR).
    """

    prior_success_belief: float = probability(0.5, "Success chance opportunists believe in before hearing any tips. Assumption.")
    prior_caught_belief: float = probability(0.2, "Chance of being caught (the claim denied) opportunists believe in before hearing any tips. Assumption.")
    belief_weight: float = nonnegative(20.0, "Pseudo-count of the prior beliefs: tips needed to move them halfway. Assumption.", 1e6)
    prior_value_share: float = nonnegative(0.6, "Value to the cheater of a successful claim, as a share of the price, that opportunists expect before hearing any tips. Assumption: as a replacement (replace_value_share).", 10.0)
    refund_value_share: float = nonnegative(1.0, "Value to the cheater of a refund, as a share of the price: the money back. Assumption: 1.", 10.0)
    replace_value_share: float = nonnegative(0.6, "Value to the cheater of a replacement unit, as a share of the price: what a new unit sells for second hand. Assumption.", 10.0)
    repair_value_share: float = nonnegative(0.1, "Value to the cheater of a repair of a unit that was not broken, as a share of the price. Assumption: little.", 10.0)
    caught_penalty_eur: float = nonnegative(20.0, "What being caught costs a cheater, in EUR: the account closed (the brand sells them nothing more) and the embarrassment of being found out. Assumption; the value of future purchases to the customer is not known.", 1e6)
    scruple_scale_eur: float = Field(100.0, gt=0.0, le=1e6, description="Mean moral cost of cheating, in EUR, among those who would consider it (exponential across people). Assumption.")
    photo_forged_probability: float = probability(0.6, "Probability a fraudulent claimant supplies a convincing photo. Assumption.")
    receipt_forged_probability: float = probability(0.8, "Probability a fraudulent claimant supplies a receipt (they often own the product). Assumption.")


class Money(Frozen):
    """Prices and costs, in euros."""

    price_eur: float = nonnegative(200.0, "Price of the product. Assumption.")
    margin_share: float = probability(0.3, "Gross margin on a sale. Assumption.")
    unit_cost_eur: float = nonnegative(120.0, "Cost of a replacement unit. Assumption.")
    repair_cost_eur: float = nonnegative(40.0, "Cost of one repair. Assumption.")
    shipping_eur: float = nonnegative(10.0, "Cost of one shipment, one way. Assumption.")
    inspection_eur: float = nonnegative(25.0, "Cost of inspecting one returned item apart from the technician's time (handling, testing, paperwork; technician hours are money.technician_hour_eur). Assumption.")
    agent_hour_eur: float = nonnegative(30.0, "Cost of one staffed agent hour. Assumption.")
    technician_hour_eur: float = nonnegative(30.0, "Cost of one technician hour at the inspection bench (8 hours a day per technician, paid only under a policy that returns items for inspection). Assumption: as an agent hour.")
    status_update_eur: float = nonnegative(0.2, "Cost of one proactive status update. Assumption.")
    escalation_eur: float = nonnegative(80.0, "Manager time to handle one public complaint. Assumption.")
    discount_rate_per_year: float = Field(0.08, ge=0.0, le=10.0, description="Discount rate for the lifetime value of customers kept. Assumption.")


class Inspection(Frozen):
    """Return of the item to a bench where technicians decide."""

    technicians: TechnicianCount = Field("auto", description="Technicians at the inspection bench (a queue): 'auto' sizes the bench from the policy's inspection load to staffing.technician_utilisation and pays it as staffing.auto_desk_cost says (pooled by default: the hours its inspections take); a number fixes the bench, paid money.technician_hour_eur for 8 hours a day when the policy returns items for inspection. Assumption: 'auto', so that switching inspection on never brings an idle bench with it.")
    hours_mean: float = Field(1.0, gt=0.0, le=1e4, description="Mean inspection time (exponential); technicians work 8 hours a day. Assumption.")
    sensitivity: float = probability(0.7, "Probability inspection catches a fraudulent claim. Assumption.")
    specificity: float = probability(0.9, "Probability inspection passes an honest claim. Assumption; Accenture (2008) reports most returned electronics show 'no trouble found', which is where false denials come from.")


class Policy(Frozen):
    """One bundle of levers; trusting and suspicious are two points in this space."""

    name: str = Field(description="Policy name, unique within the scenario.")
    description: str = Field("", description="What the policy is, in words.")
    evidence: Literal["none", "photo", "receipt", "photo_and_receipt"] = Field("receipt", description="Proof asked before a claim is accepted.")
    return_for_inspection: bool = Field(False, description="Whether the item must be returned and inspected before a decision.")
    inspection: Inspection = Field(default_factory=Inspection, description="The inspection bench, used when return_for_inspection is true.")
    excluded_components: tuple[str, ...] = Field((), description="Components not covered by the warranty.")
    excluded_repair_charge_eur: float | None = Field(None, ge=0.0, le=1e9, description="Charge for repairing an excluded component; null to deny outright.")
    first_contact_resolution_probability: float = probability(0.7, "Probability the first agent can settle the claim (front-line authority). Source: SQM Group benchmarks, 67-70 % (vendor, method opaque).")
    single_case_owner: bool = Field(False, description="One person owns the case: no hand-offs to partners.")
    remedy: Literal["repair", "replace", "refund"] = Field("repair", description="What an approved claim gets.")
    shipping_days: float = nonnegative(3.0, "Days one shipment takes (item to the firm, or a repaired or new item to the customer). Assumption.", 3650.0)
    repair_turnaround_days: float = nonnegative(7.0, "Days a repair takes, shipping excluded. Assumption.", 3650.0)
    goodwill_eur: float = nonnegative(0.0, "Value to the customer of a goodwill gesture on an approved claim (bonus points, discount, loan).")
    goodwill_on_service_failure_eur: float = nonnegative(0.0, "Value to the customer of a gesture given only when service fails on an approved claim: it overran the expected resolution time or needed a second contact (seed story 001's loan scooter); doubled for a major failure; costs goodwill_cost_share per euro, as the flat gesture. Assumption: 0.")
    goodwill_cost_share: float = probability(0.5, "Cost to the firm per euro of goodwill value (bonus points cost less than they are worth). Assumption.")
    status_update_every_days: float | None = Field(None, gt=0.0, le=3650.0, description="Proactive status updates every k days; null for none.")
    escalation_watch: bool = Field(False, description="Whether public posts are watched and handled by a manager.")
    escalation_recovery_probability: float = probability(0.7, "Probability a manager's call recovers a customer who posted publicly. Assumption.")
    escalation_response_days: float = nonnegative(1.0, "Days until a manager calls a customer who posted publicly. Assumption.", 3650.0)
    escalation_compensation_eur: float = nonnegative(50.0, "Compensation a manager offers when recovering. Assumption.")
    auto_sized: tuple[Literal["chat", "phone", "email", "store", "inspection"], ...] = Field((), description="Set by the staffing step, not by hand: the desks (and 'inspection' for the bench) whose staff was sized 'auto' for this policy, paid as staffing.auto_desk_cost says.")
    channel_staff: dict[Literal["chat", "phone", "email", "store"], StaffCount] = Field(default_factory=dict, description="Staff per channel under this policy (an integer or 'auto'), replacing channels.<channel>.staff for the channels named (staffing is a policy choice). Assumption: empty, every channel keeps the scenario's staff.")

    def staff_for(self, channel: str, scenario_staff: int | str) -> int | str:
        """This policy's staff on a channel: its own channel_staff where it sets one, else the scenario's."""
        return self.channel_staff.get(channel, scenario_staff)


class Staffing(Frozen):
    """Targets that size every desk and bench written as 'auto' (recoverysim/staffing.py)."""

    answered_within_seconds: float = Field(60.0, gt=0.0, le=86_400.0, description="Service-level time: service_level_share of contacts should be answered within this many seconds of joining the queue. Assumption: the common call-centre practice of '80 % in 60 s' (industry convention, not a finding).")
    service_level_share: float = Field(0.8, gt=0.0, lt=1.0, description="Share of contacts to answer within answered_within_seconds (customers who give up first count as not answered). Assumption: the industry convention of 80 %.")
    max_abandonment_share: float = Field(0.05, gt=0.0, le=1.0, description="Highest share of contacts that may leave the queue before being answered, as Erlang A predicts. Assumption: 5 %, a common planning target.")
    technician_utilisation: float = Field(0.85, gt=0.0, le=1.0, description="Busy share of technician hours that an 'auto' inspection bench is sized to. Assumption: 85 %, a common planning ceiling that leaves slack for peaks.")
    auto_desk_cost: Literal["pooled", "dedicated"] = Field("pooled", description="What a policy pays for a desk or bench sized 'auto'. pooled: it is part of a shared contact centre (or workshop), so the policy pays the agent or technician time its own contacts and inspections take, divided by pooled_occupancy: costs follow load, idle time is not the policy's. dedicated: every staffed hour of the sized desk is paid, as for a fixed desk. Assumption: pooled, since warranty desks at a few contacts an hour are rarely staffed alone.")
    pooled_occupancy: float = Field(0.85, gt=0.0, le=1.0, description="Busy share of paid time in a pooled contact centre or workshop: each busy hour costs 1 / pooled_occupancy paid hours. Assumption: 85 %, a common planning ceiling.")


LeverValue = bool | int | float | str | None


class WhatIfLever(Frozen):
    """One lever of the what-if page: a dotted scenario path (``*`` for every list item) and the values to try."""

    path: str = Field(pattern=r"^[A-Za-z0-9_*.-]+$", max_length=200, description="Dotted path as for --set, e.g. policies.suspicious.return_for_inspection; '*' stands for every item of a list (policies.*.goodwill_eur).")
    label: str = Field("", max_length=80, description="What the page calls the lever; the path when empty.")
    values: tuple[LeverValue, ...] = Field(min_length=2, max_length=12, description="Values the page offers, in slider order; the grid runs every combination.")


class WhatIf(Frozen):
    """Levers of the self-contained what-if page (`recoverysim whatif`); every combination of their values is run."""

    levers: tuple[WhatIfLever, ...] = Field(min_length=1, max_length=3, description="Two or three levers; more would make the grid too slow to precompute.")
    replications: int = Field(2, ge=1, le=100, description="Replications per grid point and policy. Assumption: 2 keeps the grid quick; the page says how many.")

    @model_validator(mode="after")
    def _grid_is_small(self) -> "WhatIf":
        points = math.prod(len(lever.values) for lever in self.levers)
        if points > 60:
            raise ValueError(f"the what-if grid has {points} points (product of the levers' value counts); at most 60")
        paths = [lever.path for lever in self.levers]
        if len(set(paths)) != len(paths):
            raise ValueError("what-if lever paths must be different")
        return self


SweepValue = bool | int | float | str
_NUMBER = r"\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*"
_RANGE = re.compile(rf"{_NUMBER}:{_NUMBER}(?::\s*(\d+)\s*)?")
SWEEP_DESIGNS = ("grid", "latin_hypercube", "one_at_a_time")
MAX_SWEEP_POINTS = 100_000  # Assumption: beyond this a sweep is a mistake (days of work), not a plan


def parse_range(text: str) -> tuple[float, float, int | None] | None:
    """'lo:hi' or 'lo:hi:steps' as numbers, or None when `text` is not a range."""
    match = _RANGE.fullmatch(text)
    if match is None:
        return None
    low, high, steps = match.groups()
    return float(low), float(high), None if steps is None else int(steps)


class Sweep(Frozen):
    """Which points `recoverysim sweep` runs: a design over parameters named by dotted paths, as for --set."""

    design: Literal["grid", "latin_hypercube", "one_at_a_time"] = Field("grid", description="grid: every combination of the values; latin_hypercube: `points` points spread evenly over the ranges; one_at_a_time: the base scenario, then each parameter moved alone to each of its values (a tornado chart).")
    points: int | None = Field(None, ge=2, le=MAX_SWEEP_POINTS, description="Number of points of a latin_hypercube design; the other designs take theirs from the values.")
    parameters: dict[str, tuple[SweepValue, ...] | str] = Field(min_length=1, max_length=100, description="dotted.path: [v1, v2, ...] or 'lo:hi:steps' (steps evenly spaced values, both ends included); latin_hypercube takes 'lo:hi'.")

    @field_validator("parameters")
    @classmethod
    def _specs_are_well_formed(cls, parameters: dict) -> dict:
        for path, spec in parameters.items():
            if not re.fullmatch(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*", path):
                raise ValueError(f"{path!r} is not a dotted path such as market.segments.0.opportunist_share")
            if isinstance(spec, str):
                bounds = parse_range(spec)
                if bounds is None:
                    raise ValueError(f"{path}: {spec!r} must be a list of values, 'lo:hi:steps' or 'lo:hi'")
                if bounds[2] is not None and bounds[2] < 2:
                    raise ValueError(f"{path}: {spec!r} needs at least 2 steps")
            elif not spec:
                raise ValueError(f"{path}: needs at least one value")
        return parameters

    @model_validator(mode="after")
    def _design_fits_the_parameters(self) -> "Sweep":
        ranges = {path: parse_range(spec) for path, spec in self.parameters.items() if isinstance(spec, str)}
        if self.design == "latin_hypercube":
            if self.points is None:
                raise ValueError("a latin_hypercube design needs points: the number of points to run")
            lists = [path for path in self.parameters if path not in ranges or ranges[path][2] is not None]
            if lists:
                raise ValueError(f"a latin_hypercube design needs a range 'lo:hi' for every parameter ({', '.join(lists)})")
            return self
        if self.points is not None:
            raise ValueError(f"points is only used by the latin_hypercube design, not by {self.design}")
        if self.design == "grid":
            missing = [path for path, bounds in ranges.items() if bounds[2] is None]
            if missing:
                raise ValueError(f"a grid needs 'lo:hi:steps' or a list of values ({', '.join(missing)} have no steps)")
            size = math.prod(ranges[path][2] if path in ranges else len(spec) for path, spec in self.parameters.items())
            if size > MAX_SWEEP_POINTS:
                raise ValueError(f"the grid has {size} points; at most {MAX_SWEEP_POINTS}")
        return self


class Scenario(Frozen):
    """A whole simulated world and the policies to compare in it."""

    schema_version: Literal[1] = Field(SCHEMA_VERSION, description="Version of this file format.")
    name: str = Field("scenario", pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=100, description="Scenario name; names the default output folder.")
    description: str = Field("", description="The question the scenario answers, in words.")
    horizon_days: int = Field(730, ge=1, le=36_500, description="Simulated days.")
    seed: int = Field(1, ge=0, le=2**63 - 1, description="Seed of the first replication's random streams.")
    replications: int = Field(10, ge=1, le=100_000, description="Replications per policy.")
    market: Market = Field(default_factory=Market)
    product: Product = Field(default_factory=Product)
    channels: Channels = Field(default_factory=Channels)
    behaviour: Behaviour = Field(default_factory=Behaviour)
    word_of_mouth: WordOfMouth = Field(default_factory=WordOfMouth)
    fraud: Fraud = Field(default_factory=Fraud)
    money: Money = Field(default_factory=Money)
    staffing: Staffing = Field(default_factory=Staffing, description="Targets for desks and benches written as 'auto'.")
    policies: tuple[Policy, ...] = Field(min_length=1, description="Policies to compare; the first is the baseline of paired differences.")
    whatif: WhatIf | None = Field(None, description="Levers of the what-if page; null for the page's default levers (opportunist share and status updates).")
    sweep: Sweep | None = Field(None, description="The points `recoverysim sweep` runs; null when the scenario is not swept (or give them with --vary).")

    @model_validator(mode="after")
    def _policies_are_consistent(self) -> "Scenario":
        """Unique policy names and known excluded components, each error located at the field that is wrong.

        A plain ValueError here would be reported at the scenario as a whole; raising a
        ValidationError with locations (supported by pydantic-core) lets the loader name the line.
        """
        errors: list[InitErrorDetails] = []
        first_use: dict[str, int] = {}
        components = [c.name for c in self.product.components]
        for index, policy in enumerate(self.policies):
            if policy.name in first_use:
                errors.append(InitErrorDetails(
                    type=PydanticCustomError("duplicate_name", "policy names must be unique; policies.{first} has this name too", {"first": first_use[policy.name]}),
                    loc=("policies", index, "name"), input=policy.name))
            first_use.setdefault(policy.name, index)
            for position, component in enumerate(policy.excluded_components):
                if component not in components:
                    errors.append(InitErrorDetails(
                        type=PydanticCustomError("unknown_component", "no component of this name; components are {components}", {"components": ", ".join(components)}),
                        loc=("policies", index, "excluded_components", position), input=component))
        if errors:
            raise ValidationError.from_exception_data(type(self).__name__, errors)
        return self

    def policy(self, name: str) -> Policy:
        for policy in self.policies:
            if policy.name == name:
                return policy
        raise KeyError(name)


Scenario.model_rebuild()
