"""Claim stories the market remembers, and what they weigh in Bass's adopter share.

A story heard in the market is one more of the recommendations Bass's q*F stands
for (bass.impression_adopter_weight); remembered stories fade exponentially.
"""

from __future__ import annotations

import math

from recoverysim.model.bass import baseline_told_per_year, impression_adopter_weight
from recoverysim.scenario.schema import Scenario


class StoryMemory:
    """In-market stories still remembered, positive and negative, and their weight in adopters."""

    def __init__(self, scenario: Scenario):
        wom = scenario.word_of_mouth
        memory_days = wom.impression_memory_half_life_days / math.log(2.0)
        self._weights = {
            True: wom.impression_weight_positive,
            False: wom.impression_weight_negative,
        }
        self._kept_per_day = math.exp(-1.0 / memory_days)
        self.remembered = {True: 0.0, False: 0.0}
        self.baseline_told_per_year = baseline_told_per_year(scenario)
        self.story_weight = impression_adopter_weight(
            self.baseline_told_per_year, wom.in_market_share, memory_days
        )

    def hear(self, positive: bool, in_market: int) -> None:
        self.remembered[positive] += in_market

    def forget_a_day(self) -> None:
        """Remembered stories fade exponentially (impression_memory_half_life_days)."""
        for positive in (True, False):
            self.remembered[positive] *= self._kept_per_day

    def adopter_shares(self, market_potential: int) -> tuple[float, float]:
        """Positive and negative stories as shares of the market potential, in adopters
        (weighted)."""
        return tuple(
            self.story_weight
            * self._weights[positive]
            * self.remembered[positive]
            / market_potential
            for positive in (True, False)
        )
