"""Calibration targets: read them (a YAML targets file or a claims CSV), check them against their worlds, and say
how far a simulation is from each: its value of the target, and the log-likelihood of the observation given it.

Discrepancies (scipy.stats): a share is binomial (observed x trials successes of trials), a mean is normal with
its standard error, a rate is Poisson (observed x exposure events in the exposure). Simulated probabilities are
clipped to [1e-9, 1 - 1e-9] and simulated rates to >= 1e-9, so an impossible observation is very unlikely rather
than a log of zero. docs/calibration.md describes the file format, the CSV rule and the figures.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from recoverysim.calibration.claims_csv import summarise_claims_csv
from recoverysim.calibration.target_file import read_targets_file
from recoverysim.calibration.target_types import (
    CLAIM_FIGURES,
    CLAIMED_CLASSES,
    REPURCHASE_FIGURE,
    SHARE_FIGURES,
    Target,
    TargetSet,
)
from recoverysim.errors import Problem, ScenarioError, UsageError
from recoverysim.scenario.schema import Behaviour, Scenario

__all__ = [
    "Target",
    "TargetSet",
    "check_against",
    "load_targets",
    "load_worlds",
    "log_likelihood",
    "max_log_likelihood",
    "needs_claims_table",
    "predictive_draw",
    "simulated_value",
]
PROBABILITY_FLOOR = 1e-9
#: The base price tier's expected resolution time (behaviour.expected_resolution_days): the model's fast-fix line.
DEFAULT_FAST_WITHIN_DAYS = Behaviour().expected_resolution_days


def load_targets(path: str | Path, policy: str | None = None, fast_within_days: float | None = None) -> TargetSet:
    """Targets from a YAML file, or from a claims CSV observed under `policy` (summarised by claims_csv's rule).

    `fast_within_days` is the CSV's line between a fast and a slow fix (default: the behaviour default, 5 days);
    it should be the calibrated scenario's expected resolution time. Raises ScenarioError, one Problem per problem.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        targets, name = read_targets_file(path)
        lines = "\n".join(
            f"  {t.name}: {t.figure} ({t.kind} {t.observed:.4g}) under {t.policy}"
            + (f" in {t.world}" if t.world else "")
            for t in targets
        )
        return TargetSet(targets, str(path), f"{path}: {len(targets)} targets ({name})\n{lines}")
    if suffix == ".csv":
        if not policy:
            raise UsageError(
                f"{path}: a claims CSV needs the policy its claims were observed under (--claims-policy NAME)"
            )
        within = DEFAULT_FAST_WITHIN_DAYS if fast_within_days is None else float(fast_within_days)
        summarised = summarise_claims_csv(path, policy, within)
        return TargetSet(summarised.targets, str(path), summarised.summary)
    raise ScenarioError([Problem(str(path), None, "", "a targets file ends in .yaml or .yml, a claims CSV in .csv")])


def load_worlds(targets: TargetSet, calibrated: Scenario) -> dict[Path | None, Scenario]:
    """The calibrated scenario (key None) and every other world a target names, loaded once each."""
    from recoverysim.scenario.load import load_scenario

    worlds: dict[Path | None, Scenario] = {None: calibrated}
    problems = []
    for target in targets.targets:
        if target.world is None or target.world in worlds:
            continue
        try:
            worlds[target.world] = load_scenario(target.world)
        except ScenarioError as error:
            problems.extend(
                Problem(targets.origin, None, f"{target.name}: world", f"{target.world}: {p}") for p in error.problems
            )
            worlds[target.world] = None  # type: ignore[assignment]  # reported once, not per target
    if problems:
        raise ScenarioError(problems)
    return worlds


def check_against(targets: TargetSet, scenarios: dict[Path | None, Scenario]) -> None:
    """Every target's world loads and has its policy, segment and severity; ScenarioError lists what does not.

    Worlds missing from `scenarios` are loaded here (`scenarios[None]` is the calibrated scenario).
    """
    if any(t.world not in scenarios for t in targets.targets):
        scenarios = {**load_worlds(targets, scenarios[None]), **scenarios}
    problems = []
    for target in targets.targets:
        world = scenarios[target.world]
        where = "the calibrated scenario" if target.world is None else str(target.world)
        policies = [p.name for p in world.policies]
        if target.policy not in policies:
            problems.append(_missing(targets, target, "policy", target.policy, policies, where))
        segments = [s.name for s in world.market.segments]
        if target.segment is not None and target.segment not in segments:
            problems.append(_missing(targets, target, "segment", target.segment, segments, where))
        severities = sorted({c.severity for c in world.product.components})
        if target.severity is not None and target.severity not in severities:
            problems.append(_missing(targets, target, "severity", target.severity, severities, where))
    if problems:
        raise ScenarioError(problems)


def _missing(targets: TargetSet, target: Target, field: str, value: str, known: list[str], where: str) -> Problem:
    close = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else f"; it has {', '.join(known)}"
    return Problem(targets.origin, None, f"{target.name}: {field}", f"no {field} {value!r} in {where}{hint}")


def needs_claims_table(targets: Iterable[Target]) -> bool:
    """Whether some target is a claim-level figure, so the claims tables must be kept."""
    return any(target.figure in CLAIM_FIGURES for target in targets)


def simulated_value(target: Target, replications: pd.DataFrame, claims: pd.DataFrame | None) -> float:
    """The simulation's value of the target, pooled over every replication of target.policy in the frames.

    Repurchase shares and word-of-mouth ratios are ratios of sums over replications; claim-level figures are
    computed over all claims of the policy (and segment); any other figure is the mean of its column.
    """
    own = replications[replications["policy"] == target.policy]
    if target.figure in CLAIM_FIGURES:
        if claims is None:
            raise ValueError(f"target {target.name!r}: {target.figure} needs the claims table")
        mine = claims[claims["policy"] == target.policy]
        if target.segment is not None:
            mine = mine[mine["segment"] == target.segment]
        return claim_figure(target.figure, mine)
    if target.figure == REPURCHASE_FIGURE:
        classes = (target.outcome_class,) if target.outcome_class else CLAIMED_CLASSES
        suffix = f"_{target.severity}" if target.severity else ""
        buyers = sum(own[f"repurchase_buyers_{name}{suffix}"].sum() for name in classes)
        claimants = sum(own[f"repurchase_claimants_{name}{suffix}"].sum() for name in classes)
        return _ratio(buyers, claimants)
    if target.figure == "wom_positive_to_negative":  # as metrics: the baseline talk counts among the positive
        return _ratio(own["wom_positive"].sum() + own["wom_baseline_positive"].sum(), own["wom_negative"].sum())
    if target.figure == "wom_positive_to_negative_claims":
        return _ratio(own["wom_positive"].sum(), own["wom_negative"].sum())
    return float(own[target.figure].mean()) if len(own) else math.nan


def claim_figure(figure: str, claims: pd.DataFrame) -> float:
    """A claim-level figure over these claims, with the definitions of metrics.key_figures."""
    decision = claims["decision"]
    decided = decision.isin(("approved", "denied"))
    if figure == "first_contact_resolution_share":
        return _ratio((decided & (claims["contacts"] == 1)).sum(), decided.sum())
    if figure == "first_agent_resolution_share":  # settled by the first agent: no second contact, no transfer
        return _ratio((decided & (claims["contacts"] == 1) & (claims["transfers"] == 0)).sum(), decided.sum())
    if figure == "approval_share":
        return _ratio((decision == "approved").sum(), decided.sum())
    if figure == "abandonment_share":
        return _ratio((decision == "abandoned").sum(), len(claims))
    if figure == "resolution_days_mean":
        days = (claims["closed_day"] - claims["filed_day"])[decided]
        return float(days.mean()) if len(days) else math.nan
    if figure == "contacts_per_claim":
        return _ratio(claims["contacts"].sum(), len(claims))
    if figure == "satisfaction_mean":
        satisfaction = claims["satisfaction"][decision != "open"]
        return float(satisfaction.mean()) if len(satisfaction) else math.nan
    raise ValueError(f"{figure} is not a claim-level figure")


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator) / float(denominator) if denominator else math.nan


def _counts(target: Target) -> tuple[int, int]:
    """(successes or events, trials) as whole numbers; exposure stays as given for a rate."""
    return round(target.observed * target.trials), round(target.trials)


def _probability(simulated: float) -> float:
    return min(max(simulated, PROBABILITY_FLOOR), 1.0 - PROBABILITY_FLOOR)


def log_likelihood(target: Target, simulated: float) -> float:
    """Log-likelihood of the observation if the simulated value were true; -inf when the simulation gave none."""
    if not math.isfinite(simulated):
        return -math.inf
    if target.kind == "share":
        successes, trials = _counts(target)
        return float(stats.binom.logpmf(successes, trials, _probability(simulated)))
    if target.kind == "mean":
        return float(stats.norm.logpdf(target.observed, loc=simulated, scale=target.standard_error))
    if target.kind == "rate":
        events = round(target.observed * target.trials)
        return float(stats.poisson.logpmf(events, max(simulated, PROBABILITY_FLOOR) * target.trials))
    raise ValueError(f"unknown target kind {target.kind!r}")


def max_log_likelihood(target: Target) -> float:
    """The log-likelihood at the best simulated value (the observed one): pyabc's pdf_max."""
    if target.kind == "share":
        successes, trials = _counts(target)
        return log_likelihood(target, successes / trials)
    return log_likelihood(target, target.observed)


def predictive_draw(target: Target, simulated: float, rng: np.random.Generator) -> float:
    """An observation as the firm would see it, with its sample size, if the simulated value were true."""
    if target.kind == "share":
        trials = round(target.trials)
        return float(rng.binomial(trials, _probability(simulated))) / trials
    if target.kind == "mean":
        draw = float(rng.normal(simulated, target.standard_error))
        # a share reported as a mean (a published percentage) cannot be seen outside [0, 1]
        return min(max(draw, 0.0), 1.0) if target.figure in SHARE_FIGURES else draw
    if target.kind == "rate":
        return float(rng.poisson(max(simulated, PROBABILITY_FLOOR) * target.trials)) / target.trials
    raise ValueError(f"unknown target kind {target.kind!r}")
