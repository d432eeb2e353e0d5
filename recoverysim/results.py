"""Store an experiment's tables in a results folder, atomically, with a manifest; read them back.

The manifest (manifest.json) says what the folder holds: the kind of run
(run, sweep, breakeven), the fully resolved scenario and its SHA-256, the
design (which policies, replications and points), which tasks are done and
whether the run is complete. `--resume` compares against it before running.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import tempfile
from dataclasses import dataclass
from datetime import datetime, UTC
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from collections.abc import Callable

import pandas as pd

from recoverysim.errors import RecoverySimError
from recoverysim.experiments.tasks import task_key
from recoverysim.metrics import outcomes_table
from recoverysim.scenario.load import scenario_to_dict
from recoverysim.scenario.schema import Scenario
from recoverysim.selection import selection_table
from recoverysim.staffing import StaffingPlan, choices_frame

if TYPE_CHECKING:
    from recoverysim.experiment import ExperimentResult

FORMAT_VERSION = 2
PACKAGES = (
    "recoverysim",
    "simpy",
    "numpy",
    "pandas",
    "pydantic",
    "pyarrow",
    "ruamel.yaml",
    "click",
)
RUN_FILES = ("summary.csv", "replications.parquet", "claims.parquet", "daily.parquet")
SWEEP_FILES = ("points.parquet", "points_summary.csv")
BREAKEVEN_FILES = ("breakeven.json", "evaluations.parquet")
DECOMPOSE_FILES = ("decomposition.csv", "decomposition.txt", "replications.parquet")
#: Written by `recoverysim design` (experiments/design_search.py, cli/design.py); optuna.journal is
#: its study.
DESIGN_FILES = (
    "frontier.parquet",
    "trials.parquet",
    "evaluations.parquet",
    "selection.csv",
    "frontier-policies.yaml",
    "frontier.png",
    "optuna.journal",
)
#: Written by `run --posterior` beside the run files: each policy's probability of being best.
PROBABILITY_BEST_FILE = "probability_best.csv"
#: Written by every `run` beside summary.csv: which policy is best on each figure, and how sure
#: (selection.py).
SELECTION_FILE = "selection.csv"
#: Sections of a scenario that do not change any replication, left out of its hash.
UNSIMULATED_SECTIONS = ("sweep", "whatif")
CSV_FLOAT_FORMAT = "%.10g"
#: Written by `recoverysim run` beside the tables when some staff was 'auto'
#: (recoverysim/staffing.py).
STAFFING_FILE = "staffing.csv"


def write_staffing_table(plan: StaffingPlan, folder: Path) -> None:
    """staffing.csv: the staff sized for each policy and channel (and bench), with the load and what
    theory predicts."""
    atomic_write(
        Path(folder) / STAFFING_FILE,
        lambda path: choices_frame(plan).to_csv(path, index=False, float_format=CSV_FLOAT_FORMAT),
    )


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_umask()


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write to a temporary file beside `path`, then rename: readers, and a resumed run, never see
    half a file."""
    try:
        handle, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
        )
        os.close(handle)
    except OSError as error:
        raise RecoverySimError(f"{path.parent}: cannot write results ({error.strerror})") from None
    try:
        write(Path(temporary))
        os.chmod(temporary, _FILE_MODE)  # mkstemp makes files private; results are ordinary files
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise RecoverySimError(f"{path}: cannot write ({error.strerror})") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_json(path: Path, data: Any) -> None:
    atomic_write(path, lambda p: p.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8"))


def prepare_folder(out: Path) -> Path:
    """Create the output folder and prove it writable, or fail clearly before any work starts."""
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise RecoverySimError(
            f"{out}: cannot create the output folder ({error.strerror})"
        ) from None
    if not out.is_dir():
        raise RecoverySimError(f"{out}: is not a folder")
    try:  # os.access says yes to root even on a read-only mount; a real file says the truth
        handle, probe = tempfile.mkstemp(dir=out, prefix=".write-probe.", suffix=".tmp")
        os.close(handle)
        os.unlink(probe)
    except OSError as error:
        raise RecoverySimError(
            f"{out}: the output folder is not writable ({error.strerror})"
        ) from None
    return out


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=True)


def simulated_part(scenario: Scenario) -> dict:
    """The resolved scenario without the sections that no replication reads."""
    data = scenario_to_dict(scenario)
    return {key: value for key, value in data.items() if key not in UNSIMULATED_SECTIONS}


def scenario_sha256(scenario: Scenario) -> str:
    """A fingerprint of everything that shapes the replications: same hash, same numbers."""
    return hashlib.sha256(canonical_json(simulated_part(scenario)).encode("utf-8")).hexdigest()


def normalised(data: Any) -> Any:
    """`data` as it reads back from JSON (tuples become lists), so stored and new designs compare
    equal."""
    return json.loads(canonical_json(data))


def new_manifest(
    kind: str,
    scenario: Scenario,
    design: dict,
    command: str,
    tasks_total: int | None,
    started: str | None = None,
    written: dict[str, str] | None = None,
) -> dict:
    """The manifest of a run that has not finished yet; `written` says who set each value
    (scenario.provenance)."""
    manifest = {
        "format_version": FORMAT_VERSION,
        "kind": kind,
        "scenario_name": scenario.name,
        "scenario_sha256": scenario_sha256(scenario),
        "seed": scenario.seed,
        "replications": design.get("replications", scenario.replications),
        "policies": list(design.get("policies", [p.name for p in scenario.policies])),
        "design": normalised(design),
        "command": command,
        "versions": package_versions(),
        "started": started or now_utc(),
        "finished": None,
        "complete": False,
        "tasks_total": tasks_total,
        "tasks_done": [],
        "scenario": scenario_to_dict(scenario),
    }
    if written is not None:
        manifest["written"] = dict(sorted(written.items()))
    return manifest


def run_design(policies: tuple[str, ...] | list[str], replications: int) -> dict:
    """What a `run` computes besides its scenario: which policies, how many replications each."""
    return {"policies": list(policies), "replications": int(replications)}


def write_run_tables(result: ExperimentResult, out: Path) -> None:
    """summary.csv, selection.csv, outcomes.csv, the parquet tables and (with a posterior)
    probability_best.csv."""
    atomic_write(
        out / "summary.csv",
        lambda p: result.summary.to_csv(p, index=False, float_format=CSV_FLOAT_FORMAT),
    )
    selection = result.selection
    atomic_write(
        out / SELECTION_FILE,
        lambda p: selection.to_csv(p, index=False, float_format=CSV_FLOAT_FORMAT),
    )
    outcomes = outcomes_table(result.replications, list(result.policies))
    atomic_write(
        out / "outcomes.csv",
        lambda p: outcomes.to_csv(p, index=False, float_format=CSV_FLOAT_FORMAT),
    )
    for name, frame in (
        ("replications", result.replications),
        ("claims", result.claims),
        ("daily", result.daily),
    ):
        atomic_write(
            out / f"{name}.parquet", lambda p, frame=frame: frame.to_parquet(p, index=False)
        )
    best = (
        result.probability_best
    )  # only when the run drew parameter sets from a posterior (run --posterior)
    if best is not None:
        atomic_write(
            out / PROBABILITY_BEST_FILE,
            lambda p: best.to_csv(p, index=False, float_format=CSV_FLOAT_FORMAT),
        )


def write_results(
    result: ExperimentResult,
    out: Path,
    started: str,
    command: str = "",
    written: dict[str, str] | None = None,
) -> None:
    """summary.csv, replications.parquet, claims.parquet, daily.parquet and manifest.json in `out`.

    `written` is what the scenario file and --set wrote (scenario.load.load_with_provenance), for
    the report.
    """
    out = prepare_folder(Path(out))
    write_run_tables(result, out)
    replications = int(result.replications["replication"].nunique())
    manifest = new_manifest(
        "run",
        result.scenario,
        run_design(result.policies, replications),
        command,
        len(result.replications),
        started,
        written,
    )
    index = {policy.name: i for i, policy in enumerate(result.scenario.policies)}
    keys = [
        task_key(index[p], int(r))
        for p, r in zip(result.replications["policy"], result.replications["replication"])
    ]
    manifest.update(finished=now_utc(), complete=True, tasks_done=sorted(keys))
    write_json(out / "manifest.json", manifest)


@dataclass(frozen=True)
class StoredResults:
    """A results folder of `recoverysim run` read back, for analysis in pandas."""

    kind: ClassVar[str] = "run"
    manifest: dict
    summary: pd.DataFrame
    replications: pd.DataFrame
    claims: pd.DataFrame
    daily: pd.DataFrame
    #: selection.csv; a folder written before it existed has it computed from the replications.
    selection: pd.DataFrame | None = None


@dataclass(frozen=True)
class StoredSweep:
    """A results folder of `recoverysim sweep` read back: one row per point, policy and replication,
    and the summary."""

    kind: ClassVar[str] = "sweep"
    manifest: dict
    points: pd.DataFrame
    points_summary: pd.DataFrame


@dataclass(frozen=True)
class StoredBreakEven:
    """A results folder of `recoverysim breakeven` read back: the answer (breakeven.json as a dict:
    value, interval, the difference there) and every evaluated replication."""

    kind: ClassVar[str] = "breakeven"
    manifest: dict
    answer: dict
    evaluations: pd.DataFrame


@dataclass(frozen=True)
class StoredDecomposition:
    """A results folder of `recoverysim decompose` read back: each lever's contribution, and the
    coalitions' runs."""

    kind: ClassVar[str] = "decompose"
    manifest: dict
    decomposition: pd.DataFrame
    replications: pd.DataFrame


@dataclass(frozen=True)
class StoredCalibration:
    """A folder of `recoverysim calibrate` read back: its record, the posterior sample, the
    parameter and fit tables (the last two absent while the calibration has not finished)."""

    kind: ClassVar[str] = "calibration"
    manifest: dict
    posterior: pd.DataFrame
    parameters: pd.DataFrame | None
    fit: pd.DataFrame | None


@dataclass(frozen=True)
class StoredDesign:
    """A folder of `recoverysim design` read back: the confirmed frontier (with the named policies),
    every candidate searched, every replication (search and confirmation) and the selection on the
    confirmation."""

    kind: ClassVar[str] = "design"
    manifest: dict
    frontier: pd.DataFrame
    trials: pd.DataFrame
    evaluations: pd.DataFrame
    selection: pd.DataFrame


FOLDER_KINDS = ("run", "sweep", "breakeven", "decompose", "calibration", "design")


def folder_kind_of(folder: str | Path) -> str:
    """What a results folder holds, from its own record (manifest.json, or calibration.json for a
    calibration)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise RecoverySimError(f"{folder}: no such folder")
    if (folder / "calibration.json").is_file() and not (folder / "manifest.json").is_file():
        return "calibration"
    kind = read_manifest(folder).get("kind", "run")
    if kind not in FOLDER_KINDS:
        raise RecoverySimError(f"{folder}: manifest.json names an unknown kind of results {kind!r}")
    return kind


def _require_kind(folder: Path, wanted: str) -> None:
    kind = folder_kind_of(folder)
    if kind != wanted:
        raise RecoverySimError(
            f"{folder}: holds a {kind} folder, not a {wanted} one; read any folder with "
            "read_results"
        )


def read_manifest(folder: str | Path) -> dict:
    path = Path(folder) / "manifest.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RecoverySimError(
            f"{folder}: not a results folder (manifest.json is missing)"
        ) from None
    except (OSError, ValueError) as error:
        raise RecoverySimError(f"{path}: cannot be read ({error})") from None


def _complete_manifest(folder: Path) -> dict:
    manifest = read_manifest(folder)
    if manifest.get("complete") is False:
        raise RecoverySimError(
            f"{folder}: the run in this folder did not finish; finish it with --resume"
        )
    return manifest


def read_results(
    folder: str | Path,
) -> (
    StoredResults
    | StoredSweep
    | StoredBreakEven
    | StoredDecomposition
    | StoredCalibration
    | StoredDesign
):
    """Any results folder read back; its `kind` says which ("run", "sweep", "breakeven",
    "decompose", "calibration", "design"). A folder that is none of them, or did not finish, is a
    clear error."""
    folder = Path(folder)
    kind = folder_kind_of(folder)
    readers = {
        "sweep": read_sweep,
        "breakeven": _read_breakeven,
        "decompose": _read_decomposition,
        "design": read_design,
    }
    if kind == "calibration":
        return _read_calibration(folder)
    if kind in readers:
        return readers[kind](folder)
    return _read_run(folder)


def _missing(folder: Path, error: FileNotFoundError, what: str) -> RecoverySimError:
    return RecoverySimError(
        f"{folder}: not a complete {what} folder ({Path(error.filename).name} is missing)"
    )


def _read_breakeven(folder: Path) -> StoredBreakEven:
    try:
        manifest = _complete_manifest(folder)
        answer = json.loads((folder / "breakeven.json").read_text(encoding="utf-8"))
        return StoredBreakEven(manifest, answer, pd.read_parquet(folder / "evaluations.parquet"))
    except FileNotFoundError as error:
        raise _missing(folder, error, "breakeven") from None


def _read_decomposition(folder: Path) -> StoredDecomposition:
    try:
        manifest = _complete_manifest(folder)
        return StoredDecomposition(
            manifest,
            pd.read_csv(folder / "decomposition.csv"),
            pd.read_parquet(folder / "replications.parquet"),
        )
    except FileNotFoundError as error:
        raise _missing(folder, error, "decompose") from None


def read_design(folder: str | Path) -> StoredDesign:
    """A complete `recoverysim design` folder read back."""
    folder = Path(folder)
    try:
        manifest = _complete_manifest(folder)
        tables = {
            name: pd.read_parquet(folder / f"{name}.parquet")
            for name in ("frontier", "trials", "evaluations")
        }
        return StoredDesign(manifest, selection=pd.read_csv(folder / SELECTION_FILE), **tables)
    except FileNotFoundError as error:
        raise _missing(folder, error, "design") from None


def _read_calibration(folder: Path) -> StoredCalibration:
    try:
        record = json.loads((folder / "calibration.json").read_text(encoding="utf-8"))
        optional = {name: folder / f"{name}.csv" for name in ("parameters", "fit")}
        tables = {
            name: pd.read_csv(path) if path.is_file() else None for name, path in optional.items()
        }
        return StoredCalibration(record, pd.read_parquet(folder / "posterior.parquet"), **tables)
    except FileNotFoundError as error:
        raise _missing(folder, error, "calibration") from None
    except ValueError as error:
        raise RecoverySimError(f"{folder}: calibration.json cannot be read ({error})") from None


def _read_run(folder: Path) -> StoredResults:
    try:
        manifest = _complete_manifest(folder)
        replications = pd.read_parquet(folder / "replications.parquet")
        selection_file = folder / SELECTION_FILE
        if selection_file.is_file():
            selection = pd.read_csv(selection_file)
        else:
            policies = manifest.get("policies") or list(dict.fromkeys(replications["policy"]))
            selection = selection_table(replications, policies)
        return StoredResults(
            manifest,
            pd.read_csv(folder / "summary.csv"),
            replications,
            pd.read_parquet(folder / "claims.parquet"),
            pd.read_parquet(folder / "daily.parquet"),
            selection,
        )
    except FileNotFoundError as error:
        raise RecoverySimError(
            f"{folder}: not a complete results folder ({Path(error.filename).name} is missing)"
        ) from None


def read_sweep(folder: str | Path) -> StoredSweep:
    folder = Path(folder)
    _require_kind(folder, "sweep")
    try:
        manifest = _complete_manifest(folder)
        return StoredSweep(
            manifest,
            pd.read_parquet(folder / "points.parquet"),
            pd.read_csv(folder / "points_summary.csv"),
        )
    except FileNotFoundError as error:
        raise RecoverySimError(
            f"{folder}: not a complete sweep folder ({Path(error.filename).name} is missing)"
        ) from None
