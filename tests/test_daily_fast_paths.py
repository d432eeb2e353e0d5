"""The daily step's fast paths for quiet days give the tables of its plain numpy paths, bit for
bit."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from recoverysim.engine import run_replication
from recoverysim.model import daily_step
from recoverysim.model.world import World
from recoverysim.scenario.load import load_scenario
from recoverysim.staffing import resolve_staffing

SCENARIO = load_scenario(Path(__file__).parent / "golden" / "small.yaml")
#: Thresholds that send every day down the fast paths, and down the plain ones.
FAST = {"_FEW_FAILURES": 10**9, "_FEW_OCCASIONS": 0, "_FEW_OUTCOMES": 10**9}
PLAIN = {"_FEW_FAILURES": 0, "_FEW_OCCASIONS": 10**9, "_FEW_OUTCOMES": -1}


def _tables(thresholds: dict, seed: int, policy: str):
    originals = {name: getattr(daily_step, name) for name in thresholds}
    for name, value in thresholds.items():
        setattr(daily_step, name, value)
    try:
        scenario = SCENARIO.model_copy(update={"seed": seed, "horizon_days": 120})
        return run_replication(scenario, policy, 0)
    finally:
        for name, value in originals.items():
            setattr(daily_step, name, value)


@settings(max_examples=4, deadline=None, derandomize=True)
@given(st.integers(0, 2**31 - 1), st.sampled_from(["trusting", "suspicious"]))
def test_fast_paths_give_the_plain_tables(seed, policy):
    """Few failures on Python lists (_few_failures), an occasion's buy draw and new product in
    one keyed call (World.buy_and_lives), and claim outcomes at repurchase counted on Python lists
    (_count_few_outcomes), against the numpy failures, the two keyed calls and np.bincount."""
    fast, plain = _tables(FAST, seed, policy), _tables(PLAIN, seed, policy)
    pd.testing.assert_frame_equal(fast.claims, plain.claims, check_exact=True)
    pd.testing.assert_frame_equal(fast.daily, plain.daily, check_exact=True)
    assert fast.figures.keys() == plain.figures.keys()
    for name, value in fast.figures.items():
        other = plain.figures[name]
        assert value == other or (math.isnan(value) and math.isnan(other)), name


def _world_state(thresholds: dict, seed: int, policy: str) -> dict:
    """What a run leaves in the world that the tables do not show: the repurchase cells the fits
    read (fits/tarp.py), the customers' columns and the ledger."""
    originals = {name: getattr(daily_step, name) for name in thresholds}
    for name, value in thresholds.items():
        setattr(daily_step, name, value)
    try:
        scenario = SCENARIO.model_copy(update={"seed": seed, "horizon_days": 120})
        scenario = resolve_staffing(scenario)
        world = World(scenario, scenario.policy(policy), 0)
        world.run()
    finally:
        for name, value in originals.items():
            setattr(daily_step, name, value)
    c = world.customers
    columns = ("loyalty", "due_day", "purchases", "failures", "renewals", "pending_outcome")
    return {
        "repurchase_claimants": world.repurchase_claimants,
        "repurchase_buyers": world.repurchase_buyers,
        "repurchase_loyalty": world.repurchase_loyalty,
        **{name: getattr(c, name)[: c.count] for name in columns},
        "ledger": np.array([world.ledger.sales_margin_eur, world.ledger.net_day0_eur]),
    }


@settings(max_examples=4, deadline=None, derandomize=True)
@given(st.integers(0, 2**31 - 1), st.sampled_from(["trusting", "suspicious"]))
def test_fast_paths_leave_the_plain_world(seed, policy):
    """The same, for the state the tables do not show (the repurchase loyalty the fits read)."""
    fast, plain = _world_state(FAST, seed, policy), _world_state(PLAIN, seed, policy)
    for name, value in fast.items():
        np.testing.assert_array_equal(value, plain[name], err_msg=name, strict=True)
