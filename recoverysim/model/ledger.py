"""The money of one run: costs by component, sales margin and repair charges, each also discounted
to day 0.

Every amount is booked at the simulated day it happens, so that the undiscounted
net result and its value at day 0 come from one set of entries.
"""

from __future__ import annotations

import math

import numpy as np

#: Cost components, each a cost_<name>_eur figure. "staff" is agent hours at the channel desks only;
#: "technicians" is technician hours at the inspection bench (paid only by a policy that inspects);
#: "inspection" stays the cost per inspection. staff and technicians are time, not claims' own
#: costs.
COST_COMPONENTS = (
    "remedies",
    "fraud_paid",
    "shipping",
    "inspection",
    "staff",
    "goodwill",
    "escalation",
    "updates",
    "technicians",
)
DAYS_PER_YEAR = 365.0


class Ledger:
    """Costs, sales margin and charges as booked, and the net result discounted to day 0."""

    def __init__(self, discount_rate_per_year: float):
        self.costs = dict.fromkeys(COST_COMPONENTS, 0.0)
        self.cost_total = 0.0
        self.sales_margin_eur = 0.0
        self.repair_charges_eur = 0.0
        self.net_day0_eur = 0.0
        # Continuous daily rate, so that a euro at day t is worth exp(-rate t) at day 0.
        self.rate_per_day = math.log1p(discount_rate_per_year) / DAYS_PER_YEAR

    def day0(self, day: float | np.ndarray) -> float | np.ndarray:
        """What a euro at `day` is worth at day 0."""
        return np.exp(-self.rate_per_day * day)

    def spend(self, component: str, eur: float, day: float) -> None:
        self.costs[component] += eur
        self.cost_total += eur
        self.net_day0_eur -= eur * math.exp(-self.rate_per_day * day)

    def earn_charge(self, eur: float, day: float) -> None:
        """A charge paid by a customer (negative when it is refunded)."""
        self.repair_charges_eur += eur
        self.net_day0_eur += eur * math.exp(-self.rate_per_day * day)

    def sell(self, margins_eur: np.ndarray, days: np.ndarray | float) -> None:
        """Margins of sales made at `days`."""
        self.sales_margin_eur += float(margins_eur.sum())
        self.net_day0_eur += float((margins_eur * self.day0(days)).sum())

    def customer_value(
        self, margins_eur: np.ndarray, loyalty: np.ndarray, cycle_days: float
    ) -> float:
        """Margin of the future purchases of customers kept, valued at the horizon.

        Occasions come at exponential intervals of mean C days, so one cycle's
        expected discount is E[exp(-rT)] = 1 / (1 + rC) with r the continuous daily
        rate; each occasion is a purchase with probability L: sum over k of (L d)^k.
        """
        per_cycle = 1.0 / (1.0 + self.rate_per_day * cycle_days)
        x = np.minimum(loyalty * per_cycle, 0.999)
        return float((margins_eur * x / (1.0 - x)).sum())
