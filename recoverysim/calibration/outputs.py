"""The files of a calibration folder: posterior sample, fit table (posterior predictive), parameter
table (identifiability), figures and the calibrated scenario. Pure tables first, then one function
that writes them all."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from collections.abc import Sequence

import numpy as np
import pandas as pd

from recoverysim.calibration.parameters import FitParameter
from recoverysim.calibration.targets import Simulated, Target, predictive_draw
from recoverysim.experiments.executors import Executor
from recoverysim.results import package_versions as simulator_versions
from recoverysim.scenario.load import dump_yaml, scenario_from_dict, scenario_to_dict

if TYPE_CHECKING:
    from recoverysim.calibration.abc import Calibration

PREDICTIVE_DRAWS = 40
"""Particles resampled for the posterior predictive check: enough for a 95 % interval of the draws,
cheap."""
PREDICTIVE_STREAM = 1_000_003
"""Seed key of the predictive check's generator, apart from the sampler's keys (seed, t + 1,
...)."""
IDENTIFIED_BELOW = 0.5
WEAKLY_BELOW = 0.75
"""Convention, not a published rule: posterior sd / prior sd below 0.5 is 'yes', below 0.75
'weakly', else 'no'. A parameter no target depends on keeps its uniform prior, ratio 1; estimated
from a final population whose effective size is n, the ratio's own sd is about 1/sqrt(2 n), so with
the default 100 particles (n ~ 70) 'no' is safe and with 30 (n ~ 20) a ratio near 0.75 can still be
an unidentified parameter."""


def package_versions() -> dict[str, str]:
    """The simulator's package versions plus pyabc's."""
    from importlib import metadata

    versions = simulator_versions()
    try:
        versions["pyabc"] = metadata.version("pyabc")
    except metadata.PackageNotFoundError:
        versions["pyabc"] = "not installed"
    return versions


def weighted_quantiles(
    values: np.ndarray, weights: np.ndarray, quantiles: Sequence[float]
) -> np.ndarray:
    """Quantiles of a weighted sample (the inverse of its weighted empirical distribution, midpoint
    rule)."""
    order = np.argsort(values, kind="stable")
    values, weights = np.asarray(values, float)[order], np.asarray(weights, float)[order]
    cumulative = (np.cumsum(weights) - 0.5 * weights) / weights.sum()
    return np.interp(quantiles, cumulative, values)


def parameter_table(posterior: pd.DataFrame, parameters: Sequence[FitParameter]) -> pd.DataFrame:
    """Each parameter: prior range, posterior weighted mean and 95 % interval, sd ratio and whether
    identified."""
    weights = posterior["weight"].to_numpy()
    rows = []
    for parameter in parameters:
        values = posterior[parameter.path].to_numpy()
        mean = float(np.average(values, weights=weights))
        sd = float(np.sqrt(np.average((values - mean) ** 2, weights=weights)))
        low, high = weighted_quantiles(values, weights, [0.025, 0.975])
        ratio = sd / ((parameter.high - parameter.low) / np.sqrt(12.0))  # sd of the uniform prior
        rows.append(
            (
                parameter.path,
                parameter.low,
                parameter.high,
                mean,
                float(low),
                float(high),
                ratio,
                identified(ratio),
            )
        )
    columns = [
        "parameter",
        "prior_low",
        "prior_high",
        "posterior_mean",
        "posterior_low",
        "posterior_high",
        "sd_ratio",
        "identified",
    ]
    return pd.DataFrame(rows, columns=columns)


COLLAPSED_BELOW = 0.2
"""Convention: a final population whose effective sample size is under a fifth of its particles has
collapsed."""


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish's effective sample size of importance weights, 1 / sum(w^2) of the normalised
    weights."""
    weights = np.asarray(weights, dtype=float) / np.sum(weights)
    return float(1.0 / np.sum(weights**2))


def collapse_warning(posterior: pd.DataFrame) -> str | None:
    """A warning when a few particles carry the posterior (its intervals are then too narrow), else
    None."""
    size = effective_sample_size(posterior["weight"].to_numpy())
    if size >= COLLAPSED_BELOW * len(posterior):
        return None
    return (
        f"warning: the posterior's effective sample size is {size:.1f} of {len(posterior)} "
        "particles: a few particles carry it, so its intervals are too narrow; rerun with a "
        "larger --population or more --generations"
    )


def identified(sd_ratio: float) -> str:
    if sd_ratio < IDENTIFIED_BELOW:
        return "yes"
    if sd_ratio < WEAKLY_BELOW:
        return "weakly"
    return "no (posterior ~ prior)"


def posterior_means(
    posterior: pd.DataFrame, parameters: Sequence[FitParameter]
) -> dict[str, float]:
    weights = posterior["weight"].to_numpy()
    return {
        p.path: float(np.average(posterior[p.path].to_numpy(), weights=weights)) for p in parameters
    }


def _simulate_draw(task) -> tuple[int, dict[str, float]]:
    model, index, overrides = task
    return index, model.simulate(overrides)


def predictive_sample(
    calibration: Calibration, executor: Executor, draws: int = PREDICTIVE_DRAWS
) -> pd.DataFrame:
    """Observations as the firm would see them if the simulation were true, at particles resampled
    by weight.

    One row per draw, one column per target; seeded from the calibration's seed, the same for any
    executor.
    """
    rng = np.random.default_rng(np.random.SeedSequence([calibration.seed, PREDICTIVE_STREAM]))
    posterior = calibration.posterior
    chosen = rng.choice(len(posterior), size=draws, replace=True, p=posterior["weight"].to_numpy())
    tasks = [
        (
            calibration.model,
            i,
            [p.override(posterior[p.path].iloc[row]) for p in calibration.parameters],
        )
        for i, row in enumerate(chosen)
    ]
    simulated = dict(executor.map_unordered(_simulate_draw, tasks))
    targets = calibration.targets.targets
    rows = [
        {
            t.name: predictive_draw(t, Simulated.from_statistics(simulated[i], t.name), rng)
            for t in targets
        }
        for i in range(draws)
    ]
    return pd.DataFrame(rows, columns=[t.name for t in calibration.targets.targets])


def fit_table(targets: Sequence[Target], predictive: pd.DataFrame) -> pd.DataFrame:
    """Each target: observed, the predictive mean and 95 % interval, and whether the observation
    lies inside."""
    rows = []
    for target in targets:
        draws = predictive[target.name].to_numpy(dtype=float)
        draws = draws[np.isfinite(draws)]
        mean = float(draws.mean()) if draws.size else float("nan")
        low, high = np.quantile(draws, [0.025, 0.975]) if draws.size else (np.nan, np.nan)
        rows.append(
            (
                target.name,
                target.figure,
                target.policy,
                target.observed,
                mean,
                float(low),
                float(high),
                bool(low <= target.observed <= high),
            )
        )
    columns = [
        "target",
        "figure",
        "policy",
        "observed",
        "simulated_mean",
        "simulated_low",
        "simulated_high",
        "within",
    ]
    return pd.DataFrame(rows, columns=columns)


def calibrated_scenario(calibration: Calibration, means: dict[str, float]) -> dict:
    """The calibrated scenario (its file, --set and the posterior means applied) as plain data."""
    overrides = [p.override(means[p.path]) for p in calibration.parameters]
    return scenario_to_dict(scenario_from_dict(calibration.model.worlds[None], overrides))


def write_calibrated_yaml(
    path: Path, data: dict, calibration: Calibration, means: dict[str, float]
) -> None:
    header = [
        f"# Calibrated by `recoverysim calibrate` on {datetime.date.today().isoformat()}: the "
        "scenario",
        f"# {calibration.model.worlds[None].get('name')} with the posterior means of "
        f"{len(means)} parameters,",
        f"# fitted to {calibration.targets.origin} (see calibration.json, fit.csv and "
        "parameters.csv here).",
        *(f"#   {path_} = {value:.6g}" for path_, value in means.items()),
    ]
    with path.open("w", encoding="utf-8") as stream:
        stream.write("\n".join(header) + "\n")
        dump_yaml(data, stream)


def write_outputs(
    calibration: Calibration, executor: Executor
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Write every file of the calibration folder but calibration.json/.db; returns (fit table,
    parameter table)."""
    from recoverysim.calibration import figures

    folder = calibration.folder
    calibration.posterior.to_parquet(folder / "posterior.parquet", index=False)
    predictive = predictive_sample(calibration, executor)
    fit = fit_table(calibration.targets.targets, predictive)
    table = parameter_table(calibration.posterior, calibration.parameters)
    fit.to_csv(folder / "fit.csv", index=False)
    table.to_csv(folder / "parameters.csv", index=False)
    for parameter in calibration.parameters:
        figures.save(
            figures.posterior_figure(calibration.posterior, parameter),
            folder / f"posterior_{parameter.path}.png",
        )
    figures.save(
        figures.predictive_figure(calibration.targets.targets, predictive),
        folder / "predictive_check.png",
    )
    means = posterior_means(calibration.posterior, calibration.parameters)
    write_calibrated_yaml(
        folder / "calibrated.yaml", calibrated_scenario(calibration, means), calibration, means
    )
    return fit, table
