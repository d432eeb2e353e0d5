"""Bass adoption over one day, solved exactly so that the daily step carries no discretisation bias."""

from __future__ import annotations

import math


def bass_day_probability(innovation: float, imitation: float, adopted_share: float, remaining_share: float, days: float = 1.0) -> float:
    """Probability that one prospect adopts within `days`, when adopters keep growing during that time as in Bass.

    Innovation p and imitation q are per day; shares are of the market potential M.
    Within the step, adopters a and prospects u follow a' = -u' = (p + q a) u, a
    Riccati equation whose solution gives a prospect's survival
    u(t)/u(0) = r / (q u0 + (p + q a0) e^(r t)), with r = p + q (a0 + u0).
    Using the hazard at the start of the day instead, 1 - exp(-(p + q a0)),
    lags the closed form F(t) of Bass (1969) by O(1/365) per year.
    """
    start_hazard = innovation + imitation * adopted_share
    if start_hazard <= 0.0 or remaining_share <= 0.0:
        return 0.0
    r = innovation + imitation * (adopted_share + remaining_share)
    growth = math.expm1(r * days)
    return start_hazard * growth / (imitation * remaining_share + start_hazard * (growth + 1.0))
