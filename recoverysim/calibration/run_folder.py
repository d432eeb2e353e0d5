"""A calibration's folder: checked against --resume / --overwrite, its manifest written atomically,
and pyabc's database told apart from an empty or foreign file. The bookkeeping of
calibration/abc.py, apart from the fit itself."""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
from pathlib import Path

from recoverysim.calibration.outputs import package_versions
from recoverysim.errors import UsageError

SETTINGS = (
    "scenario_sha256",
    "worlds_sha256",
    "targets_sha256",
    "targets_fitted",
    "parameters",
    "seed",
    "replications",
    "population",
    "generations",
)
"""What must match for --resume to continue a calibration folder."""


def prepare_folder(folder: Path, settings: dict, resume: bool, overwrite: bool) -> dict:
    """Check the output folder against --resume / --overwrite; returns the stored manifest when
    resuming."""
    manifest = folder / "calibration.json"
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} is a file, not a folder")
    if manifest.exists() and overwrite:
        shutil.rmtree(folder)
    elif manifest.exists() and not resume:
        raise UsageError(
            f"{folder} holds a calibration; continue it with --resume or replace it with "
            "--overwrite"
        )
    elif resume and not manifest.exists():
        raise UsageError(f"{folder} holds no calibration to resume (no calibration.json)")
    elif folder.exists() and any(folder.iterdir()) and not manifest.exists():
        raise UsageError(f"{folder} is not empty and holds no calibration; choose another --out")
    folder.mkdir(parents=True, exist_ok=True)
    if not resume:
        return {}
    stored = json.loads(manifest.read_text(encoding="utf-8"))
    differ = [key for key in SETTINGS if stored.get(key) != settings[key]]
    if differ:
        raise UsageError(
            f"cannot resume {folder}: its calibration differs in {', '.join(differ)}; "
            "use the same settings, or --overwrite"
        )
    return stored


def write_manifest(folder: Path, manifest: dict) -> None:
    text = json.dumps({**manifest, "package_versions": package_versions()}, indent=2)
    (folder / "calibration.json.tmp").write_text(text + "\n", encoding="utf-8")
    (folder / "calibration.json.tmp").replace(folder / "calibration.json")


def holds_run(folder: Path) -> bool:
    """Whether the folder's calibration.db holds pyabc's run: a file that is empty (stopped before
    the first generation, or opened by another program) or not a database at all is started afresh,
    not loaded."""
    path = folder / "calibration.db"
    if not path.exists():
        return False
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
            return bool(
                connection.execute("SELECT count(*) FROM abc_smc WHERE id = 1").fetchone()[0]
            )
    except sqlite3.DatabaseError:
        path.unlink()
        return False
