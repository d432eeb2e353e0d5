"""The services a World gives its claim processes (model/services.py's ClaimServices).

Money spent and earned, the claim's journey, loyalty moved by satisfaction, word of mouth and
who hears it, fraud tips and closed accounts. A mixin of World (model/world.py), kept apart from
the world's state and its daily step (model/daily_step.py); the methods are World's own, so a
claim's call costs what it did before.
"""

from __future__ import annotations

import numpy as np

from recoverysim.model.behaviour import loyalty_change, missed_updates, people_told_mean
from recoverysim.model.claim_record import Claim
from recoverysim.model.luck import binomial_quantile, poisson_quantile
from recoverysim.model.totals import OUTCOME, OUTCOME_CLASSES
from recoverysim.rng import row_draw

#: Kinds of story, the first key of the draws that decide who hears one (World._spread).
TOLD, POST, UPDATE, SILENT = range(4)
#: Listeners of one story above which _spread moves loyalties with numpy calls rather than one at a
#: time.
_SMALL_SPREAD = 32


class WorldServices:
    """What a claim process may ask of its world, and the word of mouth of silent failures."""

    def note_outcome(self, customer: int, outcome: str, major: bool = False) -> None:
        """Remember how an honest customer's claim (or silent failure) ended, and its severity,
        until their next purchase occasion."""
        severity = len(OUTCOME_CLASSES) if major else 0
        self.customers.pending_outcome[customer] = OUTCOME[outcome] + severity

    def note(self, claim: Claim, event: str, **details) -> None:
        """Add to the claim's journey when the event log is on (for `trace`); free otherwise."""
        if claim.log is not None:
            claim.log.append((self.env.now, event, details))

    def customer_facts(self, claim: Claim) -> dict:
        """What a journey's first line tells about the customer: when they bought, their segment,
        their loyalty."""
        c, i = self.customers, claim.customer_id
        return {
            "component": self.scenario.product.components[claim.component].name,
            "covered": claim.covered,
            "purchase_day": round(float(c.purchase_day[i]), 2),
            "loyalty": round(float(c.loyalty[i]), 3),
            "opportunist": bool(c.opportunist[i]),
        }

    def heard(self, claim: Claim) -> None:
        """The firm speaks to the customer: close the silent gap, counting any status updates sent
        in it."""
        now = self.env.now
        gap = now - claim.silent_since
        every = self.policy.status_update_every_days
        claim.missed_updates += missed_updates(
            gap, every, self.scenario.behaviour.expected_update_every_days
        )
        if every is not None and gap > every:
            updates = int(gap // every)
            claim.updates += updates
            self.reach["status_update_every_days"] += updates
            self.spend(claim, "updates", updates * self.scenario.money.status_update_eur)
            self.note(
                claim,
                "status updates",
                count=updates,
                every_days=every,
                since_day=round(claim.silent_since, 2),
            )
            gap = every
        elif gap >= 1.0 and claim.log is not None:
            self.note(claim, "silence ended", silent_days=round(gap, 2))
        if gap > claim.longest_silence_days:
            claim.longest_silence_days = gap
        claim.silent_since = now

    def _book(self, component: str, eur: float) -> None:
        self.ledger.spend(component, eur, self.env.now)

    def spend(self, claim: Claim, component: str, eur: float) -> None:
        self._book(component, eur)
        claim.cost_eur += eur

    def earn_repair_charge(self, eur: float) -> None:
        """A charge paid by the customer (negative when a manager refunds it)."""
        self.ledger.earn_charge(eur, self.env.now)

    def price_of(self, claim: Claim) -> float:
        return self.price_of_segment[claim.segment]

    def refunded(self, customer: int) -> None:
        """A refunded customer has no product: their next purchase occasion is now."""
        self.customers.occasion_now(customer, self.env.now)

    # ---- fraud: beliefs by segment, and the cost of being caught ------------------------

    def fraud_tip(self, claim: Claim, received_eur: float) -> None:
        """The outcome of a fraudulent claim reaches the segment's opportunists as tips
        (model.fraud)."""
        value = self.fraud_beliefs.value_eur(
            claim.remedy, claim.decision == "approved", self.price_of(claim), received_eur
        )
        self.fraud_beliefs.tip(claim.segment, claim.decision, value)

    def close_account(self, claim: Claim) -> None:
        """A caught fraudster's account is closed: the brand sells them nothing more (the penalty
        they weighed)."""
        customer = claim.customer_id
        if self.customers.active[customer]:
            self.customers.lose(np.array([customer]))
            self.fraud_accounts_closed += 1
        self.note(claim, "account closed")

    def feel(self, customer: int, s: float, first_failure: bool, major: bool = False) -> None:
        """A claim's (or a silent failure's) satisfaction moves the customer's loyalty
        (behaviour.loyalty_change)."""
        c = self.customers
        if not c.active[customer]:
            return
        old = c.loyalty[customer]
        new = min(
            1.0, max(0.0, old + loyalty_change(s, self.scenario.behaviour, first_failure, major))
        )
        c.loyalty[customer] = new
        c.moved_loyalty(new - old)

    def word_of_mouth(self, claim: Claim, s: float) -> None:
        """The claimant tells people: how many follows the U around the no-failure satisfaction
        S0."""
        wom, s0 = self.scenario.word_of_mouth, self.scenario.behaviour.reference_satisfaction
        reach = self.scenario.market.segments[claim.segment].social_reach_multiplier
        told = claim.luck.poisson("people_told", people_told_mean(s, wom, s0) * reach)
        if claim.log is not None:
            self.note(
                claim, "told", people=told, positive=s >= s0, satisfaction=round(s, 3), reference=s0
            )
        if told:
            self._spread(told, s >= s0, (TOLD, *claim.luck.keys))

    def silent_word_of_mouth(self, customer: int, ordinal: int, s: float, draw: float) -> None:
        """A customer who does not claim a failure still talks, by the same U (`draw` keyed by
        customer, failure)."""
        wom, s0 = self.scenario.word_of_mouth, self.scenario.behaviour.reference_satisfaction
        segment = int(self.customers.segment[customer])
        reach = self.scenario.market.segments[segment].social_reach_multiplier
        told = poisson_quantile(draw, people_told_mean(s, wom, s0) * reach)
        if told:
            self._spread(told, s >= s0, (SILENT, customer, ordinal))

    def _post_readers(self, claim: Claim) -> int:
        reach = self.scenario.market.segments[claim.segment].social_reach_multiplier
        return claim.luck.poisson(
            "post_readers", self.scenario.word_of_mouth.public_post_reach_mean * reach
        )

    def public_post(self, claim: Claim) -> None:
        readers = self._post_readers(claim)
        self.note(claim, "public post", readers=readers)
        if readers:
            self._spread(readers, False, (POST, *claim.luck.keys))

    def post_update(self, claim: Claim) -> None:
        """A manager recovered the case: the poster adds a good word that a share of the same
        readers see."""
        readers = self._post_readers(claim)  # the same keyed draw as the post's
        share = self.scenario.word_of_mouth.post_update_share
        updated = min(readers, claim.luck.poisson("post_update", readers * share))
        self.note(claim, "post updated", readers=updated)
        if updated:
            self._spread(updated, True, (UPDATE, *claim.luck.keys))

    def _spread(self, people: int, positive: bool, key: tuple[int, int, int]) -> None:
        """People hear a story: count the impressions; the market remembers it; customers' loyalty
        moves.

        Who is in the market and which customers hear are keyed by the story (its kind, customer and
        failure number), so a story told earlier or later under another policy reaches the same
        people.
        """
        wom = self.scenario.word_of_mouth
        day = min(int(self.env.now), self.scenario.horizon_days - 1)
        self.daily["wom_positive" if positive else "wom_negative"][day] += people
        # The story's keyed draws (in market, customers, then who), each made when needed.
        word, width = self.keyed_listeners.row_word(key), len(key)
        in_market = binomial_quantile(row_draw(word, width, 0), people, wom.in_market_share)
        if not in_market:
            return
        self.stories.hear(positive, in_market)
        c = self.customers
        customers = c.active_count
        share = customers / max(self.prospects + customers, 1)
        listeners = binomial_quantile(row_draw(word, width, 1), in_market, share)
        if listeners and wom.customer_loyalty_effect > 0:
            step = wom.customer_loyalty_effect if positive else -wom.customer_loyalty_effect
            if listeners > _SMALL_SPREAD:
                who = self.keyed_listeners.uniform(*key, np.arange(2, 2 + listeners))
                ids = (who * c.count).astype(np.int64)
                ids = ids[c.active[ids]]
                heard = np.unique(ids)
                before = c.loyalty[heard].sum()
                np.add.at(c.loyalty, ids, step)
                c.loyalty[ids] = np.clip(c.loyalty[ids], 0.0, 1.0)
                c.moved_loyalty(float(c.loyalty[heard].sum() - before))
                return
            # The same, one listener at a time (np.add.at and np.clip cost ~10 us a call on a few
            # ids): a listener drawn twice moves twice, then every listener is clipped to [0, 1], in
            # the same float64 arithmetic.
            ids = [int(row_draw(word, width, index) * c.count) for index in range(2, 2 + listeners)]
            ids = [i for i in ids if c.active[i]]
            loyalty = c.loyalty
            before = {i: loyalty[i] for i in ids}  # each listener once
            for i in ids:
                loyalty[i] += step
            for i in ids:
                loyalty[i] = min(max(loyalty[i], 0.0), 1.0)
            c.moved_loyalty(float(sum(loyalty[i] - old for i, old in before.items())))

    def finish(self, claim: Claim) -> None:
        self.open_claims.pop(claim.claim_id, None)
        self.finished.append(claim)
