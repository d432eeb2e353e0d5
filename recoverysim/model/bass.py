"""Bass adoption over one day, solved exactly so that the daily step carries no discretisation
bias."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from recoverysim.scenario.schema import Policy, Scenario


def bass_day_probability(
    innovation: float,
    imitation: float,
    adopted_share: float,
    remaining_share: float,
    days: float = 1.0,
) -> float:
    """Probability that one prospect adopts within `days`, when adopters keep growing during that
    time as in Bass.

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


def baseline_told_per_year(scenario: Scenario) -> float:
    """People a customer tells in a year outside any claim: the scenario's, or the least that
    carries Bass's q.

    An in-market story converts a prospect at most once, so adopters must tell at least
    q / in_market_share people a year for their talk to produce the imitation hazard q * F.
    """
    wom = scenario.word_of_mouth
    if wom.baseline_told_per_year is not None:
        return wom.baseline_told_per_year
    return (
        scenario.market.imitation_per_year / wom.in_market_share if wom.in_market_share > 0 else 0.0
    )


def impression_adopter_weight(
    baseline_told_per_year: float, in_market_share: float, memory_days: float
) -> float:
    """What one remembered in-market story weighs in Bass's adopter share F, in adopters.

    Bass's q*F is the talk of adopters: if each tells `baseline_told_per_year`
    people, a share `in_market_share` of them in the market, and a story is
    remembered `memory_days` on average, an adopter keeps c * s * memory
    stories alive in the market. A claim story heard in the market is one more
    such story, so it weighs 1 / (c * s * memory) adopters.
    """
    alive_per_adopter = baseline_told_per_year * in_market_share * memory_days / 365.0
    return 1.0 / alive_per_adopter if alive_per_adopter > 0.0 else 0.0


def leniency_index(policy: Policy, scenario: Scenario) -> float:
    """How lenient a policy is, from 0 (strictest) to 1, along Janakiraman et al. (2016)'s
    dimensions.

    Mean of four scores, each in [0, 1] (assumption; the source gives directions only):
    money (a replacement or refund over a repair, plus goodwill against the price), effort
    (no proof asked, no item sent back), scope (share of failures on covered components)
    and time (warranty length, full at four years).
    """
    remedy = 0.0 if policy.remedy == "repair" else 1.0
    goodwill = (
        min(1.0, policy.goodwill_eur / scenario.money.price_eur)
        if scenario.money.price_eur > 0
        else 1.0
    )
    money = 0.8 * remedy + 0.2 * goodwill
    proof = {"none": 1.0, "photo": 0.5, "receipt": 0.5, "photo_and_receipt": 0.0}[policy.evidence]
    effort = 0.5 * proof + 0.5 * (0.0 if policy.return_for_inspection else 1.0)
    rates = {c.name: c.failures_per_year for c in scenario.product.components}
    total = sum(rates.values())
    scope = (
        1.0 - sum(rates[name] for name in policy.excluded_components) / total if total > 0 else 1.0
    )
    time = min(1.0, scenario.product.warranty_days / LENIENT_WARRANTY_DAYS)
    return (money + effort + scope + time) / 4.0


#: Warranty length at which the time score is full (assumption: twice the EU legal guarantee of two
#: years).
LENIENT_WARRANTY_DAYS = 1460.0


def leniency_factor(effect: float, index: float) -> float:
    """Multiplier of a purchase probability: 1 at the middle index 0.5, 1 +- effect/2 at the
    ends."""
    return 1.0 + effect * (index - 0.5)
