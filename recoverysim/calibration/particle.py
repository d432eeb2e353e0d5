"""The model of one particle: parameters into every world the targets need, the simulation's value
of each target, and the log-likelihood of the observed targets given those values. Module-level and
picklable, for any executor."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Mapping

import pandas as pd

from recoverysim.calibration.parameters import FitParameter
from recoverysim.calibration.targets import (
    Simulated,
    Target,
    log_likelihood,
    needs_claims_table,
    simulated_estimate,
)
from recoverysim.engine import run_replication
from recoverysim.scenario.load import scenario_from_dict


def parameter_key(index: int) -> str:
    """pyabc's name for parameter `index` (dotted paths are not safe as its column names)."""
    return f"p{index}"


@dataclass(frozen=True)
class ParticleModel:
    """Simulates replications 0..R-1 of every policy the targets need, in every world, at one
    parameter set.

    The same replication numbers for every particle: common random numbers, so particles differ by
    their parameters, not by their luck. Replications run one after another inside the particle's
    task.
    """

    worlds: Mapping[Path | None, dict]
    targets: tuple[Target, ...]
    parameters: tuple[FitParameter, ...]
    replications: int

    def __call__(self, values: Mapping[str, float]) -> dict[str, float]:
        overrides = [p.override(values[parameter_key(i)]) for i, p in enumerate(self.parameters)]
        return self.simulate(overrides)

    def simulate(self, overrides: list[str]) -> dict[str, float]:
        """Each target's simulated estimate with `overrides` applied to every world, as flat
        statistics: {target name: value, and Simulated.statistics' keys for its standard error and
        counts}."""
        simulated: dict[str, float] = {}
        for world, data in self.worlds.items():
            own = [t for t in self.targets if t.world == world]
            replications, claims = self.run_world(data, own, overrides)
            for target in own:
                simulated.update(
                    simulated_estimate(target, replications, claims).statistics(target.name)
                )
        return simulated

    def run_world(
        self, data: dict, targets: list[Target], overrides: list[str]
    ) -> tuple[pd.DataFrame, pd.DataFrame | None]:
        scenario = scenario_from_dict(data, overrides)
        wanted = {t.policy for t in targets}
        keep_claims = needs_claims_table(targets)
        rows, claims = [], []
        for policy in [p.name for p in scenario.policies if p.name in wanted]:
            for replication in range(self.replications):
                result = run_replication(scenario, policy, replication)
                rows.append({"policy": policy, "replication": replication, **result.figures})
                if keep_claims:
                    claims.append(result.claims.assign(policy=policy, replication=replication))
        return pd.DataFrame(rows), (pd.concat(claims, ignore_index=True) if keep_claims else None)


@dataclass(frozen=True)
class TargetLikelihood:
    """The summed log-likelihood of the targets (pyabc's kernel function); -inf when a value cannot
    be simulated."""

    targets: tuple[Target, ...]

    def __call__(
        self,
        x: Mapping[str, float],
        x_0: Mapping[str, float] | None = None,
        t: int | None = None,
        par: Mapping | None = None,
    ) -> float:
        total = 0.0
        for target in self.targets:
            estimate = Simulated.from_statistics(x, target.name)
            if not math.isfinite(estimate.value):
                return -math.inf
            total += log_likelihood(target, estimate)
        return total if math.isfinite(total) else -math.inf
