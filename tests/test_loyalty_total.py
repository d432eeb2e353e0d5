"""The running total of loyalty behind the daily mean follows every change to loyalty: each day it
matches a fresh sum over every customer, to rounding.

Every path that moves loyalty is met: new customers (adoption), customers lost at a purchase
occasion, a caught fraudster's closed account, a claim's feelings, and word of mouth to a few
listeners and to many (a public post read widely, above _SMALL_SPREAD listeners).
"""

from pathlib import Path

import pytest

from recoverysim.model import daily_step
from recoverysim.model.world import World
from recoverysim.scenario.load import load_scenario
from recoverysim.staffing import resolve_staffing

SCENARIO = resolve_staffing(
    load_scenario(
        Path(__file__).parent / "golden" / "small.yaml",
        [
            "horizon_days=240",
            "word_of_mouth.public_post_reach_mean=400",
            "word_of_mouth.customer_loyalty_effect=0.03",
        ],
    )
)


class Checked:
    """A World's _record_day wrapped to compare the running total with a fresh sum first."""

    def __init__(self, world: World):
        self.world = world
        self.days = self.worst = 0.0
        record = world._record_day

        def checked_record(day: int) -> None:
            c = world.customers
            fresh = float(c.loyalty[: c.count].sum())
            self.worst = max(self.worst, abs(c.loyalty_total - fresh) / max(fresh, 1.0))
            self.days += 1
            record(day)

        world._record_day = checked_record


@pytest.mark.parametrize("policy", ["trusting", "suspicious"])
def test_running_total_matches_a_fresh_sum_every_day(policy, monkeypatch):
    # Never re-summed after day 0: a change the total misses would stay in it to the horizon.
    monkeypatch.setattr(daily_step, "LOYALTY_RESUM_DAYS", 10**9)
    world = World(SCENARIO, SCENARIO.policy(policy), 0)
    checked = Checked(world)
    world.run()
    assert checked.days == SCENARIO.horizon_days
    # Every path was met (otherwise the comparison proves nothing for it).
    assert world.adopters > 0 and world.lost_at_purchase > 0
    assert sum(1 for claim in world.finished if claim.escalated) > 0
    if policy == "suspicious":
        assert world.fraud_accounts_closed > 0
    # Rounding alone: a few units in the last place of the total a day; a missed change of one
    # customer's loyalty is at least 1e-4 of a total of thousands.
    assert checked.worst < 1e-12


def test_the_daily_mean_is_the_plain_mean_to_rounding():
    """The daily table's mean loyalty, re-summed every LOYALTY_RESUM_DAYS, against the plain mean
    recorded alongside."""
    world = World(SCENARIO, SCENARIO.policy("trusting"), 1)
    plain = []
    record = world._record_day

    def also_plain(day: int) -> None:
        c = world.customers
        record(day)
        plain.append(float(c.loyalty[: c.count].sum()) / c.active_count)

    world._record_day = also_plain
    world.run()
    recorded = world.daily["mean_loyalty"]
    assert len(plain) == recorded.size
    assert max(abs(a - b) for a, b in zip(recorded, plain)) < 1e-13
