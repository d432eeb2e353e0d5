"""Points in the unit cube for the sampled sweep designs, each from its own stream of the scenario
seed.

latin_hypercube and sobol_sequence come from scipy.stats.qmc; morris (trajectories of elementary
effects) and sobol (Saltelli's cross-sampling for first and total indices) from SALib, which is an
optional extra: the designs that need it say how to install it.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import qmc

from recoverysim.errors import UsageError
from recoverysim.rng import stream_key

INSTALL_HINT = "pip install 'recoverysim[sensitivity]'"


def design_generator(seed: int, design: str) -> np.random.Generator:
    """The design's own stream: (scenario seed, 'sweep.<design>'), independent of every
    replication's streams."""
    key = stream_key(f"sweep.{design}")
    return np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(entropy=(seed,), spawn_key=(key,)))
    )


def salib():
    """SALib's samplers and analysers, imported only when a sensitivity design is used."""
    try:
        from SALib.analyze import morris as morris_analysis
        from SALib.analyze import sobol as sobol_analysis
        from SALib.sample import morris as morris_sample
        from SALib.sample import sobol as sobol_sample
    except ImportError:
        raise UsageError(f"the morris and sobol designs need SALib: {INSTALL_HINT}") from None
    return morris_sample, sobol_sample, morris_analysis, sobol_analysis


def unit_problem(inputs: int) -> dict:
    """A SALib problem on the unit cube: values are mapped through the distributions afterwards."""
    return {
        "num_vars": inputs,
        "names": [f"x{i}" for i in range(inputs)],
        "bounds": [[0.0, 1.0]] * inputs,
    }


def unit_points(
    design: str, inputs: int, count: int, seed: int, levels: int | None = None
) -> np.ndarray:
    """Rows of the design in [0, 1]^inputs.

    count is the number of points (latin_hypercube, sobol_sequence), of Morris trajectories, or of
    Sobol base samples; the last two give count x (inputs + 1) and count x (inputs + 2) rows.
    """
    generator = design_generator(seed, design)
    if design == "latin_hypercube":
        return qmc.LatinHypercube(inputs, seed=generator).random(count)
    if design == "sobol_sequence":
        return qmc.Sobol(inputs, scramble=True, seed=generator).random(count)
    morris_sample, sobol_sample, _, _ = salib()
    if design == "morris":
        return morris_sample.sample(unit_problem(inputs), count, num_levels=levels, seed=generator)
    if design == "sobol":
        return sobol_sample.sample(
            unit_problem(inputs), count, calc_second_order=False, seed=generator
        )
    raise ValueError(f"{design} is not a sampled design")
