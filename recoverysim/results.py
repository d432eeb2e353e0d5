"""Store an experiment's tables in a results folder, atomically, with a manifest; read them back."""

from __future__ import annotations

import json
import os
import platform
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Callable

import pandas as pd

from recoverysim.errors import RecoverySimError
from recoverysim.experiment import ExperimentResult
from recoverysim.scenario.load import scenario_to_dict

FORMAT_VERSION = 1
PACKAGES = ("recoverysim", "simpy", "numpy", "pandas", "pydantic", "pyarrow", "ruamel.yaml", "click")


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def now_utc() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write to a temporary file beside `path`, then rename: readers never see half a file."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        write(Path(temporary))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def prepare_folder(out: Path) -> Path:
    """Create the output folder, or fail clearly before any work starts."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise RecoverySimError(f"{out}: cannot create the output folder ({error.strerror})") from None
    if not out.is_dir() or not os.access(out, os.W_OK):
        raise RecoverySimError(f"{out}: the output folder is not writable")
    return out


def write_results(result: ExperimentResult, out: Path, started: str, command: str = "") -> None:
    """summary.csv, replications.parquet, claims.parquet, daily.parquet and manifest.json in `out`."""
    prepare_folder(out)
    atomic_write(out / "summary.csv", lambda p: result.summary.to_csv(p, index=False, float_format="%.10g"))
    for name, frame in (("replications", result.replications), ("claims", result.claims), ("daily", result.daily)):
        atomic_write(out / f"{name}.parquet", lambda p, frame=frame: frame.to_parquet(p, index=False))
    manifest = {
        "format_version": FORMAT_VERSION,
        "scenario_name": result.scenario.name,
        "seed": result.scenario.seed,
        "replications": int(result.replications["replication"].nunique()),
        "policies": list(result.policies),
        "command": command,
        "versions": package_versions(),
        "started": started,
        "finished": now_utc(),
        "scenario": scenario_to_dict(result.scenario),
    }
    atomic_write(out / "manifest.json", lambda p: p.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8"))


@dataclass(frozen=True)
class StoredResults:
    """A results folder read back, for analysis in pandas."""

    manifest: dict
    summary: pd.DataFrame
    replications: pd.DataFrame
    claims: pd.DataFrame
    daily: pd.DataFrame


def read_results(folder: str | Path) -> StoredResults:
    folder = Path(folder)
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        return StoredResults(
            manifest,
            pd.read_csv(folder / "summary.csv"),
            pd.read_parquet(folder / "replications.parquet"),
            pd.read_parquet(folder / "claims.parquet"),
            pd.read_parquet(folder / "daily.parquet"),
        )
    except FileNotFoundError as error:
        raise RecoverySimError(f"{folder}: not a complete results folder ({Path(error.filename).name} is missing)") from None
