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

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version

from recoverysim.errors import RecoverySimError, ScenarioError, UsageError  # noqa: F401 (in __all__)

try:
    __version__ = version("recoverysim")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

#: Each public name and the module it lives in. Names are imported on first use (PEP 562), so the
#: command line and worker processes do not pay for scipy, pandas and the analyses they do not
#: call: `import recoverysim` alone took about 2 s, as long as a small replication.
_HOMES = {
    "probability_best": "recoverysim.calibration.best",
    "Posterior": "recoverysim.calibration.posterior",
    "read_posterior": "recoverysim.calibration.posterior",
    "ReplicationResult": "recoverysim.engine",
    "run_replication": "recoverysim.engine",
    "ExperimentResult": "recoverysim.experiment",
    "run_experiment": "recoverysim.experiment",
    "BreakEven": "recoverysim.experiments.breakeven",
    "find_breakeven": "recoverysim.experiments.breakeven",
    "Decomposition": "recoverysim.experiments.decompose",
    "decompose_policies": "recoverysim.experiments.decompose",
    "DesignResult": "recoverysim.experiments.design_outputs",
    "DesignPlan": "recoverysim.experiments.design_plan",
    "plan_design": "recoverysim.experiments.design_plan",
    "run_design": "recoverysim.experiments.design_search",
    "SweepResult": "recoverysim.experiments.sweep",
    "run_sweep": "recoverysim.experiments.sweep",
    "KEY_FIGURES": "recoverysim.metrics",
    "better_direction": "recoverysim.metrics",
    "erlang_a": "recoverysim.queueing.theory",
    "erlang_c": "recoverysim.queueing.theory",
    "StoredBreakEven": "recoverysim.results",
    "StoredCalibration": "recoverysim.results",
    "StoredDecomposition": "recoverysim.results",
    "StoredDesign": "recoverysim.results",
    "StoredResults": "recoverysim.results",
    "StoredSweep": "recoverysim.results",
    "read_results": "recoverysim.results",
    "read_sweep": "recoverysim.results",
    "write_results": "recoverysim.results",
    "Policy": "recoverysim.scenario",
    "Scenario": "recoverysim.scenario",
    "load_scenario": "recoverysim.scenario",
    "scenario_from_dict": "recoverysim.scenario",
    "scenario_to_dict": "recoverysim.scenario",
    "selection_table": "recoverysim.selection",
    "comparison_table": "recoverysim.table",
}

__all__ = sorted([*_HOMES, "RecoverySimError", "ScenarioError", "UsageError", "__version__"])


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'recoverysim' has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value  # later uses are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
