"""Global sensitivity of the paired difference between policies: Morris screening and Sobol indices
(SALib).

The analysis never runs the model: it takes a design (its unit-cube points) and one outcome per
point, in point order. For a sweep the outcome is the mean over replications of the paired
difference challenger - baseline in one figure; a test feeds an analytic function through the
same two calls (experiments.designs.sample_design, then `indices`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from recoverysim.errors import RecoverySimError, UsageError
from recoverysim.experiments.designs import SENSITIVITY_DESIGNS, Design
from recoverysim.experiments.sampling import design_generator, salib, unit_problem
from recoverysim.results import CSV_FLOAT_FORMAT, atomic_write
from recoverysim.table import with_interval

SENSITIVITY_FILE = "sensitivity.csv"
COLUMNS = (
    "metric",
    "baseline",
    "challenger",
    "input",
    "index",
    "value",
    "ci_low",
    "ci_high",
    "method",
)
#: The figure analysed by default: net result plus the value of the customers kept, both at day 0.
DEFAULT_METRIC = "value_total_eur"
RESAMPLES = 1000
CONFIDENCE = 0.95
METHODS = {
    "morris": "Morris elementary effects (mu_star per unit of the input's quantile range)",
    "sobol": "Sobol first-order and total indices (Saltelli sampling and estimators)",
}


def paired_point_differences(
    points: pd.DataFrame, metric: str, baseline: str, challenger: str
) -> pd.Series:
    """Per point (index), the mean over replications of challenger - baseline in `metric`, paired by
    replication."""
    if metric not in points.columns:
        raise RecoverySimError(f"points.parquet has no figure {metric!r}")
    table = points.pivot_table(
        index=["point", "replication"], columns="policy", values=metric, aggfunc="first"
    )
    for policy in (baseline, challenger):
        if policy not in table.columns:
            raise RecoverySimError(f"the sweep did not run policy {policy!r}")
    return (table[challenger] - table[baseline]).groupby(level="point").mean()


def indices(design: Design, outcome: np.ndarray, seed: int) -> pd.DataFrame:
    """Sensitivity indices of one outcome per design point, with bootstrap intervals.

    Returns rows (input, index, value, ci_low, ci_high, method): mu_star, mu and sigma for morris
    (mu_star alone has an interval); S1 and ST for sobol. The bootstrap draws from the scenario
    seed's own stream, so the same sweep gives the same intervals.
    """
    if design.kind not in SENSITIVITY_DESIGNS:
        raise RecoverySimError(
            f"a {design.kind} design has no sensitivity analysis (use morris or sobol)"
        )
    outcome = np.asarray(outcome, dtype=float)
    if outcome.shape != (len(design.points),) or np.isnan(outcome).any():
        raise RecoverySimError(
            f"the sensitivity analysis needs one number per point ({len(design.points)})"
        )
    unit = np.asarray(design.unit_points, dtype=float)
    problem = {**unit_problem(len(design.parameters)), "names": list(design.parameters)}
    _, _, morris_analysis, sobol_analysis = salib()
    generator = design_generator(seed, f"{design.kind}.bootstrap")
    rows = []
    with np.errstate(divide="ignore", invalid="ignore"):
        if design.kind == "morris":
            found = morris_analysis.analyze(
                problem,
                unit,
                outcome,
                RESAMPLES,
                CONFIDENCE,
                num_levels=design.levels,
                seed=generator,
            )
            for i, name in enumerate(design.parameters):
                star, half = float(found["mu_star"][i]), float(found["mu_star_conf"][i])
                rows += [
                    (name, "mu_star", star, star - half, star + half),
                    (name, "mu", float(found["mu"][i]), np.nan, np.nan),
                    (name, "sigma", float(found["sigma"][i]), np.nan, np.nan),
                ]
        else:
            bootstrap_seed = int(generator.integers(1, 2**31))  # SALib treats 0 as "unseeded"
            found = sobol_analysis.analyze(
                problem,
                outcome,
                calc_second_order=False,
                num_resamples=RESAMPLES,
                conf_level=CONFIDENCE,
                seed=bootstrap_seed,
            )
            for i, name in enumerate(design.parameters):
                for index in ("S1", "ST"):
                    value, half = float(found[index][i]), float(found[f"{index}_conf"][i])
                    rows.append((name, index, value, value - half, value + half))
    table = pd.DataFrame(rows, columns=["input", "index", "value", "ci_low", "ci_high"])
    return table.assign(method=design.kind)


def sensitivity_table(
    points: pd.DataFrame,
    design: Design,
    policies: tuple[str, ...],
    metrics: tuple[str, ...],
    seed: int,
) -> pd.DataFrame:
    """sensitivity.csv: indices of each challenger's paired difference against the first policy, per
    figure."""
    if len(policies) < 2:
        raise RecoverySimError(
            "a sensitivity analysis of the paired difference needs at least two policies"
        )
    baseline, frames = policies[0], []
    order = [point.index for point in design.points]
    for metric in metrics:
        for challenger in policies[1:]:
            outcome = (
                paired_point_differences(points, metric, baseline, challenger)
                .reindex(order)
                .to_numpy()
            )
            found = indices(design, outcome, seed)
            frames.append(found.assign(metric=metric, baseline=baseline, challenger=challenger))
    return pd.concat(frames, ignore_index=True)[list(COLUMNS)]


def write_sensitivity(table: pd.DataFrame, folder: Path) -> None:
    atomic_write(
        folder / SENSITIVITY_FILE,
        lambda path: table.to_csv(path, index=False, float_format=CSV_FLOAT_FORMAT),
    )


def read_sensitivity(folder: Path) -> pd.DataFrame | None:
    """sensitivity.csv of a morris or sobol sweep; None when the folder has none."""
    path = Path(folder) / SENSITIVITY_FILE
    if not path.is_file():
        return None
    try:
        table = pd.read_csv(path)
    except (OSError, ValueError) as error:
        raise RecoverySimError(f"{path}: cannot be read ({error})") from None
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise RecoverySimError(f"{path}: missing column(s) {', '.join(missing)}")
    return table


def ranking(table: pd.DataFrame, metric: str, challenger: str | None = None) -> pd.DataFrame:
    """The inputs from most to least influential on one figure: by mu_star (morris) or ST
    (sobol)."""
    rows = table[table["metric"] == metric]
    if challenger is not None:
        rows = rows[rows["challenger"] == challenger]
    headline = "mu_star" if (rows["method"] == "morris").any() else "ST"
    return (
        rows[rows["index"] == headline].sort_values("value", ascending=False).reset_index(drop=True)
    )


def describe_ranking(table: pd.DataFrame) -> list[str]:
    """One line per figure and challenger: the inputs in order of influence, with intervals, for the
    CLI."""
    lines = []
    for (metric, baseline, challenger), _ in table.groupby(
        ["metric", "baseline", "challenger"], sort=False
    ):
        ranked = ranking(table, metric, challenger)
        index = ranked["index"].iloc[0] if len(ranked) else "?"
        inputs = "; ".join(
            f"{r.input} {with_interval(r.value, r.ci_low, r.ci_high)}" for r in ranked.itertuples()
        )
        lines.append(f"{metric}, {challenger} - {baseline}, by {index}: {inputs}")
    return lines


def check_sensitivity_sweep(design_kind: str, policies: tuple[str, ...]) -> None:
    """Refuse, before any work, a morris or sobol sweep that has no paired difference to analyse."""
    if design_kind in SENSITIVITY_DESIGNS and len(policies) < 2:
        raise UsageError(
            f"a {design_kind} design analyses the paired difference between policies: run at "
            f"least two (got {', '.join(policies)})"
        )


def sweep_sensitivity(
    points: pd.DataFrame,
    design: Design,
    policies: tuple[str, ...],
    metrics: tuple[str, ...],
    seed: int,
) -> pd.DataFrame | None:
    """sensitivity.csv's table for a morris or sobol sweep; None for the other designs."""
    if design.kind not in SENSITIVITY_DESIGNS:
        return None
    return sensitivity_table(points, design, policies, metrics, seed)
