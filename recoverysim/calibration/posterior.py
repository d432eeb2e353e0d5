"""Read a calibration folder and draw parameter sets from its posterior, one per replication, for
`run --posterior`.

A calibration folder (written by `recoverysim calibrate`) holds calibration.json (what was fitted,
and whether the fit finished) and posterior.parquet (the final generation's particles: one column
per fitted parameter, named by its scenario path, and a `weight`). Every problem found is one line
of a ScenarioError, so the CLI prints them and exits 2.

Replication r draws its parameter set with a generator seeded from (scenario seed, r) alone: the set
a replication uses does not depend on how many replications run, on the executor, or on the other
replications.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow

from recoverysim.errors import Problem, ScenarioError, UsageError
from recoverysim.scenario.load import scenario_from_dict, scenario_to_dict
from recoverysim.scenario.schema import Scenario

CALIBRATION_FILE = "calibration.json"
POSTERIOR_FILE = "posterior.parquet"
WEIGHT_COLUMN = "weight"
#: Prefix of the columns of replications.parquet that say which parameter set a replication used.
COLUMN_PREFIX = "posterior."
#: Keeps the posterior draws' stream apart from the replications' named streams
#: (recoverysim/rng.py).
DRAW_STREAM = zlib.crc32(b"posterior-draw")


@dataclass(frozen=True, eq=False)  # holds arrays: compare posteriors by `sha256`
class Posterior:
    """The weighted particles of a finished calibration, checked; `draw` resamples them."""

    folder: Path
    parameters: tuple[str, ...]
    particles: pd.DataFrame  # one column per parameter, float
    weights: np.ndarray  # normalised to sum to 1
    calibrated_scenario: str = ""

    @property
    def sha256(self) -> str:
        """A fingerprint of the parameter names, values and weights: a resumed run must use the same
        posterior."""
        digest = hashlib.sha256(json.dumps(list(self.parameters)).encode("utf-8"))
        digest.update(
            np.ascontiguousarray(
                self.particles[list(self.parameters)].to_numpy(np.float64)
            ).tobytes()
        )
        digest.update(np.ascontiguousarray(self.weights, dtype=np.float64).tobytes())
        return digest.hexdigest()

    def describe(self) -> dict:
        """What a results folder's design records about the posterior (a different one is refused on
        --resume)."""
        return {
            "sha256": self.sha256,
            "parameters": list(self.parameters),
            "particles": len(self.particles),
        }

    def draw_indices(self, count: int, seed: int) -> np.ndarray:
        """The particle each replication 0..count-1 uses: weighted resampling, replication r from
        (seed, r) alone."""
        indices = np.empty(count, dtype=np.int64)
        for replication in range(count):
            sequence = np.random.SeedSequence(entropy=(seed, replication), spawn_key=(DRAW_STREAM,))
            generator = np.random.Generator(np.random.PCG64(sequence))
            indices[replication] = generator.choice(len(self.weights), p=self.weights)
        return indices

    def draw(self, count: int, seed: int) -> pd.DataFrame:
        """One parameter set per replication 0..count-1 (index `replication`, a column per parameter
        path)."""
        if count < 1:
            raise UsageError(f"replications must be at least 1 (got {count})")
        indices = self.draw_indices(count, seed)
        drawn = self.particles.iloc[indices][list(self.parameters)].reset_index(drop=True)
        drawn.index = pd.RangeIndex(count, name="replication")
        return drawn

    def check_applies(self, scenario: Scenario) -> None:
        """Every parameter path sets a field of `scenario`, together, at the posterior mean;
        ScenarioError otherwise.

        The paths are tried together first (fields may be bound jointly, e.g. weights that sum to
        1); when that fails, each path alone names the paths at fault, or else the joint problem is
        told.
        """
        data = scenario_to_dict(scenario)
        means = [
            float(m)
            for m in self.particles[list(self.parameters)].to_numpy(np.float64).T @ self.weights
        ]
        source = str(self.folder / CALIBRATION_FILE)
        doing = f"does not apply to scenario {scenario.name!r}"
        try:
            scenario_from_dict(
                data, [override(p, m) for p, m in zip(self.parameters, means)], source=scenario.name
            )
            return
        except ScenarioError as error:
            joint = [
                Problem(
                    source,
                    None,
                    "parameters",
                    f"{doing} at the posterior mean: {problem.path}: {problem.message}",
                    problem.got,
                )
                for problem in error.problems
            ]
        problems = []
        for path, mean in zip(self.parameters, means):
            try:
                scenario_from_dict(data, [override(path, mean)], source=scenario.name)
            except ScenarioError as error:
                first = error.problems[0]
                problems.append(Problem(source, None, path, f"{doing}: {first.message}", first.got))
        raise ScenarioError(problems or joint)

    def scenarios(self, scenario: Scenario, count: int) -> list[Scenario]:
        """`scenario` with the parameter set of each replication 0..count-1 applied, as --set
        overrides would be."""
        self.check_applies(scenario)
        data = scenario_to_dict(scenario)
        made: dict[int, Scenario] = {}
        result = []
        for index in self.draw_indices(count, scenario.seed):
            if index not in made:
                row = self.particles.iloc[int(index)]
                overrides = [override(path, float(row[path])) for path in self.parameters]
                try:
                    made[index] = scenario_from_dict(data, overrides, source=scenario.name)
                except ScenarioError as error:
                    first = error.problems[0]
                    message = f"cannot be applied to scenario {scenario.name!r}: {first}"
                    raise ScenarioError(
                        [
                            Problem(
                                str(self.folder / POSTERIOR_FILE),
                                None,
                                f"row {int(index)}",
                                message,
                            )
                        ]
                    ) from None
            result.append(made[index])
        return result


def override(path: str, value: float) -> str:
    """A `--set` text whose value reads back as exactly this float (repr round-trips through YAML
    1.2)."""
    return f"{path}={float(value)!r}"


def read_posterior(folder: str | Path) -> Posterior:
    """A finished calibration folder's posterior, checked; one problem per line (ScenarioError)
    otherwise."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UsageError(
            f"--posterior {folder}: no such folder (give the --out folder of recoverysim calibrate)"
        )
    calibration = _read_calibration(folder)
    parameters = tuple(calibration["parameters"])
    frame = _read_particles(folder)
    problems = _particle_problems(folder / POSTERIOR_FILE, frame, parameters)
    if problems:
        raise ScenarioError(problems)
    weights = frame[WEIGHT_COLUMN].to_numpy(np.float64)
    particles = frame[list(parameters)].astype(np.float64).reset_index(drop=True)
    return Posterior(
        folder, parameters, particles, weights / weights.sum(), str(calibration.get("scenario", ""))
    )


def _read_calibration(folder: Path) -> dict:
    path = folder / CALIBRATION_FILE
    source = str(path)
    if not path.is_file():
        hint = (
            " (it holds a run's results, not a calibration)"
            if (folder / "manifest.json").is_file()
            else ""
        )
        raise ScenarioError(
            [
                Problem(
                    str(folder),
                    None,
                    "",
                    f"not a calibration folder: {CALIBRATION_FILE} is missing{hint}; "
                    "give the --out folder of recoverysim calibrate",
                )
            ]
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ScenarioError(
            [Problem(source, None, "", f"cannot be read as JSON ({error})")]
        ) from None
    if not isinstance(data, dict):
        raise ScenarioError(
            [Problem(source, None, "", "must be a JSON object", type(data).__name__)]
        )
    if data.get("kind") != "calibration":
        raise ScenarioError(
            [
                Problem(
                    source,
                    None,
                    "kind",
                    "must be 'calibration': this folder was not written by recoverysim calibrate",
                    repr(data.get("kind")),
                )
            ]
        )
    if data.get("finished") is not True:
        raise ScenarioError(
            [
                Problem(
                    source,
                    None,
                    "finished",
                    "the calibration did not finish; finish it with "
                    "recoverysim calibrate ... --resume before using its posterior",
                    repr(data.get("finished")),
                )
            ]
        )
    parameters = data.get("parameters")
    if (
        not isinstance(parameters, dict)
        or not parameters
        or not all(isinstance(p, str) and p for p in parameters)
    ):
        raise ScenarioError(
            [
                Problem(
                    source,
                    None,
                    "parameters",
                    "must map each fitted parameter path to its prior range",
                    _short(parameters),
                )
            ]
        )
    return data


def _read_particles(folder: Path) -> pd.DataFrame:
    path = folder / POSTERIOR_FILE
    if not path.is_file():
        raise ScenarioError(
            [
                Problem(
                    str(folder),
                    None,
                    "",
                    f"{POSTERIOR_FILE} is missing: the calibration's posterior sample is needed",
                )
            ]
        )
    try:
        return pd.read_parquet(path)
    except (
        OSError,
        ValueError,
        pyarrow.ArrowException,
    ) as error:  # a damaged file: all mean the same to a user
        message = f"cannot be read as Parquet ({type(error).__name__})"
        raise ScenarioError([Problem(str(path), None, "", message)]) from None


def _particle_problems(
    path: Path, frame: pd.DataFrame, parameters: tuple[str, ...]
) -> list[Problem]:
    """Every way the particles disagree with calibration.json or cannot be resampled."""
    source = str(path)
    if frame.empty:
        return [Problem(source, None, "", "holds no particles")]
    problems = [
        Problem(
            source, None, name, f"column missing: {CALIBRATION_FILE} lists this fitted parameter"
        )
        for name in parameters
        if name not in frame.columns
    ]
    if WEIGHT_COLUMN not in frame.columns:
        problems.append(
            Problem(source, None, WEIGHT_COLUMN, "column missing: each particle needs its weight")
        )
    extra = [c for c in frame.columns if c not in parameters and c != WEIGHT_COLUMN]
    problems += [
        Problem(source, None, name, f"is not a parameter listed in {CALIBRATION_FILE}")
        for name in extra
    ]
    for name in [p for p in parameters if p in frame.columns] + (
        [WEIGHT_COLUMN] if WEIGHT_COLUMN in frame else []
    ):
        values = pd.to_numeric(frame[name], errors="coerce").to_numpy(np.float64)
        bad = ~np.isfinite(values)
        if bad.any():
            first = int(np.argmax(bad))
            problems.append(
                Problem(
                    source,
                    None,
                    name,
                    f"must be a finite number in every row ({int(bad.sum())} rows are not, first "
                    f"row {first})",
                    _short(frame[name].iloc[first]),
                )
            )
        elif name == WEIGHT_COLUMN and (values < 0).any():
            first = int(np.argmax(values < 0))
            problems.append(
                Problem(
                    source,
                    None,
                    name,
                    f"must not be negative ({int((values < 0).sum())} rows are, first row {first})",
                    repr(float(values[first])),
                )
            )
        elif name == WEIGHT_COLUMN and not values.sum() > 0:
            problems.append(
                Problem(source, None, name, "must not all be zero", repr(float(values.sum())))
            )
    return problems


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def posterior_columns(drawn: pd.DataFrame) -> pd.DataFrame:
    """The drawn sets with columns renamed `posterior.<path>`, as replications.parquet carries
    them."""
    return drawn.rename(columns={c: f"{COLUMN_PREFIX}{c}" for c in drawn.columns})


__all__ = ["COLUMN_PREFIX", "Posterior", "override", "posterior_columns", "read_posterior"]
