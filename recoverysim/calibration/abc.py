"""Likelihood-free Bayesian calibration of named scenario fields to observed targets (ABC-SMC with
pyabc).

Each particle is accepted with probability exp((log L - log L_max) / T), pyabc's StochasticAcceptor,
where log L is the summed binomial / normal / Poisson log-likelihood of the targets
(targets.log_likelihood) and the temperature T falls from T_0 to exactly 1 over the generations. At
T = 1 the final population is a sample of the Bayesian posterior under that stated discrepancy
(Wilkinson 2013, "Approximate Bayesian computation (ABC) gives exact results under the assumption of
model error"). T_0 is chosen so that 30 % of a sample from the prior would be accepted (pyabc's
AcceptanceRateScheme rule), then T_j = T_0^((G-1-j)/(G-1)) (pyabc's ExpDecayFixedIterScheme): the
whole schedule is fixed before the first generation and stored, so a resumed run follows the same
one.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import hashlib
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from recoverysim.calibration.parameters import FitParameter, check_applicable, parse_fit
from recoverysim.calibration.particle import ParticleModel, TargetLikelihood, parameter_key
from recoverysim.calibration.run_folder import holds_run, prepare_folder, write_manifest
from recoverysim.calibration.targets import (
    TargetSet,
    check_against,
    load_targets,
    load_worlds,
    max_log_likelihood,
)
from recoverysim.errors import RecoverySimError, UsageError
from recoverysim.experiments.driver import Interrupted
from recoverysim.experiments.executors import make_executor
from recoverysim.results import canonical_json, scenario_sha256
from recoverysim.scenario.load import load_scenario, scenario_to_dict

PYABC_HINT = "pip install 'recoverysim[calibrate]'"
INITIAL_ACCEPTANCE = 0.3
"""pyabc's default target rate for the first temperature: a convention, not a measured value."""


class CalibrationStalled(RecoverySimError):
    """A generation accepted under 1 % of its candidates: the model cannot reach the targets over
    the priors."""


@dataclass(frozen=True)
class Calibration:
    """A finished (or stopped) calibration: its folder, parameters, final population and temperature
    schedule."""

    folder: Path
    parameters: tuple[FitParameter, ...]
    targets: TargetSet
    posterior: pd.DataFrame
    temperatures: tuple[float, ...]
    generations_done: int
    finished: bool
    model: ParticleModel
    seed: int
    evaluations: int


def pyabc_module():
    """pyabc, imported only on the calibrate path, or a UsageError naming the extra to install."""
    try:
        import pyabc
    except ImportError:
        raise UsageError(
            f"calibrate needs pyabc, which is not installed; install it with {PYABC_HINT}"
        ) from None
    for name in (
        "ABC",
        "Sampler",
        "Acceptor",
        "Epsilon",
        "Distance",
        "Transition",
        "ABC.History",
        "ABC.Predictor",
    ):
        logging.getLogger(name).setLevel(logging.WARNING)  # our progress line says the same, once
    return pyabc


def file_sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def worlds_sha256(worlds: dict) -> str:
    """Every target's world as validated, so --resume notices a world file edited since (a file's
    bytes miss its `extends`)."""
    return hashlib.sha256(
        canonical_json({str(k): v for k, v in worlds.items()}).encode("utf-8")
    ).hexdigest()


@dataclass(frozen=True)
class CalibrationInputs:
    """What a calibration fits: the scenario (file and validated), the targets, the parameters,
    every world as data."""

    scenario_file: str
    overrides: tuple[str, ...]
    scenario: object
    targets: TargetSet
    parameters: tuple[FitParameter, ...]
    worlds: dict


def prepare_inputs(
    scenario: str | Path,
    targets: str | Path,
    fit: Sequence[str | FitParameter],
    *,
    overrides: Sequence[str] = (),
    claims_policy: str | None = None,
    only: Sequence[str] = (),
) -> CalibrationInputs:
    """Load and check everything before any simulation: clear errors (ScenarioError / UsageError)
    for bad input.

    `only` keeps the targets whose name matches one of these shell patterns (e.g. "TARP *"): a file
    of anchors from several worlds can be fitted part by part.
    """
    pyabc_module()
    calibrated = load_scenario(scenario, overrides)
    target_set = select_targets(load_targets(targets, claims_policy), only)
    scenarios = load_worlds(
        target_set, calibrated, overrides
    )  # each world read once, its problems named per target
    check_against(target_set, scenarios)
    parameters = tuple(p if isinstance(p, FitParameter) else parse_fit(p) for p in fit)
    if not parameters:
        raise UsageError("name at least one parameter to fit with --fit PATH=lo:hi")
    if len({p.path for p in parameters}) < len(parameters):
        raise UsageError("each --fit path may be named once")
    worlds = {world: scenario_to_dict(s) for world, s in scenarios.items()}
    check_applicable(
        parameters, {str(scenario if w is None else w): data for w, data in worlds.items()}
    )
    return CalibrationInputs(
        str(scenario), tuple(overrides), calibrated, target_set, parameters, worlds
    )


def select_targets(targets: TargetSet, patterns: Sequence[str]) -> TargetSet:
    """The targets whose name matches a pattern (all when there is none); a pattern that matches
    nothing is an error."""
    if not patterns:
        return targets
    names = [t.name for t in targets.targets]
    unmatched = [p for p in patterns if not fnmatch.filter(names, p)]
    if unmatched:
        raise UsageError(
            f"--target {unmatched[0]!r} matches no target of {targets.origin}; its targets are "
            + ", ".join(map(repr, names))
        )
    kept = tuple(
        t for t in targets.targets if any(fnmatch.fnmatchcase(t.name, p) for p in patterns)
    )
    note = f"\nFitting {len(kept)} of its {len(names)} targets (--target {' '.join(patterns)})."
    return dataclasses.replace(targets, targets=kept, summary=targets.summary + note)


def calibrate(
    scenario: str | Path,
    targets: str | Path,
    fit: Sequence[str | FitParameter],
    *,
    out: str | Path,
    overrides: Sequence[str] = (),
    claims_policy: str | None = None,
    only: Sequence[str] = (),
    **options,
) -> Calibration:
    """Fit the named parameters of `scenario` to `targets`; the final population is stored in `out`.

    `options` are those of run_calibration (replications, population, generations, seed, executor,
    ...).
    """
    inputs = prepare_inputs(
        scenario, targets, fit, overrides=overrides, claims_policy=claims_policy, only=only
    )
    return run_calibration(inputs, out=out, **options)


def run_calibration(
    inputs: CalibrationInputs,
    *,
    out: str | Path,
    replications: int = 2,
    population: int = 100,
    generations: int = 6,
    seed: int | None = None,
    executor: str = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    overwrite: bool = False,
    on_progress: Callable[[int, int, int], None] | None = None,
    stop_before_generation: int | None = None,
) -> Calibration:
    """ABC-SMC over `inputs`, stored in `out` (calibration.json and pyabc's calibration.db).

    on_progress(generation, accepted, simulated) is called after every candidate.
    stop_before_generation raises KeyboardInterrupt when that generation would start (for tests of
    --resume). Ctrl-C raises Interrupted: finished generations are kept.
    """
    pyabc = pyabc_module()
    if resume and overwrite:
        raise UsageError(
            "--resume and --overwrite exclude each other: continue the calibration or replace it"
        )
    for name, value in (
        ("replications", replications),
        ("population", population),
        ("generations", generations),
    ):
        if value < 1:
            raise UsageError(f"--{name} must be at least 1 (got {value})")
    seed = inputs.scenario.seed if seed is None else seed
    model = ParticleModel(inputs.worlds, inputs.targets.targets, inputs.parameters, replications)
    folder = Path(out)
    settings = {
        "kind": "calibration",
        "scenario": inputs.scenario_file,
        "scenario_sha256": scenario_sha256(
            inputs.scenario
        ),  # as resolved: its `extends` and --set included
        "worlds_sha256": worlds_sha256(inputs.worlds),
        "overrides": list(inputs.overrides),
        "targets": inputs.targets.origin,
        "targets_sha256": file_sha256(inputs.targets.origin),
        "targets_fitted": [t.name for t in inputs.targets.targets],
        "parameters": {p.path: {"low": p.low, "high": p.high} for p in inputs.parameters},
        "seed": seed,
        "replications": replications,
        "population": population,
        "generations": generations,
    }
    stored = prepare_folder(folder, settings, resume, overwrite)
    database = f"sqlite:///{(folder / 'calibration.db').resolve()}"
    run_executor = make_executor(executor, workers, scheduler)
    try:
        if stored.get("temperatures"):
            temperatures, pdf_norm = stored["temperatures"], stored["log_likelihood_norm"]
        else:
            temperatures, pdf_norm = temperature_schedule(
                model,
                inputs.targets,
                inputs.parameters,
                population,
                generations,
                seed,
                run_executor,
            )
        settings["log_likelihood_norm"] = pdf_norm
        write_manifest(folder, {**settings, "temperatures": list(temperatures), "finished": False})
        abc = build_abc(
            pyabc,
            model,
            inputs.targets,
            inputs.parameters,
            population,
            temperatures,
            pdf_norm,
            seed,
            run_executor,
            on_progress,
        )
        abc.sampler.interrupt_before = stop_before_generation
        observed = {t.name: t.observed for t in inputs.targets.targets}
        history = abc.load(database, 1) if holds_run(folder) else abc.new(database, observed)
        done = history.max_t + 1
        if not finished_schedule(temperatures, done):
            abc.run(max_nr_populations=generations - done)
        if abc.sampler.starved:
            generation, accepted, simulated = abc.sampler.starved
            raise CalibrationStalled(
                f"generation {generation + 1} of {generations} accepted {accepted} of "
                f"{population} particles in {simulated} simulations; the targets seem out of "
                f"reach of the model over these ranges (finished generations are kept in {folder})"
            )
    except KeyboardInterrupt:
        done = pyabc.History(database).max_t + 1 if holds_run(folder) else 0
        raise Interrupted(
            done, generations, str(folder), f"interrupted after {done} of {generations} generations"
        ) from None
    finally:
        run_executor.close()
    history = pyabc.History(database)
    done = history.max_t + 1
    finished = finished_schedule(temperatures, done)
    evaluations = int(history.total_nr_simulations)
    write_manifest(
        folder,
        {
            **settings,
            "temperatures": list(temperatures),
            "finished": finished,
            "generations_done": done,
            "evaluations": evaluations,
        },
    )
    return Calibration(
        folder,
        inputs.parameters,
        inputs.targets,
        final_population(history, inputs.parameters),
        tuple(temperatures),
        done,
        finished,
        model,
        seed,
        evaluations,
    )


def finished_schedule(temperatures: Sequence[float], done: int) -> bool:
    """Done when the last generation run was at temperature 1 (pyabc stops there) or all were
    run."""
    return done >= len(temperatures) or (done > 0 and temperatures[done - 1] <= 1.0)


def _simulate_prior_draw(
    task: tuple[ParticleModel, int, list[str]],
) -> tuple[int, dict[str, float]]:
    model, index, overrides = task
    return index, model.simulate(overrides)


def check_reachable(targets: TargetSet, simulated: Sequence[dict[str, float]]) -> None:
    """Refuse, before any generation, targets the model gives no value for at any prior draw (e.g.
    repurchase after a fast fix under a policy that never fixes fast): no particle could ever be
    accepted."""
    never = [
        t
        for t in targets.targets
        if not any(math.isfinite(values.get(t.name, math.nan)) for values in simulated)
    ]
    if never:
        names = "; ".join(f"{t.name!r} ({t.figure} under {t.policy})" for t in never)
        raise UsageError(
            f"the simulation gives no value for {names} at any of {len(simulated)} prior draws "
            "(nothing of that kind happens in the simulated world); leave it out with --target, "
            "or change the world or the ranges"
        )


def temperature_schedule(
    model: ParticleModel,
    targets: TargetSet,
    parameters: Sequence[FitParameter],
    population: int,
    generations: int,
    seed: int,
    executor,
) -> tuple[tuple[float, ...], float]:
    """The temperatures and the log-likelihood norm, both from a prior sample of `population` draws
    (seeded from (seed, 0)): the norm is the best log-likelihood found there (or the targets'
    maximum when nothing is finite), T_0 accepts 30 % of the sample against it, then exponential
    decay to 1.

    The norm is not the targets' theoretical maximum: with common random numbers a particle cannot
    reach it, and acceptance against it would be tiny. pyabc weights particles above the norm
    (rejection control), so the posterior stays exact; fixing the norm before the first generation
    keeps a resumed run identical."""
    from pyabc.distance import SCALE_LOG
    from pyabc.epsilon.temperature import match_acceptance_rate

    rng = np.random.default_rng(np.random.SeedSequence([seed, 0]))
    draws = rng.uniform(
        [p.low for p in parameters],
        [p.high for p in parameters],
        size=(population, len(parameters)),
    )
    tasks = [
        (model, i, [p.override(v) for p, v in zip(parameters, row)]) for i, row in enumerate(draws)
    ]
    simulated = dict(executor.map_unordered(_simulate_prior_draw, tasks))
    check_reachable(targets, [simulated[i] for i in range(population)])
    likelihood = TargetLikelihood(targets.targets)
    log_likelihoods = np.array([likelihood(simulated[i]) for i in range(population)])
    finite = np.isfinite(log_likelihoods)
    pdf_max = (
        float(log_likelihoods[finite].max())
        if finite.any()
        else sum(max_log_likelihood(t) for t in targets.targets)
    )
    weights = np.full(finite.sum(), 1.0 / max(finite.sum(), 1))
    first = (
        match_acceptance_rate(
            weights, log_likelihoods[finite], pdf_max, SCALE_LOG, INITIAL_ACCEPTANCE
        )
        if finite.any()
        else 1e6
    )
    first = max(float(first), 1.0)
    if generations == 1:
        return (1.0,), pdf_max
    decay = tuple(
        float(first ** ((generations - 1 - j) / (generations - 1))) for j in range(generations - 1)
    )
    return decay + (1.0,), pdf_max


def build_abc(
    pyabc,
    model: ParticleModel,
    targets: TargetSet,
    parameters: Sequence[FitParameter],
    population: int,
    temperatures: Sequence[float],
    pdf_norm: float,
    seed: int,
    executor,
    on_progress,
) -> object:
    """pyabc's ABCSMC with uniform priors, the targets' likelihood as a stochastic kernel and a
    fixed schedule."""
    from recoverysim.calibration.sampler import DeterministicSampler

    prior = pyabc.Distribution(
        **{
            parameter_key(i): pyabc.RV("uniform", p.low, p.high - p.low)
            for i, p in enumerate(parameters)
        }
    )
    kernel = pyabc.distance.FunctionKernel(
        TargetLikelihood(targets.targets), ret_scale=pyabc.distance.SCALE_LOG, pdf_max=pdf_norm
    )
    acceptor = pyabc.StochasticAcceptor(pdf_norm_method=pyabc.acceptor.pdf_norm_from_kernel)
    sampler = DeterministicSampler(executor, seed, batch_size=population, on_candidate=on_progress)
    return pyabc.ABCSMC(
        model,
        prior,
        kernel,
        population_size=population,
        acceptor=acceptor,
        eps=pyabc.epsilon.ListTemperature(list(temperatures)),
        sampler=sampler,
    )


def final_population(history, parameters: Sequence[FitParameter]) -> pd.DataFrame:
    """The last generation: one column per parameter path, and `weight` (sums to 1)."""
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    posterior = pd.DataFrame(
        {p.path: frame[parameter_key(i)].to_numpy(dtype=float) for i, p in enumerate(parameters)}
    )
    posterior["weight"] = np.asarray(weights, dtype=float) / np.sum(weights)
    return posterior
