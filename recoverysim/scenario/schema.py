"""Frozen, validated types for a scenario; every default says where it comes from.

Each field's description ends with its provenance: ``Source: ...`` for a figure
taken from the literature listed in docs/model.md, ``Assumption: ...`` for the
rest. `recoverysim params` prints these descriptions as a table.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, ValidationError, WithJsonSchema, WrapValidator, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from recoverysim.scenario.fields import (  # noqa: F401 (re-exported)
    FolderName,
    Frozen,
    Name,
    Switch,
    nonnegative,
    probability,
    refuse_removed_fields,
)
from recoverysim.scenario.market import Component, Market, Product, Segment  # noqa: F401 (re-exported)
from recoverysim.scenario.people import (  # noqa: F401 (re-exported)
    REMOVED_BEHAVIOUR_FIELDS,
    REMOVED_WOM_FIELDS,
    TARP_FIT,
    Behaviour,
    Fraud,
    WordOfMouth,
)
from recoverysim.scenario.tools import (  # noqa: F401 (re-exported)
    DISTRIBUTION_FIELDS,
    MAX_SWEEP_POINTS,
    SAMPLED_DESIGNS,
    SWEEP_DESIGNS,
    Distribution,
    LeverValue,
    Sweep,
    SweepValue,
    WhatIf,
    WhatIfLever,
    parse_range,
)

SCHEMA_VERSION = 1
CHANNEL_NAMES = ("chat", "phone", "email", "store")
#: The value of a staff count that recoverysim sizes itself from the load (see
#: recoverysim/staffing.py).
AUTO = "auto"
MAX_STAFF = 100_000


def _count_or_auto(minimum: int) -> WrapValidator:
    """Accept 'auto' or an integer in [minimum, MAX_STAFF], with pydantic's own wording for a number
    out of range."""

    def check(value: object, handler: object) -> int | str:
        if value == AUTO:
            return AUTO
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise PydanticCustomError(
                "count_or_auto", "must be an integer >= {minimum} or 'auto'", {"minimum": minimum}
            )
        try:
            number = float(value)
        except ValueError:
            raise PydanticCustomError(
                "count_or_auto", "must be an integer >= {minimum} or 'auto'", {"minimum": minimum}
            ) from None
        if not number.is_integer():
            raise PydanticCustomError(
                "count_or_auto", "must be an integer >= {minimum} or 'auto'", {"minimum": minimum}
            )
        if number < minimum:
            raise PydanticCustomError(
                "greater_than_equal",
                "Input should be greater than or equal to {ge}",
                {"ge": minimum},
            )
        if number > MAX_STAFF:
            raise PydanticCustomError(
                "less_than_equal", "Input should be less than or equal to {le}", {"le": MAX_STAFF}
            )
        return int(number)

    return WrapValidator(check)


def _count_or_auto_schema(minimum: int) -> WithJsonSchema:
    return WithJsonSchema(
        {"anyOf": [{"type": "integer", "minimum": minimum, "maximum": MAX_STAFF}, {"const": AUTO}]}
    )


#: Agents at a desk: an integer >= 0, or 'auto' (sized by recoverysim.staffing from the load).
StaffCount = Annotated[int | Literal["auto"], _count_or_auto(0), _count_or_auto_schema(0)]
#: Technicians at a bench: an integer >= 1, or 'auto'.
TechnicianCount = Annotated[int | Literal["auto"], _count_or_auto(1), _count_or_auto_schema(1)]


class Channel(Frozen):
    """A contact channel served by staff in opening hours, with a queue customers may leave."""

    staff: StaffCount = Field(
        5,
        description="Agents serving this channel at once while it is open, or 'auto': as few as "
        "meet the scenario's staffing targets for this channel's load under each policy (see "
        "staffing). Assumption.",
    )
    opens_hour: float = Field(
        8.0, ge=0.0, le=24.0, description="Hour of day the channel opens. Assumption."
    )
    closes_hour: float = Field(
        20.0,
        ge=0.0,
        le=24.0,
        description="Hour of day the channel closes (24 with opens_hour 0 is round the clock). "
        "Assumption.",
    )
    service_minutes_mean: float = Field(
        8.0, gt=0.0, le=100_000.0, description="Mean handling time of one contact. Assumption."
    )
    service_minutes_cv: float = nonnegative(
        1.0,
        "Coefficient of variation of handling time (lognormal; 1 with service_distribution "
        "exponential). Source for the lognormal form: Brown et al. (2005), JASA 100(469):36-50.",
        10.0,
    )
    service_distribution: Literal["exponential", "lognormal"] = Field(
        "lognormal",
        description="Distribution of handling time. Source: Brown et al. (2005) find call-centre "
        "service times lognormal.",
    )
    patience_minutes_mean: float | None = Field(
        10.0,
        gt=0.0,
        le=1e6,
        description="Mean patience in the queue (exponential, as in Erlang A); null for "
        "customers who never leave the queue. Assumption.",
    )
    retry_probability: float = probability(
        0.7,
        "Probability that a customer who left the queue or was cut off tries again. Assumption.",
    )
    retry_delay_hours_mean: float = Field(
        4.0,
        gt=0.0,
        le=1e5,
        description="Mean delay before a retry (exponential); above 0 so that a retry takes time. "
        "Assumption.",
    )
    transfer_drop_probability: float = probability(
        0.1,
        "Probability that a transferred contact is dropped on the way (a phone line cut; 0 by "
        "default on chat, e-mail and store). Assumption.",
    )
    partner_handoff_probability: float = probability(
        0.0,
        "Probability that the case is sent to a partner organisation (operator, manufacturer) "
        "instead of being handled, unless the policy keeps one owner. Assumption: 0.",
    )
    partner_bounce_probability: float = probability(
        0.5, "Probability that the partner sends the customer back again. Assumption."
    )
    partner_delay_days_mean: float = nonnegative(
        2.0, "Mean days lost per hand-off to the partner. Assumption.", 3650.0
    )
    response_hours_mean: float = nonnegative(
        0.0,
        "Mean delay before a written contact is picked up at all (e-mail); 0 for live channels. "
        "Assumption.",
        1e5,
    )
    travel_minutes_each_way: float = nonnegative(
        0.0, "Customer travel to reach the channel (store); counts as effort. Assumption.", 1e5
    )

    @model_validator(mode="after")
    def _hours_are_ordered(self) -> Channel:
        if self.closes_hour <= self.opens_hour:
            raise ValueError(
                f"closes_hour must be after opens_hour ({self.opens_hour:g} to "
                f"{self.closes_hour:g})"
            )
        return self

    @property
    def open_hours_per_day(self) -> float:
        return self.closes_hour - self.opens_hour


#: Each channel's own defaults (Assumptions); a channel written in part keeps these for the fields
#: it leaves out. Only a phone transfer can drop the line; a chat, e-mail or store hand-over cannot
#: (transfer_drop_probability 0).
CHANNEL_DEFAULTS: dict[str, dict] = {
    "chat": {
        "staff": 1,
        "opens_hour": 0.0,
        "closes_hour": 24.0,
        "service_minutes_mean": 12.0,
        "patience_minutes_mean": 5.0,
        "transfer_drop_probability": 0.0,
    },
    "phone": {"staff": 2, "service_minutes_mean": 8.0},
    "email": {
        "staff": 1,
        "service_minutes_mean": 10.0,
        "patience_minutes_mean": None,
        "response_hours_mean": 12.0,
        "transfer_drop_probability": 0.0,
    },
    "store": {
        "staff": 1,
        "opens_hour": 10.0,
        "closes_hour": 18.0,
        "service_minutes_mean": 15.0,
        "patience_minutes_mean": None,
        "travel_minutes_each_way": 30.0,
        "transfer_drop_probability": 0.0,
    },
}


class Channels(Frozen):
    """The four ways a claim can reach the firm."""

    chat: Channel = Field(
        default_factory=lambda: Channel(**CHANNEL_DEFAULTS["chat"]),
        description="Live chat, round the clock.",
    )
    phone: Channel = Field(
        default_factory=lambda: Channel(**CHANNEL_DEFAULTS["phone"]), description="Phone queue."
    )
    email: Channel = Field(
        default_factory=lambda: Channel(**CHANNEL_DEFAULTS["email"]), description="E-mail."
    )
    store: Channel = Field(
        default_factory=lambda: Channel(**CHANNEL_DEFAULTS["store"]), description="Store counter."
    )

    @model_validator(mode="before")
    @classmethod
    def _channel_defaults_under_written_fields(cls, data: object) -> object:
        """A channel written in part (e.g. `chat: {staff: 3}`) keeps the rest of its own defaults,
        not the generic ones."""
        if not isinstance(data, dict):
            return data
        return {
            name: {**CHANNEL_DEFAULTS[name], **value}
            if name in CHANNEL_DEFAULTS and isinstance(value, dict)
            else value
            for name, value in data.items()
        }

    def items(self) -> list[tuple[str, Channel]]:
        return [(name, getattr(self, name)) for name in CHANNEL_NAMES]


class Money(Frozen):
    """Prices and costs, in euros."""

    price_eur: float = nonnegative(200.0, "Price of the product. Assumption.")
    margin_share: float = probability(0.3, "Gross margin on a sale. Assumption.")
    unit_cost_eur: float = nonnegative(120.0, "Cost of a replacement unit. Assumption.")
    repair_cost_eur: float = nonnegative(40.0, "Cost of one repair. Assumption.")
    shipping_eur: float = nonnegative(10.0, "Cost of one shipment, one way. Assumption.")
    inspection_eur: float = nonnegative(
        25.0,
        "Cost of inspecting one returned item apart from the technician's time (handling, testing, "
        "paperwork; technician hours are money.technician_hour_eur). Assumption.",
    )
    agent_hour_eur: float = nonnegative(30.0, "Cost of one staffed agent hour. Assumption.")
    technician_hour_eur: float = nonnegative(
        30.0,
        "Cost of one technician hour at the inspection bench (8 hours a day per technician, paid "
        "only under a policy that returns items for inspection). Assumption: as an agent hour.",
    )
    status_update_eur: float = nonnegative(0.2, "Cost of one proactive status update. Assumption.")
    escalation_eur: float = nonnegative(
        80.0, "Manager time to handle one public complaint. Assumption."
    )
    discount_rate_per_year: float = Field(
        0.08,
        ge=0.0,
        le=10.0,
        description="Discount rate for the lifetime value of customers kept. Assumption.",
    )


class Inspection(Frozen):
    """Return of the item to a bench where technicians decide."""

    technicians: TechnicianCount = Field(
        "auto",
        description="Technicians at the inspection bench (a queue): 'auto' sizes the bench from "
        "the policy's inspection load to staffing.technician_utilisation and pays it as "
        "staffing.auto_desk_cost says (pooled by default: the hours its inspections take); a "
        "number fixes the bench, paid money.technician_hour_eur for 8 hours a day when the "
        "policy returns items for inspection. Assumption: 'auto', so that switching "
        "inspection on never brings an idle bench with it.",
    )
    hours_mean: float = Field(
        1.0,
        gt=0.0,
        le=1e4,
        description="Mean inspection time (exponential); technicians work 8 hours a day. "
        "Assumption.",
    )
    sensitivity: float = probability(
        0.7, "Probability inspection catches a fraudulent claim. Assumption."
    )
    specificity: float = probability(
        0.9,
        "Probability inspection passes an honest claim. Assumption; Accenture (2008) reports "
        "most returned electronics show 'no trouble found', which is where false denials come "
        "from.",
    )


class Policy(Frozen):
    """One bundle of levers; trusting and suspicious are two points in this space."""

    name: Name = Field(
        description="Policy name, unique within the scenario; see fields.NAME_PATTERN."
    )
    description: str = Field("", description="What the policy is, in words.")
    evidence: Literal["none", "photo", "receipt", "photo_and_receipt"] = Field(
        "receipt", description="Proof asked before a claim is accepted."
    )
    return_for_inspection: Switch = Field(
        False, description="Whether the item must be returned and inspected before a decision."
    )
    inspection: Inspection = Field(
        default_factory=Inspection,
        description="The inspection bench, used when return_for_inspection is true.",
    )
    excluded_components: tuple[str, ...] = Field(
        (), description="Components not covered by the warranty."
    )
    excluded_repair_charge_eur: float | None = Field(
        None,
        ge=0.0,
        le=1e9,
        description="Charge for repairing an excluded component; null to deny outright.",
    )
    first_contact_resolution_probability: float = probability(
        0.7,
        "Probability the first agent can settle the claim (front-line authority). Source: SQM "
        "Group benchmarks, 67-70 % (vendor, method opaque).",
    )
    single_case_owner: Switch = Field(
        False, description="One person owns the case: no hand-offs to partners."
    )
    remedy: Literal["repair", "replace", "refund"] = Field(
        "repair", description="What an approved claim gets."
    )
    shipping_days: float = nonnegative(
        3.0,
        "Days one shipment takes (item to the firm, or a repaired or new item to the customer). "
        "Assumption.",
        3650.0,
    )
    repair_turnaround_days: float = nonnegative(
        7.0, "Days a repair takes, shipping excluded. Assumption.", 3650.0
    )
    goodwill_eur: float = nonnegative(
        0.0,
        "Value to the customer of a goodwill gesture on an approved claim (bonus points, "
        "discount, loan).",
    )
    goodwill_on_service_failure_eur: float = nonnegative(
        0.0,
        "Value to the customer of a gesture given only when service fails on an approved claim: "
        "it overran the expected resolution time or needed a second contact (seed story 001's "
        "loan scooter); doubled for a major failure; costs goodwill_cost_share per euro, as the "
        "flat gesture. Assumption: 0.",
    )
    goodwill_cost_share: float = probability(
        0.5,
        "Cost to the firm per euro of goodwill value (bonus points cost less than they are "
        "worth). Assumption.",
    )
    status_update_every_days: float | None = Field(
        None, gt=0.0, le=3650.0, description="Proactive status updates every k days; null for none."
    )
    escalation_watch: Switch = Field(
        False, description="Whether public posts are watched and handled by a manager."
    )
    escalation_recovery_probability: float = probability(
        0.7, "Probability a manager's call recovers a customer who posted publicly. Assumption."
    )
    escalation_response_days: float = nonnegative(
        1.0, "Days until a manager calls a customer who posted publicly. Assumption.", 3650.0
    )
    escalation_compensation_eur: float = nonnegative(
        50.0, "Compensation a manager offers when recovering. Assumption."
    )
    auto_sized: tuple[Literal["chat", "phone", "email", "store", "inspection"], ...] = Field(
        (),
        description="Set by the staffing step, not by hand: the desks (and 'inspection' for the "
        "bench) whose staff was sized 'auto' for this policy, paid as "
        "staffing.auto_desk_cost says.",
    )
    channel_staff: dict[Literal["chat", "phone", "email", "store"], StaffCount] = Field(
        default_factory=dict,
        description="Staff per channel under this policy (an integer or 'auto'), replacing "
        "channels.<channel>.staff for the channels named (staffing is a policy choice). "
        "Assumption: empty, every channel keeps the scenario's staff.",
    )

    def staff_for(self, channel: str, scenario_staff: int | str) -> int | str:
        """This policy's staff on a channel: its own channel_staff where it sets one, else the
        scenario's."""
        return self.channel_staff.get(channel, scenario_staff)


class Staffing(Frozen):
    """Targets that size every desk and bench written as 'auto' (recoverysim/staffing.py)."""

    answered_within_seconds: float = Field(
        60.0,
        gt=0.0,
        le=86_400.0,
        description="Service-level time: service_level_share of contacts should be answered "
        "within this many seconds of joining the queue. Assumption: the common call-centre "
        "practice of '80 % in 60 s' (industry convention, not a finding).",
    )
    service_level_share: float = Field(
        0.8,
        gt=0.0,
        lt=1.0,
        description="Share of contacts to answer within answered_within_seconds (customers who "
        "give up first count as not answered). Assumption: the industry convention of 80 %.",
    )
    max_abandonment_share: float = Field(
        0.05,
        gt=0.0,
        le=1.0,
        description="Highest share of contacts that may leave the queue before being answered, "
        "as Erlang A predicts. Assumption: 5 %, a common planning target.",
    )
    technician_utilisation: float = Field(
        0.85,
        gt=0.0,
        le=1.0,
        description="Busy share of technician hours that an 'auto' inspection bench is sized to. "
        "Assumption: 85 %, a common planning ceiling that leaves slack for peaks.",
    )
    auto_desk_cost: Literal["pooled", "dedicated"] = Field(
        "pooled",
        description="What a policy pays for a desk or bench sized 'auto'. pooled: it is part of "
        "a shared contact centre (or workshop), so the policy pays the agent or technician "
        "time its own contacts and inspections take, divided by pooled_occupancy: costs "
        "follow load, idle time is not the policy's. dedicated: every staffed hour of the "
        "sized desk is paid, as for a fixed desk. Assumption: pooled, since warranty desks "
        "at a few contacts an hour are rarely staffed alone.",
    )
    pooled_occupancy: float = Field(
        0.85,
        gt=0.0,
        le=1.0,
        description="Busy share of paid time in a pooled contact centre or workshop: each busy "
        "hour costs 1 / pooled_occupancy paid hours. Assumption: 85 %, a common planning "
        "ceiling.",
    )


class Scenario(Frozen):
    """A whole simulated world and the policies to compare in it."""

    schema_version: Literal[1] = Field(SCHEMA_VERSION, description="Version of this file format.")
    name: FolderName = Field(
        "scenario", description="Scenario name; names the default output folder."
    )
    description: str = Field("", description="The question the scenario answers, in words.")
    horizon_days: int = Field(730, ge=1, le=36_500, description="Simulated days.")
    seed: int = Field(
        1, ge=0, le=2**63 - 1, description="Seed of the first replication's random streams."
    )
    replications: int = Field(10, ge=1, le=100_000, description="Replications per policy.")
    market: Market = Field(default_factory=Market)
    product: Product = Field(default_factory=Product)
    channels: Channels = Field(default_factory=Channels)
    behaviour: Behaviour = Field(default_factory=Behaviour)
    word_of_mouth: WordOfMouth = Field(default_factory=WordOfMouth)
    fraud: Fraud = Field(default_factory=Fraud)
    money: Money = Field(default_factory=Money)
    staffing: Staffing = Field(
        default_factory=Staffing, description="Targets for desks and benches written as 'auto'."
    )
    policies: tuple[Policy, ...] = Field(
        min_length=1,
        description="Policies to compare; the first is the baseline of paired differences.",
    )
    whatif: WhatIf | None = Field(
        None,
        description="Levers of the what-if page; null for the page's default levers (opportunist "
        "share and status updates).",
    )
    sweep: Sweep | None = Field(
        None,
        description="The points `recoverysim sweep` runs; null when the scenario is not swept "
        "(or give them with --vary).",
    )

    @model_validator(mode="after")
    def _policies_are_consistent(self) -> Scenario:
        """Unique policy names and known excluded components, each error located at the field that
        is wrong.

        A plain ValueError here would be reported at the scenario as a whole; raising a
        ValidationError with locations (supported by pydantic-core) lets the loader name the line.
        """
        errors: list[InitErrorDetails] = []
        first_use: dict[str, int] = {}
        components = [c.name for c in self.product.components]
        for index, policy in enumerate(self.policies):
            if policy.name in first_use:
                errors.append(
                    InitErrorDetails(
                        type=PydanticCustomError(
                            "duplicate_name",
                            "policy names must be unique; policies.{first} has this name too",
                            {"first": first_use[policy.name]},
                        ),
                        loc=("policies", index, "name"),
                        input=policy.name,
                    )
                )
            first_use.setdefault(policy.name, index)
            for position, component in enumerate(policy.excluded_components):
                if component not in components:
                    errors.append(
                        InitErrorDetails(
                            type=PydanticCustomError(
                                "unknown_component",
                                "no component of this name; components are {components}",
                                {"components": ", ".join(components)},
                            ),
                            loc=("policies", index, "excluded_components", position),
                            input=component,
                        )
                    )
        if errors:
            raise ValidationError.from_exception_data(type(self).__name__, errors)
        return self

    def policy(self, name: str) -> Policy:
        for policy in self.policies:
            if policy.name == name:
                return policy
        raise KeyError(name)


Scenario.model_rebuild()
