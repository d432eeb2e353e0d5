"""Map unit-cube points to parameter values through each parameter's quantile function
(scipy.stats).

A range 'lo:hi' is uniform on [lo, hi]; a Distribution is the scipy.stats distribution it names,
truncated to its bounds by mapping u to the quantile at F(low) + u (F(high) - F(low)).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from recoverysim.scenario.schema import Distribution, parse_range

#: Unit points at exactly 0 or 1 would give infinite values at an unbounded end; they move in by
#: this much there.
EDGE = 1e-12


def frozen_distribution(spec: str | Distribution):
    """The scipy.stats distribution of a sweep parameter, before truncation."""
    if isinstance(spec, str):
        low, high, _ = parse_range(spec)
        return stats.uniform(loc=low, scale=high - low)
    if spec.distribution == "uniform":
        return stats.uniform(loc=spec.low, scale=spec.high - spec.low)
    if spec.distribution == "triangular":
        width = spec.high - spec.low
        return stats.triang(c=(spec.mode - spec.low) / width, loc=spec.low, scale=width)
    if spec.distribution == "beta":
        return stats.beta(spec.a, spec.b, loc=spec.low, scale=spec.high - spec.low)
    if spec.distribution == "normal":
        return stats.norm(loc=spec.mean, scale=spec.sd)
    log_mean, log_sd = spec.log_parameters()
    return stats.lognorm(s=log_sd, scale=np.exp(log_mean))


def quantiles(spec: str | Distribution, unit: np.ndarray) -> np.ndarray:
    """Values at probabilities `unit` (in [0, 1]) of the parameter's distribution, truncated to its
    bounds."""
    unit = np.asarray(unit, dtype=float)
    distribution = frozen_distribution(spec)
    if isinstance(spec, str) or spec.distribution not in ("normal", "lognormal"):
        return distribution.ppf(unit)
    lowest = EDGE if spec.low is None and spec.distribution == "normal" else 0.0
    unit = np.clip(unit, lowest, 1.0 - EDGE if spec.high is None else 1.0)
    low = 0.0 if spec.low is None else distribution.cdf(spec.low)
    high = 1.0 if spec.high is None else distribution.cdf(spec.high)
    values = distribution.ppf(low + unit * (high - low))
    return np.clip(
        values,
        -np.inf if spec.low is None else spec.low,
        np.inf if spec.high is None else spec.high,
    )
