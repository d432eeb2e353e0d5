"""What opportunists believe about fraud, by segment, and the scruple below which they cheat.

Beliefs are a prior with a pseudo-count (fraud.belief_weight), moved by tips about the
real outcomes of fraudulent claims; nothing caps them. An opportunist cheats while their
own scruple is below the gain their segment expects minus the penalty it expects.
"""

from __future__ import annotations

import numpy as np

from recoverysim.scenario.schema import Scenario


class FraudBeliefs:
    """Tips heard by each segment's opportunists: how many, how many were successes, caught, and the
    gain."""

    def __init__(self, scenario: Scenario, segment_price: np.ndarray):
        self._fraud = scenario.fraud
        self._tips_per_outcome = scenario.word_of_mouth.fraud_tips_per_outcome
        self._segment_price = segment_price
        segments = len(scenario.market.segments)
        self.tips = np.zeros(segments)
        self.tips_success = np.zeros(segments)
        self.tips_caught = np.zeros(segments)
        self.tips_gain_eur = np.zeros(segments)
        # threshold_eur by segment, kept until the next tip: it is asked for every day, tips are
        # rare (the same floats: nothing else moves a belief).
        self._thresholds: dict[int, float] = {}

    def _believed(self, segment: int, prior: float, heard: np.ndarray) -> float:
        """The prior weighted by its pseudo-count, moved by what the segment heard per tip."""
        weight = self._fraud.belief_weight
        tips = weight + self.tips[segment]
        return (prior * weight + heard[segment]) / tips if tips > 0 else prior

    def success(self, segment: int) -> float:
        """The chance of success a segment's opportunists believe in."""
        return self._believed(segment, self._fraud.prior_success_belief, self.tips_success)

    def caught(self, segment: int) -> float:
        """The chance of being caught (the claim denied) a segment's opportunists believe in."""
        return self._believed(segment, self._fraud.prior_caught_belief, self.tips_caught)

    def expected_gain_eur(self, segment: int) -> float:
        """The gain a segment's opportunists expect from one fraudulent claim (success chance x its
        value)."""
        fraud = self._fraud
        prior = (
            fraud.prior_success_belief
            * fraud.prior_value_share
            * float(self._segment_price[segment])
        )
        return self._believed(segment, prior, self.tips_gain_eur)

    def threshold_eur(self, segment: int) -> float:
        """The scruple below which an opportunist of the segment cheats: expected gain minus
        expected penalty."""
        threshold = self._thresholds.get(segment)
        if threshold is None:
            threshold = self._thresholds[segment] = (
                self.expected_gain_eur(segment)
                - self.caught(segment) * self._fraud.caught_penalty_eur
            )
        return threshold

    def value_eur(
        self, remedy: str, approved: bool, price_eur: float, received_eur: float
    ) -> float:
        """What a fraudulent claim brought the cheater: the remedy's value to them, plus goodwill
        and compensation."""
        fraud = self._fraud
        shares = {
            "refund": fraud.refund_value_share,
            "replace": fraud.replace_value_share,
            "repair": fraud.repair_value_share,
        }
        return (shares.get(remedy, 0.0) * price_eur if approved else 0.0) + received_eur

    def tip(self, segment: int, decision: str, value_eur: float) -> None:
        """The outcome of a fraudulent claim reaches the segment's opportunists as tips."""
        tips = self._tips_per_outcome
        self._thresholds.pop(segment, None)
        self.tips[segment] += tips
        self.tips_success[segment] += tips * (decision == "approved")
        self.tips_caught[segment] += tips * (decision == "denied")
        self.tips_gain_eur[segment] += tips * value_eur
