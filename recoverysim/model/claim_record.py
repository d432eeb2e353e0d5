"""What happened to one claim: the record a claim process fills in, one row of claims.parquet.

Kept apart from model/claims.py (what a claim does) so that the world, the tables and the trace
read the record without the process.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from recoverysim.model.luck import ClaimLuck


class Claim:
    """What happened to one claim; becomes one row of claims.parquet."""

    __slots__ = (
        "claim_id",
        "customer_id",
        "segment",
        "is_fraud",
        "component",
        "covered",
        "channel",
        "filed_day",
        "closed_day",
        "contacts",
        "transfers",
        "drops",
        "wait_days",
        "decision",
        "remedy",
        "cost_eur",
        "satisfaction",
        "customer_shipments",
        "travel_hours",
        "honest_asked_for_proof",
        "suspected",
        "silent_since",
        "longest_silence_days",
        "updates",
        "missed_updates",
        "escalated",
        "manager_owned",
        "compensation_eur",
        "first_failure",
        "luck",
        "log",
    )

    def __init__(
        self,
        claim_id: int,
        customer_id: int,
        segment: int,
        is_fraud: bool,
        component: int,
        covered: bool,
        channel: str,
        filed_day: float,
        first_failure: bool,
        luck: ClaimLuck,
        log: list | None,
    ):
        self.claim_id = claim_id
        self.customer_id = customer_id
        self.segment = segment
        self.is_fraud = is_fraud
        self.component = component
        self.covered = covered
        self.channel = channel
        self.filed_day = filed_day
        self.closed_day = math.nan
        self.contacts = 0
        self.transfers = 0
        self.drops = 0
        self.wait_days = 0.0
        self.decision = "open"
        self.remedy = "none"
        self.cost_eur = 0.0
        self.satisfaction = math.nan
        self.customer_shipments = 0
        self.travel_hours = 0.0
        self.honest_asked_for_proof = False
        self.suspected = False
        self.silent_since = filed_day
        self.longest_silence_days = 0.0
        self.updates = 0
        self.missed_updates = 0
        self.escalated = False
        self.manager_owned = False
        self.compensation_eur = 0.0
        self.first_failure = first_failure
        self.luck = luck
        self.log = log
