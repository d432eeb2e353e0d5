"""The daily step of a World: everything that does not contend for capacity, handled in bulk.

Purchase occasions, failures (and the claims or silence they lead to), fraud attempts and Bass
adoption run once a day for all customers at once; claims are filed here and run as SimPy
processes (model/claims.py). A mixin of World (model/world.py), kept apart so that the world's
state and the claim services (model/world_services.py) read on their own; it uses the state
World sets up and calls those services on itself, with no layer in between.
"""

from __future__ import annotations

import bisect

import numpy as np

from recoverysim.model.bass import bass_day_probability
from recoverysim.model.claim_run import ClaimRun
from recoverysim.model.claim_record import Claim
from recoverysim.model.claims import handle_claim
from recoverysim.model.ledger import DAYS_PER_YEAR
from recoverysim.scenario.schema import CHANNEL_NAMES

#: Up to this many purchase occasions a day, whether each buys and the buyers' new products are
#: drawn apart on Python integers; above, in one numpy call (World.buy_and_lives: ~25 us).
_FEW_OCCASIONS = 3
#: Up to this many failures due a day, _few_failures handles them on Python lists.
_FEW_FAILURES = 8
#: Up to this many purchase occasions a day, claim outcomes at repurchase are counted on Python
#: lists (_count_few_outcomes) instead of ~14 numpy calls.
_FEW_OUTCOMES = 128
#: Days between fresh sums of loyalty; in between, the daily mean reads the running total, whose
#: rounding drift over this many days stays below 1e-12 of the mean (tests/test_loyalty_total.py).
LOYALTY_RESUM_DAYS = 32


class DailyStep:
    """The world's day: book fixed pay, then occasions, failures, fraud attempts and adoption."""

    def _pay_pooled_time(self) -> None:
        """Pay, at the start of each day (and at the horizon), the pooled time used since the last
        payment."""
        staff, technicians = self.payroll.pooled_since_last()
        # None: nothing pooled; 0.0 (no time used since) is not booked, as adding it changes no sum
        if staff:
            self._book("staff", staff)
        if technicians:
            self._book("technicians", technicians)

    def _pay_staff(self) -> None:
        """The day's pay: fixed desks and bench for the day ahead, pooled time used since
        yesterday (a policy with no bench pays no technicians: nothing to book)."""
        payroll = self.payroll
        if payroll.fixed_staff_eur_per_day:
            self._book("staff", payroll.fixed_staff_eur_per_day)
        if payroll.fixed_technicians_eur_per_day:
            self._book("technicians", payroll.fixed_technicians_eur_per_day)
        self._pay_pooled_time()

    def _daily_steps(self):
        for day in range(self.scenario.horizon_days):
            if day:
                self._record_day(day - 1)
            self._pay_staff()
            occasions, failures = self.customers.due_today(day)
            self._purchase_occasions(day, occasions)
            self._failures(day, *failures)
            self._fraud_attempts(day)
            self._adoption(day)
            yield self.env.timeout(1.0)

    def _record_day(self, day: int) -> None:
        c = self.customers
        if day % LOYALTY_RESUM_DAYS == 0:
            c.resum_loyalty()
        self.daily["customers"][day] = c.active_count
        self.daily["mean_loyalty"][day] = c.loyalty_mean
        self.daily["cost_cumulative_eur"][day] = self.ledger.cost_total

    def _purchase_occasions(self, day: int, due: np.ndarray) -> None:
        c = self.customers
        if not due.size:
            return
        purchases = c.purchases[due]
        if due.size > _FEW_OCCASIONS:  # whether each buys and the next product's lives, at once
            draws = self.buy_and_lives.draw(due, purchases)
            buy_draws, lives = draws[:, 0], draws[:, 1:]
        else:
            buy_draws, lives = self.keyed_purchases.uniform(due, purchases), None
        buys = buy_draws < c.loyalty[due] * self.repurchase_factor
        self._count_repurchase_by_outcome(due, buys)
        buyers = due[buys]
        if buyers.size:
            bought_at = np.maximum(c.next_occasion_day[buyers], float(day))
            c.repurchase(buyers, bought_at, None if lives is None else lives[buys])
            self._sell(buyers, bought_at)
        lost = due[~buys]
        c.lose(lost)
        self.lost_at_purchase += lost.size

    def _count_repurchase_by_outcome(self, due: np.ndarray, buys: np.ndarray) -> None:
        """At a purchase occasion, count who bought again by the outcome of their last claim since
        buying."""
        c = self.customers
        outcome = c.pending_outcome[due]
        if due.size <= _FEW_OUTCOMES:
            self._count_few_outcomes(due, outcome.tolist(), buys)
            return
        known = outcome >= 0
        if known.any():
            cells = self.repurchase_claimants.size
            self.repurchase_claimants += np.bincount(outcome[known], minlength=cells)
            self.repurchase_buyers += np.bincount(outcome[known & buys], minlength=cells)
            self.repurchase_loyalty += np.bincount(
                outcome[known], weights=c.loyalty[due][known], minlength=cells
            )
            c.pending_outcome[due] = -1

    def _count_few_outcomes(self, due: np.ndarray, outcome: list[int], buys: np.ndarray) -> None:
        """_count_repurchase_by_outcome on Python lists for a day's few occasions (most have no
        claim since buying): the same counts, and each cell's loyalty summed in the same order as
        np.bincount's weights, then added."""
        known = [position for position, code in enumerate(outcome) if code >= 0]
        if not known:
            return
        c = self.customers
        customers, bought = due.tolist(), buys.tolist()
        loyalty: dict[int, float] = {}
        for position in known:
            cell = outcome[position]
            self.repurchase_claimants[cell] += 1
            if bought[position]:
                self.repurchase_buyers[cell] += 1
            loyalty[cell] = loyalty.get(cell, 0.0) + float(c.loyalty[customers[position]])
        for cell, total in loyalty.items():
            self.repurchase_loyalty[cell] += total
        c.pending_outcome[due] = -1

    def _sell(self, ids: np.ndarray, when: np.ndarray | float) -> None:
        c = self.customers
        self.ledger.sell(self._segment_margin[c.segment[ids]], when)

    def _failures(
        self, day: int, rows: np.ndarray, components: np.ndarray, due_days: np.ndarray
    ) -> None:
        if not rows.size:  # about half the days at 10k customers
            return
        if rows.size <= _FEW_FAILURES:
            self._few_failures(day, rows, components, due_days)
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
            for customer, ordinal, is_major, draw in zip(
                rows[silent].tolist(), ordinals[silent].tolist(), major, talk
            ):
                # A major failure's shock is in loyalty_change (via feel), as for a claim.
                self.feel(
                    customer, behaviour.unclaimed_failure_satisfaction, ordinal == 0, is_major
                )
                self.note_outcome(customer, "silent_failure", is_major)
                self.silent_word_of_mouth(
                    customer, ordinal, behaviour.unclaimed_failure_satisfaction, draw
                )
        if claims.any():
            self._file(
                rows[claims], components[claims], when[claims], ordinals[claims], is_fraud=False
            )

    def _few_failures(
        self, day: int, rows: np.ndarray, components: np.ndarray, due_days: np.ndarray
    ) -> None:
        """_failures on Python lists for a day's few failures: the same failures renewed, the same
        keyed draws (KeyedDraws.uniform_list), the same calls in the same order."""
        c = self.customers
        failure_day, purchase_day, failures = c.failure_day, c.purchase_day, c.failures
        today = float(day)
        # still current (not made stale by a purchase today), and when: max(failure day, today)
        renewed = [
            (row, component, due if due >= today else today)
            for row, component, due in zip(rows.tolist(), components.tolist(), due_days.tolist())
            if failure_day[row, component] == due
        ]
        if not renewed:
            return
        c.renew_few(*(list(column) for column in zip(*renewed)))
        warranty = self.scenario.product.warranty_days
        claimed, silent = [], []
        for row, component, when in renewed:
            if not when - purchase_day[row] <= warranty:
                continue
            ordinal = int(failures[row])  # _take_ordinals
            failures[row] += 1
            draw = self.keyed_complaints.uniform_list((row, ordinal), 1)[0]
            if draw < self.complaint_probability[c.segment[row]]:
                claimed.append((row, component, when, ordinal))
            else:
                silent.append((row, component, ordinal))
        if silent:
            self.unclaimed_failures += len(silent)
            behaviour = self.scenario.behaviour
            for customer, component, ordinal in silent:
                is_major = self.major_component[component]
                draw = self.keyed_silent_told.uniform_list((customer, ordinal), 1)[0]
                self.feel(
                    customer, behaviour.unclaimed_failure_satisfaction, ordinal == 0, is_major
                )
                self.note_outcome(customer, "silent_failure", is_major)
                self.silent_word_of_mouth(
                    customer, ordinal, behaviour.unclaimed_failure_satisfaction, draw
                )
        if claimed:
            columns = [np.array(column) for column in zip(*claimed)]
            self._file(*columns, is_fraud=False)

    def _take_ordinals(self, customers: np.ndarray) -> np.ndarray:
        """Each failure's or claim's number for its customer (0 for their first), counting it."""
        failures = self.customers.failures
        ordinals = np.empty(customers.size, dtype=np.int64)
        for position, customer in enumerate(customers.tolist()):
            ordinals[position] = failures[customer]
            failures[customer] += 1
        return ordinals

    def _fraud_attempts(self, day: int) -> None:
        """Willing opportunists whose product is still under warranty may claim a defect it does not
        have.

        An opportunist is willing while the gain their segment expects exceeds the penalty it
        expects plus their own scruple (model.fraud.FraudBeliefs.threshold_eur): a prefix of the
        segment's opportunists sorted by scruple, so the pool grows and shrinks as beliefs move.
        Attempts are drawn over every willing opportunist and kept for those inside the warranty all
        day: a thinned Poisson process, the same in law as drawing among the eligible alone, without
        testing every opportunist every day.
        """
        c = self.customers
        segments = self.scenario.market.segments
        thresholds = [self.fraud_beliefs.threshold_eur(index) for index in range(len(segments))]
        counts = [
            c.opportunists.willing_count(index, threshold)
            for index, threshold in enumerate(thresholds)
        ]
        willing = sum(counts)
        self.daily["fraud_willing_share"][day] = willing / max(c.active_count, 1)
        if not willing:
            return
        rng = self.streams.get("fraud")
        warranty = self.scenario.product.warranty_days
        for index, (count, segment) in enumerate(zip(counts, segments)):
            rate = count * segment.fraud_attempts_per_year / DAYS_PER_YEAR
            attempts = int(rng.poisson(rate)) if rate > 0 else 0
            if not attempts:
                continue
            # Filing a claim moves no belief nor pool before the claim runs: the pool is the one
            # counted.
            pool = c.opportunists.willing(index, thresholds[index])
            # rng.choice(pool, size) and rng.choice(n, size), draw for draw: choice with
            # replacement and no weights is integers(0, n, size), at half the cost
            customers = pool[rng.integers(0, pool.size, size=attempts)]
            components = self.fraud_component_of[rng.integers(0, self.excluded.size, attempts)]
            at = day + rng.random(attempts)
            eligible = day + 1.0 - c.purchase_day[customers] <= warranty
            if eligible.any():
                customers, components, at = customers[eligible], components[eligible], at[eligible]
                self._file(customers, components, at, self._take_ordinals(customers), is_fraud=True)

    def _adoption(self, day: int) -> None:
        """Bass with what prospects have heard:
        hazard = L * (p + q * max(0, F + w * (I+ - I-) / M)).

        F is the adopters' share of the market potential M (Bass's own word of mouth), I+ and I-
        the claim stories still remembered in the market (weighted), w what one weighs in adopters
        (bass.impression_adopter_weight) and L the policy's leniency factor. With no claim stories
        and L = 1 it is exactly Bass. Adopters positive stories added and negative ones prevented
        are expected differences against the same hazard without stories (_attribute_to_stories).
        """
        self.stories.forget_a_day()
        if self.prospects <= 0 or self.market_potential <= 0:
            return
        p, q = self.bass_rates_per_day
        adopted, remaining = (
            self.customers.active_count / self.market_potential,
            self.prospects / self.market_potential,
        )
        good, bad = self.stories.adopter_shares(self.market_potential)
        probability = bass_day_probability(p, q, max(0.0, adopted + good - bad), remaining)
        if good or bad:
            self._attribute_to_stories(p, q, adopted, remaining, good, bad)
        adopters = int(self.streams.get("adoption").binomial(self.prospects, probability))
        if adopters:
            self._new_customers(adopters, float(day))
            self.adopters += adopters

    def _attribute_to_stories(
        self, p: float, q: float, adopted: float, remaining: float, good: float, bad: float
    ):
        """Expected adopters positive stories added and negative ones prevented, each against no
        stories at all."""
        without = bass_day_probability(p, q, adopted, remaining)
        self.won_wom += self.prospects * (
            bass_day_probability(p, q, adopted + good, remaining) - without
        )
        self.lost_wom += self.prospects * (
            without - bass_day_probability(p, q, max(0.0, adopted - bad), remaining)
        )

    def _new_customers(self, n: int, day: float) -> None:
        n = min(n, self.prospects)
        if n > 0:
            self.prospects -= n
            self._sell(self.customers.add(n, day), day)

    def _file(
        self,
        customers: np.ndarray,
        components: np.ndarray,
        at: np.ndarray,
        ordinals: np.ndarray,
        is_fraud: bool,
    ) -> None:
        """Start a claim process for each (customer, component) at its time; each claim brings its
        own luck."""
        c = self.customers
        now = self.env.now
        # a claim starting exactly then waits from inside its process, after the next daily step
        next_step = now + 1.0
        lucks = self.luck.batch(customers, ordinals)
        # Python lists for the loop (a numpy scalar costs ~1 us); bisect_right: searchsorted "right"
        channel_cdf, excluded = [row.tolist() for row in self.channel_cdf], self.excluded.tolist()
        segments = c.segment[customers].tolist()
        columns = (customers, components, at, ordinals)
        rows = zip(*(column.tolist() for column in columns), lucks, segments)
        for customer, component, when, ordinal, luck, segment in rows:
            channel_index = bisect.bisect_right(channel_cdf[segment], luck.slot("channel"))
            claim = Claim(
                claim_id=self.next_claim_id,
                customer_id=customer,
                segment=segment,
                is_fraud=is_fraud,
                component=component,
                covered=not excluded[component],
                channel=CHANNEL_NAMES[channel_index],
                filed_day=when,
                first_failure=ordinal == 0,
                luck=luck,
                log=[] if self.keep_log else None,
            )
            self.next_claim_id += 1
            delay = when - now
            if delay > 0.0 and now + delay < next_step:
                ClaimRun(self.env, handle_claim(self, claim), delay)
            else:  # started now, its own first Timeout scheduled after the daily step's
                ClaimRun(self.env, handle_claim(self, claim, delay))
