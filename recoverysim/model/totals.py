"""What a finished replication counts beyond its claims table, and the outcome classes repurchase is
counted by."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: Outcome classes of an honest claimant (or a silent failure) for repurchase by outcome (TARP's
#: rows).
OUTCOME_CLASSES = ("fast_fix", "slow_fix", "denied", "abandoned", "silent_failure")
OUTCOME = {name: index for index, name in enumerate(OUTCOME_CLASSES)}
#: Failure severities (Component.severity); repurchase by outcome is also counted per severity
#: (TARP's two tables).
SEVERITIES = ("minor", "major")


@dataclass
class WorldTotals:
    """Counters of a finished run that the claims table does not hold."""

    costs_eur: dict[str, float]
    sales_margin_eur: float
    repair_charges_eur: float
    initial_customers: int
    initial_customers_kept: int
    customers_end: int
    customers_won_base: int
    customers_won_wom: int
    customers_lost_wom: int
    customers_lost_at_purchase: int
    wom_positive: int
    wom_negative: int
    #: Positive impressions of the baseline talk of customers (Bass's q*F): baseline_told_per_year
    #: per customer-year.
    wom_baseline_positive: float
    customer_value_eur: float
    unclaimed_failures: int
    fraud_accounts_closed: int
    net_result_day0_eur: float
    customer_value_day0_eur: float
    repurchase_claimants: dict[str, int]
    repurchase_buyers: dict[str, int]
    lever_reach: dict[str, int]
    #: Per channel: agent hours spent serving, and agent hours staffed (staff x open hours x days).
    agent_busy_hours: dict[str, float] = field(default_factory=dict)
    agent_staffed_hours: dict[str, float] = field(default_factory=dict)
    technician_busy_hours: float = 0.0
    technician_paid_hours: float = 0.0
    #: As repurchase_claimants / repurchase_buyers, keyed "<outcome>_<severity>" (severity of the
    #: failure claimed).
    repurchase_claimants_by_severity: dict[str, int] = field(default_factory=dict)
    repurchase_buyers_by_severity: dict[str, int] = field(default_factory=dict)


def by_outcome(cells: np.ndarray) -> dict[str, int]:
    """Counts per outcome class, both severities together."""
    return dict(zip(OUTCOME_CLASSES, cells.reshape(len(SEVERITIES), -1).sum(axis=0).tolist()))


def by_outcome_and_severity(cells: np.ndarray) -> dict[str, int]:
    """Counts keyed "<outcome>_<severity>"."""
    names = [f"{outcome}_{severity}" for severity in SEVERITIES for outcome in OUTCOME_CLASSES]
    return dict(zip(names, cells.tolist()))
