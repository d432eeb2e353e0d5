"""Scenario sections about the market and the product: segments, Bass adoption, components and
warranty.

Split from schema.py, which re-exports every name here.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, field_validator, model_validator

from recoverysim.scenario.fields import Frozen, Name, nonnegative, probability


class Segment(Frozen):
    """A group of customers who behave alike."""

    name: Name = Field(description="Segment name, used in outputs; see fields.NAME_PATTERN.")
    share: float = Field(
        ge=0.0,
        le=1.0,
        description="Share of customers and prospects in this segment; shares sum to 1.",
    )
    price_multiplier: float = Field(
        1.0,
        gt=0.0,
        le=100.0,
        description="Price tier: price paid relative to money.price_eur. Assumption: 1.",
    )
    opportunist_share: float = probability(
        0.05,
        "Opportunists among customers: the share of the segment's customers who would ever "
        "consider a claim without a real defect; the rest never would (an infinite scruple). A "
        "share of customers, not of claims: the fraudulent share of claims (the figure "
        "fraud_share) is an output and differs widely (the fit of fraud_attempts_per_year: 5 % "
        "opportunists give 12.5 % fraudulent claims under the canonical trusting policy). "
        "Whether one who would does so depends on their scruple and the segment's beliefs (see "
        "fraud). Assumption, inside the 3-15 % of warranty billing that Kurvinen, Toyryla & "
        "Murthy (2016) call fraudulent.",
    )
    fraud_attempts_per_year: float = nonnegative(
        0.102,
        "Fraudulent claims per year by a customer who is willing (expected gain above the "
        "expected penalty plus their scruple) and whose product is inside the warranty. Fitted "
        "by recoverysim/fits/fraud.py so that fraud is 12.5 % of claims under the canonical "
        "trusting policy, the middle of retail return fraud at 10.3-15.1 % of returns. Source: "
        "NRF / Appriss Retail (2021-2024) (V1/V2).",
        365.0,
    )
    complaint_probability: float = probability(
        0.6,
        "Probability that a customer whose product fails files a claim rather than leaving "
        "silently. Assumption (TARP's 'for every complaint, 26 stay silent' is folklore and "
        "concerns complaints to head office).",
    )
    social_reach_multiplier: float = nonnegative(
        1.0, "How many more people than average this segment tells. Assumption: 1.", 100.0
    )
    public_post_probability: float = probability(
        0.15,
        "Probability that a customer whose claim ends badly posts about it publicly. Assumption, "
        "below the 32 % of problem-experiencers who posted in the National Customer Rage Study "
        "2023.",
    )
    initial_loyalty: float = probability(
        0.85,
        "Loyalty (probability of buying again at the next purchase occasion) of a customer with "
        "no bad experience. Assumption.",
    )
    chat_share: float = probability(
        0.3, "Share of this segment's claims that start on chat. Assumption."
    )
    phone_share: float = probability(0.4, "Share of claims that start on the phone. Assumption.")
    email_share: float = probability(0.2, "Share of claims that start by e-mail. Assumption.")
    store_share: float = probability(0.1, "Share of claims that start in a store. Assumption.")

    @model_validator(mode="after")
    def _channel_mix_sums_to_one(self) -> Segment:
        total = self.chat_share + self.phone_share + self.email_share + self.store_share
        if not math.isclose(total, 1.0, abs_tol=1e-6):
            raise ValueError(
                "chat_share + phone_share + email_share + store_share must sum to 1 (they sum to "
                f"{total:g})"
            )
        return self


def _default_segments() -> tuple[Segment, ...]:
    return (Segment(name="everyone", share=1.0),)


class Market(Frozen):
    """Who owns the product, who might buy it, and how prospects are won."""

    initial_customers: int = Field(
        50_000,
        ge=0,
        le=10_000_000,
        description="Customers who own the product at day 0. Assumption.",
    )
    prospects: int = Field(
        50_000,
        ge=0,
        le=10_000_000,
        description="People who might buy during the horizon (the Bass market potential not yet "
        "served). Assumption.",
    )
    innovation_per_year: float = nonnegative(
        0.03,
        "Bass coefficient of innovation p. Source: Sultan, Farley & Lehmann (1990), mean of 213 "
        "applications (V2).",
        100.0,
    )
    imitation_per_year: float = nonnegative(
        0.38,
        "Bass coefficient of imitation q. Source: Sultan, Farley & Lehmann (1990), mean of 213 "
        "applications (V2).",
        100.0,
    )
    leniency_purchase_effect: float = Field(
        0.1,
        ge=0.0,
        le=1.0,
        description="Relative change of a prospect's purchase hazard (Bass p and q alike) from the "
        "strictest warranty policy (leniency index 0) to the most lenient (1), centred on an "
        "index of 0.5; 0 switches it off. Assumption constrained to the direction of "
        "Janakiraman, Syrdal & Freling (2016) (V1 direction: lenient return policies raise "
        "purchases); small, well below the 55 % of consumers who said a restrictive return "
        "policy stopped a purchase (Appriss Retail & Deloitte 2024, V2).",
    )
    leniency_repurchase_effect: float = Field(
        0.02,
        ge=0.0,
        le=1.0,
        description="Relative change of a customer's repurchase probability at a purchase "
        "occasion from the strictest policy (leniency index 0) to the most lenient (1), "
        "centred on 0.5; 0 switches it off. Assumption constrained to the direction of "
        "Janakiraman, Syrdal & Freling (2016) (V1 direction).",
    )
    segments: tuple[Segment, ...] = Field(
        default_factory=_default_segments,
        min_length=1,
        description="Customer segments; shares sum to 1.",
    )

    @model_validator(mode="after")
    def _segments_are_consistent(self) -> Market:
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

    name: Name = Field(description="Component name; policies exclude components by this name.")
    failures_per_year: float = nonnegative(
        0.05,
        "Failure rate in the first year (Weibull scale chosen so the expected count in year one "
        "is this). Assumption, giving claim costs near the 1.5 % of revenue Warranty Week (2019) "
        "reports.",
        100.0,
    )
    weibull_shape: float = Field(
        1.0,
        gt=0.1,
        le=10.0,
        description="Weibull shape: 1 is a constant hazard, above 1 wear-out, below 1 infant "
        "mortality. Assumption: 1.",
    )
    severity: Literal["minor", "major"] = Field(
        "minor",
        description="How badly a failure hurts: a major one lowers the satisfaction of the whole "
        "episode and weighs more on loyalty, as in TARP's major-problem rows (V2). "
        "Assumption: minor.",
    )


def _default_components() -> tuple[Component, ...]:
    return (
        Component(name="device", failures_per_year=0.03),
        Component(name="strap", failures_per_year=0.01),
    )


class Product(Frozen):
    """What customers own: its components, warranty and replacement cycle."""

    components: tuple[Component, ...] = Field(
        default_factory=_default_components, min_length=1, description="Components that can fail."
    )
    warranty_days: float = nonnegative(
        730.0,
        "Warranty length from purchase; failures after it are not claimed. Assumption: the EU "
        "legal guarantee of two years.",
        36_500.0,
    )
    replacement_cycle_days: float = Field(
        1095.0,
        gt=0.0,
        le=36_500.0,
        description="Mean time between purchase occasions (exponential); at each the customer "
        "rebuys with their loyalty. Assumption: three years.",
    )

    @field_validator("components")
    @classmethod
    def _unique_component_names(cls, components: tuple[Component, ...]) -> tuple[Component, ...]:
        names = [c.name for c in components]
        if len(set(names)) != len(names):
            raise ValueError("component names must be unique")
        return components
