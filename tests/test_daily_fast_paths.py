"""The daily step's fast paths for quiet days give the tables of its plain numpy paths, bit for
bit."""

import math
from pathlib import Path

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from recoverysim.engine import run_replication
from recoverysim.model import daily_step
from recoverysim.scenario.load import load_scenario

SCENARIO = load_scenario(Path(__file__).parent / "golden" / "small.yaml")
#: Thresholds that send every day down the fast paths, and down the plain ones.
FAST = {"_FEW_FAILURES": 10**9, "_FEW_OCCASIONS": 0}
PLAIN = {"_FEW_FAILURES": 0, "_FEW_OCCASIONS": 10**9}


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
    """Few failures on Python lists (_few_failures), and an occasion's buy draw and new product in
    one keyed call (World.buy_and_lives), against the numpy failures and the two keyed calls."""
    fast, plain = _tables(FAST, seed, policy), _tables(PLAIN, seed, policy)
    pd.testing.assert_frame_equal(fast.claims, plain.claims, check_exact=True)
    pd.testing.assert_frame_equal(fast.daily, plain.daily, check_exact=True)
    assert fast.figures.keys() == plain.figures.keys()
    for name, value in fast.figures.items():
        other = plain.figures[name]
        assert value == other or (math.isnan(value) and math.isnan(other)), name
