"""One simulated world under one policy and one seed: customers, market, channels, money.

SimPy runs what contends for capacity (contacts at channel desks, the
inspection bench) and one daily step that handles, in bulk, everything that
does not: purchase occasions, failures, fraud attempts and Bass adoption.
"""

from __future__ import annotations

import math

import numpy as np
import simpy

from recoverysim.model import totals
from recoverysim.model.bass import bass_day_probability, leniency_factor, leniency_index
from recoverysim.model.behaviour import loyalty_change, missed_updates, people_told_mean
from recoverysim.model.channels import Bench, ChannelDesk
from recoverysim.model.claims import INSPECTION_HOURS_PER_DAY, Claim, LaterProcess, handle_claim
from recoverysim.model.customers import Customers
from recoverysim.model.desks import Payroll, staffed_channels, technicians_paid
from recoverysim.model.fraud import FraudBeliefs
from recoverysim.model.ledger import DAYS_PER_YEAR, Ledger
from recoverysim.model.luck import ClaimLuckSource, binomial_quantile, poisson_quantile
from recoverysim.model.stories import StoryMemory
from recoverysim.model.totals import OUTCOME, OUTCOME_CLASSES, SEVERITIES, WorldTotals
from recoverysim.rng import BufferedDraws, KeyedDraws, RandomStreams
from recoverysim.scenario.schema import CHANNEL_NAMES, Policy, Scenario

#: Kinds of story, the first key of the draws that decide who hears one (World._spread).
TOLD, POST, UPDATE, SILENT = range(4)
#: Listeners of one story above which _spread moves loyalties with numpy calls rather than one at a time.
_SMALL_SPREAD = 32
#: Mechanisms of policy levers, each counted when a claim reaches it (recoverysim.levers says which lever each serves).
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


class World:
    """The state of one replication and the services its claim processes call."""

    def __init__(self, scenario: Scenario, policy: Policy, replication: int, keep_log: bool = False):
        self.scenario = scenario
        self.policy = policy
        self.keep_log = keep_log
        self.env = simpy.Environment()
        self.streams = RandomStreams(scenario.seed, replication)
        self.luck = ClaimLuckSource(scenario.seed, replication)
        self.keyed_purchases = KeyedDraws(scenario.seed, replication, "purchases")
        self.keyed_complaints = KeyedDraws(scenario.seed, replication, "complaints")
        market = scenario.market
        self.customers = Customers(scenario, market.initial_customers + market.prospects, scenario.seed, replication)
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
        # One cell per (severity, outcome class): code = outcome + len(OUTCOME_CLASSES) * (severity is major).
        self.repurchase_claimants = np.zeros(len(SEVERITIES) * len(OUTCOME_CLASSES), dtype=np.int64)
        self.repurchase_buyers = np.zeros(len(SEVERITIES) * len(OUTCOME_CLASSES), dtype=np.int64)
        self.repurchase_loyalty = np.zeros(len(SEVERITIES) * len(OUTCOME_CLASSES))  # expected buyers, for smooth fits
        self.prospects = market.prospects
        self.market_potential = market.initial_customers + market.prospects
        self.adopters = self.lost_at_purchase = 0
        self.won_wom = self.lost_wom = 0.0  # expected adopters the stories added or prevented (see _adoption)
        self._set_up_market(scenario, policy)
        self.unclaimed_failures = 0
        self.reach = dict.fromkeys(LEVER_REACH, 0)  # a counter increment on the hot path, nothing more
        self.fraud_beliefs = FraudBeliefs(scenario, self.customers.segment_price)
        # A sale's margin by segment: price times margin share, the same product element by element.
        self._segment_margin = self.customers.segment_price * scenario.money.margin_share
        self.fraud_accounts_closed = 0
        self.open_claims: dict[int, Claim] = {}
        self.finished: list[Claim] = []
        self.next_claim_id = 0
        horizon = scenario.horizon_days
        series = ("customers", "mean_loyalty", "cost_cumulative_eur", "wom_positive", "wom_negative")
        self.daily = {name: np.zeros(horizon) for name in series}
        self.daily["fraud_willing_share"] = np.zeros(horizon)
        self.payroll = Payroll(scenario, policy, channels, self.desks, self.bench, self.technicians)
        segments = scenario.market.segments
        mix = np.array([[s.chat_share, s.phone_share, s.email_share, s.store_share] for s in segments])
        cumulative = mix.cumsum(axis=1)
        self.channel_cdf = [row / row[-1] for row in cumulative]  # as Generator.choice(4, p=...) builds it
        self.complaint_probability = np.array([s.complaint_probability for s in segments])
        self.excluded = np.array([c.name in policy.excluded_components for c in scenario.product.components])
        self.major = np.array([c.severity == "major" for c in scenario.product.components])
        # Opportunists fake a failure of a covered component: draw among all components, then move an
        # excluded pick to a covered one, so that excluding a component never changes how many draws
        # the fraud stream gives (choosing among one component draws nothing; common random numbers).
        covered = np.flatnonzero(~self.excluded)
        every = np.arange(self.excluded.size)
        moved = np.where(self.excluded, covered[every % covered.size], every) if covered.size else every
        self.fraud_component_of = moved
        self.customers.add(market.initial_customers, 0.0, self.customers.initial_ages(market.initial_customers))

    def _set_up_market(self, scenario: Scenario, policy: Policy) -> None:
        """Stories remembered in the market, who hears them, and the policy's leniency factors."""
        market = scenario.market
        self.keyed_silent_told = KeyedDraws(scenario.seed, self.streams.replication, "silent_told")
        self.keyed_listeners = KeyedDraws(scenario.seed, self.streams.replication, "listeners")
        self.stories = StoryMemory(scenario)
        self.leniency = leniency_index(policy, scenario)
        self.purchase_factor = leniency_factor(market.leniency_purchase_effect, self.leniency)
        self.repurchase_factor = leniency_factor(market.leniency_repurchase_effect, self.leniency)

    # ---- the run -----------------------------------------------------------------

    def run(self) -> None:
        self.env.process(self._daily_steps())
        self.env.run(until=self.scenario.horizon_days)
        self._pay_pooled_time()
        self._record_day(self.scenario.horizon_days - 1)

    def _pay_pooled_time(self) -> None:
        """Pay, at the start of each day (and at the horizon), the pooled time used since the last payment."""
        staff, technicians = self.payroll.pooled_since_last()
        if staff is not None:
            self._book("staff", staff)
        if technicians is not None:
            self._book("technicians", technicians)

    def _daily_steps(self):
        for day in range(self.scenario.horizon_days):
            if day:
                self._record_day(day - 1)
            self._book("staff", self.payroll.fixed_staff_eur_per_day)
            self._book("technicians", self.payroll.fixed_technicians_eur_per_day)
            self._pay_pooled_time()
            occasions, failures = self.customers.due_today(day)
            self._purchase_occasions(day, occasions)
            self._failures(day, *failures)
            self._fraud_attempts(day)
            self._adoption(day)
            yield self.env.timeout(1.0)

    def _record_day(self, day: int) -> None:
        c = self.customers
        self.daily["customers"][day] = c.active_count
        self.daily["mean_loyalty"][day] = c.loyalty_mean
        self.daily["cost_cumulative_eur"][day] = self.ledger.cost_total

    def _purchase_occasions(self, day: int, due: np.ndarray) -> None:
        c = self.customers
        if not due.size:
            return
        when = np.maximum(c.next_occasion_day[due], float(day))
        buys = self.keyed_purchases.uniform(due, c.purchases[due]) < c.loyalty[due] * self.repurchase_factor
        self._count_repurchase_by_outcome(due, buys)
        buyers, bought_at = due[buys], when[buys]
        if buyers.size:
            c.repurchase(buyers, bought_at)
            self._sell(buyers, bought_at)
        lost = due[~buys]
        c.lose(lost)
        self.lost_at_purchase += lost.size

    def _count_repurchase_by_outcome(self, due: np.ndarray, buys: np.ndarray) -> None:
        """At a purchase occasion, count who bought again by the outcome of their last claim since buying."""
        c = self.customers
        outcome = c.pending_outcome[due]
        known = outcome >= 0
        if known.any():
            cells = self.repurchase_claimants.size
            self.repurchase_claimants += np.bincount(outcome[known], minlength=cells)
            self.repurchase_buyers += np.bincount(outcome[known & buys], minlength=cells)
            self.repurchase_loyalty += np.bincount(outcome[known], weights=c.loyalty[due][known], minlength=cells)
            c.pending_outcome[due] = -1

    def note_outcome(self, customer: int, outcome: str, major: bool = False) -> None:
        """Remember how an honest customer's claim (or silent failure) ended, and its severity, until their next
        purchase occasion."""
        self.customers.pending_outcome[customer] = OUTCOME[outcome] + (len(OUTCOME_CLASSES) if major else 0)

    def _sell(self, ids: np.ndarray, when: np.ndarray | float) -> None:
        c = self.customers
        self.ledger.sell(self._segment_margin[c.segment[ids]], when)

    def _failures(self, day: int, rows: np.ndarray, components: np.ndarray, due_days: np.ndarray) -> None:
        if not rows.size:  # about half the days at 10k customers
            return
        c = self.customers
        # A purchase today replaced the product, or the customer left: those failures are stale.
        current = c.failure_day[rows, components] == due_days
        if not current.all():
            rows, components = rows[current], components[current]
        if not rows.size:
            return
        when = np.maximum(c.failure_day[rows, components], float(day))
        in_warranty = when - c.purchase_day[rows] <= self.scenario.product.warranty_days
        c.renew_components(rows, components, when)
        rows, components, when = rows[in_warranty], components[in_warranty], when[in_warranty]
        if not rows.size:
            return
        ordinals = self._take_ordinals(rows)
        complain_probability = self.complaint_probability[c.segment[rows]]
        claims = self.keyed_complaints.uniform(rows, ordinals) < complain_probability
        silent = ~claims
        if silent.any():
            self.unclaimed_failures += int(silent.sum())
            behaviour = self.scenario.behaviour
            talk = self.keyed_silent_told.uniform(rows[silent], ordinals[silent]).tolist()
            major = self.major[components[silent]].tolist()
            for customer, ordinal, is_major, draw in zip(rows[silent].tolist(), ordinals[silent].tolist(), major, talk):
                # A major failure's shock is in loyalty_change (via feel), as for a claim.
                self.feel(customer, behaviour.unclaimed_failure_satisfaction, ordinal == 0, is_major)
                self.note_outcome(customer, "silent_failure", is_major)
                self.silent_word_of_mouth(customer, ordinal, behaviour.unclaimed_failure_satisfaction, draw)
        if claims.any():
            self._file(rows[claims], components[claims], when[claims], ordinals[claims], is_fraud=False)

    def _take_ordinals(self, customers: np.ndarray) -> np.ndarray:
        """Each failure's or claim's number for its customer (0 for their first), counting it."""
        failures = self.customers.failures
        ordinals = np.empty(customers.size, dtype=np.int64)
        for position, customer in enumerate(customers.tolist()):
            ordinals[position] = failures[customer]
            failures[customer] += 1
        return ordinals

    def _fraud_attempts(self, day: int) -> None:
        """Willing opportunists whose product is still under warranty may claim a defect it does not have.

        An opportunist is willing while the gain their segment expects exceeds the penalty it expects
        plus their own scruple (model.fraud.FraudBeliefs.threshold_eur): a prefix of the segment's
        opportunists sorted by scruple, so the pool grows and shrinks as beliefs move. Attempts are
        drawn over every willing opportunist and kept for those inside the warranty all day: a thinned
        Poisson process, the same in law as drawing among the eligible alone, without testing every
        opportunist every day.
        """
        c = self.customers
        segments = self.scenario.market.segments
        pools = [c.willing(index, self.fraud_beliefs.threshold_eur(index)) for index in range(len(segments))]
        self.daily["fraud_willing_share"][day] = sum(pool.size for pool in pools) / max(c.active_count, 1)
        if not any(pool.size for pool in pools):
            return
        rng = self.streams.get("fraud")
        warranty = self.scenario.product.warranty_days
        for pool, segment in zip(pools, segments):
            rate = pool.size * segment.fraud_attempts_per_year / DAYS_PER_YEAR
            attempts = int(rng.poisson(rate)) if rate > 0 else 0
            if not attempts:
                continue
            customers = rng.choice(pool, size=attempts)
            components = self.fraud_component_of[rng.choice(self.excluded.size, size=attempts)]
            at = day + rng.random(attempts)
            eligible = day + 1.0 - c.purchase_day[customers] <= warranty
            if eligible.any():
                customers, components, at = customers[eligible], components[eligible], at[eligible]
                self._file(customers, components, at, self._take_ordinals(customers), is_fraud=True)

    def _adoption(self, day: int) -> None:
        """Bass with what prospects have heard: hazard = L * (p + q * max(0, F + w * (I+ - I-) / M)).

        F is the adopters' share of the market potential M (Bass's own word of mouth), I+ and I-
        the claim stories still remembered in the market (weighted), w what one weighs in adopters
        (bass.impression_adopter_weight) and L the policy's leniency factor. With no claim stories
        and L = 1 it is exactly Bass. Adopters positive stories added and negative ones prevented
        are expected differences against the same hazard without stories (_attribute_to_stories).
        """
        self.stories.forget_a_day()
        if self.prospects <= 0 or self.market_potential <= 0:
            return
        market = self.scenario.market
        rates = (market.innovation_per_year, market.imitation_per_year)
        p, q = (self.purchase_factor * rate / DAYS_PER_YEAR for rate in rates)
        adopted, remaining = self.customers.active_count / self.market_potential, self.prospects / self.market_potential
        good, bad = self.stories.adopter_shares(self.market_potential)
        probability = bass_day_probability(p, q, max(0.0, adopted + good - bad), remaining)
        if good or bad:
            self._attribute_to_stories(p, q, adopted, remaining, good, bad)
        adopters = int(self.streams.get("adoption").binomial(self.prospects, probability))
        if adopters:
            self._new_customers(adopters, float(day))
            self.adopters += adopters

    def _attribute_to_stories(self, p: float, q: float, adopted: float, remaining: float, good: float, bad: float):
        """Expected adopters positive stories added and negative ones prevented, each against no stories at all."""
        without = bass_day_probability(p, q, adopted, remaining)
        self.won_wom += self.prospects * (bass_day_probability(p, q, adopted + good, remaining) - without)
        self.lost_wom += self.prospects * (without - bass_day_probability(p, q, max(0.0, adopted - bad), remaining))

    def _new_customers(self, n: int, day: float) -> None:
        n = min(n, self.prospects)
        if n > 0:
            self.prospects -= n
            self._sell(self.customers.add(n, day), day)

    def _file(
        self, customers: np.ndarray, components: np.ndarray, at: np.ndarray, ordinals: np.ndarray, is_fraud: bool
    ) -> None:
        """Start a claim process for each (customer, component) at its time; each claim brings its own luck."""
        c = self.customers
        now = self.env.now
        next_step = now + 1.0  # a claim starting exactly then keeps the plain path (see LaterProcess)
        lucks = self.luck.batch(customers, ordinals)
        rows = zip(customers.tolist(), components.tolist(), at.tolist(), ordinals.tolist(), lucks)
        for customer, component, when, ordinal, luck in rows:
            segment = int(c.segment[customer])
            channel_index = int(self.channel_cdf[segment].searchsorted(luck.slot("channel"), side="right"))
            claim = Claim(
                claim_id=self.next_claim_id,
                customer_id=customer,
                segment=segment,
                is_fraud=is_fraud,
                component=component,
                covered=not bool(self.excluded[component]),
                channel=CHANNEL_NAMES[channel_index],
                filed_day=when,
                first_failure=ordinal == 0,
                luck=luck,
                log=[] if self.keep_log else None,
            )
            self.next_claim_id += 1
            delay = when - now
            if delay > 0.0 and now + delay < next_step:
                LaterProcess(self.env, handle_claim(self, claim), delay)
            else:
                self.env.process(handle_claim(self, claim, delay))

    # ---- services for claim processes ----------------------------------------------

    def note(self, claim: Claim, event: str, **details) -> None:
        """Add to the claim's journey when the event log is on (for `trace`); free otherwise."""
        if claim.log is not None:
            claim.log.append((self.env.now, event, details))

    def customer_facts(self, claim: Claim) -> dict:
        """What a journey's first line tells about the customer: when they bought, their segment, their loyalty."""
        c, i = self.customers, claim.customer_id
        return {
            "component": self.scenario.product.components[claim.component].name,
            "covered": claim.covered,
            "purchase_day": round(float(c.purchase_day[i]), 2),
            "loyalty": round(float(c.loyalty[i]), 3),
            "opportunist": bool(c.opportunist[i]),
        }

    def heard(self, claim: Claim) -> None:
        """The firm speaks to the customer: close the silent gap, counting any status updates sent in it."""
        gap = self.env.now - claim.silent_since
        every = self.policy.status_update_every_days
        claim.missed_updates += missed_updates(gap, every, self.scenario.behaviour.expected_update_every_days)
        if every is not None and gap > every:
            updates = int(gap // every)
            claim.updates += updates
            self.reach["status_update_every_days"] += updates
            self.spend(claim, "updates", updates * self.scenario.money.status_update_eur)
            self.note(claim, "status updates", count=updates, every_days=every, since_day=round(claim.silent_since, 2))
            gap = every
        elif gap >= 1.0 and claim.log is not None:
            self.note(claim, "silence ended", silent_days=round(gap, 2))
        claim.longest_silence_days = max(claim.longest_silence_days, gap)
        claim.silent_since = self.env.now

    def _book(self, component: str, eur: float) -> None:
        self.ledger.spend(component, eur, self.env.now)

    def spend(self, claim: Claim, component: str, eur: float) -> None:
        self._book(component, eur)
        claim.cost_eur += eur

    def earn_repair_charge(self, eur: float) -> None:
        """A charge paid by the customer (negative when a manager refunds it)."""
        self.ledger.earn_charge(eur, self.env.now)

    def price_of(self, claim: Claim) -> float:
        return float(self.customers.segment_price[claim.segment])

    def refunded(self, customer: int) -> None:
        """A refunded customer has no product: their next purchase occasion is now."""
        self.customers.occasion_now(customer, self.env.now)

    # ---- fraud: beliefs by segment, and the cost of being caught ------------------------

    def fraud_tip(self, claim: Claim, received_eur: float) -> None:
        """The outcome of a fraudulent claim reaches the segment's opportunists as tips (model.fraud)."""
        value = self.fraud_beliefs.value_eur(
            claim.remedy, claim.decision == "approved", self.price_of(claim), received_eur
        )
        self.fraud_beliefs.tip(claim.segment, claim.decision, value)

    def close_account(self, claim: Claim) -> None:
        """A caught fraudster's account is closed: the brand sells them nothing more (the penalty they weighed)."""
        customer = claim.customer_id
        if self.customers.active[customer]:
            self.customers.lose(np.array([customer]))
            self.fraud_accounts_closed += 1
        self.note(claim, "account closed")

    def feel(self, customer: int, s: float, first_failure: bool, major: bool = False) -> None:
        """A claim's (or a silent failure's) satisfaction moves the customer's loyalty (behaviour.loyalty_change)."""
        c = self.customers
        if not c.active[customer]:
            return
        new = c.loyalty[customer] + loyalty_change(s, self.scenario.behaviour, first_failure, major)
        c.loyalty[customer] = min(1.0, max(0.0, new))

    def word_of_mouth(self, claim: Claim, s: float) -> None:
        """The claimant tells people: how many follows the U around the no-failure satisfaction S0."""
        wom, s0 = self.scenario.word_of_mouth, self.scenario.behaviour.reference_satisfaction
        reach = self.scenario.market.segments[claim.segment].social_reach_multiplier
        told = claim.luck.poisson("people_told", people_told_mean(s, wom, s0) * reach)
        if claim.log is not None:
            self.note(claim, "told", people=told, positive=s >= s0, satisfaction=round(s, 3), reference=s0)
        if told:
            self._spread(told, s >= s0, (TOLD, *claim.luck.keys))

    def silent_word_of_mouth(self, customer: int, ordinal: int, s: float, draw: float) -> None:
        """A customer who does not claim a failure still talks, by the same U (`draw` keyed by customer, failure)."""
        wom, s0 = self.scenario.word_of_mouth, self.scenario.behaviour.reference_satisfaction
        reach = self.scenario.market.segments[int(self.customers.segment[customer])].social_reach_multiplier
        told = poisson_quantile(draw, people_told_mean(s, wom, s0) * reach)
        if told:
            self._spread(told, s >= s0, (SILENT, customer, ordinal))

    def _post_readers(self, claim: Claim) -> int:
        reach = self.scenario.market.segments[claim.segment].social_reach_multiplier
        return claim.luck.poisson("post_readers", self.scenario.word_of_mouth.public_post_reach_mean * reach)

    def public_post(self, claim: Claim) -> None:
        readers = self._post_readers(claim)
        self.note(claim, "public post", readers=readers)
        if readers:
            self._spread(readers, False, (POST, *claim.luck.keys))

    def post_update(self, claim: Claim) -> None:
        """A manager recovered the case: the poster adds a good word that a share of the same readers see."""
        readers = self._post_readers(claim)  # the same keyed draw as the post's
        share = self.scenario.word_of_mouth.post_update_share
        updated = min(readers, claim.luck.poisson("post_update", readers * share))
        self.note(claim, "post updated", readers=updated)
        if updated:
            self._spread(updated, True, (UPDATE, *claim.luck.keys))

    def _spread(self, people: int, positive: bool, key: tuple[int, int, int]) -> None:
        """People hear a story: count the impressions; the market remembers it; customers' loyalty moves.

        Who is in the market and which customers hear are keyed by the story (its kind, customer and
        failure number), so a story told earlier or later under another policy reaches the same people.
        """
        wom = self.scenario.word_of_mouth
        day = min(int(self.env.now), self.scenario.horizon_days - 1)
        self.daily["wom_positive" if positive else "wom_negative"][day] += people
        draws = self.keyed_listeners.uniform_list(key, 2 + people)  # in market, customers, who
        in_market = binomial_quantile(draws[0], people, wom.in_market_share)
        if not in_market:
            return
        self.stories.hear(positive, in_market)
        c = self.customers
        customers = c.active_count
        share = customers / max(self.prospects + customers, 1)
        listeners = binomial_quantile(draws[1], in_market, share)
        if listeners and wom.customer_loyalty_effect > 0:
            step = wom.customer_loyalty_effect if positive else -wom.customer_loyalty_effect
            if listeners > _SMALL_SPREAD:
                ids = (np.array(draws[2 : 2 + listeners]) * c.count).astype(np.int64)
                ids = ids[c.active[ids]]
                np.add.at(c.loyalty, ids, step)
                c.loyalty[ids] = np.clip(c.loyalty[ids], 0.0, 1.0)
                return
            # The same, one listener at a time (np.add.at and np.clip cost ~10 us a call on a few ids): a listener
            # drawn twice moves twice, then every listener is clipped to [0, 1], in the same float64 arithmetic.
            ids = [int(u * c.count) for u in draws[2 : 2 + listeners]]
            ids = [i for i in ids if c.active[i]]
            loyalty = c.loyalty
            for i in ids:
                loyalty[i] += step
            for i in ids:
                loyalty[i] = min(max(loyalty[i], 0.0), 1.0)

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
            wom_baseline_positive=self.stories.baseline_told_per_year * customer_days / DAYS_PER_YEAR,
            customer_value_eur=kept_value,
            unclaimed_failures=self.unclaimed_failures,
            fraud_accounts_closed=self.fraud_accounts_closed,
            net_result_day0_eur=self.ledger.net_day0_eur,
            customer_value_day0_eur=kept_value * float(self.ledger.day0(self.scenario.horizon_days)),
            repurchase_claimants=totals.by_outcome(self.repurchase_claimants),
            repurchase_buyers=totals.by_outcome(self.repurchase_buyers),
            repurchase_claimants_by_severity=totals.by_outcome_and_severity(self.repurchase_claimants),
            repurchase_buyers_by_severity=totals.by_outcome_and_severity(self.repurchase_buyers),
            agent_busy_hours={name: desk.busy_days * 24.0 for name, desk in self.desks.items()},
            agent_staffed_hours={name: ch.staff * ch.open_hours_per_day * horizon for name, ch in self.channels},
            technician_busy_hours=self.bench.busy_days * INSPECTION_HOURS_PER_DAY,
            technician_paid_hours=self.technicians * INSPECTION_HOURS_PER_DAY * self.scenario.horizon_days,
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
        """Margin of the future purchases of the customers kept, valued at the horizon (Ledger.customer_value)."""
        c = self.customers
        ids = np.flatnonzero(c.active[: c.count])
        margins = c.segment_price[c.segment[ids]] * self.scenario.money.margin_share
        return self.ledger.customer_value(margins, c.loyalty[ids], self.scenario.product.replacement_cycle_days)
