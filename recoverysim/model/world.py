"""One simulated world under one policy and one seed: customers, market, channels, money.

SimPy runs what contends for capacity (contacts at channel desks, the
inspection bench) and one daily step that handles, in bulk, everything that
does not: purchase occasions, failures, fraud attempts and Bass adoption.
This module holds the world's state, its run and what it adds up to at the
horizon; the daily step is model/daily_step.py and the services its claim
processes call are model/world_services.py, both mixed into World.
"""

from __future__ import annotations

import math

import numpy as np
import simpy

from recoverysim.model import totals
from recoverysim.model.bass import leniency_factor, leniency_index
from recoverysim.model.behaviour import expected_resolution_days
from recoverysim.model.channels import Bench, ChannelDesk
from recoverysim.model.claim_record import Claim
from recoverysim.model.claims import INSPECTION_HOURS_PER_DAY
from recoverysim.model.customers import Customers
from recoverysim.model.daily_step import DailyStep
from recoverysim.model.desks import Payroll, staffed_channels, technicians_paid
from recoverysim.model.fraud import FraudBeliefs
from recoverysim.model.ledger import DAYS_PER_YEAR, Ledger
from recoverysim.model.luck import ClaimLuckSource
from recoverysim.model.stories import StoryMemory
from recoverysim.model.totals import OUTCOME_CLASSES, SEVERITIES, WorldTotals
from recoverysim.model.world_services import WorldServices
from recoverysim.rng import BufferedDraws, DrawAndNextRow, KeyedDraws, RandomStreams
from recoverysim.scenario.schema import Policy, Scenario

#: Mechanisms of policy levers, each counted when a claim reaches it (recoverysim.levers says which
#: lever each serves).
LEVER_REACH = (
    "evidence",
    "return_for_inspection",
    "inspection_queue",
    "excluded_components",
    "first_contact_resolution_probability",
    "single_case_owner",
    "shipping_days",
    "repair_turnaround_days",
    "goodwill_eur",
    "goodwill_on_service_failure_eur",
    "status_update_every_days",
    "escalation_watch",
    "escalation_recovery",
)


class World(DailyStep, WorldServices):
    """The state of one replication, its daily step (DailyStep) and the services its claim
    processes call (WorldServices)."""

    def __init__(
        self, scenario: Scenario, policy: Policy, replication: int, keep_log: bool = False
    ):
        self.scenario = scenario
        self.policy = policy
        self.keep_log = keep_log
        self.env = simpy.Environment()
        self.streams = RandomStreams(scenario.seed, replication)
        self.luck = ClaimLuckSource(scenario.seed, replication)
        self.keyed_purchases = KeyedDraws(scenario.seed, replication, "purchases")
        self.keyed_complaints = KeyedDraws(scenario.seed, replication, "complaints")
        market = scenario.market
        self.customers = Customers(
            scenario, market.initial_customers + market.prospects, scenario.seed, replication
        )
        # Whether an occasion buys, and the new product's lives: one keyed call (DrawAndNextRow)
        self.buy_and_lives = DrawAndNextRow(
            self.keyed_purchases,
            self.customers.lifetime_draws,
            len(scenario.product.components) + 1,
        )
        channels = self.channels = staffed_channels(scenario, policy)
        self.desks = {
            name: ChannelDesk(
                self.env,
                name,
                channel,
                BufferedDraws(self.streams.get(f"service.{name}")),
                BufferedDraws(self.streams.get(f"patience.{name}")),
            )
            for name, channel in channels
        }
        self.technicians = technicians_paid(policy)
        self.bench = Bench(self.env, capacity=max(self.technicians, 1))
        self.ledger = Ledger(scenario.money.discount_rate_per_year)
        # One cell per (severity, outcome class): code = outcome + len(OUTCOME_CLASSES) * (severity
        # is major).
        self.repurchase_claimants = np.zeros(len(SEVERITIES) * len(OUTCOME_CLASSES), dtype=np.int64)
        self.repurchase_buyers = np.zeros(len(SEVERITIES) * len(OUTCOME_CLASSES), dtype=np.int64)
        self.repurchase_loyalty = np.zeros(
            len(SEVERITIES) * len(OUTCOME_CLASSES)
        )  # expected buyers, for smooth fits
        self.prospects = market.prospects
        self.market_potential = market.initial_customers + market.prospects
        self.adopters = self.lost_at_purchase = 0
        self.won_wom = self.lost_wom = (
            0.0  # expected adopters the stories added or prevented (see _adoption)
        )
        self._set_up_market(scenario, policy)
        self.unclaimed_failures = 0
        self.reach = dict.fromkeys(
            LEVER_REACH, 0
        )  # a counter increment on the hot path, nothing more
        self.fraud_beliefs = FraudBeliefs(scenario, self.customers.segment_price)
        # A sale's margin by segment: price times margin share, the same product element by element.
        self._segment_margin = self.customers.segment_price * scenario.money.margin_share
        self.fraud_accounts_closed = 0
        self.open_claims: dict[int, Claim] = {}
        self.finished: list[Claim] = []
        self.next_claim_id = 0
        horizon = scenario.horizon_days
        series = (
            "customers",
            "mean_loyalty",
            "cost_cumulative_eur",
            "wom_positive",
            "wom_negative",
        )
        self.daily = {name: np.zeros(horizon) for name in series}
        self.daily["fraud_willing_share"] = np.zeros(horizon)
        self.payroll = Payroll(scenario, policy, channels, self.desks, self.bench, self.technicians)
        segments = scenario.market.segments
        mix = np.array(
            [[s.chat_share, s.phone_share, s.email_share, s.store_share] for s in segments]
        )
        cumulative = mix.cumsum(axis=1)
        self.channel_cdf = [
            row / row[-1] for row in cumulative
        ]  # as Generator.choice(4, p=...) builds it
        self.complaint_probability = np.array([s.complaint_probability for s in segments])
        self.excluded = np.array(
            [c.name in policy.excluded_components for c in scenario.product.components]
        )
        self.major = np.array([c.severity == "major" for c in scenario.product.components])
        # The same facts as Python numbers, read several times by each claim (a numpy scalar costs
        # ~0.1 us, a power more): per component, is it major; per segment, price and expected days.
        self.major_component = self.major.tolist()
        self.price_of_segment = self.customers.segment_price.tolist()
        self.expected_days_of_segment = [
            expected_resolution_days(scenario.behaviour, s.price_multiplier) for s in segments
        ]
        # Opportunists fake a failure of a covered component: draw among all components, then move
        # an excluded pick to a covered one, so that excluding a component never changes how many
        # draws the fraud stream gives (choosing among one component draws nothing; common random
        # numbers).
        covered = np.flatnonzero(~self.excluded)
        every = np.arange(self.excluded.size)
        moved = (
            np.where(self.excluded, covered[every % covered.size], every) if covered.size else every
        )
        self.fraud_component_of = moved
        self.customers.add(
            market.initial_customers, 0.0, self.customers.initial_ages(market.initial_customers)
        )

    def _set_up_market(self, scenario: Scenario, policy: Policy) -> None:
        """Stories remembered in the market, who hears them, and the policy's leniency factors."""
        market = scenario.market
        self.keyed_silent_told = KeyedDraws(scenario.seed, self.streams.replication, "silent_told")
        self.keyed_listeners = KeyedDraws(scenario.seed, self.streams.replication, "listeners")
        self.stories = StoryMemory(scenario)
        self.leniency = leniency_index(policy, scenario)
        self.purchase_factor = leniency_factor(market.leniency_purchase_effect, self.leniency)
        self.repurchase_factor = leniency_factor(market.leniency_repurchase_effect, self.leniency)
        # Bass's p and q per day under the policy's leniency, the same every day (_adoption)
        self.bass_rates_per_day = tuple(
            self.purchase_factor * rate / DAYS_PER_YEAR
            for rate in (market.innovation_per_year, market.imitation_per_year)
        )

    # ---- the run -----------------------------------------------------------------

    def run(self) -> None:
        self.env.process(self._daily_steps())
        self.env.run(until=self.scenario.horizon_days)
        self._pay_pooled_time()
        self._record_day(self.scenario.horizon_days - 1)

    # ---- what is left at the horizon ---------------------------------------------------

    def all_claims(self) -> list[Claim]:
        """Finished claims, then those still open at the horizon, in claim id order."""
        still_open = list(self.open_claims.values())
        for claim in still_open:
            claim.decision = "open"
            claim.closed_day = math.nan
            claim.satisfaction = math.nan
        return sorted(self.finished + still_open, key=lambda claim: claim.claim_id)

    def totals(self) -> WorldTotals:
        c = self.customers
        n0 = self.scenario.market.initial_customers
        active = c.active[: c.count]
        kept_value = self._customer_value()
        customer_days = float(self.daily["customers"].sum())
        horizon = self.scenario.horizon_days
        return WorldTotals(
            costs_eur=dict(self.ledger.costs),
            sales_margin_eur=self.ledger.sales_margin_eur,
            repair_charges_eur=self.ledger.repair_charges_eur,
            initial_customers=n0,
            initial_customers_kept=int(c.active[:n0].sum()),
            customers_end=int(active.sum()),
            customers_won_base=self.adopters - round(self.won_wom),
            customers_won_wom=round(self.won_wom),
            customers_lost_wom=round(self.lost_wom),
            customers_lost_at_purchase=self.lost_at_purchase,
            wom_positive=int(self.daily["wom_positive"].sum()),
            wom_negative=int(self.daily["wom_negative"].sum()),
            wom_baseline_positive=self.stories.baseline_told_per_year
            * customer_days
            / DAYS_PER_YEAR,
            customer_value_eur=kept_value,
            unclaimed_failures=self.unclaimed_failures,
            fraud_accounts_closed=self.fraud_accounts_closed,
            net_result_day0_eur=self.ledger.net_day0_eur,
            customer_value_day0_eur=kept_value
            * float(self.ledger.day0(self.scenario.horizon_days)),
            repurchase_claimants=totals.by_outcome(self.repurchase_claimants),
            repurchase_buyers=totals.by_outcome(self.repurchase_buyers),
            repurchase_claimants_by_severity=totals.by_outcome_and_severity(
                self.repurchase_claimants
            ),
            repurchase_buyers_by_severity=totals.by_outcome_and_severity(self.repurchase_buyers),
            agent_busy_hours={name: desk.busy_days * 24.0 for name, desk in self.desks.items()},
            agent_staffed_hours={
                name: ch.staff * ch.open_hours_per_day * horizon for name, ch in self.channels
            },
            technician_busy_hours=self.bench.busy_days * INSPECTION_HOURS_PER_DAY,
            technician_paid_hours=self.technicians
            * INSPECTION_HOURS_PER_DAY
            * self.scenario.horizon_days,
            lever_reach=dict(self.reach),
        )

    def release(self) -> None:
        """Let go of the customers' columns and the claims once the run's tables are built.

        Claim processes still queued at the horizon keep the world in a reference cycle
        (world, environment, queued events, processes, world) that only the cycle collector
        frees, perhaps a replication later; the columns (~100 MB at 1M customers) go at once.
        """
        self.customers = None
        self.finished = []
        self.open_claims = {}

    def _customer_value(self) -> float:
        """Margin of the future purchases of the customers kept, valued at the horizon
        (Ledger.customer_value)."""
        c = self.customers
        ids = np.flatnonzero(c.active[: c.count])
        margins = c.segment_price[c.segment[ids]] * self.scenario.money.margin_share
        return self.ledger.customer_value(
            margins, c.loyalty[ids], self.scenario.product.replacement_cycle_days
        )
