"""One replication: a scenario, a policy and a replication number in; tables out. Pure and
picklable."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from recoverysim.metrics import key_figures
from recoverysim.model.claim_record import Claim
from recoverysim.model.world import World
from recoverysim.scenario.schema import Scenario
from recoverysim.staffing import resolve_staffing

CLAIM_COLUMNS = (
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
    "wait_minutes",
    "decision",
    "remedy",
    "cost_eur",
    "satisfaction",
    "escalated",
)
DAILY_COLUMNS = (
    "day",
    "customers",
    "mean_loyalty",
    "cost_cumulative_eur",
    "wom_positive",
    "wom_negative",
    "fraud_willing_share",
)


@dataclass(frozen=True)
class ReplicationResult:
    """Everything one replication produced, keyed by policy and replication number."""

    policy: str
    replication: int
    figures: dict[str, float]
    claims: pd.DataFrame
    daily: pd.DataFrame
    journeys: dict[int, list] | None = None


def claims_frame(claims: list[Claim], scenario: Scenario) -> pd.DataFrame:
    """Claim objects as columns (a list of dicts costs ten times the memory)."""
    segments = [s.name for s in scenario.market.segments]
    components = [c.name for c in scenario.product.components]
    frame = pd.DataFrame(
        {
            "claim_id": np.array([c.claim_id for c in claims], dtype=np.int64),
            "customer_id": np.array([c.customer_id for c in claims], dtype=np.int64),
            "segment": pd.Categorical.from_codes([c.segment for c in claims], categories=segments)
            if claims
            else pd.Categorical([], categories=segments),
            "is_fraud": np.array([c.is_fraud for c in claims], dtype=bool),
            "component": pd.Categorical.from_codes(
                [c.component for c in claims], categories=components
            )
            if claims
            else pd.Categorical([], categories=components),
            "covered": np.array([c.covered for c in claims], dtype=bool),
            "channel": [c.channel for c in claims],
            "filed_day": np.array([c.filed_day for c in claims], dtype=float),
            "closed_day": np.array([c.closed_day for c in claims], dtype=float),
            "contacts": np.array([c.contacts for c in claims], dtype=np.int64),
            "transfers": np.array([c.transfers for c in claims], dtype=np.int64),
            "drops": np.array([c.drops for c in claims], dtype=np.int64),
            "wait_minutes": np.array([c.wait_days * 1440.0 for c in claims], dtype=float),
            "decision": [c.decision for c in claims],
            "remedy": [c.remedy for c in claims],
            "cost_eur": np.array([c.cost_eur for c in claims], dtype=float),
            "satisfaction": np.array([c.satisfaction for c in claims], dtype=float),
            "escalated": np.array([c.escalated for c in claims], dtype=bool),
        }
    )
    for column in ("segment", "component"):
        frame[column] = frame[column].astype(str)
    return frame


def run_replication(
    scenario: Scenario, policy: str, replication: int, keep_log: bool = False
) -> ReplicationResult:
    """Simulate one world under `policy`; replication r uses the same random streams under every
    policy.

    Staff written as 'auto' is sized first (recoverysim.staffing; cached, so once per scenario and
    process).
    """
    scenario = resolve_staffing(scenario)
    world = World(scenario, scenario.policy(policy), replication, keep_log=keep_log)
    world.run()
    claims = world.all_claims()
    frame = claims_frame(claims, scenario)
    daily = pd.DataFrame({"day": np.arange(scenario.horizon_days), **world.daily})
    journeys = {c.claim_id: c.log for c in claims} if keep_log else None
    figures = key_figures(frame, world.totals())
    world.release()
    return ReplicationResult(policy, replication, figures, frame, daily, journeys)
