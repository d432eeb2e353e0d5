"""Calibration targets: read them (a YAML targets file or a claims CSV), check them against their
worlds, and say how far a simulation is from each: its estimate of the target, and the
log-likelihood of the observation given it.

Discrepancies (scipy.stats): a share is binomial (observed x trials successes of trials), a mean is
normal with its standard error, a rate is Poisson (observed x exposure events in the exposure). The
simulation's own estimate is uncertain too (a repurchase share out of 300 simulated claimants is not
the model's true share), and with common random numbers that error is the same for every particle,
so it shifts the posterior unless it is counted. Each discrepancy therefore integrates over it: the
share's probability is Beta(k + 1/2, m - k + 1/2) from the simulated counts (beta-binomial), the
mean's variance is the sum of the observed and the simulated squared standard errors, and the rate
is Gamma-distributed (negative binomial). docs/calibration.md describes the file format, the CSV
rule, the figures and where each simulated standard error comes from.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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
    "Simulated",
    "Target",
    "TargetSet",
    "check_against",
    "load_targets",
    "load_worlds",
    "log_likelihood",
    "max_log_likelihood",
    "needs_claims_table",
    "predictive_draw",
    "simulated_estimate",
    "simulated_value",
]
PROBABILITY_FLOOR = 1e-9
#: The base price tier's expected resolution time (behaviour.expected_resolution_days): the model's
#: fast-fix line.
DEFAULT_FAST_WITHIN_DAYS = Behaviour().expected_resolution_days


def load_targets(
    path: str | Path, policy: str | None = None, fast_within_days: float | None = None
) -> TargetSet:
    """Targets from a YAML file, or from a claims CSV observed under `policy` (summarised by
    claims_csv's rule).

    `fast_within_days` is the CSV's line between a fast and a slow fix (default: the behaviour
    default, 5 days); it should be the calibrated scenario's expected resolution time. Raises
    ScenarioError, one Problem per problem.
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
                f"{path}: a claims CSV needs the policy its claims were observed under "
                "(--claims-policy NAME)"
            )
        within = DEFAULT_FAST_WITHIN_DAYS if fast_within_days is None else float(fast_within_days)
        summarised = summarise_claims_csv(path, policy, within)
        return TargetSet(summarised.targets, str(path), summarised.summary)
    raise ScenarioError(
        [Problem(str(path), None, "", "a targets file ends in .yaml or .yml, a claims CSV in .csv")]
    )


def load_worlds(
    targets: TargetSet, calibrated: Scenario, overrides: Iterable[str] = ()
) -> dict[Path | None, Scenario]:
    """The calibrated scenario (key None) and every other world a target names, loaded once each
    with the same `overrides` (--set) as the calibrated scenario, as the fitted values are: a world
    is changed with the scenario."""
    from recoverysim.scenario.load import load_scenario

    worlds: dict[Path | None, Scenario] = {None: calibrated}
    problems = []
    for target in targets.targets:
        if target.world is None or target.world in worlds:
            continue
        try:
            worlds[target.world] = load_scenario(target.world, overrides)
        except ScenarioError as error:
            problems.extend(
                Problem(targets.origin, None, f"{target.name}: world", f"{target.world}: {p}")
                for p in error.problems
            )
            worlds[target.world] = None  # type: ignore[assignment]  # reported once, not per target
    if problems:
        raise ScenarioError(problems)
    return worlds


def check_against(targets: TargetSet, scenarios: dict[Path | None, Scenario]) -> None:
    """Every target's world loads and has its policy, segment and severity; ScenarioError lists what
    does not.

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
            problems.append(
                _missing(targets, target, "severity", target.severity, severities, where)
            )
    if problems:
        raise ScenarioError(problems)


def _missing(
    targets: TargetSet, target: Target, field: str, value: str, known: list[str], where: str
) -> Problem:
    close = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else f"; it has {', '.join(known)}"
    return Problem(
        targets.origin, None, f"{target.name}: {field}", f"no {field} {value!r} in {where}{hint}"
    )


def needs_claims_table(targets: Iterable[Target]) -> bool:
    """Whether some target is a claim-level figure, so the claims tables must be kept."""
    return any(target.figure in CLAIM_FIGURES for target in targets)


#: Column figures that are a share of another column of the same replication: their simulated
#: counts.
SHARE_OF_COLUMN = {"fraud_share": "claims", "abandonment_share": "claims"}
#: Column figures that count events; their simulated standard error is Poisson's, sqrt(total) /
#: replications.
COUNT_FIGURES = (
    "claims",
    "wom_positive",
    "wom_negative",
    "unclaimed_failures",
    "fraud_accounts_closed",
)


@dataclass(frozen=True)
class Simulated:
    """The simulation's estimate of a target: its value, that value's standard error, and for a
    share the counts behind it (successes of trials). standard_error 0 with no counts means the
    noise is not known (one replication of a figure that is neither a share with counts nor a
    count)."""

    value: float
    standard_error: float = 0.0
    successes: float | None = None
    trials: float | None = None

    @classmethod
    def share(cls, successes: float, trials: float) -> Simulated:
        if not trials:
            return cls(math.nan)
        value = float(successes) / float(trials)
        return cls(
            value,
            math.sqrt(value * (1.0 - value) / trials),
            float(successes),
            float(trials),
        )

    def statistics(self, name: str) -> dict[str, float]:
        """As pyabc's summary statistics (a flat dict of floats) under the target's name."""
        counts = (math.nan, math.nan) if self.trials is None else (self.successes, self.trials)
        return {
            name: self.value,
            f"{name}{STATISTIC_SEPARATOR}se": self.standard_error,
            f"{name}{STATISTIC_SEPARATOR}successes": counts[0],
            f"{name}{STATISTIC_SEPARATOR}trials": counts[1],
        }

    @classmethod
    def from_statistics(cls, statistics: Mapping[str, float], name: str) -> Simulated:
        """The estimate stored by `statistics`; a bare value (an older store) reads as one with no
        known noise."""
        value = float(statistics[name])
        se = float(statistics.get(f"{name}{STATISTIC_SEPARATOR}se", 0.0))
        trials = statistics.get(f"{name}{STATISTIC_SEPARATOR}trials", math.nan)
        if trials is None or not math.isfinite(trials):
            return cls(value, se if math.isfinite(se) else 0.0)
        return cls(
            value,
            se,
            float(statistics[f"{name}{STATISTIC_SEPARATOR}successes"]),
            float(trials),
        )


STATISTIC_SEPARATOR = "::"


def simulated_value(
    target: Target, replications: pd.DataFrame, claims: pd.DataFrame | None
) -> float:
    """The simulation's value of the target (simulated_estimate's value)."""
    return simulated_estimate(target, replications, claims).value


def simulated_estimate(
    target: Target, replications: pd.DataFrame, claims: pd.DataFrame | None
) -> Simulated:
    """The simulation's estimate of the target, pooled over every replication of target.policy in
    the frames.

    Repurchase shares and word-of-mouth ratios are ratios of sums over replications; claim-level
    figures are computed over all claims of the policy (and segment); any other figure is the mean
    of its column. The standard error comes from the counts behind a share, the sample sd of a
    claim-level mean, Poisson for counts and the word-of-mouth ratio (a lower bound: listeners
    cluster), else the spread over replications (none with one).
    """
    own = replications[replications["policy"] == target.policy]
    if target.figure in CLAIM_FIGURES:
        if claims is None:
            raise ValueError(f"target {target.name!r}: {target.figure} needs the claims table")
        mine = claims[claims["policy"] == target.policy]
        if target.segment is not None:
            mine = mine[mine["segment"] == target.segment]
        return claim_estimate(target.figure, mine)
    if target.figure == REPURCHASE_FIGURE:
        classes = (target.outcome_class,) if target.outcome_class else CLAIMED_CLASSES
        suffix = f"_{target.severity}" if target.severity else ""
        buyers = sum(own[f"repurchase_buyers_{name}{suffix}"].sum() for name in classes)
        claimants = sum(own[f"repurchase_claimants_{name}{suffix}"].sum() for name in classes)
        return Simulated.share(buyers, claimants)
    if (
        target.figure == "wom_positive_to_negative"
    ):  # as metrics: the baseline talk counts among the positive
        return _poisson_ratio(
            own["wom_positive"].sum() + own["wom_baseline_positive"].sum(),
            own["wom_negative"].sum(),
        )
    if target.figure == "wom_positive_to_negative_claims":
        return _poisson_ratio(own["wom_positive"].sum(), own["wom_negative"].sum())
    if not len(own):
        return Simulated(math.nan)
    column = own[target.figure].astype(float)
    if target.figure in SHARE_OF_COLUMN and SHARE_OF_COLUMN[target.figure] in own:
        trials = own[SHARE_OF_COLUMN[target.figure]].astype(float)
        return Simulated.share(float((column * trials).sum()), float(trials.sum()))
    if target.figure in COUNT_FIGURES:
        return Simulated(
            float(column.mean()), math.sqrt(max(float(column.sum()), 0.0)) / len(column)
        )
    spread = float(column.std(ddof=1)) / math.sqrt(len(column)) if len(column) > 1 else 0.0
    return Simulated(float(column.mean()), spread if math.isfinite(spread) else 0.0)


def claim_figure(figure: str, claims: pd.DataFrame) -> float:
    """A claim-level figure over these claims, with the definitions of metrics.key_figures."""
    return claim_estimate(figure, claims).value


def claim_estimate(figure: str, claims: pd.DataFrame) -> Simulated:
    """A claim-level figure over these claims and its standard error (counts for a share, sample sd
    for a mean)."""
    decision = claims["decision"]
    decided = decision.isin(("approved", "denied"))
    if figure == "first_contact_resolution_share":
        return Simulated.share((decided & (claims["contacts"] == 1)).sum(), decided.sum())
    if (
        figure == "first_agent_resolution_share"
    ):  # settled by the first agent: no second contact, no transfer
        return Simulated.share(
            (decided & (claims["contacts"] == 1) & (claims["transfers"] == 0)).sum(),
            decided.sum(),
        )
    if figure == "approval_share":
        return Simulated.share((decision == "approved").sum(), decided.sum())
    if figure == "abandonment_share":
        return Simulated.share((decision == "abandoned").sum(), len(claims))
    if figure == "resolution_days_mean":
        return _sample_mean((claims["closed_day"] - claims["filed_day"])[decided])
    if figure == "contacts_per_claim":
        return _sample_mean(claims["contacts"])
    if figure == "satisfaction_mean":
        return _sample_mean(claims["satisfaction"][decision != "open"])
    raise ValueError(f"{figure} is not a claim-level figure")


def _sample_mean(values: pd.Series) -> Simulated:
    values = values.astype(float)
    if not len(values):
        return Simulated(math.nan)
    spread = float(values.std(ddof=1)) / math.sqrt(len(values)) if len(values) > 1 else 0.0
    return Simulated(float(values.mean()), spread)


def _poisson_ratio(numerator: float, denominator: float) -> Simulated:
    """A ratio of two event counts, with the delta-method standard error of independent Poisson
    counts."""
    if not denominator:
        return Simulated(math.nan)
    ratio = float(numerator) / float(denominator)
    relative = math.sqrt(1.0 / numerator + 1.0 / denominator) if numerator else 0.0
    return Simulated(ratio, ratio * relative)


def _counts(target: Target) -> tuple[int, int]:
    """(successes or events, trials) as whole numbers; exposure stays as given for a rate."""
    return round(target.observed * target.trials), round(target.trials)


def _probability(simulated: float) -> float:
    return min(max(simulated, PROBABILITY_FLOOR), 1.0 - PROBABILITY_FLOOR)


def _estimate(simulated: float | Simulated) -> Simulated:
    return simulated if isinstance(simulated, Simulated) else Simulated(float(simulated))


def _beta_of_share(estimate: Simulated) -> tuple[float, float] | None:
    """The distribution of the model's true share given its simulated estimate: Beta from the
    counts (Jeffreys), or matched to the value and standard error; None when the estimate carries
    no noise."""
    if estimate.trials is not None and estimate.trials > 0:
        return estimate.successes + 0.5, estimate.trials - estimate.successes + 0.5
    p = _probability(estimate.value)
    if estimate.standard_error > 0 and p * (1 - p) > estimate.standard_error**2:
        size = p * (1 - p) / estimate.standard_error**2 - 1.0
        return p * size, (1 - p) * size
    return None


def _gamma_of_rate(estimate: Simulated) -> tuple[float, float] | None:
    """(shape, rate) of the Gamma matched to a simulated rate and its standard error; None without
    noise."""
    value = max(estimate.value, PROBABILITY_FLOOR)
    if estimate.standard_error <= 0:
        return None
    return value**2 / estimate.standard_error**2, value / estimate.standard_error**2


def log_likelihood(target: Target, simulated: float | Simulated) -> float:
    """Log-likelihood of the observation given the simulation's estimate, integrated over that
    estimate's own error; -inf when the simulation gave none. A bare float is an estimate without
    noise."""
    estimate = _estimate(simulated)
    if not math.isfinite(estimate.value):
        return -math.inf
    if target.kind == "share":
        successes, trials = _counts(target)
        beta = _beta_of_share(estimate)
        if beta is None:
            return float(stats.binom.logpmf(successes, trials, _probability(estimate.value)))
        return float(stats.betabinom.logpmf(successes, trials, *beta))
    if target.kind == "mean":
        scale = math.hypot(target.standard_error, estimate.standard_error)
        return float(stats.norm.logpdf(target.observed, loc=estimate.value, scale=scale))
    if target.kind == "rate":
        events = round(target.observed * target.trials)
        gamma = _gamma_of_rate(estimate)
        if gamma is None:
            return float(
                stats.poisson.logpmf(events, max(estimate.value, PROBABILITY_FLOOR) * target.trials)
            )
        shape, rate = gamma
        return float(stats.nbinom.logpmf(events, shape, rate / (rate + target.trials)))
    raise ValueError(f"unknown target kind {target.kind!r}")


def max_log_likelihood(target: Target) -> float:
    """The log-likelihood at the best simulated value (the observed one, without noise): pyabc's
    pdf_max.

    It bounds every noisy estimate's likelihood too: a beta-binomial, a wider normal and a negative
    binomial are mixtures of the noiseless distribution, never above its best."""
    if target.kind == "share":
        successes, trials = _counts(target)
        return log_likelihood(target, successes / trials)
    return log_likelihood(target, target.observed)


def predictive_draw(
    target: Target, simulated: float | Simulated, rng: np.random.Generator
) -> float:
    """An observation as the firm would see it, with its sample size, if the model's true value were
    drawn from the simulation's estimate (its own error included)."""
    estimate = _estimate(simulated)
    if target.kind == "share":
        trials = round(target.trials)
        beta = _beta_of_share(estimate)
        p = rng.beta(*beta) if beta is not None else _probability(estimate.value)
        return float(rng.binomial(trials, p)) / trials
    if target.kind == "mean":
        draw = float(
            rng.normal(
                estimate.value,
                math.hypot(target.standard_error, estimate.standard_error),
            )
        )
        # a share reported as a mean (a published percentage) cannot be seen outside [0, 1]
        return min(max(draw, 0.0), 1.0) if target.figure in SHARE_FIGURES else draw
    if target.kind == "rate":
        gamma = _gamma_of_rate(estimate)
        rate = (
            rng.gamma(gamma[0], 1.0 / gamma[1])
            if gamma is not None
            else max(estimate.value, PROBABILITY_FLOOR)
        )
        return float(rng.poisson(rate * target.trials)) / target.trials
    raise ValueError(f"unknown target kind {target.kind!r}")
