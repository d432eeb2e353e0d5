"""One simulated world under one policy and one seed: customers, market, channels, money.

SimPy runs what contends for capacity (contacts at channel desks, the
inspection bench) and one daily step that handles, in bulk, everything that
does not: purchase occasions, failures, fraud attempts and Bass adoption.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import simpy

from recoverysim.model.bass import bass_day_probability
from recoverysim.model.behaviour import loyalty_change, people_told_mean
from recoverysim.errors import RecoverySimError
from recoverysim.model.channels import Bench, ChannelDesk
from recoverysim.model.claims import INSPECTION_HOURS_PER_DAY, Claim, handle_claim
from recoverysim.model.customers import Customers
from recoverysim.rng import BufferedDraws, RandomStreams
from recoverysim.scenario.schema import CHANNEL_NAMES, Channel, Policy, Scenario

#: Cost components, each a cost_<name>_eur figure. "staff" is agent hours at the channel desks only;
#: "technicians" is technician hours at the inspection bench (paid only by a policy that inspects);
#: "inspection" stays the cost per inspection. staff and technicians are time, not claims' own costs.
COST_COMPONENTS = ("remedies", "fraud_paid", "shipping", "inspection", "staff", "goodwill", "escalation", "updates", "technicians")
DAYS_PER_YEAR = 365.0


def used_channels(scenario: Scenario) -> set[str]:
    """Channels some segment starts claims on; the others are neither staffed nor paid (claims stay where they start)."""
    shares = {name: sum(getattr(s, f"{name}_share") for s in scenario.market.segments) for name in CHANNEL_NAMES}
    return {name for name, share in shares.items() if share > 0.0}


def staffed_channels(scenario: Scenario, policy: Policy) -> list[tuple[str, Channel]]:
    """The scenario's channels with the staff the policy sets (Policy.channel_staff) where it sets any, and
    no staff on a channel no segment uses. Staff must be resolved: 'auto' is sized by recoverysim.staffing first."""
    used = used_channels(scenario)
    channels = []
    for name, channel in scenario.channels.items():
        staff = policy.staff_for(name, channel.staff) if name in used else 0
        if staff == "auto":
            raise RecoverySimError(f"channels.{name}.staff is 'auto' under policy {policy.name!r}: resolve it first "
                                   "(recoverysim.staffing.resolve_staffing)")
        channels.append((name, channel if staff == channel.staff else channel.model_copy(update={"staff": staff})))
    return channels


def technicians_paid(policy: Policy) -> int:
    """Technicians on the bench's payroll: the policy's, when it returns items for inspection; none otherwise."""
    technicians = policy.inspection.technicians
    if technicians == "auto":
        raise RecoverySimError(f"policies.{policy.name}.inspection.technicians is 'auto': resolve it first "
                               "(recoverysim.staffing.resolve_staffing)")
    return technicians if policy.return_for_inspection else 0


class Draws:
    """Buffered scalar draws for the per-claim processes, one named stream each."""

    def __init__(self, streams: RandomStreams):
        self.routing = BufferedDraws(streams.get("routing"))
        self.decisions = BufferedDraws(streams.get("decisions"))
        self.escalation = BufferedDraws(streams.get("escalation"))
        self.word_of_mouth = BufferedDraws(streams.get("word_of_mouth"))
        self.feelings = BufferedDraws(streams.get("feelings"))


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
    customer_value_eur: float
    unclaimed_failures: int
    #: Per channel: agent hours spent serving, and agent hours staffed (staff x open hours x days).
    agent_busy_hours: dict[str, float] = field(default_factory=dict)
    agent_staffed_hours: dict[str, float] = field(default_factory=dict)
    technician_busy_hours: float = 0.0
    technician_paid_hours: float = 0.0


class World:
    """The state of one replication and the services its claim processes call."""

    def __init__(self, scenario: Scenario, policy: Policy, replication: int, keep_log: bool = False):
        self.scenario = scenario
        self.policy = policy
        self.keep_log = keep_log
        self.env = simpy.Environment()
        self.streams = RandomStreams(scenario.seed, replication)
        self.draws = Draws(self.streams)
        market = scenario.market
        self.customers = Customers(scenario, market.initial_customers + market.prospects, self.streams.get("customers"))
        channels = self.channels = staffed_channels(scenario, policy)
        self.desks = {
            name: ChannelDesk(self.env, name, channel, BufferedDraws(self.streams.get(f"service.{name}")), BufferedDraws(self.streams.get(f"patience.{name}")))
            for name, channel in channels
        }
        self.technicians = technicians_paid(policy)
        self.bench = Bench(self.env, capacity=max(self.technicians, 1))
        self.costs = dict.fromkeys(COST_COMPONENTS, 0.0)
        self.cost_total = 0.0
        self.sales_margin_eur = 0.0
        self.repair_charges_eur = 0.0
        self.prospects = market.prospects
        self.market_potential = market.initial_customers + market.prospects
        self.won_base = self.won_wom = self.lost_wom = self.lost_at_purchase = 0
        self.unclaimed_failures = 0
        self.fraud_tips = 0.0
        self.fraud_tips_success = 0.0
        self.open_claims: dict[int, Claim] = {}
        self.finished: list[Claim] = []
        self.next_claim_id = 0
        horizon = scenario.horizon_days
        self.daily = {name: np.zeros(horizon) for name in ("customers", "mean_loyalty", "cost_cumulative_eur", "wom_positive", "wom_negative")}
        self.staff_cost_per_day = sum(c.staff * c.open_hours_per_day for _, c in channels) * scenario.money.agent_hour_eur
        self.technician_cost_per_day = self.technicians * INSPECTION_HOURS_PER_DAY * scenario.money.technician_hour_eur
        segments = scenario.market.segments
        mix = np.array([[s.chat_share, s.phone_share, s.email_share, s.store_share] for s in segments])
        cumulative = mix.cumsum(axis=1)
        self.channel_cdf = [row / row[-1] for row in cumulative]  # as Generator.choice(4, p=...) builds it
        self.excluded = np.array([c.name in policy.excluded_components for c in scenario.product.components])
        covered = np.flatnonzero(~self.excluded)
        self.fraud_components = covered if covered.size else np.arange(self.excluded.size)
        self.customers.add(market.initial_customers, 0.0, self._initial_product_ages(market.initial_customers))

    def _initial_product_ages(self, n: int) -> np.ndarray:
        """Owners at day 0 bought at some point in the last replacement cycle."""
        return self.streams.get("customers").uniform(0.0, self.scenario.product.replacement_cycle_days, n)

    # ---- the run -----------------------------------------------------------------

    def run(self) -> None:
        self.env.process(self._daily_steps())
        self.env.run(until=self.scenario.horizon_days)
        self._record_day(self.scenario.horizon_days - 1)

    def _daily_steps(self):
        for day in range(self.scenario.horizon_days):
            if day:
                self._record_day(day - 1)
            self._spend_ledger("staff", self.staff_cost_per_day)
            self._spend_ledger("technicians", self.technician_cost_per_day)
            self._purchase_occasions(day)
            self._failures(day)
            self._fraud_attempts(day)
            self._adoption(day)
            yield self.env.timeout(1.0)

    def _record_day(self, day: int) -> None:
        c = self.customers
        self.daily["customers"][day] = c.active_count
        self.daily["mean_loyalty"][day] = c.loyalty_mean
        self.daily["cost_cumulative_eur"][day] = self.cost_total

    def _purchase_occasions(self, day: int) -> None:
        c = self.customers
        due = c.occasions_due(day)
        if not due.size:
            return
        rng = self.streams.get("purchases")
        when = np.maximum(c.next_occasion_day[due], float(day))
        buys = rng.random(due.size) < c.loyalty[due]
        buyers = due[buys]
        c.repurchase(buyers, when[buys])
        self._sell(buyers)
        lost = due[~buys]
        c.lose(lost)
        self.lost_at_purchase += lost.size

    def _sell(self, ids: np.ndarray) -> None:
        c = self.customers
        self.sales_margin_eur += float(c.segment_price[c.segment[ids]].sum()) * self.scenario.money.margin_share

    def _failures(self, day: int) -> None:
        c = self.customers
        rows, components = c.failures_due(day)
        if not rows.size:
            return
        when = np.maximum(c.failure_day[rows, components], float(day))
        in_warranty = when - c.purchase_day[rows] <= self.scenario.product.warranty_days
        c.renew_components(rows, components, when)
        rows, components, when = rows[in_warranty], components[in_warranty], when[in_warranty]
        rng = self.streams.get("complaints")
        segments = self.scenario.market.segments
        complain_probability = np.array([s.complaint_probability for s in segments])[c.segment[rows]]
        claims = rng.random(rows.size) < complain_probability
        silent = rows[~claims]
        if silent.size:
            self.unclaimed_failures += silent.size
            behaviour = self.scenario.behaviour
            for customer in silent.tolist():
                self.feel(customer, behaviour.unclaimed_failure_satisfaction, c.failures[customer] == 0)
        for customer, component, at in zip(rows[claims].tolist(), components[claims].tolist(), when[claims].tolist()):
            self._file(customer, component, at, is_fraud=False)

    def _fraud_attempts(self, day: int) -> None:
        c = self.customers
        pools = [c.opportunists(index) for index in range(len(self.scenario.market.segments))]
        if not any(pool.size for pool in pools):
            return
        rng = self.streams.get("fraud")
        belief_ratio = self.fraud_success_belief() / max(self.scenario.fraud.prior_success_belief, 1e-9)
        for pool, segment in zip(pools, self.scenario.market.segments):
            rate = pool.size * segment.fraud_attempts_per_year / DAYS_PER_YEAR * belief_ratio
            attempts = int(rng.poisson(rate)) if rate > 0 else 0
            for customer in rng.choice(pool, size=attempts).tolist() if attempts else ():
                component = int(rng.choice(self.fraud_components))
                self._file(customer, component, day + float(rng.random()), is_fraud=True)

    def _adoption(self, day: int) -> None:
        """Bass: each prospect buys with hazard p + q * (customers / market potential), integrated exactly over the day."""
        if self.prospects <= 0 or self.market_potential <= 0:
            return
        market = self.scenario.market
        probability = bass_day_probability(
            market.innovation_per_year / DAYS_PER_YEAR, market.imitation_per_year / DAYS_PER_YEAR,
            self.customers.active_count / self.market_potential, self.prospects / self.market_potential,
        )
        adopters = int(self.streams.get("adoption").binomial(self.prospects, probability))
        if adopters:
            self._new_customers(adopters, float(day))
            self.won_base += adopters

    def _new_customers(self, n: int, day: float) -> None:
        n = min(n, self.prospects)
        if n > 0:
            self.prospects -= n
            self._sell(self.customers.add(n, day))

    def _file(self, customer: int, component: int, at: float, is_fraud: bool) -> None:
        c = self.customers
        segment = int(c.segment[customer])
        # The same draw as Generator.choice(4, p=mix), without its per-call checks (a hot path).
        channel_index = int(self.channel_cdf[segment].searchsorted(self.streams.get("channels").random(), side="right"))
        claim = Claim(
            claim_id=self.next_claim_id, customer_id=customer, segment=segment, is_fraud=is_fraud,
            component=component, covered=not bool(self.excluded[component]), channel=CHANNEL_NAMES[channel_index],
            filed_day=at, first_failure=bool(c.failures[customer] == 0), log=[] if self.keep_log else None,
        )
        c.failures[customer] += 1
        self.next_claim_id += 1
        self.env.process(handle_claim(self, claim, at - self.env.now))

    # ---- services for claim processes ----------------------------------------------

    def note(self, claim: Claim, event: str, **details) -> None:
        """Add to the claim's journey when the event log is on (for `trace`); free otherwise."""
        if claim.log is not None:
            claim.log.append((self.env.now, event, details))

    def customer_facts(self, claim: Claim) -> dict:
        """What a journey's first line tells about the customer: when they bought, their segment, their loyalty."""
        c, i = self.customers, claim.customer_id
        return {"component": self.scenario.product.components[claim.component].name, "covered": claim.covered,
                "purchase_day": round(float(c.purchase_day[i]), 2), "loyalty": round(float(c.loyalty[i]), 3),
                "opportunist": bool(c.opportunist[i])}

    def heard(self, claim: Claim) -> None:
        """The firm speaks to the customer: close the silent gap, counting any status updates sent in it."""
        gap = self.env.now - claim.silent_since
        every = self.policy.status_update_every_days
        if every is not None and gap > every:
            updates = int(gap // every)
            claim.updates += updates
            self.spend(claim, "updates", updates * self.scenario.money.status_update_eur)
            self.note(claim, "status updates", count=updates, every_days=every, since_day=round(claim.silent_since, 2))
            gap = every
        elif gap >= 1.0:
            self.note(claim, "silence ended", silent_days=round(gap, 2))
        claim.longest_silence_days = max(claim.longest_silence_days, gap)
        claim.silent_since = self.env.now

    def _spend_ledger(self, component: str, eur: float) -> None:
        self.costs[component] += eur
        self.cost_total += eur

    def spend(self, claim: Claim, component: str, eur: float) -> None:
        self._spend_ledger(component, eur)
        claim.cost_eur += eur

    def earn_repair_charge(self, eur: float) -> None:
        self.repair_charges_eur += eur

    def price_of(self, claim: Claim) -> float:
        return float(self.customers.segment_price[claim.segment])

    def refunded(self, customer: int) -> None:
        """A refunded customer has no product: their next purchase occasion is now."""
        self.customers.occasion_now(customer, self.env.now)

    def fraud_success_belief(self) -> float:
        """Opportunists' shared belief in success: the prior, moved by tips about real outcomes."""
        fraud = self.scenario.fraud
        return (fraud.prior_success_belief * fraud.belief_weight + self.fraud_tips_success) / (fraud.belief_weight + self.fraud_tips) if (fraud.belief_weight + self.fraud_tips) > 0 else fraud.prior_success_belief

    def fraud_tip(self, approved: bool) -> None:
        tips = self.scenario.word_of_mouth.fraud_tips_per_outcome
        self.fraud_tips += tips
        if approved:
            self.fraud_tips_success += tips

    def feel(self, customer: int, s: float, first_failure: bool) -> None:
        c = self.customers
        if not c.active[customer]:
            return
        new = c.loyalty[customer] + loyalty_change(s, self.scenario.behaviour, first_failure)
        c.loyalty[customer] = min(1.0, max(0.0, new))

    def word_of_mouth(self, claim: Claim, s: float) -> None:
        wom = self.scenario.word_of_mouth
        reach = self.scenario.market.segments[claim.segment].social_reach_multiplier
        told = self.draws.word_of_mouth.poisson(people_told_mean(s, wom) * reach)
        self.note(claim, "told", people=told, positive=s >= wom.neutral_satisfaction)
        if told:
            self._spread(told, positive=s >= wom.neutral_satisfaction)

    def public_post(self, claim: Claim) -> None:
        reach = self.scenario.market.segments[claim.segment].social_reach_multiplier
        readers = self.draws.word_of_mouth.poisson(self.scenario.word_of_mouth.public_post_reach_mean * reach)
        self.note(claim, "public post", readers=readers)
        if readers:
            self._spread(readers, positive=False)

    def _spread(self, people: int, positive: bool) -> None:
        """People hear a story: count the impressions; prospects may buy or be lost, customers' loyalty moves."""
        wom = self.scenario.word_of_mouth
        day = min(int(self.env.now), self.scenario.horizon_days - 1)
        self.daily["wom_positive" if positive else "wom_negative"][day] += people
        rng = self.streams.get("listeners")
        in_market = int(rng.binomial(people, wom.in_market_share))
        if not in_market:
            return
        customers = self.customers.active_count
        prospects = int(rng.binomial(in_market, self.prospects / max(self.prospects + customers, 1)))
        if prospects:
            if positive:
                won = min(int(rng.binomial(prospects, wom.positive_purchase_probability)), self.prospects)
                self._new_customers(won, self.env.now)
                self.won_wom += won
            else:
                lost = min(int(rng.binomial(prospects, wom.negative_loss_probability)), self.prospects)
                self.prospects -= lost
                self.lost_wom += lost
        listeners = in_market - prospects
        if listeners and wom.customer_loyalty_effect > 0:
            c = self.customers
            ids = rng.integers(0, c.count, size=listeners)
            ids = ids[c.active[ids]]
            step = wom.customer_loyalty_effect if positive else -wom.customer_loyalty_effect
            np.add.at(c.loyalty, ids, step)
            c.loyalty[ids] = np.clip(c.loyalty[ids], 0.0, 1.0)

    def finish(self, claim: Claim) -> None:
        self.open_claims.pop(claim.claim_id, None)
        self.finished.append(claim)

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
        return WorldTotals(
            costs_eur=dict(self.costs),
            sales_margin_eur=self.sales_margin_eur,
            repair_charges_eur=self.repair_charges_eur,
            initial_customers=n0,
            initial_customers_kept=int(c.active[:n0].sum()),
            customers_end=int(active.sum()),
            customers_won_base=self.won_base,
            customers_won_wom=self.won_wom,
            customers_lost_wom=self.lost_wom,
            customers_lost_at_purchase=self.lost_at_purchase,
            wom_positive=int(self.daily["wom_positive"].sum()),
            wom_negative=int(self.daily["wom_negative"].sum()),
            customer_value_eur=self._customer_value(),
            unclaimed_failures=self.unclaimed_failures,
            agent_busy_hours={name: desk.busy_days * 24.0 for name, desk in self.desks.items()},
            agent_staffed_hours={name: c.staff * c.open_hours_per_day * self.scenario.horizon_days for name, c in self.channels},
            technician_busy_hours=self.bench.busy_days * INSPECTION_HOURS_PER_DAY,
            technician_paid_hours=self.technicians * INSPECTION_HOURS_PER_DAY * self.scenario.horizon_days,
        )

    def _customer_value(self) -> float:
        """Discounted margin of future purchases by customers kept: sum over k of (L d)^k, d the discount per cycle."""
        c = self.customers
        ids = np.flatnonzero(c.active[: c.count])
        money = self.scenario.money
        cycle_years = self.scenario.product.replacement_cycle_days / DAYS_PER_YEAR
        x = np.minimum(c.loyalty[ids] * (1.0 + money.discount_rate_per_year) ** (-cycle_years), 0.999)
        return float((c.segment_price[c.segment[ids]] * money.margin_share * x / (1.0 - x)).sum())
