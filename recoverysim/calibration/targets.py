"""STAND-IN for the targets module (helper "targets" writes the real one; the integrator replaces this file).

It implements the agreed interface for YAML targets of kind share and mean over figures of
replications.parquet, plus `claimant_repurchase_share` by outcome class: just enough for the engine's tests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd
from scipy import stats

from recoverysim.errors import Problem, ScenarioError
from recoverysim.scenario.schema import Scenario
from recoverysim.scenario.yaml_source import parse_yaml, read_text

PROBABILITY_CLIP = (1e-9, 1 - 1e-9)
KINDS = ("share", "mean", "rate")


@dataclass(frozen=True)
class Target:
    name: str
    figure: str
    policy: str
    kind: str
    observed: float
    trials: float | None
    standard_error: float | None
    outcome_class: str | None = None
    severity: str | None = None
    segment: str | None = None
    world: Path | None = None
    source: str | None = None
    confidence: str | None = None


@dataclass(frozen=True)
class TargetSet:
    targets: tuple[Target, ...]
    origin: str
    summary: str


def load_targets(path: str | Path, policy: str | None = None) -> TargetSet:
    """Read a YAML targets file: `targets:` a list of mappings with the fields of Target."""
    path = Path(path)
    source = str(path)
    data = parse_yaml(read_text(path), source).data
    items = data.get("targets") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise ScenarioError([Problem(source, None, "targets", "must be a non-empty list of targets")])
    targets, problems = [], []
    for index, item in enumerate(items):
        try:
            targets.append(_target(item, path.parent))
        except (TypeError, ValueError, KeyError) as error:
            problems.append(Problem(source, None, f"targets.{index}", str(error)))
    if problems:
        raise ScenarioError(problems)
    summary = f"{len(targets)} targets read from {source}"
    return TargetSet(tuple(targets), source, summary)


def _target(item: dict, folder: Path) -> Target:
    if not isinstance(item, dict):
        raise TypeError("must be a mapping")
    kind = item["kind"]
    if kind not in ("share", "mean"):
        raise ValueError(f"kind must be share or mean in this stand-in (got {kind})")
    world = Path(folder, item["world"]) if item.get("world") else None
    return Target(str(item["name"]), str(item["figure"]), str(item["policy"]), kind, float(item["observed"]),
                  None if item.get("trials") is None else float(item["trials"]),
                  None if item.get("standard_error") is None else float(item["standard_error"]),
                  item.get("outcome_class"), item.get("severity"), item.get("segment"), world)


def check_against(targets: TargetSet, scenarios: dict[Path | None, Scenario]) -> None:
    problems = []
    for target in targets.targets:
        scenario = scenarios[target.world]
        if target.policy not in [p.name for p in scenario.policies]:
            problems.append(Problem(targets.origin, None, target.name, "unknown policy", target.policy))
    if problems:
        raise ScenarioError(problems)


def needs_claims_table(targets: Iterable[Target]) -> bool:
    return False


def simulated_value(target: Target, replications: pd.DataFrame, claims: pd.DataFrame | None) -> float:
    own = replications[replications["policy"] == target.policy]
    if target.figure == "claimant_repurchase_share" and target.outcome_class:
        suffix = target.outcome_class + (f"_{target.severity}" if target.severity else "")
        claimants = own[f"repurchase_claimants_{suffix}"].sum()
        return float(own[f"repurchase_buyers_{suffix}"].sum() / claimants) if claimants else math.nan
    return float(own[target.figure].mean())


def log_likelihood(target: Target, simulated: float) -> float:
    if target.kind == "share":
        p = float(np.clip(simulated, *PROBABILITY_CLIP)) if math.isfinite(simulated) else 0.5
        return float(stats.binom.logpmf(round(target.observed * target.trials), round(target.trials), p))
    return float(stats.norm.logpdf(target.observed, simulated, target.standard_error))


def max_log_likelihood(target: Target) -> float:
    return log_likelihood(target, target.observed)


def predictive_draw(target: Target, simulated: float, rng: np.random.Generator) -> float:
    if target.kind == "share":
        p = float(np.clip(simulated, *PROBABILITY_CLIP))
        return float(rng.binomial(round(target.trials), p) / target.trials)
    return float(rng.normal(simulated, target.standard_error))
