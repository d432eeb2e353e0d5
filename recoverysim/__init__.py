"""recoverysim: compare warranty policies, from trusting to suspicious, by loyalty, cost and word of
mouth.

A notebook needs no CLI::

    import recoverysim as rs
    scenario = rs.load_scenario("scenarios/trust-vs-suspicion.yaml", ["replications=5"])
    result = rs.run_experiment(scenario)
    result.summary          # one row per policy and key figure, with 95 % intervals
    result.claims           # one row per claim
    result.selection        # per figure: each policy's gap to the best, simultaneous 95 %
                            # interval, chance it is best
    posterior = rs.read_posterior("results/my-calibration")   # a `recoverysim calibrate` folder
    # each policy's chance to be best:
    rs.run_experiment(scenario, posterior=posterior).probability_best
"""

from importlib.metadata import PackageNotFoundError, version

from recoverysim.calibration.best import probability_best
from recoverysim.calibration.posterior import Posterior, read_posterior
from recoverysim.engine import ReplicationResult, run_replication
from recoverysim.errors import RecoverySimError, ScenarioError, UsageError
from recoverysim.experiment import ExperimentResult, run_experiment
from recoverysim.experiments.breakeven import BreakEven, find_breakeven
from recoverysim.experiments.decompose import Decomposition, decompose_policies
from recoverysim.experiments.design_outputs import DesignResult
from recoverysim.experiments.design_plan import DesignPlan, plan_design
from recoverysim.experiments.design_search import run_design
from recoverysim.experiments.sweep import SweepResult, run_sweep
from recoverysim.metrics import KEY_FIGURES, better_direction
from recoverysim.queueing.theory import erlang_a, erlang_c
from recoverysim.results import (
    StoredBreakEven,
    StoredCalibration,
    StoredDecomposition,
    StoredDesign,
    StoredResults,
    StoredSweep,
    read_results,
    read_sweep,
    write_results,
)
from recoverysim.scenario import (
    Policy,
    Scenario,
    load_scenario,
    scenario_from_dict,
    scenario_to_dict,
)
from recoverysim.selection import selection_table
from recoverysim.table import comparison_table

try:
    __version__ = version("recoverysim")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "KEY_FIGURES",
    "BreakEven",
    "Decomposition",
    "DesignPlan",
    "DesignResult",
    "ExperimentResult",
    "Policy",
    "Posterior",
    "RecoverySimError",
    "ReplicationResult",
    "Scenario",
    "ScenarioError",
    "StoredBreakEven",
    "StoredCalibration",
    "StoredDecomposition",
    "StoredDesign",
    "StoredResults",
    "StoredSweep",
    "SweepResult",
    "UsageError",
    "__version__",
    "better_direction",
    "comparison_table",
    "decompose_policies",
    "erlang_a",
    "erlang_c",
    "find_breakeven",
    "load_scenario",
    "plan_design",
    "probability_best",
    "read_posterior",
    "read_results",
    "read_sweep",
    "run_experiment",
    "run_design",
    "run_replication",
    "run_sweep",
    "scenario_from_dict",
    "scenario_to_dict",
    "selection_table",
    "write_results",
]
