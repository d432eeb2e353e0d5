"""Figures of a calibration: each parameter's posterior over its prior range, and the predictive
check. DataFrames in, Figures out; `save` writes one."""

from __future__ import annotations

from pathlib import Path
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from recoverysim.calibration.parameters import FitParameter
from recoverysim.calibration.targets import Target

BINS = 20


def posterior_figure(posterior: pd.DataFrame, parameter: FitParameter) -> Figure:
    """Weighted histogram of the final population over the prior range, the flat prior drawn for
    comparison."""
    figure = Figure(figsize=(6, 3.5), layout="constrained")
    axes = figure.subplots()
    edges = np.linspace(parameter.low, parameter.high, BINS + 1)
    axes.hist(
        posterior[parameter.path],
        bins=edges,
        weights=posterior["weight"],
        density=True,
        color="#4477aa",
        alpha=0.8,
        label="posterior",
    )
    axes.axhline(
        1.0 / (parameter.high - parameter.low),
        color="#999999",
        linestyle="--",
        label="prior (uniform)",
    )
    axes.set_xlim(parameter.low, parameter.high)
    axes.set_xlabel(parameter.path)
    axes.set_ylabel("density")
    axes.legend(frameon=False)
    return figure


def predictive_figure(targets: Sequence[Target], predictive: pd.DataFrame) -> Figure:
    """Each target on one row: the predictive draws' 95 % interval and the observation, standardised
    by the draws' mean and sd so that shares, means and rates of different scales fit one axis."""
    figure = Figure(figsize=(7, 1.2 + 0.45 * len(targets)), layout="constrained")
    axes = figure.subplots()
    for row, target in enumerate(targets):
        draws = predictive[target.name].to_numpy(dtype=float)
        draws = draws[np.isfinite(draws)]
        if draws.size == 0:
            continue
        centre, spread = draws.mean(), draws.std() or 1.0
        low, high = (np.quantile(draws, [0.025, 0.975]) - centre) / spread
        axes.plot(
            [low, high],
            [row, row],
            color="#4477aa",
            linewidth=4,
            solid_capstyle="butt",
            label="95 % predictive interval" if row == 0 else None,
        )
        axes.plot(
            (target.observed - centre) / spread,
            row,
            "o",
            color="#cc3311",
            label="observed" if row == 0 else None,
        )
    axes.set_yticks(range(len(targets)), [f"{t.name} ({t.policy})" for t in targets])
    axes.invert_yaxis()
    axes.axvline(0.0, color="#999999", linewidth=0.8)
    axes.set_xlabel("standardised: (value - predictive mean) / predictive sd")
    axes.legend(frameon=False, loc="lower right", fontsize="small")
    return figure


def save(figure: Figure, path: Path) -> None:
    figure.savefig(path, dpi=110)
